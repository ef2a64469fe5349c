"""The station log: SQLite (standard ``sqlite3``, WAL), one writer, the source of truth.

Every alert received (source, times, header text or CAP identifier, signature status,
decision and reason, relay file), every relay with its outcome, operator actions with the
user's name, source health and required-test status (47 CFR 11.35(a)). The monitor writes
each batch of core actions in one transaction *before* acting on it
(:meth:`StationLog.record`), so a crash leaves a row saying what was in progress; the next
writer to open the log marks a relay left ``started`` as ``failed`` (``interrupted``) and
alerts left pending or held as interrupted. The schema is versioned (``PRAGMA
user_version``); a log from a newer version is refused rather than misread.

Times are stored as ISO 8601 UTC text with milliseconds, so text order is time order.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from ..errors import EasError
from ..same.header import Header
from .actions import (
    Action,
    Hold,
    LogAlert,
    OperatorAction,
    OriginationStatus,
    OutputRecord,
    Relay,
    RelayStatus,
    SourceStatus,
    TestStatus,
)
from .core import CAP_MEMORY, CAP_MEMORY_TIME, DUPLICATE_MEMORY, CoreState, RecentHeader, week_of
from .events import OperatorDecision, Originate

__all__ = ["StationLog", "AlertRow", "OperatorRow", "OriginationRow", "TestRow", "LogError",
           "SCHEMA_VERSION", "ORIGINATION_STATUSES",
           "CSV_COLUMNS", "iso", "parse_iso", "week_bounds", "writer_running", "csv_cell"]

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE alerts (
    alert_id       INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    received       TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('same', 'cap')),
    header         TEXT,
    cap_identifier TEXT,
    cap_sender     TEXT,
    cap_sent       TEXT,
    signature      TEXT,
    event          TEXT,
    originator     TEXT,
    locations      TEXT NOT NULL DEFAULT '',
    issued         TEXT,
    expires        TEXT,
    decision       TEXT NOT NULL,
    reason         TEXT NOT NULL,
    filter         TEXT,
    document       TEXT,
    hold_until     TEXT,
    on_timeout     TEXT,
    updated        TEXT NOT NULL
);
CREATE INDEX alerts_received ON alerts (received);
CREATE TABLE relays (
    relay_id  INTEGER PRIMARY KEY,
    alert_id  INTEGER NOT NULL REFERENCES alerts (alert_id),
    status    TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),
    started   TEXT NOT NULL,
    finished  TEXT,
    header    TEXT NOT NULL,
    origin    TEXT NOT NULL,
    plan      TEXT NOT NULL,
    file      TEXT,
    reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX relays_alert ON relays (alert_id);
CREATE TABLE operator_actions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER,
    user     TEXT NOT NULL,
    verdict  TEXT NOT NULL,
    note     TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE TABLE tests (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    week     TEXT NOT NULL,
    source   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    status   TEXT NOT NULL,
    at       TEXT NOT NULL,
    alert_id INTEGER,
    reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tests_week ON tests (week);
CREATE TABLE missed_reasons (
    week   TEXT NOT NULL,
    source TEXT NOT NULL,
    kind   TEXT NOT NULL,
    reason TEXT NOT NULL,
    user   TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (week, source, kind)
);
CREATE TABLE outputs (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    output   TEXT NOT NULL,
    hook     TEXT NOT NULL,
    alert_id INTEGER,
    ok       INTEGER NOT NULL,
    detail   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE TABLE source_health (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source     TEXT NOT NULL,
    ok         INTEGER NOT NULL,
    level_dbfs REAL,
    detail     TEXT NOT NULL,
    at         TEXT NOT NULL
);
"""
_OPERATOR_REQUESTS = """
CREATE TABLE operator_requests (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL,
    user     TEXT NOT NULL,
    verdict  TEXT NOT NULL CHECK (verdict IN ('forward', 'reject')),
    note     TEXT NOT NULL,
    at       TEXT NOT NULL,
    taken    TEXT
);
"""
_ORIGINATION_REQUESTS = """
CREATE TABLE origination_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user         TEXT NOT NULL,
    at           TEXT NOT NULL,
    header       TEXT NOT NULL,
    message_text TEXT,
    audio_path   TEXT,
    language     TEXT,
    status       TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'taken', 'refused')),
    taken        TEXT,
    alert_id     INTEGER,
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX origination_requests_status ON origination_requests (status);
"""
ORIGINATION_STATUSES = ("queued", "taken", "refused")
"""A queued origination is ``queued`` until the monitor takes it, then ``taken`` (with the
alert id once the core logged it) or ``refused`` (with the reason)."""
_MIGRATIONS: dict[int, str] = {1: _SCHEMA, 2: _OPERATOR_REQUESTS, 3: _ORIGINATION_REQUESTS}
"""user_version N -> the SQL that brings version N-1 to N."""

