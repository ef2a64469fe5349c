"""Burst assembler: groups the three bursts of a header, combines them, reports events.

47 CFR 11.33(a): a decoder must validate a header by comparing its repeated transmissions.
Here the soft bits of the bursts are summed position by position from the ``Z`` of ``ZCZC``
(maximum-ratio combining, as the LLRs carry each burst's own SNR), then decoded with the header
grammar. A header needs two bursts (one may be lost); a single burst is reported only when the
caller asks for it, flagged low confidence. An EOM is reported on its first ``NNNN`` burst.
The same header is reported once per :data:`DUPLICATE_WINDOW_SECONDS`; sent again later it is
reported again.
"""

from __future__ import annotations

import numpy as np

from ...errors import HeaderError
from ..header import Header
from ..waveform import EOM_TEXT
from .demod import DemodBurst
from .events import EndOfMessageEvent, Event, HeaderEvent, InvalidBurstEvent
from .grammar import decode_header

__all__ = ["BurstAssembler", "GROUP_GAP_SECONDS", "DUPLICATE_WINDOW_SECONDS",
           "MIN_CONFIDENCE"]

GROUP_GAP_SECONDS = 3.0
"""Longest silence between bursts of one header, plus the length of the last burst heard:
two pauses of one second (+/-5 %, NWSI 10-1712) around a lost middle burst of that length,
with room for sloppy encoders. (A fixed 3 s split a 0.9 s header whose middle burst was lost
at -3 % bit rate into two unconfirmed single bursts.)"""
DUPLICATE_WINDOW_SECONDS = 30.0
"""A header identical to one reported less than this long before is the same activation."""
EOM_WINDOW_SECONDS = 10.0
MIN_CONFIDENCE = 0.99
"""Posterior probability below which a combined header is reported as invalid, not as an
alert (SAME has no checksum; see :mod:`.grammar`)."""
_AGREE = 0.72
CONFLICT_LLR = 8.0
"""A burst is sure of a bit when its LLR magnitude reaches this (P(error) < 0.04 %). Two
bursts sure of opposite values cannot both be noisy copies of one header: one was altered."""


class BurstAssembler:
    """``process(burst)`` / ``tick(now)`` -> list of events; times in samples at ``fs``."""

    def __init__(self, fs: int, *, single_burst: bool = False,
                 min_confidence: float = MIN_CONFIDENCE) -> None:
        self.fs = fs
        self.single_burst = single_burst
        self.min_confidence = min_confidence
        self.reset()

    def reset(self) -> None:
        """Forget pending bursts and the duplicate history."""
        self._group: list[DemodBurst] = []
        self._reported: list[tuple[str, int]] = []   # (text, end sample)
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
                    confidence=confidence))
                return events
            gap = None if self._last_eom_end is None else burst.start - self._last_eom_end
            if gap is None or gap > EOM_WINDOW_SECONDS * self.fs:
                events.append(EndOfMessageEvent(start=burst.start / self.fs,
                                                end=burst.end / self.fs))
            self._last_eom_end = burst.end
            return events
        if self._group and (burst.start - self._group[-1].end > self._gap_limit()
                            or not _compatible(self._group[0], burst)):
            events += self._finish()
        self._group.append(burst)
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

    def _finish(self) -> list[Event]:
        group, self._group = self._group, []
        if not group:
            return []
        n = max(len(b.llr) for b in group)
        total = np.zeros((n, 7))
        for b in group:
            total[: len(b.llr)] += b.llr
        result = decode_header(total)
        start, end = group[0].start / self.fs, group[-1].end / self.fs
        text = result.text
        dispute = (_unresolved_dispute(group, text) or _single_cover(group, text)
                   or _pair_mismatch(group, text))
        if len(group) == 1 and not self.single_burst:
            return [InvalidBurstEvent(start=start, end=end, text=group[0].text, bursts=1,
                                      reason="single burst, not confirmed (47 CFR 11.33)",
                                      confidence=result.confidence)]
        if dispute is not None:
            return [InvalidBurstEvent(start=start, end=end, text=text, bursts=len(group),
                                      reason=dispute, confidence=result.confidence)]
        if result.confidence < self.min_confidence:
            return [InvalidBurstEvent(start=start, end=end, text=text, bursts=len(group),
                                      reason="low confidence", confidence=result.confidence)]
        try:
            header = Header.parse(text, lenient=True)
        except HeaderError as exc:
            return [InvalidBurstEvent(start=start, end=end, text=text, bursts=len(group),
                                      reason=str(exc), confidence=result.confidence)]
        self._reported = [(t, e) for t, e in self._reported
                          if group[0].start - e <= DUPLICATE_WINDOW_SECONDS * self.fs]
        if any(t == text for t, _ in self._reported):
            return []
        self._reported.append((text, group[-1].end))
        ref = text
        ref_bits = _text_bits(text)
        corrected = 0
        for b in group:
            m = min(len(b.llr), len(ref))
            corrected += int(np.count_nonzero((b.llr[:m] > 0) != ref_bits[:m]))
            corrected += 7 * (len(ref) - m)
        return [HeaderEvent(start=start, end=end, header=header, text=text, bursts=len(group),
                            bits_corrected=corrected, confidence=result.confidence,
                            low_confidence=len(group) == 1)]


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


