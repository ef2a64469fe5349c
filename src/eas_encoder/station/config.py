"""Station configuration: a TOML file (``tomllib``) validated once into frozen dataclasses.

Every fault raises :class:`~eas_encoder.errors.ConfigError` naming the key path (e.g.
``filter[2].action``, 1-based like the file reads), the value and the rule. Paths
(``database``, ``spool``, CAP ``trust`` files, file sources) are relative to the TOML file.

The clauses behind the rules: station id LLLLLLLL and location codes PSSCCC (47 CFR
11.31(b)-(c)); at least two minutes of message audio kept (11.33(a)(3)(i)); attention signal
8 to 25 s (11.31(a)(2)); triggered CAP polling window of at least 10 s (FCC 22-75, vendor
practice); IPAWS feeds polled no more often than every 120 s (FEMA guidance).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError, HeaderError
from ..same.codes import event_codes, originators
from ..same.header import STATION_ID_LENGTH, _check_station
from ..same.locations import check_location

__all__ = ["Config", "StationConfig", "SourceConfig", "FilterConfig", "RelayConfig",
           "CapConfig", "TestsConfig", "OutputConfig", "ConsoleConfig", "load_config",
           "parse_config", "ACTIONS",
           "HOOK_NAMES", "OUTPUT_KINDS", "SOURCE_EXTRA_KEYS",
           "TIMEOUT_ACTIONS", "ANY", "STATION_LOCATIONS"]

ACTIONS = ("forward", "manual", "log", "ignore")
"""Filter actions: relay automatically, hold for an operator, log only, ignore."""
TIMEOUT_ACTIONS = ("forward", "log", "ignore")
"""What a manual hold turns into when nobody answers in time."""
ANY = "*"
STATION_LOCATIONS = "station"
MIN_RECORD_SECONDS = 120
"""Message audio kept at least two minutes, 47 CFR 11.33(a)(3)(i)."""
MIN_CAP_WINDOW_SECONDS = 10
"""Triggered CAP polling waits at least 10 s for the CAP version (FCC 22-75 practice)."""
MIN_POLL_SECONDS = 120
"""FEMA asks IPAWS-OPEN clients to poll no more often than every 120 s."""

_TOP_KEYS = {"station", "source", "filter", "relay", "cap", "tests", "output", "console"}
HOOK_NAMES = ("alert", "hold", "relay", "relay-failed", "test-missed", "source-health")
"""Names of the core's ``RunHooks`` actions, which ``[[output]] on`` may list."""
OUTPUT_KINDS = ("command", "webhook", "card", "player")
"""command/webhook run per hook; card/player air each relay (shell)."""


@dataclass(frozen=True)
class StationConfig:
    """``[station]``: own identifier (8 characters, padded), PSSCCC served, files."""

    id: str
    locations: tuple[str, ...]
    database: Path
    spool: Path
    future_tolerance: timedelta = timedelta(minutes=5)
    recordings: Path | None = None
    """Where the shell keeps recorded message audio (default ``recordings`` beside the
    TOML file)."""


@dataclass(frozen=True)
class SourceConfig:
    """``[[source]]``: ``kind`` ``audio`` (``target``: a file, ``-``, a sound-card name or a
    URL) or ``cap`` (a feed URL or a folder). ``rate`` in Hz for raw stdin; ``poll`` for
    feeds; ``extra`` holds keys the shell registered (see :data:`SOURCE_EXTRA_KEYS`).
    """

    name: str
    kind: str
    target: str
    rate: int | None = None
    poll: timedelta = timedelta(seconds=MIN_POLL_SECONDS)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path | None:
        """The target as a local path when it is one (not ``-``, not a URL)."""
        if self.target == "-" or "://" in self.target:
            return None
        return Path(self.target)


@dataclass(frozen=True)
class FilterConfig:
    """``[[filter]]``: which alerts it matches and what to do with them.

    ``sources``/``events``/``originators`` are tuples of names/codes or ``("*",)``;
    ``locations`` the PSSCCC list (``"station"`` expands to the station's list);
    ``action`` one of :data:`ACTIONS`; ``timeout``/``on_timeout`` for ``manual``.
    """

    name: str
    sources: tuple[str, ...] = (ANY,)
    events: tuple[str, ...] = (ANY,)
    originators: tuple[str, ...] = (ANY,)
    locations: tuple[str, ...] = ()
    action: str = "forward"
    timeout: timedelta = timedelta(minutes=5)
    on_timeout: str = "log"