CSV_COLUMNS = ("alert_id", "received", "source", "kind", "header", "cap_identifier",
               "cap_sender", "cap_sent", "signature", "event", "originator", "locations",
               "issued", "expires", "decision", "reason", "filter", "relay_status",
               "relay_file", "relay_reason")


class LogError(EasError):
    """The station log cannot be opened or is not one this version understands."""


def iso(when: datetime | None) -> str | None:
    """``when`` as sortable ISO 8601 UTC text with milliseconds (``None`` stays ``None``)."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str | None) -> datetime | None:
    """Inverse of :func:`iso`."""
    return None if text is None else datetime.fromisoformat(text)


def _at(text: str) -> datetime:
    # A NOT NULL time column (or one the query's WHERE excludes NULL from).
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class AlertRow:
    """One alert as logged, with its latest relay (status, file, reason) if any."""

    alert_id: int
    received: datetime
    source: str
    kind: str
    header: str | None
    cap_identifier: str | None
    cap_sender: str | None
    cap_sent: datetime | None
    signature: str | None
    event: str | None
    originator: str | None
    locations: tuple[str, ...]
    issued: datetime | None
    expires: datetime | None
    decision: str
    reason: str
    filter: str | None
    relay_status: str | None
    relay_file: str | None
    relay_reason: str | None
    hold_until: datetime | None = None
    on_timeout: str | None = None


@dataclass(frozen=True)
class OperatorRow:
    """An operator action: who, on which alert, what, when."""

    alert_id: int | None
    user: str
    verdict: str
    note: str
    at: datetime


@dataclass(frozen=True)
class OriginationRow:
    """A queued origination and what became of it (:data:`ORIGINATION_STATUSES`):
    ``alert_id`` links the alert logged as sent; ``reason`` says why it was refused.
    """

    request_id: int
    user: str
    requested: datetime
    header: str
    status: str
    alert_id: int | None
    reason: str
    taken: datetime | None
    message_text: str | None
    audio_path: str | None
    language: str | None


@dataclass(frozen=True)
class TestRow:
    """A required-test status row (47 CFR 11.61, logged per 11.35)."""

    week: str
    source: str
    kind: str
    status: str
    at: datetime
    alert_id: int | None
    reason: str


class StationLog:
    """The SQLite station log. Use :meth:`open`; close with :meth:`close` (or ``with``).

    Only the monitor opens it with ``writer=True`` (one writer, held by a lock file);
    readers (``eas-encoder log``, a console) open it with ``writer=False`` and may still add
    a missed-test reason (a short transaction WAL lets run beside the writer).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, lock: IO[bytes] | None,
                 recovered: list[int]) -> None:
        self._conn = conn
        self.path = path
        self._lock = lock
        self.recovered = recovered
        """Relay ids found ``started`` at open and marked failed (writer only)."""

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, writer: bool = True,
             now: datetime | None = None) -> StationLog:
        """Open (creating or migrating) the log at ``path``.

        Args:
            path: the SQLite file.
            writer: the monitor's one writer: takes the lock file ``<path>.lock`` and
                recovers what a crash left in progress. ``False``: a reader; the file must
                exist.
            now: the time written on recovered rows; required for the writer (the library
                reads no clock: the shell or the CLI passes it).

        Raises:
            LogError: missing file (reader), another writer holds the lock, not a station
                log, or a log from a newer version.
            TypeError: a writer opened without ``now``.
        """
        if writer and now is None:
            raise TypeError("StationLog.open(writer=True) needs now=: the library reads no "
                            "clock")
        p = Path(path)
        lock = None
        if writer:
            lock = _take_lock(p)
        elif not p.exists():
            raise LogError("no station log here yet (run 'eas-encoder monitor' first)",
                           field="database", value=str(p))
        try:
            conn = sqlite3.connect(p, isolation_level=None, timeout=10.0)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA foreign_keys = ON")
            if writer:
                conn.execute("PRAGMA journal_mode = WAL")
                # FULL: a decision the shell is about to act on survives a power cut too.
                conn.execute("PRAGMA synchronous = FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if lock:
                lock.close()
            raise LogError(f"is not a readable SQLite station log ({exc})", field="database",
                           value=str(p)) from None
        if version > SCHEMA_VERSION:
            conn.close()
            if lock:
                lock.close()
            raise LogError(f"was written by a newer eas-encoder (schema {version}, this one "
                           f"reads up to {SCHEMA_VERSION})", field="database", value=str(p))
        if version < SCHEMA_VERSION:
            if not writer and version == 0:
                conn.close()
                raise LogError("is not a station log", field="database", value=str(p))
            _migrate(conn, version)
        log = cls(conn, p, lock, [])
        if writer:
            assert now is not None
            log.recovered = log._recover(now)
        return log

    def close(self) -> None:
        """Close the connection and release the writer lock."""
        self._conn.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> StationLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recover(self, now: datetime) -> list[int]:
        """Mark what a killed writer left in progress: relays ``started`` -> ``failed``;
        alerts pending or held -> logged as interrupted (the core no longer holds them).
        """
        c = self._conn
        with _tx(c):
            ids = [r[0] for r in c.execute(
                "SELECT relay_id FROM relays WHERE status = 'started' ORDER BY relay_id")]
            c.execute("UPDATE relays SET status = 'failed', finished = ?, reason = "
                      "'interrupted: the monitor stopped during the relay' "
                      "WHERE status = 'started'", (iso(now),))
            c.execute("UPDATE alerts SET decision = 'log', updated = ?, reason = reason || "
                      "'; interrupted: the monitor stopped while it was ' || "
                      "CASE decision WHEN 'hold' THEN 'held' ELSE 'pending' END "
                      "WHERE decision IN ('pending', 'hold')", (iso(now),))
            # Taken by a monitor that stopped before the core logged it: not on the air.
            c.execute("UPDATE origination_requests SET status = 'refused', reason = "
                      "'interrupted: the monitor stopped before it was sent' "
                      "WHERE status = 'taken' AND alert_id IS NULL")
        return ids

    # -- writing --------------------------------------------------------------------------
    def record(self, actions: Iterable[Action], now: datetime) -> None:
        """Write a batch of core actions in one transaction; call it before acting on them.

        Actions with nothing to log (``RunHooks``, ``PollCap``) are skipped; ``now`` (aware)
        stamps the rows whose action carries no time of its own.

        Raises:
            sqlite3.Error: the disk failed (the caller must not act on the batch).
        """
        stamp = iso(now)
        c = self._conn
        with _tx(c):
            for a in actions:
                if isinstance(a, LogAlert):
                    _upsert_alert(c, a, stamp)
                elif isinstance(a, Relay):
                    p = a.plan
                    plan = {"attention": p.attention, "attention_seconds": p.attention_seconds,
                            "audio": p.audio, "text": p.text, "eoms": p.eoms,
                            "cap_audio": getattr(p.cap_audio, "uri", None),
                            "deadline": iso(p.deadline)}
                    c.execute("INSERT INTO relays (relay_id, alert_id, status, started, header,"
                              " origin, plan) VALUES (?, ?, 'started', ?, ?, ?, ?)",
                              (a.relay_id, a.alert_id, iso(a.at) or stamp, str(p.header),
                               p.origin, json.dumps(plan)))
                elif isinstance(a, RelayStatus):
                    c.execute("UPDATE relays SET status = ?, finished = ?, file = ?, "
                              "reason = ? WHERE relay_id = ?",
                              (a.status, iso(a.at), a.file, a.reason, a.relay_id))
                elif isinstance(a, Hold):
                    c.execute("UPDATE alerts SET hold_until = ?, on_timeout = ? "
                              "WHERE alert_id = ?", (iso(a.until), a.on_timeout, a.alert_id))
                elif isinstance(a, OperatorAction):
                    c.execute("INSERT INTO operator_actions (alert_id, user, verdict, note, at)"
                              " VALUES (?, ?, ?, ?, ?)",
                              (a.alert_id, a.user, a.verdict, a.note, iso(a.at)))
                elif isinstance(a, OriginationStatus):
                    c.execute("UPDATE origination_requests SET status = ?, alert_id = ?, "
                              "reason = ?, taken = coalesce(taken, ?) WHERE id = ?",
                              (a.status, a.alert_id, a.reason, iso(a.at), a.request_id))
                elif isinstance(a, TestStatus):
                    c.execute("INSERT INTO tests (week, source, kind, status, at, alert_id, "
                              "reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (a.week, a.source, a.kind, a.status, iso(a.at), a.alert_id,
                               a.reason))
                elif isinstance(a, OutputRecord):
                    c.execute("INSERT INTO outputs (output, hook, alert_id, ok, detail, at) "
                              "VALUES (?, ?, ?, ?, ?, ?)",
                              (a.output, a.hook, a.alert_id, int(a.ok), a.detail, iso(a.at)))
                elif isinstance(a, SourceStatus):
                    c.execute("INSERT INTO source_health (source, ok, level_dbfs, detail, at) "
                              "VALUES (?, ?, ?, ?, ?)",
                              (a.source, int(a.ok), a.level_dbfs, a.detail, iso(a.at)))

    def record_missed_reason(self, week: str, source: str, reason: str, user: str, *,
                             kind: str = "RWT", at: datetime) -> None:
        """Record why a required test was not received or sent (47 CFR 11.35(a)); a second
        call for the same week, source and kind replaces the reason. ``at`` (aware) is when
        it was recorded.

        Raises:
            LogError: empty reason or user, or a week that is not ``YYYY-Www``.
        """
        _check_week(week)
        if not reason.strip():
            raise LogError("must not be empty", field="reason", value=reason,
                           spec="47 CFR 11.35(a)")
        if not user.strip():
            raise LogError("must name who records it", field="user", value=user)
        with _tx(self._conn):
            self._conn.execute(
                "INSERT INTO missed_reasons (week, source, kind, reason, user, at) VALUES "
                "(?, ?, ?, ?, ?, ?) ON CONFLICT (week, source, kind) DO UPDATE SET "
                "reason = excluded.reason, user = excluded.user, at = excluded.at",
                (week, source, kind, reason.strip(), user.strip(),
                 iso(at)))

    def request_operator(self, alert_id: int, user: str, verdict: str, note: str = "", *,
                         at: datetime) -> None:
        """Queue an operator's verdict on a held alert for the monitor (a console or the
        CLI runs in another process; the monitor takes it with
        :meth:`take_operator_requests` and hands it to the core). ``at`` (aware) is when the
        operator gave it.

        Raises:
            LogError: verdict not ``forward``/``reject``, or no user name.
        """
        if verdict not in ("forward", "reject"):
            raise LogError("must be forward or reject", field="verdict", value=verdict)
        if not user.strip():
            raise LogError("must name the operator", field="user", value=user)
        with _tx(self._conn):
            self._conn.execute(
                "INSERT INTO operator_requests (alert_id, user, verdict, note, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (alert_id, user.strip(), verdict, note, iso(at)))

    def take_operator_requests(self, now: datetime) -> list[OperatorDecision]:
        """The writer takes the queued operator verdicts, oldest first, marking them taken
        (at ``now``) in the same transaction (each is handed to the core exactly once).
        """
        with _tx(self._conn):
            rows = self._conn.execute(
                "SELECT id, alert_id, user, verdict, note FROM operator_requests "
                "WHERE taken IS NULL ORDER BY id").fetchall()
            if rows:
                self._conn.execute(
                    f"UPDATE operator_requests SET taken = ? WHERE id IN "
                    f"({','.join('?' * len(rows))})",
                    (iso(now), *(r[0] for r in rows)))
        return [OperatorDecision(r[1], r[2], r[3], r[4]) for r in rows]

    def request_origination(self, origination: Any, user: str, *,
                            at: datetime) -> int:
        """Queue a validated origination for the monitor (any process: the console, the
        ``originate`` CLI); the monitor takes it with :meth:`take_origination_requests`.

        Args:
            origination: a :class:`~eas_encoder.station.originate.Origination` (only one
                made by ``validate_origination`` exists, so nothing unchecked is queued).
            user: the operator's name, written with every row about it.
            at: when the operator confirmed it (aware; the caller's clock: the library reads
                none).

        Returns:
            The request id (for :meth:`origination_requests`).

        Raises:
            LogError: no user name; ``origination`` is not an ``Origination``.
        """
        from .originate import Origination

        if not isinstance(origination, Origination):
            raise LogError("only a validated origination is queued (validate_origination)",
                           field="origination", value=type(origination).__name__)
        if not user.strip():
            raise LogError("must name the operator", field="user", value=user)
        with _tx(self._conn):
            cur = self._conn.execute(
                "INSERT INTO origination_requests (user, at, header, message_text, audio_path,"
                " language) VALUES (?, ?, ?, ?, ?, ?)",
                (user.strip(), iso(at), origination.header_text,
                 origination.message_text,
                 None if origination.audio_path is None else str(origination.audio_path),
                 origination.language))
        return int(cur.lastrowid or 0)

    def take_origination_requests(self, now: datetime) -> list[Originate]:
        """The writer takes the queued originations, oldest first, marking them ``taken`` (at
        ``now``) in the same transaction (each is handed to the core exactly once; the core's
        ``OriginationStatus`` then links the alert or gives the refusal). A row whose header
        no longer parses is marked ``refused`` here, with the reason.
        """
        stamp = iso(now)
        out: list[Originate] = []
        with _tx(self._conn) as c:
            rows = c.execute(
                "SELECT id, user, at, header, message_text, audio_path, language FROM "
                "origination_requests WHERE status = 'queued' ORDER BY id").fetchall()
            for rid, user, at, text, message, audio, language in rows:
                try:
                    header = Header.parse(text)
                except EasError as exc:
                    c.execute("UPDATE origination_requests SET status = 'refused', taken = ?,"
                              " reason = ? WHERE id = ?", (stamp, f"bad header: {exc}", rid))
                    continue
                c.execute("UPDATE origination_requests SET status = 'taken', taken = ? "
                          "WHERE id = ?", (stamp, rid))
                out.append(Originate(rid, user, header, _at(at), message, audio, language))
        return out

    def origination_requests(self, limit: int = 50, *, request_id: int | None = None
                             ) -> list[OriginationRow]:
        """Queued originations, newest first (at most ``limit``; or just ``request_id``),
        with their status, so a console can show "waiting for the monitor" or link the
        alert sent.
        """
        rows = self._newest("SELECT id, user, at, header, status, alert_id, reason, taken, "
                            "message_text, audio_path, language FROM origination_requests",
                            "id", request_id, limit)
        return [OriginationRow(r[0], r[1], _at(r[2]), r[3], r[4], r[5], r[6], parse_iso(r[7]),
                               r[8], r[9], r[10]) for r in rows]

    def _newest(self, sql: str, column: str, value: object, limit: int) -> sqlite3.Cursor:
        """``sql`` (a SELECT of one table with an ``id``), where ``column = value`` unless
        ``value`` is ``None``, newest first, at most ``limit`` rows.
        """
        args: list[Any] = []
        if value is not None:
            sql += f" WHERE {column} = ?"
            args.append(value)
        return self._conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))

    # -- reading --------------------------------------------------------------------------
    def next_id(self) -> int:
        """First alert/relay id not used yet (ids never repeat across restarts)."""
        row = self._conn.execute(
            "SELECT max(coalesce((SELECT max(alert_id) FROM alerts), 0),"
            " coalesce((SELECT max(relay_id) FROM relays), 0))").fetchone()
        return int(row[0]) + 1

    def alerts(self, since: datetime | None = None, until: datetime | None = None, *,
               decision: str | None = None, source: str | None = None,
               event: str | None = None, alert_id: int | None = None,
               newest: int | None = None) -> list[AlertRow]:
        """Alerts received in ``[since, until)`` (and with ``decision``, e.g. ``"hold"`` for
        what waits for an operator, ``source``, ``event`` code or ``alert_id``), oldest
        first, each with its last relay; with ``newest``: only the ``newest`` latest ones,
        newest first (a console page reads a long log without loading all of it).
        """
        sql = ("SELECT a.alert_id, a.received, a.source, a.kind, a.header, a.cap_identifier,"
               " a.cap_sender, a.cap_sent, a.signature, a.event, a.originator, a.locations,"
               " a.issued, a.expires, a.decision, a.reason, a.filter, r.status, r.file,"
               " r.reason, a.hold_until, a.on_timeout FROM alerts a LEFT JOIN relays r ON "
               "r.relay_id = "
               "(SELECT max(relay_id) FROM relays WHERE alert_id = a.alert_id)")
        where: list[str] = []
        args: list[str | int | None] = []
        if since is not None:
            where.append("a.received >= ?")
            args.append(iso(since))
        if until is not None:
            where.append("a.received < ?")
            args.append(iso(until))
        for column, value in (("decision", decision), ("source", source), ("event", event),
                              ("alert_id", alert_id)):
            if value is not None:
                where.append(f"a.{column} = ?")
                args.append(value)
        if where:
            sql += " WHERE " + " AND ".join(where)
        if newest is None:
            sql += " ORDER BY a.received, a.alert_id"
        else:
            sql += " ORDER BY a.received DESC, a.alert_id DESC LIMIT ?"
            args.append(max(0, newest))
        out = []
        for r in self._conn.execute(sql, args):
            out.append(AlertRow(
                r[0], _at(r[1]), r[2], r[3], r[4], r[5], r[6], parse_iso(r[7]), r[8],
                r[9], r[10], tuple(r[11].split()), parse_iso(r[12]), parse_iso(r[13]), r[14],
                r[15], r[16], r[17], r[18], r[19], parse_iso(r[20]),
                r[21]))
        return out

    def write_csv(self, stream: IO[str], since: datetime | None = None,
                  until: datetime | None = None) -> int:
        """Write the alerts as CSV (:data:`CSV_COLUMNS`, RFC 4180); return the row count."""
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        rows = self.alerts(since, until)
        for r in rows:
            w.writerow([csv_cell("" if v is None else (" ".join(v) if isinstance(v, tuple) else
                                                       iso(v) if isinstance(v, datetime) else v))
                        for v in (getattr(r, c) for c in CSV_COLUMNS)])
        return len(rows)

    def operator_actions(self, alert_id: int | None = None) -> list[OperatorRow]:
        """Operator actions, oldest first (all, or those on ``alert_id``)."""
        sql = "SELECT alert_id, user, verdict, note, at FROM operator_actions"
        args: tuple = ()
        if alert_id is not None:
            sql += " WHERE alert_id = ?"
            args = (alert_id,)
        return [OperatorRow(r[0], r[1], r[2], r[3], _at(r[4]))
                for r in self._conn.execute(sql + " ORDER BY id", args)]

    def document(self, alert_id: int) -> str | None:
        """The CAP document of ``alert_id`` as received (``None``: not a CAP alert, or none
        kept).
        """
        row = self._conn.execute("SELECT document FROM alerts WHERE alert_id = ?",
                                 (alert_id,)).fetchone()
        return None if row is None else row[0]

    def relay_plans(self, alert_id: int) -> list[dict[str, Any]]:
        """The relays of ``alert_id``, oldest first: relay_id, status, origin, file, reason,
        and the plan as logged (``plan["audio"]``: the recorded message audio relayed).
        """
        return [{"relay_id": r[0], "status": r[1], "origin": r[2], "file": r[3],
                 "reason": r[4], "plan": json.loads(r[5])}
                for r in self._conn.execute(
                    "SELECT relay_id, status, origin, file, reason, plan FROM relays "
                    "WHERE alert_id = ? ORDER BY relay_id", (alert_id,))]

    def tests(self, week: str) -> list[TestRow]:
        """Required-test rows of ISO ``week``, in the order written."""
        _check_week(week)
        return [TestRow(r[0], r[1], r[2], r[3], _at(r[4]), r[5], r[6])
                for r in self._conn.execute(
                    "SELECT week, source, kind, status, at, alert_id, reason FROM tests "
                    "WHERE week = ? ORDER BY id", (week,))]

    def missed_reasons(self, week: str) -> dict[tuple[str, str], tuple[str, str]]:
        """``(source, kind) -> (reason, user)`` recorded for ISO ``week``."""
        return {(r[0], r[1]): (r[2], r[3]) for r in self._conn.execute(
            "SELECT source, kind, reason, user FROM missed_reasons WHERE week = ?", (week,))}

    def relays(self) -> list[dict[str, Any]]:
        """Every relay row as a dict (id, alert, status, times, header, origin, file)."""
        cur = self._conn.execute("SELECT relay_id, alert_id, status, started, finished, "
                                 "header, origin, file, reason FROM relays ORDER BY relay_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def outputs(self, alert_id: int | None = None) -> list[dict[str, Any]]:
        """Output results (hooks, webhooks) as dicts, oldest first (all or one alert's)."""
        sql = "SELECT output, hook, alert_id, ok, detail, at FROM outputs"
        args: tuple = ()
        if alert_id is not None:
            sql += " WHERE alert_id = ?"
            args = (alert_id,)
        cur = self._conn.execute(sql + " ORDER BY id", args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    def source_health(self, source: str | None = None, limit: int = 100
                      ) -> list[tuple[str, bool, float | None, str, datetime]]:
        """Latest health rows, newest first: (source, ok, level dBFS, detail, at)."""
        rows = self._newest("SELECT source, ok, level_dbfs, detail, at FROM source_health",
                            "source", source, limit)
        return [(r[0], bool(r[1]), r[2], r[3], _at(r[4])) for r in rows]

    def core_state(self, now: datetime, timezone: str = "UTC") -> CoreState:
        """What :class:`~.core.Station` needs after a restart: the next id, the duplicate
        memory (last ten valid headers still in their valid period, 47 CFR
        11.33(a)(3)(ii)), recent CAP keys (ECIG), and this week's test counts.
        """
        c = self._conn
        recent = []
        rows = c.execute(
            "SELECT alert_id, originator, event, locations, issued, expires FROM alerts "
            "WHERE decision != 'reject' AND event IS NOT NULL AND issued IS NOT NULL "
            "AND source != 'station' AND reason NOT LIKE 'cap-replaced:%' AND expires > ? "
            # An origination whose relay failed never aired: nothing can repeat it.
            "AND NOT (source LIKE 'operator:%' AND EXISTS (SELECT 1 FROM relays r WHERE "
            "r.alert_id = alerts.alert_id AND r.status = 'failed')) "
            "ORDER BY alert_id DESC LIMIT ?", (iso(now), DUPLICATE_MEMORY)).fetchall()
        for aid, org, event, locs, issued, expires in reversed(rows):
            i, e = _at(issued), _at(expires)
            key = (org, event, tuple(sorted(set(locs.split()))), i, e - i)
            recent.append(RecentHeader(key, e, aid))
        cap_seen = tuple((r[0], r[1], _at(r[2]).isoformat())
                         for r in reversed(c.execute(
                             "SELECT cap_identifier, cap_sender, cap_sent FROM alerts WHERE "
                             "kind = 'cap' AND signature = 'valid' AND cap_sent IS NOT NULL "
                             "AND reason != 'duplicate-cap' AND received > ? "
                             "ORDER BY alert_id DESC LIMIT ?",
                             (iso(now - CAP_MEMORY_TIME), CAP_MEMORY)).fetchall()))
        week = week_of(now, timezone)
        rwt = frozenset(r[0] for r in c.execute(
            "SELECT source FROM tests WHERE week = ? AND kind = 'RWT' AND status = 'received'",
            (week,)))
        sent = c.execute("SELECT 1 FROM tests WHERE week = ? AND source = 'station' AND "
                         "kind = 'RWT' AND status = 'sent'", (week,)).fetchone() is not None
        return CoreState(self.next_id(), tuple(recent), cap_seen, week, rwt, sent)

    def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``"ok"`` when whole)."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])


# -- helpers --------------------------------------------------------------------------------
class _tx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error) on an autocommit
    connection: the write lock is taken up front, so a batch is all or nothing.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    for v in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process (the monitor and a `log`
            # command opening the same file) may have applied this step meanwhile.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= v:
                conn.execute("COMMIT")
                continue
            for stmt in _MIGRATIONS[v].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {v}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _upsert_alert(c: sqlite3.Connection, a: LogAlert, stamp: str | None) -> None:
    c.execute(
        "INSERT INTO alerts (alert_id, source, received, kind, header, cap_identifier, "
        "cap_sender, cap_sent, signature, event, originator, locations, issued, expires, "
        "decision, reason, filter, document, updated) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (alert_id) DO UPDATE SET decision = excluded.decision, "
        "reason = excluded.reason, filter = excluded.filter, "
        "header = coalesce(excluded.header, header), updated = excluded.updated",
        (a.alert_id, a.source, iso(a.at), a.kind, a.header_text, a.cap_identifier,
         a.cap_sender, iso(a.cap_sent), a.signature, a.event, a.originator,
         " ".join(a.locations), iso(a.issued), iso(a.expires), a.decision.value, a.reason,
         a.filter, a.document, stamp))


def _check_week(week: str) -> None:
    try:
        y, w = week.split("-W")
        datetime.fromisocalendar(int(y), int(w), 1)
    except ValueError:
        raise LogError("must be an ISO week like 2026-W48", field="week", value=week) from None


def _take_lock(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path.with_name(path.name + ".lock"), "ab")  # noqa: SIM115 (held until close)
    try:
        import fcntl
    except ImportError:     # no advisory locks on this platform: one writer by convention
        return f
    # A console probing the lock (writer_running) holds a shared lock for microseconds; a
    # few tries keep that probe from ever turning a starting monitor away.
    for attempt in range(_LOCK_TRIES):
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return f
        except OSError:
            if attempt + 1 < _LOCK_TRIES:
                time.sleep(0.05)
    f.close()
    raise LogError("another monitor is already writing this log (one writer only)",
                   field="database", value=str(path)) from None


_LOCK_TRIES = 5


def writer_running(path: str | os.PathLike[str]) -> bool | None:
    """Whether a monitor holds the writer lock of the station log at ``path`` now.

    The console asks so it can tell the operator that queued verdicts and originations wait
    until a monitor runs. Nothing is created: no lock file means no monitor ever wrote here.

    Returns:
        True (held), False (free), or None where the platform has no advisory locks.
    """
    lock = Path(path).with_name(Path(path).name + ".lock")
    try:
        import fcntl
    except ImportError:
        return None
    try:
        f = open(lock, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a string starting with ``= + - @``, tab or CR
    gets a leading ``'`` (OWASP CSV injection), so a CAP headline or an operator's note that
    reads ``=HYPERLINK(...)`` is not run as a formula when an inspector opens the export.
    Numbers and other values pass through.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def week_bounds(week: str, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """UTC start and end of ISO ``week`` in ``timezone``.

    Raises:
        LogError: not ``YYYY-Www``.
    """
    from zoneinfo import ZoneInfo

    _check_week(week)
    y, w = week.split("-W")
    monday = datetime.fromisocalendar(int(y), int(w), 1).replace(tzinfo=ZoneInfo(timezone))
    return monday.astimezone(UTC), (monday + timedelta(days=7)).astimezone(UTC)
