"""Text-to-speech for the spoken message, through the ``espeak-ng`` program when installed."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile as sf

from .audio import resample, to_mono
from .errors import EncodeError

__all__ = ["synthesize", "tts_available", "MAX_TTS_CHARACTERS"]

MAX_TTS_CHARACTERS = 20000
_ENGINE = "espeak-ng"


def tts_available() -> bool:
    """True when the ``espeak-ng`` program is on PATH."""
    return shutil.which(_ENGINE) is not None


def _check_voice(voice: str) -> None:
    """espeak-ng speaks an unknown voice name in its default voice and exits 0, so a typo
    would air English without a word: refuse a voice it does not list.
    """
    from .multilingual import installed_voices

    known = installed_voices()
    base = voice.split("+", 1)[0].strip().lower()  # "+f3" picks a variant of the voice
    if not known or "/" in base or base.startswith("mb-"):
        return  # a voice file path or an MBROLA voice: espeak-ng reports those itself
    if base not in known and base not in {v.lower() for v in known.values()}:
        raise EncodeError("is not an espeak-ng voice (espeak-ng --voices lists them)",
                          field="voice", value=voice)


def synthesize(text: str, fs: int, *, voice: str = "en-us", words_per_minute: int = 150,
               peak: float = 0.7, timeout_seconds: float = 120.0) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return it at ``fs`` Hz, peak-normalised.

    Args:
        text: the message text (1 to 20000 characters).
        fs: output sample rate in Hz.
        voice: espeak-ng voice name (e.g. ``en-us``, ``es``).
        words_per_minute: speaking rate.
        peak: peak amplitude of the result, linear full scale.
        timeout_seconds: longest time espeak-ng may take.

    Returns:
        ``float32[n]`` mono at ``fs``.

    Raises:
        EncodeError: field ``tts`` when espeak-ng is missing, fails, or the text is empty or
            too long.
    """
    if not isinstance(text, str) or not text.strip():
        raise EncodeError("is empty", field="tts", value=text)
    if len(text) > MAX_TTS_CHARACTERS:
        raise EncodeError(f"is longer than {MAX_TTS_CHARACTERS} characters", field="tts",
                          value=f"{len(text)} characters")
    exe = shutil.which(_ENGINE)
    if exe is None:
        raise EncodeError("needs espeak-ng, which is not installed (apt-get install "
                          "espeak-ng), or give a recorded --message file", field="tts")
    _check_voice(voice)
    try:
        # Text goes through stdin so nothing in it can be read as an option.
        proc = subprocess.run([exe, "--stdout", "-v", voice, "-s", str(words_per_minute)],
                              input=text.encode("utf-8"), capture_output=True,
                              timeout=timeout_seconds, check=False)
    except subprocess.TimeoutExpired:
        raise EncodeError(f"espeak-ng took longer than {timeout_seconds:g} s",
                          field="tts") from None
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EncodeError(f"espeak-ng failed ({err[0] if err else proc.returncode})",
                          field="tts")
    try:
        data, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        # espeak-ng writes a WAV header with an unknown length when piping; read the PCM.
        pcm = proc.stdout[44:]
        data = (np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2") / 32768.0)[:, None]
        rate = 22050
    x = resample(to_mono(data), rate, fs)
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x * (peak / top)).astype(np.float32) if top > 0 else x
