"""``eas-encoder decode`` and ``eas-encoder verify``, run in-process."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from eas_encoder.audio import write_audio
from eas_encoder.cli import main
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission

TEXT = "ZCZC-WXR-TOR-048453-048491+0045-1231745-KEWX/NWS-"


@pytest.fixture(scope="module")
def alert_wav(tmp_path_factory):
    t = encode_transmission(Header.parse(TEXT), fs=22050, attention="nwr",
                            attention_seconds=8.0)
    path = tmp_path_factory.mktemp("decode") / "tor.wav"
    write_audio(path, t.samples, t.fs)
    return path, t


def test_decode_file_prints_one_line_per_event(alert_wav, capsys):
    path, _ = alert_wav
    assert main(["decode", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["HEADER", "ATTN", "EOM"]
    assert TEXT in lines[0] and "bursts=2" in lines[0]   # confirmed by the first two
    assert "nwr" in lines[1] and "1050.0" in lines[1]


def test_decode_json_with_description(alert_wav, capsys):
    path, _ = alert_wav
    assert main(["decode", "--json", "--describe", str(path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    header = rows[0]
    assert header["event"] == "header" and header["text"] == TEXT
    assert header["bursts"] == 2 and header["confidence"] > 0.99
    assert "Tornado Warning" in header["description"]
    assert {r["event"] for r in rows} == {"header", "attention", "eom"}


def test_decode_raw_stdin_pipe(alert_wav, capsys, monkeypatch):
    _, t = alert_wav
    pcm = (np.clip(t.samples, -1, 1) * 32767).astype("<i2").tobytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pcm)))
    assert main(["decode", "--rate", "22050", "-"]) == 0
    out = capsys.readouterr().out
    assert TEXT in out and "EOM" in out


def test_verify_ok_and_mismatch(alert_wav, capsys):
    path, _ = alert_wav
    assert main(["verify", str(path), "--expect", TEXT, "--eom"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("verified")
    other = TEXT.replace("TOR", "SVR")
    assert main(["verify", str(path), "--expect", other]) == 3
    out = capsys.readouterr().out
    assert f"MISSING {other}" in out and f"UNEXPECTED {TEXT}" in out


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["decode", str(tmp_path / "missing.wav")]) == 2
    assert "error" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "x.wav"), "--expect", "ZCZC-garbage"]) == 2
    raw = tmp_path / "x.raw"
    raw.write_bytes(b"\0" * 100)
    assert main(["decode", "--rate", "4000", str(raw)]) == 2
