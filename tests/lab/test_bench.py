"""The decoder test bench: adapters, scoring and the lab CLI."""

import json
import shutil
import sys

import numpy as np
import pytest

from eas_encoder.cli import main
from eas_encoder.errors import EasError
from eas_encoder.lab import impair
from eas_encoder.lab.bench import FS, conditions, run_bench, score
from eas_encoder.lab.decoders import (
    BUILTIN,
    OURS,
    Decoder,
    accepted,
    parse_decoder,
    run_decoder,
)
from eas_encoder.same.decoder import decode
from eas_encoder.same.transmission import encode_transmission

HEADER = "ZCZC-WXR-TOR-029095-029037+0030-3330800-KEAX/NWS-"

# A stand-in vendor decoder: prints every burst our receiver sees, like minimodem does, so
# the 2-of-3 scoring of per-burst decoders is exercised without a third-party program.
BURST_PRINTER = (f"{sys.executable} -c \"import sys, soundfile as sf; "
                 "from eas_encoder.same.decoder import ReceiverConfig, decode; "
                 "x, fs = sf.read(sys.argv[1], dtype='float32'); "
                 "[print(e.text) for e in decode(x, fs, ReceiverConfig(bursts=True)) "
                 "if e.kind == 'burst']\" "
                 "{wav}")


def test_score_counts_exact_reports_and_false_ones():
    assert score(("A", "B"), ("A", "A", "C")) == (0.5, 1)
    assert score(("A", "A"), ("A",)) == (0.5, 0)  # a repeat must be reported twice
    assert score((), ("C",)) == (None, 1)


def test_per_burst_decoders_need_two_identical_prints():
    assert accepted(["A", "B", "A", "C"], per_burst=True) == ["A"]
    assert accepted(["A", "A", "A", "A"], per_burst=True) == ["A", "A"]
    assert accepted(["A", "B"], per_burst=False) == ["A", "B"]


def test_decoder_specs():
    assert parse_decoder("multimon-ng") is BUILTIN["multimon-ng"]
    d = parse_decoder("mine/burst=./rx --in {wav} -r {rate}")
    assert d.name == "mine" and d.per_burst and d.command == ("./rx", "--in", "{wav}", "-r",
                                                            "{rate}")
    assert parse_decoder("s=samedec -r {rate} {stdin}").stdin
    for bad in ("nosuch", "x=rx --no-file", "x='unclosed", "=rx {wav}"):
        with pytest.raises(EasError) as err:
            parse_decoder(bad)
        assert err.value.field == "decoder"


def test_a_burst_printing_decoder_is_scored_by_two_of_three():
    tx = encode_transmission(HEADER, fs=FS, attention="none")
    run = run_decoder(parse_decoder(f"printer/burst={BURST_PRINTER}"), tx.samples, FS)
    assert run.error == "" and run.headers == (HEADER,)


def test_missing_program_and_timeout_are_errors_not_crashes():
    x = np.zeros(FS, dtype=np.float32)
    assert "not installed" in run_decoder(Decoder("x", ("/nonexistent/rx", "{wav}")), x, FS).error
    slow = Decoder("slow", (sys.executable, "-c", "import time; time.sleep(30)", "{wav}"))
    assert "timed out" in run_decoder(slow, x, FS, timeout=0.5).error


def test_battery_covers_the_issue_conditions():
    groups = {c.group for c in conditions(quick=True)}
    assert groups >= {"Eb/N0", "bit-rate error", "carrier offset", "broadcast chain",
                      "lost burst", "ENDEC profile", "8th bit", "repeat", "no alert"}
    names = {c.name for c in conditions(quick=True, codecs=False)}
    assert {"pre-emphasis left in", "double de-emphasis", "60 Hz hum",
            "mu-law telephone line"} <= names


def test_our_receiver_scores_on_the_hard_conditions():
    ours = Decoder(OURS, ())
    picked = [c for c in conditions(quick=True, codecs=False)
              if c.name in ("middle burst lost", "sage", "8th bit set", "10 dB")]
    rows = [row for row, _ in run_bench([ours], trials=2, only=picked)]
    assert [r[OURS]["success"] for r in rows] == [1.0] * len(picked)
    assert all(r[OURS]["false"] == 0 for r in rows)


@pytest.mark.parametrize("name", ["pre_emphasis", "de_emphasis", "hum", "telephone"])
def test_impairments_keep_length_and_our_receiver_still_decodes(name):
    tx = encode_transmission(HEADER, fs=FS, attention="none")
    y = getattr(impair, name)(tx.samples, FS)
    assert y.dtype == np.float32 and len(y) == len(tx.samples)
    assert any(getattr(e, "text", None) == HEADER for e in decode(y, FS))


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_codec_round_trip_through_ffmpeg():
    tx = encode_transmission(HEADER, fs=FS, attention="none")
    y = impair.codec(tx.samples, FS, "mp3", "32k")
    assert len(y) == len(tx.samples)
    assert any(getattr(e, "text", None) == HEADER for e in decode(y, FS))


@pytest.mark.interop
@pytest.mark.skipif(shutil.which("multimon-ng") is None, reason="multimon-ng is not installed")
def test_lab_cli_against_multimon_ng(tmp_path, capsys, monkeypatch):
    from eas_encoder.lab import bench

    few = [c for c in bench.conditions(quick=True) if c.name in ("16 dB", "8th bit set")]
    monkeypatch.setattr("eas_encoder.cli.lab.conditions", lambda quick: few)
    monkeypatch.setattr(bench, "conditions", lambda quick: few)
    out_json, out_html = tmp_path / "lab.json", tmp_path / "lab.html"
    assert main(["lab", "decoders", "--decoder", "multimon-ng", "--trials", "2",
                 "--json", str(out_json), "--report", str(out_html)]) == 0
    doc = json.loads(out_json.read_text())
    assert doc["decoders"] == [OURS, "multimon-ng"]
    assert doc["versions"]["multimon-ng"].startswith("multimon-ng 1.")
    by = {r["name"]: r for r in doc["rows"]}
    assert by["16 dB"][OURS]["success"] == 1.0 and by["16 dB"]["multimon-ng"]["success"] == 1.0
    # multimon-ng refuses characters with the 8th bit set; 47 CFR 11.31(a)(1) allows it
    assert by["8th bit set"][OURS]["success"] == 1.0
    assert by["8th bit set"]["multimon-ng"]["success"] == 0.0
    text = out_html.read_text()
    assert "multimon-ng 1." in text and "<table>" in text and "src=\"http" not in text
    assert "| condition | eas-encoder | multimon-ng |" in capsys.readouterr().out


def test_lab_cli_refuses_bad_decoders(capsys):
    assert main(["lab", "decoders", "--decoder", "x=/nonexistent/rx {wav}"]) == 2
    assert "not installed" in capsys.readouterr().err
