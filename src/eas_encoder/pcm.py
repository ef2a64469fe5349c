"""Samples and sample rates: the one cleaning policy and the one sample-rate rule per role.

Every path that turns audio into numbers for the tool (files read by :mod:`eas_encoder.audio`,
blocks fed to the receiver, recordings given to the conformance checker, message audio for the
encoder) goes through :func:`clean_mono` (or, on the receiver's copy-while-scaling fast path,
:func:`full_scale` and :func:`erase_damage`), so the same input gives the same samples
everywhere. The policy:

- integer PCM is scaled by its full scale: signed ``int16`` by 1/32768 (``int8``/``int32``
  alike); unsigned is offset by half its range first, as WAV stores 8-bit audio
  (``uint8 [0, 128, 255]`` -> ``[-1, 0, 0.9921875]``); booleans count as 0 and 1;
- floating point passes unscaled (a level of 1.5 is kept: the checker reports it as too loud,
  and the receiver does not depend on level);
- NaN, +/-infinity and any sample beyond +/-:data:`MAX_ABS_SAMPLE` are damage, not signal, and
  become 0 (an erasure, like a drop-out). Clipping them instead would leave bursts of enormous
  energy that swamp the level estimates of nearby bursts, and squares of 3e38 overflow the
  correlators' float32 sums;
- channels are averaged (a signal in one channel keeps its shape at -6 dB).

Sample rates: :func:`check_rate` with a :class:`RateRole`; one error type,
:class:`~eas_encoder.errors.SampleRateError`, one message form.

This module imports neither soundfile nor scipy (the receiver depends on it).
"""

from __future__ import annotations

import enum

import numpy as np

from .errors import SampleRateError
from .same.waveform import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE

__all__ = ["MAX_ABS_SAMPLE", "RateRole", "RATE_LIMITS", "check_rate", "clean_mono",
           "full_scale", "erase_damage"]

MAX_ABS_SAMPLE = 1e4
"""Float samples beyond +/- this (80 dB above full scale) are erased as damage."""


class RateRole(enum.Enum):
    """What a sample rate is used for; each role has one range (:data:`RATE_LIMITS`)."""

    WRITING = "write or read audio"
    MODULATING = "encode SAME"
    DECODING = "decode SAME"
    CHECKING = "check SAME"


RATE_LIMITS: dict[RateRole, tuple[int, int]] = {
    # Any rate a WAV header can sensibly carry (raw input, resampling, files).
    RateRole.WRITING: (1, 384000),
    # The 2083.3 Hz mark tone needs the Nyquist margin below; 192 kHz is the highest rate
    # broadcast chains use and the modulator's tables are tested to.
    RateRole.MODULATING: (MIN_SAMPLE_RATE, MAX_SAMPLE_RATE),
    RateRole.DECODING: (MIN_SAMPLE_RATE, MAX_SAMPLE_RATE),
    # Measuring someone else's recording: any studio rate, including 352.8/384 kHz.
    RateRole.CHECKING: (MIN_SAMPLE_RATE, 384000),
}

_WHY = {
    RateRole.WRITING: "",
    RateRole.MODULATING: " (the 2083 Hz mark tone needs the Nyquist margin)",
    RateRole.DECODING: " (the 2083 Hz mark tone needs the Nyquist margin)",
    RateRole.CHECKING: " (the 2083 Hz mark tone needs the Nyquist margin)",
}


def check_rate(fs: object, role: RateRole, *, field: str = "rate") -> int:
    """Validate a sample rate for ``role``; return it as ``int``.

    A whole number of Hz: an ``int``, a numpy integer, or a float with no fractional part
    (``22050.0``); never a ``bool`` or a string.

    Raises:
        SampleRateError: field ``rate``, with the role's range in the message.
    """
    lo, hi = RATE_LIMITS[role]
    value = fs
    if isinstance(fs, float | np.floating) and float(fs).is_integer():
        value = int(fs)
    if isinstance(value, bool) or not isinstance(value, int | np.integer) \
            or not lo <= value <= hi:
        raise SampleRateError(f"must be a whole number of Hz from {lo} to {hi} to "
                              f"{role.value}{_WHY[role]}", field=field, value=fs)
    return int(value)


def full_scale(dtype: np.dtype) -> np.float32 | None:
    """Multiplier mapping signed integer PCM of ``dtype`` to [-1, 1); ``None`` otherwise."""
    return _signed_scale(dtype) if dtype.kind == "i" else None


def _signed_scale(dtype: np.dtype) -> np.float32:
    return np.float32(2.0 ** -(8 * dtype.itemsize - 1))


def erase_damage(x: np.ndarray) -> None:
    """In place on ``float32[n]``: NaN, infinities and samples beyond +/-``MAX_ABS_SAMPLE``
    become 0.
    """
    # One reduction in the common case; NaN fails the comparison, so it is caught too.
    if not np.max(np.abs(x), initial=0.0) <= MAX_ABS_SAMPLE:
        with np.errstate(invalid="ignore"):
            x[~(np.abs(x) <= MAX_ABS_SAMPLE)] = 0.0


def clean_mono(samples: np.ndarray) -> np.ndarray:
    """``[n]`` or ``[n, channels]`` samples of any numeric dtype -> clean ``float32[n]``.

    Applies the module's policy (integer scaling with the unsigned offset, damage erased,
    channels averaged). Always returns a new array the caller may modify.

    Raises:
        ValueError: not 1-D/2-D, or not numbers (a programming error, not bad content).
    """
    a = np.asarray(samples)
    if a.ndim not in (1, 2):
        raise ValueError(f"samples must be [n] or [n, channels], got shape {a.shape}")
    if a.dtype.kind == "u":
        half = 2.0 ** (8 * a.dtype.itemsize - 1)
        a = (a.astype(np.float32) - np.float32(half)) / np.float32(half)
    elif a.dtype.kind == "i":
        a = a.astype(np.float32) * _signed_scale(a.dtype)
    elif a.dtype.kind in "fb":
        with np.errstate(over="ignore"):  # float64 beyond float32 -> inf, erased below
            a = a.astype(np.float32, copy=False)
    else:
        raise ValueError(f"samples must be numbers, got dtype {a.dtype}")
    if a.ndim == 2:
        if a.shape[1] == 1:
            a = a[:, 0]
        else:
            # Damage in one channel must not poison the mix: erase before averaging.
            a = np.array(a, dtype=np.float32)
            erase_damage(a.reshape(-1))
            a = a.mean(axis=1, dtype=np.float32)
    a = np.array(a, dtype=np.float32)
    erase_damage(a)
    return a
