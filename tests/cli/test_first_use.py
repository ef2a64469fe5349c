"""What a first-time user hit (issue 16): input that must be refused or flagged, each with one
line on stderr, exit code 2 and no output file; and what must still go through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.cli import encode as encode_cli
from eas_encoder.cli import main

ESPEAK = shutil.which("espeak-ng")
UNLISTED = "ZCZC-CIV-CAE-006999+0130-3330800-KXYZ/FM -"


def _one_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_unknown_county_refused_by_encode_naming_the_range(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "a.wav"
    assert main(["encode", "--location", "006999", "-o", str(out)]) == 2
    err = _one_error(capsys)
    assert "006999" in err and "California" in err and "001-115" in err
    assert "Yuba County" in err and "--allow-unlisted" in err
    assert not out.exists()
    assert main(["encode", "--header", UNLISTED, "-o", str(out)]) == 2
    assert not out.exists()


def test_unknown_county_allowed_on_request_and_decoded_flagged(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "a.wav"
    assert main(["encode", "--header", UNLISTED, "--allow-unlisted", "--rate", "8000",
                 "--attention", "none", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["decode", str(out)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("HEADER") and "006999" in line and "unlisted=006999" in line
    assert main(["decode", "--json", str(out)]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["unlisted_locations"] == ["006999"]


def test_listed_places_are_not_flagged(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for loc in ("006037", "006000", "000000", "999000", "057450", "106037"):
        assert main(["describe", f"ZCZC-CIV-CAE-{loc}+0130-3330800-KXYZ/FM -"]) == 0, loc
    assert "unknown" not in capsys.readouterr().out


def test_describe_refuses_unknown_county_unless_allowed(capsys: pytest.CaptureFixture) -> None:
    assert main(["describe", UNLISTED]) == 2
    assert "no county 999 in California" in _one_error(capsys)
    assert main(["describe", "--allow-unlisted", UNLISTED]) == 0
    assert "county 999, CA (unknown county)" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["2", "-1", "0", "nan", "x"])
def test_min_confidence_outside_0_1_refused(tmp_path: Path, capsys: pytest.CaptureFixture,
                                            value: str) -> None:
    assert main(["decode", "--min-confidence", value, str(tmp_path / "none.wav")]) == 2
    assert "--min-confidence" in _one_error(capsys)


@pytest.mark.parametrize(("issued", "words"), [
    ("1900-01-01T00:00Z", "1997-2099"),
    ("9999-12-31T23:00Z", "1997-2099"),
    ("2026-02-30T08:00Z", "day out of range"),
    ("2026-13-01T08:00Z", "month must be in 1..12"),
    ("tomorrow", "not an ISO 8601 time"),
])
def test_issued_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture, issued: str,
                             words: str) -> None:
    out = tmp_path / "a.wav"
    assert main(["encode", "--issued", issued, "-o", str(out)]) == 2
    assert words in _one_error(capsys)
    assert not out.exists()


def test_format_must_match_the_output_name(tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "x.wav"
    assert main(["encode", "--format", "flac", "-o", str(out)]) == 2
    assert "does not match the output name" in _one_error(capsys)
    assert not out.exists()
    other = tmp_path / "x.bin"  # an extension naming no format: --format decides
    assert main(["encode", "--format", "flac", "--rate", "8000", "-o", str(other)]) == 0
    assert sf.info(str(other)).format == "FLAC"


def test_message_audio_with_a_nested_header_refused(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    inner = tmp_path / "inner.wav"
    assert main(["encode", "--rate", "8000", "--attention", "none", "-o", str(inner)]) == 0
    out = tmp_path / "outer.wav"
    capsys.readouterr()
    assert main(["encode", "--message", str(inner), "--rate", "8000", "-o", str(out)]) == 2
    err = _one_error(capsys)
    assert "ZCZC-EAS-DMO-999000" in err and "--allow-nested" in err
    assert not out.exists()
    assert main(["encode", "--message", str(inner), "--allow-nested", "--rate", "8000",
                 "-o", str(out)]) == 0


def test_plain_message_audio_accepted_long_one_warned(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    msg = tmp_path / "msg.wav"
    t = np.arange(8000 * 130) / 8000
    sf.write(str(msg), 0.3 * np.sin(2 * np.pi * 440 * t), 8000)
    out = tmp_path / "a.wav"
    assert main(["encode", "--message", str(msg), "--rate", "8000", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: the message is 130 s long" in err and "11.33(a)(3)(i)" in err


def test_cbs_encode_empty_text_refused(capsys: pytest.CaptureFixture) -> None:
    for text in ("", "   "):
        assert main(["cbs", "encode", "--id", "4379", text]) == 2
        assert "empty" in _one_error(capsys)


def test_long_tts_spoken_in_pieces_with_progress(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture) -> None:
    spoken: list[tuple[str, str]] = []

    def fake(text: str, fs: int, *, voice: str) -> np.ndarray:
        spoken.append((text, voice))
        return np.zeros(len(text), dtype=np.float32)

    monkeypatch.setattr(encode_cli, "synthesize", fake)
    text = "This is a test of a long message. " * 200
    x = encode_cli.speak(text, 8000, "es")
    assert "".join(t for t, _ in spoken) == text and len(x) == len(text)
    assert len(spoken) > 3 and {v for _, v in spoken} == {"es"}
    assert all(t.endswith(".") for t, _ in spoken[:-1])  # cut between sentences
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(spoken) and lines[-1].endswith("(100 %)")
    encode_cli.speak("Short.", 8000, "en-us")
    assert capsys.readouterr().err == ""


def test_tts_over_the_limit_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = tmp_path / "long.txt"
    text.write_text("word " * 4001, "utf-8")
    assert main(["encode", "--tts-file", str(text), "-o", str(tmp_path / "a.wav")]) == 2
    assert "longer than 20000 characters" in _one_error(capsys)


def test_tts_file_unreadable_or_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["encode", "--tts-file", str(tmp_path / "no.txt"), "-o",
                 str(tmp_path / "a.wav")]) == 2
    assert "--tts-file" in _one_error(capsys)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    assert main(["encode", "--tts-file", str(bad), "-o", str(tmp_path / "a.wav")]) == 2
    assert "not UTF-8" in _one_error(capsys)


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
def test_tts_file_from_stdin_with_a_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Prueba.")))
    out = tmp_path / "a.wav"
    assert main(["encode", "--tts-file", "-", "--voice", "es", "--rate", "8000",
                 "-o", str(out)]) == 0
    assert sf.info(str(out)).duration > 8 + 3 * 2


# --- messages ---------------------------------------------------------------------------------

def test_bad_header_value_shown_whole(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["verify", str(tmp_path / "a.wav"), "--expect", "garbage"]) == 2
    assert "'garbage'" in _one_error(capsys)


@pytest.mark.parametrize("command", ["decode", "verify", "check"])
def test_raw_rate_has_one_range(tmp_path: Path, capsys: pytest.CaptureFixture,
                                command: str) -> None:
    extra = ["--expect", "ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM -"] * (command == "verify")
    errors = set()
    for rate in ("0", "4000", "400000", "x"):
        assert main([command, "--rate", rate, "-", *extra]) == 2
        errors.add(_one_error(capsys).split(": ", 3)[-1].removeprefix(rate))
    assert len(errors) == 1 and "8000 to 192000" in errors.pop()


def test_garbage_key_file_names_no_library_faq(tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not a key\n")
    sample = Path(__file__).resolve().parents[2] / "samples" / "cap_amber_ipaws.xml"
    assert main(["cap", "sign", str(sample), "--key", str(key)]) == 2
    err = _one_error(capsys)
    assert "http" not in err and "openssl req -x509" in err


def test_cap_validate_failure_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x'
                   '</identifier></alert>')
    assert main(["cap", "validate", str(bad)]) == 3
    assert "invalid" in capsys.readouterr().out


def _all_parsers() -> list:
    import argparse

    from eas_encoder.cli import build_parser

    todo, found = [build_parser()], []
    while todo:
        p = todo.pop()
        found.append(p)
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())
    return found


def test_every_help_states_the_exit_codes() -> None:
    parsers = _all_parsers()
    assert len(parsers) > 12
    for p in parsers:
        text = p.format_help()
        assert "exit status:" in text and "  2  usage error or bad input" in text, p.prog
    helps = {p.prog: p.format_help() for p in parsers}
    for prog in ("eas-encoder check", "eas-encoder verify", "eas-encoder cap validate",
                 "eas-encoder cap verify"):
        assert "\n  3  " in helps[prog], prog
    assert "\n  3  " not in helps["eas-encoder encode"]


def test_one_tz_option_wherever_local_times_are_printed(capsys: pytest.CaptureFixture) -> None:
    sample = str(Path(__file__).resolve().parents[2] / "samples" / "cap_amber_ipaws.xml")
    header = "ZCZC-CIV-CAE-006037+0130-0740205-KXYZ/FM -"
    runs = {
        "text": ["text", header, "--reference", "2026-03-15T00:00Z"],
        "wea": ["wea", header, "--reference", "2026-03-15T00:00Z"],
        "cap to-same": ["cap", "to-same", sample, "--station", "KXYZ/FM", "--text"],
    }
    for name, argv in runs.items():
        assert main([*argv, "--tz", "America/Los_Angeles"]) == 0, name
        out = capsys.readouterr().out
        assert "7:05 PM PDT" in out, (name, out)
        assert main(argv) == 0, name
        assert "2:05 AM UTC" in capsys.readouterr().out, name


# --- small gaps -------------------------------------------------------------------------------

def test_version_from_package_metadata(capsys: pytest.CaptureFixture) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"eas-encoder {version('eas-encoder')}"


def test_decode_verbose_says_when_nothing_is_found(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    quiet = tmp_path / "quiet.wav"
    sf.write(str(quiet), np.zeros(8000), 8000)
    assert main(["decode", str(quiet)]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["decode", "--verbose", str(quiet)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no alert found" in err


def test_samples_beyond_float32_decode_without_a_warning() -> None:
    import warnings

    from eas_encoder.same.decoder import Receiver, decode

    x = np.zeros(16000)
    x[5], x[6], x[7], x[8] = 1e300, np.inf, np.nan, -1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fuzzing printed "overflow encountered in cast"
        assert decode(x, 8000) == []
        assert decode(np.stack([x, -x], axis=1), 8000) == []
        rx = Receiver(8000)
        assert [*rx.feed(x), *rx.flush()] == []


def _subcommand_paths() -> list[str]:
    from eas_encoder.cli import build_parser
    from eas_encoder.cli.completion import command_table

    return [p for p in command_table(build_parser()) if p]


def test_bash_completion_lists_every_subcommand(capsys: pytest.CaptureFixture) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    paths = _subcommand_paths()
    assert {"encode", "decode", "cap validate", "cbs decode", "completion"} <= set(paths)
    for path in paths:
        assert f'"{path}"' in script, path
    assert "complete -o default -F _eas_encoder eas-encoder" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import subprocess

    assert main(["completion", "bash"]) == 0
    script = tmp_path / "c.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words: str) -> list[str]:
        quoted = " ".join(f"'{w}'" for w in words)
        cmd = (f"source {script}; COMP_WORDS=(eas-encoder {quoted}); "
               f"COMP_CWORD={len(words)}; _eas_encoder; echo \"${{COMPREPLY[@]}}\"")
        return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True,
                              check=True, timeout=30).stdout.split()

    top = [p for p in _subcommand_paths() if " " not in p]
    assert complete("") == top
    assert complete("cap", "v") == ["validate", "verify"]
    assert complete("encode", "--attention", "") == ["eas", "nwr", "none"]
    assert complete("cap", "validate", "--pro") == ["--profile"]


def test_zsh_completion_is_a_compdef_for_every_subcommand(
        capsys: pytest.CaptureFixture) -> None:
    assert main(["completion", "zsh"]) == 0
    script = capsys.readouterr().out
    assert script.startswith("#compdef eas-encoder\n")
    for path in _subcommand_paths():
        assert f'"{path}"' in script, path


def test_rate_on_a_wav_file_is_refused_not_read_as_raw(tmp_path, capsys):
    """A new user's `decode --rate 22050 amber.wav` used to decode nothing, silently."""
    from eas_encoder.audio import write_audio
    from eas_encoder.same.transmission import encode_transmission

    wav = tmp_path / "amber.wav"
    tx = encode_transmission("ZCZC-CIV-CAE-006037+0130-3330800-KXYZ/FM -", fs=48000)
    write_audio(wav, tx.samples, tx.fs)
    for command in ("decode", "check"):
        assert main([command, "--rate", "22050", str(wav)]) == 2
        err = capsys.readouterr().err
        assert "is a WAV file" in err and "leave --rate out" in err


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_unknown_voice_is_refused_not_spoken_in_the_default(tmp_path, capsys):
    """espeak-ng speaks an unknown voice in its default voice and exits 0."""
    out = tmp_path / "v.wav"
    assert main(["encode", "--voice", "klingon", "--tts", "hi", "-o", str(out)]) == 2
    assert "voice 'klingon': is not an espeak-ng voice" in capsys.readouterr().err
    assert not out.exists()
    assert main(["encode", "--voice", "en-us+f3", "--tts", "hi", "--rate", "8000",
                 "-o", str(out)]) == 0


