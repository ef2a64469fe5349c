"""CAP 1.2 message model: frozen dataclasses for ``alert``, ``info``, ``resource`` and ``area``.

Field names are CAP's own element names in snake_case (``msgType`` -> ``msg_type``,
``eventCode`` -> ``event_codes``); repeatable elements are tuples named in the plural.
Enumerated elements are :class:`enum.StrEnum` members whose values are the exact CAP tokens.
Date-times are timezone-aware :class:`~datetime.datetime` objects with whole seconds
(CAP 1.2 §3.3.2). Free-text values are kept exactly as given (no whitespace trimming), so
``parse(serialize(alert)) == alert`` holds (see :mod:`eas_encoder.cap.xml`).

Elements in foreign namespaces (an enveloped ``ds:Signature``, an IPAWS ``xmlenc`` block, a
vendor extension), and elements CAP does not define at that place, are preserved without loss
as their serialized XML text in each element's ``extensions`` (written after its CAP children).

Enumerated fields hold members. Constructors also take the CAP token as a plain string (and a
list for a tuple) and store the member, for callers building an alert by hand; the parser and
the bridge convert with :func:`as_member` themselves, so their types are exact. Constructors
check types and enumerations only; everything else (identifier characters,
polygon syntax, profile rules) is reported as data by :func:`eas_encoder.cap.rules.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from ..errors import CapError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "CAP12_NS", "CAP11_NS", "DSIG_NS",
    "Status", "MsgType", "Scope", "Category", "ResponseType", "Urgency", "Severity",
    "Certainty", "NamedValue", "Resource", "Area", "Info", "Alert", "as_member",
]

CAP12_NS = "urn:oasis:names:tc:emergency:cap:1.2"
"""CAP 1.2 namespace (CAP 1.2 §3.1)."""
CAP11_NS = "urn:oasis:names:tc:emergency:cap:1.1"
"""CAP 1.1 namespace, read as CAP 1.2 (its elements are a subset)."""
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
"""W3C XML-DSig namespace of an enveloped ``Signature`` (CAP 1.2 §3.3.4)."""


class Status(StrEnum):
    """``alert/status`` (CAP 1.2 §3.2.1)."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    """``alert/msgType`` (CAP 1.2 §3.2.1)."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Scope(StrEnum):
    """``alert/scope`` (CAP 1.2 §3.2.1)."""

    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Category(StrEnum):
    """``info/category`` (CAP 1.2 §3.2.2)."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    """``info/responseType`` (CAP 1.2 §3.2.2)."""

    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    """``info/urgency`` (CAP 1.2 §3.2.2)."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    """``info/severity`` (CAP 1.2 §3.2.2)."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """``info/certainty`` (CAP 1.2 §3.2.2).

    ``VERY_LIKELY`` exists only so CAP 1.0/1.1 documents can be read; it is not a CAP 1.2
    value and the CAP 1.2 schema (and :func:`~eas_encoder.cap.rules.validate`) rejects it.
    """

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"
    VERY_LIKELY = "Very Likely"


_E = TypeVar("_E", bound=StrEnum)


def as_member(enum: type[_E], value: str, field: str) -> _E:
    """``value`` (a member or its exact CAP token, e.g. ``"Actual"``) as a member of ``enum``.

    Raises:
        CapError: not one of the enumeration's values (CAP 1.2 §3.2), naming ``field``.
    """
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise CapError(f"must be one of {allowed}", field=field, value=value,
                       spec="CAP 1.2 §3.2") from None


def _coerce_enum(owner: object, name: str, enum: type[StrEnum]) -> None:
    value = getattr(owner, name)
    if value is not None and not isinstance(value, enum):
        object.__setattr__(owner, name, as_member(enum, value, name))


def _coerce_enum_tuple(owner: object, name: str, enum: type[StrEnum]) -> None:
    values = getattr(owner, name)
    if isinstance(values, str):
        values = (values,)
    object.__setattr__(owner, name, tuple(as_member(enum, v, name) for v in values))


def _check_time(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if value is None:
        return
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise CapError("must carry an explicit UTC offset (naive date-times are ambiguous)",
                       field=name, value=value.isoformat(), spec="CAP 1.2 §3.3.2")
    if value.microsecond:
        raise CapError("must be whole seconds (CAP forbids fractional seconds)",
                       field=name, value=value.isoformat(), spec="CAP 1.2 §3.3.2")


def _tuples(owner: DataclassInstance) -> None:
    # Lists given by callers become tuples so instances stay hashable and comparable.
    for f in fields(owner):
        v = getattr(owner, f.name)
        if isinstance(v, list):
            object.__setattr__(owner, f.name, tuple(v))


@dataclass(frozen=True)
class NamedValue:
    """A ``valueName``/``value`` pair: ``eventCode``, ``parameter`` or ``geocode``
    (CAP 1.2 §3.2.2, §3.2.4). Both are kept exactly as written.
    """

    value_name: str
    value: str


@dataclass(frozen=True)
class Resource:
    """``info/resource`` (CAP 1.2 §3.2.3).

    ``size`` is in bytes; ``deref_uri`` is the base64 text of in-band content; ``digest`` is
    the hex SHA-1 of the content (FIPS 180-2) as written.
    """

    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self)
        if self.size is not None and (isinstance(self.size, bool)
                                      or not isinstance(self.size, int)):
            raise TypeError(f"size must be int bytes, not {self.size!r}")


@dataclass(frozen=True)
class Area:
    """``info/area`` (CAP 1.2 §3.2.4).

    ``polygons`` and ``circles`` hold the element text as written (``"lat,lon lat,lon ..."``
    and ``"lat,lon radius_km"``) so malformed input survives to be reported, not guessed at;
    ``altitude``/``ceiling`` are feet above mean sea level.
    """

    area_desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()
    altitude: Decimal | None = None
    ceiling: Decimal | None = None
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self)
        for name in ("altitude", "ceiling"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, Decimal):
                if isinstance(v, bool) or not isinstance(v, int | float | str):
                    raise TypeError(f"{name} must be a Decimal, not {v!r}")
                object.__setattr__(self, name, Decimal(str(v)))

    def geocode_values(self, value_name: str) -> tuple[str, ...]:
        """Values of the geocodes whose ``valueName`` equals ``value_name``, in order."""
        return tuple(g.value for g in self.geocodes if g.value_name == value_name)


@dataclass(frozen=True)
class Info:
    """``alert/info`` (CAP 1.2 §3.2.2).

    ``language`` is ``None`` when the element is absent (CAP default ``en-US``, see
    :attr:`effective_language`). Date-times are timezone-aware, whole seconds.

    Raises:
        CapError: an enumerated value not in CAP 1.2, or a naive/fractional date-time.
    """

    category: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    language: str | None = None
    response_type: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[NamedValue, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self)
        _coerce_enum_tuple(self, "category", Category)
        _coerce_enum_tuple(self, "response_type", ResponseType)
        _coerce_enum(self, "urgency", Urgency)
        _coerce_enum(self, "severity", Severity)
        _coerce_enum(self, "certainty", Certainty)
        for name in ("effective", "onset", "expires"):
            _check_time(self, name)

    @property
    def effective_language(self) -> str:
        """``language`` or its CAP default ``en-US`` (CAP 1.2 §3.2.2)."""
        return self.language if self.language is not None else "en-US"

    def event_code(self, value_name: str) -> tuple[str, ...]:
        """Values of the ``eventCode`` entries named ``value_name`` (e.g. ``"SAME"``)."""
        return tuple(c.value for c in self.event_codes if c.value_name == value_name)

    def parameter(self, value_name: str) -> tuple[str, ...]:
        """Values of the ``parameter`` entries named ``value_name`` (e.g. ``"EAS-ORG"``)."""
        return tuple(p.value for p in self.parameters if p.value_name == value_name)


@dataclass(frozen=True)
class Alert:
    """The CAP 1.2 ``alert`` message (CAP 1.2 §3.2.1).

    ``references`` and ``incidents`` keep their whitespace-separated text as written;
    :attr:`reference_triples` splits ``references`` into ``(sender, identifier, sent)``.
    ``extensions`` holds foreign-namespace children (e.g. ``ds:Signature``) as XML text,
    written after the ``info`` blocks as the schema's ``xs:any`` requires.

    Raises:
        CapError: an enumerated value not in CAP 1.2, or a naive/fractional ``sent``.
    """

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: Scope
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    code: tuple[str, ...] = ()
    note: str | None = None
    references: str | None = None
    incidents: str | None = None
    infos: tuple[Info, ...] = ()
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self)
        if isinstance(self.code, str):
            object.__setattr__(self, "code", (self.code,))
        _coerce_enum(self, "status", Status)
        _coerce_enum(self, "msg_type", MsgType)
        _coerce_enum(self, "scope", Scope)
        _check_time(self, "sent")

    @property
    def reference_triples(self) -> tuple[tuple[str, ...], ...]:
        """``references`` split into ``(sender, identifier, sent)`` tuples (CAP 1.2 §3.2.1).

        Entries that are not three comma-separated parts are returned as split, so a caller
        (or :mod:`~eas_encoder.cap.rules`) can see and report them.
        """
        if not self.references:
            return ()
        return tuple(tuple(entry.split(",")) for entry in self.references.split())
