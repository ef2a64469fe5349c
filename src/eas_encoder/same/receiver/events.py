"""Receiver events (re-exported by :mod:`eas_encoder.same.decoder`). Times are seconds from the
start of the stream.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum, StrEnum
from typing import Any, ClassVar

from ..header import Header

__all__ = ["Event", "HeaderEvent", "EndOfMessageEvent", "AttentionSignalEvent",
           "InvalidBurstEvent", "InvalidReason", "BurstEvent"]


class InvalidReason(StrEnum):
    """Stable identifier of why bursts were not reported as an alert (JSON ``reason_id``).

    The values never change once published; the human-readable ``reason`` text may.
    """

    SINGLE_BURST = "single-burst"
    """One burst only; 47 CFR 11.33(a)(10) needs two (``single_burst`` not asked for)."""
    NO_MATCHING_PAIR = "no-matching-pair"
    """Two bursts that do not read the same header exactly (47 CFR 11.33(a)(10))."""
    CONFIDENT_DISSENT = "confident-dissent"
    """Three bursts, no two equal, and one of them confidently reads another character."""
    HEARD_ONCE = "heard-once"
    """Part of the header was carried by one burst only (the others were cut short)."""
    LOW_CONFIDENCE = "low-confidence"
    """The combined header's posterior probability is below ``min_confidence``."""
    INVALID_HEADER = "invalid-header"
    """The header text fails field validation (47 CFR 11.31(c))."""
    EOM_UNCLEAR = "eom-unclear"
    """An end-of-message burst whose soft bits do not clearly say ``NNNN``."""


@dataclass(frozen=True)
class Event:
    """Base of all receiver events: ``start`` and ``end`` in seconds from the stream start."""

    kind: ClassVar[str] = "event"
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values, plus ``"event": kind``."""
        d: dict[str, Any] = {"event": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = str(v) if isinstance(v, Header | Enum) else (
                list(v) if isinstance(v, tuple) else v)
        return d


@dataclass(frozen=True)
class HeaderEvent(Event):
    """A validated SAME header (47 CFR 11.31(c)), combined from its bursts (47 CFR 11.33).

    Attributes:
        header: the parsed :class:`~eas_encoder.same.header.Header` (lenient: unknown codes
            and out-of-range fields seen in the wild are kept).
        text: the header as received, ``ZCZC-...-``.
        bursts: bursts combined (3 normally, 2 when one was lost, 1 only on request).
        bits_corrected: bits of the individual bursts that the combination overruled.
        confidence: posterior probability (0..1) that the text is right.
        low_confidence: from a single burst (only reported when asked for).
        repeat: this header was reported before in this stream and is heard again after an
            EOM or after :data:`~.assembler.DUPLICATE_WINDOW_SECONDS` (a retransmission);
            deciding whether to relay it again is the station's job (47 CFR 11.33(a)(3)(ii)).
    """

    kind: ClassVar[str] = "header"
    header: Header
    text: str
    bursts: int
    bits_corrected: int
    confidence: float
    low_confidence: bool = False
    repeat: bool = False


@dataclass(frozen=True)
class EndOfMessageEvent(Event):
    """End of message ``NNNN`` (47 CFR 11.31(c)); reported on the first burst received."""

    kind: ClassVar[str] = "eom"
    bursts: int = 1


@dataclass(frozen=True)
class AttentionSignalEvent(Event):
    """Attention signal: ``"eas"`` two-tone 853 + 960 Hz (47 CFR 11.31(a)(2)) or ``"nwr"``
    1050 Hz (NWSI 10-1712). ``frequencies`` are the measured tone frequencies in Hz.
    """

    kind: ClassVar[str] = "attention"
    signal: str
    duration: float
    frequencies: tuple[float, ...]


@dataclass(frozen=True)
class InvalidBurstEvent(Event):
    """Bursts that looked like a header but did not give a valid, confident one. Never an
    alert. ``reason_id`` says why as a stable :class:`InvalidReason`; ``reason`` says it in
    words (with the field, character or clause concerned).
    """

    kind: ClassVar[str] = "invalid"
    text: str
    bursts: int
    reason: str
    confidence: float
    reason_id: InvalidReason


@dataclass(frozen=True)
class BurstEvent(Event):
    """One demodulated burst (only when the receiver is asked for per-burst events)."""

    kind: ClassVar[str] = "burst"
    text: str
    burst_kind: str
    ebn0_db: float
    bit_rate: float
    mark_hz: float
    space_hz: float