def test_unlisted_code_refusal_names_the_cli_flag_only(tmp_path, capsys):
    """The CLI said "pass allow_unlisted / --allow-unlisted": a keyword argument it has not."""
    from eas_encoder.errors import HeaderError
    from eas_encoder.same.header import Header

    out = tmp_path / "a.wav"
    assert main(["encode", "--event", "XYZ", "-o", str(out)]) == 2
    err = _one_error(capsys)
    assert "pass --allow-unlisted" in err and "allow_unlisted" not in err
    assert main(["encode", "--event", "XYZ", "--allow-unlisted", "--rate", "8000",
                 "--attention", "none", "-o", str(out)]) == 0
    capsys.readouterr()
    # cap from-same has no such flag: the hint is dropped, not a flag it lacks named.
    assert main(["cap", "from-same", "ZCZC-CIV-XYZ-006037+0130-3330800-KXYZ/FM -",
                 "-o", str(tmp_path / "a.xml")]) == 2
    assert "unlisted" not in _one_error(capsys)
    with pytest.raises(HeaderError, match="allow_unlisted=True") as exc:
        Header.parse("ZCZC-CIV-XYZ-006037+0130-3330800-KXYZ/FM -")
    assert "--allow" not in str(exc.value)


def test_lower_case_event_refused_naming_the_code(tmp_path, capsys):
    """SAME codes are upper case on the wire; what is typed is what airs, so `rwt` is refused
    with the code meant instead of being changed.
    """
    assert main(["encode", "--event", "rwt", "-o", str(tmp_path / "a.wav")]) == 2
    assert "(write 'RWT')" in _one_error(capsys)
    assert main(["encode", "--org", "civ", "-o", str(tmp_path / "a.wav")]) == 2
    assert "(write 'CIV')" in _one_error(capsys)
    assert main(["encode", "--event", "zzz", "-o", str(tmp_path / "a.wav")]) == 2
    assert "write" not in _one_error(capsys)


