"""The operator console over HTTP (Starlette's TestClient): access control, CSRF, login rate
limit, sessions with the injected clock, the queue and missed-test reasons reaching the log
with the user's name, and hostile input (path traversal, markup in CAP text, bad filters,
oversized bodies).
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the console extra is not installed")
pytest.importorskip("argon2", reason="the console extra is not installed")

import soundfile as sf  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from eas_encoder.console.app import PAGES, SESSION_COOKIE, create_app  # noqa: E402
from eas_encoder.console.auth import FAILURE_WINDOW, MAX_FAILURES, UserStore  # noqa: E402
from eas_encoder.same.header import Header  # noqa: E402
from eas_encoder.station.actions import (  # noqa: E402
    Decision,
    Hold,
    LogAlert,
    Relay,
    RelayPlan,
    RelayStatus,
)
from eas_encoder.station.config import parse_config  # noqa: E402
from eas_encoder.station.log import StationLog  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
HEADER = "ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-"
# argon2id with small costs: the default profile takes ~0.6 s a hash on a busy CI machine
# (test_default_profile_hash_logs_in covers it once).
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class FakeClock:
    """The console's injected clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _cap_document(headline: str, description: str) -> str:
    from xml.sax.saxutils import escape

    headline, description = escape(headline), escape(description)
    text = (ROOT / "samples" / "cap_amber_ipaws.xml").read_text("utf-8")
    text = re.sub(r"<headline>.*?</headline>", f"<headline>{headline}</headline>", text,
                  count=1)
    return re.sub(r"<description>.*?</description>", f"<description>{description}"
                  "</description>", text, count=1, flags=re.S)


@pytest.fixture()
def station(tmp_path: Path) -> dict:
    """A station with a log holding a relayed alert (with audio), a held alert and a CAP
    alert whose text carries markup.
    """
    return make_station(tmp_path)


