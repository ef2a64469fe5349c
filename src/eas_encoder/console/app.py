"""The operator console: a Starlette app over the station's configuration and log.

Server-rendered pages (Jinja2, autoescaped) and no JavaScript. The console never acts on the
station itself: a verdict on a held alert goes into the log's operator queue
(:meth:`~eas_encoder.station.log.StationLog.request_operator`), an origination into its
origination queue, and the monitor (the log's one writer) takes them. What the console writes
for itself (users, sessions, failed logins) lives in its own SQLite file
(:class:`~.auth.UserStore`).

Access: every route but ``/login`` and ``/static`` needs a session (a 303 to ``/login``
otherwise); every POST carries the session's ``csrf_token`` (403 without it; the login form
uses a per-browser token cookie instead). Request bodies are capped (:data:`MAX_BODY`), form
fields too (:data:`MAX_FIELD`). Time comes from the injected ``clock``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import EasError
from ..station.actions import Decision
from ..station.config import Config
from ..station.log import AlertRow, StationLog, csv_cell, week_bounds, writer_running
from ..station.report import OWN_SOURCE, weekly_report
from .auth import LoginRefused, Session, UserStore

__all__ = ["create_app", "MAX_BODY", "MAX_FIELD", "SESSION_COOKIE", "Clock"]

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime."""
MAX_BODY = 20 * 1024 * 1024 + 64 * 1024
"""Largest request body, bytes: a 20 MiB upload and the form fields around it."""
MAX_FIELD = 8 * 1024
"""Largest form field other than a file, bytes."""
MAX_NOTE = 1000
"""Longest note or missed-test reason, characters."""
SESSION_COOKIE = "eas_session"
LOGIN_COOKIE = "eas_login_csrf"
MAX_ROWS = 500
"""Rows shown on /alerts at most (newest first)."""
_HERE = Path(__file__).parent
_AUDIO_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg",
                ".mp3": "audio/mpeg"}


class _BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413, before the app
    reads more than that (Content-Length checked first, then the bytes as they arrive).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(send)
                return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLarge:
            if not started:
                await _too_large(send)


SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'none'; object-src 'none'; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
"""Sent with every response: only the console's own assets, no script at all, no framing."""


class _SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response, and
    ``Cache-Control: no-store`` to every one that names no caching itself except the static
    assets: the log, its CSV and the alerts' audio stay out of the browser's disk cache.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = str(scope.get("path", "")).startswith("/static/")

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *SECURITY_HEADERS]
                if not static and all(k.lower() != b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = f"request body over {MAX_BODY // (1024 * 1024)} MiB".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


PREVIEW_LIFETIME = timedelta(minutes=30)
"""How long a preview's Send button stays good."""
MAX_PREVIEWS = 1000
"""Previews remembered at most (the oldest is forgotten first)."""


def _values_digest(values: dict[str, Any]) -> str:
    # Line ends as the browser sends them back from a hidden field may differ (CRLF vs LF).
    same = {k: v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
            for k, v in values.items()}
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()


class Console:
    """What the routes share: configuration, clock, log path, users, templates."""

    def __init__(self, config: Config, clock: Clock, log_path: Path, users: UserStore) -> None:
        self.config = config
        self.clock = clock
        self.log_path = log_path
        self.users = users
        self.zone = ZoneInfo(config.tests.timezone)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"),
                                 autoescape=True)
        env.filters["when"] = self.when
        self.templates = Jinja2Templates(env=env)
        self._timelines: dict[tuple[str, float], bytes] = {}
        self._counties: list[tuple[str, str]] | None = None
        # Previews shown and not sent yet: nonce -> (user, digest of the values, expires).
        self._previews: dict[str, tuple[str, str, datetime]] = {}

    def remember_preview(self, user: str, values: dict[str, Any]) -> str:
        """A one-time nonce for the confirmation form of a preview of ``values`` by ``user``."""
        now = self.clock()
        for nonce in [n for n, (_, _, until) in self._previews.items() if until <= now]:
            del self._previews[nonce]
        while len(self._previews) >= MAX_PREVIEWS:
            del self._previews[next(iter(self._previews))]
        nonce = secrets.token_urlsafe(24)
        self._previews[nonce] = (user, _values_digest(values), now + PREVIEW_LIFETIME)
        return nonce

    def take_preview(self, nonce: str, user: str, values: dict[str, Any]) -> bool:
        """Whether ``nonce`` is a preview ``user`` was shown of exactly ``values``, not sent
        yet and not expired; it is used up either way (one Send per preview).
        """
        found = self._previews.pop(nonce, None)
        return found is not None and found[0] == user and found[2] > self.clock() \
            and secrets.compare_digest(found[1], _values_digest(values))

    def counties(self) -> list[tuple[str, str]]:
        """The county picker's ``(PSSCCC, name)`` list (computed once: the tables are
        fixed while the app runs).
        """
        if self._counties is None:
            from ..station.originate import county_choices  # noqa: PLC0415

            self._counties = county_choices(self.config)
        return self._counties

    def when(self, value: datetime | None) -> str:
        """A time in the station's zone with the zone printed (``""`` for none)."""
        if value is None:
            return ""
        return f"{value.astimezone(self.zone):%Y-%m-%d %H:%M:%S} {self.config.tests.timezone}"

    def log(self) -> StationLog:
        """Open the station log for reading (one connection per request: requests run on a
        thread pool and SQLite connections stay on their thread).
        """
        return StationLog.open(self.log_path, writer=False)

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        """Render template ``name`` with the session's user and CSRF token."""
        session: Session | None = getattr(request.state, "session", None)
        context.setdefault("error", None)
        # Verdicts and originations are queued for the monitor: say so when none is running,
        # or an operator waits for a relay that never comes.
        monitor_down = session is not None and writer_running(self.log_path) is False
        return self.templates.TemplateResponse(
            request, name, {"session": session, "station": self.config.station.id.strip(),
                            "csrf": session.csrf if session else "",
                            "monitor_down": monitor_down, **context},
            status_code=status, headers={"Cache-Control": "no-store"})

    def sources(self) -> list[str]:
        """Names an alert's ``source`` may carry: configured sources and the station."""
        return [s.name for s in self.config.sources] + [OWN_SOURCE]


