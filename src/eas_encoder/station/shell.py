"""The station shell: one asyncio loop around the sans-IO core.

::

    AudioMonitor x N ─┐                        ┌─> Spool (relay file) ─> Card/Player outputs
    CapMonitor   x M ─┼─> deliver(event) ─> Station.handle(event, now) ─> StationLog.record
    timer (deadline) ─┘                        └─> Command/Webhook outputs (hooks)

Every action is written to the log before the shell acts on it, so a process killed at any
moment leaves a row saying what was in progress (the log marks an unfinished relay failed when
it is opened again). A source or output that fails is reported (health, ``relay_failed``) and
never stops the others.

Time: the core takes ``now`` from :class:`Clock`. Live, that is the wall clock. With
``once=True`` every file source is read as fast as the CPU allows, in step by stream time, and
the clock is the stream position plus the source's configured ``start`` (the wall time of its
first sample), so a run gives the same log every time; pending work (the triggered-CAP window,
holds) is finished by advancing that clock to the core's deadlines, never by sleeping.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigError, EasError
from .actions import LogAlert, PollCap, Relay, RelayPlan, RelayStatus, RunHooks, SourceStatus
from .capsources import CapMonitor, FeedPoller, FolderPoller, SeenAlerts, fetch_bounded
from .config import Config, SourceConfig
from .core import Station
from .events import Event, OutputResult
from .log import StationLog
from .outputs import (
    CardOutput,
    CommandOutput,
    Outcome,
    PlayerOutput,
    Spool,
    WebhookOutput,
)
from .sources import (
    DEFAULT_SILENCE_DBFS,
    DEFAULT_SILENCE_SECONDS,
    AudioMonitor,
    input_kind,
    make_input,
)

__all__ = ["Clock", "Monitor", "run_monitor", "check_source_keys", "STOP_GRACE_SECONDS"]

STOP_GRACE_SECONDS = 30.0
"""On a stop, relays still being written or aired get this long to finish, s."""
TICK_SECONDS = 0.5
"""Longest the live loop sleeps between looks at the core's next deadline, s."""
MAX_CAP_AUDIO_BYTES = 20 * 1024 * 1024
"""Largest CAP audio resource fetched for a relay, bytes (minutes of MP3)."""
TRIGGER_SPACING = timedelta(seconds=10)
"""Triggered CAP polls are at least this far apart (an alert heard on two sources polls once)."""


