"""Whole-transmission layout (47 CFR 11.31(c)): three bursts, one-second pauses, attention
signal length and frequencies, message, three EOM bursts each with its preamble.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from eas_encoder.errors import EncodeError
from eas_encoder.same.header import Header
from eas_encoder.same.modulator import burst
from eas_encoder.same.transmission import dbfs_to_amplitude, encode_transmission

H = Header("CIV", "CAE", ("006037",), "0100", datetime(2026, 11, 29, 8, tzinfo=UTC), "KXYZ/FM")


@pytest.mark.parametrize("fs", [8000, 22050, 48000])
def test_layout(fs: int) -> None:
    msg = np.full(fs, 0.1, dtype=np.float32)
    tx = encode_transmission(H, fs=fs, attention="eas", attention_seconds=8, message=msg)
    kinds = [s.kind for s in tx.segments]
    assert kinds == ["header"] * 3 + ["attention", "message"] + ["eom"] * 3
    segs = tx.segments
    for a, b in zip(segs, segs[1:], strict=False):
        assert (b.start - a.end) == fs  # exactly one second of silence between parts
        assert not np.any(tx.samples[a.end:b.start])
    assert (segs[3].end - segs[3].start) == 8 * fs
    header_burst = burst(H.to_bytes(), fs, dbfs_to_amplitude(-3.0))
    eom_burst = burst(b"NNNN", fs, dbfs_to_amplitude(-3.0))
    for s in segs[:3]:
        np.testing.assert_array_equal(tx.samples[s.start:s.end], header_burst)
    for s in segs[5:]:
        np.testing.assert_array_equal(tx.samples[s.start:s.end], eom_burst)
    assert tx.samples.dtype == np.float32


def test_peak_level_in_dbfs() -> None:
    tx = encode_transmission(H, fs=48000, level_dbfs=-6.0)
    assert 20 * np.log10(np.max(np.abs(tx.samples))) == pytest.approx(-6.0, abs=0.05)


@pytest.mark.parametrize(("kind", "freqs"), [("eas", (853.0, 960.0)), ("nwr", (1050.0,))])
def test_attention_signal_frequencies(kind: str, freqs: tuple[float, ...]) -> None:
    fs = 16000
    tx = encode_transmission(H, fs=fs, attention=kind, attention_seconds=8)
    seg = next(s for s in tx.segments if s.kind == "attention")
    x = tx.samples[seg.start:seg.end].astype(np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 16 * len(x)))
    f = np.fft.rfftfreq(16 * len(x), 1 / fs)
    peaks = sorted(f[np.argsort(spec)[-1]] for _ in freqs) if len(freqs) == 1 else sorted(
        f[i] for i in _two_peaks(spec))
    for got, want in zip(peaks, freqs, strict=True):
        assert got == pytest.approx(want, abs=0.1)  # 47 CFR 11.32(a)(9): within 0.5 Hz


def _two_peaks(spec: np.ndarray) -> list[int]:
    first = int(np.argmax(spec))
    masked = spec.copy()
    masked[max(0, first - 2000):first + 2000] = 0
    return [first, int(np.argmax(masked))]


def test_no_attention_for_header_only_tests() -> None:
    tx = encode_transmission(H, fs=8000, attention="none")
    assert [s.kind for s in tx.segments] == ["header"] * 3 + ["eom"] * 3


@pytest.mark.parametrize("kwargs", [
    {"attention_seconds": 7.9}, {"attention_seconds": 25.1}, {"attention": "beep"},
    {"level_dbfs": 1.0}, {"level_dbfs": float("nan")},
    {"message": np.zeros((10, 2), dtype=np.float32)},
    {"message": np.array([0.0, np.nan], dtype=np.float32)},
])
def test_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(EncodeError):
        encode_transmission(H, fs=8000, **kwargs)
