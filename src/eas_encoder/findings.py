"""Findings: the one result type of every checker in the package.

CAP validation (:func:`eas_encoder.cap.validate`), the audio conformance checker
(:func:`eas_encoder.conformance.check`) and the cell-broadcast check
(:func:`eas_encoder.conformance.cbs.check_pdus`) all return :class:`Finding` rows: one rule
applied to one place, with a :class:`Verdict`. Findings are data, not exceptions: content
problems come back as findings; API misuse still raises.

One JSON shape (:meth:`Finding.to_dict`), one line of text (``str(finding)``) and one exit
rule (:func:`fails`: the CLI exits 3 when it is true) serve all three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Verdict", "PASS", "INFO", "WARN", "FAIL", "Finding", "worst", "counts", "fails"]


class Verdict(StrEnum):
    """How one rule came out at one place, from best to worst.

    * ``pass``: the requirement is met (the measuring checkers list passes too, so a lab can
      file the measured values).
    * ``info``: advice; nothing is wrong (an element a profile ignores, a Cancel that airs
      nothing).
    * ``warn``: a SHOULD is broken, or a measured value is outside the tolerance but inside
      every decoder's lock range we know of.
    * ``fail``: a MUST is broken; the thing checked does not conform.

    Named ``Verdict`` rather than severity because CAP has a ``severity`` element of its own
    (:class:`eas_encoder.cap.model.Severity`: Extreme, Severe...). The CAP validator's former
    levels map as error -> ``fail``, warning -> ``warn``, info -> ``info``.
    """

    PASS = "pass"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        """0 for ``pass`` up to 3 for ``fail``: the order :func:`worst` uses."""
        return _RANK[self]


_RANK = {v: i for i, v in enumerate(Verdict)}

PASS, INFO, WARN, FAIL = Verdict.PASS, Verdict.INFO, Verdict.WARN, Verdict.FAIL


@dataclass(frozen=True)
class Finding:
    """One rule applied to one place.

    Attributes:
        rule_id: stable key into the checker's rule table (``CAP-XSD``, ``BURST.BIT_RATE``,
            ``CBS.PADDING``).
        verdict: the outcome (:class:`Verdict`).
        path: where: an XPath into a CAP document (``/alert/info[1]/area[2]/polygon[1]``),
            a part of a recording (``message[1].header[2]``, ``file``) or of a cell-broadcast
            message (``message``, ``pdu``).
        message: what was found, in words (for a measured rule, a remark beside the
            measurement, e.g. the header field that is wrong), or ``""``.
        spec: the clause, e.g. ``"47 CFR 11.31(a)(1)"`` or ``"CAP 1.2 §3.2.1"``.
        expected: the requirement with its tolerance, in words (``""`` when the rule does
            not measure).
        measured: the measured value in words, e.g. ``"525.000 bit/s (+8000 ppm)"``, or ``""``.
        value: the number judged, in ``unit``; ``None`` for a rule that is not a number (a
            non-finite measurement is stored as ``None``).
        unit: unit of ``value`` (``"ppm"``, ``"Hz"``, ``"s"``, ``"dB"``), or ``""``.
    """

    rule_id: str
    verdict: Verdict
    path: str
    message: str
    spec: str
    expected: str = ""
    measured: str = ""
    value: float | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        # The verdict is data other code filters on: a misspelt string must not slip in.
        object.__setattr__(self, "verdict", Verdict(self.verdict))
        if self.value is not None and not math.isfinite(self.value):
            object.__setattr__(self, "value", None)

    def __str__(self) -> str:
        """One line: ``FAIL RULE path: message [clause]``, or for a measured rule
        ``WARN RULE path: measured M (message); expected E [clause]``.
        """
        if self.measured:
            parts = [f"measured {self.measured}"
                     + (f" ({self.message})" if self.message else "")]
        else:
            parts = [self.message] if self.message else []
        if self.expected:
            parts.append(f"expected {self.expected}")
        return (f"{self.verdict.value.upper()} {self.rule_id} {self.path}: {'; '.join(parts)} "
                f"[{self.spec}]")

    def to_dict(self) -> dict[str, object]:
        """The JSON shape, the same for every checker: ``rule_id``, ``verdict`` (``pass``,
        ``info``, ``warn`` or ``fail``), ``path``, ``message``, ``spec``, ``expected``,
        ``measured``, ``value`` (number or ``null``) and ``unit``; every key always present.
        """
        return {"rule_id": self.rule_id, "verdict": self.verdict.value, "path": self.path,
                "message": self.message, "spec": self.spec, "expected": self.expected,
                "measured": self.measured, "value": self.value, "unit": self.unit}


def worst(findings: Iterable[Finding], *, empty: Verdict = PASS) -> Verdict:
    """The worst verdict among ``findings``, or ``empty`` when there are none (a checker
    that found nothing to judge passes ``FAIL``: an empty report proves nothing).
    """
    found = [f.verdict for f in findings]
    return max(found, key=_RANK.__getitem__) if found else empty


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings have each verdict: ``{"pass": n, "info": n, "warn": n, "fail": n}``."""
    out = dict.fromkeys((v.value for v in Verdict), 0)
    for f in findings:
        out[f.verdict.value] += 1
    return out


def fails(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    """The exit rule of every checking command: true (exit status 3) when any finding
    fails, or with ``strict`` also when any warns.
    """
    limit = WARN if strict else FAIL
    return any(f.verdict.rank >= limit.rank for f in findings)
