"""Broadcast-chain impairments a decoder meets in the field.

Each function takes mono ``float32[n]`` samples in [-1, 1] at ``fs`` Hz and returns the
impaired ``float32`` samples (same length unless said), so a condition of the test bench is a
composition of these. What each models:

- :func:`pre_emphasis`: FM pre-emphasis left in (75 us, North America) when the receiver's
  de-emphasis is bypassed: highs boosted, the mark tone 2.5 dB louder than the space tone.
- :func:`de_emphasis`: de-emphasis applied twice (an off-air receiver feeding a chain that
  de-emphasises again): the mark tone weaker than the space tone.
- :func:`clip`: hard clipping in an overdriven chain.
- :func:`hum`: 60 Hz mains hum with its harmonics.
- :func:`telephone`: a mu-law telephone line (300-3400 Hz, 8 kHz, G.711 mu-law 8 bits).
- :func:`codec`: a lossy codec round trip through ffmpeg (MP3, Opus) at a low bit rate.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy import signal

from ..errors import EasError

__all__ = ["pre_emphasis", "de_emphasis", "clip", "hum", "telephone", "codec",
           "ffmpeg_available", "EMPHASIS_SECONDS"]

EMPHASIS_SECONDS = 75e-6
"""FM emphasis time constant in North America, seconds (47 CFR 73.317(a))."""


def _f32(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0).astype(np.float32)


def pre_emphasis(x: np.ndarray, fs: int, tau: float = EMPHASIS_SECONDS) -> np.ndarray:
    """First-order pre-emphasis ``H(s) = 1 + s tau`` (bilinear), scaled to unity gain at
    the space tone so levels stay comparable.
    """
    b, a = signal.bilinear([tau, 1.0], [tau / 20.0, 1.0], fs)  # pole far above the band
    _, h = signal.freqz(b, a, worN=[1562.5], fs=fs)
    return _f32(signal.lfilter(b, a, x) / abs(h[0]))


def de_emphasis(x: np.ndarray, fs: int, tau: float = EMPHASIS_SECONDS,
                times: int = 2) -> np.ndarray:
    """First-order de-emphasis ``H(s) = 1 / (1 + s tau)`` applied ``times`` times, scaled to
    unity gain at the space tone.
    """
    b, a = signal.bilinear([1.0], [tau, 1.0], fs)
    y = np.asarray(x, dtype=np.float64)
    for _ in range(times):
        y = signal.lfilter(b, a, y)
    _, h = signal.freqz(b, a, worN=[1562.5], fs=fs)
    return _f32(y / abs(h[0]) ** times)


def clip(x: np.ndarray, overdrive_db: float = 12.0) -> np.ndarray:
    """Drive the signal ``overdrive_db`` above full scale and clip it hard at +/-1."""
    return _f32(np.asarray(x, dtype=np.float64) * 10 ** (overdrive_db / 20))


def hum(x: np.ndarray, fs: int, level: float = 0.1, mains_hz: float = 60.0,
        harmonics: int = 5) -> np.ndarray:
    """Add mains hum: ``mains_hz`` and its harmonics up to the ``harmonics``-th, falling 6 dB
    each, fundamental at peak ``level``.
    """
    t = np.arange(len(x)) / fs
    h = sum(level / k * np.sin(2 * np.pi * mains_hz * k * t + k) for k in range(1, harmonics + 1))
    return _f32(np.asarray(x, dtype=np.float64) + h)


def _mu_law(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """G.711 mu-law: compress, quantise to 8 bits, expand."""
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    q = np.round((y + 1) * 127.5) / 127.5 - 1
    return np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu


def telephone(x: np.ndarray, fs: int) -> np.ndarray:
    """A mu-law telephone line: 300-3400 Hz band, resampled to 8 kHz, G.711 mu-law, back
    to ``fs``. Length is kept.
    """
    sos = signal.butter(4, [300, 3400], btype="bandpass", fs=fs, output="sos")
    y = signal.sosfilt(sos, np.asarray(x, dtype=np.float64))
    g = np.gcd(int(fs), 8000)
    narrow = signal.resample_poly(y, 8000 // g, int(fs) // g)
    back = signal.resample_poly(_mu_law(np.clip(narrow, -1, 1)), int(fs) // g, 8000 // g)
    out = np.zeros(len(x))
    out[: min(len(x), len(back))] = back[: len(x)]
    return _f32(out)


def ffmpeg_available() -> bool:
    """True when an ``ffmpeg`` program is on PATH."""
    return shutil.which("ffmpeg") is not None


_CODECS = {"mp3": ("libmp3lame", "mp3", None), "opus": ("libopus", "ogg", 48000)}


def codec(x: np.ndarray, fs: int, name: str = "mp3", bitrate: str = "32k",
          timeout: float = 120.0) -> np.ndarray:
    """Encode with ffmpeg's ``name`` codec at ``bitrate`` and decode back to ``fs``.

    Args:
        x: ``float32[n]`` mono samples in [-1, 1].
        fs: their sample rate, Hz.
        name: ``"mp3"`` (libmp3lame) or ``"opus"`` (libopus, run at 48 kHz).
        bitrate: ffmpeg bit rate, e.g. ``"32k"``.
        timeout: limit on each ffmpeg run, seconds.

    Returns:
        ``float32[len(x)]`` (the codec's delay is kept; the end is padded or cut).

    Raises:
        EasError: field ``codec``, ffmpeg missing or failing (its last line of stderr).
    """
    if name not in _CODECS:
        raise ValueError(f"codec must be one of {sorted(_CODECS)}")
    if not ffmpeg_available():
        raise EasError("ffmpeg is not installed", field="codec", value=name)
    encoder, container, rate = _CODECS[name]
    pcm = (np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2").tobytes()
    with tempfile.TemporaryDirectory(prefix="eas-lab-") as tmp:
        coded = Path(tmp) / f"x.{container}"
        steps = [
            (["ffmpeg", "-v", "error", "-nostdin", "-f", "s16le", "-ar", str(fs), "-ac", "1",
              "-i", "-", *(["-ar", str(rate)] if rate else []), "-c:a", encoder,
              "-b:a", bitrate, "-y", str(coded)], pcm),
            (["ffmpeg", "-v", "error", "-nostdin", "-i", str(coded), "-f", "s16le",
              "-ar", str(fs), "-ac", "1", "-"], b""),
        ]
        out = b""
        for cmd, stdin in steps:
            proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout,
                                  check=False)
            if proc.returncode != 0:
                why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                raise EasError(f"ffmpeg failed: {why[-1] if why else proc.returncode}",
                               field="codec", value=f"{name} {bitrate}")
            out = proc.stdout
    y = np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768
    res = np.zeros(len(x), dtype=np.float32)
    res[: min(len(x), len(y))] = y[: len(x)]
    return res
