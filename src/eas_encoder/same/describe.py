"""Plain-English description of a SAME header (what ``eas-encoder describe`` prints)."""

from __future__ import annotations

from datetime import datetime

from ..errors import HeaderError
from .codes import event_codes, originator_name
from .header import Header
from .locations import describe_location

__all__ = ["describe_header"]

_CATEGORY = {"national": "national, required", "state_local": "state/local",
             "nws": "NWS only, not in 47 CFR 11.31(e)",
             "canada": "Canada only, not in 47 CFR 11.31(e)"}


def describe_header(header: Header, reference: datetime) -> str:
    """Multi-line plain-English text: originator, event, each location by name and state,
    issue time and end of the valid time period in UTC.

    Args:
        header: the header to describe.
        reference: timezone-aware time near the issue time (the caller's now), from which
            the year the header does not carry is inferred.
    """
    ev = event_codes().get(header.event)
    if ev is None:
        event = f"{header.event} - unknown event code"
    else:
        cat = _CATEGORY.get(ev.category, ev.category)
        if ev.part11 == "legacy":
            cat += ", legacy"
        event = f"{header.event} - {ev.name} ({cat})"
    lines = [
        f"Originator:  {header.originator} - {originator_name(header.originator)}",
        f"Event:       {event}",
    ]
    for i, loc in enumerate(header.locations):
        label = "Locations:" if i == 0 else ""
        lines.append(f"{label:<12} {loc} {describe_location(loc)}")
    try:
        issued = header.issued_at(reference)
        expires = header.expires_at(reference)
        lines.append(f"Issued:      {issued:%Y-%m-%d %H:%M} UTC (day {header.issued.day:03d})")
        lines.append(f"Valid until: {expires:%Y-%m-%d %H:%M} UTC ({header.valid_time_text})")
    except HeaderError:
        lines.append(f"Issued:      day {header.issued.day:03d} {header.issued.hour:02d}:"
                     f"{header.issued.minute:02d} UTC (not a real date)")
        lines.append(f"Valid for:   {header.valid_time_text}")
    lines.append(f"Station:     {header.station.rstrip()!s}")
    return "\n".join(lines)
