"""The station's decision core: events and a time in, actions out; no I/O, no clock.

The rules, in the order they are applied to every alert received:

1. **Signature** (CAP only): an unsigned alert, or one whose signature is invalid or not
   from the trust store, is rejected and logged (47 CFR 11.56(c)).
2. **CAP duplicate** (ECIG): the same ``identifier`` + ``sender`` + ``sent`` again.
3. **Translation** (CAP only): ECIG CAP-to-EAS rules (:func:`~eas_encoder.cap.bridge.
   alert_to_same`); an alert that makes no EAS message (Cancel, Test, no SAME codes) is
   logged.
4. **Validity gates** on the header: issued later than now + tolerance (``future``); issue
   time + valid period not after now (``expired``); the year of JJJHHMM is inferred nearest
   ``now`` (so day 365 heard on 1 January is last year's). 2018 R&O; 47 CFR 11.33(a)(10).
5. **Duplicate**: the header codes (ORG, EEE, locations as a set, JJJHHMM, +TTTT; not the
   station id, which every relaying station rewrites) match one of the last ten valid
   headers still in their valid period, from any source (47 CFR 11.33(a)(3)(ii),
   11.33(a)(10)). A CAP alert matching an audio alert not yet relayed is its CAP version:
   it takes the audio alert's place (FCC 22-75 triggered CAP polling).
6. **Filters**, first match in file order: source, event code, originator, location
   (subdivision 0 = whole county, ``SS000`` = whole state, ``000000`` = whole nation). EAN
   and NPT skip the matching and are forwarded (or held when a filter naming them says
   ``manual``; 47 CFR 11.54). No match: ignored (logged as such).
7. **Action** of the filter: ``forward`` (pending until the message audio is complete and
   the triggered CAP window has passed), ``manual`` (held for an operator until the timeout,
   then ``on_timeout``), ``log``, ``ignore``.
8. **Relay plan**: the header with the station's own LLLLLLLL, everything else as received;
   attention signal per configuration (none for header-only relays: RWT, 47 CFR
   11.61(a)(2), and optionally state/local, 11.51); the recorded message audio
   (11.33(a)(3)(i)); three EOMs (11.31(c)).
9. **Required tests** (47 CFR 11.61, logged per 11.35): an RWT heard on each source every
   week; an RMT relayed within 60 minutes of receipt; the station's own weekly RWT at a day
   and time drawn from the seed and the ISO week.
10. **Origination** by an operator (:class:`~.events.Originate`, from the console's queue):
   the same validity gates and duplicate rule (a request that expired while queued, or
   repeats a header already sent, is refused with the reason, never raised), then relayed at
   once through the station's outputs with its own LLLLLLLL, the attention signal unless
   header-only (RWT), and the message audio or TTS of the text; logged as ``sent`` with
   source ``operator:<user>`` and an operator action. It joins the duplicate memory, so the
   station's own alert heard back from a monitored source is not aired twice; a relay that
   failed leaves it (it never aired, so a later identical alert is not its repeat). An RWT
   sent this way is the station's weekly test (47 CFR 11.61(a)(2)).

Each alert moves through the states below; :data:`TRANSITIONS` is the whole table, and
:meth:`Station._move` refuses any move not in it (a bug, not bad input).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..cap.bridge import alert_to_same
from ..cap.model import Alert, MsgType, Resource
from ..errors import EasError
from ..same.codes import event_codes
from ..same.header import Header
from .actions import (
    Action,
    Decision,
    Hold,
    LogAlert,
    OperatorAction,
    OriginationStatus,
    PollCap,
    Relay,
    RelayPlan,
    RelayStatus,
    RunHooks,
    SourceStatus,
    TestStatus,
)
from .config import ANY, Config, FilterConfig
from .events import (
    CapReceived,
    Event,
    HeardAttention,
    HeardEom,
    HeardHeader,
    OperatorDecision,
    Originate,
    OutputResult,
    RelayDone,
    RelayFailed,
    SignatureStatus,
    SourceHealth,
)

__all__ = ["Station", "State", "TRANSITIONS", "CoreState", "RecentHeader", "header_key",
           "locations_overlap", "week_of", "weekly_test_time", "NATIONAL_EVENTS",
           "DUPLICATE_MEMORY", "RMT_DEADLINE", "EOM_GRACE"]


class State(StrEnum):
    """Where an alert stands."""

    PENDING = "pending"      # to be relayed once its audio is complete and the CAP window over
    HELD = "held"            # waiting for an operator
    RELAYING = "relaying"    # handed to the shell
    RELAYED = "relayed"
    FAILED = "failed"        # the shell could not relay it
    LOGGED = "logged"
    IGNORED = "ignored"
    REJECTED = "rejected"    # failed a gate
    REPLACED = "replaced"    # its CAP version is relayed instead


_NEW = None
TRANSITIONS: dict[tuple[State | None, str], State] = {
    (_NEW, "reject"): State.REJECTED,
    (_NEW, "ignore"): State.IGNORED,
    (_NEW, "log"): State.LOGGED,
    (_NEW, "forward"): State.PENDING,
    (_NEW, "manual"): State.HELD,
    (State.HELD, "forward"): State.PENDING,
    (State.HELD, "log"): State.LOGGED,
    (State.HELD, "ignore"): State.IGNORED,
    (State.HELD, "expired"): State.REJECTED,
    (State.HELD, "cap-version"): State.REPLACED,
    (State.PENDING, "ready"): State.RELAYING,
    (State.PENDING, "expired"): State.REJECTED,
    (State.PENDING, "cap-version"): State.REPLACED,
    (State.PENDING, "cancel"): State.IGNORED,
    (State.HELD, "cancel"): State.IGNORED,
    (State.RELAYING, "done"): State.RELAYED,
    (State.RELAYING, "failed"): State.FAILED,
}
"""(state, trigger) -> next state; ``None`` is an alert just received."""

_DECISION = {
    State.PENDING: Decision.PENDING, State.HELD: Decision.HOLD,
    State.RELAYING: Decision.RELAY, State.RELAYED: Decision.RELAY,
    State.FAILED: Decision.RELAY, State.LOGGED: Decision.LOG,
    State.IGNORED: Decision.IGNORE, State.REJECTED: Decision.REJECT,
    State.REPLACED: Decision.IGNORE,
}

NATIONAL_EVENTS = frozenset({"EAN", "NPT"})
"""Pass every filter (47 CFR 11.54; equipment practice: EAN forwarded whatever the
location)."""
DUPLICATE_MEMORY = 10
"""Header codes of the last ten valid messages are kept, 47 CFR 11.33(a)(3)(ii)."""
RMT_DEADLINE = timedelta(minutes=60)
"""An RMT is relayed within 60 minutes of receipt, 47 CFR 11.61(a)(1)(v)."""
EOM_GRACE = timedelta(seconds=60)
"""Past ``record_seconds`` with no EOM, the alert is relayed with what the shell recorded
(nothing): a valid alert is never dropped for a lost EOM."""
RMT_HOLD_MARGIN = timedelta(minutes=10)
"""A held RMT is decided at least this long before its 60-minute deadline, so a relay
forwarded at the hold's timeout still airs in time."""
OWN_TEST_RETRY = timedelta(minutes=15)
CAP_MEMORY = 1000
"""CAP identifiers remembered for the ECIG duplicate rule (bounded: feeds are untrusted)."""
CAP_MEMORY_TIME = timedelta(days=2)
_SIGNATURE_REASON = {
    SignatureStatus.UNSIGNED: "unsigned",
    SignatureStatus.INVALID: "signature-invalid",
    SignatureStatus.UNTRUSTED: "signature-untrusted",
}


