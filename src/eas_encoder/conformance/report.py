"""The checker's report: its findings (:class:`~eas_encoder.findings.Finding`, the package's
one result type), the timeline and the fingerprint, printable as a table or as JSON.

Findings are data, not exceptions: the checker returns every one it makes, passes included,
so a test lab can file the measured values beside the verdicts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ..findings import FAIL, PASS, WARN, Finding, Verdict, counts, worst
from .rules import RULES, judge

if TYPE_CHECKING:
    from .fingerprint import Fingerprint

__all__ = ["Finding", "Event", "Report", "finding"]


def finding(rule_id: str, path: str, measured: str, *, value: float | None = None,
            verdict: Verdict | None = None, message: str = "") -> Finding:
    """Make a finding of conformance rule ``rule_id`` at ``path`` (clause, expected value and
    unit from :data:`~eas_encoder.conformance.rules.RULES`); numeric rules are judged from
    ``value`` unless a ``verdict`` is given. ``message`` is a remark beside the measurement.

    Raises:
        KeyError: unknown rule id (a programming error).
        ValueError: a non-numeric rule without a verdict, or a verdict that is not a
            :class:`~eas_encoder.findings.Verdict`.
    """
    rule = RULES[rule_id]
    if verdict is None:
        if value is None:
            raise ValueError(f"{rule_id}: a verdict or a value is needed")
        verdict = judge(rule, value)
    return Finding(rule_id, Verdict(verdict), path, message, rule.spec, rule.expected,
                   measured, value, rule.unit)


@dataclass(frozen=True)
class Event:
    """One part on the timeline: ``kind`` is ``header``, ``eom``, ``burst`` (undecodable
    AFSK), ``attention`` or ``audio``; ``start``/``end`` in seconds from the file start;
    ``label`` a short caption (e.g. the decoded text or ``"853+960 Hz 8.00 s"``); ``path`` the
    prefix of its findings' paths and ``verdict`` the worst of them (``""`` for plain audio).
    """

    kind: str
    start: float
    end: float
    label: str = ""
    path: str = ""
    verdict: str = ""


@dataclass
class Report:
    """What the checker found in one recording.

    Attributes:
        fs: sample rate, Hz.
        duration: length analysed, seconds.
        findings: every finding, in the order the parts occur.
        events: the timeline of bursts, tones and other audio.
        notes: remarks about the analysis itself (channels mixed, limits reached).
        source: file name, or ``""`` for an array.
        fingerprint: which ENDEC profile the framing matches, with the evidence
            (:mod:`~eas_encoder.conformance.fingerprint`), or ``None`` before analysis.
    """

    fs: int
    duration: float
    findings: list[Finding] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    fingerprint: Fingerprint | None = None

    @property
    def verdict(self) -> Verdict:
        """Worst verdict over all findings (``fail`` when there are none at all)."""
        return worst(self.findings, empty=FAIL)

    @property
    def failures(self) -> list[Finding]:
        """The failing findings."""
        return [f for f in self.findings if f.verdict == FAIL]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that only warn."""
        return [f for f in self.findings if f.verdict == WARN]

    def by_rule(self, rule_id: str) -> list[Finding]:
        """All findings of one rule."""
        return [f for f in self.findings if f.rule_id == rule_id]

    def to_dict(self) -> dict:
        """Plain JSON-able dict: ``source``, ``fs``, ``duration``, ``verdict``, ``counts``
        (:func:`~eas_encoder.findings.counts`), ``notes``, ``fingerprint``, ``events`` and
        ``findings`` (each :meth:`~eas_encoder.findings.Finding.to_dict`).
        """
        return {
            "source": self.source, "fs": self.fs, "duration": round(self.duration, 6),
            "verdict": self.verdict.value, "counts": counts(self.findings),
            "notes": list(self.notes),
            "fingerprint": None if self.fingerprint is None else self.fingerprint.to_dict(),
            "events": [asdict(e) for e in self.events],
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self) -> list[str]:
        """The lines a reader needs first: verdict with counts, the failing and warning
        rules (with how many parts each), the fingerprint and the analysis notes.
        """
        tally = counts(self.findings)
        lines = [f"{self.source or '<samples>'}: {self.duration:.2f} s at {self.fs} Hz",
                 f"{self.verdict.upper()}: {tally[PASS]} pass, {tally[WARN]} warn, "
                 f"{tally[FAIL]} fail"]
        for verdict, label in ((FAIL, "failing rules"), (WARN, "warning rules")):
            rules: dict[str, int] = {}
            for f in self.findings:
                if f.verdict == verdict:
                    rules[f.rule_id] = rules.get(f.rule_id, 0) + 1
            if rules:
                lines.append(f"{label}: " + ", ".join(
                    f"{r} ({n} {'part' if n == 1 else 'parts'}, {RULES[r].spec})"
                    for r, n in rules.items()))
        if self.fingerprint is not None:
            lines.append(self.fingerprint.to_text())
        lines += [f"note: {n}" for n in self.notes]
        return lines

    def to_text(self, *, only_problems: bool = True) -> str:
        """The summary first (:meth:`summary`), then the timeline, then a fixed-width table:
        verdict, rule, part, measured, expected, clause.

        Args:
            only_problems: list warnings and failures only (the default); ``False`` lists
                every finding, passes included.
        """
        rows = [f for f in self.findings if not only_problems or f.verdict != PASS]
        head = ("VERDICT", "RULE", "PART", "MEASURED", "EXPECTED", "CLAUSE")
        table = [head] + [(f.verdict.upper(), f.rule_id, f.path,
                           f.measured + (f" ({f.message})" if f.message else ""), f.expected,
                           f.spec)
                          for f in rows]
        widths = [min(max(len(r[i]) for r in table), cap)
                  for i, cap in enumerate((7, 26, 36, 60, 48, 200))]
        lines = self.summary()
        lines.append("")
        lines.append("timeline:")
        for e in self.events:
            lines.append(f"  {e.start:8.3f}-{e.end:8.3f} s  {e.kind:<9} {e.verdict.upper():<4}  "
                         f"{e.label}")
        lines.append("")
        if not rows:
            table = []
            lines.append("(no warnings or failures; --all lists every finding)")
        for r in table:
            cells = [_fit(c, w) for c, w in zip(r[:-1], widths[:-1], strict=True)] + [r[-1]]
            lines.append("  ".join(cells).rstrip())
        if only_problems and rows:
            lines.append(f"({sum(f.verdict == PASS for f in self.findings)} passing findings "
                         "not shown; --all lists every finding)")
        return "\n".join(lines)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "~"
