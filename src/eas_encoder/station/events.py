"""Events the station core takes in (shell -> core), as frozen dataclasses.

Every time is a timezone-aware UTC ``datetime``: the shell turns receiver stream seconds
into wall time before handing an event in; the core never reads a clock (sans-IO, as h11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from ..same.header import Header

if TYPE_CHECKING:
    from ..cap.model import Alert

__all__ = ["SignatureStatus", "HeardHeader", "HeardAttention", "HeardEom", "CapReceived",
           "OperatorDecision", "Originate", "RelayDone", "RelayFailed", "SourceHealth",
           "OutputResult", "Event"]


class SignatureStatus(StrEnum):
    """Outcome of verifying a CAP alert's enveloped signature against the trust store.

    Only ``VALID`` alerts may be relayed; the others are rejected and logged (47 CFR
    11.56(c)).
    """

    VALID = "valid"
    UNSIGNED = "unsigned"
    INVALID = "invalid"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True)
class HeardHeader:
    """A header validated by the receiver (two of three bursts alike, 47 CFR 11.33(a)(10)).

    ``header``/``text`` are the receiver's ``HeaderEvent.header``/``.text``; ``at`` is the
    wall time at the end of the burst that completed it.
    """

    source: str
    header: Header
    text: str
    at: datetime


@dataclass(frozen=True)
class HeardAttention:
    """An attention signal heard on ``source`` (``signal`` as the receiver names it,
    ``duration`` in seconds). Informative: logged, never a trigger on its own.
    """

    source: str
    at: datetime
    signal: str = ""
    duration: float = 0.0


@dataclass(frozen=True)
class HeardEom:
    """``NNNN`` heard on ``source``; ``recording`` is the path of the message audio the shell
    kept between the header and this EOM (at least 120 s, 47 CFR 11.33(a)(3)(i)), or ``None``.
    """

    source: str
    at: datetime
    recording: str | None = None


@dataclass(frozen=True)
class CapReceived:
    """A CAP alert from ``source`` with the result of verifying its signature.

    ``document`` is the path where the shell stored the XML as received (for the log);
    ``reason`` says why verification failed, if it did.
    """

    source: str
    alert: Alert
    signature: SignatureStatus
    at: datetime
    document: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class OperatorDecision:
    """An operator's verdict on a held alert: ``verdict`` is ``forward`` or ``reject``."""

    alert_id: int
    user: str
    verdict: str
    note: str = ""


@dataclass(frozen=True)
class Originate:
    """An operator's confirmed origination, taken from the log's queue by the monitor.

    ``header`` carries the station's own LLLLLLLL and the issue time of the confirmation;
    the message is ``audio`` (a checked audio file) or ``text`` (spoken in ``language``), or
    neither for a header-only event (RWT). ``request_id`` is the queue row; ``at`` the time
    the operator confirmed it (another process's clock: informative; the core logs the
    alert at the ``now`` it takes it).
    """

    request_id: int
    user: str
    header: Header
    at: datetime
    text: str | None = None
    audio: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class RelayDone:
    """The shell finished a relay (``file``: the spool file written, if any)."""

    relay_id: int
    file: str | None = None


@dataclass(frozen=True)
class RelayFailed:
    """The shell could not carry out a relay (``reason`` in words)."""

    relay_id: int
    reason: str


@dataclass(frozen=True)
class SourceHealth:
    """Health of a monitoring source: ``ok``, audio level in dBFS, and a note."""

    source: str
    ok: bool
    level_dbfs: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class OutputResult:
    """What an output (command hook, webhook) did with a ``RunHooks`` action: ``ok``, and
    ``detail`` (exit code and captured output, capped by the shell; or the HTTP status).
    """

    output: str
    hook: str
    alert_id: int | None
    ok: bool
    detail: str
    at: datetime


Event = (HeardHeader | HeardAttention | HeardEom | CapReceived | OperatorDecision | Originate
         | RelayDone | RelayFailed | SourceHealth | OutputResult)
