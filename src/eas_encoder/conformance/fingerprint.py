"""Which equipment made a recording: match measured framing against the ENDEC profiles.

Each profile of :data:`eas_encoder.same.profiles.PROFILES` predicts what the checker measures
around a burst: the bits before the preamble (Sage's extra mark bits, a digital ENDEC's 0x00
before the first burst), the bytes after the text (0xFF, 0x00 padding) and the pause between
the bursts of a group. The fingerprint compares those predictions with the measured bursts,
feature by feature, and names the profile whose every prediction holds, or none. The bit
rate adds a second kind of evidence: an encoder that rounds the bit to whole samples (42 at
22050 Hz is +0.8 %) leaves a bit-rate error that names its internal sample rate.

Evidence is data (:class:`Fingerprint`), printed in the checker's text and JSON reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from ..same.modulator import bytes_to_bits
from ..same.profiles import PROFILES, EndecProfile
from ..same.waveform import BAUD
from .measure import Burst

_T = TypeVar("_T")

__all__ = ["Fingerprint", "fingerprint", "whole_samples_per_bit", "GAP_TOLERANCE_SECONDS",
           "COMMON_RATES"]

GAP_TOLERANCE_SECONDS = 0.06
"""A measured pause matches a profile's pause within this, seconds (the 850 ms Trilithic
pause and the 1 s rule, 11.31(c) +/- 5 %, stay apart)."""

COMMON_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000)
"""Sample rates encoders run at internally, Hz, tried for the whole-samples-per-bit test."""

WHOLE_SAMPLE_MIN_PPM = 300.0
"""Rounding the bit to whole samples is only evidence when it moves the rate this much."""
WHOLE_SAMPLE_MATCH_PPM = 150.0
"""... and the measured error is within this of the rounding's error, ppm."""


@dataclass(frozen=True)
class Fingerprint:
    """The checker's guess at the encoder, with the evidence.

    Attributes:
        profile: name of the matching profile, or ``None`` when no profile matches.
        title: the equipment in words (``""`` with no match).
        evidence: what was measured, one sentence each, in the order they were weighed.
        mismatches: for each profile that did not match, the first prediction that failed.
        whole_samples: ``(samples per bit, sample rate Hz, ppm)`` when the bit rate shows
            whole samples per bit, else ``None``.
    """

    profile: str | None
    title: str = ""
    evidence: tuple[str, ...] = ()
    mismatches: dict[str, str] = field(default_factory=dict)
    whole_samples: tuple[int, int, float] | None = None

    def to_dict(self) -> dict:
        """Plain JSON-able dict of the fields."""
        return {"profile": self.profile, "title": self.title, "evidence": list(self.evidence),
                "mismatches": dict(self.mismatches),
                "whole_samples": (None if self.whole_samples is None else
                                  {"samples_per_bit": self.whole_samples[0],
                                   "rate_hz": self.whole_samples[1],
                                   "ppm": round(self.whole_samples[2], 1)})}

    def to_text(self) -> str:
        """One line with the match, then the evidence, indented."""
        head = (f"fingerprint: {self.profile} ({self.title})" if self.profile
                else "fingerprint: no known ENDEC profile matches")
        return "\n".join([head] + [f"  - {e}" for e in self.evidence])


def whole_samples_per_bit(ppm: float, fs: int | None = None) -> tuple[int, int, float] | None:
    """The internal sample rate whose whole samples per bit explain a bit-rate error.

    Args:
        ppm: measured bit-rate error against 520 5/6 bit/s, parts per million.
        fs: the recording's own sample rate, Hz, tried first (encoders usually round at
            the rate they write).

    Returns:
        ``(samples per bit, rate Hz, predicted ppm)`` for the first rate of ``fs`` then
        :data:`COMMON_RATES` whose rounding moves the rate by at least
        :data:`WHOLE_SAMPLE_MIN_PPM` and predicts ``ppm`` within
        :data:`WHOLE_SAMPLE_MATCH_PPM`; ``None`` otherwise.
    """
    if not np.isfinite(ppm):
        return None
    for rate in ((fs,) if fs else ()) + COMMON_RATES:
        spb = round(rate / BAUD)
        predicted = (rate / spb / BAUD - 1.0) * 1e6
        if (abs(predicted) >= WHOLE_SAMPLE_MIN_PPM
                and abs(ppm - predicted) <= WHOLE_SAMPLE_MATCH_PPM):
            return spb, rate, predicted
    return None


def _bits(data: bytes, marks: int = 0) -> str:
    return "1" * marks + "".join(map(str, bytes_to_bits(data)))


def _lead(b: Burst) -> str:
    return "".join(map(str, b.bits[: b.junk_before_bits]))


def _majority(values: list[_T]) -> _T | None:
    return Counter(values).most_common(1)[0][0] if values else None


def _describe_bits(bits: str) -> str:
    if not bits:
        return "nothing"
    if len(bits) % 8 == 0:
        raw = bytes(int(bits[i:i + 8][::-1], 2) for i in range(0, len(bits), 8))
        if set(bits) == {"1"}:
            return f"{len(bits)} mark bits ({raw.hex(' ')})"
        return raw.hex(" ")
    return f"{len(bits)} bits {bits}"


