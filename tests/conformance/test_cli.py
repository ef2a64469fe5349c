"""``eas-encoder check`` in-process: exit codes, table, JSON and the timeline picture."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eas_encoder.audio import write_audio
from eas_encoder.cli import main
from eas_encoder.cli.check import EXIT_FINDINGS
from eas_encoder.same.transmission import encode_transmission

from .signals import HEADER, header_burst, transmission


@pytest.fixture(scope="module")
def own_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("own") / "own.wav"
    tx = encode_transmission(HEADER.decode(), fs=22050)
    write_audio(path, tx.samples, tx.fs)
    return path


def test_own_output_passes_in_text(own_wav, capsys):
    assert main(["check", str(own_wav), "--all"]) == 0
    out = capsys.readouterr().out
    assert "FAIL " not in out and "WARN " not in out
    assert out.splitlines()[1].startswith("PASS: ")  # the summary leads
    assert "BURST.BIT_RATE" in out and "520.833 bit/s" in out


def test_default_text_leads_with_summary_and_hides_passes(slow_wav, capsys):
    assert main(["check", str(slow_wav)]) == EXIT_FINDINGS
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("FAIL: ")
    assert lines[2].startswith("failing rules: BURST.BIT_RATE (3 parts")
    assert any("whole samples per bit, 42 at 22050 Hz" in x for x in lines[:12])
    assert not any(x.startswith("PASS ") for x in lines)
    assert "passing findings not shown; --all lists every finding" in lines[-1]


def test_own_output_passes_in_json(own_wav, capsys):
    assert main(["check", str(own_wav), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "pass" and doc["fs"] == 22050
    assert doc["counts"]["fail"] == 0 and doc["counts"]["pass"] > 100
    assert {e["kind"] for e in doc["events"]} == {"header", "attention", "eom"}
    rule = next(f for f in doc["findings"] if f["rule_id"] == "BURST.BIT_RATE")
    assert rule["unit"] == "ppm" and abs(rule["value"]) < 20


def test_bit_rate_fault_exits_3_and_names_the_error(slow_wav, capsys):
    assert main(["check", str(slow_wav), "--problems"]) == EXIT_FINDINGS
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("FAIL ") and "BURST.BIT_RATE" in x)
    assert line.startswith("FAIL") and "+8000 ppm" in line and "525.000 bit/s" in line
    assert not any(x.startswith("PASS ") for x in out.splitlines())  # --problems hides them


def test_strict_makes_warnings_fail(tmp_path, capsys):
    fs = 22050
    path = tmp_path / "nul.wav"
    padded = header_burst(fs, HEADER + b"\x00\x00")
    write_audio(path, transmission(fs, headers=[padded] * 3), fs)
    assert main(["check", str(path)]) == 0
    assert main(["check", str(path), "--strict"]) == EXIT_FINDINGS
    assert "BURST.JUNK_AFTER" in capsys.readouterr().out


def test_plot_writes_a_png(own_wav, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "timeline.png"
    assert main(["check", str(own_wav), "--plot", str(png), "--json"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(capsys.readouterr().out)["verdict"] == "pass"


def test_plot_without_matplotlib_is_a_clear_error(own_wav, tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *a, **kw):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["check", str(own_wav), "--plot", str(tmp_path / "t.png")]) == 2
    assert "matplotlib" in capsys.readouterr().err


def test_raw_input_needs_and_uses_rate(tmp_path, capsys):
    fs = 16000
    tx = encode_transmission(HEADER.decode(), fs=fs)
    raw = tmp_path / "x.raw"
    raw.write_bytes((np.round(tx.samples * 32767)).astype("<i2").tobytes())
    assert main(["check", str(raw), "--rate", str(fs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fs"] == fs
    assert main(["check", str(raw), "--rate", "4000"]) == 2
    assert "rate" in capsys.readouterr().err


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.wav")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_one_bit_rate_figure_in_decode_and_check(slow_wav, capsys):
    """Decode --bursts prints the checker's estimate, not the receiver's own (issue 14)."""
    main(["decode", "--bursts", str(slow_wav)])
    bursts = [x for x in capsys.readouterr().out.splitlines()
              if x.startswith("BURST") and "ZCZC" in x]
    assert len(bursts) == 3
    main(["check", "--all", str(slow_wav)])
    checked = [x for x in capsys.readouterr().out.splitlines() if "BURST.BIT_RATE" in x
               and x.startswith("FAIL")]
    assert len(checked) == 3
    for b, c in zip(bursts, checked, strict=True):
        rate = b.split("rate=")[1].split("bit/s")[0]
        assert f"{rate} bit/s" in c and "+8000" in b
