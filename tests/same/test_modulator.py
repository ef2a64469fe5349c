"""AFSK modulator: golden bits computed independently here, and the bit rate and tone
frequencies measured on the output at every supported sample rate.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import hilbert

from eas_encoder.errors import EncodeError
from eas_encoder.same.modulator import afsk, burst, bytes_to_bits, check_sample_rate
from eas_encoder.same.waveform import BAUD, MARK_HZ, SPACE_HZ

RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000]


def test_constants_follow_from_the_1_92_ms_bit() -> None:
    # 47 CFR 11.31(a)(1): 1.92 ms per bit; mark 4 cycles, space 3 cycles per bit.
    assert BAUD == pytest.approx(1 / 1.92e-3, rel=1e-12)
    assert MARK_HZ == pytest.approx(4 / 1.92e-3, rel=1e-12)
    assert SPACE_HZ == 1562.5


def test_preamble_byte_goes_out_lsb_first() -> None:
    # 0xAB = 1010 1011; least significant bit first on the wire: 1,1,0,1,0,1,0,1
    # (47 CFR 11.31(c); multimon-ng and NWS BMH agree on the order).
    assert bytes_to_bits(b"\xab").tolist() == [1, 1, 0, 1, 0, 1, 0, 1]


def test_header_bits_match_an_independent_serialisation() -> None:
    text = "ZCZC-EAS-RWT-012057-012081-012101-012103-012115+0030-2780415-WTSP/TV-"
    expected = [(ord(ch) >> i) & 1 for ch in text for i in range(8)]
    assert bytes_to_bits(text.encode()).tolist() == expected
    # 'Z' = 0x5A -> 0,1,0,1,1,0,1,0 on the wire; the 8th bit of ASCII is 0.
    assert expected[:8] == [0, 1, 0, 1, 1, 0, 1, 0]
    assert all(expected[i] == 0 for i in range(7, len(expected), 8))


def _demodulate_at_bit_centres(x: np.ndarray, fs: int, n_bits: int) -> list[int]:
    """Independent check: correlate each exact 1.92 ms bit window with mark and space."""
    bits = []
    for k in range(n_bits):
        a, b = int(np.ceil(k * fs / BAUD)), int(np.floor((k + 1) * fs / BAUD))
        t = np.arange(a, b) / fs
        seg = x[a:b]
        e = [abs(np.sum(seg * np.exp(-2j * np.pi * f * t))) for f in (SPACE_HZ, MARK_HZ)]
        bits.append(int(e[1] > e[0]))
    return bits


@pytest.mark.parametrize("fs", RATES)
def test_burst_demodulates_to_preamble_and_text(fs: int) -> None:
    payload = b"ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM -"
    x = burst(payload, fs)
    n_bits = 8 * (16 + len(payload))
    assert _demodulate_at_bit_centres(x, fs, n_bits) == \
        bytes_to_bits(b"\xab" * 16 + payload).tolist()


def _transition_times(x: np.ndarray, fs: int) -> np.ndarray:
    inst_f = np.diff(np.unwrap(np.angle(hilbert(x)))) * fs / (2 * np.pi)
    mid = (MARK_HZ + SPACE_HZ) / 2
    s = np.sign(inst_f - mid)
    idx = np.nonzero(np.diff(s))[0]
    # Interpolate the crossing inside the sample interval.
    frac = (mid - inst_f[idx]) / (inst_f[idx + 1] - inst_f[idx])
    return (idx + frac + 1.0) / fs  # +1: diff of phase sits between samples i and i+1


def measure_bit_rate(x: np.ndarray, fs: int) -> float:
    """Fit transition time = t0 + k / rate over an alternating 1010... pattern, where
    every bit edge is a transition, so the k-th crossing is the k-th edge.
    """
    times = _transition_times(x, fs)
    times = times[5:-5]  # drop edge effects of the analytic signal
    k = np.arange(len(times))
    slope = np.polyfit(k, times, 1)[0]
    return 1.0 / slope


def measure_tone(x: np.ndarray, fs: int) -> float:
    """Frequency from the slope of the unwrapped analytic phase (least squares)."""
    phase = np.unwrap(np.angle(hilbert(x)))[200:-200]
    t = np.arange(len(phase)) / fs
    return np.polyfit(t, phase, 1)[0] / (2 * np.pi)


@pytest.mark.parametrize("fs", RATES)
def test_bit_rate_has_no_cumulative_error(fs: int) -> None:
    x = afsk(np.tile([1, 0], 1500), fs).astype(np.float64)
    rate = measure_bit_rate(x, fs)
    assert abs(rate / BAUD - 1) < 1e-4, f"{rate:.4f} bit/s at {fs} Hz"


def test_the_check_catches_whole_samples_per_bit() -> None:
    # The common real fault: 42 samples per bit at 22050 Hz is 525 bit/s, +0.8 %.
    fs, spb = 22050, 42
    bits = np.tile([1, 0], 1500)
    phase = np.cumsum(np.repeat(np.where(bits == 1, MARK_HZ, SPACE_HZ), spb)) / fs
    x = np.sin(2 * np.pi * phase)
    assert measure_bit_rate(x, fs) / BAUD - 1 == pytest.approx(0.008, abs=5e-4)


@pytest.mark.parametrize("fs", RATES)
@pytest.mark.parametrize(("bit", "freq"), [(1, MARK_HZ), (0, SPACE_HZ)])
def test_tone_frequencies(fs: int, bit: int, freq: float) -> None:
    x = afsk(np.full(2000, bit), fs).astype(np.float64)
    assert measure_tone(x, fs) == pytest.approx(freq, abs=0.1)


@pytest.mark.parametrize("fs", [22050, 48000])
def test_phase_is_continuous_at_bit_edges(fs: int) -> None:
    x = afsk(np.array([1, 0, 0, 1, 1, 0, 1, 0] * 50), fs).astype(np.float64)
    # A phase jump would show as a sample step far above the largest step of a clean sine.
    max_step = 2 * np.sin(np.pi * MARK_HZ / fs)
    assert np.max(np.abs(np.diff(x))) <= max_step * 1.0001


def test_burst_starts_and_ends_at_zero_phase() -> None:
    x = burst(b"NNNN", 48000)
    assert x[0] == 0.0
    assert abs(x[-1]) < 0.3


@pytest.mark.parametrize("bad", [7999, 200000, 0, -1, 22050.5, "48000", True])
def test_bad_sample_rates(bad: object) -> None:
    with pytest.raises(EncodeError) as info:
        check_sample_rate(bad)  # type: ignore[arg-type]
    assert info.value.field == "rate"
