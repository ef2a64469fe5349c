"""The SQLite station log: decisions recorded, listed, exported, restored, recovered."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from eas_encoder.cli import main
from eas_encoder.station.actions import Relay
from eas_encoder.station.config import parse_config
from eas_encoder.station.core import Station
from eas_encoder.station.events import OperatorDecision
from eas_encoder.station.log import SCHEMA_VERSION, LogError, StationLog
from eas_encoder.station.report import format_report, weekly_report

from .harness import T0, at, config, eom, header, heard


def drive(station: Station, log: StationLog, feed) -> list:
    """What the monitor does: record each batch before acting on it."""
    acts = []
    for seconds, event in feed:
        now = at(seconds)
        batch = station.tick(now) if event is None else station.handle(event, now)
        log.record(batch, now)
        acts += batch
    return acts


@pytest.fixture
def log(tmp_path: Path):
    with StationLog.open(tmp_path / "station.db", now=T0) as lg:
        yield lg


def test_every_alert_has_one_row_with_decision_reason_and_relay(log: StationLog) -> None:
    s = Station(config([{"name": "wx", "events": ["TOR"], "action": "forward"},
                        {"name": "m", "events": ["CAE"], "action": "manual"}]))
    tor, cae = header("TOR"), header("CAE", originator="CIV")
    acts = drive(s, log, [(0, heard("LP1", tor)), (2, heard("LP2", tor)),
                          (3, heard("LP1", header(issued=T0 - timedelta(hours=2)))),
                          (4, heard("LP2", header("TOR", locations=("048201",)))),
                          (5, heard("LP2", cae)), (20, eom("LP1", 20)),
                          (30, OperatorDecision(5, "alice", "reject", "drill"))])
    relay = next(a for a in acts if isinstance(a, Relay))
    rows = log.alerts()
    assert [(r.alert_id, r.source, r.decision, r.reason) for r in rows] == [
        (1, "LP1", "relay", "filter:wx"), (2, "LP2", "reject", "duplicate:1"),
        (3, "LP1", "reject", "expired"), (4, "LP2", "ignore", "no-filter"),
        (5, "LP2", "ignore", "operator:alice")]
    assert rows[0].header == str(tor) and rows[0].relay_status == "started"
    held = Station(config([{"name": "m", "action": "manual", "timeout": 60}]), next_id=100)
    drive(held, log, [(40, heard("LP1", header("SVR"), 40))])
    [h] = log.alerts(decision="hold")
    assert (h.alert_id, h.hold_until, h.on_timeout) == (100, at(100), "log")
    assert rows[0].issued == T0 and rows[0].expires == T0 + timedelta(hours=1)
    log.record(s.relay_done(relay.relay_id, at(90), "/spool/1.wav"), at(90))
    r = log.alerts()[0]
    assert (r.relay_status, r.relay_file) == ("done", "/spool/1.wav")
    ops = log.operator_actions(5)
    assert [(o.user, o.verdict, o.note) for o in ops] == [("alice", "reject", "drill")]
    assert log.next_id() == 101


def test_output_results_are_logged(log: StationLog) -> None:
    from eas_encoder.station.events import OutputResult

    s = Station(config())
    drive(s, log, [(0, OutputResult("pager", "relay", 7, False, "exit 1: no route", at(0)))])
    assert log.outputs() == [{"output": "pager", "hook": "relay", "alert_id": 7, "ok": 0,
                              "detail": "exit 1: no route",
                              "at": "2026-11-24T15:00:00.000+00:00"}]


def test_csv_export_has_one_line_per_alert(log: StationLog) -> None:
    s = Station(config())
    drive(s, log, [(0, heard("LP1", header())), (1, heard("LP2", header()))])
    buf = io.StringIO()
    assert log.write_csv(buf) == 2
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [(r["alert_id"], r["decision"], r["reason"]) for r in rows] == [
        ("1", "pending", "filter:all"), ("2", "reject", "duplicate:1")]
    assert rows[0]["received"] == "2026-11-24T15:00:00.000+00:00"


def test_restart_restores_ids_duplicates_and_test_counts(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with StationLog.open(db, now=T0) as lg:
        s = Station(config())
        drive(s, lg, [(0, heard("LP1", header())), (5, eom("LP1", 5)), (10, None),
                      (20, heard("LP1", header("RWT", originator="EAS", minutes=15), 20))])
    with StationLog.open(db, now=at(60)) as lg:
        # The relay left 'started' is marked failed; the pending RWT is marked interrupted.
        assert lg.recovered == [2]
        assert lg.relays()[0]["status"] == "failed"
        assert "interrupted" in lg.relays()[0]["reason"]
        assert lg.alerts()[1].decision == "log" and "interrupted" in lg.alerts()[1].reason
        state = lg.core_state(at(60))
        assert state.next_id == 4 and state.rwt_received == {"LP1"}
        s2 = Station(config(), state=state)
        out = s2.handle(heard("LP2", header(station="KABC")), at(61))
        assert [a.reason for a in out if hasattr(a, "reason") and hasattr(a, "decision")] == [
            "duplicate:1"]
        assert out[0].alert_id == 4


def test_cap_keys_survive_a_restart(tmp_path: Path) -> None:
    from .test_core import cap_of

    db = tmp_path / "s.db"
    with StationLog.open(db, now=T0) as lg:
        drive(Station(config([{"name": "all", "action": "log"}])), lg, [(0, cap_of(header()))])
        s2 = Station(config(), state=lg.core_state(at(300)))
        out = s2.handle(cap_of(header(), seconds=300), at(300))
        assert out[0].reason == "duplicate-cap"


def test_one_writer_only_but_readers_may_open(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with StationLog.open(db, now=T0):
        with pytest.raises(LogError, match="another monitor"):
            StationLog.open(db, now=T0)
        with StationLog.open(db, writer=False) as reader:
            assert reader.alerts() == []
    with pytest.raises(LogError, match="no station log"):
        StationLog.open(tmp_path / "none.db", writer=False)


def test_newer_schema_and_foreign_files_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    StationLog.open(db, now=T0).close()
    with sqlite3.connect(db) as c:
        c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LogError, match="newer"):
        StationLog.open(db, now=T0)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LogError, match="not a readable SQLite"):
        StationLog.open(junk, now=T0)


def test_weekly_report_lists_received_sent_and_missed_with_reasons(log: StationLog) -> None:
    cfg = config(tests={"weekly_rwt": True, "seed": 1, "hours": [0, 24]})
    s = Station(cfg)
    rwt = header("RWT", originator="EAS", minutes=15)
    drive(s, log, [(0, heard("LP1", rwt)), (10, None)])
    log.record_missed_reason("2026-W48", "LP2", "LP2 off the air for repair", "bob", at=at(99))
    rep = weekly_report(log, cfg, "2026-W48")
    assert [r.kind for r in rep.received["LP1"]] == ["RWT"]
    assert rep.received["LP2"] == ()
    missed = {(m.source, m.kind): (m.reason, m.user) for m in rep.missed}
    assert missed[("LP2", "RWT")] == ("LP2 off the air for repair", "bob")
    assert missed[("IPAWS", "RWT")] == ("", "")
    text = format_report(rep, cfg)
    assert "LP2 off the air for repair (recorded by bob)" in text
    assert "IPAWS        RWT  REASON: ____" in text
    # Not over yet: the same gaps, titled as not received yet.
    early = weekly_report(log, cfg, "2026-W48", now=T0)
    assert not early.complete and len(early.missed) == len(rep.missed)
    assert "Not received yet" in format_report(early, cfg)
    assert "(2026-11-23 00:00 to 2026-11-29 23:59 UTC)" in text
    with pytest.raises(LogError, match="ISO week"):
        weekly_report(log, cfg, "2026-48")
    with pytest.raises(LogError, match="empty"):
        log.record_missed_reason("2026-W48", "LP2", "  ", "bob", at=T0)


def _toml(tmp_path: Path) -> Path:
    p = tmp_path / "station.toml"
    p.write_text('[station]\nid = "KXYZ/FM"\nlocations = ["006037"]\ndatabase = "s.db"\n'
                 '[[source]]\nname = "LP1"\naudio = "default"\n'
                 '[[source]]\nname = "LP2"\naudio = "hw:1"\n'
                 '[[filter]]\naction = "forward"\n')
    return p


def test_log_command_lists_exports_reports_and_records_a_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = _toml(tmp_path)
    cfg = parse_config({"station": {"id": "KXYZ/FM", "locations": ["006037"]},
                        "source": [{"name": "LP1", "audio": "default"}],
                        "filter": [{"action": "forward"}]}, toml)
    with StationLog.open(tmp_path / "s.db", now=T0) as lg:
        drive(Station(cfg), lg, [(0, heard("LP1", header())),
                                 (1, heard("LP1", header(issued=T0 - timedelta(hours=3))))])
    assert main(["log", str(toml)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "expired" in out[1] and "ZCZC-WXR-TOR-006037" in out[0]
    assert "2026-11-24 15:00:00 UTC" in out[0]
    assert main(["log", str(toml), "--tz", "America/Los_Angeles"]) == 0
    assert "2026-11-24 07:00:00 America/Los_Angeles" in capsys.readouterr().out
    assert main(["log", str(toml), "--csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 3
    assert main(["log", str(toml), "--week", "2026-W48", "--reason", "LP2",
                 "receiver failed", "--user", "carol"]) == 0
    rep = capsys.readouterr().out
    assert "LP2          RWT  receiver failed (recorded by carol)" in rep
    assert main(["log", str(toml), "--week", "2026-W48", "--reason", "LP9", "x"]) == 2
    assert "LP9" in capsys.readouterr().err
    assert main(["log", str(toml), "--week", "W48"]) == 2
    err = capsys.readouterr().err
    assert "ISO week" in err and len(err.splitlines()) == 1


def test_log_command_queues_an_operator_verdict(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    toml = _toml(tmp_path)
    cfg = parse_config({"station": {"id": "KXYZ/FM", "locations": ["006037"]},
                        "source": [{"name": "LP1", "audio": "default"}],
                        "filter": [{"action": "manual", "timeout": 300}]}, toml)
    with StationLog.open(tmp_path / "s.db", now=T0) as lg:
        drive(Station(cfg), lg, [(0, heard("LP1", header()))])
        assert main(["log", str(toml), "--held"]) == 0
        out = capsys.readouterr().out
        assert "held until 15:05:00 UTC, then log" in out
        assert main(["log", str(toml), "--forward", "1", "--user", "frank"]) == 0
        assert "forward queued" in capsys.readouterr().out
        assert main(["log", str(toml), "--reject", "7", "--user", "frank"]) == 2
        assert "not an alert held" in capsys.readouterr().err
        [req] = lg.take_operator_requests(at(30))
        assert (req.alert_id, req.user, req.verdict) == (1, "frank", "forward")


def test_log_command_without_a_log_says_so(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", str(_toml(tmp_path))]) == 2
    assert "no station log here yet" in capsys.readouterr().err


def test_operator_requests_from_another_process_reach_the_core_once(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with StationLog.open(db, now=T0) as lg:
        s = Station(config([{"name": "m", "action": "manual", "timeout": 600}]))
        drive(s, lg, [(0, heard("LP1", header())), (10, eom("LP1", 10))])
        with StationLog.open(db, writer=False) as console:
            console.request_operator(1, "erin", "forward", "confirmed by phone", at=at(20))
            with pytest.raises(LogError, match="forward or reject"):
                console.request_operator(1, "erin", "maybe", at=at(20))
        [req] = lg.take_operator_requests(at(21))
        assert lg.take_operator_requests(at(22)) == []
        acts = drive(s, lg, [(21, req)])
        assert any(isinstance(a, Relay) for a in acts)
        assert [(o.user, o.verdict) for o in lg.operator_actions(1)] == [("erin", "forward")]


def test_a_version_1_log_is_migrated(tmp_path: Path) -> None:
    from eas_encoder.station import log as logmod

    db = tmp_path / "s.db"
    with sqlite3.connect(db) as c:
        c.executescript(logmod._SCHEMA + "PRAGMA user_version = 1;")
    with StationLog.open(db, now=T0) as lg:
        lg.request_operator(1, "x", "reject", at=T0)
        assert lg.take_operator_requests(T0)[0].verdict == "reject"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_a_migration_another_process_applied_meanwhile_is_skipped(tmp_path: Path) -> None:
    """The monitor and a `log` command opening a version-1 file together: the second to
    take the write lock finds the step applied (it used to fail 'table already exists').
    """
    from eas_encoder.station import log as logmod

    db = tmp_path / "s.db"
    with sqlite3.connect(db) as c:
        c.executescript(logmod._SCHEMA + "PRAGMA user_version = 1;")
    first, second = sqlite3.connect(db, isolation_level=None), sqlite3.connect(
        db, isolation_level=None)
    logmod._migrate(first, 1)    # both read version 1 before either migrated
    logmod._migrate(second, 1)
    assert second.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    first.close()
    second.close()
