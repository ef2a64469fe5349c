"""Time is a parameter (issue 11 item 2): no library function reads the clock.

A station replaying a log, or a test run at New Year, must get the year its own reference
implies, not the machine's. The CLI (and the station's shell) reads the clock and passes it.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.cbs.wea import wea_from_header
from eas_encoder.same.describe import describe_header
from eas_encoder.same.header import Header
from eas_encoder.station.log import StationLog
from eas_encoder.text import crawl_text

NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
DAY_001 = Header.parse("ZCZC-WXR-TOR-029095+0030-0010005-KEAX/NWS-")


def test_day_001_heard_on_new_years_eve_is_next_year() -> None:
    issued = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    assert DAY_001.issued_at(NEW_YEARS_EVE) == issued
    assert DAY_001.expires_at(NEW_YEARS_EVE) == datetime(2027, 1, 1, 0, 35, tzinfo=UTC)
    assert "Issued:      2027-01-01 00:05 UTC (day 001)" in describe_header(DAY_001,
                                                                          NEW_YEARS_EVE)
    assert "JAN 1, 2027" in crawl_text(DAY_001, reference=NEW_YEARS_EVE)
    assert wea_from_header(DAY_001, reference=NEW_YEARS_EVE).expires == \
        datetime(2027, 1, 1, 0, 35, tzinfo=UTC)
    assert same_to_alert(DAY_001, reference=NEW_YEARS_EVE).sent == issued


def test_no_reference_is_a_programming_error_not_a_clock_read() -> None:
    with pytest.raises(TypeError, match="reads no clock"):
        DAY_001.issued_at(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        describe_header(DAY_001)  # type: ignore[call-arg]


def test_the_station_log_takes_its_time_from_the_caller(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    with pytest.raises(TypeError, match="reads no clock"):
        StationLog.open(db)
    with StationLog.open(db, now=NEW_YEARS_EVE) as log:
        for call in (lambda: log.record([]),
                     lambda: log.take_operator_requests(),
                     lambda: log.request_operator(1, "ops", "forward"),
                     lambda: log.record_missed_reason("2026-W53", "LP1", "off air", "ops"),
                     lambda: log.take_origination_requests(),
                     lambda: log.request_origination(None, "ops")):
            with pytest.raises(TypeError, match="missing"):
                call()
        log.request_operator(1, "ops", "forward", at=NEW_YEARS_EVE)
        assert log.take_operator_requests(NEW_YEARS_EVE)[0].verdict == "forward"


LIBRARY = Path(__file__).resolve().parents[1] / "src" / "eas_encoder"

# Calls that read the wall clock. (time.monotonic for timeouts measures an interval and is
# not listed.)
_CLOCK_ATTRS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                ("date", "today"), ("time", "time"), ("time", "time_ns")}
_CLOCK_NO_ARGS = {"localtime", "gmtime", "ctime", "asctime"}

EDGES = {
    # The station's asyncio shell is the edge that reads the clock and hands `now` to the
    # sans-IO core (issue 11: "the CLI, and later the station's shell, passes now").
    "station/shell.py",
}


def _clock_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else \
            owner.attr if isinstance(owner, ast.Attribute) else None
        if (owner_name, attr) in _CLOCK_ATTRS or (
                owner_name == "time" and attr in _CLOCK_NO_ARGS and not node.args):
            lines.append(node.lineno)
    return lines


def test_clock_reads_are_found() -> None:
    src = ("import datetime, time\nfrom datetime import date\n"
           "a = datetime.datetime.now()\nb = time.time()\nc = date.today()\n"
           "d = time.localtime()\ne = time.localtime(0)\n")
    assert _clock_reads(ast.parse(src)) == [3, 4, 5, 6]


def test_the_library_reads_no_clock() -> None:
    found = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        rel = path.relative_to(LIBRARY).as_posix()
        if rel.startswith("cli/") or rel in EDGES:
            continue  # the edges: they read the clock and pass it in
        lines = _clock_reads(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[rel] = lines
    assert not found, f"library modules reading the clock (pass `now` instead): {found}"
