"""The SAME header ``ZCZC-ORG-EEE-PSSCCC+TTTT-JJJHHMM-LLLLLLLL-`` and ``NNNN`` (47 CFR 11.31(c)).

:class:`Header` is a frozen dataclass: ``str(header)`` is the exact wire text (ending in ``-``)
and :meth:`Header.parse` is its inverse, so ``Header.parse(str(h)) == h``. Strict mode (the
default) enforces every rule of 47 CFR 11.31(b)-(e); ``lenient=True`` accepts what real
equipment sends (unknown codes kept as raw text, short station ids, out-of-range durations and
days, garbage after the final ``-``) while still refusing text that has no header shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from ..errors import HeaderError
from .codes import event_codes, originators
from .locations import check_location

__all__ = ["Header", "IssueTime", "EndOfMessage", "parse_message", "check_valid_time",
           "round_up_valid_time", "coerce_valid_time", "check_originator", "check_event",
           "check_locations", "MAX_LOCATIONS", "STATION_ID_LENGTH", "UNLISTED_HINT"]

SPEC = "47 CFR 11.31(c)"
UNLISTED_HINT = "pass allow_unlisted=True to send it anyway"
"""How an unknown or legacy code's refusal says to send it anyway (in parentheses at the end of
the rule); the CLI puts its own flag in its place, or drops it where it has none."""
MAX_LOCATIONS = 31
"""At most 31 location codes per header, 47 CFR 11.31(c)."""
STATION_ID_LENGTH = 8
"""LLLLLLLL is eight characters, unused ones ASCII spaces, 47 CFR 11.31(b)-(c)."""
MAX_VALID_MINUTES = 99 * 60 + 30
_CODE3 = re.compile(r"[A-Z]{3}")
_STATION_STRICT = re.compile(r"[A-Z0-9/ ]{8}")


@dataclass(frozen=True, order=True)
class IssueTime:
    """Issue time ``JJJHHMM``: ordinal day of the year (001-366) and UTC hour and minute.

    The year is not transmitted; :meth:`to_datetime` infers it from a reference time.
    47 CFR 11.31(c) calls the day "Julian"; it is the ordinal day of the Gregorian year.
    """

    day: int
    hour: int
    minute: int

    @classmethod
    def from_datetime(cls, when: datetime) -> IssueTime:
        """Convert a timezone-aware datetime to UTC ``JJJHHMM`` (seconds are dropped).

        Raises:
            HeaderError: field ``issued`` when ``when`` is naive (no tzinfo).
        """
        if not isinstance(when, datetime):
            raise TypeError(f"issued must be a datetime, not {type(when).__name__}")
        if when.tzinfo is None or when.utcoffset() is None:
            raise HeaderError(
                "must be timezone-aware (e.g. 2026-11-29T08:00Z); a naive time is ambiguous",
                field="issued", value=when.isoformat(), spec=SPEC,
            )
        u = when.astimezone(UTC)
        return cls(u.timetuple().tm_yday, u.hour, u.minute)

    def to_datetime(self, reference: datetime) -> datetime:
        """Return the UTC datetime nearest ``reference`` with this day and time.

        Near new year an issue day of 365 received on 2 January belongs to the previous year,
        and day 001 received on 31 December to the next; day 366 only exists in leap years.
        The caller supplies ``reference`` (its clock, or a replayed log's time): the library
        reads no clock, so a replay or a test at New Year gets the year it asks for.

        Args:
            reference: timezone-aware time near the issue time (a receiver's "now").

        Raises:
            HeaderError: field ``issued`` when no year has this day (e.g. day 000); field
                ``reference`` when ``reference`` is naive.
            TypeError: ``reference`` is not a datetime (``None`` included).
        """
        if not isinstance(reference, datetime):
            raise TypeError("reference must be a datetime near the issue time (the library "
                            f"reads no clock; pass the caller's now), not {reference!r}")
        ref = reference
        if ref.tzinfo is None:
            raise HeaderError("reference time must be timezone-aware", field="reference",
                              value=ref.isoformat())
        ref = ref.astimezone(UTC)
        candidates = []
        for year in (y for y in (ref.year - 1, ref.year, ref.year + 1) if 1 <= y <= 9999):
            days_in_year = 366 if _is_leap(year) else 365
            if 1 <= self.day <= days_in_year and self.hour < 24 and self.minute < 60:
                candidates.append(
                    datetime(year, 1, 1, self.hour, self.minute, tzinfo=UTC)
                    + timedelta(days=self.day - 1)
                )
        if not candidates:
            raise HeaderError("is not a real day/time of any year near the reference",
                              field="issued", value=str(self), spec=SPEC)
        return min(candidates, key=lambda c: abs(c - ref))

    def __str__(self) -> str:
        return f"{self.day:03d}{self.hour:02d}{self.minute:02d}"


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def check_valid_time(minutes: int, *, lenient: bool = False) -> int:
    """Check a valid time period (purge time) in minutes; return it.

    Rule (47 CFR 11.31(c)): 15-minute steps up to one hour, then 30-minute steps beyond
    (+0015, +0030, +0045, +0100, +0130 ... ), at most +9930. Lenient mode accepts any
    ``HHMM`` with MM < 60, including +0000.

    Raises:
        HeaderError: field ``valid_time``.
    """
    text = f"+{minutes // 60:02d}{minutes % 60:02d}" if minutes >= 0 else str(minutes)
    if minutes < 0 or minutes > MAX_VALID_MINUTES:
        raise HeaderError("must be between +0000 and +9930", field="valid_time", value=text,
                          spec=SPEC)
    if lenient:
        return minutes
    if minutes == 0:
        raise HeaderError("must be at least +0015", field="valid_time", value=text, spec=SPEC)
    step = 15 if minutes <= 60 else 30
    if minutes % step:
        raise HeaderError(
            "must be in 15-minute steps up to one hour and 30-minute steps beyond "
            f"(next legal: {_fmt_tttt(round_up_valid_time(minutes))})",
            field="valid_time", value=text, spec=SPEC,
        )
    return minutes


def round_up_valid_time(minutes: float) -> int:
    """Round a duration in minutes up to the next legal valid time period (ECIG practice)."""
    import math

    m = max(15, math.ceil(minutes))
    step = 15 if m <= 60 else 30
    return min(MAX_VALID_MINUTES, -(-m // step) * step)


def _fmt_tttt(minutes: int) -> str:
    return f"+{minutes // 60:02d}{minutes % 60:02d}"


def coerce_valid_time(value: object) -> timedelta:
    """A valid time period given as ``timedelta``, ``int`` minutes or ``"HHMM"``/``"+HHMM"``
    text, as a ``timedelta`` (the step rules are :func:`check_valid_time`'s).

    Raises:
        HeaderError: field ``valid_time`` for text that is not four digits or minutes >= 60.
        TypeError: any other type.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(minutes=value)
    if isinstance(value, str):
        s = value[1:] if value.startswith("+") else value
        if len(s) != 4 or not s.isascii() or not s.isdigit():
            raise HeaderError("must be HHMM (e.g. 0130 for one hour thirty)",
                              field="valid_time", value=value, spec=SPEC)
        hh, mm = int(s[:2]), int(s[2:])
        if mm >= 60:
            raise HeaderError("minutes must be 00-59", field="valid_time", value=value,
                              spec=SPEC)
        return timedelta(hours=hh, minutes=mm)
    raise TypeError(f"valid_time must be timedelta, int minutes or 'HHMM', not {value!r}")


@dataclass(frozen=True, init=False)
class Header:
    """A SAME header, 47 CFR 11.31(c): ``ZCZC-ORG-EEE-PSSCCC+TTTT-JJJHHMM-LLLLLLLL-``.

    Fields:
        originator: ORG, three letters (table in ``specs/originators.csv``).
        event: EEE, three letters (``specs/event_codes.csv``).
        locations: 1 to 31 ``PSSCCC`` codes, in transmission order (a list is accepted).
        valid_time: the valid time period (purge time) as a ``timedelta``; ``int`` minutes or
            ``"HHMM"`` are accepted and converted.
        issued: :class:`IssueTime`; a timezone-aware ``datetime`` is accepted and converted to
            UTC ``JJJHHMM``.
        station: LLLLLLLL; shorter ids are space-padded to 8 characters; ``-`` is refused
            (the rule requires ``/`` in its place).
        lenient: accept out-of-rule values seen in the wild (not compared, not printed).
        allow_unlisted: accept originator/event codes absent from the tables, and legacy ones.

    Raises:
        HeaderError: naming the field, the value and the rule broken.
    """

    originator: str
    event: str
    locations: tuple[str, ...]
    valid_time: timedelta
    issued: IssueTime
    station: str
    lenient: bool = field(default=False, compare=False, repr=False)
    allow_unlisted: bool = field(default=False, compare=False, repr=False)

    PREFIX: ClassVar[str] = "ZCZC"

    def __init__(self, originator: str, event: str, locations: Iterable[str] | str,
                 valid_time: timedelta | int | str, issued: IssueTime | datetime,
                 station: str, lenient: bool = False, allow_unlisted: bool = False) -> None:
        # Written out (not the dataclass one) so the types a caller may pass are declared
        # apart from the normalised types the fields hold (py.typed users see both).
        set_ = object.__setattr__
        for name, value in (("originator", originator), ("event", event),
                            ("locations", locations), ("valid_time", valid_time),
                            ("issued", issued), ("station", station), ("lenient", lenient),
                            ("allow_unlisted", allow_unlisted)):
            set_(self, name, value)
        self.__post_init__()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        unlisted_ok = self.lenient or self.allow_unlisted
        set_(self, "originator", check_originator(self.originator, allow_unlisted=unlisted_ok))
        set_(self, "event", check_event(self.event, allow_unlisted=unlisted_ok))
        set_(self, "locations", check_locations(self.locations, lenient=self.lenient))
        vt = coerce_valid_time(self.valid_time)
        if vt.total_seconds() % 60:
            raise HeaderError("must be whole minutes", field="valid_time", value=str(vt),
                              spec=SPEC)
        check_valid_time(int(vt.total_seconds() // 60), lenient=self.lenient)
        set_(self, "valid_time", vt)
        issued = self.issued
        if isinstance(issued, datetime):
            issued = IssueTime.from_datetime(issued)
        if not isinstance(issued, IssueTime):
            raise TypeError(f"issued must be a datetime or IssueTime, not {issued!r}")
        lo_day = 0 if self.lenient else 1
        if not (lo_day <= issued.day <= 366 and 0 <= issued.hour <= 23
                and 0 <= issued.minute <= 59):
            raise HeaderError("must be day 001-366, hour 00-23, minute 00-59 (UTC)",
                              field="issued", value=str(issued), spec=SPEC)
        set_(self, "issued", issued)
        set_(self, "station", _check_station(self.station, self.lenient))

    # -- wire format -----------------------------------------------------------------------
    def __str__(self) -> str:
        minutes = int(self.valid_time.total_seconds() // 60)
        return (f"ZCZC-{self.originator}-{self.event}-{'-'.join(self.locations)}"
                f"{_fmt_tttt(minutes)}-{self.issued}-{self.station}-")

    def to_bytes(self) -> bytes:
        """The header as ASCII bytes, without preamble (bit 8 of each byte is 0)."""
        return str(self).encode("ascii")

    @classmethod
    def parse(cls, text: str | bytes, *, lenient: bool = False,
              allow_unlisted: bool = False) -> Header:
        """Parse wire text ``ZCZC-...-`` into a :class:`Header`.

        Lenient mode also drops anything after the final ``-``, accepts a missing final ``-``,
        and a station id of 1-8 characters kept exactly as sent.

        Raises:
            HeaderError: naming the field and the character position of the first fault.
        """
        if isinstance(text, bytes | bytearray):
            try:
                text = bytes(text).decode("ascii")
            except UnicodeDecodeError as exc:
                raise HeaderError("must be 7-bit ASCII", field="header", position=exc.start,
                                  spec="47 CFR 11.31(a)(1)") from None
        if not isinstance(text, str):
            raise TypeError(f"header must be str or bytes, not {type(text).__name__}")
        if not text.isascii() or not text.isprintable():
            bad = next(i for i, ch in enumerate(text) if not (ch.isascii() and ch.isprintable()))
            raise HeaderError("must be printable 7-bit ASCII", field="header",
                              value=text[bad], position=bad, spec="47 CFR 11.31(a)(1)")
        if not text.startswith("ZCZC-"):
            raise HeaderError("must start with ZCZC-", field="header", value=_clip(text),
                              position=0, spec=SPEC)
        plus = text.find("+")
        if plus < 0:
            raise HeaderError("has no +TTTT valid time period", field="header",
                              value=_clip(text), spec=SPEC)
        head = text[5:plus].split("-")
        if len(head) < 3:
            raise HeaderError("must have ORG-EEE-PSSCCC before +", field="header",
                              value=_clip(text), spec=SPEC)
        org, event, *locs = head
        if any(loc == "" for loc in locs):
            raise HeaderError("has an empty location code", field="locations",
                              value=text[5:plus], position=5, spec=SPEC)
        tail = text[plus + 1:]
        # TTTT-JJJHHMM-LLLLLLLL-
        tttt, sep1, jjj, sep2 = tail[:4], tail[4:5], tail[5:12], tail[12:13]
        if len(tttt) < 4 or not tttt.isdigit():
            raise HeaderError("must be four digits HHMM", field="valid_time",
                              value="+" + tttt, position=plus, spec=SPEC)
        if sep1 != "-" or len(jjj) < 7 or not jjj.isdigit() or sep2 != "-":
            raise HeaderError("must be -JJJHHMM- (seven digits)", field="issued",
                              value=tail[4:13], position=plus + 5, spec=SPEC)
        rest = tail[13:]
        end = rest.find("-")
        if end < 0:
            if not lenient:
                raise HeaderError("must end with '-' after the station id", field="station",
                                  value=rest, position=plus + 14, spec=SPEC)
            station = rest
        else:
            station = rest[:end]
            if rest[end + 1:] and not lenient:
                raise HeaderError("unexpected text after the final '-'", field="header",
                                  value=rest[end + 1:], position=plus + 15 + end, spec=SPEC)
        if not lenient and len(station) != STATION_ID_LENGTH:
            raise HeaderError("must be exactly 8 characters, unused ones spaces",
                              field="station", value=station, spec="47 CFR 11.31(b)")
        valid = timedelta(hours=int(tttt[:2]), minutes=int(tttt[2:]))
        if int(tttt[2:]) >= 60:
            raise HeaderError("minutes must be 00-59", field="valid_time", value="+" + tttt,
                              spec=SPEC)
        issued = IssueTime(int(jjj[:3]), int(jjj[3:5]), int(jjj[5:]))
        return cls(org, event, tuple(locs), valid, issued, station, lenient=lenient,
                   allow_unlisted=allow_unlisted)

    # -- derived values --------------------------------------------------------------------
    def issued_at(self, reference: datetime) -> datetime:
        """Issue time as a UTC datetime, year inferred nearest ``reference`` (the caller's
        now; see :meth:`IssueTime.to_datetime`).
        """
        return self.issued.to_datetime(reference)

    def expires_at(self, reference: datetime) -> datetime:
        """End of the valid time period: issue time + TTTT (UTC datetime), year inferred
        nearest ``reference``.
        """
        return self.issued_at(reference) + self.valid_time

    @property
    def valid_time_text(self) -> str:
        """The ``+TTTT`` field as sent, e.g. ``"+0130"``."""
        return _fmt_tttt(int(self.valid_time.total_seconds() // 60))

    @property
    def is_national(self) -> bool:
        """True for an EAN/NPT-style national activation to location 000000."""
        return "000000" in self.locations and self.event in ("EAN", "NPT", "EAT", "NIC")


@dataclass(frozen=True)
class EndOfMessage:
    """The End Of Message code ``NNNN``, sent three times with preamble, 47 CFR 11.31(c)."""

    TEXT: ClassVar[str] = "NNNN"

    def __str__(self) -> str:
        return self.TEXT

    def to_bytes(self) -> bytes:
        """``b"NNNN"`` without preamble."""
        return self.TEXT.encode("ascii")

    @classmethod
    def parse(cls, text: str | bytes) -> EndOfMessage:
        """Parse ``NNNN``.

        Raises:
            HeaderError: field ``eom`` when the text is not ``NNNN``.
        """
        t = text.decode("ascii", "replace") if isinstance(text, bytes | bytearray) else text
        if t != cls.TEXT:
            raise HeaderError("must be NNNN", field="eom", value=t, spec=SPEC)
        return cls()


def parse_message(text: str | bytes, *, lenient: bool = False) -> Header | EndOfMessage:
    """Parse either a header (``ZCZC-...``) or an end of message (``NNNN``)."""
    t = text.decode("ascii", "replace") if isinstance(text, bytes | bytearray) else text
    if t.startswith("NNNN") and (lenient or t == "NNNN"):
        return EndOfMessage()
    return Header.parse(text, lenient=lenient)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "..."


def check_originator(code: str, *, allow_unlisted: bool = False) -> str:
    """Check an originator code ORG (three letters of ``specs/originators.csv``, not a legacy
    one unless ``allow_unlisted``); return it. 47 CFR 11.31(d).

    Raises:
        HeaderError: field ``originator``.
    """
    return _check_code("originator", code, originators(), allow_unlisted, "47 CFR 11.31(d)")


def check_event(code: str, *, allow_unlisted: bool = False) -> str:
    """Check an event code EEE (three letters of ``specs/event_codes.csv``, not a legacy one
    unless ``allow_unlisted``); return it. 47 CFR 11.31(e).

    Raises:
        HeaderError: field ``event``.
    """
    return _check_code("event", code, event_codes(), allow_unlisted, "47 CFR 11.31(e)")


def check_locations(codes: Iterable[str] | str, *, lenient: bool = False) -> tuple[str, ...]:
    """Check a header's location codes: 1 to 31 ``PSSCCC`` codes, each valid
    (:func:`~eas_encoder.same.locations.check_location`), none twice; return them as a tuple
    in transmission order. 47 CFR 11.31(c).

    Raises:
        HeaderError: field ``locations`` (count) or ``location`` (the code at fault).
    """
    locs = (codes,) if isinstance(codes, str) else tuple(codes)
    if not 1 <= len(locs) <= MAX_LOCATIONS:
        raise HeaderError(f"must have 1 to {MAX_LOCATIONS} location codes",
                          field="locations", value=len(locs), spec=SPEC)
    locs = tuple(check_location(c, lenient=lenient) for c in locs)
    if not lenient and len(set(locs)) != len(locs):
        dup = next(c for c in locs if locs.count(c) > 1)
        raise HeaderError("is listed more than once", field="location", value=dup, spec=SPEC)
    return locs


def _check_code(name: str, value: object, table: dict, unlisted_ok: bool, spec: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if not _CODE3.fullmatch(value):
        if unlisted_ok and len(value) == 3 and value.isascii() and value.isprintable() \
                and "-" not in value and "+" not in value:
            return value
        # Codes are upper case on the wire (no table has a lower-case one); what is typed is
        # what airs, so a lower-case code is refused with the code meant, not changed.
        meant = value.upper()
        hint = f" (write {meant!r})" if meant in table else ""
        raise HeaderError(f"must be three upper-case letters{hint}", field=name, value=value,
                          spec=spec)
    row = table.get(value)
    if unlisted_ok:
        return value
    if row is None:
        raise HeaderError(f"unknown {name} code ({UNLISTED_HINT})",
                          field=name, value=value, spec=spec)
    status = getattr(row, "status", None) or getattr(row, "part11", None)
    if status == "legacy":
        raise HeaderError(f"is a legacy {name} code that is no longer sent ({UNLISTED_HINT})",
                          field=name, value=value, spec=spec)
    return value


def _check_station(value: object, lenient: bool) -> str:
    if not isinstance(value, str):
        raise TypeError(f"station must be str, not {type(value).__name__}")
    spec = "47 CFR 11.31(b)"
    if "-" in value:
        raise HeaderError("must not contain '-' (use '/' in its place, e.g. KXYZ/FM)",
                          field="station", value=value, spec=spec)
    if "+" in value:
        raise HeaderError("must not contain '+'", field="station", value=value, spec=spec)
    if not value or len(value) > STATION_ID_LENGTH:
        raise HeaderError(f"must be 1 to {STATION_ID_LENGTH} characters", field="station",
                          value=value, spec=spec)
    if lenient:
        if not (value.isascii() and value.isprintable()):
            raise HeaderError("must be printable ASCII", field="station", value=value,
                              spec=spec)
        return value
    padded = value.ljust(STATION_ID_LENGTH)
    if not _STATION_STRICT.fullmatch(padded):
        raise HeaderError("must use only A-Z, 0-9, '/' and space", field="station",
                          value=value, spec=spec)
    return padded