@dataclass(frozen=True)
class RelayConfig:
    """``[relay]``: attention signal ``auto`` (none for header-only relays), ``always`` or
    ``never``; its length; the events relayed as header + EOM only (RWT, 47 CFR 11.61(a)(2));
    whether state/local relays are header + EOM only (11.51); message audio kept (s).
    """

    attention: str = "auto"
    attention_seconds: float = 8.0
    header_only: tuple[str, ...] = ("RWT",)
    header_only_state_local: bool = False
    record_seconds: float = float(MIN_RECORD_SECONDS)


@dataclass(frozen=True)
class CapConfig:
    """``[cap]``: PEM certificates trusted for signatures (47 CFR 11.56(c)), the triggered
    polling window, the language picked, and whether Test alerts may be aired.
    """

    trust: tuple[Path, ...] = ()
    window: timedelta = timedelta(seconds=MIN_CAP_WINDOW_SECONDS)
    language: str = "en-US"
    allow_test: bool = False


@dataclass(frozen=True)
class TestsConfig:
    """``[tests]``: the station's own weekly RWT (47 CFR 11.61(a)(2)) on a day and time drawn
    from ``seed`` and the ISO week, between ``hours`` (local, in ``timezone``).
    """

    weekly_rwt: bool = True
    seed: int = 0
    hours: tuple[int, int] = (8, 20)
    timezone: str = "UTC"


@dataclass(frozen=True)
class OutputConfig:
    """``[[output]]``: ``kind`` ``command`` (``target`` an argv string; event JSON on stdin,
    ``EAS_*`` environment) or ``webhook`` (``target`` an http(s) URL, JSON POST), each run
    for the hooks named in ``on``; ``card`` (a sound-card name, ``""`` the default) or
    ``player`` (an argv string, the relay file appended) air each relay.
    """

    name: str
    kind: str
    target: str
    on: tuple[str, ...] = (ANY,)
    timeout: timedelta = timedelta(seconds=10)
    retries: int = 3


@dataclass(frozen=True)
class ConsoleConfig:
    """``[console]``: the operator console's address (``HOST:PORT``, checked when it is
    served), its users database (default ``users.db`` beside the station database) and how
    long a login lasts, minutes.
    """

    listen: str = "127.0.0.1:8080"
    users: Path | None = None
    session_minutes: int = 480


