"""The console's edges: ``[console]`` in station.toml, the listen-address rule, ``eas-encoder
user``, ``eas-encoder console`` errors, and serving on the caller's event loop (as ``monitor
--console`` does) until its stop event.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the console extra is not installed")
pytest.importorskip("argon2", reason="the console extra is not installed")

from eas_encoder.cli import main  # noqa: E402
from eas_encoder.console.auth import ConsoleError  # noqa: E402
from eas_encoder.console.server import bind, is_loopback, listen_address  # noqa: E402
from eas_encoder.errors import ConfigError  # noqa: E402
from eas_encoder.station.config import load_config, parse_config  # noqa: E402

BASE = {"station": {"id": "KXYZ/FM", "locations": ["006037"], "database": "db/station.db"},
        "source": [{"name": "LP1", "audio": "lp1.wav"}]}


def test_console_table_defaults_and_values(tmp_path: Path) -> None:
    cfg = parse_config(BASE, tmp_path / "station.toml")
    assert cfg.console.listen == "127.0.0.1:8080"
    assert cfg.console.users == tmp_path / "db" / "users.db"
    assert cfg.console.session_minutes == 480
    cfg = parse_config({**BASE, "console": {"listen": "0.0.0.0:9000", "users": "u/users.db",
                                            "session_minutes": 30}}, tmp_path / "s.toml")
    assert cfg.console.users == tmp_path / "u" / "users.db"
    assert (cfg.console.listen, cfg.console.session_minutes) == ("0.0.0.0:9000", 30)


@pytest.mark.parametrize("table, field", [
    ({"session_minutes": 0}, "console.session_minutes"),
    ({"session_minutes": "8h"}, "console.session_minutes"),
    ({"port": 80}, "console.port"),
    ({"listen": 8080}, "console.listen"),
])
def test_console_table_faults_name_the_key(tmp_path: Path, table: dict, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, "console": table}, tmp_path / "station.toml")
    assert err.value.field == field


@pytest.mark.parametrize("text, expected", [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)), ("localhost:81", ("127.0.0.1", 81)),
    ("[::1]:8080", ("::1", 8080)), ("0.0.0.0:8080", ("0.0.0.0", 8080)),
])
def test_listen_address(text: str, expected: tuple) -> None:
    assert listen_address(text) == expected


@pytest.mark.parametrize("text", [":8080", "8080", "example.com:8080", "127.0.0.1:0",
                                  "127.0.0.1:99999", "127.0.0.1:http", ""])
def test_listen_address_must_be_written_out(text: str) -> None:
    with pytest.raises(ConsoleError) as err:
        listen_address(text, field="--listen")
    assert err.value.field == "--listen"


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


def test_a_port_in_use_is_one_error(tmp_path: Path) -> None:
    first = bind("127.0.0.1", 0)
    try:
        with pytest.raises(ConsoleError, match="cannot be listened on"):
            bind("127.0.0.1", first.getsockname()[1])
    finally:
        first.close()


def _station(tmp_path: Path) -> Path:
    toml = tmp_path / "station.toml"
    toml.write_text('[station]\nid = "KXYZ/FM"\nlocations = ["006037"]\n'
                    'database = "out/station.db"\n[[source]]\nname = "LP1"\n'
                    'audio = "lp1.wav"\n', "utf-8")
    return toml


def test_user_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture) -> None:
    toml = _station(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["user", "add", str(toml), "alice", "--password-stdin"]) == 0
    assert (tmp_path / "out" / "users.db").exists()
    assert main(["user", "list", str(toml)]) == 0
    assert "alice  added" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["user", "add", str(toml), "alice", "--password-stdin"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["user", "remove", str(toml), "alice"]) == 0
    assert main(["user", "remove", str(toml), "alice"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a console user" in err


@pytest.mark.parametrize("argv, stdin, message", [
    (["alice"], "", "--password-stdin"),
    (["alice", "--password-stdin"], "short\n", "8 to 1024 characters"),
    (["al ice", "--password-stdin"], "a long passphrase\n", "letters, digits"),
    ([], "", "needs a user name"),
])
def test_user_add_faults_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture, argv: list,
                                      stdin: str, message: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["user", "add", str(_station(tmp_path)), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("listen, message", [
    (":8080", "address written out"), ("example.com:80", "IP address or localhost")])
def test_console_refuses_an_address_not_written_out(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture,
                                                    listen: str, message: str) -> None:
    toml = _station(tmp_path)
    from eas_encoder.station.log import StationLog

    StationLog.open(tmp_path / "out" / "station.db", now=datetime(2026, 12, 1, tzinfo=UTC)).close()
    assert main(["console", str(toml), "--listen", listen]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_console_without_a_log_is_one_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    assert main(["console", str(_station(tmp_path))]) == 2
    assert "no station log here yet" in capsys.readouterr().err


def test_serve_on_the_callers_loop_until_stopped(tmp_path: Path) -> None:
    import httpx

    from eas_encoder.console.app import create_app
    from eas_encoder.console.server import serve

    cfg = load_config(_station(tmp_path))
    app = create_app(cfg, clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]

    async def run() -> tuple[int, int]:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, sock, stop))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            for _ in range(100):        # bounded: the server starts within the loop
                try:
                    login = await c.get("/login")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            alerts = await c.get("/alerts")
        stop.set()
        await asyncio.wait_for(task, 30)
        return login.status_code, alerts.status_code

    assert asyncio.run(run()) == (200, 303)
    assert sock.fileno() == -1      # closed with the server


def test_companions_run_beside_the_monitor_and_stop_with_it(tmp_path: Path) -> None:
    from eas_encoder.station.shell import run_monitor

    (tmp_path / "cap").mkdir()
    cfg = parse_config({"station": {"id": "KXYZ/FM", "locations": ["006037"]},
                        "source": [{"name": "CAP", "cap": "cap", "poll": 5}],
                        "tests": {"weekly_rwt": False}}, tmp_path / "station.toml")
    seen = []

    async def companion(done: asyncio.Event) -> None:
        seen.append("started")
        await done.wait()           # set once the monitor has finished
        seen.append("stopped")

    assert run_monitor(cfg, once=True, out=None, install_signals=False,
                       companions=[companion]) == 0
    assert seen == ["started", "stopped"]


def test_monitor_with_console_says_where_the_console_is(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    # The README tells a newcomer to "open http://127.0.0.1:8080/": the monitor says the
    # address as `eas-encoder console` does, and prints nothing with --quiet.
    toml = tmp_path / "station.toml"
    (tmp_path / "cap").mkdir()
    toml.write_text('[station]\nid = "KXYZ/FM"\nlocations = ["006037"]\n'
                    'database = "out/station.db"\n[[source]]\nname = "CAP"\ncap = "cap"\n'
                    '[tests]\nweekly_rwt = false\n', "utf-8")
    probe = bind("127.0.0.1", 0)
    address = f"127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    assert main(["monitor", str(toml), "--once", "--console", address]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"console: http://{address}/ (Ctrl-C stops it)\n"), out
    assert main(["monitor", str(toml), "--once", "--quiet", "--console", address]) == 0
    assert capsys.readouterr().out == ""