@dataclass(frozen=True)
class RecentHeader:
    """An entry of the duplicate memory: header codes and the end of their valid period."""

    key: tuple
    expires: datetime
    alert_id: int


@dataclass(frozen=True)
class CoreState:
    """What the core needs back after a restart (built by ``StationLog.core_state``).

    ``next_id``: first unused alert/relay id; ``recent``: duplicate memory; ``cap_seen``:
    ``(identifier, sender, sent ISO)`` of CAP alerts seen recently; ``week``: ISO week the
    test counts belong to; ``rwt_received``: sources with an RWT that week; ``own_test_sent``.
    """

    next_id: int = 1
    recent: tuple[RecentHeader, ...] = ()
    cap_seen: tuple[tuple[str, str, str], ...] = ()
    week: str | None = None
    rwt_received: frozenset[str] = frozenset()
    own_test_sent: bool = False


@dataclass
class _Alert:
    alert_id: int
    source: str
    kind: str
    received: datetime
    header: Header | None
    header_text: str | None
    state: State | None = None
    reason: str = ""
    filter: str | None = None
    issued: datetime | None = None
    expires: datetime | None = None
    # audio alerts: message audio complete when the EOM came (or the record limit passed)
    eom: bool = False
    recording: str | None = None
    window_end: datetime | None = None
    record_end: datetime | None = None
    header_only: bool = False
    hold_until: datetime | None = None
    on_timeout: str = "log"
    deadline: datetime | None = None
    cap: CapReceived | None = None
    cap_text: str | None = None
    cap_audio: Resource | None = None
    relay_id: int | None = None
    origin: str = "relay"
    language: str | None = None


def header_key(header: Header, issued: datetime) -> tuple:
    """The codes compared for duplicates: ORG, EEE, the set of locations, issue time, valid
    period; the station id is left out since every relaying station rewrites it
    (47 CFR 11.33(a)(3)(ii); ECIG duplicate rule). Locations are compared as a set because
    CAP geocode order is not fixed (a reordered repeat is still a repeat).
    """
    return (header.originator, header.event, tuple(sorted(set(header.locations))),
            issued.replace(second=0, microsecond=0), header.valid_time)


