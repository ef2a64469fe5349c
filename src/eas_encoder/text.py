"""The EAS visual message (crawl) built from a SAME header (47 CFR 11.51(d), ECIG wording).

47 CFR 11.51(d) requires a visual message with the Originator, Event, Location and the valid
time period, developed from the header codes; the ECIG Implementation Guide §3.6.3 calls it the
"FCC Required Text". The guide's exact template was not available, so :func:`crawl_text`
writes the form that DASDEC/One-Net equipment (an ECIG member) puts on air, which independent
captures agree on::

    A broadcast or cable system has issued A REQUIRED WEEKLY TEST for the following
    counties/areas: Broomfield, CO; at 8:23 PM on NOV 12, 2018 Effective until 8:38 PM.
    Message from WCOL.

Times are the station's local time (an IANA zone, UTC by default) converted from the header's
``JJJHHMM`` (UTC), each followed by the zone's abbreviation ("8:23 PM MST"; the captures show
none, which left viewers guessing whether a time was UTC); the end is issue time + ``TTTT``.
Where the end falls on another local day its date is added ("Effective until 1:15 AM UTC on
NOV 13, 2018"), which the captured form never needed to show. Byte-exact ECIG conformance
is not claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import EncodeError
from .same.codes import event_name, originators
from .same.header import Header
from .same.locations import county_name, describe_location, state_areas

__all__ = ["crawl_text", "location_name", "load_zone", "clock_time", "crawl_date",
           "fit_list", "article"]

SPEC = "47 CFR 11.51(d); ECIG Implementation Guide §3.6.3"
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def load_zone(tz: str | tzinfo | None) -> tzinfo:
    """Resolve an IANA time-zone name (e.g. ``"America/Chicago"``) or a ``tzinfo``; ``None``
    means UTC.

    Raises:
        EncodeError: field ``tz`` when the name is not in the IANA database (``tzdata``).
    """
    if tz is None:
        return ZoneInfo("UTC")
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise TypeError(f"tz must be an IANA name or tzinfo, not {type(tz).__name__}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise EncodeError("is not an IANA time zone name (e.g. America/Chicago)", field="tz",
                          value=tz) from None


def clock_time(when: datetime) -> str:
    """12-hour clock as on the crawl: ``"8:23 PM"`` (no leading zero, locale-independent)."""
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def crawl_date(when: datetime) -> str:
    """Date as on the crawl: ``"NOV 12, 2018"`` (English month, locale-independent)."""
    return f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"


def location_name(code: str) -> str:
    """Crawl name of one ``PSSCCC`` code: ``"Broomfield, CO"`` for a whole county (the word
    "County" dropped as on air; "Parish", "city" and the like kept), otherwise the plain
    description from :func:`eas_encoder.same.locations.describe_location` ("all of Texas",
    "Northwest part of Los Angeles County, CA", "the United States").
    """
    if len(code) == 6 and code.isdigit() and code[0] == "0" and code[3:] != "000":
        area = state_areas().get(code[1:3])
        county = county_name(code[1:])
        if area is not None and area.kind == "state" and county:
            return f"{county.removesuffix(' County')}, {area.abbreviation}"
    return describe_location(code)


def fit_list(items: Sequence[str], sep: str, budget: int,
             more: str = "and {n} more areas") -> str | None:
    """Join ``items`` with ``sep`` in at most ``budget`` characters, replacing the tail by
    ``more`` (formatted with ``n`` = items left out) when they do not all fit.

    Returns:
        The joined text, or ``None`` when not even the first item plus ``more`` fits.
    """
    whole = sep.join(items)
    if len(whole) <= budget:
        return whole
    for keep in range(len(items) - 1, 0, -1):
        text = sep.join([*items[:keep], more.format(n=len(items) - keep)])
        if len(text) <= budget:
            return text
    return None


def article(word: str) -> str:
    """Indefinite article for ``word`` in its own case: ``"an"``/``"AN"`` before a vowel
    letter, else ``"a"``/``"A"`` (a leading digit such as "911" takes "a").
    """
    art = "an" if word[:1].upper() in "AEIOU" else "a"
    return art.upper() if word.isupper() else art


def crawl_text(header: Header | str, *, tz: str | tzinfo | None = None,
               reference: datetime, max_length: int | None = None,
               truncate: bool = False, show_zone: bool = True) -> str:
    """The visual-message sentence for a SAME header (47 CFR 11.51(d), DASDEC/ECIG form).

    Args:
        header: a :class:`~eas_encoder.same.header.Header` or its wire text ``ZCZC-...-``
            (parsed leniently, so unknown codes are shown rather than refused).
        tz: the station's IANA time zone; ``None`` = UTC.
        reference: a timezone-aware time near the issue time (the caller's now, or the CAP
            alert's ``sent``), to infer the year the header does not carry.
        max_length: longest allowed sentence in characters; ``None`` = no limit.
        truncate: when the sentence is longer than ``max_length``, replace trailing locations
            by "and N more areas" instead of raising.
        show_zone: write the zone's abbreviation after each time ("8:23 PM MST"), so a
            viewer never has to guess the zone; ``False`` gives the captured DASDEC form.

    Returns:
        One line of text.

    Raises:
        HeaderError: unparseable header text.
        EncodeError: unknown ``tz``; field ``crawl`` when the sentence exceeds ``max_length``
            (and ``truncate`` is false, or even one location does not fit).
    """
    if isinstance(header, str):
        header = Header.parse(header, lenient=True)
    if not isinstance(header, Header):
        raise TypeError(f"header must be a Header or str, not {type(header).__name__}")
    if max_length is not None and max_length < 1:
        raise ValueError("max_length must be positive")
    zone = load_zone(tz)
    start = header.issued_at(reference).astimezone(zone)
    end = header.expires_at(reference).astimezone(zone)
    org = originators().get(header.originator)
    who = org.crawl_name if org else f"An unknown originator ({header.originator})"
    event = event_name(header.event).upper()
    def at(when: datetime) -> str:
        return f"{clock_time(when)} {when.tzname()}" if show_zone else clock_time(when)

    until = at(end)
    if end.date() != start.date():
        until += f" on {crawl_date(end)}"
    head = (f"{who} has issued {article(event)} {event} for the following counties/areas: ")
    tail = (f"; at {at(start)} on {crawl_date(start)} Effective until {until}. "
            f"Message from {header.station.rstrip()}.")
    names = [location_name(c) for c in header.locations]
    places = "; ".join(names)
    text = head + places + tail
    if max_length is None or len(text) <= max_length:
        return text
    fitted = fit_list(names, "; ", max_length - len(head) - len(tail)) if truncate else None
    if fitted is None:
        hint = "" if truncate else " (pass truncate / --truncate to shorten the location list)"
        raise EncodeError(f"is {len(text)} characters, longer than the limit of "
                          f"{max_length}{hint}", field="crawl", value=text[:60] + "...",
                          spec=SPEC)
    return head + fitted + tail
