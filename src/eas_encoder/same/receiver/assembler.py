"""Burst assembler: groups the three bursts of a header, confirms it, reports events.

47 CFR 11.33(a)(10): "two of three headers that match exactly make a valid header". The
assembler applies that rule first: as soon as two bursts of a group read the same valid header
character for character (and their combined soft bits confirm it), the header is reported,
whatever the third burst holds (damaged by a buffer repeat, a drop-out, or another header).

When no two bursts match exactly (noise at low Eb/N0 corrupts each burst in other places), the
soft bits of the three bursts are summed position by position from the ``Z`` of ``ZCZC``
(maximum-ratio combining, as the LLRs carry each burst's own SNR) and decoded with the header
grammar, but only if every burst's disagreement with the result lies at bits it was unsure of
(noise-like). A burst that confidently reads another character vetoes combining: soft combining
would otherwise vote three bursts that each carry a different header into a fourth that none of
them carried. A single burst is reported only when the caller asks for it, flagged low
confidence. An EOM is reported on its first ``NNNN`` burst.

Duplicates: a header is reported once per transmission. The same header heard again is
reported again, flagged ``repeat``, when an EOM came in between or when
:data:`DUPLICATE_WINDOW_SECONDS` have passed.
"""

from __future__ import annotations

import re

import numpy as np

from ...errors import HeaderError
from ..header import Header
from ..waveform import EOM_TEXT
from .config import MIN_CONFIDENCE, ReceiverConfig
from .demod import DemodBurst
from .events import EndOfMessageEvent, Event, HeaderEvent, InvalidBurstEvent, InvalidReason
from .grammar import decode_header

__all__ = ["BurstAssembler", "GROUP_GAP_SECONDS", "DUPLICATE_WINDOW_SECONDS",
           "MIN_CONFIDENCE"]

GROUP_GAP_SECONDS = 3.0
"""Longest silence between bursts of one header, plus the length of the last burst heard:
two pauses of one second (+/-5 %, NWSI 10-1712) around a lost middle burst of that length,
with room for sloppy encoders. (A fixed 3 s split a 0.9 s header whose middle burst was lost
at -3 % bit rate into two unconfirmed single bursts.)"""
DUPLICATE_WINDOW_SECONDS = 30.0
"""A header identical to one reported less than this long before, with no EOM in between, is
the same activation."""
EOM_WINDOW_SECONDS = 10.0
CONFLICT_LLR = 8.0
"""A burst is sure of a bit when its LLR magnitude reaches this (P(error) < 0.04 %), or the
noise limit of :func:`_sure_llr` where that is higher. A burst sure of a value the combined
text does not have was not a noisy copy of that text."""
_NOISE_SIGMAS = 4.85
"""How far in the tail of its own noise a burst's wrong bit must sit to count as sure: about
one bit in 1.6 million, one triple in a thousand at the longest header."""
_HISTORY = 16
"""Headers remembered for duplicate and repeat decisions."""
_HEADER_RE = re.compile(r"ZCZC-[A-Z]{3}-[A-Z]{3}(?:-[0-9]{6}){0,30}-[0-9]{6}\+[0-9]{4}-"
                        r"[0-9]{7}-[A-Z0-9/ ]{1,8}-")