def make_station(tmp_path: Path) -> dict:
    """The :func:`station` fixture's station (other console test modules build it too)."""
    config = parse_config({
        "station": {"id": "KXYZ/FM", "locations": ["006037"], "database": "out/station.db",
                    "spool": "out/relay", "recordings": "out/recordings"},
        "source": [{"name": "LP1", "audio": "lp1.wav"}, {"name": "LP2", "audio": "lp2.wav"}],
        "filter": [{"name": "local", "action": "manual"}],
    }, tmp_path / "station.toml")
    spool, rec = config.station.spool, config.station.recordings
    spool.mkdir(parents=True)
    rec.mkdir(parents=True)
    tone = (0.1 * np.sin(np.arange(8000) * 0.3)).astype(np.float32)
    sf.write(rec / "received.wav", tone, 8000)
    sf.write(spool / "relay.wav", tone, 8000)
    (tmp_path / "secret.wav").write_bytes(b"RIFF secret outside the station")
    header = Header.parse(HEADER)
    script = "<script>alert('x')</script>"
    log = StationLog.open(config.station.database, now=T0)
    log.record([
        LogAlert(1, "LP1", T0, "same", Decision.RELAY, "filter:local", header_text=HEADER,
                 event="TOR", originator="WXR", locations=("006037",)),
        Relay(2, 1, RelayPlan(header, True, 8.0, audio=str(rec / "received.wav")), T0),
        RelayStatus(2, 1, "done", T0, file=str(spool / "relay.wav")),
        LogAlert(3, "LP2", T0 + timedelta(minutes=1), "same", Decision.HOLD, "filter:local",
                 header_text=HEADER, event="TOR", originator="WXR", locations=("006037",)),
        Hold(3, T0 + timedelta(minutes=6), "log"),
        LogAlert(4, "LP1", T0 + timedelta(minutes=2), "cap", Decision.LOG, "no-filter",
                 cap_identifier="ID-<b>1</b>", signature="valid", event="CAE",
                 document=_cap_document(script, f"before {script} after")),
        # Log rows naming files outside the station's directories (a tampered or old log).
        LogAlert(5, "LP1", T0 + timedelta(minutes=3), "same", Decision.RELAY, "filter:local",
                 header_text=HEADER, event="TOR"),
        Relay(6, 5, RelayPlan(header, True, 8.0,
                              audio=str(rec / ".." / ".." / "secret.wav")), T0),
        RelayStatus(6, 5, "done", T0, file=str(tmp_path / "secret.wav")),
    ], T0)
    log.close()
    clock = FakeClock(T0 + timedelta(minutes=2))
    users = tmp_path / "users.db"
    UserStore(users, hasher=CHEAP).add_user("alice", PASSWORD, T0)
    app = create_app(config, clock=clock, users_path=users, password_hasher=CHEAP)
    return {"config": config, "clock": clock, "app": app, "tmp": tmp_path}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One station for the tests that change nothing (refused requests)."""
    return make_station(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def shared_client(shared: dict) -> TestClient:
    return login_client(shared)


def _client(station: dict) -> TestClient:
    return TestClient(station["app"], base_url="http://testserver")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _login(client: TestClient, user: str = "alice", password: str = PASSWORD):
    token = _csrf(client.get("/login").text)
    return client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": token}, follow_redirects=False)


@pytest.fixture()
def logged_in(station: dict) -> TestClient:
    return login_client(station)


def login_client(station: dict) -> TestClient:
    """A client logged in as alice."""
    client = _client(station)
    assert _login(client).status_code == 303
    return client


GETS = [p.replace("{alert_id:int}", "1").replace("{which}", "received")
        for p, _, methods in PAGES if "GET" in methods]
POSTS = [p.replace("{alert_id:int}", "3") for p, _, methods in PAGES if "POST" in methods]


@pytest.mark.parametrize("path", [*GETS, "/no-such-page", "/static/missing.css"])
def test_every_page_redirects_to_login_without_a_session(shared: dict, path: str) -> None:
    r = _client(shared).get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login"


@pytest.mark.parametrize("path", POSTS)
def test_every_post_without_a_session_redirects(shared: dict, path: str) -> None:
    r = _client(shared).post(path, data={"csrf_token": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_login_page_and_static_need_no_session(station: dict) -> None:
    client = _client(station)
    page = client.get("/login")
    assert page.status_code == 200
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert 'name="username"' in page.text and 'name="password"' in page.text
    css = client.get("/static/console.css")
    assert css.status_code == 200 and "font-family" in css.text
    assert "http" not in css.text  # every asset local: no remote font or import


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_every_post_without_the_right_csrf_token_is_403(shared_client: TestClient, path: str,
                                                        token: str | None) -> None:
    data = {"verdict": "forward", "note": "n", "week": "2026-W49", "source": "LP1",
            "reason": "r"}
    if token is not None:
        data["csrf_token"] = token
    r = shared_client.post(path, data=data, follow_redirects=False)
    assert r.status_code == 403


def test_login_without_the_form_token_is_403(station: dict) -> None:
    client = _client(station)
    client.get("/login")
    r = client.post("/login", data={"username": "alice", "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                    "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403


def test_login_sets_a_strict_httponly_session_cookie(station: dict) -> None:
    client = _client(station)
    r = _login(client)
    assert r.status_code == 303 and r.headers["location"] == "/alerts"
    cookie = next(c for c in r.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE + "="))
    flags = {f.strip().lower() for f in cookie.split(";")}
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert len(cookie.split(";")[0].split("=", 1)[1]) >= 40   # 32 random bytes, base64
    page = client.get("/alerts")
    assert page.status_code == 200 and 'id="user">alice<' in page.text


def test_default_profile_hash_logs_in(station: dict) -> None:
    users = station["tmp"] / "users.db"
    UserStore(users).add_user("bob", "another passphrase", T0)   # argon2-cffi's defaults
    assert "$argon2id$" in __import__("sqlite3").connect(users).execute(
        "SELECT hash FROM users WHERE name = 'bob'").fetchone()[0]
    client = _client(station)
    assert _login(client, "bob", "another passphrase").status_code == 303


def test_wrong_password_and_unknown_user_look_the_same(station: dict) -> None:
    client = _client(station)
    bad = _login(client, password="wrong password")
    unknown = _login(client, user="mallory")
    assert bad.status_code == unknown.status_code == 401
    assert "wrong user name or password" in bad.text and "wrong user name" in unknown.text
    assert SESSION_COOKIE not in bad.headers.get("set-cookie", "")


def test_login_rate_limit_per_user_then_the_window_passes(station: dict) -> None:
    client = _client(station)
    for _ in range(MAX_FAILURES):
        assert _login(client, password="wrong password").status_code == 401
    limited = _login(client)                     # the right password, too late
    assert limited.status_code == 429
    assert "too many failed logins" in limited.text
    station["clock"].now += FAILURE_WINDOW + timedelta(seconds=1)
    assert _login(client).status_code == 303


def test_login_rate_limit_per_client_across_user_names(station: dict) -> None:
    client = _client(station)
    for i in range(MAX_FAILURES):
        assert _login(client, user=f"guess{i}", password="x" * 8).status_code == 401
    assert _login(client).status_code == 429


def test_session_expires_by_the_injected_clock(station: dict, logged_in: TestClient) -> None:
    assert logged_in.get("/queue", follow_redirects=False).status_code == 200
    station["clock"].now += timedelta(minutes=480)
    r = logged_in.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_logout_ends_the_session(logged_in: TestClient) -> None:
    token = _csrf(logged_in.get("/alerts").text)
    r = logged_in.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert logged_in.get("/alerts", follow_redirects=False).status_code == 303


def test_alerts_newest_first_with_filters(logged_in: TestClient) -> None:
    page = logged_in.get("/alerts").text
    ids = [int(i) for i in re.findall(r'<tr id="alert-(\d+)"', page)]
    assert ids == [5, 4, 3, 1]
    held = logged_in.get("/alerts", params={"decision": "hold"}).text
    assert re.findall(r'<tr id="alert-(\d+)"', held) == ["3"]
    lp2 = logged_in.get("/alerts", params={"source": "LP2", "event": "TOR"}).text
    assert re.findall(r'<tr id="alert-(\d+)"', lp2) == ["3"]
    day = logged_in.get("/alerts", params={"from": "2026-11-30", "to": "2026-11-30"}).text
    assert len(re.findall(r'<tr id="alert-', day)) == 4
    none = logged_in.get("/alerts", params={"from": "2026-12-01"}).text
    assert not re.findall(r'<tr id="alert-', none)


@pytest.mark.parametrize("params, field", [
    ({"event": "tor<script>"}, "event"), ({"decision": "maybe"}, "decision"),
    ({"source": "LP9"}, "source"), ({"from": "2026-13-45"}, "from"),
    ({"to": "yesterday"}, "to"), ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
])
def test_bad_filter_values_are_shown_as_errors(logged_in: TestClient, params: dict,
                                               field: str) -> None:
    r = logged_in.get("/alerts", params=params)
    assert r.status_code == 400
    assert f'id="{field}-error"' in r.text
    assert "<script>" not in r.text


def test_alert_page_describes_and_plays_its_audio(logged_in: TestClient) -> None:
    page = logged_in.get("/alerts/1").text
    assert "Tornado Warning" in page and "Los Angeles" in page
    assert 'id="received-audio"' in page and 'id="relayed-audio"' in page
    for which in ("received", "relayed"):
        r = logged_in.get(f"/alerts/1/audio/{which}")
        assert r.status_code == 200 and r.content[:4] == b"RIFF"
        assert r.headers["content-type"] == "audio/wav"


def test_timeline_picture_of_the_received_audio(logged_in: TestClient) -> None:
    pytest.importorskip("matplotlib", reason="the timeline picture needs matplotlib")
    r = logged_in.get("/alerts/1/timeline.png")
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    relayed = logged_in.get("/alerts/1/timeline.png", params={"audio": "relayed"})
    assert relayed.status_code == 200 and relayed.content[:4] == b"\x89PNG"
    assert relayed.content != r.content
    assert logged_in.get("/alerts/1/timeline.png", params={"audio": "../x"}).status_code == 400
    assert logged_in.get("/alerts/5/timeline.png").status_code == 404   # outside: refused


def test_audio_outside_the_station_directories_is_refused(station: dict,
                                                          logged_in: TestClient) -> None:
    page = logged_in.get("/alerts/5").text
    assert 'id="no-received-audio"' in page and 'id="no-relayed-audio"' in page
    for which in ("received", "relayed", "..%2f..%2fsecret.wav", "other"):
        r = logged_in.get(f"/alerts/5/audio/{which}")
        assert r.status_code == 404 and b"secret" not in r.content
    # A symlink inside the spool pointing out of it is not followed out.
    spool = station["config"].station.spool
    (spool / "relay.wav").unlink()
    (spool / "relay.wav").symlink_to(station["tmp"] / "secret.wav")
    r = logged_in.get("/alerts/1/audio/relayed")
    assert r.status_code == 404 and b"secret" not in r.content
    assert logged_in.get("/alerts/1/../../secret.wav").status_code in (303, 404)


def test_cap_text_with_markup_is_escaped(logged_in: TestClient) -> None:
    page = logged_in.get("/alerts/4").text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert 'class="headline"' in page and 'id="cap-document"' in page
    assert 'id="signature">valid<' in page
    assert "ID-&lt;b&gt;1&lt;/b&gt;" in page


def test_unknown_alert_is_404(logged_in: TestClient) -> None:
    assert logged_in.get("/alerts/999").status_code == 404


def test_queue_shows_time_left_and_forward_is_queued_with_the_user(
        station: dict, logged_in: TestClient) -> None:
    page = logged_in.get("/queue").text
    assert 'id="held-3"' in page and "4 min 00 s" in page
    assert ">Forward</button>" in page and ">Drop</button>" in page
    r = logged_in.post("/queue/3", data={"csrf_token": _csrf(page), "verdict": "forward",
                                         "note": "confirmed by phone"})
    assert r.status_code == 200 and "queued for the monitor" in r.text
    with StationLog.open(station["config"].station.database, now=T0) as log:
        taken = log.take_operator_requests(T0)
    assert [(d.alert_id, d.user, d.verdict, d.note) for d in taken] == \
        [(3, "alice", "forward", "confirmed by phone")]


def test_drop_is_queued_and_a_verdict_on_an_alert_not_held_is_refused(
        station: dict, logged_in: TestClient) -> None:
    token = _csrf(logged_in.get("/queue").text)
    assert logged_in.post("/queue/3", data={"csrf_token": token, "verdict": "reject"}
                          ).status_code == 200
    assert logged_in.post("/queue/1", data={"csrf_token": token, "verdict": "forward"}
                          ).status_code == 409
    assert logged_in.post("/queue/3", data={"csrf_token": token, "verdict": "airit"}
                          ).status_code == 400
    assert logged_in.post("/queue/3", data={"csrf_token": token, "verdict": "reject",
                                            "note": "x" * 2000}).status_code == 400
    with StationLog.open(station["config"].station.database, now=T0) as log:
        taken = log.take_operator_requests(T0)
    assert [(d.alert_id, d.user, d.verdict) for d in taken] == [(3, "alice", "reject")]


def test_missed_test_reason_is_stored_with_the_user(station: dict,
                                                    logged_in: TestClient) -> None:
    page = logged_in.get("/tests", params={"week": "2026-W49"}).text
    assert "no reason recorded" in page
    r = logged_in.post("/tests/reason", data={
        "csrf_token": _csrf(page), "week": "2026-W49", "source": "LP2", "kind": "RWT",
        "reason": "receiver off the air for repair"})
    assert r.status_code == 200 and "recorded by alice" in r.text
    with StationLog.open(station["config"].station.database, writer=False) as log:
        assert log.missed_reasons("2026-W49") == {
            ("LP2", "RWT"): ("receiver off the air for repair", "alice")}
    csv = logged_in.get("/tests.csv", params={"week": "2026-W49"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "missed,LP2,RWT,,missed,,receiver off the air for repair,alice" in csv.text


@pytest.mark.parametrize("data, message", [
    ({"source": "LP9", "reason": "r"}, "not a source"),
    ({"source": "LP1", "reason": "  "}, "must not be empty"),
    ({"source": "LP1", "reason": "r", "week": "2026-W99"}, "ISO week"),
    ({"source": "LP1", "reason": "r", "kind": "XYZ"}, "RWT or RMT"),
])
def test_bad_missed_reason_is_refused_with_a_message(logged_in: TestClient, data: dict,
                                                     message: str) -> None:
    form = {"csrf_token": _csrf(logged_in.get("/tests").text), "week": "2026-W49", **data}
    r = logged_in.post("/tests/reason", data=form)
    assert r.status_code == 400 and message in r.text


def test_bad_week_is_an_error_not_a_500(logged_in: TestClient) -> None:
    r = logged_in.get("/tests", params={"week": "<b>week</b>"})
    assert r.status_code == 400 and 'id="week-error"' in r.text and "<b>week" not in r.text
    assert logged_in.get("/tests.csv", params={"week": "x"}).status_code == 400


def test_sources_show_health_and_last_alert(logged_in: TestClient) -> None:
    page = logged_in.get("/sources").text
    assert "LP1" in page and "LP2" in page and "no report yet" in page
    assert 'href="/alerts/3"' in page and 'href="/alerts/5"' in page


def test_oversized_body_and_field_are_refused(logged_in: TestClient) -> None:
    token = _csrf(logged_in.get("/tests").text)
    big = logged_in.post("/tests/reason", content=b"x" * (21 * 1024 * 1024),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    field = logged_in.post("/tests/reason", data={"csrf_token": token, "source": "LP1",
                                                  "week": "2026-W49", "reason": "x" * 20000})
    assert field.status_code == 400


def test_log_reads_only_what_a_page_shows(station: dict) -> None:
    with StationLog.open(station["config"].station.database, writer=False) as log:
        assert [r.alert_id for r in log.alerts(newest=2)] == [5, 4]
        assert [r.alert_id for r in log.alerts(source="LP2")] == [3]
        assert [r.alert_id for r in log.alerts(event="TOR", newest=10)] == [5, 3, 1]
        (row,) = log.alerts(alert_id=1)
        assert row.relay_status == "done" and row.relay_file.endswith("relay.wav")
        assert log.alerts(alert_id=99) == [] and log.alerts(newest=0) == []


def test_alerts_page_says_when_older_rows_are_left_out(logged_in: TestClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("eas_encoder.console.app.MAX_ROWS", 2)
    page = logged_in.get("/alerts").text
    assert re.findall(r'<tr id="alert-(\d+)"', page) == ["5", "4"]
    assert 'id="more"' in page


def test_without_matplotlib_the_page_says_so(logged_in: TestClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    page = logged_in.get("/alerts/1").text
    assert 'id="no-timeline"' in page and "needs matplotlib" in page
    assert 'id="timeline"' not in page
