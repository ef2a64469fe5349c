"""SAME message audio in several languages: one spoken part per CAP ``info``, in a configured
order (e.g. English then Spanish), through espeak-ng voices.

An edge module (it runs the speech engine): the CAP layer only chooses the ``info`` blocks and
their texts. A language the speech engine has no voice for is an error naming the language,
raised before anything is synthesised, never a silent fallback to English.

Text of each language (ECIG CAP-to-EAS Implementation Guide v1.0 §3.6 for English): parameter
``EASText`` when the ``info`` has one; for English the ECIG text the single-language path
speaks (the FCC header translation followed by description and instruction,
:func:`eas_encoder.cap.bridge.alert_to_same`); for any other language that ``info``'s own
headline, description and instruction, because the header translation template is English.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from .errors import EncodeError

if TYPE_CHECKING:
    from .cap.model import Alert

__all__ = ["installed_voices", "voice_for", "spoken_texts", "multilingual_message"]

_LINE = re.compile(r"\s*(\d+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s*(.*)")
_OTHER = re.compile(r"\(([A-Za-z0-9-]+)\s+(\d+)\)")


@cache
def installed_voices() -> dict[str, str]:
    """Language tag (lower case) -> espeak-ng voice, from ``espeak-ng --voices``; each tag
    maps to its highest-priority voice (``zh`` -> ``cmn``). Empty when espeak-ng is missing.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        return {}
    proc = subprocess.run([exe, "--voices"], capture_output=True, timeout=30, check=False)
    return parse_voice_list(proc.stdout.decode("utf-8", "replace"))


def parse_voice_list(text: str) -> dict[str, str]:
    """Parse ``espeak-ng --voices`` output into tag -> voice (see :func:`installed_voices`)."""
    best: dict[str, tuple[int, str]] = {}
    for line in text.splitlines()[1:]:
        m = _LINE.match(line)
        if not m:
            continue
        voice = m.group(2)
        tags = [(int(m.group(1)), voice.lower())]
        tags += [(int(p), t.lower()) for t, p in _OTHER.findall(m.group(3))]
        for priority, tag in tags:
            if tag not in best or priority < best[tag][0]:
                best[tag] = (priority, voice)
    return {tag: voice for tag, (_, voice) in best.items()}


def voice_for(language: str, voices: dict[str, str] | None = None) -> str:
    """The espeak-ng voice for a language tag: the exact tag, else its primary subtag
    (``es-US`` -> ``es``, ``zh-CN`` -> ``cmn``).

    Raises:
        EncodeError: field ``language`` naming the language when no voice speaks it (or
            espeak-ng is not installed).
    """
    voices = installed_voices() if voices is None else voices
    if not voices:
        raise EncodeError("cannot be spoken: espeak-ng is not installed (apt-get install "
                          "espeak-ng)", field="language", value=language)
    tag = language.strip().lower()
    for key in (tag, tag.split("-")[0]):
        if key in voices:
            return voices[key]
    raise EncodeError("has no espeak-ng voice; it would not be spoken (no fallback to "
                      "English)", field="language", value=language)


def spoken_texts(alert: Alert, languages: Sequence[str], *, station: str | None = None,
                 tz: str | None = None) -> list[tuple[str, str]]:
    """``(language, text)`` per configured language, in order (see the module docstring).

    Raises:
        CapError: no ``info`` in a configured language (naming those present), or the alert
            does not translate to SAME (see :func:`eas_encoder.cap.bridge.alert_to_same`).
    """
    from .cap.bridge import alert_to_same, select_info

    out = []
    for lang in languages:
        _, info = select_info(alert, lang)
        eas_text = [v for v in info.parameter("EASText") if v.strip()]
        if eas_text:
            text = eas_text[0].strip()
        elif info.effective_language.lower().split("-")[0] == "en":
            text = alert_to_same(alert, station=station, language=lang, tz=tz).text
        else:
            text = " ".join(t.strip() for t in (info.headline, info.description,
                                                  info.instruction) if t and t.strip())
        out.append((lang, text))
    return out


def multilingual_message(alert: Alert, languages: Sequence[str], fs: int, *,
                         station: str | None = None, tz: str | None = None,
                         pause_seconds: float = 1.0,
                         synthesize: Callable[..., np.ndarray] | None = None,
                         voices: dict[str, str] | None = None) -> np.ndarray:
    """The message audio: each language's text spoken in its own voice, in order, with
    ``pause_seconds`` of silence between them.

    Args:
        alert: :class:`eas_encoder.cap.model.Alert`.
        languages: configured order, e.g. ``["en-US", "es-US"]``.
        fs: sample rate in Hz.
        station: station id for the English ECIG text.
        tz: IANA zone for the times in the English ECIG text (default UTC).
        pause_seconds: silence between languages, 0-5 s.
        synthesize: speech function ``(text, fs, voice=...) -> float32[n]`` (default
            :func:`eas_encoder.speech.synthesize`).
        voices: tag -> voice map (default :func:`installed_voices`).

    Returns:
        ``float32[n]`` mono at ``fs``.

    Raises:
        EncodeError: a language with no voice (before any synthesis), or speech failing.
        CapError: see :func:`spoken_texts`.
        ValueError: no language or a pause outside 0-5 s (API misuse).
    """
    if not languages:
        raise ValueError("give at least one language")
    if not 0 <= pause_seconds <= 5:
        raise ValueError("pause_seconds must be 0-5")
    if synthesize is None:
        from .speech import synthesize as default_synthesize

        synthesize = default_synthesize
    chosen = [(lang, voice_for(lang, voices)) for lang in languages]
    texts = spoken_texts(alert, [lang for lang, _ in chosen], station=station, tz=tz)
    gap = np.zeros(int(round(pause_seconds * fs)), dtype=np.float32)
    parts: list[np.ndarray] = []
    for (_, voice), (_, text) in zip(chosen, texts, strict=True):
        if parts:
            parts.append(gap)
        parts.append(np.asarray(synthesize(text, fs, voice=voice), dtype=np.float32))
    return np.concatenate(parts)
