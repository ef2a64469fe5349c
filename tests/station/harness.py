"""A feed/expect harness for the station core: events at fake times in, actions summarised.

Every test builds a :class:`Station` from a small configuration, feeds ``(seconds after T0,
event or None for a timer tick)`` and compares the summarised actions; no audio, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from eas_encoder.same.header import Header
from eas_encoder.station.actions import (
    Hold,
    LogAlert,
    OperatorAction,
    OriginationStatus,
    PollCap,
    Relay,
    RelayStatus,
    RunHooks,
    SourceStatus,
    TestStatus,
)
from eas_encoder.station.config import Config, parse_config
from eas_encoder.station.core import Station
from eas_encoder.station.events import HeardEom, HeardHeader

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
"""A Tuesday in ISO week 2026-W48."""
STATION = "KXYZ/FM"


def config(filters: list[dict] | None = None, **sections: Any) -> Config:
    """Three sources (LP1, LP2 audio; IPAWS CAP), the station in Los Angeles and Orange
    counties, one forward-everything filter unless ``filters`` are given.
    """
    data: dict[str, Any] = {
        "station": {"id": STATION, "locations": ["006037", "006059"]},
        "source": [{"name": "LP1", "audio": "default"}, {"name": "LP2", "audio": "hw:1"},
                   {"name": "IPAWS", "cap": "capdir"}],
        "filter": filters if filters is not None else [{"name": "all", "action": "forward"}],
        "tests": {"weekly_rwt": False},
    }
    for k, v in sections.items():
        data[k] = {**data.get(k, {}), **v}
    return parse_config(data, "/srv/eas/station.toml")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def header(event: str = "TOR", locations: tuple[str, ...] = ("006037",), minutes: int = 60,
           issued: datetime = T0, station: str = "WXL41", originator: str = "WXR") -> Header:
    return Header(originator, event, locations, minutes, issued, station)


def heard(source: str, h: Header, seconds: float = 0.0) -> HeardHeader:
    return HeardHeader(source, h, str(h), at(seconds))


def eom(source: str, seconds: float, recording: str | None = "msg.wav") -> HeardEom:
    return HeardEom(source, at(seconds), recording)


def summary(action: object, hooks: bool = False) -> tuple | None:
    """A short tuple per action: what the tests compare."""
    if isinstance(action, LogAlert):
        return ("log", action.alert_id, action.decision.value, action.reason)
    if isinstance(action, Relay):
        p = action.plan
        return ("relay", action.alert_id, str(p.header), p.attention, p.audio, p.origin)
    if isinstance(action, Hold):
        return ("hold", action.alert_id, action.until, action.on_timeout)
    if isinstance(action, PollCap):
        return ("poll", action.alert_id)
    if isinstance(action, TestStatus):
        return ("test", action.week, action.source, action.kind, action.status)
    if isinstance(action, RelayStatus):
        return ("relay-status", action.relay_id, action.status)
    if isinstance(action, OperatorAction):
        return ("operator", action.alert_id, action.user, action.verdict)
    if isinstance(action, SourceStatus):
        return ("health", action.source, action.ok)
    if isinstance(action, OriginationStatus):
        return ("origination", action.request_id, action.status, action.alert_id,
                action.reason)
    if isinstance(action, RunHooks):
        return ("hooks", action.name, action.alert_id) if hooks else None
    raise AssertionError(f"unexpected action {action!r}")


def run(station: Station, feed: Iterable[tuple[float, object]], hooks: bool = False
        ) -> list[tuple]:
    """Feed ``(seconds after T0, event or None = tick)``; return the summarised actions."""
    out: list[tuple] = []
    for seconds, event in feed:
        now = at(seconds)
        acts = station.tick(now) if event is None else station.handle(event, now)
        out += [s for s in (summary(a, hooks) for a in acts) if s is not None]
    return out