def locations_overlap(a: str, b: str) -> bool:
    """True when PSSCCC codes ``a`` and ``b`` share ground: ``000000`` is the whole nation,
    ``SS000`` a whole state, subdivision ``0`` a whole county (47 CFR 11.31(c)).
    """
    if a == "000000" or b == "000000":
        return True
    if a[1:3] != b[1:3]:
        return False
    if a[3:] == "000" or b[3:] == "000":
        return True
    if a[3:] != b[3:]:
        return False
    return a[0] == "0" or b[0] == "0" or a[0] == b[0]


def week_of(when: datetime, timezone: str = "UTC") -> str:
    """ISO week ``YYYY-Www`` of ``when`` in ``timezone`` (the 11.35 report's unit)."""
    y, w, _ = when.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{y}-W{w:02d}"


def weekly_test_time(seed: int, week: str, hours: tuple[int, int] = (8, 20),
                     timezone: str = "UTC") -> datetime:
    """The station's own RWT time in ISO ``week`` (UTC datetime): a day and minute drawn from
    ``seed`` and the week only, between ``hours`` local time, so a restart never moves it
    (47 CFR 11.61(a)(2): random days and times).

    Raises:
        ValueError: ``week`` is not ``YYYY-Www``.
    """
    try:
        y, w = week.split("-W")
        monday = date.fromisocalendar(int(y), int(w), 1)
    except ValueError:
        raise ValueError(f"week must be YYYY-Www, not {week!r}") from None
    rng = random.Random(f"eas-encoder/own-rwt/{seed}/{week}")
    day = rng.randrange(7)
    minute = rng.randrange(hours[0] * 60, hours[1] * 60)
    local = datetime.combine(monday + timedelta(days=day), time(), ZoneInfo(timezone))
    local += timedelta(minutes=minute)
    return local.astimezone(UTC)


