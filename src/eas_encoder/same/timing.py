"""Bit timing of one AFSK burst: where its bit edges fall and the bit rate they give.

One estimator for the whole project, so that the receiver's ``--bursts`` output, ``verify``
and the conformance checker print the same bit rate for the same burst (47 CFR 11.31(a)(1):
1.92 ms per bit, 520 5/6 bit/s):

1. band-pass 700-3500 Hz (zero phase), analytic signal, unwrapped phase;
2. a discriminator over a quarter bit, ``(phase[n+L] - phase[n]) / L``, crosses the mid
   frequency (1822.9 Hz) exactly at a bit edge of a continuous-phase signal; the crossings
   are interpolated to a fraction of a sample, and pairs closer than 0.3 bit dropped as noise;
3. each edge gets its bit number from the nominal bit length, and a least-squares line through
   (bit number, edge time) gives the bit period; edges more than 0.3 bit off the line are left
   out and the line fitted again (three rounds), so the RMS residual is the jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, hilbert, sosfiltfilt

from .waveform import BAUD, MARK_HZ, SPACE_HZ

__all__ = ["BitGrid", "bit_grid", "analytic_phase", "half_power_edges", "MID_HZ"]

MID_HZ = (MARK_HZ + SPACE_HZ) / 2
"""Half-way between mark and space, Hz: the discriminator's decision level."""


@dataclass(frozen=True)
class BitGrid:
    """The fitted bit grid of one burst; every time in (fractional) samples of the input.

    Attributes:
        t0, spb: grid origin and bit period (``fs / spb`` is the bit rate, bit/s).
        start, end: half-envelope edges of the burst.
        crossings: number of discriminator crossings found (after dropping noise pairs).
        edges: ``float64[k]`` the edges kept in the final fit; ``residuals`` their distance
            from the grid.
        envelope, phase: ``float64[n]`` analytic envelope and unwrapped phase of the band.
    """

    t0: float
    spb: float
    start: float
    end: float
    crossings: int
    edges: np.ndarray
    residuals: np.ndarray
    envelope: np.ndarray
    phase: np.ndarray

    def bit_rate(self, fs: int) -> float:
        """The measured bit rate, bit/s."""
        return fs / self.spb


def analytic_phase(x: np.ndarray, fs: int, band: tuple[float, float]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Envelope and unwrapped phase of ``x`` band-passed to ``band`` Hz (4th order, zero
    phase; the top edge capped at 0.45 fs).
    """
    hi = min(band[1], 0.45 * fs)
    sos = butter(4, [band[0], hi], btype="bandpass", fs=fs, output="sos")
    z = hilbert(sosfiltfilt(sos, x))
    return np.abs(z), np.unwrap(np.angle(z))


def half_power_edges(env: np.ndarray) -> tuple[float, float] | None:
    """First and last crossing of half the plateau, in fractional samples (the plateau is the
    median of the values above a quarter of the maximum, robust to ripple and to spikes).
    """
    peak = float(env.max()) if len(env) else 0.0
    top = float(np.median(env[env >= 0.25 * peak])) if peak > 0 else 0.0
    if top <= 0:
        return None
    half = 0.5 * top
    above = np.flatnonzero(env >= half)
    if len(above) < 2:
        return None
    i, j = int(above[0]), int(above[-1])
    start = i - (env[i] - half) / (env[i] - env[i - 1]) if i > 0 else float(i)
    end = j + (env[j] - half) / (env[j] - env[j + 1]) if j + 1 < len(env) else float(j)
    return float(start), float(end)


def _drop_glitches(t: np.ndarray, min_gap: float) -> np.ndarray:
    """Remove pairs of crossings closer than ``min_gap`` (noise spikes around the mid line)."""
    out: list[float] = []
    for v in t:
        if out and v - out[-1] < min_gap:
            out.pop()
            continue
        out.append(float(v))
    return np.array(out)


def _fit_grid(t: np.ndarray, spb_nominal: float
              ) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    """Least-squares ``t = t0 + n * spb`` with integer bit numbers ``n``; returns
    ``(t0, spb, residuals, edges kept)`` in samples.
    """
    steps = np.maximum(1, np.round(np.diff(t) / spb_nominal))
    n = np.concatenate([[0.0], np.cumsum(steps)])
    keep = np.ones(len(t), dtype=bool)
    spb, t0 = spb_nominal, t[0]
    for _ in range(3):
        spb, t0 = np.polyfit(n[keep], t[keep], 1)
        # Renumber on the fitted period (long bursts drift by whole bits at a wrong nominal).
        n = np.round((t - t0) / spb)
        resid = t - (t0 + n * spb)
        keep = np.abs(resid) < 0.3 * spb
        if keep.sum() < 8:
            return None
    spb, t0 = np.polyfit(n[keep], t[keep], 1)
    resid = (t - (t0 + n * spb))[keep]
    return float(t0), float(spb), resid, t[keep]


def bit_grid(x: np.ndarray, fs: int) -> BitGrid | None:
    """Fit the bit grid of the one burst in ``x``.

    Args:
        x: ``float[n]`` samples holding one AFSK burst with some silence around it.
        fs: sample rate, Hz.

    Returns:
        :class:`BitGrid`, or ``None`` when ``x`` is not AFSK near 520 bit/s (shorter than 16
        bits, fewer than 8 edges, a rate more than 10 % off, or edges scattered by more than
        a quarter bit RMS).
    """
    x = np.asarray(x, dtype=np.float64)
    spb_nominal = fs / BAUD
    if len(x) < 16 * spb_nominal:
        return None
    env, phase = analytic_phase(x, fs, (700.0, 3500.0))
    span = half_power_edges(env)
    if span is None:
        return None
    s0, s1 = span
    lag = max(2, int(round(spb_nominal / 4)))
    disc = (phase[lag:] - phase[:-lag]) * fs / (2 * np.pi * lag)  # centred at n + lag/2
    lo = max(0, int(np.ceil(s0 + spb_nominal / 4)))
    hi = min(len(disc) - 1, int(np.floor(s1 - lag - spb_nominal / 4)))
    if hi - lo < 8 * spb_nominal:
        return None
    d = disc[lo:hi + 1] - MID_HZ
    sign = d > 0
    idx = np.flatnonzero(sign[:-1] != sign[1:])
    t = lo + idx + d[idx] / (d[idx] - d[idx + 1]) + lag / 2
    t = _drop_glitches(t, 0.3 * spb_nominal)
    if len(t) < 8:
        return None
    fit = _fit_grid(t, spb_nominal)
    if fit is None:
        return None
    t0, spb, resid, kept = fit
    if abs(fs / spb / BAUD - 1) > 0.1 or np.sqrt(np.mean(resid ** 2)) > 0.25 * spb:
        return None
    return BitGrid(t0, spb, s0, s1, len(t), kept, resid, env, phase)