class Clock:
    """The time the core is given: the wall clock, or a virtual clock that only moves forward
    (``--once``).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.virtual = start is not None
        self._now = start

    def now(self) -> datetime:
        """The current time (UTC, aware)."""
        if self._now is None:
            return datetime.now(UTC)
        return self._now

    def advance(self, to: datetime) -> None:
        """Virtual clock only: move to ``to`` unless it is already later."""
        if self._now is not None and to > self._now:
            self._now = to


def _start_of(source: SourceConfig) -> datetime | None:
    value = source.extra.get("start")
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC)


INPUT_KINDS = ("file", "stdin", "card", "stream")


def check_source_keys(config: Config) -> None:
    """Validate the per-source keys the shell reads (the loader checks only their types).

    Raises:
        ConfigError: ``source[N].start`` not an RFC 3339 time with a zone (or on an input
            that is not a file), ``input`` not a known kind, silence thresholds out of range.
    """
    for i, sc in enumerate(config.sources, 1):
        key = f"source[{i}]"
        start = sc.extra.get("start")
        if start is not None:
            try:
                when = start if isinstance(start, datetime) else datetime.fromisoformat(
                    start.replace("Z", "+00:00"))
            except ValueError:
                raise ConfigError("must be an RFC 3339 date and time, e.g. "
                                  "2026-11-30T18:00:00Z", field=f"{key}.start",
                                  value=start) from None
            if when.tzinfo is None:
                raise ConfigError("needs a zone (Z or +HH:MM): the time of the first sample",
                                  field=f"{key}.start", value=str(start))
        kind = sc.extra.get("input")
        if kind is not None and kind not in INPUT_KINDS:
            raise ConfigError(f"must be one of {', '.join(INPUT_KINDS)}",
                              field=f"{key}.input", value=kind)
        if sc.kind == "audio" and start is not None and \
                input_kind(sc.target, kind) not in ("file", "stdin"):
            raise ConfigError("only applies to a file or stdin source (a live input is "
                              "time-stamped by the clock)", field=f"{key}.start",
                              value=str(start))
        level = sc.extra.get("silence_dbfs")
        if level is not None and not -120 <= level <= 0:
            raise ConfigError("must be -120 to 0 dBFS", field=f"{key}.silence_dbfs",
                              value=level)
        seconds = sc.extra.get("silence_seconds")
        if seconds is not None and not 1 <= seconds <= 86400:
            raise ConfigError("must be 1 to 86400 s", field=f"{key}.silence_seconds",
                              value=seconds)


class Monitor:
    """Run a station: sources, core, log and outputs on one asyncio loop.

    Args:
        config: the validated configuration.
        once: read every file source to its end as fast as possible, finish what is pending
            and return (deterministic time, see the module docstring).
        out: where one line per decision and relay is printed (``None``: nowhere).
        client: an ``httpx.AsyncClient`` for feeds and webhooks (made when needed).

    Raises:
        EasError: from :meth:`run` when the log cannot be opened or a trust file read.
    """

    def __init__(self, config: Config, *, once: bool = False, out: TextIO | None = sys.stdout,
                 client: Any = None) -> None:
        check_source_keys(config)
        self.config = config
        self.once = once
        self.out = out
        self._client = client
        self._own_client = False
        self.clock = Clock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._relays: dict[int, asyncio.Task[Any]] = {}
        self._last_trigger: datetime | None = None
        self.audio: list[AudioMonitor] = []
        self.cap: list[CapMonitor] = []
        self.skipped: list[str] = []
        self.errors: list[str] = []
        self._printed: dict[int, tuple[str, str]] = {}

    # -- set-up ----------------------------------------------------------------------------
    def _recordings(self) -> Path:
        st = self.config.station
        return Path(getattr(st, "recordings", None) or st.database.parent / "recordings")

    def _open(self, start: datetime) -> None:
        cfg = self.config
        recordings = self._recordings()
        for directory in (cfg.station.database.parent, cfg.station.spool, recordings):
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EasError(f"cannot be created ({exc.strerror})", field="directory",
                               value=str(directory)) from None
        self.log = StationLog.open(cfg.station.database, now=start)
        for relay_id in getattr(self.log, "recovered", ()):
            self._say(f"relay r{relay_id} was interrupted by the last stop; logged as failed")
        # Ids, the duplicate memory and this week's tests survive a restart through the log.
        self.core = Station(cfg, state=self.log.core_state(start, cfg.tests.timezone))
        trust = []
        for path in cfg.cap.trust:
            try:
                trust.append(Path(path).read_bytes())
            except OSError as exc:
                raise EasError(f"cannot be read ({exc.strerror})", field="cap.trust",
                               value=str(path)) from None
        since = start - timedelta(days=2)
        seen = SeenAlerts((r.cap_identifier, r.cap_sent) for r in self.log.alerts(since=since)
                          if r.signature == "valid" and r.cap_identifier and r.cap_sent)
        self.spool = Spool(cfg.station.spool, language=cfg.cap.language)
        for sc in cfg.sources:
            if sc.kind == "audio":
                self._add_audio(sc, recordings)
            else:
                self._add_cap(sc, trust, recordings / "cap", seen)
        self.hooks: list[CommandOutput | WebhookOutput] = []
        self.players: list[CardOutput | PlayerOutput] = []
        for i, oc in enumerate(getattr(cfg, "outputs", ()), 1):
            self._add_output(oc, i)

    def _add_audio(self, sc: SourceConfig, recordings: Path) -> None:
        kind = input_kind(sc.target, sc.extra.get("input"))
        if self.once and kind not in ("file", "stdin"):
            self.skipped.append(f"{sc.name}: a {kind} source has no end; --once skips it")
            return
        start = _start_of(sc) if self.once else None
        paced = not self.once

        def make(sc: SourceConfig = sc, kind: str = kind) -> Any:
            return make_input(sc.target, kind=kind, rate=sc.rate, paced=paced)

        self.audio.append(AudioMonitor(
            sc.name, make, self.deliver, recordings=recordings,
            record_seconds=self.config.relay.record_seconds, start=start, clock=self.clock.now,
            silence_dbfs=float(sc.extra.get("silence_dbfs", DEFAULT_SILENCE_DBFS)),
            silence_seconds=float(sc.extra.get("silence_seconds", DEFAULT_SILENCE_SECONDS))))

    def _http(self) -> Any:
        if self._client is None:
            import httpx  # noqa: PLC0415 - only feeds and webhooks need it

            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(10.0), follow_redirects=True, max_redirects=3,
                headers={"User-Agent": "eas-encoder-monitor"})
            self._own_client = True
        return self._client

    def _add_cap(self, sc: SourceConfig, trust: list[bytes], store: Path,
                 seen: SeenAlerts) -> None:
        if "://" in sc.target:
            poller: FeedPoller | FolderPoller = FeedPoller(sc.target, self._http())
        else:
            poller = FolderPoller(sc.target)
        self.cap.append(CapMonitor(sc.name, poller, self.deliver, trust=trust, store=store,
                                   seen=seen, clock=self.clock.now,
                                   interval=sc.poll.total_seconds()))

    def _add_output(self, oc: Any, i: int) -> None:
        name = getattr(oc, "name", None) or f"output{i}"
        timeout = oc.timeout.total_seconds() if hasattr(oc.timeout, "total_seconds") \
            else float(oc.timeout)
        if oc.kind == "command":
            self.hooks.append(CommandOutput(name, oc.target, on=oc.on, timeout=timeout))
        elif oc.kind == "webhook":
            self.hooks.append(WebhookOutput(name, oc.target, self._http(), on=oc.on,
                                            timeout=timeout, retries=oc.retries))
        elif oc.kind == "card":
            self.players.append(CardOutput(name, oc.target))
        elif oc.kind == "player":
            self.players.append(PlayerOutput(name, oc.target))

    # -- the core --------------------------------------------------------------------------
    async def deliver(self, event: object) -> None:
        """Hand one event to the core, log its actions, then act on them.

        Raises:
            TypeError: ``event`` is not a station event (a bug in an adapter).
        """
        if not isinstance(event, Event):
            raise TypeError(f"not a station event: {type(event).__name__}")
        now = self.clock.now()
        actions = self.core.handle(event, now)
        await self._act(actions, now)

    async def _act(self, actions: list[Any], now: datetime) -> None:
        if not actions:
            return
        self.log.record(actions, now)      # before acting: a crash leaves the row
        for action in actions:
            if isinstance(action, LogAlert):
                self._print_alert(action)
            elif isinstance(action, PollCap):
                await self._trigger_cap(now)
            elif isinstance(action, Relay):
                await self._spawn(self._relay(action), relay_id=action.relay_id)
            elif isinstance(action, RunHooks):
                for hook in self.hooks:
                    if hook.wants(action):
                        await self._spawn(self._hook(hook, action))
            elif isinstance(action, RelayStatus):
                where = action.file if action.status == "done" else action.reason
                self._say(f"relay r{action.relay_id} {action.status}: {where}")
            elif isinstance(action, SourceStatus) and not action.ok:
                self._say(f"source {action.source}: {action.detail}")

    async def _tick(self, now: datetime) -> None:
        await self._act(self.core.tick(now), now)

    async def _spawn(self, work: Coroutine[Any, Any, None], *, relay_id: int | None = None
                     ) -> None:
        if self.once:     # in order, so a --once run is the same every time
            await work
            return
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if relay_id is not None:
            self._relays[relay_id] = task

            def forget(_task: asyncio.Task[Any], r: int = relay_id) -> None:
                self._relays.pop(r, None)
            task.add_done_callback(forget)

    async def _trigger_cap(self, now: datetime) -> None:
        # Triggered CAP polling (FCC 22-75): look for the CAP version now, not at the next
        # scheduled poll; one look covers an alert heard on several sources at once.
        if self._last_trigger is not None and now - self._last_trigger < TRIGGER_SPACING:
            return
        self._last_trigger = now
        for cap in self.cap:
            if self.once:
                await cap.poll()
            else:
                cap.trigger()

    # -- outputs ---------------------------------------------------------------------------
    async def _cap_audio(self, plan: RelayPlan) -> RelayPlan:
        """The plan with a remote CAP audio resource fetched inline (bounded, and checked
        against the resource's SHA-1 ``digest`` when it has one); on any failure the plan
        without it, so the message text is spoken instead.
        """
        res = plan.cap_audio
        if res is None or res.deref_uri is not None or \
                not (res.uri or "").startswith(("http://", "https://")):
            return plan
        try:
            data = await fetch_bounded(self._http(), res.uri or "", MAX_CAP_AUDIO_BYTES)
            if res.digest and hashlib.sha1(data).hexdigest() != res.digest.strip().lower():
                raise OSError(f"{res.uri}: content does not match its digest")
        except OSError as exc:
            self._say(f"CAP audio not used ({exc}); speaking the text instead")
            return replace(plan, cap_audio=None)
        return replace(plan, cap_audio=replace(
            res, deref_uri=base64.b64encode(data).decode("ascii")))

    async def _relay(self, action: Relay) -> None:
        try:
            plan = await self._cap_audio(action.plan)
            path, samples = await self.spool.write(action.relay_id, plan, self.clock.now())
        except EasError as exc:
            await self._relay_end(action, None, f"relay audio not written: {exc}")
            return
        outcomes: list[Outcome] = list(await asyncio.gather(
            *(p.play(path, samples, self.spool.fs) for p in self.players)))
        failed = [f"{o.output}: {o.detail}" for o in outcomes if not o.ok]
        await self._relay_end(action, path, "; ".join(failed) or None)

    async def _relay_end(self, action: Relay, path: Path | None, failure: str | None) -> None:
        now = self.clock.now()
        if failure is None:
            actions = self.core.relay_done(action.relay_id, now, file=str(path))
        else:
            actions = self.core.relay_failed(action.relay_id, now, failure)
        await self._act(actions, now)

    async def _hook(self, output: CommandOutput | WebhookOutput, hook: RunHooks) -> None:
        outcome = await output.send(hook, self.config.station.id)
        now = self.clock.now()
        result = OutputResult(outcome.output, hook.name, hook.alert_id, outcome.ok,
                              outcome.detail, now)
        await self._act(self.core.handle(result, now), now)

    # -- printing --------------------------------------------------------------------------
    def _say(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out, flush=True)

    def _print_alert(self, a: LogAlert) -> None:
        # One line per decision: the log row is rewritten when a relay ends, the line is not.
        if self._printed.get(a.alert_id) == (a.decision, a.reason):
            return
        self._printed[a.alert_id] = (a.decision, a.reason)
        what = a.header_text or a.cap_identifier or ""
        self._say(f"{a.at:%Y-%m-%dT%H:%M:%SZ} {a.source} {a.kind} #{a.alert_id} "
                  f"{a.decision}: {a.reason}  {what}")

    # -- running ---------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> int:
        """Run until ``stop`` is set (live) or everything is read and finished (``once``).

        Returns:
            0; with ``once``, 2 when an audio source could not be read to its end (logged,
            and named in :attr:`errors`).
        """
        starts = [s for s in (_start_of(sc) for sc in self.config.sources) if s is not None]
        wall = datetime.now(UTC).replace(microsecond=0)
        start = min(starts) if self.once and starts else wall
        if self.once:
            self.clock = Clock(start)
        self._open(start)
        for line in self.skipped:
            self._say(line)
        if self.once:
            for m in self.audio:
                m.start = m.start or start
        try:
            if self.once:
                await self._run_once()
            else:
                await self._run_live(stop or asyncio.Event())
        finally:
            await self._close()
        self.errors = [f"source {m.name}: {m.error}" for m in self.audio if m.error]
        return 2 if self.once and self.errors else 0

    async def _run_once(self) -> None:
        next_poll: dict[int, datetime] = {}
        for cap in self.cap:
            await cap.poll()
            next_poll[id(cap)] = self.clock.now() + timedelta(seconds=cap.interval)
        await self._operator(self.clock.now())
        active = [m for m in self.audio if await m.open()]
        while active:
            m = min(active, key=lambda m: m.now)
            more = await m.step()
            self.clock.advance(m.now)
            if not more:
                active.remove(m)
            now = self.clock.now()
            await self._due(now)
            for cap in self.cap:
                if next_poll[id(cap)] <= now:
                    next_poll[id(cap)] = now + timedelta(seconds=cap.interval)
                    await cap.poll()
        for cap in self.cap:        # what was published while the files played
            await cap.poll()
        # Finish what is pending (triggered-CAP windows, holds) on the stream clock.
        cfg = self.config
        horizon = self.clock.now() + cfg.cap.window + max(
            (f.timeout for f in cfg.filters if f.action == "manual"),
            default=timedelta(0)) + timedelta(seconds=1)
        while True:
            deadline = self.core.next_deadline()
            if deadline is None or deadline > horizon:
                break
            self.clock.advance(deadline)
            await self._tick(self.clock.now())

    async def _due(self, now: datetime) -> None:
        deadline = self.core.next_deadline()
        while deadline is not None and deadline <= now:
            await self._tick(now)
            following = self.core.next_deadline()
            if following == deadline:
                break      # the core did not move its deadline: do not spin
            deadline = following

    async def _run_live(self, stop: asyncio.Event) -> None:
        workers = [asyncio.create_task(m.run(), name=f"source:{m.name}") for m in self.audio]
        workers += [asyncio.create_task(c.run(), name=f"source:{c.name}") for c in self.cap]
        workers.append(asyncio.create_task(self._timer(stop), name="timer"))
        try:
            await stop.wait()
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self._finish_relays()

    async def _operator(self, now: datetime) -> None:
        # Verdicts and originations queued by `eas-encoder log --forward/--reject`,
        # `eas-encoder originate` or a console: the log is the one channel between them and
        # this process (the monitor is the only writer). Each is taken exactly once.
        for decision in self.log.take_operator_requests(now):
            await self.deliver(decision)
        for origination in self.log.take_origination_requests(now):
            await self.deliver(origination)

    async def _timer(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            now = self.clock.now()
            await self._operator(now)
            await self._due(now)
            deadline = self.core.next_deadline()
            wait = TICK_SECONDS if deadline is None else min(
                TICK_SECONDS, max(0.0, (deadline - now).total_seconds()))
            await asyncio.sleep(wait)

    async def _finish_relays(self) -> None:
        pending = [t for t in self._relays.values() if not t.done()]
        if pending:
            self._say(f"waiting up to {STOP_GRACE_SECONDS:g} s for {len(pending)} relay(s)")
            _, late = await asyncio.wait(pending, timeout=STOP_GRACE_SECONDS)
            for relay_id, task in list(self._relays.items()):
                if task in late:
                    task.cancel()
                    now = self.clock.now()
                    with contextlib.suppress(EasError):
                        await self._act(self.core.relay_failed(
                            relay_id, now, "monitor stopped during the relay"), now)
        rest = [t for t in self._tasks if not t.done()]
        if rest:
            await asyncio.wait(rest, timeout=STOP_GRACE_SECONDS)
            for t in rest:
                t.cancel()

    async def _close(self) -> None:
        for cap in self.cap:
            await cap.poller.close()
        if self._own_client and self._client is not None:
            await self._client.aclose()
        log = getattr(self, "log", None)
        if log is not None:
            log.close()


def run_monitor(config: Config, *, once: bool = False, out: TextIO | None = sys.stdout,
                install_signals: bool = True,
                companions: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = ()
                ) -> int:
    """Run :class:`Monitor` on a new event loop until stopped (SIGTERM/SIGINT: clean stop).

    Args:
        config: the validated configuration.
        once: see :class:`Monitor`.
        out: see :class:`Monitor`.
        install_signals: SIGTERM/SIGINT stop the monitor (off in tests).
        companions: coroutines run beside the monitor on the same loop (the console's web
            server); each gets an event set when the monitor has stopped, and is awaited.

    Returns:
        The exit code of :meth:`Monitor.run`.
    """
    import signal  # noqa: PLC0415

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
        done = asyncio.Event()
        beside = [asyncio.create_task(c(done)) for c in companions]
        try:
            return await watch(stop)
        finally:
            done.set()
            await asyncio.gather(*beside, return_exceptions=True)

    async def watch(stop: asyncio.Event) -> int:
        monitor = Monitor(config, once=once, out=out)
        if once:
            # A stop during --once ends the run early but still closes the log cleanly.
            run = asyncio.create_task(monitor.run(stop))
            waiter = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({run, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if run not in done:
                run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run
                return 130
            waiter.cancel()
            code = run.result()
        else:
            code = await monitor.run(stop)
        for line in monitor.errors:
            print(f"eas-encoder monitor: error: {line}", file=sys.stderr)
        return code

    return asyncio.run(main())

