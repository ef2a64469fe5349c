"""What an operator could be misled by: a console with no monitor behind it (queued verdicts
and originations that never act), CSV exports whose text a spreadsheet runs as a formula, and a
password echoed on the terminal by ``user add``.
"""

from __future__ import annotations

import os
import select
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the console extra is not installed")
pytest.importorskip("argon2", reason="the console extra is not installed")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from eas_encoder.station.actions import Decision, LogAlert  # noqa: E402
from eas_encoder.station.log import StationLog, csv_cell, writer_running  # noqa: E402

from .test_console_app import T0, login_client, make_station  # noqa: E402
from .test_console_cli import _station  # noqa: E402


@pytest.fixture()
def station(tmp_path: Path) -> dict:
    return make_station(tmp_path)


def test_writer_running_follows_the_monitor_lock_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    assert writer_running(db) is False
    assert not (tmp_path / "station.db.lock").exists()
    log = StationLog.open(db, now=T0)
    try:
        assert writer_running(db) is True
        # The probe must never turn a monitor away: a second writer is still refused by
        # the lock, not by the probe.
        assert writer_running(db) is True
    finally:
        log.close()
    assert writer_running(db) is False
    StationLog.open(db, now=T0).close()       # a monitor starts after a probe


def test_every_page_says_when_no_monitor_is_running(station: dict) -> None:
    client: TestClient = login_client(station)
    for path in ("/alerts", "/queue", "/originate", "/sources", "/tests"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'id="monitor-down"' in page.text, path
    log = StationLog.open(station["config"].station.database, now=T0)   # the monitor
    try:
        for path in ("/alerts", "/queue", "/originate"):
            assert 'id="monitor-down"' not in client.get(path).text, path
    finally:
        log.close()


def test_login_page_does_not_tell_strangers_about_the_monitor(station: dict) -> None:
    client = TestClient(station["app"], base_url="http://testserver")
    assert 'id="monitor-down"' not in client.get("/login").text


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tlead", "\rlead"])
def test_csv_cell_keeps_a_spreadsheet_from_running_text(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["ZCZC-EAS-RWT-006037+0015-3341800-KXYZ/FM-", "relay", "", 7,
                                   None])
def test_csv_cell_leaves_ordinary_cells(value: object) -> None:
    assert csv_cell(value) == value


def test_csv_exports_neutralise_formulas_from_operators_and_cap(station: dict) -> None:
    db = station["config"].station.database
    formula = '=HYPERLINK("http://attacker.example/","click")'
    log = StationLog.open(db, now=T0)
    try:
        log.record([LogAlert(40, "LP1", T0 + timedelta(minutes=4), "cap", Decision.LOG,
                             formula, cap_identifier="@cmd", event="CAE")], T0)
        log.record_missed_reason("2026-W49", "LP2", formula, "alice", at=T0)
    finally:
        log.close()
    client = login_client(station)
    for path, params in (("/log.csv", {}), ("/tests.csv", {"week": "2026-W49"})):
        text = client.get(path, params=params).text
        assert "'=HYPERLINK" in text, path
        assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text, path
    assert "'@cmd" in client.get("/log.csv").text


def _run_on_a_terminal(argv: list[str], typed: list[str]) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal, typing each line of
    ``typed`` when the program has printed a prompt; return (exit status, all it printed).
    """
    import pty

    pid, fd = pty.fork()
    if pid == 0:                                   # the child: never returns
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + 60
    lines = list(typed)
    answered = 0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:                    # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                # Type only after a new prompt: a line typed between two prompts would be
                # echoed by the terminal (and flushed by the next prompt), not by the program.
                if lines and out[answered:].rstrip().endswith(b":"):
                    os.write(fd, (lines.pop(0) + "\n").encode())
                    answered = len(out)
        else:
            os.kill(pid, 9)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_user_add_at_a_terminal_does_not_echo_the_password(tmp_path: Path) -> None:
    toml = _station(tmp_path)
    secret = "a long passphrase 42"
    argv = [sys.executable, "-m", "eas_encoder", "user", "add", str(toml), "alice",
            "--password-stdin"]
    code, out = _run_on_a_terminal(argv, [secret, secret])
    assert code == 0, out
    assert "user alice added" in out
    assert secret not in out
    code, out = _run_on_a_terminal(argv[:-2] + ["bob", "--password-stdin"],
                                   [secret, secret + "x"])
    assert code == 2 and "differ" in out, out
    assert secret not in out


def test_received_timeline_carries_no_structure_verdict(station: dict,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A station's recording is the message after the header bursts: a FAIL title on the
    # picture of a correctly relayed alert misled the new-user trial.
    pytest.importorskip("matplotlib", reason="the timeline picture needs matplotlib")
    from eas_encoder.conformance import plot
    from eas_encoder.conformance.checker import check_file

    received = station["config"].station.recordings / "received.wav"
    report, _ = check_file(received, overview=True)
    assert report.verdict.upper() == "FAIL"
    assert "FAIL" in plot.timeline_title(report)
    quiet = plot.timeline_title(report, verdicts=False)
    assert "FAIL" not in quiet and "fails" not in quiet and "8000 Hz" in quiet
    asked: list[bool] = []
    real = plot.plot_timeline

    def spy(*args: object, verdicts: bool = True) -> None:
        asked.append(verdicts)
        real(*args, verdicts=verdicts)  # type: ignore[arg-type]

    monkeypatch.setattr(plot, "plot_timeline", spy)
    client = login_client(station)
    assert client.get("/alerts/1/timeline.png").status_code == 200
    assert client.get("/alerts/1/timeline.png", params={"audio": "relayed"}).status_code == 200
    assert asked == [False, True]
