"""``eas-encoder encode`` and ``describe``, in process: output, defaults, and every bad input
giving one line on stderr, exit code 2 and no output file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.cli import encode as encode_cli
from eas_encoder.cli import main
from eas_encoder.same.transmission import DEFAULT_LEVEL_DBFS, DEFAULT_SAMPLE_RATE
from eas_encoder.same.waveform import ATTENTION_DEFAULT_SECONDS

FIELDS = ["--org", "CIV", "--event", "CAE", "--location", "006037", "--location", "006059",
          "--duration", "0130", "--issued", "2026-11-29T08:00Z", "--station", "KXYZ/FM"]


def test_defaults_write_a_demo_wav(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "demo.wav"
    assert main(["encode", "-o", str(out)]) == 0
    info = sf.info(str(out))
    assert info.samplerate == DEFAULT_SAMPLE_RATE and info.subtype == "PCM_16"
    assert "ZCZC-EAS-DMO-999000+0015-" in capsys.readouterr().err


def test_cli_defaults_equal_library_defaults() -> None:
    parser = encode_cli  # the module's registered defaults are the library constants
    import argparse
    sub = argparse.ArgumentParser().add_subparsers()
    parser.register(sub)
    args = sub.choices["encode"].parse_args(["-o", "x.wav"])
    assert args.rate == DEFAULT_SAMPLE_RATE
    assert args.level == DEFAULT_LEVEL_DBFS
    assert args.attention_seconds == ATTENTION_DEFAULT_SECONDS


@pytest.mark.parametrize(("fmt", "bits", "subtype"),
                         [("wav", "24", "PCM_24"), ("wav", "float", "FLOAT"),
                          ("flac", "16", "PCM_16")])
def test_formats(tmp_path: Path, fmt: str, bits: str, subtype: str) -> None:
    out = tmp_path / f"a.{fmt}"
    assert main(["encode", *FIELDS, "--bits", bits, "--rate", "22050", "-o", str(out)]) == 0
    info = sf.info(str(out))
    assert info.subtype == subtype and info.samplerate == 22050


def test_raw_to_stdout(capfdbinary: pytest.CaptureFixture) -> None:
    assert main(["encode", *FIELDS, "--rate", "8000", "--attention", "none",
                 "--format", "raw", "-o", "-"]) == 0
    raw = capfdbinary.readouterr().out
    x = np.frombuffer(raw, dtype="<i2")
    assert len(x) > 8000 * 5 and np.max(np.abs(x)) > 20000


def test_literal_header_and_message_file(tmp_path: Path) -> None:
    msg = tmp_path / "msg.wav"
    t = np.arange(44100 * 2) / 44100
    sf.write(str(msg), np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 0.3, 44100)
    out = tmp_path / "tor.wav"
    assert main(["encode", "--header", "ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-",
                 "--attention", "nwr", "--attention-seconds", "10", "--message", str(msg),
                 "--rate", "16000", "-o", str(out)]) == 0
    x, fs = sf.read(str(out))
    # lead 0.5 + 3 x (58-byte burst 0.891 s + 1 s) + tone 10 + 1 + message 2 + 1
    # + 3 x (20-byte EOM 0.307 s + 1 s) + tail 0.5 = 24.59 s
    assert len(x) / fs == pytest.approx(0.5 + 3 * (58 * 8 * 1.92e-3 + 1) + 11 + 3
                                        + 3 * (20 * 8 * 1.92e-3 + 1) + 0.5, abs=1e-3)


def test_describe(capsys: pytest.CaptureFixture) -> None:
    assert main(["describe", "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -"]) == 0
    out = capsys.readouterr().out
    for text in ("Civil authorities", "Child Abduction Emergency", "Los Angeles County, CA",
                 "Orange County, CA", "KXYZ/FM"):
        assert text in out


BAD = [
    (["--event", "XYZ"], "event"),
    (["--org", "ABC"], "originator"),
    (["--header", "ZCZC-EAS-RWT-+0015-3330800-KXYZ/FM -"], "locations"),
    (["--location", "06037"], "location"),
    (["--location", "0060371"], "location"),
    (["--duration", "0017"], "valid_time"),
    (["--duration", "+0017"], "valid_time"),
    (["--station", "KXYZ/FM/TV"], "station"),
    (["--station", "KXYZ-FM"], "station"),
    (["--issued", "2026-11-29T08:00"], "issued"),
    (["--issued", "yesterday"], "issued"),
    (["--message", "/nonexistent/msg.wav"], "file"),
    (["--rate", "4000"], "rate"),
    (["--attention-seconds", "30"], "attention_seconds"),
    (["--attention", "eas", "--attention-seconds", "5"], "attention_seconds"),
    (["--level", "3"], "level"),
    (["--header", "ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM -", "--event", "RWT"],
     "--header"),
]


@pytest.mark.parametrize(("extra", "field"), BAD)
def test_bad_input_is_one_line_exit_2_no_file(tmp_path: Path, capsys: pytest.CaptureFixture,
                                              extra: list[str], field: str) -> None:
    out = tmp_path / "alert.wav"
    assert main(["encode", *extra, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("eas-encoder encode: error:") and field in err, err
    assert "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_thirty_two_locations_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    locs = [a for c in range(1, 33) for a in ("--location", f"006{c:03d}")]
    assert main(["encode", *locs, "-o", str(tmp_path / "x.wav")]) == 2
    assert "1 to 31" in capsys.readouterr().err


def test_unreadable_message_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "msg.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert main(["encode", "--message", str(bad), "-o", str(tmp_path / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert "cannot be read as audio" in err
    assert not (tmp_path / "x.wav").exists()


def test_unlisted_event_allowed_on_request(tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    assert main(["encode", "--event", "XYZ", "--allow-unlisted", "--attention", "none",
                 "-o", str(out)]) == 0
    assert out.exists()


def test_unwritable_output(capsys: pytest.CaptureFixture) -> None:
    assert main(["encode", "-o", "/nonexistent-dir/x.wav"]) == 2
    assert "output" in capsys.readouterr().err


def test_devices_are_written_into_not_replaced(capsys: pytest.CaptureFixture) -> None:
    """A rename over /dev/full once replaced the device node with a WAV (found by trying it
    as root): devices are written into, and a full one is an error.
    """
    import os
    import stat

    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full character device here")
    assert main(["encode", "-o", "/dev/null"]) == 0
    assert main(["encode", "-o", "/dev/full"]) == 2
    assert "No space left" in capsys.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_unknown_output_extension_is_refused(tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    assert main(["encode", "-o", str(tmp_path / "alert.mp3")]) == 2
    assert ".mp3" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert main(["encode", "--format", "wav", "-o", str(tmp_path / "alert.mp3")]) == 0


def test_decoded_text_cannot_drive_the_terminal(capsys: pytest.CaptureFixture) -> None:
    """Pages and bursts come from the air: control characters are printed as escapes."""
    from eas_encoder.cli import terminal_text

    assert terminal_text("AB\x1b[2J\x00\x0eC é") == "AB\\x1b[2J\\x00\\x0eC é"


def test_level_below_minus_60_dbfs_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    assert main(["encode", "--level", "-200", "-o", str(tmp_path / "q.wav")]) == 2
    assert "-60 to 0 dBFS" in capsys.readouterr().err


def test_long_message_refused_unless_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    """A long --message is refused unless --allow-long (issue 10).

    It once took 2.6 GB per hour of message with no limit; the limit is lowered here so the
    test stays small.
    """
    import numpy as np
    import soundfile as sf

    from eas_encoder.cli import encode

    assert encode.MAX_MESSAGE_SECONDS == 600
    monkeypatch.setattr(encode, "MAX_MESSAGE_SECONDS", 2.0)
    msg = tmp_path / "long.wav"
    sf.write(msg, np.zeros(3 * 8000, np.int16), 8000)
    out = tmp_path / "x.wav"
    argv = ["encode", "--attention", "none", "--rate", "8000", "--message", str(msg),
            "-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--allow-long" in err and "longer than 2 s" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert main([*argv, "--allow-long"]) == 0
    assert sf.info(out).duration > 3
