"""Bad input gives a report or one clear error line, never a crash or a traceback."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.audio import write_audio
from eas_encoder.cli import main
from eas_encoder.conformance import FAIL, PASS, Checker, check
from eas_encoder.errors import ConformanceError
from eas_encoder.same.transmission import encode_transmission

from .signals import HEADER

FS = 16000


@pytest.fixture(scope="module")
def tx():
    return encode_transmission(HEADER.decode(), fs=FS)


def run_cli(capsys, *argv):
    code = main(["check", *map(str, argv), "--json"])
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err
    return code, (json.loads(out) if out.strip() else None), err


def test_silence_only_is_a_report_that_fails_same_present(tmp_path, capsys):
    path = tmp_path / "silence.wav"
    write_audio(path, np.zeros(3 * FS, np.float32), FS)
    code, doc, _ = run_cli(capsys, path)
    assert code == 3
    assert [f["rule_id"] for f in doc["findings"] if f["verdict"] == FAIL] == [
        "FILE.SAME_PRESENT"]
    assert doc["events"] == []


@pytest.mark.parametrize("n", [0, 1, 100])
def test_empty_and_tiny_arrays(n):
    report = check(np.zeros(n, np.float32), FS)
    assert report.verdict == FAIL and report.by_rule("FILE.SAME_PRESENT")[0].verdict == FAIL


def test_noise_only_is_not_taken_for_bursts():
    rng = np.random.default_rng(5)
    report = check((0.3 * rng.standard_normal(5 * FS)).astype(np.float32), FS)
    assert report.by_rule("FILE.SAME_PRESENT")[0].measured.startswith("0 decoded")


def test_file_truncated_mid_burst(tmp_path, tx, capsys):
    path = tmp_path / "cut.wav"
    cut = int(1.0 * FS)  # inside the first header burst (0.5 s to 1.39 s)
    write_audio(path, tx.samples[:cut], FS)
    code, doc, _ = run_cli(capsys, path)
    assert code == 3 and doc["fs"] == FS
    failing = {f["rule_id"] for f in doc["findings"] if f["verdict"] == FAIL}
    assert "MESSAGE.HEADER_COUNT" in failing or "BURST.SYNC" in failing


def test_wav_with_bytes_cut_off(tmp_path, tx, capsys):
    path = tmp_path / "short.wav"
    write_audio(path, tx.samples, FS)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 1])  # odd length, header claims more frames
    code, doc, err = run_cli(capsys, path)
    if code == 2:
        assert "short.wav" in err
    else:
        assert code == 3 and doc["counts"]["fail"] >= 1  # the EOMs are gone


def test_wav_header_only_and_garbage(tmp_path, capsys):
    path = tmp_path / "header.wav"
    write_audio(path, np.zeros(10, np.float32), FS)
    path.write_bytes(path.read_bytes()[:44])
    code, doc, err = run_cli(capsys, path)
    assert code in (2, 3)
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00junk" * 50)
    code, doc, err = run_cli(capsys, garbage)
    assert code == 2 and "garbage.wav" in err and doc is None


def test_stereo_is_mixed_and_noted(tmp_path, tx, capsys):
    path = tmp_path / "stereo.wav"
    left_only = np.stack([tx.samples, np.zeros_like(tx.samples)], axis=1)
    sf.write(path, left_only, FS, subtype="PCM_16")
    code, doc, _ = run_cli(capsys, path)
    assert code == 0 and doc["verdict"] == PASS
    assert doc["notes"] == ["2 channels averaged to mono"]
    level = next(f for f in doc["findings"] if f["rule_id"] == "SIGNAL.LEVEL")
    assert level["value"] == pytest.approx(-9.0, abs=0.1)  # -3 dBFS halved by the mix


def test_8_bit_file(tmp_path, tx, capsys):
    path = tmp_path / "u8.wav"
    sf.write(path, tx.samples, FS, subtype="PCM_U8")
    code, doc, _ = run_cli(capsys, path)
    assert code == 0 and doc["verdict"] == PASS


def test_float_file_with_overs_is_clipping(tmp_path, tx, capsys):
    path = tmp_path / "float.wav"
    sf.write(path, tx.samples * 1.6, FS, subtype="FLOAT")  # peaks at 1.13 FS, not clipped
    code, doc, _ = run_cli(capsys, path)
    assert code == 3
    failing = {f["rule_id"] for f in doc["findings"] if f["verdict"] == FAIL}
    assert failing == {"SIGNAL.CLIPPING"}


def test_int16_array_and_nan_samples(tx):
    pcm = np.round(tx.samples * 32767).astype(np.int16)
    assert check(pcm, FS).verdict == PASS
    x = tx.samples.copy()
    x[100:200] = np.nan  # in the lead-in silence
    assert check(x, FS).verdict == PASS


def test_bad_rate_and_shape_are_conformance_errors(tx):
    with pytest.raises(ConformanceError, match="rate"):
        check(tx.samples, 4000)
    with pytest.raises(ConformanceError, match="samples"):
        check(np.zeros((4, 4, 4)), FS)
    with pytest.raises(ConformanceError, match="samples"):
        check(np.array(["a", "b"]), FS)


def test_very_long_stream_has_bounded_memory(tx):
    """Two hours at 8 kHz (230 MB as float32) fed in blocks: memory stays flat and the one
    transmission in the middle is still found and passes.
    """
    fs = 8000
    own = encode_transmission(HEADER.decode(), fs=fs).samples
    block = np.zeros(60 * fs, np.float32)
    tracemalloc.start()
    try:
        checker = Checker(fs, overview=True)
        for i in range(120):
            if i == 60:
                checker.feed(own)
            checker.feed(block)
        report = checker.report()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.duration == pytest.approx(7200 + len(own) / fs)
    assert report.verdict == PASS and len(report.events) == 7
    assert peak < 40e6
    lo, hi, spec, col_s = checker.overview.arrays()
    assert len(lo) < 2 * checker.overview.columns and col_s * len(lo) > 7000
