"""The operator console attacked as an adversary would, on 127.0.0.1 only: DNS rebinding,
spoofed client addresses against the login rate limit, concurrent password guesses, CSRF
variants, session handling, the users file on disk, caching, response headers, hostile text.

A forged or unauthorised alert aired by the station is the worst outcome; each test names the
threat it holds off. The fixtures are the ones of :mod:`tests.test_console_app`.
"""

from __future__ import annotations

import asyncio
import stat
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the console extra is not installed")
pytest.importorskip("argon2", reason="the console extra is not installed")

from argon2 import PasswordHasher  # noqa: E402
from argon2.exceptions import VerifyMismatchError  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from eas_encoder.console.app import SESSION_COOKIE  # noqa: E402
from eas_encoder.console.auth import MAX_FAILURES, UserStore  # noqa: E402
from eas_encoder.console.server import bind, serve  # noqa: E402
from eas_encoder.station.log import StationLog  # noqa: E402

from .test_console_app import (  # noqa: E402
    CHEAP,
    PASSWORD,
    T0,
    _client,
    _csrf,
    _login,
    login_client,
    make_station,
)


@pytest.fixture()
def station(tmp_path: Path) -> dict:
    return make_station(tmp_path)


@pytest.fixture()
def logged_in(station: dict) -> TestClient:
    return login_client(station)