@dataclass(frozen=True)
class Config:
    """The whole station configuration; ``path`` is the TOML file it came from."""

    path: Path
    station: StationConfig
    sources: tuple[SourceConfig, ...]
    filters: tuple[FilterConfig, ...]
    relay: RelayConfig = RelayConfig()
    cap: CapConfig = CapConfig()
    tests: TestsConfig = TestsConfig()
    outputs: tuple[OutputConfig, ...] = ()
    console: ConsoleConfig = ConsoleConfig()

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``.

        Raises:
            KeyError: no such source.
        """
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


SOURCE_EXTRA_KEYS: dict[str, type | tuple[type, ...]] = {
    "start": (datetime, str), "input": str, "silence_dbfs": (int, float),
    "silence_seconds": (int, float),
}
"""Per-source keys the shell reads (``start``: wall time of sample 0 of a file source;
``input``: file/stdin/card/stream; silence threshold and time); their type is checked here,
their values by the shell."""


def load_config(path: str | Path) -> Config:
    """Read and validate a station TOML file.

    Raises:
        ConfigError: unreadable file, bad TOML, or a key breaking a rule (field = key path).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", field="config",
                          value=str(p)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("must be UTF-8 text", field="config", value=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML: {exc}", field="config", value=str(p)) from None
    return parse_config(data, p)


def parse_config(data: Mapping[str, Any], path: str | Path) -> Config:
    """Validate an already-parsed TOML mapping; relative paths resolve beside ``path``.

    Raises:
        ConfigError: naming the key path, the value and the rule.
    """
    path = Path(path)
    base = path.parent
    _no_unknown(data, _TOP_KEYS, "")
    station = _station(_table(data, "station", required=True), base)
    sources = tuple(_source(s, i, base) for i, s in enumerate(_array(data, "source"), 1))
    if not sources:
        raise ConfigError("at least one [[source]] is needed", field="source")
    names = [s.name for s in sources]
    for i, n in enumerate(names, 1):
        if names.index(n) != i - 1:
            raise ConfigError("is used by two sources; names must be unique",
                              field=f"source[{i}].name", value=n)
    filters = tuple(_filter(f, i, station, set(names))
                    for i, f in enumerate(_array(data, "filter"), 1))
    fnames = [f.name for f in filters]
    for i, n in enumerate(fnames, 1):
        if fnames.index(n) != i - 1:
            raise ConfigError("is used by two filters; names must be unique",
                              field=f"filter[{i}].name", value=n)
    outputs = tuple(_output(o, i) for i, o in enumerate(_array(data, "output"), 1))
    onames = [o.name for o in outputs]
    for i, n in enumerate(onames, 1):
        if onames.index(n) != i - 1:
            raise ConfigError("is used by two outputs; names must be unique",
                              field=f"output[{i}].name", value=n)
    return Config(path=path, station=station, sources=sources, filters=filters,
                  relay=_relay(_table(data, "relay")), cap=_cap(_table(data, "cap"), base),
                  tests=_tests(_table(data, "tests")), outputs=outputs,
                  console=_console(_table(data, "console"), base, station))


# -- sections -------------------------------------------------------------------------------
def _station(t: Mapping[str, Any], base: Path) -> StationConfig:
    _no_unknown(t, {"id", "locations", "database", "spool", "future_tolerance", "recordings"},
                "station")
    sid = _get(t, "id", str, "station", required=True)
    try:
        sid = _check_station(sid, lenient=False)
    except HeaderError as exc:
        raise ConfigError(f"{exc.rule} (LLLLLLLL, {STATION_ID_LENGTH} characters)",
                          field="station.id", value=sid, spec=exc.spec) from None
    locs = _codes(t, "locations", "station", required=True)
    if not locs:
        raise ConfigError("must list at least one PSSCCC", field="station.locations",
                          value=[])
    for j, code in enumerate(locs, 1):
        _location(code, f"station.locations[{j}]")
    db = _get(t, "database", str, "station", default="station.db")
    spool = _get(t, "spool", str, "station", default="relay")
    tol = _seconds(t, "future_tolerance", "station", 300, lo=0, hi=86400)
    rec = _get(t, "recordings", str, "station", default="recordings")
    return StationConfig(sid, locs, _rel(base, db), _rel(base, spool), tol, _rel(base, rec))


def _source(t: Any, i: int, base: Path) -> SourceConfig:
    key = f"source[{i}]"
    if not isinstance(t, Mapping):
        raise ConfigError("must be a table", field=key, value=t)
    _no_unknown(t, {"name", "audio", "cap", "rate", "poll", *SOURCE_EXTRA_KEYS}, key)
    name = _get(t, "name", str, key, required=True)
    if not name or not name.isprintable() or len(name) > 64:
        raise ConfigError("must be 1-64 printable characters", field=f"{key}.name",
                          value=name)
    has_audio, has_cap = "audio" in t, "cap" in t
    if has_audio == has_cap:
        raise ConfigError("needs exactly one of audio = ... or cap = ...", field=key,
                          value=name)
    kind = "audio" if has_audio else "cap"
    target = _get(t, kind, str, key, required=True)
    if not target:
        raise ConfigError("must not be empty", field=f"{key}.{kind}", value=target)
    if "://" not in target and target != "-" and _looks_like_path(target, kind):
        target = str(_rel(base, target))
    rate = t.get("rate")
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 192000:
            raise ConfigError("must be a whole number of Hz from 8000 to 192000",
                              field=f"{key}.rate", value=rate)
        if kind != "audio":
            raise ConfigError("only applies to audio sources", field=f"{key}.rate",
                              value=rate)
    if kind == "audio" and target == "-" and rate is None:
        raise ConfigError("raw s16le on stdin needs rate = N (Hz)", field=f"{key}.rate")
    poll = _seconds(t, "poll", key, MIN_POLL_SECONDS, lo=1, hi=86400)
    if "poll" in t and kind != "cap":
        raise ConfigError("only applies to cap sources", field=f"{key}.poll", value=t["poll"])
    if kind == "cap" and "://" in target and poll.total_seconds() < MIN_POLL_SECONDS \
            and not target.startswith(("http://127.", "http://localhost")):
        raise ConfigError(f"must be at least {MIN_POLL_SECONDS} s for a remote feed (FEMA "
                          "asks clients not to poll IPAWS-OPEN more often)",
                          field=f"{key}.poll", value=t["poll"])
    extra = {}
    for k, typ in SOURCE_EXTRA_KEYS.items():
        if k in t:
            v = t[k]
            if isinstance(v, bool) and typ is not bool or not isinstance(v, typ):
                raise ConfigError(f"has the wrong type ({type(v).__name__})",
                                  field=f"{key}.{k}", value=v)
            extra[k] = v
    return SourceConfig(name, kind, target, rate, poll, extra)


def _looks_like_path(target: str, kind: str) -> bool:
    # A sound-card name ("default", "hw:1,0", "USB Audio") is not a path: only names with a
    # separator or an audio suffix are taken as files relative to the config.
    if kind == "cap":
        return True
    return "/" in target or "\\" in target or Path(target).suffix.lower() in (
        ".wav", ".flac", ".ogg", ".mp3", ".raw", ".s16", ".aiff", ".aif")


def _filter(t: Any, i: int, station: StationConfig, sources: set[str]) -> FilterConfig:
    key = f"filter[{i}]"
    if not isinstance(t, Mapping):
        raise ConfigError("must be a table", field=key, value=t)
    _no_unknown(t, {"name", "sources", "events", "originators", "locations", "action",
                    "timeout", "on_timeout"}, key)
    name = _get(t, "name", str, key, default=f"filter{i}")
    srcs = _codes(t, "sources", key, default=(ANY,))
    for j, s in enumerate(srcs, 1):
        if s != ANY and s not in sources:
            raise ConfigError("names no [[source]]", field=f"{key}.sources[{j}]", value=s)
    events = _codes(t, "events", key, default=(ANY,))
    table = event_codes()
    for j, e in enumerate(events, 1):
        if e != ANY and (len(e) != 3 or not e.isupper() or not e.isalpha()):
            raise ConfigError("must be a three-letter event code or '*'",
                              field=f"{key}.events[{j}]", value=e, spec="47 CFR 11.31(e)")
        if e != ANY and e not in table:
            raise ConfigError("is not a known event code", field=f"{key}.events[{j}]",
                              value=e, spec="47 CFR 11.31(e)")
    orgs = _codes(t, "originators", key, default=(ANY,))
    for j, o in enumerate(orgs, 1):
        if o != ANY and o not in originators():
            raise ConfigError("is not a known originator code (EAS, CIV, WXR, PEP)",
                              field=f"{key}.originators[{j}]", value=o,
                              spec="47 CFR 11.31(d)")
    raw_locs = t.get("locations", STATION_LOCATIONS)
    if raw_locs == STATION_LOCATIONS:
        locs = station.locations
    elif raw_locs == ANY:
        locs = (ANY,)
    else:
        locs = _codes(t, "locations", key)
        for j, code in enumerate(locs, 1):
            _location(code, f"{key}.locations[{j}]")
    action = _get(t, "action", str, key, default="forward")
    if action not in ACTIONS:
        raise ConfigError(f"must be one of {', '.join(ACTIONS)}", field=f"{key}.action",
                          value=action)
    if action != "manual":
        for k in ("timeout", "on_timeout"):
            if k in t:
                raise ConfigError("only applies to action = \"manual\"", field=f"{key}.{k}",
                                  value=t[k])
    timeout = _seconds(t, "timeout", key, 300, lo=1, hi=7 * 86400)
    on_timeout = _get(t, "on_timeout", str, key, default="log")
    if on_timeout not in TIMEOUT_ACTIONS:
        raise ConfigError(f"must be one of {', '.join(TIMEOUT_ACTIONS)}",
                          field=f"{key}.on_timeout", value=on_timeout)
    return FilterConfig(name, srcs, events, orgs, locs, action, timeout, on_timeout)


def _output(t: Any, i: int) -> OutputConfig:
    key = f"output[{i}]"
    if not isinstance(t, Mapping):
        raise ConfigError("must be a table", field=key, value=t)
    _no_unknown(t, {"name", "kind", "target", "on", "timeout", "retries"}, key)
    name = _get(t, "name", str, key, default=f"output{i}")
    kind = _get(t, "kind", str, key, required=True)
    if kind not in OUTPUT_KINDS:
        raise ConfigError(f"must be one of {', '.join(OUTPUT_KINDS)}", field=f"{key}.kind",
                          value=kind)
    target = _get(t, "target", str, key, default="" if kind == "card" else None)
    if target is None or (not target and kind != "card"):
        raise ConfigError(f"is required for kind = \"{kind}\"", field=f"{key}.target")
    if kind == "webhook" and not target.startswith(("http://", "https://")):
        raise ConfigError("must be an http:// or https:// URL", field=f"{key}.target",
                          value=target)
    on = _codes(t, "on", key, default=(ANY,))
    if "on" in t and kind not in ("command", "webhook"):
        raise ConfigError("only applies to command and webhook outputs", field=f"{key}.on",
                          value=t["on"])
    for j, h in enumerate(on, 1):
        if h != ANY and h not in HOOK_NAMES:
            raise ConfigError(f"must be '*' or one of {', '.join(HOOK_NAMES)}",
                              field=f"{key}.on[{j}]", value=h)
    timeout = _seconds(t, "timeout", key, 10, lo=0.001, hi=3600)
    retries = _get(t, "retries", int, key, default=3)
    if not 0 <= retries <= 10:
        raise ConfigError("must be 0 to 10", field=f"{key}.retries", value=retries)
    return OutputConfig(name, kind, target, on, timeout, retries)


def _relay(t: Mapping[str, Any]) -> RelayConfig:
    _no_unknown(t, {"attention", "attention_seconds", "header_only",
                    "header_only_state_local", "record_seconds"}, "relay")
    attention = _get(t, "attention", str, "relay", default="auto")
    if attention not in ("auto", "always", "never"):
        raise ConfigError("must be auto, always or never", field="relay.attention",
                          value=attention)
    secs = _number(t, "attention_seconds", "relay", 8.0)
    if not 8 <= secs <= 25:
        raise ConfigError("must be 8 to 25 seconds", field="relay.attention_seconds",
                          value=secs, spec="47 CFR 11.31(a)(2)")
    header_only = _codes(t, "header_only", "relay", default=("RWT",))
    for j, e in enumerate(header_only, 1):
        if e not in event_codes():
            raise ConfigError("is not a known event code", field=f"relay.header_only[{j}]",
                              value=e, spec="47 CFR 11.31(e)")
    hosl = _get(t, "header_only_state_local", bool, "relay", default=False)
    record = _number(t, "record_seconds", "relay", float(MIN_RECORD_SECONDS))
    if not MIN_RECORD_SECONDS <= record <= 3600:
        raise ConfigError(f"must be {MIN_RECORD_SECONDS} to 3600 seconds",
                          field="relay.record_seconds", value=record,
                          spec="47 CFR 11.33(a)(3)(i)")
    return RelayConfig(attention, float(secs), header_only, hosl, float(record))


def _cap(t: Mapping[str, Any], base: Path) -> CapConfig:
    _no_unknown(t, {"trust", "window", "language", "allow_test"}, "cap")
    trust = _codes(t, "trust", "cap", default=())
    window = _seconds(t, "window", "cap", MIN_CAP_WINDOW_SECONDS, lo=MIN_CAP_WINDOW_SECONDS,
                      hi=600, spec="FCC 22-75")
    language = _get(t, "language", str, "cap", default="en-US")
    allow_test = _get(t, "allow_test", bool, "cap", default=False)
    return CapConfig(tuple(_rel(base, p) for p in trust), window, language, allow_test)


def _tests(t: Mapping[str, Any]) -> TestsConfig:
    _no_unknown(t, {"weekly_rwt", "seed", "hours", "timezone"}, "tests")
    weekly = _get(t, "weekly_rwt", bool, "tests", default=True)
    seed = _get(t, "seed", int, "tests", default=0)
    hours = t.get("hours", [8, 20])
    if (not isinstance(hours, list) or len(hours) != 2
            or not all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
            or not 0 <= hours[0] < hours[1] <= 24):
        raise ConfigError("must be [start, end] whole hours with 0 <= start < end <= 24",
                          field="tests.hours", value=hours)
    tz = _get(t, "timezone", str, "tests", default="UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("is not a known IANA time zone (e.g. America/Chicago)",
                          field="tests.timezone", value=tz) from None
    return TestsConfig(weekly, seed, (hours[0], hours[1]), tz)


def _console(t: Mapping[str, Any], base: Path, station: StationConfig) -> ConsoleConfig:
    _no_unknown(t, {"listen", "users", "session_minutes"}, "console")
    listen = _get(t, "listen", str, "console", default="127.0.0.1:8080")
    users = _get(t, "users", str, "console", default=None)
    minutes = _get(t, "session_minutes", int, "console", default=480)
    if not 1 <= minutes <= 7 * 24 * 60:
        raise ConfigError("must be 1 to 10080 minutes", field="console.session_minutes",
                          value=minutes)
    path = station.database.parent / "users.db" if users is None else _rel(base, users)
    return ConsoleConfig(listen, path, minutes)


# -- helpers --------------------------------------------------------------------------------
def _table(data: Mapping[str, Any], key: str, required: bool = False) -> Mapping[str, Any]:
    if key not in data:
        if required:
            raise ConfigError(f"the [{key}] table is required", field=key)
        return {}
    t = data[key]
    if not isinstance(t, Mapping):
        raise ConfigError(f"must be a table [{key}]", field=key, value=t)
    return t


def _array(data: Mapping[str, Any], key: str) -> list[Any]:
    v = data.get(key, [])
    if not isinstance(v, list):
        raise ConfigError(f"must be an array of tables [[{key}]]", field=key, value=v)
    return v


def _no_unknown(t: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for k in t:
        if k not in allowed:
            where = f"{prefix}.{k}" if prefix else k
            raise ConfigError(f"is not a known key (known: {', '.join(sorted(allowed))})",
                              field=where)


def _get(t: Mapping[str, Any], key: str, typ: type, prefix: str, *, required: bool = False,
         default: Any = None) -> Any:
    if key not in t:
        if required:
            raise ConfigError("is required", field=f"{prefix}.{key}")
        return default
    v = t[key]
    if typ is int and isinstance(v, bool) or not isinstance(v, typ):
        raise ConfigError(f"must be {typ.__name__}", field=f"{prefix}.{key}", value=v)
    return v


def _number(t: Mapping[str, Any], key: str, prefix: str, default: float) -> float:
    v = t.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        raise ConfigError("must be a number", field=f"{prefix}.{key}", value=v)
    return float(v)


def _seconds(t: Mapping[str, Any], key: str, prefix: str, default: float, *, lo: float,
             hi: float, spec: str | None = None) -> timedelta:
    v = _number(t, key, prefix, default)
    if not lo <= v <= hi:
        raise ConfigError(f"must be {lo:g} to {hi:g} seconds", field=f"{prefix}.{key}",
                          value=t.get(key, default), spec=spec)
    return timedelta(seconds=v)


def _codes(t: Mapping[str, Any], key: str, prefix: str, *, required: bool = False,
           default: tuple[str, ...] = ()) -> tuple[str, ...]:
    if key not in t:
        if required:
            raise ConfigError("is required", field=f"{prefix}.{key}")
        return default
    v = t[key]
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError("must be a list of strings", field=f"{prefix}.{key}", value=v)
    return tuple(v)


def _location(code: str, key: str) -> None:
    try:
        check_location(code)
    except HeaderError as exc:
        raise ConfigError(exc.rule, field=key, value=code, spec=exc.spec) from None


def _rel(base: Path, p: str) -> Path:
    q = Path(p).expanduser()
    return q if q.is_absolute() else base / q
