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
    "state_counties",
    "check_location",
    "check_listed_county",
    "is_listed_county",
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


@cache
def _counties_by_state() -> dict[str, tuple[str, ...]]:
    by_state: dict[str, list[str]] = {}
    for sscc in _counties():
        by_state.setdefault(sscc[:2], []).append(sscc[2:])
    return {ss: tuple(sorted(cccs)) for ss, cccs in by_state.items()}


def state_counties(ss: str) -> tuple[str, ...]:
    """The ``CCC`` county codes the Census tables list for state ``SS`` (two digits), sorted;
    empty for a marine area, an unknown code or a state with no county list.
    """
    return _counties_by_state().get(ss, ())


def is_listed_county(code: str) -> bool:
    """Whether a six-digit ``PSSCCC`` names a place the tables know: the nation, the demo
    area, a whole state (``CCC`` 000), a marine zone (not listed by county), or a county of a
    state whose counties are listed. A state with no county list is given the benefit of the
    doubt (``True``): only what the tables can contradict is called unknown.
    """
    if code in (NATIONAL_LOCATION, DEMO_LOCATION) or code[3:] == "000":
        return True
    area = state_areas().get(code[1:3])
    if area is None:
        return False
    listed = _counties_by_state().get(code[1:3])
    return area.kind != "state" or not listed or code[3:] in listed


def check_listed_county(code: str) -> str:
    """Refuse a well-formed ``PSSCCC`` whose county is not in the Census county tables
    (``006999`` is no county of California), naming the state's listed range and the nearest
    listed counties. The receiver never calls this: an off-air code is reported, not dropped.

    Raises:
        HeaderError: field ``location``, with the state's listed county codes
            (47 CFR 11.31(c): ``CCC`` is the FIPS county code).
    """
    if is_listed_county(code):
        return code
    ss, ccc = code[1:3], code[3:]
    area = state_areas().get(ss)
    if area is None:  # check_location already refuses these in strict mode
        raise HeaderError(f"unknown state/territory/marine code SS={ss}", field="location",
                          value=code, spec="47 CFR 11.31(f)")
    listed = _counties_by_state()[ss]
    near = sorted(listed, key=lambda c: (abs(int(c) - int(ccc)), c))[:2]
    names = ", ".join(f"{c} {county_name(ss + c)}" for c in sorted(near))
    raise HeaderError(
        f"no county {ccc} in {area.name} ({area.abbreviation} county codes run "
        f"{listed[0]}-{listed[-1]}; nearest: {names}; 000 is the whole state); "
        "pass --allow-unlisted to use it anyway",
        field="location", value=code, spec=SPEC)


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
        text = (f"{county}, {area.abbreviation}" if county
                else f"county {ccc}, {area.abbreviation} (unknown county)")
    if p != "0":
        text = f"{subdivisions().get(p, 'part ' + p)} part of {text}"
    return text