class Station:
    """The station's pure decision core (sans-IO): feed it events with the time, carry out
    the actions it returns, in order, after writing them to the log.

    Args:
        config: the validated configuration.
        state: what the log remembers after a restart (ids, duplicate memory, test counts):
            ``StationLog.core_state(now)``.
        next_id: first alert/relay id, overriding ``state.next_id`` (``StationLog.next_id()``
            when only the ids are restored).

    All times are timezone-aware UTC datetimes; ``now`` must never go backwards much (the
    core takes it as given; it reads no clock).
    """

    def __init__(self, config: Config, *, state: CoreState | None = None,
                 next_id: int | None = None) -> None:
        state = state or CoreState()
        self.config = config
        self._next_id = state.next_id if next_id is None else next_id
        self._recent: deque[RecentHeader] = deque(state.recent, maxlen=DUPLICATE_MEMORY)
        self._cap_seen: dict[tuple[str, str, str], datetime | None] = dict.fromkeys(
            state.cap_seen)
        self._alerts: dict[int, _Alert] = {}
        self._by_relay: dict[int, int] = {}
        self._open_audio: dict[str, int] = {}   # source -> alert waiting for its EOM
        self._week = state.week
        self._rwt_received: set[str] = set(state.rwt_received)
        self._own_sent = state.own_test_sent
        self._own_retry: datetime | None = None
        self._health: dict[str, bool] = {}
        self._rmt_due: dict[int, datetime] = {}   # RMTs addressed to us, not yet relayed

    # -- public entry points ------------------------------------------------------------------
    def handle(self, event: Event, now: datetime) -> list[Action]:
        """Take one event at time ``now``; return the actions, log entries first.

        Raises:
            TypeError: an unknown event type or a naive ``now``.
        """
        _check_now(now)
        out = self._roll_week(now)
        if isinstance(event, HeardHeader):
            out += self._on_header(event, now)
        elif isinstance(event, HeardEom):
            out += self._on_eom(event, now)
        elif isinstance(event, CapReceived):
            out += self._on_cap(event, now)
        elif isinstance(event, OperatorDecision):
            out += self._on_operator(event, now)
        elif isinstance(event, Originate):
            out += self._on_originate(event, now)
        elif isinstance(event, RelayDone):
            out += self.relay_done(event.relay_id, now, event.file)
        elif isinstance(event, RelayFailed):
            out += self.relay_failed(event.relay_id, now, event.reason)
        elif isinstance(event, SourceHealth):
            out += self._on_health(event, now)
        elif isinstance(event, OutputResult):
            out.append(event)   # logged as is (OutputRecord is OutputResult)
        elif isinstance(event, HeardAttention):
            pass    # informative: the relay plan decides the attention signal itself
        else:
            raise TypeError(f"not a station event: {type(event).__name__}")
        return out + self._timers(now)

    def tick(self, now: datetime) -> list[Action]:
        """Run the timers due at ``now``: holds, CAP windows, record limits, RMT deadline,
        the own weekly RWT and the end-of-week test check.
        """
        _check_now(now)
        return self._roll_week(now) + self._timers(now)

    def next_deadline(self) -> datetime | None:
        """The earliest time :meth:`tick` has something to do, always later than the last
        ``now`` handed in (so the shell never spins); ``None``: nothing scheduled. The
        week's end is not included: tick at least every minute.
        """
        times: list[datetime] = []
        for a in self._alerts.values():
            if a.state is State.HELD and a.hold_until:
                times.append(a.hold_until)
            if a.state is State.PENDING:
                # Before the EOM only the record limit can release it; after, the window.
                t = (a.window_end if a.eom else a.record_end)
                if t:
                    times.append(t)
        times += self._rmt_due.values()
        own_busy = any(x.origin == "own-test" for x in self._alerts.values())
        if self.config.tests.weekly_rwt and not self._own_sent and self._week and not own_busy:
            times.append(self._own_retry or weekly_test_time(
                self.config.tests.seed, self._week, self.config.tests.hours,
                self.config.tests.timezone))
        return min(times) if times else None

    def relay_done(self, relay_id: int, now: datetime, file: str | None = None
                   ) -> list[Action]:
        """The shell finished relay ``relay_id`` (``file``: the spool file it wrote).

        Raises:
            KeyError: no relay with this id is in progress.
        """
        a = self._alerts[self._by_relay.pop(relay_id)]
        self._move(a, "done")
        out: list[Action] = [RelayStatus(relay_id, a.alert_id, "done", now, file),
                             self._log(a)]
        if a.origin == "own-test" or (a.origin == "operator" and a.header is not None
                                       and a.header.event == "RWT"):
            self._own_sent = True
            out.append(TestStatus(self._week or week_of(now, self._tz), "station", "RWT",
                                  "sent", now, a.alert_id))
        elif a.header is not None and a.header.event == "RMT":
            self._rmt_due.pop(a.alert_id, None)
            status = "sent" if not a.deadline or now <= a.deadline else "late"
            out.append(TestStatus(week_of(now, self._tz), "station", a.header.event, status,
                                  now, a.alert_id))
        self._forget(a)
        return out

    def relay_failed(self, relay_id: int, now: datetime, reason: str) -> list[Action]:
        """The shell could not carry out relay ``relay_id``: logged as failed, hooks run.

        Raises:
            KeyError: no relay with this id is in progress.
        """
        a = self._alerts[self._by_relay.pop(relay_id)]
        self._move(a, "failed")
        a.reason = f"{a.reason}; relay failed: {reason}" if a.reason else reason
        out: list[Action] = [RelayStatus(relay_id, a.alert_id, "failed", now, None, reason),
                             self._log(a),
                             RunHooks("relay-failed", a.alert_id, self._hook_data(a))]
        if a.origin == "own-test":
            self._own_retry = now + OWN_TEST_RETRY
        elif a.origin == "operator":
            # Never aired: a later identical header is not its repeat (nothing to drop).
            self._recent = deque((r for r in self._recent if r.alert_id != a.alert_id),
                                 maxlen=DUPLICATE_MEMORY)
        self._forget(a)
        return out

    # -- audio alerts ---------------------------------------------------------------------
    def _on_header(self, ev: HeardHeader, now: datetime) -> list[Action]:
        a = self._new(ev.source, "same", ev.at, ev.header, ev.text)
        out = self._gates(a, now)
        if out:
            return out
        out = self._test_heard(a, now)
        dup = self._duplicate(a)
        if dup is not None:
            return out + self._reject(a, "duplicate", dup_of=dup)
        self._remember(a)
        return out + self._filter_and_act(a, now)

    def _on_eom(self, ev: HeardEom, now: datetime) -> list[Action]:
        aid = self._open_audio.pop(ev.source, None)
        if aid is None or aid not in self._alerts:
            return []
        a = self._alerts[aid]
        a.eom, a.recording = True, ev.recording
        return []

    # -- CAP alerts -----------------------------------------------------------------------
    def _on_cap(self, ev: CapReceived, now: datetime) -> list[Action]:
        alert = ev.alert
        a = self._new(ev.source, "cap", ev.at, None, None)
        a.cap = ev
        if ev.signature is not SignatureStatus.VALID:
            reason = _SIGNATURE_REASON.get(ev.signature, "signature-invalid")
            if ev.reason:
                reason += f": {ev.reason}"
            return self._reject(a, reason)
        key = (alert.identifier, alert.sender, alert.sent.isoformat())
        self._prune_cap(now)
        if key in self._cap_seen:
            return self._reject(a, "duplicate-cap")
        self._cap_seen[key] = now
        while len(self._cap_seen) > CAP_MEMORY:
            del self._cap_seen[next(iter(self._cap_seen))]
        if alert.msg_type in (MsgType.CANCEL, MsgType.UPDATE):
            cancelled = self._cancel(alert, now)
        else:
            cancelled = []
        try:
            act = alert_to_same(alert, station=self.config.station.id,
                                language=self.config.cap.language,
                                allow_test=self.config.cap.allow_test)
        except EasError as exc:
            self._move(a, "log")
            a.reason = f"not-translatable: {exc}"
            self._forget(a)
            return cancelled + self._cap_test_only(a, alert, now) + [
                self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]
        a.header, a.header_text = act.header, str(act.header)
        a.cap_text, a.cap_audio = act.text, act.audio
        a.origin, a.eom = "cap", True
        out = self._gates(a, now)
        if out:
            return cancelled + out
        out = cancelled + self._test_heard(a, now)
        dup = self._duplicate(a)
        if dup is not None:
            audio = self._alerts.get(dup)
            if audio is not None and audio.kind == "same" and audio.state in (
                    State.PENDING, State.HELD):
                return out + self._take_over(audio, a, now)
            return out + self._reject(a, "duplicate", dup_of=dup)
        self._remember(a)
        return out + self._filter_and_act(a, now)

    def _cap_test_only(self, a: _Alert, alert: Alert, now: datetime) -> list[Action]:
        """A CAP RWT/RMT the station does not air (status Test, ``allow_test`` off) still
        counts as the source's test received (47 CFR 11.61; IPAWS sends weekly RWTs).
        """
        try:
            act = alert_to_same(alert, station=self.config.station.id,
                                language=self.config.cap.language, allow_test=True)
        except EasError:
            return []
        if act.header.event not in ("RWT", "RMT"):
            return []
        probe = _Alert(a.alert_id, a.source, "cap", a.received, act.header, str(act.header))
        issued = act.header.issued_at(now)
        if issued + act.header.valid_time <= now or \
                issued > now + self.config.station.future_tolerance:
            return []
        return self._test_heard(probe, now)

    def _cancel(self, alert: Alert, now: datetime) -> list[Action]:
        """``Cancel``/``Update`` naming a CAP alert still pending or held stops it (ECIG: a
        cancelled alert not yet aired is removed).
        """
        refs = {(r[0], r[1]) for r in alert.reference_triples if len(r) == 3}
        out: list[Action] = []
        for b in sorted(self._alerts.values(), key=lambda x: x.alert_id):
            if b.cap is None or b.state not in (State.PENDING, State.HELD):
                continue
            if (b.cap.alert.sender, b.cap.alert.identifier) in refs:
                self._move(b, "cancel")
                b.reason = f"{b.reason}; cancelled by {alert.identifier}"
                self._forget(b)
                out += [self._log(b), RunHooks("alert", b.alert_id, self._hook_data(b))]
        return out

    def _take_over(self, audio: _Alert, cap: _Alert, now: datetime) -> list[Action]:
        """The CAP version of a pending/held audio alert replaces it (FCC 22-75)."""
        state = audio.state
        self._move(audio, "cap-version")
        audio.reason = f"cap-replaced:{cap.alert_id}"
        self._close_audio(audio)
        self._move(cap, "manual" if state is State.HELD else "forward")
        cap.filter = audio.filter
        cap.reason = f"cap-version-of:{audio.alert_id}"
        cap.hold_until, cap.on_timeout = audio.hold_until, audio.on_timeout
        cap.deadline, cap.header_only = audio.deadline, audio.header_only
        # The recent-header entry now stands for the CAP alert, so later repeats point at it.
        self._recent = deque((replace(r, alert_id=cap.alert_id) if r.alert_id ==
                              audio.alert_id else r for r in self._recent),
                             maxlen=DUPLICATE_MEMORY)
        self._forget(audio)
        out: list[Action] = [self._log(audio), self._log(cap),
                             RunHooks("alert", cap.alert_id, self._hook_data(cap))]
        if state is State.HELD and cap.hold_until:
            out.append(Hold(cap.alert_id, cap.hold_until, cap.on_timeout))
        return out

    def _prune_cap(self, now: datetime) -> None:
        for k, seen in list(self._cap_seen.items()):
            if seen is not None and now - seen > CAP_MEMORY_TIME:
                del self._cap_seen[k]

    # -- gates, filters, actions ----------------------------------------------------------
    def _gates(self, a: _Alert, now: datetime) -> list[Action]:
        """Future / expired gates; fills ``issued``/``expires`` (year inferred from now)."""
        h = a.header
        assert h is not None
        try:
            a.issued = h.issued_at(now)
        except EasError:
            return self._reject(a, "bad-issue-time")
        a.expires = a.issued + h.valid_time
        if a.issued > now + self.config.station.future_tolerance:
            return self._reject(a, "future")
        if a.expires <= now:
            return self._reject(a, "expired")
        return []

    def _duplicate(self, a: _Alert) -> int | None:
        assert a.header is not None and a.issued is not None
        self._prune_recent(a.received)
        key = header_key(a.header, a.issued)
        for r in self._recent:
            if r.key == key:
                return r.alert_id
        return None

    def _remember(self, a: _Alert) -> None:
        assert a.header is not None and a.issued is not None and a.expires is not None
        self._recent.append(RecentHeader(header_key(a.header, a.issued), a.expires,
                                         a.alert_id))

    def _prune_recent(self, now: datetime) -> None:
        keep = [r for r in self._recent if r.expires > now]
        if len(keep) != len(self._recent):
            self._recent = deque(keep, maxlen=DUPLICATE_MEMORY)

    def match_filter(self, source: str, header: Header) -> FilterConfig | None:
        """The first filter (file order) matching ``source`` and the header's event,
        originator and locations, or ``None``.
        """
        for f in self.config.filters:
            if ANY not in f.sources and source not in f.sources:
                continue
            if ANY not in f.events and header.event not in f.events:
                continue
            if ANY not in f.originators and header.originator not in f.originators:
                continue
            if ANY not in f.locations and not any(
                    locations_overlap(x, y) for x in header.locations for y in f.locations):
                continue
            return f
        return None

    def _filter_and_act(self, a: _Alert, now: datetime) -> list[Action]:
        h = a.header
        assert h is not None
        if h.event in NATIONAL_EVENTS:
            named = next((f for f in self.config.filters
                          if h.event in f.events and f.action == "manual"
                          and (ANY in f.sources or a.source in f.sources)), None)
            f, action, a.reason = named, ("manual" if named else "forward"), "national"
        else:
            f = self.match_filter(a.source, h)
            if f is None:
                self._move(a, "ignore")
                a.reason = "no-filter"
                self._forget(a)
                return [self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]
            action, a.reason = f.action, f"filter:{f.name}"
        a.filter = f.name if f else None
        self._plan_shape(a, now)
        if a.deadline:
            self._rmt_due[a.alert_id] = a.deadline
        out: list[Action] = []
        if action == "manual":
            assert f is not None
            self._move(a, "manual")
            a.hold_until, a.on_timeout = now + f.timeout, f.on_timeout
            if a.deadline and a.deadline - RMT_HOLD_MARGIN < a.hold_until:
                a.hold_until = max(now, a.deadline - RMT_HOLD_MARGIN)
            out += [self._log(a), Hold(a.alert_id, a.hold_until, a.on_timeout),
                    RunHooks("hold", a.alert_id, self._hook_data(a))]
        elif action == "forward":
            self._move(a, "forward")
            out += [self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]
        else:
            self._move(a, action)
            self._forget(a)
            return [self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]
        if a.kind == "same" and a.window_end and a.window_end > now:
            out.append(PollCap(a.alert_id, a.header_text or str(h), a.window_end))
        return out

    def _plan_shape(self, a: _Alert, now: datetime) -> None:
        """Timers and shape of the future relay: CAP window, record limit, RMT deadline."""
        h = a.header
        assert h is not None
        rc = self.config.relay
        row = event_codes().get(h.event)
        state_local = row is not None and row.category != "national"
        a.header_only = h.event in rc.header_only or (rc.header_only_state_local
                                                      and state_local)
        if h.event == "RMT":
            a.deadline = a.received + RMT_DEADLINE
        if a.kind == "same":
            # EAN is relayed at once (47 CFR 11.54); everything else waits for its CAP version.
            a.window_end = None if h.event == "EAN" else a.received + self.config.cap.window
            a.record_end = a.received + timedelta(seconds=rc.record_seconds) + EOM_GRACE
            if a.header_only:
                a.eom = True
            self._open_audio[a.source] = a.alert_id

    def _ready(self, a: _Alert, now: datetime) -> bool:
        if a.window_end and now < a.window_end:
            return False
        return a.eom or (a.record_end is not None and now >= a.record_end)

    def _relay(self, a: _Alert, now: datetime) -> list[Action]:
        assert a.header is not None and a.expires is not None
        if a.expires <= now:
            self._move(a, "expired")
            a.reason = f"{a.reason}; expired before relay"
            self._forget(a)
            return [self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]
        self._move(a, "ready")
        self._close_audio(a)
        rc = self.config.relay
        attention = {"always": True, "never": False}.get(rc.attention, not a.header_only)
        header = replace(a.header, station=self.config.station.id)
        plan = RelayPlan(
            header=header, attention=attention, attention_seconds=rc.attention_seconds,
            audio=None if a.header_only or a.kind == "cap" else a.recording,
            text=None if a.header_only else a.cap_text,
            cap_audio=None if a.header_only else a.cap_audio,
            origin=a.origin, deadline=a.deadline, language=a.language)
        a.relay_id = self._id()
        self._by_relay[a.relay_id] = a.alert_id
        return [self._log(a), Relay(a.relay_id, a.alert_id, plan, now),
                RunHooks("relay", a.alert_id, self._hook_data(a))]

    # -- operator -------------------------------------------------------------------------
    def _on_operator(self, ev: OperatorDecision, now: datetime) -> list[Action]:
        a = self._alerts.get(ev.alert_id)
        if ev.verdict not in ("forward", "reject"):
            raise ValueError(f"verdict must be forward or reject, not {ev.verdict!r}")
        if a is None or a.state is not State.HELD:
            where = a.state.value if a and a.state else "not held"
            return [OperatorAction(ev.alert_id, ev.user, f"{ev.verdict} (too late: {where})",
                                   ev.note, now)]
        out: list[Action] = [OperatorAction(ev.alert_id, ev.user, ev.verdict, ev.note, now)]
        self._move(a, "forward" if ev.verdict == "forward" else "ignore")
        a.reason = f"operator:{ev.user}"
        out.append(self._log(a))
        if a.state is State.IGNORED:
            self._forget(a)
        return out

    def _on_originate(self, ev: Originate, now: datetime) -> list[Action]:
        """An operator's origination: gates and duplicate rule, then relayed at once."""
        header = replace(ev.header, station=self.config.station.id)
        # Received = taken now, on this clock: the request's time comes from another
        # process's clock, and a later one would prune the duplicate memory (losing it).
        a = self._new(f"operator:{ev.user}", "same", now, header, str(header))
        a.origin, a.reason, a.eom = "operator", "originated", True
        a.header_only = header.event in self.config.relay.header_only
        a.recording, a.cap_text, a.language = ev.audio, ev.text, ev.language
        refused = self._gates(a, now)
        if not refused and (dup := self._duplicate(a)) is not None:
            refused = self._reject(a, "duplicate", dup_of=dup)
        if refused:
            return [*refused[:1],
                    OperatorAction(a.alert_id, ev.user, f"originate (refused: {a.reason})",
                                   str(header), now),
                    OriginationStatus(ev.request_id, "refused", now, a.alert_id, a.reason),
                    *refused[1:]]
        self._remember(a)
        self._move(a, "forward")
        sent = self._relay(a, now)
        return [*sent[:1], OperatorAction(a.alert_id, ev.user, "originate", str(header), now),
                OriginationStatus(ev.request_id, "taken", now, a.alert_id), *sent[1:]]

    # -- health ---------------------------------------------------------------------------
    def _on_health(self, ev: SourceHealth, now: datetime) -> list[Action]:
        out: list[Action] = [SourceStatus(ev.source, ev.ok, now, ev.level_dbfs, ev.detail)]
        if self._health.get(ev.source) != ev.ok:
            self._health[ev.source] = ev.ok
            out.append(RunHooks("source-health", None, {
                "source": ev.source, "ok": "1" if ev.ok else "0", "detail": ev.detail}))
        return out

    # -- tests ----------------------------------------------------------------------------
    @property
    def _tz(self) -> str:
        return self.config.tests.timezone

    def _test_heard(self, a: _Alert, now: datetime) -> list[Action]:
        """A valid RWT/RMT heard on a source counts as that source's test (47 CFR 11.61),
        duplicates included: the same test relayed by two sources was received on both.
        """
        assert a.header is not None
        if a.header.event not in ("RWT", "RMT"):
            return []
        week = week_of(now, self._tz)
        if a.header.event == "RWT":
            if a.source in self._rwt_received:
                return []
            self._rwt_received.add(a.source)
        return [TestStatus(week, a.source, a.header.event, "received", now, a.alert_id)]

    def _roll_week(self, now: datetime) -> list[Action]:
        week = week_of(now, self._tz)
        if self._week is None:
            self._week = week
            return []
        if week == self._week:
            return []
        old = self._week
        out: list[Action] = []
        end = _week_end(old, self._tz)
        for s in self.config.sources:
            if s.name not in self._rwt_received:
                out.append(TestStatus(old, s.name, "RWT", "missed", end))
                out.append(RunHooks("test-missed", None, {"week": old, "source": s.name,
                                                          "kind": "RWT"}))
        if self.config.tests.weekly_rwt and not self._own_sent:
            out.append(TestStatus(old, "station", "RWT", "missed", end))
            out.append(RunHooks("test-missed", None, {"week": old, "source": "station",
                                                      "kind": "RWT"}))
        self._week, self._rwt_received, self._own_sent = week, set(), False
        self._own_retry = None
        return out

    def _own_test(self, now: datetime) -> list[Action]:
        tc = self.config.tests
        if not tc.weekly_rwt or self._own_sent or self._week is None:
            return []
        if any(x.origin == "own-test" and x.state is State.RELAYING
               for x in self._alerts.values()):
            return []
        due = self._own_retry or weekly_test_time(tc.seed, self._week, tc.hours, tc.timezone)
        if now < due:
            return []
        st = self.config.station
        header = Header("EAS", "RWT", st.locations[:31], timedelta(minutes=15), now, st.id)
        a = self._new("station", "same", now, header, str(header))
        a.origin, a.reason, a.header_only, a.eom = "own-test", "weekly-test", True, True
        a.issued = header.issued_at(now)
        a.expires = a.issued + header.valid_time
        self._own_retry = None
        self._move(a, "forward")
        return self._relay(a, now)

    # -- timers ---------------------------------------------------------------------------
    def _timers(self, now: datetime) -> list[Action]:
        out: list[Action] = []
        for a in sorted(self._alerts.values(), key=lambda x: x.alert_id):
            if a.state is State.HELD and a.hold_until and now >= a.hold_until:
                self._move(a, a.on_timeout)
                a.reason = f"timeout ({a.reason})"
                out.append(self._log(a))
                if a.state is not State.PENDING:
                    self._forget(a)
                    continue
            if a.state is State.PENDING and self._ready(a, now):
                out += self._relay(a, now)
        for aid, deadline in sorted(self._rmt_due.items()):
            if now >= deadline:
                del self._rmt_due[aid]
                out.append(TestStatus(week_of(now, self._tz), "station", "RMT", "missed", now,
                                      aid, "not relayed within 60 minutes of receipt"))
                out.append(RunHooks("test-missed", aid, {"kind": "RMT", "alert_id": str(aid)}))
        out += self._own_test(now)
        return out

    # -- bookkeeping ----------------------------------------------------------------------
    def _id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def _new(self, source: str, kind: str, at: datetime, header: Header | None,
             text: str | None) -> _Alert:
        a = _Alert(self._id(), source, kind, at, header, text)
        self._alerts[a.alert_id] = a
        return a

    def _move(self, a: _Alert, trigger: str) -> None:
        try:
            a.state = TRANSITIONS[(a.state, trigger)]
        except KeyError:
            raise RuntimeError(f"alert {a.alert_id}: no transition from {a.state} on "
                               f"{trigger!r}") from None

    def _reject(self, a: _Alert, reason: str, dup_of: int | None = None) -> list[Action]:
        self._move(a, "reject")
        a.reason = reason if dup_of is None else f"{reason}:{dup_of}"
        self._forget(a)
        return [self._log(a), RunHooks("alert", a.alert_id, self._hook_data(a))]

    def _forget(self, a: _Alert) -> None:
        if a.state in (State.PENDING, State.HELD, State.RELAYING):
            return
        self._alerts.pop(a.alert_id, None)
        self._close_audio(a)

    def _close_audio(self, a: _Alert) -> None:
        if self._open_audio.get(a.source) == a.alert_id:
            del self._open_audio[a.source]

    def _log(self, a: _Alert) -> LogAlert:
        h, cap = a.header, a.cap
        assert a.state is not None
        return LogAlert(
            alert_id=a.alert_id, source=a.source, at=a.received, kind=a.kind,
            decision=_decision(a), reason=a.reason,
            header_text=a.header_text if a.kind == "same" else (str(h) if h else None),
            cap_identifier=cap.alert.identifier if cap else None,
            cap_sender=cap.alert.sender if cap else None,
            cap_sent=cap.alert.sent if cap else None,
            signature=cap.signature.value if cap else None,
            filter=a.filter, event=h.event if h else None,
            originator=h.originator if h else None,
            locations=h.locations if h else (), issued=a.issued, expires=a.expires,
            document=cap.document if cap else None)

    def _hook_data(self, a: _Alert) -> dict[str, str]:
        h = a.header
        return {"alert_id": str(a.alert_id), "source": a.source, "kind": a.kind,
                "decision": _decision(a).value if a.state else "",
                "reason": a.reason, "header": a.header_text or "",
                "event": h.event if h else "", "originator": h.originator if h else "",
                "locations": " ".join(h.locations) if h else ""}

    @property
    def pending(self) -> list[int]:
        """Ids of alerts not yet settled (pending, held, relaying), oldest first."""
        return sorted(self._alerts)

    def state_of(self, alert_id: int) -> State | None:
        """Current state of an alert the core still tracks, else ``None``."""
        a = self._alerts.get(alert_id)
        return a.state if a else None


def _decision(a: _Alert) -> Decision:
    assert a.state is not None
    if a.origin == "operator" and a.state in (State.RELAYING, State.RELAYED, State.FAILED):
        return Decision.SENT
    return _DECISION[a.state]


def _week_end(week: str, timezone: str) -> datetime:
    y, w = week.split("-W")
    monday = date.fromisocalendar(int(y), int(w), 1)
    return datetime.combine(monday + timedelta(days=7), time(), ZoneInfo(timezone)
                            ).astimezone(UTC)


def _check_now(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise TypeError("now must be a timezone-aware datetime")
