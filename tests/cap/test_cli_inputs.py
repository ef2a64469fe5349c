"""Hostile input through ``eas-encoder cap`` and ``cbs``: one-line refusals naming the file or
field, never an internal error, a hang or a file read that was not asked for (issue 10).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eas_encoder.cli import main

from .conftest import AMBER


def _one_line_error(capsys, command: str = "cap") -> str:  # type: ignore[no-untyped-def]
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and err.startswith(f"eas-encoder {command}: error: "), err
    assert "Traceback" not in err + captured.out
    return err


def test_oversized_file_is_named(tmp_path: Path, capsys) -> None:
    """A 20 MB CAP: the error names the file, not '>10485760 bytes'."""
    big = tmp_path / "big-alert.xml"
    with big.open("wb") as fh:
        fh.write(b"<alert>")
        fh.truncate(20 * 1000 * 1000)  # sparse: costs no disk
    for args in (["validate", str(big)], ["to-same", str(big), "--station", "KXYZ/FM"]):
        assert main(["cap", *args]) == 2
        err = _one_line_error(capsys)
        assert str(big) in err and "10 MiB" in err
        assert ">10485760" not in err


@pytest.mark.parametrize("action", [["validate"], ["to-same", "--station", "KXYZ/FM"],
                                    ["verify"]])
def test_utf7_doctype_refused_without_reading_the_file(tmp_path: Path, capsys,
                                                       action: list[str]) -> None:
    """A UTF-7 document hiding an external parameter entity is refused for its encoding.

    Old main opened the named file; with file:///dev/zero it hung.
    """
    probe = tmp_path / "probe.dtd"
    probe.write_text("this is not a DTD\n")
    body = (f'+ADw-+ACE-DOCTYPE alert [+ADw-+ACE-ENTITY +ACU- p SYSTEM "{probe.as_uri()}"+AD4-'
            ' +ACU-p;]+AD4-\n+ADw-alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/+AD4-\n')
    doc = tmp_path / "utf7.xml"
    doc.write_bytes(b'<?xml version="1.0" encoding="UTF-7"?>\n' + body.encode("ascii"))
    rc = main(["cap", action[0], str(doc), *action[1:]])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert rc != 0
    assert "UTF-7" in text and "encoding" in text, text
    assert "Content error" not in text and "Traceback" not in text


def test_from_same_control_character_in_headline(capsys) -> None:
    """Issue 10: a control character in --headline was an internal ValueError."""
    assert main(["cap", "from-same", "ZCZC-CIV-CAE-006037+0200-0740205-KXYZ/FM -",
                 "--reference", "2026-03-15T00:00Z", "--headline", "a\x01b"]) == 2
    err = _one_line_error(capsys)
    assert "headline" in err and "control character" in err


def test_cbs_decode_empty_stdin(monkeypatch, capsys) -> None:
    """Issue 10: empty stdin to `cbs decode -` was an internal ValueError."""
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["cbs", "decode", "-"]) == 2
    assert "no PDU" in _one_line_error(capsys, "cbs")


def test_validate_reads_stdin_bounded(monkeypatch, capsys) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(AMBER.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["cap", "validate", "-"]) == 0
    assert "-: valid" in capsys.readouterr().out
