"""Front end: block correlators for the mark/space tones and the attention tones.

The input is cut into blocks of ``D`` samples (``D`` about a quarter bit). One matrix product
``blocks @ W`` gives, for every block and every probe tone ``f``, the complex sum
``sum_k x[k] exp(-j 2 pi f k / fs)`` over that block, referenced to absolute time by an exact
integer phasor. Summing about one bit's worth of consecutive blocks then gives the
non-coherent one-bit correlators for mark and space (47 CFR 11.31(a)(1)) on a quarter-bit grid,
which is all the burst detector needs. This is the only stage that touches every input sample,
so it is one BLAS call per chunk; everything downstream runs at the block rate or per burst.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..waveform import ATTENTION_EAS_HZ, ATTENTION_NWR_HZ, BAUD_EXACT, MARK_HZ, SPACE_HZ

__all__ = ["BlockCorrelator", "block_size", "PROBE_TONES_HZ", "GRID_STEP"]

GRID_STEP = 2
"""Blocks per detector grid point: a grid of half a bit."""

# Exact rationals so the absolute-time phasor has no rounding drift over a 24-hour stream.
PROBE_TONES_HZ: tuple[Fraction, ...] = (
    BAUD_EXACT * 4, BAUD_EXACT * 3,
    Fraction(ATTENTION_EAS_HZ[0]), Fraction(ATTENTION_EAS_HZ[1]), Fraction(ATTENTION_NWR_HZ),
)
"""Probe tones, Hz: mark, space, 853, 960, 1050 (47 CFR 11.31(a); NWSI 10-1712)."""
assert float(PROBE_TONES_HZ[0]) == MARK_HZ and float(PROBE_TONES_HZ[1]) == SPACE_HZ


def block_size(fs: int) -> int:
    """Samples per block at ``fs`` Hz: about a quarter of a bit (1.92 ms / 4)."""
    return max(1, round(fs / (4 * float(BAUD_EXACT))))


class BlockCorrelator:
    """Per-block complex tone sums and one-bit mark/space correlator energies.

    ``process(samples)`` takes ``float32[k * D]`` (a whole number of blocks) and returns
    ``complex64[2, k]``: for mark and space and each block, ``sum_n x[n] exp(-j 2 pi f n' / fs)``
    with ``n'`` counted from the block start. :meth:`frame_sums` does the same for longer
    frames and any probe tone (the attention detector's 853, 960, 1050 Hz). The absolute
    phase of block ``i`` is :meth:`block_phasor`; the one-bit energies only need the phase
    steps between consecutive blocks, which are constants
    (:meth:`bit_energies`), so no per-block exponential is needed.
    """

    def __init__(self, fs: int) -> None:
        self.fs = int(fs)
        self.block = block_size(self.fs)
        k = np.arange(self.block)
        cols = []
        for f in PROBE_TONES_HZ:
            w = 2 * np.pi * float(f) * k / self.fs
            cols += [np.cos(w), -np.sin(w)]
        self._w = np.array(cols, dtype=np.float32).T.copy()   # [D, 2 * tones]
        self._ratio = [Fraction(f) * self.block / self.fs for f in PROBE_TONES_HZ]
        # One bit spans bit_blocks blocks: whole blocks then a fractional last one.
        self.bit_blocks = self.fs / float(BAUD_EXACT) / self.block
        n_whole = int(self.bit_blocks)
        weights = np.ones(n_whole + 1)
        weights[-1] = self.bit_blocks - n_whole
        self.window = len(weights)
        lags = np.arange(self.window)
        # taps[t, l]: weight times the phase step from block 0 to block l for tone t.
        self._taps = np.array([weights * np.exp(-2j * np.pi * float(r) * lags)
                               for r in self._ratio[:2]], dtype=np.complex64)

    def block_phasor(self, index: np.ndarray, tone: int) -> np.ndarray:
        """``exp(-j 2 pi f i D / fs)`` for block indices ``i`` (int64), exact for any ``i``."""
        r = self._ratio[tone]
        num, den = r.numerator, r.denominator
        frac = ((np.asarray(index, dtype=np.int64) % den) * (num % den)) % den / den
        return np.exp(-2j * np.pi * frac)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Correlate whole blocks with mark and space; see the class docstring for shapes."""
        n_blocks = len(samples) // self.block
        x = np.asarray(samples[: n_blocks * self.block], dtype=np.float32)
        prod = x.reshape(n_blocks, self.block) @ self._w[:, :4]    # float32[k, 4]
        return np.ascontiguousarray(prod.view(np.complex64).T)      # complex64[2, k]

    def frame_sums(self, samples: np.ndarray, frame_blocks: int,
                   tones: tuple[int, ...]) -> np.ndarray:
        """Complex tone sums over frames of ``frame_blocks`` blocks, each referenced to its
        frame start: ``complex64[frames, len(tones)]``.
        """
        if not hasattr(self, "_frame_w") or self._frame_w[0] != (frame_blocks, tones):
            n = np.arange(frame_blocks * self.block)
            cols = []
            for t in tones:
                w = 2 * np.pi * float(PROBE_TONES_HZ[t]) * n / self.fs
                cols += [np.cos(w), -np.sin(w)]
            self._frame_w = ((frame_blocks, tones), np.array(cols, dtype=np.float32).T.copy())
        size = frame_blocks * self.block
        n_frames = len(samples) // size
        x = np.asarray(samples[: n_frames * size], dtype=np.float32).reshape(n_frames, size)
        return np.ascontiguousarray((x @ self._frame_w[1]).view(np.complex64))

    def bit_energies(self, sums: np.ndarray, step: int = GRID_STEP
                     ) -> tuple[np.ndarray, np.ndarray]:
        """One-bit mark and space energies from ``complex64[2, k]`` block sums.

        Returns ``(E_mark, E_space)``, each ``float32[n]`` with ``n = (k - window) // step + 1``:
        element ``g`` is ``|correlator|^2`` over the bit-long window starting at block
        ``g * step``. The detector needs no finer grid than half a bit (``step=2``).
        """
        n = max(0, (sums.shape[1] - self.window) // step + 1)
        out = []
        for t in (0, 1):
            acc = sums[t, 0:step * n:step] * self._taps[t, 0]
            for lag in range(1, self.window):
                acc += sums[t, lag:lag + step * n:step] * self._taps[t, lag]
            out.append((acc.real * acc.real + acc.imag * acc.imag).astype(np.float32))
        return out[0], out[1]