Handler = Callable[[Console, Request], Awaitable[Response]]


def _guard(console: Console, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler``: a 303 to /login without a live session; on POST the form is read
    (bounded) and its ``csrf_token`` compared with the session's (403 otherwise).
    """
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        session = await run_in_threadpool(console.users.session, token, console.clock())
        if session is None:
            return RedirectResponse("/login", status_code=303)
        request.state.session = session
        if request.method == "POST":
            form = await _form(request)
            if not secrets.compare_digest(str(form.get("csrf_token", "")).encode(),
                                          session.csrf.encode()):
                return PlainTextResponse("missing or wrong csrf_token", status_code=403)
            request.state.form = form
        return await handler(console, request)
    return endpoint


async def _form(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=50, max_part_size=MAX_FIELD)


def _text(form: FormData, name: str, limit: int = MAX_NOTE) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise HTTPException(400, f"{name} must be text")
    if len(value) > limit:
        raise HTTPException(400, f"{name} is over {limit} characters")
    return value.strip()


# -- login ----------------------------------------------------------------------------------
async def login_page(console: Console, request: Request, *, error: str | None = None,
                     status: int = 200, username: str = "") -> Response:
    """GET /login: the form (a fresh per-browser CSRF cookie for it)."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = console.templates.TemplateResponse(
        request, "login.html", {"session": None, "csrf": token, "error": error,
                                "username": username, "station": console.config.station.id.strip()},
        status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


async def login_post(console: Console, request: Request) -> Response:
    """POST /login: check the CSRF cookie, the rate limit and the password."""
    form = await _form(request)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    sent = str(form.get("csrf_token", ""))
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return PlainTextResponse("missing or wrong csrf_token", status_code=403)
    name = _text(form, "username", 64)
    password = form.get("password", "")
    if not isinstance(password, str):
        return PlainTextResponse("password must be text", status_code=400)
    client = request.client.host if request.client else "unknown"
    try:
        session = await run_in_threadpool(console.users.login, name, password, client,
                                          console.clock())
    except LoginRefused as exc:
        return await login_page(console, request, error=exc.rule,
                                status=429 if exc.limited else 401, username=name)
    response = RedirectResponse("/alerts", status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict",
                        path="/", secure=request.url.scheme == "https",
                        max_age=int(console.users.session_length.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


async def logout(console: Console, request: Request) -> Response:
    """POST /logout: end the session."""
    await run_in_threadpool(console.users.logout, request.state.session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def home(console: Console, request: Request) -> Response:
    """GET /: the alerts page."""
    return RedirectResponse("/alerts", status_code=303)


# -- alerts ---------------------------------------------------------------------------------
def _filters(console: Console, query: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The /alerts query's filters, and an error per field for values that break a rule."""
    values = {k: str(query.get(k, "")).strip()[:64] for k in
              ("source", "event", "decision", "from", "to")}
    errors = {}
    if values["source"] and values["source"] not in console.sources() \
            and not values["source"].startswith("operator:"):
        errors["source"] = "not a source of this station"
    if values["event"] and not re.fullmatch(r"[A-Z]{3}", values["event"]):
        errors["event"] = "an event code is three capital letters, e.g. RWT"
    if values["decision"] and values["decision"] not in {d.value for d in Decision}:
        errors["decision"] = "not a decision the station makes"
    for key in ("from", "to"):
        if values[key]:
            try:
                date.fromisoformat(values[key])
            except ValueError:
                errors[key] = "a date is YYYY-MM-DD"
    if not errors.keys() & {"from", "to"} and values["from"] and values["to"] \
            and values["from"] > values["to"]:
        errors["to"] = "is before the first date"
    return values, errors


async def alerts(console: Console, request: Request) -> Response:
    """GET /alerts: the log, newest first, filtered by source, event, decision and dates."""
    values, errors = _filters(console, request.query_params)

    def rows() -> list[AlertRow]:
        if errors:
            return []
        since = until = None
        if values["from"]:
            since = datetime.combine(date.fromisoformat(values["from"]), time(),
                                     console.zone)
        if values["to"]:
            until = datetime.combine(date.fromisoformat(values["to"]), time(),
                                     console.zone) + timedelta(days=1)
        with console.log() as log:
            return log.alerts(since, until, decision=values["decision"] or None,
                              source=values["source"] or None,
                              event=values["event"] or None, newest=MAX_ROWS + 1)

    try:
        found = await run_in_threadpool(rows)
    except EasError as exc:
        return console.page(request, "alerts.html", status=503, rows=[], values=values,
                            errors=errors, decisions=[d.value for d in Decision],
                            sources=console.sources(), error=str(exc), more=0)
    return console.page(request, "alerts.html", status=400 if errors else 200,
                        rows=found[:MAX_ROWS], more=len(found) > MAX_ROWS,
                        values=values, errors=errors, decisions=[d.value for d in Decision],
                        sources=console.sources())


def _inside(path: str | None, roots: list[Path]) -> Path | None:
    """``path`` resolved (symlinks followed) if it is a regular file under one of ``roots``."""
    if not path:
        return None
    try:
        real = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    for root in roots:
        try:
            if real.is_relative_to(root.resolve()) and real.is_file():
                return real
        except OSError:
            continue
    return None


def _recordings(console: Console) -> Path:
    st = console.config.station
    return Path(st.recordings or st.database.parent / "recordings")


def _audio_paths(console: Console, plans: list[dict[str, Any]]) -> dict[str, Path | None]:
    """The received (recorded message audio) and relayed (spool file) audio of an alert,
    each only if it lies inside the station's recordings or spool directory.
    """
    received = next((p["plan"].get("audio") for p in reversed(plans)
                     if p["plan"].get("audio")), None)
    relayed = next((p["file"] for p in reversed(plans) if p["file"]), None)
    return {"received": _inside(received, [_recordings(console)]),
            "relayed": _inside(relayed, [console.config.station.spool])}


def _describe(row: AlertRow) -> str | None:
    if not row.header:
        return None
    from ..same.describe import describe_header  # noqa: PLC0415
    from ..same.header import Header  # noqa: PLC0415

    try:
        return describe_header(Header.parse(row.header, lenient=True), row.received)
    except EasError as exc:
        return f"The header cannot be described: {exc}"


def _cap_summary(document: str | None) -> list[dict[str, str]]:
    """Headline, description and instruction of each CAP info block (text, escaped by the
    template); nothing when the document is absent or does not parse.
    """
    if not document:
        return []
    from ..cap import parse  # noqa: PLC0415

    try:
        alert = parse(document.encode("utf-8"))
    except (EasError, ValueError):
        return []
    return [{"language": i.language or "", "event": i.event or "",
             "headline": i.headline or "", "description": i.description or "",
             "instruction": i.instruction or ""} for i in alert.infos]


async def alert_page(console: Console, request: Request) -> Response:
    """GET /alerts/{id}: description, decision, audio, timeline, CAP document, actions."""
    alert_id = request.path_params["alert_id"]

    def load() -> dict[str, Any] | None:
        with console.log() as log:
            found = log.alerts(alert_id=alert_id)
            if not found:
                return None
            plans = log.relay_plans(alert_id)
            return {"row": found[0], "document": log.document(alert_id), "plans": plans,
                    "actions": log.operator_actions(alert_id),
                    "outputs": log.outputs(alert_id)}

    data = await run_in_threadpool(load)
    if data is None:
        return console.page(request, "error.html", status=404,
                            error=f"no alert {alert_id} in the log")
    audio = _audio_paths(console, data["plans"])
    import importlib.util  # noqa: PLC0415

    return console.page(request, "alert.html", **data, audio=audio,
                        description=_describe(data["row"]),
                        cap=_cap_summary(data["document"]),
                        plotting=importlib.util.find_spec("matplotlib") is not None)


async def alert_audio(console: Console, request: Request) -> Response:
    """GET /alerts/{id}/audio/{which}: the received or relayed audio, from the recordings or
    spool directory only (anything else the log may name is a 404).
    """
    alert_id, which = request.path_params["alert_id"], request.path_params["which"]
    if which not in ("received", "relayed"):
        return PlainTextResponse("no such audio", status_code=404)

    def find() -> Path | None:
        with console.log() as log:
            return _audio_paths(console, log.relay_plans(alert_id))[which]

    path = await run_in_threadpool(find)
    if path is None:
        return PlainTextResponse("no such audio", status_code=404)
    return FileResponse(path, media_type=_AUDIO_TYPES.get(path.suffix.lower(),
                                                          "application/octet-stream"))


async def alert_timeline(console: Console, request: Request) -> Response:
    """GET /alerts/{id}/timeline.png[?audio=relayed]: the checker's timeline picture of the
    received (default) or relayed audio (:func:`~eas_encoder.conformance.plot.plot_timeline`),
    cached per file and mtime.
    """
    alert_id = request.path_params["alert_id"]
    which = request.query_params.get("audio", "received")
    if which not in ("received", "relayed"):
        return PlainTextResponse("audio must be received or relayed", status_code=400)

    def draw() -> bytes | None:
        with console.log() as log:
            path = _audio_paths(console, log.relay_plans(alert_id))[which]
        if path is None:
            return None
        key = (str(path), path.stat().st_mtime)
        if key not in console._timelines:
            from ..conformance.checker import check_file  # noqa: PLC0415
            from ..conformance.plot import plot_timeline  # noqa: PLC0415

            report, checker = check_file(path, overview=True)
            assert checker.overview is not None      # asked for with overview=True
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "timeline.png"
                # The received recording is the message after the header bursts: the
                # checker's structure verdict on it would read FAIL on a good alert.
                plot_timeline(report, checker.overview, out, verdicts=which == "relayed")
                if len(console._timelines) >= 16:
                    console._timelines.pop(next(iter(console._timelines)))
                console._timelines[key] = out.read_bytes()
        return console._timelines[key]

    try:
        png = await run_in_threadpool(draw)
    except EasError as exc:
        return PlainTextResponse(f"no timeline: {exc}", status_code=404)
    if png is None:
        return PlainTextResponse(f"no {which} audio kept for this alert", status_code=404)
    return Response(png, media_type="image/png")


# -- queue ----------------------------------------------------------------------------------
async def queue(console: Console, request: Request, *, notice: str | None = None,
                error: str | None = None, status: int = 200) -> Response:
    """GET /queue: alerts held for an operator, with the time left."""
    now = console.clock()

    def load() -> tuple[list[AlertRow], list[Any]]:
        with console.log() as log:
            return log.alerts(decision="hold"), log.operator_actions()[-20:]

    held, recent = await run_in_threadpool(load)
    left = {r.alert_id: _left(r.hold_until, now) for r in held}
    return console.page(request, "queue.html", status=status, rows=held, left=left,
                        notice=notice, error=error, recent=list(reversed(recent)))


def _left(until: datetime | None, now: datetime) -> str:
    if until is None:
        return "until an operator decides"
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return "time is up (the monitor applies the timeout)"
    return f"{seconds // 60} min {seconds % 60:02d} s"


async def queue_post(console: Console, request: Request) -> Response:
    """POST /queue/{id}: Forward or Drop a held alert, with a note (queued for the monitor
    through :meth:`~eas_encoder.station.log.StationLog.request_operator`).
    """
    alert_id = request.path_params["alert_id"]
    form = request.state.form
    verdict = _text(form, "verdict", 16)
    note = _text(form, "note")
    user = request.state.session.user
    if verdict not in ("forward", "reject"):
        return await queue(console, request, error="choose Forward or Drop", status=400)

    def send() -> bool:
        with console.log() as log:
            if alert_id not in {r.alert_id for r in log.alerts(decision="hold")}:
                return False
            log.request_operator(alert_id, user, verdict, note, at=console.clock())
            return True

    if not await run_in_threadpool(send):
        return await queue(console, request, status=409,
                           error=f"alert {alert_id} is no longer held for an operator")
    word = "forward" if verdict == "forward" else "drop"
    return await queue(console, request, notice=f"alert {alert_id}: {word} queued for the "
                       f"monitor by {user}; it acts on it within a second or two")


# -- sources --------------------------------------------------------------------------------
async def sources(console: Console, request: Request) -> Response:
    """GET /sources: each source's latest health and level, and the last alert heard."""
    def load() -> list[dict[str, Any]]:
        with console.log() as log:
            out = []
            for s in console.config.sources:
                health = log.source_health(s.name, limit=1)
                last = log.alerts(source=s.name, newest=1)
                out.append({"config": s, "health": health[0] if health else None,
                            "last": last[0] if last else None})
            return out

    return console.page(request, "sources.html", rows=await run_in_threadpool(load))


# -- tests ----------------------------------------------------------------------------------
def _week(console: Console, query: Any) -> tuple[str, str | None]:
    week = str(query.get("week", "")).strip()[:16]
    if not week:
        return "{}-W{:02d}".format(*console.clock().astimezone(console.zone).isocalendar()[:2]), \
            None
    try:
        week_bounds(week)
    except EasError:
        return week, "a week is written like 2026-W49"
    return week, None


async def tests(console: Console, request: Request, *, notice: str | None = None,
                error: str | None = None, status: int = 200,
                week: str | None = None) -> Response:
    """GET /tests?week=: the weekly 47 CFR 11.35 report and the missed-test reason form."""
    bad = None
    if week is None:
        week, bad = _week(console, request.query_params)
    if bad:
        return console.page(request, "tests.html", status=400, week=week, report=None,
                            week_error=bad, notice=None, error=error,
                            sources=console.sources())

    def load() -> Any:
        with console.log() as log:
            return weekly_report(log, console.config, week, console.clock())

    report = await run_in_threadpool(load)
    return console.page(request, "tests.html", status=status, week=week, report=report,
                        week_error=None, notice=notice, error=error,
                        sources=console.sources())


async def tests_reason(console: Console, request: Request) -> Response:
    """POST /tests/reason: record why a required test was missed (47 CFR 11.35(a)), with the
    user's name, through :meth:`~eas_encoder.station.log.StationLog.record_missed_reason`.
    """
    form = request.state.form
    week, source = _text(form, "week", 16), _text(form, "source", 64)
    kind, reason = _text(form, "kind", 8) or "RWT", _text(form, "reason")
    user = request.state.session.user
    if source not in console.sources():
        return await tests(console, request, week=week, status=400,
                           error=f"source: {source!r} is not a source of this station")
    if kind not in ("RWT", "RMT"):
        return await tests(console, request, week=week, status=400,
                           error="kind: must be RWT or RMT")

    def record() -> None:
        with console.log() as log:
            log.record_missed_reason(week, source, reason, user, kind=kind, at=console.clock())

    try:
        await run_in_threadpool(record)
    except EasError as exc:
        good, bad = _week(console, {"week": week})
        return await tests(console, request, week=None if bad else good, status=400,
                           error=str(exc))
    return await tests(console, request, week=week,
                       notice=f"reason for {source} {kind} in {week} recorded by {user}")


class _SafeWriter:
    """A csv writer whose text cells cannot start a spreadsheet formula (station.log.csv_cell:
    the reasons and notes come from operators and CAP documents).
    """

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


async def tests_csv(console: Console, request: Request) -> Response:
    """GET /tests.csv?week=: the weekly report as CSV (one row per test received, sent or
    missed).
    """
    week, bad = _week(console, request.query_params)
    if bad:
        return PlainTextResponse(f"week: {bad}", status_code=400)

    def load() -> str:
        with console.log() as log:
            report = weekly_report(log, console.config, week, console.clock())
        out = io.StringIO()
        w = _SafeWriter(csv.writer(out, lineterminator="\n"))
        w.writerow(("week", "part", "source", "kind", "at", "status", "alert_id", "reason",
                    "user"))
        for source, rows in report.received.items():
            for r in rows:
                w.writerow((week, "received", source, r.kind, r.at.isoformat(), r.status,
                            r.alert_id or "", r.reason, ""))
        for r in report.sent:
            w.writerow((week, "sent", r.source, r.kind, r.at.isoformat(), r.status,
                        r.alert_id or "", r.reason, ""))
        for m in report.missed:
            w.writerow((week, "missed", m.source, m.kind, "", "missed", m.alert_id or "",
                        m.reason, m.user))
        return out.getvalue()

    return Response(await run_in_threadpool(load), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="tests-{week}.csv"'})


async def log_csv(console: Console, request: Request) -> Response:
    """GET /log.csv: every alert in the log as CSV (the ``eas-encoder log --csv`` columns)."""
    def load() -> str:
        out = io.StringIO()
        with console.log() as log:
            log.write_csv(out)
        return out.getvalue()

    return Response(await run_in_threadpool(load), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="station-log.csv"'})


# -- originate ------------------------------------------------------------------------------
UPLOAD_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
"""Message audio file types accepted for upload (what libsndfile reads)."""
MAX_UPLOAD = 20 * 1024 * 1024
"""Largest message audio upload, bytes."""
_UPLOAD_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _choices(console: Console) -> dict[str, Any]:
    """What the origination form offers: counties by name, event codes, originators."""
    from ..same.codes import event_codes, originators  # noqa: PLC0415
    from ..station.originate import NATIONAL_ONLY_EVENTS  # noqa: PLC0415

    return {"counties": console.counties(),
            # Only what validate_origination can accept: an option that is always refused
            # (national codes, legacy EAN originator or event codes) only misleads.
            "events": sorted(((c, e.name) for c, e in event_codes().items()
                              if c not in NATIONAL_ONLY_EVENTS and e.part11 != "legacy"),
                             key=lambda x: x[1]),
            "originators": [(c, o.name) for c, o in originators().items()
                            if c != "PEP" and o.status != "legacy"]}


def _upload_path(console: Console, token: str) -> Path | None:
    """The saved upload of ``token`` in the recordings directory (tokens are made here; a
    value that is not one names no file).
    """
    if not _UPLOAD_TOKEN.fullmatch(token):
        return None
    for suffix in UPLOAD_SUFFIXES:
        path = _recordings(console) / f"upload-{token}{suffix}"
        if path.is_file():
            return path
    return None


UPLOAD_KEEP = timedelta(hours=2)
"""How long an upload no origination names is kept (a preview never sent, a form left)."""


def _sweep_uploads(console: Console) -> int:
    """Delete saved uploads older than :data:`UPLOAD_KEEP` (by the clock) that no queued
    origination names: each preview with a file leaves one on disk until it is sent.
    Returns how many were deleted.
    """
    cutoff = (console.clock() - UPLOAD_KEEP).timestamp()
    old = [p for p in _recordings(console).glob("upload-*")
           if p.is_file() and p.stat().st_mtime < cutoff]
    if not old:
        return 0
    with console.log() as log:
        named = {Path(r.audio_path).name for r in log.origination_requests(limit=1 << 30)
                 if r.audio_path}
    gone = 0
    for path in old:
        if path.name not in named:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


async def _save_upload(console: Console, upload: Any) -> tuple[str, str | None]:
    """Save an uploaded file as ``recordings/upload-<token><suffix>``, at most
    :data:`MAX_UPLOAD` bytes; returns ``(token, error)``.
    """
    name = str(getattr(upload, "filename", "") or "")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return "", "is not an audio file this station reads (WAV, FLAC, Ogg, MP3, AIFF)"
    token = secrets.token_urlsafe(24)
    folder = _recordings(console)
    path = folder / f"upload-{token}{suffix}"

    def write() -> str | None:
        folder.mkdir(parents=True, exist_ok=True)
        size = 0
        with open(path, "xb") as out:
            upload.file.seek(0)
            while chunk := upload.file.read(1 << 16):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    break
                out.write(chunk)
        if size > MAX_UPLOAD:
            path.unlink()
            return f"is over {MAX_UPLOAD // (1024 * 1024)} MiB"
        if size == 0:
            path.unlink()
            return "is empty"
        return None

    error = await run_in_threadpool(write)
    return ("" if error else token), error


def _origination_values(form: FormData) -> dict[str, Any]:
    """The origination form's fields as posted (bounded), with the locations as a list."""
    locations = [str(v).strip()[:6] for v in form.getlist("locations")][:64]
    return {"event": _text(form, "event", 8), "originator": _text(form, "originator", 8),
            "locations": locations, "duration": _text(form, "duration", 8),
            "message_text": _text(form, "message_text", 4000),
            "language": _text(form, "language", 16), "upload": _text(form, "upload", 64)}


async def originate(console: Console, request: Request, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """GET /originate: the form (event, originator, counties by name, valid period, message
    text or audio upload) and the originations queued so far with what became of them.
    """
    from ..station.originate import DEFAULT_DURATION, DEFAULT_ORIGINATOR  # noqa: PLC0415

    def load() -> list[Any]:
        with console.log() as log:
            return log.origination_requests(limit=20)

    queued = request.query_params.get("queued", "")
    notice = f"origination {queued} queued for the monitor; its status is below" \
        if queued.isdigit() else None
    return console.page(request, "originate.html", status=status, **_choices(console),
                        values=values or {"event": "RWT", "originator": DEFAULT_ORIGINATOR,
                                          "locations": [], "duration": DEFAULT_DURATION,
                                          "message_text": "", "language": "", "upload": ""},
                        errors=errors or {}, requests=await run_in_threadpool(load),
                        notice=notice)


async def _validate(console: Console, request: Request, values: dict[str, Any]) -> Any:
    """``validate_origination`` of the posted values at the clock's now (raises FormError)."""
    from ..station.originate import (  # noqa: PLC0415
        FormError,
        OriginationForm,
        validate_origination,
    )

    audio = _upload_path(console, values["upload"]) if values["upload"] else None
    form = OriginationForm(event=values["event"], locations=tuple(values["locations"]),
                           originator=values["originator"], duration=values["duration"],
                           message_text=values["message_text"], audio_path=audio,
                           language=values["language"], user=request.state.session.user)
    lost = {"audio": "the uploaded file is gone; upload it again"} \
        if values["upload"] and audio is None else {}
    # Only the counties the picker offers (the states the station serves): a hand-made form
    # could name any county, and other stations' filters would relay it there.
    offered = {code for code, _ in console.counties()}
    far = [c for c in values["locations"] if c not in offered]
    if far:
        lost["locations"] = (f"{', '.join(far[:5])}: not in the states this station serves "
                             "(pick from the list)")
    try:
        origination = await run_in_threadpool(validate_origination, form, console.config,
                                              console.clock())
    except FormError as exc:
        raise FormError({**lost, **exc.errors}) from None
    if lost:
        raise FormError(lost)
    return origination


async def originate_preview(console: Console, request: Request) -> Response:
    """POST /originate: check every field with the library's rules; show each fault beside
    its field, or the preview (header, description, crawl, WEA text) with a confirmation
    form. Nothing is queued here; an upload refused is deleted.
    """
    from ..station.originate import FormError  # noqa: PLC0415

    form = request.state.form
    values = _origination_values(form)
    upload = form.get("audio")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        await run_in_threadpool(_sweep_uploads, console)
        token, error = await _save_upload(console, upload)
        if error:
            return await originate(console, request, values=values, status=400,
                                   errors={"audio": error})
        values["upload"] = token
    try:
        origination = await _validate(console, request, values)
    except FormError as exc:
        if "audio" in exc.errors and values["upload"]:
            path = _upload_path(console, values["upload"])
            if path is not None:
                path.unlink(missing_ok=True)
            values["upload"] = ""
        return await originate(console, request, values=values, errors=exc.errors,
                               status=400)
    return console.page(request, "originate_preview.html", o=origination, values=values,
                        confirm=console.remember_preview(request.state.session.user, values))


async def originate_confirm(console: Console, request: Request) -> Response:
    """POST /originate/confirm: validate the confirmed values again (the issue time is now)
    and queue the origination for the monitor
    (:meth:`~eas_encoder.station.log.StationLog.request_origination`), with the user's name.

    Only once per preview, and only the values that preview showed this user: a second Send
    (a double click, the browser resending the form) or values changed after the preview
    queue nothing (409).
    """
    from ..station.originate import FormError  # noqa: PLC0415

    values = _origination_values(request.state.form)
    try:
        origination = await _validate(console, request, values)
    except FormError as exc:
        return await originate(console, request, values=values, errors=exc.errors,
                               status=400)
    user = request.state.session.user
    if not console.take_preview(_text(request.state.form, "confirm", 64), user, values):
        return await originate(console, request, values=values, status=409, errors={
            "form": "this preview was sent already, has expired or was changed; nothing "
                    "more was queued (the originations are listed below). Preview again to "
                    "send another."})

    def queue_it() -> int:
        with console.log() as log:
            return int(log.request_origination(origination, user, at=console.clock()))

    request_id = await run_in_threadpool(queue_it)
    return RedirectResponse(f"/originate?queued={request_id}", status_code=303)


# -- the app --------------------------------------------------------------------------------
PAGES: list[tuple[str, Handler, tuple[str, ...]]] = [
    ("/", home, ("GET",)),
    ("/logout", logout, ("POST",)),
    ("/alerts", alerts, ("GET",)),
    ("/alerts/{alert_id:int}", alert_page, ("GET",)),
    ("/alerts/{alert_id:int}/audio/{which}", alert_audio, ("GET",)),
    ("/alerts/{alert_id:int}/timeline.png", alert_timeline, ("GET",)),
    ("/queue", queue, ("GET",)),
    ("/queue/{alert_id:int}", queue_post, ("POST",)),
    ("/originate", originate, ("GET",)),
    ("/originate", originate_preview, ("POST",)),
    ("/originate/confirm", originate_confirm, ("POST",)),
    ("/sources", sources, ("GET",)),
    ("/tests", tests, ("GET",)),
    ("/tests/reason", tests_reason, ("POST",)),
    ("/tests.csv", tests_csv, ("GET",)),
    ("/log.csv", log_csv, ("GET",)),
]
"""Every route behind the login: (path, handler, methods)."""


def create_app(config: Config, *, clock: Clock, log_path: str | Path | None = None,
               users_path: str | Path | None = None,
               session_minutes: int | None = None,
               password_hasher: Any = None) -> Starlette:
    """Build the console app (an ASGI application) for a station.

    Args:
        config: the station configuration (``[console]`` gives the defaults below).
        clock: returns the current time as an aware datetime (sessions, rate limit, hold
            time left, the week shown); only the CLI passes the wall clock.
        log_path: the station log (default ``config.station.database``), opened read-only
            per request; queues and missed-test reasons are short transactions beside the
            monitor's.
        users_path: the console's users file (default ``config.console.users``, else
            ``users.db`` beside the station database).
        session_minutes: how long a login lasts (default ``config.console.session_minutes``).
        password_hasher: an ``argon2.PasswordHasher`` (default: argon2-cffi's profile;
            tests pass a cheaper one).

    Returns:
        A Starlette application; serve it with uvicorn or test it with ``TestClient``.
    """
    cc = config.console
    users = UserStore(users_path or cc.users or config.station.database.parent / "users.db",
                      session_minutes=session_minutes or cc.session_minutes,
                      hasher=password_hasher)
    console = Console(config, clock, Path(log_path or config.station.database), users)

    async def get_login(request: Request) -> Response:
        return await login_page(console, request)

    async def post_login(request: Request) -> Response:
        return await login_post(console, request)

    async def not_found(request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 500)
        token = request.cookies.get(SESSION_COOKIE)
        session = await run_in_threadpool(users.session, token, clock())
        if session is None:
            return RedirectResponse("/login", status_code=303)
        request.state.session = session
        return console.page(request, "error.html", status=code,
                            error=getattr(exc, "detail", "") or "not found")

    routes: list[Any] = [Route("/login", get_login, methods=["GET"]),
                         Route("/login", post_login, methods=["POST"]),
                         Mount("/static", StaticFiles(directory=_HERE / "static"),
                               name="static")]
    routes += [Route(path, _guard(console, handler), methods=list(methods))
               for path, handler, methods in PAGES]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.state.console = console
    app.add_middleware(_BodyLimit, limit=MAX_BODY)
    app.add_middleware(_SecurityHeaders)
    return app
