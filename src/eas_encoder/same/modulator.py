"""Bytes -> bits -> continuous-phase AFSK, and bursts with their preamble (47 CFR 11.31(a), (c)).

Timing is exact: bit ``k`` occupies ``[k / BAUD, (k + 1) / BAUD)`` seconds and every sample's
phase is computed from integer arithmetic on the exact rational bit rate (3125/6 bit/s), so
there is no cumulative bit-timing error at any sample rate. (Rounding to a whole number of
samples per bit is the most common real encoder fault: 42 samples at 22050 Hz is +0.8 %.)
Because a mark bit is exactly 4 cycles and a space bit exactly 3 cycles, the phase is 0 at
every bit edge, so the signal is continuous-phase by construction.
"""

from __future__ import annotations

import numpy as np

from ..pcm import RateRole, check_rate
from .waveform import (
    BAUD_EXACT,
    MARK_CYCLES_PER_BIT,
    PREAMBLE,
    SPACE_CYCLES_PER_BIT,
)

__all__ = ["bytes_to_bits", "afsk", "burst", "burst_samples", "check_sample_rate"]


def check_sample_rate(fs: int | float) -> int:
    """Validate an output sample rate in Hz (8000 to 192000, the modulating role); return it.

    Raises:
        SampleRateError: field ``rate`` (an :class:`EncodeError`); see
            :func:`eas_encoder.pcm.check_rate`.
    """
    return check_rate(fs, RateRole.MODULATING)


def bytes_to_bits(data: bytes) -> np.ndarray:
    """Serialise bytes least significant bit first (47 CFR 11.31(a)(1); NWS BMH, multimon-ng).

    Returns:
        ``uint8[8 * len(data)]`` of 0/1; 1 = mark. The 8th bit is sent as it is in each byte
        (0 for ASCII text, as this encoder always sends).
    """
    arr = np.frombuffer(bytes(data), dtype=np.uint8)
    return np.unpackbits(arr, bitorder="little")


def burst_samples(n_bits: int, fs: int) -> int:
    """Number of samples that hold ``n_bits`` bits at ``fs`` Hz (rounded up), exact."""
    # n_bits / BAUD * fs = n_bits * 6 * fs / 3125
    num = n_bits * BAUD_EXACT.denominator * fs
    return -(-num // BAUD_EXACT.numerator)


def afsk(bits: np.ndarray, fs: int, amplitude: float = 1.0) -> np.ndarray:
    """Modulate bits as continuous-phase AFSK at exactly 520 5/6 bit/s.

    Args:
        bits: ``uint8[n]`` or bool, 1 = mark (2083 1/3 Hz), 0 = space (1562.5 Hz).
        fs: sample rate in Hz (8000 to 192000).
        amplitude: peak amplitude (linear, full scale = 1.0).

    Returns:
        ``float32[ceil(n * fs / BAUD)]`` starting at phase 0.
    """
    fs = check_sample_rate(fs)
    bits = np.asarray(bits).astype(np.uint8, copy=False)
    n_samples = burst_samples(len(bits), fs)
    if n_samples == 0:
        return np.zeros(0, dtype=np.float32)
    # Time in units of 1/(6 fs) bit: sample n is at bit position n * 3125 / (6 fs).
    den = BAUD_EXACT.denominator * fs
    pos = np.arange(n_samples, dtype=np.int64) * BAUD_EXACT.numerator
    k = pos // den
    frac = (pos - k * den).astype(np.float64) / den
    k = np.minimum(k, len(bits) - 1)
    cycles = np.where(bits[k] != 0, MARK_CYCLES_PER_BIT, SPACE_CYCLES_PER_BIT)
    return (amplitude * np.sin(2.0 * np.pi * cycles * frac)).astype(np.float32)


def burst(payload: bytes, fs: int, amplitude: float = 1.0, *,
          preamble: bytes = PREAMBLE) -> np.ndarray:
    """One SAME burst: the 16 x 0xAB preamble then ``payload`` (a header or ``NNNN``).

    47 CFR 11.31(c): "The preamble must be transmitted before each header and End of Message
    code."

    Returns:
        ``float32[n]`` samples at ``fs`` Hz.
    """
    return afsk(bytes_to_bits(preamble + bytes(payload)), fs, amplitude)
