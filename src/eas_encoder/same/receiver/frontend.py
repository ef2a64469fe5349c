"""Front end: block correlators for the mark/space tones and the attention tones.

The input is cut into blocks of ``D`` samples (``D`` about a quarter bit). For every probe tone
``f`` a block's complex sum is ``sum_k x[k] exp(-j 2 pi f k / fs)``, referenced to absolute time
by an exact integer phasor. The non-coherent one-bit correlators for mark and space
(47 CFR 11.31(a)(1)), on a half-bit grid, are all the burst detector needs: one matrix product
per chunk gives them directly, each bit-long window being the sum of the parts of it that fall
in consecutive half-bit rows (:meth:`BlockCorrelator.window_parts`). The attention detector
sums longer frames the same way (:meth:`BlockCorrelator.frame_sums`). Everything downstream
runs at the block rate or per burst.
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
    """One-bit mark/space correlator energies and frame sums of the probe tones.

    :meth:`window_parts` and :meth:`part_energies` give the one-bit mark and space energies on
    a half-bit grid; :meth:`frame_sums` gives, for frames of whole blocks and any probe tone
    (the attention detector's 853, 960, 1050 Hz), ``sum_n x[n] exp(-j 2 pi f n' / fs)`` with
    ``n'`` counted from the frame start. The absolute phase of block ``i`` is
    :meth:`block_phasor`.
    """

    def __init__(self, fs: int) -> None:
        self.fs = int(fs)
        self.block = block_size(self.fs)
        self._ratio = [Fraction(f) * self.block / self.fs for f in PROBE_TONES_HZ]
        # (frame_blocks, tones) -> frame weights, built on first use by frame_sums
        self._frame_w: tuple[tuple[int, tuple[int, ...]], np.ndarray] | None = None
        # One bit spans bit_blocks blocks: whole blocks then a fractional last one.
        self.bit_blocks = self.fs / float(BAUD_EXACT) / self.block
        n_whole = int(self.bit_blocks)
        weights = np.ones(n_whole + 1)
        weights[-1] = self.bit_blocks - n_whole
        self.window = len(weights)
        # Window weights over a row of GRID_STEP blocks, for each row of a window (part o),
        # each tone and real/imaginary part, phases referenced to the window start.
        self.parts = -(-self.window // GRID_STEP)
        m = np.arange(GRID_STEP * self.block)
        cols = []
        for o in range(self.parts):
            lag = o * GRID_STEP + m // self.block
            wgt = np.where(lag < self.window, weights[np.minimum(lag, self.window - 1)], 0.0)
            for f in PROBE_TONES_HZ[:2]:
                w = 2 * np.pi * float(f) * (o * GRID_STEP * self.block + m) / self.fs
                cols += [wgt * np.cos(w), -wgt * np.sin(w)]
        self._part_w = np.array(cols, dtype=np.float32).T.copy()   # [GRID_STEP * D, 4 * parts]

    def block_phasor(self, index: np.ndarray, tone: int) -> np.ndarray:
        """``exp(-j 2 pi f i D / fs)`` for block indices ``i`` (int64), exact for any ``i``."""
        r = self._ratio[tone]
        num, den = r.numerator, r.denominator
        frac = ((np.asarray(index, dtype=np.int64) % den) * (num % den)) % den / den
        return np.exp(-2j * np.pi * frac)

    def window_parts(self, samples: np.ndarray) -> np.ndarray:
        """Parts of the one-bit mark and space correlators, per row of ``GRID_STEP`` blocks.

        Takes ``float32[r * GRID_STEP * D]`` and returns ``complex64[2 * parts, r]``: row
        ``2 * o + t`` (tone ``t``: mark 0, space 1) holds, for every row of samples, its
        contribution as the ``o``-th row of a bit-long window. :meth:`part_energies` adds the
        parts of consecutive rows.

        Why: the detector only needs the windows on a half-bit grid, so a single matrix product
        (samples @ the window weights, phases referenced to the window start) replaces the
        per-block sums and their per-lag phase-step combination, which took more time than
        the product itself.
        """
        size = GRID_STEP * self.block
        n_rows = len(samples) // size
        x = np.asarray(samples[: n_rows * size], dtype=np.float32)
        prod = x.reshape(n_rows, size) @ self._part_w                # float32[r, 4 * parts]
        return np.ascontiguousarray(prod.view(np.complex64).T)      # complex64[2 * parts, r]

    def part_energies(self, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One-bit mark and space energies from ``complex64[2 * parts, r]`` window parts.

        Returns ``(E_mark, E_space)``, each ``float32[n]`` with ``n = r - parts + 1``: element
        ``g`` is ``|correlator|^2`` over the bit-long window starting at block
        ``g * GRID_STEP``. The last ``parts - 1`` rows wait for the next call.
        """
        n = max(0, parts.shape[1] - self.parts + 1)
        out = []
        for t in (0, 1):
            acc = parts[t, 0:n].copy()
            for o in range(1, self.parts):
                acc += parts[2 * o + t, o:o + n]
            out.append((acc.real * acc.real + acc.imag * acc.imag).astype(np.float32))
        return out[0], out[1]

    def frame_sums(self, samples: np.ndarray, frame_blocks: int,
                   tones: tuple[int, ...]) -> np.ndarray:
        """Complex tone sums over frames of ``frame_blocks`` blocks, each referenced to its
        frame start: ``complex64[frames, len(tones)]``.
        """
        if self._frame_w is None or self._frame_w[0] != (frame_blocks, tones):
            n = np.arange(frame_blocks * self.block)
            cols = []
            for t in tones:
                w = 2 * np.pi * float(PROBE_TONES_HZ[t]) * n / self.fs
                cols += [np.cos(w), -np.sin(w)]
            self._frame_w = ((frame_blocks, tones), np.array(cols, dtype=np.float32).T.copy())
        weights = self._frame_w[1]
        size = frame_blocks * self.block
        n_frames = len(samples) // size
        x = np.asarray(samples[: n_frames * size], dtype=np.float32).reshape(n_frames, size)
        return np.ascontiguousarray((x @ weights).view(np.complex64))

