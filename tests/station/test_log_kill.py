"""kill -9 a process writing the station log mid-sequence: the log is whole afterwards.

A child process plays the monitor (core decisions recorded before acting, relays recorded
started then done) and prints each relay it starts; the parent SIGKILLs it, reopens the log
as the next writer and checks SQLite integrity, that no relay is left ``started`` (the one
in flight is marked failed), and that every row refers to rows that exist.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from eas_encoder.station.log import StationLog

from .harness import T0

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

CHILD = r"""
import sys, time
from datetime import timedelta
from tests.station.harness import T0, config, header
from eas_encoder.station.actions import Relay
from eas_encoder.station.core import Station
from eas_encoder.station.events import HeardEom, HeardHeader
from eas_encoder.station.log import StationLog

db, stall_at = sys.argv[1], int(sys.argv[2])
log = StationLog.open(db, now=T0)
s = Station(config(), state=log.core_state(T0))
for i in range(10_000):
    t = T0 + timedelta(seconds=60 * i)
    h = header(issued=t, minutes=30 + 15 * (i % 2), event=("TOR", "SVR", "FFW")[i % 3])
    t1, t20 = t + timedelta(seconds=1), t + timedelta(seconds=20)
    for ev, now in ((HeardHeader("LP1", h, str(h), t), t), (HeardHeader("LP2", h, str(h), t1), t1),
                    (HeardEom("LP1", t20, "msg.wav"), t20), (None, t20)):
        batch = s.tick(now) if ev is None else s.handle(ev, now)
        log.record(batch, now)
        for a in batch:
            if isinstance(a, Relay):
                print(f"relaying {a.relay_id}", flush=True)
                if i + 1 == stall_at:
                    time.sleep(120)   # the parent kills us here, mid-relay
                log.record(s.relay_done(a.relay_id, now, f"/spool/{a.relay_id}.wav"), now)
"""


def _run_and_kill(db: Path, relays_before_kill: int, stall_at: int) -> list[int]:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(stall_at)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=root, env=env)
    started = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            started.append(int(line.split()[1]))
            if len(started) >= relays_before_kill:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        err = proc.stderr.read() if proc.stderr else ""
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert len(started) >= relays_before_kill, err
    assert proc.returncode == -signal.SIGKILL
    return started


def _check_whole(log: StationLog) -> None:
    assert log.integrity() == "ok"
    alerts = {r.alert_id: r for r in log.alerts()}
    relays = log.relays()
    assert all(r["status"] in ("done", "failed") for r in relays)
    assert all(r["alert_id"] in alerts for r in relays)
    assert all(a.decision in ("relay", "reject", "ignore", "log") for a in alerts.values())
    # Every relayed alert has its relay row: the decision was written with the relay.
    relayed = {r["alert_id"] for r in relays}
    assert {a for a, r in alerts.items() if r.decision == "relay"} == relayed
    assert log.next_id() > max([*alerts, *(r["relay_id"] for r in relays)])


def test_kill_during_a_relay_leaves_it_failed_and_the_log_whole(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    started = _run_and_kill(db, relays_before_kill=5, stall_at=5)
    with StationLog.open(db, now=T0) as log:
        assert log.recovered == [started[-1]]
        rows = {r["relay_id"]: r for r in log.relays()}
        assert rows[started[-1]]["status"] == "failed"
        assert "interrupted" in rows[started[-1]]["reason"]
        assert [rows[i]["status"] for i in started[:-1]] == ["done"] * 4
        _check_whole(log)
        # Duplicates heard on LP2 were logged before the kill, one row per alert.
        assert sum(r.reason.startswith("duplicate") for r in log.alerts()) >= 4


def test_kill_at_an_arbitrary_moment_of_fast_writes_leaves_the_log_whole(
        tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _run_and_kill(db, relays_before_kill=40, stall_at=0)
    with StationLog.open(db, now=T0) as log:
        assert len(log.recovered) <= 1
        _check_whole(log)
        # A second monitor continues with fresh ids after the restart.
        state = log.core_state(T0)
        assert state.next_id == log.next_id()
