"""Attention signal generation: EAS two-tone (853 + 960 Hz) or NWR 1050 Hz.

47 CFR 11.31(a)(2) and (c): 853 Hz and 960 Hz transmitted together for 8 to 25 seconds;
NWSI 10-1712: the NOAA Weather Radio warning alarm tone is 1050 Hz.
"""

from __future__ import annotations

import numpy as np

from ..errors import EncodeError
from .waveform import (
    ATTENTION_EAS_HZ,
    ATTENTION_MAX_SECONDS,
    ATTENTION_MIN_SECONDS,
    ATTENTION_NWR_HZ,
)

__all__ = ["attention_signal", "ATTENTION_KINDS"]

ATTENTION_KINDS = ("eas", "nwr", "none")
_RAMP_SECONDS = 0.005  # short raised-cosine edges: no click, no measurable effect on duration


def attention_signal(kind: str, seconds: float, fs: int, amplitude: float = 1.0, *,
                     strict: bool = True) -> np.ndarray:
    """Generate the attention signal.

    Args:
        kind: ``"eas"`` (853 + 960 Hz, each at half amplitude so the peak is ``amplitude``),
            ``"nwr"`` (1050 Hz) or ``"none"`` (empty).
        seconds: duration; 8 to 25 s (47 CFR 11.31(c)) unless ``strict=False``.
        fs: sample rate in Hz.
        amplitude: peak amplitude, linear full scale.
        strict: enforce the 8-25 s rule (off only for building faulty test signals).

    Returns:
        ``float32[round(seconds * fs)]``.

    Raises:
        EncodeError: field ``attention`` / ``attention_seconds``.
    """
    if kind not in ATTENTION_KINDS:
        raise EncodeError(f"must be one of {', '.join(ATTENTION_KINDS)}", field="attention",
                          value=kind)
    if kind == "none":
        return np.zeros(0, dtype=np.float32)
    if not np.isfinite(seconds) or seconds <= 0 or (
            strict and not ATTENTION_MIN_SECONDS <= seconds <= ATTENTION_MAX_SECONDS):
        raise EncodeError(f"must be {ATTENTION_MIN_SECONDS:g} to {ATTENTION_MAX_SECONDS:g} "
                          "seconds", field="attention_seconds", value=seconds,
                          spec="47 CFR 11.31(c)")
    n = int(round(seconds * fs))
    t = np.arange(n, dtype=np.float64) / fs
    if kind == "eas":
        f1, f2 = ATTENTION_EAS_HZ
        x = 0.5 * (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t))
    else:
        x = np.sin(2 * np.pi * ATTENTION_NWR_HZ * t)
    r = min(int(_RAMP_SECONDS * fs), n // 2)
    if r:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
        x[:r] *= ramp
        x[n - r:] *= ramp[::-1]
    return (amplitude * x).astype(np.float32)
