"""Project exception classes.

Every error caused by bad *content* (a malformed header, an unreadable audio file, hostile XML,
a corrupt PDU) is an :class:`EasError` subclass carrying the field, the offending value and the
rule it breaks, so the CLI can print one precise line. Misuse of the API (wrong types) stays a
plain ``TypeError``/``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "EasError",
    "HeaderError",
    "AudioError",
    "EncodeError",
    "DecodeError",
    "CapError",
    "CbsError",
    "ConformanceError",
    "ConfigError",
    "SampleRateError",
]


class EasError(Exception):
    """Base class of every eas-encoder content error.

    Attributes:
        field: name of the offending field (e.g. ``"valid_time"``), or ``None``.
        value: the offending value as given, or ``None``.
        rule: the rule broken, in words.
        spec: the spec clause (e.g. ``"47 CFR 11.31(c)"``), or ``None``.
        position: character/octet/sample offset where known, or ``None``.
    """

    def __init__(
        self,
        rule: str,
        *,
        field: str | None = None,
        value: object = None,
        spec: str | None = None,
        position: int | None = None,
    ) -> None:
        self.rule = rule
        self.field = field
        self.value = value
        self.spec = spec
        self.position = position
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.field is not None:
            parts.append(f"{self.field}")
            if self.value is not None:
                parts[-1] += f" {self.value!r}"
            parts[-1] += ":"
        parts.append(self.rule)
        if self.position is not None:
            parts.append(f"(at {self.position})")
        if self.spec:
            parts.append(f"[{self.spec}]")
        return " ".join(parts)


class HeaderError(EasError):
    """A SAME header or one of its fields breaks 47 CFR 11.31."""


class AudioError(EasError):
    """Audio that cannot be read, written or resampled as asked."""


class EncodeError(EasError):
    """A transmission that cannot be built (e.g. attention signal length, missing TTS engine)."""


class DecodeError(EasError):
    """Decoder input that cannot be processed (e.g. unsupported sample rate)."""


class CapError(EasError):
    """CAP XML that is hostile, malformed or cannot be translated."""


class CbsError(EasError):
    """A cell-broadcast page, PDU or WEA text that breaks 3GPP TS 23.041 or the WEA rules."""


class ConformanceError(EasError):
    """Audio the conformance checker cannot analyse at all."""


class ConfigError(EasError):
    """A station configuration key whose value breaks a rule (``field`` is the key path,
    e.g. ``filter[2].action``).
    """


class SampleRateError(AudioError, EncodeError, DecodeError, ConformanceError):
    """A sample rate outside the range of its role (:func:`eas_encoder.pcm.check_rate`).

    One type for every role; it is also each role's own error class, so code catching
    ``DecodeError`` around a receiver, or ``EncodeError`` around the encoder, still catches it.
    """
