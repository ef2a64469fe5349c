"""Lab signal channel: random valid headers and an impaired SAME transmission.

The decoder test bench (``eas-encoder lab decoders``), the receiver's tests and the
benchmarks use it, so that every decoder is measured on the same signals. Impairments:
white Gaussian noise at a given Eb/N0, bit-rate error (the whole burst time-scaled, as a
wrong sample clock does), carrier offset (every tone shifted, as an SSB receiver off
frequency does), gain. The broadcast-chain impairments are in :mod:`.impair`.

Eb/N0 is energy per bit over the one-sided noise density of the sampled white noise: for a
tone of amplitude ``A`` (power ``A^2 / 2``) the noise variance per sample is
``sigma^2 = A^2 fs / (4 * baud * Eb/N0)``.
"""

from __future__ import annotations

import numpy as np

from ..same.header import Header
from ..same.locations import state_areas
from ..same.modulator import burst
from ..same.waveform import BAUD, BURST_GAP_SECONDS, EOM_TEXT

__all__ = ["random_header", "transmission", "add_noise", "noise_sigma", "shift_frequency",
           "speech_like", "music_like"]

_ORIGINATORS = ("EAS", "CIV", "WXR", "PEP")
_EVENTS = ("RWT", "RMT", "TOR", "SVR", "FFW", "CAE", "EAN", "NPT", "DMO", "WSW", "CEM", "EVI")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def random_header(rng: np.random.Generator, locations: int | None = None) -> Header:
    """A random strictly valid header with ``locations`` (default: 1 to 31) location codes."""
    n = int(rng.integers(1, 32)) if locations is None else locations
    states = sorted(ss for ss in state_areas() if ss != "00")
    locs: list[str] = []
    while len(locs) < n:
        code = f"{rng.integers(0, 10)}{rng.choice(states)}{rng.integers(0, 1000):03d}"
        if code not in locs:
            locs.append(code)
    steps = [15, 30, 45, 60] + list(range(90, 24 * 60, 30))
    # Real station ids: an NWS office ("KEAX/NWS") or a call sign and service ("WTSP/TV").
    call = str(rng.choice(["K", "W"])) + "".join(rng.choice(list(_LETTERS), 3))
    station = f"{call}/{rng.choice(['NWS', 'TV', 'FM', 'AM'])}"
    text = (f"ZCZC-{rng.choice(_ORIGINATORS)}-{rng.choice(_EVENTS)}-{'-'.join(locs)}"
            f"+{(v := int(rng.choice(steps))) // 60:02d}{v % 60:02d}-"
            f"{rng.integers(1, 366):03d}{rng.integers(0, 24):02d}{rng.integers(0, 60):02d}-"
            f"{station:<8}-")
    return Header.parse(text)


def transmission(payloads: list[bytes], fs: int, *, amplitude: float = 0.5,
                 rate_error: float = 0.0, gap_seconds: float = BURST_GAP_SECONDS,
                 lead_seconds: float = 1.0, tail_seconds: float = 1.5,
                 eom: bool = True) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Three bursts of each payload then (optionally) three ``NNNN`` bursts.

    ``rate_error`` (e.g. 0.03 = 3 % fast) scales bit rate and tones together by synthesising
    at ``fs / (1 + rate_error)`` and playing at ``fs``.

    Returns:
        ``(float32[n], [(start, end) sample of each burst])``.
    """
    fs_gen = int(round(fs / (1 + rate_error)))
    gap = np.zeros(int(gap_seconds * fs), dtype=np.float32)
    parts = [np.zeros(int(lead_seconds * fs), dtype=np.float32)]
    spans = []
    pos = len(parts[0])
    codes = [p for p in payloads for _ in range(3)] + ([EOM_TEXT] * 3 if eom else [])
    for p in codes:
        b = burst(p, fs_gen, amplitude) if fs_gen >= 8000 else burst(p, fs, amplitude)
        parts += [b, gap]
        spans.append((pos, pos + len(b)))
        pos += len(b) + len(gap)
    parts.append(np.zeros(int(tail_seconds * fs), dtype=np.float32))
    return np.concatenate(parts), spans


def noise_sigma(ebn0_db: float, fs: int, amplitude: float) -> float:
    """Noise standard deviation per sample for Eb/N0 in dB and a tone of ``amplitude``."""
    return float(amplitude * np.sqrt(fs / (4 * BAUD * 10 ** (ebn0_db / 10))))


def add_noise(x: np.ndarray, fs: int, ebn0_db: float, amplitude: float,
              rng: np.random.Generator) -> np.ndarray:
    """``x`` plus white Gaussian noise at ``ebn0_db`` for bursts of peak ``amplitude``."""
    sigma = noise_sigma(ebn0_db, fs, amplitude)
    return (x + sigma * rng.standard_normal(len(x))).astype(np.float32)


def shift_frequency(x: np.ndarray, fs: int, hz: float) -> np.ndarray:
    """Shift every frequency component by ``hz`` (single-sideband mistuning)."""
    n = len(x)
    spec = np.fft.fft(x)
    h = np.zeros(n)
    h[0] = 1
    h[1:(n + 1) // 2] = 2
    if n % 2 == 0:
        h[n // 2] = 1
    analytic = np.fft.ifft(spec * h)
    return np.real(analytic * np.exp(2j * np.pi * hz * np.arange(n) / fs)).astype(np.float32)


def speech_like(fs: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Speech-like programme audio: a wandering 90-210 Hz glottal pulse train through three
    wandering formants (600, 1700, 2500 Hz, the last two around the mark and space tones),
    gated into syllables at 4 Hz. ``float32[n]``, peak 0.3.
    """
    n = int(seconds * fs)
    t = np.arange(n) / fs
    f0 = 150 + 60 * np.sin(2 * np.pi * 0.7 * t) + 10 * rng.standard_normal(n).cumsum() / n
    pulses = (np.sin(2 * np.pi * np.cumsum(f0) / fs) > 0.95).astype(np.float64)
    out = np.zeros(n)
    for centre, bw in ((600, 80), (1700, 120), (2500, 150)):
        fc = centre * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(1, 4) * t))
        ring = np.exp(-np.arange(int(0.01 * fs)) * bw * 2 * np.pi / fs)
        out += np.convolve(pulses, ring, "same") * np.sin(2 * np.pi * np.cumsum(fc) / fs)
    syllables = (np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)) > -0.3).astype(np.float64)
    out *= syllables
    return (0.3 * out / max(np.max(np.abs(out)), 1e-9)).astype(np.float32)


def music_like(fs: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Music-like programme audio: three-note chords with harmonics changing every 120 ms,
    many notes right on the mark, space and bit-rate frequencies. ``float32[n]``, peak 0.2.
    """
    n = int(seconds * fs)
    out = np.zeros(n)
    notes = [1562.5, 2083.33, 1041.67, 520.83, 440.0, 880.0, 659.3, 1318.5, 1760.0, 2637.0]
    step = int(0.12 * fs)
    for start in range(0, n, step):
        seg = np.arange(start, min(n, start + step)) / fs
        for f in rng.choice(notes, 3):
            for h in (1, 2, 3):
                out[start:start + len(seg)] += np.sin(2 * np.pi * f * h * seg) / h
    return (0.2 * out / max(np.max(np.abs(out)), 1e-9)).astype(np.float32)
