"""The operator console attacked as an adversary would, on 127.0.0.1 only: DNS rebinding,
spoofed client addresses against the login rate limit, concurrent password guesses, CSRF
variants, session handling, the users file on disk, caching, response headers, hostile text.

A forged or unauthorised alert aired by the station is the worst outcome; each test names the
threat it holds off. The fixtures are the ones of :mod:`tests.test_console_app`.
"""

from __future__ import annotations

import asyncio
import html
import re
import stat
import threading
import warnings
from datetime import timedelta
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


# -- what the browser keeps -----------------------------------------------------------------
@pytest.mark.parametrize("path", ["/alerts", "/log.csv", "/tests.csv?week=2026-W49",
                                  "/alerts/1/audio/received", "/alerts/1/audio/relayed",
                                  "/alerts/999"])
def test_authenticated_responses_are_not_cached(logged_in: TestClient, path: str) -> None:
    """The station log and its audio stay out of the browser's disk cache (a shared operator
    machine, a browser profile copied elsewhere).
    """
    r = logged_in.get(path)
    assert "no-store" in r.headers.get("cache-control", ""), (path, r.status_code)


def test_pages_cannot_be_framed_or_run_script(logged_in: TestClient) -> None:
    """Clickjacking (a page framing the console over a button of its own) and script: the
    console uses none, so none runs even if markup got through.
    """
    for path in ("/login", "/alerts", "/originate"):
        headers = logged_in.get(path).headers
        csp = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'none'" in csp, path
        assert headers.get("x-frame-options") == "DENY"



@pytest.mark.parametrize("week", ['2026-W49"\r\nSet-Cookie: x=1', "2026-W49\"; x=\"",
                                  "../../etc/passwd"])
def test_week_cannot_break_out_of_the_csv_file_name(logged_in: TestClient,
                                                     week: str) -> None:
    r = logged_in.get("/tests.csv", params={"week": week})
    assert r.status_code == 400
    assert "x=1" not in r.headers.get("set-cookie", "")


# -- originating ----------------------------------------------------------------------------
ORIGINATE = {"event": "RWT", "originator": "EAS", "locations": ["006037"], "duration": "0015"}


def _origination_requests(station: dict) -> list:
    with StationLog.open(station["config"].station.database, writer=False) as log:
        return log.origination_requests()


def _preview(client: TestClient, **changes: Any) -> Any:
    files = changes.pop("files", None)
    token = _csrf(client.get("/originate").text)
    return client.post("/originate", data={"csrf_token": token, **ORIGINATE, **changes},
                       files=files)


def _confirmation(preview_html: str) -> dict[str, list[str]]:
    """The confirmation form's hidden fields, as the browser would send them back."""
    form = re.search(r'<form[^>]*id="confirm-form".*?</form>', preview_html, re.S)
    assert form, preview_html[-2000:]
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"',
                                  form.group(0)):
        data.setdefault(name, []).append(html.unescape(value))
    return data


def test_send_pressed_twice_queues_one_origination(station: dict,
                                                   logged_in: TestClient) -> None:
    """A double click, or the browser resending the confirmation a minute later (a new
    issue time, so not a duplicate to the monitor): the station would air the test twice.
    """
    data = _confirmation(_preview(logged_in).text)
    first = logged_in.post("/originate/confirm", data=data, follow_redirects=False)
    assert first.status_code == 303
    station["clock"].now += timedelta(minutes=1)
    again = logged_in.post("/originate/confirm", data=data, follow_redirects=False)
    assert again.status_code == 409 and "sent already" in again.text
    assert len(_origination_requests(station)) == 1


@pytest.mark.parametrize("change", [{"locations": ["006000"]}, {"duration": "0100"},
                                    {"originator": "CIV"}])
def test_send_with_values_other_than_the_preview_queues_nothing(
        station: dict, logged_in: TestClient, change: dict) -> None:
    """The confirmation sends what the operator checked on the preview, not other values
    (hand-edited hidden fields, or a form filled in another tab).
    """
    data = {**_confirmation(_preview(logged_in).text), **change}
    r = logged_in.post("/originate/confirm", data=data, follow_redirects=False)
    assert r.status_code == 409
    assert _origination_requests(station) == []


def test_a_preview_of_another_user_cannot_be_sent(station: dict,
                                                  logged_in: TestClient) -> None:
    data = _confirmation(_preview(logged_in).text)
    UserStore(station["tmp"] / "users.db", hasher=CHEAP).add_user("bob", PASSWORD, T0)
    bob = _client(station)
    assert _login(bob, "bob").status_code == 303
    data["csrf_token"] = [_csrf(bob.get("/originate").text)]
    r = bob.post("/originate/confirm", data=data, follow_redirects=False)
    assert r.status_code == 409 and _origination_requests(station) == []
    assert logged_in.post("/originate/confirm", data={
        **data, "csrf_token": _csrf(logged_in.get("/originate").text)},
        follow_redirects=False).status_code == 409      # bob's try used it up


