"""Actions the station core returns (core -> shell), as frozen dataclasses.

The shell writes every action to the log (:meth:`StationLog.record`) *before* acting on any
of them, so a crash leaves a row saying what was in progress. "Nothing to do" is an empty
list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from ..same.header import Header
from .events import OutputResult

OutputRecord = OutputResult
"""An output's result as it is to be logged: the core hands the ``OutputResult`` event back
as the action (one class, so the two cannot drift)."""

if TYPE_CHECKING:
    from ..cap.model import Resource

__all__ = ["Decision", "LogAlert", "Hold", "RelayPlan", "Relay", "RelayStatus", "RunHooks",
           "OperatorAction", "OriginationStatus", "TestStatus", "SourceStatus", "PollCap",
           "OutputRecord", "Action"]


class Decision(StrEnum):
    """What the station decided about an alert."""

    RELAY = "relay"
    HOLD = "hold"
    LOG = "log"
    IGNORE = "ignore"
    REJECT = "reject"
    PENDING = "pending"
    SENT = "sent"
    """Originated by an operator at this station and put on the air (or being)."""


@dataclass(frozen=True)
class LogAlert:
    """One alert received and the decision about it (written again, same ``alert_id``, when
    the decision changes: pending -> relay, hold -> relay/ignore).

    ``kind`` is ``same`` or ``cap``; ``reason`` is a stable word (``expired``, ``future``,
    ``duplicate``, ``duplicate-cap``, ``unsigned``, ``signature-invalid``,
    ``signature-untrusted``, ``no-filter``, ``filter:<name>``, ``national``,
    ``cap-replaced``, ``operator:<user>``, ``timeout``, ``not-translatable: ...``).
    """

    alert_id: int
    source: str
    at: datetime
    kind: str
    decision: Decision
    reason: str
    header_text: str | None = None
    cap_identifier: str | None = None
    cap_sender: str | None = None
    cap_sent: datetime | None = None
    signature: str | None = None
    filter: str | None = None
    event: str | None = None
    originator: str | None = None
    locations: tuple[str, ...] = ()
    issued: datetime | None = None
    expires: datetime | None = None
    document: str | None = None


@dataclass(frozen=True)
class Hold:
    """An alert held for an operator until ``until``; then ``on_timeout`` applies."""

    alert_id: int
    until: datetime
    on_timeout: str


@dataclass(frozen=True)
class RelayPlan:
    """What to put on the air for a relay (47 CFR 11.31, 11.51, 11.33(a)(3)(i)).

    ``header`` carries the station's own LLLLLLLL, every other field as received; then the
    attention signal when ``attention`` (``attention_seconds`` long), the message (``audio``:
    the recorded message audio; or for a CAP version ``cap_audio``, else ``text`` for
    text-to-speech), then ``eoms`` EOMs. ``deadline``: latest time it must air (RMT: receipt
    + 60 min, 47 CFR 11.61(a)(1)(v)). ``origin``: ``relay``, ``cap``, ``own-test`` or
    ``operator`` (originated from the console). ``language``: the language ``text`` is
    spoken in (``None``: the station's CAP language).
    """

    header: Header
    attention: bool
    attention_seconds: float
    audio: str | None = None
    text: str | None = None
    cap_audio: Resource | None = None
    eoms: int = 3
    origin: str = "relay"
    deadline: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class Relay:
    """Carry out ``plan`` (write the spool file, play it, run the relay hooks)."""

    relay_id: int
    alert_id: int
    plan: RelayPlan
    at: datetime | None = None


@dataclass(frozen=True)
class RelayStatus:
    """How a relay ended: ``status`` is ``done`` or ``failed``."""

    relay_id: int
    alert_id: int
    status: str
    at: datetime
    file: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class RunHooks:
    """Run the configured command hooks and webhooks named ``name`` (``alert``, ``hold``,
    ``relay``, ``relay-failed``, ``test-missed``, ``source-health``) with ``data``.
    """

    name: str
    alert_id: int | None
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OperatorAction:
    """An operator's verdict as it is to be logged, with the user's name."""

    alert_id: int
    user: str
    verdict: str
    note: str
    at: datetime


@dataclass(frozen=True)
class OriginationStatus:
    """What became of a queued origination (``StationLog.request_origination``): ``status``
    ``taken`` (``alert_id`` is the alert logged as sent) or ``refused`` (``reason``: e.g.
    ``expired``, ``duplicate:<id>``).
    """

    request_id: int
    status: str
    at: datetime
    alert_id: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class TestStatus:
    """A required test received, sent, missed or late (47 CFR 11.61, logged per 11.35).

    ``week`` is the ISO week ``2026-W48``; ``kind`` ``RWT`` or ``RMT``; ``status``
    ``received``, ``sent``, ``missed`` or ``late``.
    """

    week: str
    source: str
    kind: str
    status: str
    at: datetime
    alert_id: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class SourceStatus:
    """A monitoring source's health as it is to be logged."""

    source: str
    ok: bool
    at: datetime
    level_dbfs: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class PollCap:
    """Triggered CAP polling (FCC 22-75): poll every CAP source now for the CAP version of
    the audio alert ``alert_id`` (``header_text`` as heard); the core waits until ``until``.
    """

    alert_id: int
    header_text: str
    until: datetime


Action = (LogAlert | Hold | Relay | RelayStatus | RunHooks | OperatorAction | OriginationStatus
          | TestStatus | SourceStatus | PollCap | OutputRecord)
