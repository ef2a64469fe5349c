"""Every subcommand, given bad input, fails with one line on stderr, a non-zero exit status
and no traceback; ``--debug`` brings the traceback back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eas_encoder.cli import main
from eas_encoder.errors import EasError

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TEXT = str(CORPUS / "audio" / "text_named_wav.wav")
EMPTY = str(CORPUS / "audio" / "zero_length.wav")
ALERT = str(CORPUS / "audio" / "rate_8000.wav")
MP3 = str(CORPUS / "audio" / "damaged_mp3.mp3")
XXE = str(CORPUS / "cap" / "xxe_file.xml")
BOMB = str(CORPUS / "cap" / "billion_laughs.xml")
NOT_XML = str(CORPUS / "cap" / "not_xml.xml")
AMBER = str(CORPUS / "cap" / "valid_amber.xml")
GOOD = "ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-"


def bad_invocations(tmp: Path) -> dict[str, list[str]]:
    """Bad input for every subcommand (and every cap/cbs action), keyed by a readable id."""
    out = str(tmp / "out.wav")
    return {
        "encode-bad-duration": ["encode", "--duration", "0017", "-o", out],
        "encode-bad-header": ["encode", "--header", "ZCZC-garbage", "-o", out],
        "encode-bad-location": ["encode", "--location", "99999", "-o", out],
        "encode-message-not-audio": ["encode", "--message", TEXT, "-o", out],
        "encode-unwritable-output": ["encode", "-o", str(tmp / "no" / "such" / "dir.wav")],
        "encode-bad-rate": ["encode", "--rate", "7", "-o", out],
        "describe-garbage": ["describe", "hello"],
        "describe-control-char": ["describe", GOOD.replace("TOR", "T\x07R")],
        "decode-missing-file": ["decode", str(tmp / "missing.wav")],
        "decode-not-audio": ["decode", TEXT],
        "decode-empty-file": ["decode", EMPTY],
        "decode-damaged-mp3": ["decode", MP3],
        "decode-raw-rate-unsupported": ["decode", "--rate", "5", ALERT],
        "verify-not-audio": ["verify", TEXT, "--expect", GOOD],
        "verify-bad-expect": ["verify", ALERT, "--expect", "ZCZC-nonsense"],
        "check-not-audio": ["check", TEXT],
        "check-empty-file": ["check", EMPTY],
        "cap-validate-missing-file": ["cap", "validate", str(tmp / "missing.xml")],
        "cap-to-same-bomb": ["cap", "to-same", BOMB, "--station", "KXYZ/FM"],
        "cap-to-same-xxe": ["cap", "to-same", XXE, "--station", "KXYZ/FM"],
        "cap-to-wav-not-xml": ["cap", "to-wav", NOT_XML, "-o", out],
        "cap-from-same-garbage": ["cap", "from-same", "ZCZC-nonsense"],
        "cap-sign-missing-key": ["cap", "sign", AMBER, "--key", str(tmp / "missing.pem")],
        "cap-verify-not-xml": ["cap", "verify", NOT_XML],
        "text-garbage": ["text", "not a header"],
        "cbs-encode-bad-id": ["cbs", "encode", "hello", "--id", "70000"],
        "cbs-decode-odd-hex": ["cbs", "decode", "abc"],
        "cbs-decode-short-pdu": ["cbs", "decode", "0000"],
        "wea-garbage": ["wea", "not a header or a file"],
        "wea-xxe": ["wea", XXE],
        # argparse's own refusals are failures the user sees too.
        "usage-unknown-subcommand": ["nosuch"],
        "usage-missing-required": ["encode"],
        "usage-bad-choice": ["encode", "--attention", "loud", "-o", out],
        "usage-not-a-number": ["decode", "--rate", "fast", ALERT],
    }


IDS = sorted(bad_invocations(Path("/tmp")))


@pytest.mark.parametrize("case", IDS)
def test_failure_is_one_line_and_non_zero(case: str, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    """One stderr line, exit status > 0, no traceback, nothing read from outside the input,
    and no output file left behind.
    """
    rc = main(bad_invocations(tmp_path)[case])
    out, err = capfd.readouterr()
    assert rc != 0, (out, err)
    assert "Traceback" not in out + err
    assert "root:" not in out + err, "a file outside the input was read (XXE)"
    assert len(err.splitlines()) == 1, f"stderr is not one line: {err!r}"
    assert not (tmp_path / "out.wav").exists(), "partial output left behind"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """With --debug the error is raised, so the traceback reaches the developer."""
    with pytest.raises(EasError):
        main(["--debug", "describe", "hello"])