def _hex(b: bytes) -> str:
    return b.hex(" ") if b else "nothing"


def _show(value: str | bytes) -> str:
    """A measured or predicted feature in words: bit strings (leads) or octets (tails)."""
    return _describe_bits(value) if isinstance(value, str) else _hex(value)


def _groups(bursts: list[Burst], kind: str) -> list[list[Burst]]:
    """Runs of bursts of one kind, split where a pause is longer than two seconds."""
    out: list[list[Burst]] = []
    for b in bursts:
        if b.kind != kind:
            continue
        if out and out[-1][-1].kind == kind and b.start - out[-1][-1].end < 2.0:
            out[-1].append(b)
        else:
            out.append([b])
    return out


def fingerprint(bursts: list[Burst], fs: int | None = None) -> Fingerprint:
    """Match the measured bursts of a recording against every ENDEC profile.

    Args:
        bursts: the checker's measured bursts in time order (undecodable ones are ignored).
        fs: the recording's sample rate, Hz, for the whole-samples-per-bit evidence.

    Returns:
        :class:`Fingerprint`; ``profile`` is ``None`` when no header or EOM was decoded or
        when no profile predicts every measured feature.
    """
    decoded = [b for b in bursts if b.kind in ("header", "eom")]
    if not decoded:
        return Fingerprint(None, evidence=("no header or EOM burst decoded",))
    heads, eoms = _groups(decoded, "header"), _groups(decoded, "eom")
    seen: dict[str, str | bytes | None] = {
        "header_first_lead": _majority([_lead(g[0]) for g in heads]),
        "header_lead": _majority([_lead(b) for g in heads for b in g[1:]]),
        "header_tail": _majority([b.after for g in heads for b in g]),
        "eom_first_lead": _majority([_lead(g[0]) for g in eoms]),
        "eom_lead": _majority([_lead(b) for g in eoms for b in g[1:]]),
        "eom_tail": _majority([b.after for g in eoms for b in g]),
    }
    gaps = [g[i + 1].start - g[i].end for g in heads + eoms for i in range(len(g) - 1)]
    gap = float(np.median(gaps)) if gaps else None

    evidence = []
    for key, label in (("header_first_lead", "before the first header burst's preamble"),
                       ("header_lead", "before the other header bursts' preamble"),
                       ("header_tail", "after the header text"),
                       ("eom_first_lead", "before the first EOM burst's preamble"),
                       ("eom_lead", "before the other EOM bursts' preamble"),
                       ("eom_tail", "after NNNN")):
        value = seen[key]
        if value is None:
            continue
        evidence.append(f"{label}: {_show(value)}")
    if gap is not None:
        evidence.append(f"pause between bursts: {gap * 1000:.0f} ms (median of {len(gaps)})")
    # Headers carry the most bits; a file whose EOMs came from elsewhere must not blur them.
    timed = [b for b in decoded if b.kind == "header"] or decoded
    ppm = float(np.median([b.ppm for b in timed]))
    whole = whole_samples_per_bit(ppm, fs)
    if whole is not None:
        evidence.append(f"bit rate {ppm:+.0f} ppm: whole samples per bit, {whole[0]} at "
                        f"{whole[1]} Hz ({whole[2]:+.0f} ppm)")
    else:
        evidence.append(f"bit rate {ppm:+.0f} ppm: exact timing (no whole-samples-per-bit "
                        "rounding)")

    matches, mismatches = [], {}
    for prof in PROFILES.values():
        why = _mismatch(prof, seen, gap)
        if why is None and prof.exact and whole is not None:
            why = "bit rate: expects exact timing, measured whole samples per bit"
        if why is None:
            matches.append(prof)
        else:
            mismatches[prof.name] = why
    if not matches:
        return Fingerprint(None, "", tuple(evidence), mismatches, whole)
    prof = matches[0]
    return Fingerprint(prof.name, prof.title, tuple(evidence), mismatches, whole)


def _mismatch(prof: EndecProfile, seen: dict[str, str | bytes | None],
              gap: float | None) -> str | None:
    """The first measured feature ``prof`` does not predict, in words; ``None`` if all hold."""
    predicted: dict[str, str | bytes] = {
        "header_first_lead": _bits(prof.first_lead, prof.lead_mark_bits),
        "header_lead": _bits(b"", prof.lead_mark_bits),
        "header_tail": prof.header_tail,
        "eom_first_lead": _bits(prof.first_lead + prof.eom_lead, prof.lead_mark_bits),
        "eom_lead": _bits(prof.eom_lead, prof.lead_mark_bits),
        "eom_tail": prof.eom_tail,
    }
    for key, want in predicted.items():
        got = seen[key]
        if got is not None and got != want:
            # A feature is measured as the type it is predicted as (leads bits, tails octets).
            return f"{key.replace('_', ' ')}: expects {_show(want)}, measured {_show(got)}"
    if gap is not None and abs(gap - prof.gap_seconds) > GAP_TOLERANCE_SECONDS:
        return (f"pause: expects {prof.gap_seconds * 1000:.0f} ms, measured "
                f"{gap * 1000:.0f} ms")
    return None