@pytest.mark.parametrize("where", ["048453", "048000", "072127"])
def test_counties_the_form_does_not_offer_are_refused(station: dict, logged_in: TestClient,
                                                      where: str) -> None:
    """A hand-made form naming a county outside the states the station serves: other
    stations' filters would relay it to people this station does not serve.
    """
    r = _preview(logged_in, locations=["006037", where])
    assert r.status_code == 400 and 'id="locations-error"' in r.text
    token = _csrf(logged_in.get("/originate").text)
    r = logged_in.post("/originate/confirm", data={"csrf_token": token, **ORIGINATE,
                                                   "locations": [where]})
    assert r.status_code == 400 and _origination_requests(station) == []


def _wav_bytes(seconds: float, fs: int = 8000) -> bytes:
    import io

    import numpy as np
    import soundfile as sf

    out = io.BytesIO()
    t = np.arange(int(seconds * fs)) / fs
    sf.write(out, (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), fs, format="WAV")
    return out.getvalue()


def test_an_upload_never_sent_is_deleted_later_one_queued_is_kept(
        station: dict, logged_in: TestClient) -> None:
    """Every preview with a file leaves it in the recordings directory until Send; a form
    left there (or an operator uploading over and over) must not fill the station's disk.
    """
    import os

    recordings = station["config"].station.recordings

    def preview_with_upload() -> Any:
        return _preview(logged_in, event="TOR", originator="WXR",
                        files={"audio": ("message.wav", _wav_bytes(1.0), "audio/wav")})

    sent = preview_with_upload()
    assert logged_in.post("/originate/confirm", data=_confirmation(sent.text),
                          follow_redirects=False).status_code == 303
    assert preview_with_upload().status_code == 200          # previewed, never sent
    uploads = sorted(recordings.glob("upload-*"))
    assert len(uploads) == 2
    (queued,) = [Path(r.audio_path) for r in _origination_requests(station)]
    hours_ago = (station["clock"]() - timedelta(hours=3)).timestamp()
    for path in uploads:
        os.utime(path, (hours_ago, hours_ago))
    assert preview_with_upload().status_code == 200          # the next upload sweeps
    left = sorted(recordings.glob("upload-*"))
    assert queued in left and len(left) == 2                 # the queued one and the new one


ECHOED = [0, 1, 2, 3, 5]   # login name, note, reason, filters, message text
MARKUP = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_markup_typed_into_any_field_comes_back_escaped(station: dict,
                                                        logged_in: TestClient) -> None:
    """Login name, operator note, missed-test reason, filter values, origination fields and
    an upload's file name: none comes back as markup (the CAP text is covered in
    test_console_app).
    """
    pages = []
    anon = _client(station)
    pages.append(_login(anon, user=MARKUP[:60], password="wrong password").text)
    token = _csrf(logged_in.get("/queue").text)
    logged_in.post("/queue/3", data={"csrf_token": token, "verdict": "reject",
                                     "note": MARKUP})
    from eas_encoder.station.actions import OperatorAction

    with StationLog.open(station["config"].station.database, now=T0) as log:   # as the monitor
        log.record([OperatorAction(3, "alice", "reject", MARKUP, T0)], T0)
    pages.append(logged_in.get("/queue").text)
    logged_in.post("/tests/reason", data={"csrf_token": token, "week": "2026-W49",
                                          "source": "LP2", "kind": "RWT", "reason": MARKUP})
    pages.append(logged_in.get("/tests", params={"week": "2026-W49"}).text)
    pages.append(logged_in.get("/alerts", params={"source": MARKUP, "event": MARKUP,
                                                  "decision": MARKUP}).text)
    pages.append(_preview(logged_in, event=MARKUP, duration=MARKUP, language=MARKUP,
                          message_text=MARKUP, locations=[MARKUP]).text)
    pages.append(_preview(logged_in, event="TOR", originator="WXR", message_text=MARKUP).text)
    pages.append(_preview(logged_in, files={"audio": (MARKUP + ".wav", b"RIFF", "audio/wav")}
                          ).text)
    pages.append(logged_in.get("/tests", params={"week": MARKUP}).text)
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page, page[-1500:]
    echoed = [i for i, page in enumerate(pages) if "&lt;script&gt;alert(1)" in page]
    assert echoed == ECHOED, echoed      # the fields that are shown again, escaped


def test_two_operators_forwarding_one_held_alert_relay_it_once() -> None:
    """Both consoles queue a Forward while the alert is still held; the monitor hands both
    to the core in one tick: one relay, the second verdict logged as too late.
    """
    from eas_encoder.station.core import Station
    from eas_encoder.station.events import OperatorDecision

    from .station.harness import config, eom, header, heard, run

    s = Station(config([{"name": "m", "action": "manual", "timeout": 300}]))
    run(s, [(0, heard("LP1", header("TOR"))), (20, eom("LP1", 20))])
    out = run(s, [(30, OperatorDecision(1, "alice", "forward")),
                  (30, OperatorDecision(1, "bob", "forward"))])
    assert [o[0] for o in out].count("relay") == 1, out
    assert ("operator", 1, "bob", "forward (too late: relaying)") in out, out
