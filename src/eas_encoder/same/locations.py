"""SAME location codes ``PSSCCC`` (47 CFR 11.31(c), (f)) and their plain-English names.

``P`` is the county subdivision digit, ``SS`` the FIPS state/territory code (or an offshore
marine area, or ``00`` for the entire country), ``CCC`` the FIPS county code (``000`` = the
entire state). County names come from the ``addfips`` package's Census tables, not from a list
typed here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..errors import HeaderError
from ..specs_data import read_table
from .codes import subdivisions

__all__ = [
    "StateArea",
    "state_areas",
    "county_name",
    "check_location",
    "describe_location",
    "NATIONAL_LOCATION",
    "DEMO_LOCATION",
]

SPEC = "47 CFR 11.31(c)"
NATIONAL_LOCATION = "000000"
"""Entire United States (FCC 02-64)."""
DEMO_LOCATION = "999000"
"""NWS demonstration area used with DMO (AWIPS II BMH ``DEMO_AREA_CODE``)."""

# Newest first: a county retired since (e.g. Connecticut's eight counties) still has a name.
_ADDFIPS_TABLES = ("counties_2020.csv", "counties_2015.csv", "counties_2010.csv",
                   "counties_2000.csv")


@dataclass(frozen=True)
class StateArea:
    """An ``SS`` code: ``kind`` is ``state`` (incl. territories), ``marine`` or ``nation``."""

    ss: str
    abbreviation: str
    name: str
    kind: str


@cache
def state_areas() -> dict[str, StateArea]:
    """Every known ``SS`` code (47 CFR 11.31(f)), keyed by its two digits."""
    return {
        r["ss"]: StateArea(r["ss"], r["abbreviation"], r["name"], r["kind"])
        for r in read_table("state_codes.csv")
    }


@cache
def _counties() -> dict[str, str]:
    names: dict[str, str] = {}
    base = resources.files("addfips").joinpath("data")
    for table in reversed(_ADDFIPS_TABLES):
        try:
            text = base.joinpath(table).read_text("utf-8")
        except FileNotFoundError:
            continue
        for row in csv.DictReader(io.StringIO(text)):
            names[row["statefp"] + row["countyfp"]] = row["name"]
    return names


def county_name(sscc: str) -> str | None:
    """County name for a 5-digit ``SSCCC`` FIPS code (e.g. ``"06037"`` -> ``"Los Angeles
    County"``), or ``None`` when unknown.
    """
    return _counties().get(sscc)


def check_location(code: str, *, lenient: bool = False) -> str:
    """Validate one ``PSSCCC`` location code and return it.

    Strict rules (47 CFR 11.31(c), (f)): six ASCII digits; ``SS`` a known state, territory,
    marine area, ``00`` only as ``000000`` (entire country), or the NWS demo area ``999000``.
    Lenient mode only requires six digits (Canadian CLCs and synthetic codes pass).

    Raises:
        HeaderError: field ``location``, naming the rule broken.
    """
    if not isinstance(code, str):
        raise TypeError(f"location code must be str, not {type(code).__name__}")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise HeaderError("must be six digits PSSCCC", field="location", value=code, spec=SPEC)
    if lenient or code in (NATIONAL_LOCATION, DEMO_LOCATION):
        return code
    ss = code[1:3]
    if ss == "00":
        raise HeaderError(
            "state 00 is only valid as 000000 (entire United States)",
            field="location", value=code, spec="FCC 02-64",
        )
    if ss not in state_areas():
        raise HeaderError(
            f"unknown state/territory/marine code SS={ss}",
            field="location", value=code, spec="47 CFR 11.31(f)",
        )
    return code


def describe_location(code: str) -> str:
    """Plain-English place for a ``PSSCCC`` code, e.g. ``"Los Angeles County, CA"``,
    ``"all of California"``, ``"Northwest Los Angeles County, CA"``, ``"the United States"``.
    Unknown parts are shown as their digits, never guessed.
    """
    if code == NATIONAL_LOCATION:
        return "the United States"
    if code == DEMO_LOCATION:
        return "the NWS demonstration area (999000)"
    if len(code) != 6 or not code.isdigit():
        return f"unknown location {code!r}"
    p, ss, ccc = code[0], code[1:3], code[3:]
    area = state_areas().get(ss)
    if area is None:
        return f"unknown area {code}"
    if area.kind == "marine":
        text = f"{area.name} marine zone {ccc}" if ccc != "000" else f"all of {area.name}"
    elif ccc == "000":
        text = f"all of {area.name}"
    else:
        county = county_name(ss + ccc)
        text = f"{county}, {area.abbreviation}" if county else f"county {ccc}, {area.abbreviation}"
    if p != "0":
        text = f"{subdivisions().get(p, 'part ' + p)} part of {text}"
    return text