class BurstAssembler:
    """``process(burst)`` / ``tick(now)`` -> list of events; times in samples at ``fs``."""

    def __init__(self, fs: int, config: ReceiverConfig) -> None:
        self.fs = fs
        self.single_burst = config.single_burst
        self.min_confidence = config.min_confidence
        self.reset()

    def reset(self) -> None:
        """Forget pending bursts and the duplicate history."""
        self._group: list[DemodBurst] = []
        self._confirmed: str | None = None        # header the current group already reported
        # (text, end sample, an EOM came after it), newest last
        self._reported: list[tuple[str, int, bool]] = []
        self._last_eom_end: int | None = None

    def process(self, burst: DemodBurst) -> list[Event]:
        """Take one demodulated burst; return the events it completes."""
        events: list[Event] = []
        if burst.kind == "eom":
            events += self._finish()
            confidence = _eom_confidence(burst)
            if confidence < self.min_confidence:
                # One burst is all an EOM gets, so its soft bits must say NNNN clearly:
                # sync alone tolerates bit errors that a trill in music can supply.
                events.append(InvalidBurstEvent(
                    start=burst.start / self.fs, end=burst.end / self.fs, text=burst.text,
                    bursts=1, reason="end-of-message burst is not clearly NNNN",
                    confidence=confidence, reason_id=InvalidReason.EOM_UNCLEAR))
                return events
            gap = None if self._last_eom_end is None else burst.start - self._last_eom_end
            if gap is None or gap > EOM_WINDOW_SECONDS * self.fs:
                events.append(EndOfMessageEvent(start=burst.start / self.fs,
                                                end=burst.end / self.fs))
            self._last_eom_end = burst.end
            self._reported = [(t, e, True) for t, e, _ in self._reported]
            return events
        if self._group and burst.start - self._group[-1].end > self._gap_limit():
            events += self._finish()
        self._group.append(burst)
        if self._confirmed is None:
            events += self._exact_pair()
        if len(self._group) == 3:
            events += self._finish()
        return events

    def tick(self, now: int) -> list[Event]:
        """Every burst starting before sample ``now`` has been delivered: close stale groups."""
        if self._group and now - self._group[-1].end > self._gap_limit():
            return self._finish()
        return []

    def _gap_limit(self) -> float:
        last = self._group[-1]
        return GROUP_GAP_SECONDS * self.fs + (last.end - last.start)

    def flush(self) -> list[Event]:
        """End of stream: report whatever group is pending."""
        return self._finish()

    def _exact_pair(self) -> list[Event]:
        """The newest burst and an earlier one of the group read the same valid header."""
        new = self._group[-1]
        text = _header_text(new)
        if text is None:
            return []
        for old in self._group[:-1]:
            if _header_text(old) != text:
                continue
            pair = [old, new]
            total = _combined(pair)
            result = decode_header(total)
            # Both read it, and together they are sure of it: two identical readings of
            # a blend (two channels mixed, each bit half mark half space) are not.
            if result.text != text or result.confidence < self.min_confidence:
                continue
            try:
                header = Header.parse(text, lenient=True)
            except HeaderError:
                return []
            self._confirmed = text
            return self._report(pair, text, header, result.confidence)
        return []

    def _finish(self) -> list[Event]:
        group, self._group = self._group, []
        confirmed, self._confirmed = self._confirmed, None
        if not group or confirmed is not None:
            return []
        result = decode_header(_combined(group))
        start, end = group[0].start / self.fs, group[-1].end / self.fs
        text = result.text

        def invalid(reason: str, reason_id: InvalidReason, shown: str = text) -> list[Event]:
            return [InvalidBurstEvent(start=start, end=end, text=shown, bursts=len(group),
                                      reason=reason, confidence=result.confidence,
                                      reason_id=reason_id)]

        if len(group) == 1 and not self.single_burst:
            return invalid("single burst, not confirmed (47 CFR 11.33)",
                           InvalidReason.SINGLE_BURST, group[0].text)
        if len(group) == 2:
            # Two bursts are a match or nothing: a damaged stretch of one carries no LLR
            # weight, so the other's altered bits would pass every soft test unopposed.
            return invalid("the two bursts do not match each other "
                           "(47 CFR 11.33: two of three must match)",
                           InvalidReason.NO_MATCHING_PAIR)
        dissent = _confident_dissent(group, text)
        if dissent is not None:
            return invalid(dissent, InvalidReason.CONFIDENT_DISSENT)
        alone = _single_cover(group, text)
        if alone is not None:
            return invalid(alone, InvalidReason.HEARD_ONCE)
        if result.confidence < self.min_confidence:
            return invalid("low confidence", InvalidReason.LOW_CONFIDENCE)
        try:
            header = Header.parse(text, lenient=True)
        except HeaderError as exc:
            return invalid(str(exc), InvalidReason.INVALID_HEADER)
        return self._report(group, text, header, result.confidence)

    def _report(self, group: list[DemodBurst], text: str, header: Header,
                confidence: float) -> list[Event]:
        """A confirmed header: one event per transmission, ``repeat`` when heard before."""
        start_sample = group[0].start
        previous = [(e, eom) for t, e, eom in self._reported if t == text]
        if previous:
            end, eom_since = previous[-1]
            if not eom_since and start_sample - end <= DUPLICATE_WINDOW_SECONDS * self.fs:
                return []
        self._reported = [r for r in self._reported if r[0] != text][-(_HISTORY - 1):]
        self._reported.append((text, group[-1].end, False))
        ref_bits = _text_bits(text)
        corrected = 0
        for b in group:
            m = min(len(b.llr), len(text))
            corrected += int(np.count_nonzero((b.llr[:m] > 0) != ref_bits[:m]))
            corrected += 7 * (len(text) - m)
        return [HeaderEvent(start=start_sample / self.fs, end=group[-1].end / self.fs,
                            header=header, text=text, bursts=len(group),
                            bits_corrected=corrected, confidence=confidence,
                            low_confidence=len(group) == 1, repeat=bool(previous))]


