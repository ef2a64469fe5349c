"""The weekly report an inspector reads (47 CFR 11.35(a), tests per 11.61), from the log.

For one ISO week: the tests received on each monitored source, the tests the station sent
(its own RWT, RMTs relayed), and every missed test with the reason recorded for it (or a
blank to fill in with ``eas-encoder log station.toml --week W --reason SOURCE 'text'``).
Missed RWTs are worked out from what was received, not only from the core's end-of-week
rows, so a week the monitor was partly down still shows its gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import Config
from .log import StationLog, TestRow, week_bounds

__all__ = ["WeeklyReport", "MissedTest", "weekly_report", "format_report", "OWN_SOURCE"]

OWN_SOURCE = "station"
"""The ``source`` name of tests the station itself sends."""


@dataclass(frozen=True)
class MissedTest:
    """A required test not received (``source`` a monitored source) or not sent
    (``source`` = ``station``), with the reason recorded (47 CFR 11.35(a)) or ``""``.
    """

    source: str
    kind: str
    reason: str = ""
    user: str = ""
    alert_id: int | None = None


@dataclass(frozen=True)
class WeeklyReport:
    """The 11.35 report of one ISO week (``start``/``end`` UTC; ``complete``: week over)."""

    week: str
    start: datetime
    end: datetime
    complete: bool
    received: dict[str, tuple[TestRow, ...]]
    sent: tuple[TestRow, ...]
    missed: tuple[MissedTest, ...]


def weekly_report(log: StationLog, config: Config, week: str,
                  now: datetime | None = None) -> WeeklyReport:
    """Build the report of ISO ``week`` (``2026-W48``) from ``log``.

    ``now`` (default: the week's end) decides whether the week is over; in a week not over
    yet the tests not received so far are listed the same way (with any reason already
    recorded), and :func:`format_report` titles them "not received yet".

    Raises:
        LogError: ``week`` is not ``YYYY-Www``.
    """
    tz = config.tests.timezone
    start, end = week_bounds(week, tz)
    complete = now is None or now >= end
    rows = log.tests(week)
    reasons = log.missed_reasons(week)
    received = {s.name: tuple(r for r in rows if r.source == s.name and r.status == "received")
                for s in config.sources}
    sent = tuple(r for r in rows if r.source == OWN_SOURCE and r.status in ("sent", "late"))
    missed: list[MissedTest] = []
    for s in config.sources:
        if not any(r.kind == "RWT" for r in received[s.name]):
            missed.append(MissedTest(s.name, "RWT", *reasons.get((s.name, "RWT"), ("", ""))))
    if config.tests.weekly_rwt and not any(r.kind == "RWT" and r.status == "sent"
                                           for r in sent):
        missed.append(MissedTest(OWN_SOURCE, "RWT",
                                 *reasons.get((OWN_SOURCE, "RWT"), ("", ""))))
    for r in rows:
        if r.source == OWN_SOURCE and r.kind == "RMT" and r.status == "missed":
            reason, user = reasons.get((OWN_SOURCE, "RMT"), (r.reason, ""))
            missed.append(MissedTest(OWN_SOURCE, "RMT", reason, user, r.alert_id))
    return WeeklyReport(week, start, end, complete, received, sent, tuple(missed))


def format_report(report: WeeklyReport, config: Config) -> str:
    """The report as plain text, one section per part of 47 CFR 11.35(a)."""
    last = report.end - timedelta(seconds=1)
    lines = [f"Weekly EAS log {report.week} ({report.start:%Y-%m-%d %H:%M} to "
             f"{last:%Y-%m-%d %H:%M} UTC), station {config.station.id.strip()}",
             "" if report.complete else "(week not over yet)",
             "Tests received (47 CFR 11.61):"]
    for source, rows in report.received.items():
        if rows:
            for r in rows:
                lines.append(f"  {source:<12} {r.kind}  {r.at:%Y-%m-%d %H:%M} UTC"
                             f"  alert {r.alert_id}")
        else:
            lines.append(f"  {source:<12} none")
    lines.append("Tests sent:")
    lines += [f"  {r.kind}  {r.at:%Y-%m-%d %H:%M} UTC  {r.status}"
              + (f"  alert {r.alert_id}" if r.alert_id else "") for r in report.sent] or \
        ["  none"]
    lines.append("Missed tests and the reason (47 CFR 11.35(a)):" if report.complete else
                 "Not received yet, and any reason recorded (47 CFR 11.35(a)):")
    for m in report.missed:
        reason = f"{m.reason} (recorded by {m.user})" if m.user else (m.reason or "REASON: ____")
        lines.append(f"  {m.source:<12} {m.kind}  {reason}")
    if not report.missed:
        lines.append("  none")
    return "\n".join(line for line in lines if line) + "\n"
