"""Builders for faulty SAME signals: each fault is made on purpose from numpy, the library's
modulator and tone generator, so the checker has a known answer to find.
"""

from __future__ import annotations

import numpy as np

from eas_encoder.same.modulator import burst, bytes_to_bits
from eas_encoder.same.tones import attention_signal
from eas_encoder.same.waveform import BAUD, MARK_HZ, PREAMBLE, SPACE_HZ

HEADER = b"ZCZC-EAS-DMO-999000+0015-0011200-EASENCDR-"
EOM = b"NNNN"
AMP = 0.7


def fsk(bits: np.ndarray, fs: int, *, baud: float = BAUD, samples_per_bit: int | None = None,
        mark: float = MARK_HZ, space: float = SPACE_HZ, amplitude: float = AMP) -> np.ndarray:
    """Continuous-phase FSK with any rate, tones, or a whole number of samples per bit (the
    real fault of encoders that round 42.336 samples to 42 at 22050 Hz).
    """
    bits = np.asarray(bits)
    if samples_per_bit is not None:
        per_sample = np.repeat(bits, samples_per_bit)
    else:
        n = int(np.ceil(len(bits) * fs / baud))
        k = np.minimum((np.arange(n) * baud / fs).astype(int), len(bits) - 1)
        per_sample = bits[k]
    freq = np.where(per_sample == 1, mark, space)
    phase = 2 * np.pi * np.concatenate([[0.0], np.cumsum(freq[:-1])]) / fs
    return (amplitude * np.sin(phase)).astype(np.float32)


def serial_bits(data: bytes, *, parity: str = "even") -> np.ndarray:
    """Async serial framing: start bit 0, 7 data bits LSB first, parity, stop bit 1."""
    out = []
    for byte in data:
        d = [(byte >> i) & 1 for i in range(7)]
        p = sum(d) % 2 if parity == "even" else 1 - sum(d) % 2
        out += [0, *d, p, 1]
    return np.array(out, dtype=np.uint8)


def silence(seconds: float, fs: int) -> np.ndarray:
    """Digital silence."""
    return np.zeros(int(round(seconds * fs)), dtype=np.float32)


def header_burst(fs: int, payload: bytes = HEADER, **kw) -> np.ndarray:
    """A header burst with preamble (``fsk`` keywords for faulty timing or tones)."""
    if not kw:
        return burst(payload, fs, AMP)
    return fsk(bytes_to_bits(PREAMBLE + payload), fs, **kw)


def transmission(fs: int, *, headers: list[np.ndarray] | None = None,
                 eoms: list[np.ndarray] | None = None, attention: np.ndarray | None = None,
                 gap: float = 1.0) -> np.ndarray:
    """Headers, 1 s, attention, 1 s, EOMs, with ``gap`` seconds between repeated bursts."""
    if headers is None:
        headers = [header_burst(fs)] * 3
    if eoms is None:
        eoms = [burst(EOM, fs, AMP)] * 3
    if attention is None:
        attention = attention_signal("eas", 8.0, fs, AMP)
    parts = [silence(0.5, fs)]
    for i, h in enumerate(headers):
        parts += [h, silence(gap if i < len(headers) - 1 else 1.0, fs)]
    if len(attention):
        parts += [attention, silence(1.0, fs)]
    for i, e in enumerate(eoms):
        parts += [e, silence(gap if i < len(eoms) - 1 else 1.0, fs)]
    return np.concatenate(parts)


def two_tone(f1: float, f2: float, seconds: float, fs: int) -> np.ndarray:
    """Two tones at half amplitude each, switched on and off."""
    t = np.arange(int(round(seconds * fs))) / fs
    return (AMP * 0.5 * (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t))
            ).astype(np.float32)