# -- a real server on a free loopback port (what the CLI runs) ------------------------------
def _over_http(app: Any, requests: Any) -> Any:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) as ``eas-encoder console`` does,
    run ``await requests(client, port)`` against it, stop the server, return the result.
    """
    import httpx

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]

    async def run() -> Any:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, sock, stop))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         timeout=30) as client:
                for _ in range(200):        # bounded: the server starts within the loop
                    try:
                        await client.get("/login")
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                return await requests(client, port)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)

    return asyncio.run(run())


async def _login_over_http(client: Any, user: str, password: str,
                           headers: dict[str, str] | None = None) -> Any:
    client.cookies.clear()
    page = await client.get("/login", headers=headers)
    return await client.post("/login", data={"username": user, "password": password,
                                             "csrf_token": _csrf(page.text)},
                             headers=headers, follow_redirects=False)


def test_dns_rebinding_a_foreign_host_header_is_refused(station: dict) -> None:
    """A web page the operator visits can rebind its own name to 127.0.0.1 and then talk to
    the console as same-origin (reading /login, guessing passwords, locking the operator out
    through the rate limit). The browser still sends the attacker's name as Host: a console
    listening on loopback answers only to loopback names.
    """
    async def requests(client: Any, port: int) -> dict[str, int]:
        codes = {}
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}",
                     f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
            r = await client.get("/login", headers={"host": host})
            codes[host] = r.status_code
        page = await client.get("/login")
        forged = await client.post("/login", data={"username": "alice", "password": PASSWORD,
                                                   "csrf_token": _csrf(page.text)},
                                   headers={"host": f"evil.example:{port}"})
        codes["login via evil.example"] = forged.status_code
        return codes

    codes = _over_http(station["app"], requests)
    refused = {h: c for h, c in codes.items() if "evil" in h}
    allowed = {h: c for h, c in codes.items() if "evil" not in h}
    assert set(refused.values()) == {400}, codes
    assert set(allowed.values()) == {200}, codes


def test_x_forwarded_for_does_not_reset_the_per_client_rate_limit(station: dict) -> None:
    """Uvicorn believes X-Forwarded-For from 127.0.0.1 by default; every client of a loopback
    console is 127.0.0.1, so a guesser could name a new "client" per attempt (spraying user
    names past the per-client limit) or name the operator's address to lock them out.
    """
    async def requests(client: Any, port: int) -> list[int]:
        codes = []
        for i in range(MAX_FAILURES + 1):
            r = await _login_over_http(client, f"guess{i}", "wrong password",
                                       headers={"x-forwarded-for": f"198.51.100.{i + 1}"})
            codes.append(r.status_code)
        return codes

    codes = _over_http(station["app"], requests)
    assert codes == [401] * MAX_FAILURES + [429]


def test_concurrent_guesses_do_not_exceed_the_rate_limit(tmp_path: Path) -> None:
    """Guesses sent at once must not each find the failure count still at zero: the console
    checks passwords on a thread pool (40 threads), so the limit of 5 became 40 per window.
    """
    entered, refused, done = [], [], threading.Event()
    gate = threading.Event()

    class SlowHasher(PasswordHasher):
        def verify(self, hash: str, password: str) -> bool:  # noqa: A002
            entered.append(password)
            gate.wait(30)            # bounded: released once every guess is in or refused
            raise VerifyMismatchError("wrong")

    store = UserStore(tmp_path / "users.db", hasher=SlowHasher(time_cost=1,
                                                               memory_cost=1024,
                                                               parallelism=1))
    store.add_user("alice", PASSWORD, T0)
    guesses = 3 * MAX_FAILURES
    lock = threading.Lock()

    def guess(i: int) -> None:
        from eas_encoder.console.auth import LoginRefused

        try:
            store.login("alice", f"guess number {i}", "127.0.0.1", T0)
        except LoginRefused as exc:
            if exc.limited:
                with lock:
                    refused.append(i)
        finally:
            with lock:
                if len(refused) + len(entered) >= guesses:
                    done.set()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for t in threads:
        t.start()
    for _ in range(600):             # bounded wait: every guess is in verify or refused
        with lock:
            if len(entered) + len(refused) >= guesses:
                break
        done.wait(0.05)
    gate.set()
    for t in threads:
        t.join(30)
    assert len(entered) <= MAX_FAILURES
    assert len(refused) == guesses - len(entered)


# -- CSRF -----------------------------------------------------------------------------------
def test_csrf_token_of_another_session_or_in_the_query_string_is_refused(
        station: dict, logged_in: TestClient) -> None:
    mine = _csrf(logged_in.get("/queue").text)
    other = _client(station)
    assert _login(other).status_code == 303
    theirs = _csrf(other.get("/queue").text)
    assert theirs != mine
    for url, data in [("/queue/3", {"csrf_token": theirs, "verdict": "forward"}),
                      (f"/queue/3?csrf_token={mine}", {"verdict": "forward"}),
                      ("/queue/3", {"csrf_token": mine[:-1], "verdict": "forward"}),
                      ("/queue/3", {"csrf_token": mine + "x", "verdict": "forward"})]:
        assert logged_in.post(url, data=data).status_code == 403, url
    with StationLog.open(station["config"].station.database, now=T0) as log:
        assert log.take_operator_requests(T0) == []


def test_a_cross_site_post_carries_no_cookie_so_it_is_a_redirect(station: dict) -> None:
    """A form on another site posts without the SameSite=Strict cookies: no session, and the
    login form's own cookie missing makes a login CSRF a 403.
    """
    bare = _client(station)
    r = bare.post("/queue/3", data={"verdict": "forward"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = bare.post("/login", data={"username": "alice", "password": PASSWORD,
                                  "csrf_token": "guessed"}, follow_redirects=False)
    assert r.status_code == 403


# -- sessions -------------------------------------------------------------------------------
def test_a_planted_session_cookie_is_replaced_at_login(station: dict) -> None:
    """Session fixation: a cookie value chosen before login is not the session after it."""
    client = _client(station)
    client.cookies.set(SESSION_COOKIE, "planted-by-the-attacker-0123456789")
    r = _login(client)
    assert r.status_code == 303
    assert r.cookies.get(SESSION_COOKIE) not in (None, "planted-by-the-attacker-0123456789")


def test_logout_kills_the_session_on_the_server(station: dict,
                                                logged_in: TestClient) -> None:
    """A copy of the cookie kept from before logout opens nothing afterwards."""
    stolen = logged_in.cookies.get(SESSION_COOKIE)
    token = _csrf(logged_in.get("/alerts").text)
    assert logged_in.post("/logout", data={"csrf_token": token},
                          follow_redirects=False).status_code == 303
    replay = _client(station)
    replay.cookies.set(SESSION_COOKIE, stolen)
    r = replay.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = replay.post("/queue/3", data={"csrf_token": token, "verdict": "forward"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_a_removed_user_session_ends(station: dict, logged_in: TestClient) -> None:
    UserStore(station["tmp"] / "users.db", hasher=CHEAP).remove_user("alice")
    assert logged_in.get("/queue", follow_redirects=False).status_code == 303


# -- at rest --------------------------------------------------------------------------------
def test_users_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The file holds argon2 hashes (offline guessing) and session digests: other local
    accounts on the station machine must not read it.
    """
    path = tmp_path / "console" / "users.db"
    UserStore(path, hasher=CHEAP).add_user("alice", PASSWORD, T0)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)


@pytest.mark.parametrize("week", ['2026-W49"\r\nSet-Cookie: x=1', "2026-W49\"; x=\"",
                                  "../../etc/passwd"])
def test_week_cannot_break_out_of_the_csv_file_name(logged_in: TestClient,
                                                     week: str) -> None:
    r = logged_in.get("/tests.csv", params={"week": week})
    assert r.status_code == 400
    assert "x=1" not in r.headers.get("set-cookie", "")