def test_plain_text_given_as_cap_is_not_xml_not_ebcdic(tmp_path, capsys):
    for name, data in (("notes.txt", b"hello, this is not an alert\n"),
                       ("a.json", '{"caf\u00e9": 1}'.encode())):
        path = tmp_path / name
        path.write_bytes(data)
        assert main(["cap", "to-same", str(path)]) == 2
        err = _one_error(capsys)
        assert "not XML" in err and "EBCDIC" not in err and "encoding" not in err


def test_truncated_cap_names_one_position(tmp_path, capsys):
    path = tmp_path / "cut.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<alert xmlns="urn:oasis:names:tc:emergency:'
                     b'cap:1.2"><identifier>')
    assert main(["cap", "to-same", str(path)]) == 2
    err = _one_error(capsys)
    assert "at line 2, column 65:" in err and err.count("line") == 1 and "(at " not in err
    assert main(["cap", "validate", str(path)]) == 3
    report = capsys.readouterr().out
    assert "at line 2, column 65:" in report and report.count("line 2") == 1


def test_readme_rtl_fm_demodulates_fm(capsys):
    """rtl_fm's default demodulation is not FM: without -M fm it feeds the decoder noise."""
    from tests.test_readme import README, sh_commands

    lines = [c for c in sh_commands(README.read_text()) if c.startswith("rtl_fm ")]
    assert lines and all(" -M fm " in c for c in lines)
    assert main(["decode", "--help"]) == 0
    assert "-M fm" in capsys.readouterr().out


def test_decode_fields_explained_in_help_and_readme(capsys):
    from tests.test_readme import README

    assert main(["decode", "--help"]) == 0
    help_text = capsys.readouterr().out
    for field in ("bursts=N", "corrected=N", "confidence=P"):
        assert f"\n  {field} " in help_text, field
    assert "`bursts=2` counts the bursts that decided it" in README.read_text()