def _unresolved_dispute(group: list[DemodBurst], text: str) -> str | None:
    """Why the bursts cannot confirm ``text``, or ``None``.

    47 CFR 11.33 validates a header by two matching transmissions. Soft combining alone
    would blend two bursts that each carry a different header into a third text neither
    sent. So wherever bursts are each sure of opposite values of a bit, the text must side
    with a majority of two sure bursts against one; a one-to-one dispute (two bursts, or
    three with one unsure) means no two bursts match there, and nothing is confirmed. And a
    character holding such a bit must be read whole by two bursts: a garbled burst can side
    with an altered one on a single bit while reading neither's character.
    """
    if len(group) < 2:
        return None
    n = len(text)
    llr = np.zeros((len(group), n, 7))
    for i, b in enumerate(group):
        m = min(n, len(b.llr))
        llr[i, :m] = b.llr[:m]
    sure = np.abs(llr) >= CONFLICT_LLR
    says_one = (sure & (llr > 0)).sum(axis=0)
    says_zero = (sure & (llr < 0)).sum(axis=0)
    disputed = (says_one > 0) & (says_zero > 0)
    if not disputed.any():
        return None
    bits = _text_bits(text)
    agree = np.where(bits, says_one, says_zero)
    against = np.where(bits, says_zero, says_one)
    bad = disputed & ~((agree >= 2) & (against == 1))
    readers = ((llr > 0) == bits[None]).all(axis=2).sum(axis=0)  # bursts reading each char
    bad_chars = bad.any(axis=1) | (disputed.any(axis=1) & (readers < 2))
    if not bad_chars.any():
        return None
    char = int(np.nonzero(bad_chars)[0][0])
    return (f"bursts disagree at character {char + 1} with no two matching "
            "(47 CFR 11.33: two of three must match)")


def _single_cover(group: list[DemodBurst], text: str) -> str | None:
    """Why ``text`` is not confirmed by two bursts character for character, or ``None``.

    A burst cut short (end of a recording, a drop-out) cannot vouch for characters it never
    carried: past its end the other burst alone would decide them.
    """
    if len(group) < 2:
        return None
    covered = sum(np.arange(len(text)) < len(b.llr) for b in group)
    alone = np.nonzero(covered < 2)[0]
    if not len(alone):
        return None
    return (f"characters {alone[0] + 1} to {len(text)} were heard in one burst only "
            "(47 CFR 11.33: two of three must match)")


def _pair_mismatch(group: list[DemodBurst], text: str) -> str | None:
    """Why two bursts do not confirm ``text``, or ``None``.

    With only two bursts, each must read ``text`` on its own: 47 CFR 11.33's "two of three
    match", literally. Soft combining keeps its gain when all three bursts arrive; with two, a
    damaged stretch of one burst carries no LLR weight, so the other burst's altered bits
    would pass every soft test unopposed.
    """
    if len(group) != 2:
        return None
    for b in group:
        if b.text[:len(text)] != text:
            return ("the two bursts do not match each other "
                    "(47 CFR 11.33: two of three must match)")
    return None


def _compatible(a: DemodBurst, b: DemodBurst) -> bool:
    """Bursts of the same header agree on most bits even at 10 % bit errors; two different
    headers, or a header and noise, agree on far fewer once the shared ``ZCZC-`` is skipped.
    """
    m = min(len(a.llr), len(b.llr))
    if m <= 5:
        return True
    agree = np.mean((a.llr[5:m] > 0) == (b.llr[5:m] > 0))
    return bool(agree >= _AGREE)