def _combined(group: list[DemodBurst]) -> np.ndarray:
    """Sum of the bursts' LLRs, position by position: ``float64[chars, 7]``."""
    n = max(len(b.llr) for b in group)
    total = np.zeros((n, 7))
    for b in group:
        total[: len(b.llr)] += b.llr
    return total


def _header_text(burst: DemodBurst) -> str | None:
    """The header a burst reads on its own (hard decisions), or ``None``."""
    m = _HEADER_RE.match(burst.text)
    return m.group(0) if m else None


def _eom_confidence(burst: DemodBurst) -> float:
    """Posterior probability that the four characters of an EOM burst are ``NNNN``."""
    llr = np.asarray(burst.llr[:4], dtype=np.float64)
    if len(llr) < 4:
        return 0.0
    # log P(bit as in 'N') = -log(1 + exp(-s * llr)) per bit, summed over 28 bits.
    return float(np.exp(-np.logaddexp(0.0, -llr * _NNNN_SIGN).sum()))


def _text_bits(text: str) -> np.ndarray:
    """``bool[chars, 7]``: the seven significant bits of each character, LSB first."""
    ref = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    return ((ref[:, None] >> np.arange(7)) & 1).astype(bool)


_NNNN_SIGN = np.where(_text_bits(EOM_TEXT.decode("ascii")), 1.0, -1.0)


def _confident_dissent(group: list[DemodBurst], text: str) -> str | None:
    """Why the bursts' soft combination may not stand for ``text``, or ``None``.

    Soft combining is for noise: every bit where a burst disagrees with ``text`` must be one
    the burst was unsure of. A burst sure of another value (a different character sent, a
    burst shifted by a lost or repeated audio buffer) vetoes the combination, and then only
    two bursts matching exactly confirm a header (47 CFR 11.33(a)(10)).
    """
    bits = _text_bits(text)
    for i, b in enumerate(group):
        m = min(len(text), len(b.llr))
        llr = b.llr[:m]
        against = ((llr > 0) != bits[:m]) & (np.abs(llr) >= _sure_llr(b.llr))
        if against.any():
            char = int(np.nonzero(against.any(axis=1))[0][0])
            return (f"burst {i + 1} confidently reads {b.text[char]!r} at character "
                    f"{char + 1} and no two bursts match "
                    "(47 CFR 11.33(a)(10): two of three must match exactly)")
    return None


def _sure_llr(llr: np.ndarray) -> float:
    """LLR magnitude above which a wrong bit of this burst is not noise.

    Consistent Gaussian LLRs have mean ``mu`` and variance ``2 mu`` (``mu`` read as the median
    magnitude over the burst), so noise makes a bit read wrong with ``|LLR| >= t`` with
    probability ``Q((t + mu) / sqrt(2 mu))``. At 9 dB Eb/N0 (``mu`` about 16) a fixed
    :data:`CONFLICT_LLR` is reached by noise in about one triple in fifty; the limit here keeps
    that near one in a thousand, and never goes below :data:`CONFLICT_LLR`.
    """
    mu = float(np.median(np.abs(llr))) if llr.size else 0.0
    return max(CONFLICT_LLR, _NOISE_SIGMAS * np.sqrt(2 * mu) - mu)


def _single_cover(group: list[DemodBurst], text: str) -> str | None:
    """Why ``text`` is not confirmed by two bursts character for character, or ``None``.

    A burst cut short (end of a recording, a drop-out) cannot vouch for characters it never
    carried: past its end the other burst alone would decide them.
    """
    if len(group) < 2:
        return None
    covered = np.sum([np.arange(len(text)) < len(b.llr) for b in group], axis=0)
    alone = np.nonzero(covered < 2)[0]
    if not len(alone):
        return None
    return (f"characters {alone[0] + 1} to {len(text)} were heard in one burst only "
            "(47 CFR 11.33: two of three must match)")
