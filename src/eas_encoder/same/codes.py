"""SAME originator, event and subdivision code tables (47 CFR 11.31(c)-(e)).

The tables live in ``specs/*.csv`` with their sources; this module only indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..specs_data import read_table

__all__ = [
    "Originator",
    "EventCode",
    "originators",
    "event_codes",
    "subdivisions",
    "originator_name",
    "event_name",
]


@dataclass(frozen=True)
class Originator:
    """An originator code (ORG) row: ``code``, ``name``, ``crawl_name``, ``status``, ``source``."""

    code: str
    name: str
    crawl_name: str
    status: str  # "current" or "legacy"
    source: str


@dataclass(frozen=True)
class EventCode:
    """An event code (EEE) row.

    ``category`` is ``national``, ``state_local``, ``nws`` (NWR only) or ``canada``;
    ``part11`` is ``yes``, ``no`` (in circulation but not in 47 CFR 11.31(e)) or ``legacy``.
    """

    code: str
    name: str
    category: str
    part11: str
    source: str

    @property
    def in_part11(self) -> bool:
        """True when the code is listed in the current 47 CFR 11.31(e)."""
        return self.part11 == "yes"


@cache
def originators() -> dict[str, Originator]:
    """Every originator code, keyed by code (47 CFR 11.31(d))."""
    return {r["code"]: Originator(**r) for r in read_table("originators.csv")}


@cache
def event_codes() -> dict[str, EventCode]:
    """Every event code, keyed by code (47 CFR 11.31(e) plus NWS/Canada extras)."""
    return {r["code"]: EventCode(**r) for r in read_table("event_codes.csv")}


@cache
def subdivisions() -> dict[str, str]:
    """Subdivision digit P -> name (0 = all or unspecified, 1-9 compass parts), 11.31(c)."""
    return {r["digit"]: r["name"] for r in read_table("subdivisions.csv")}


def originator_name(code: str) -> str:
    """Plain-English originator name, or ``"Unknown originator (XXX)"``."""
    o = originators().get(code)
    return o.name if o else f"Unknown originator ({code})"


def event_name(code: str) -> str:
    """Plain-English event name, or ``"Unknown event (XXX)"``."""
    e = event_codes().get(code)
    return e.name if e else f"Unknown event ({code})"
