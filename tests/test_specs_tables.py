"""The machine-readable tables in specs/ hold what 47 CFR 11.31 (as amended) requires."""

from __future__ import annotations

import tomllib
from pathlib import Path

from eas_encoder.same.codes import event_codes, originators, subdivisions
from eas_encoder.same.locations import county_name, describe_location, state_areas

ROOT = Path(__file__).resolve().parents[1]


def test_event_codes_include_the_amendments() -> None:
    codes = event_codes()
    for code in ("EWW", "SSA", "SSW", "BLU", "MEP", "CAE", "RWT", "RMT", "NPT", "TOR"):
        assert codes[code].in_part11, code
    assert codes["EAN"].name == "National Emergency Message"
    assert codes["MEP"].name == "Missing and Endangered Persons"
    for code in ("SQW", "NAT", "NST", "FZW", "FSW"):
        assert not codes[code].in_part11 and codes[code].part11 == "no", code
    assert all(e.source for e in codes.values())
    assert all(len(c) == 3 and c.isupper() for c in codes)


def test_originators_and_subdivisions() -> None:
    assert {c for c, o in originators().items() if o.status == "current"} == \
        {"EAS", "CIV", "WXR", "PEP"}
    assert subdivisions()["0"].startswith("All") and subdivisions()["9"] == "Southeast"
    assert len(subdivisions()) == 10


def test_states_and_marine_areas() -> None:
    areas = state_areas()
    assert areas["06"].name == "California" and areas["72"].abbreviation == "PR"
    assert areas["77"].kind == "marine" and areas["91"].name == "Lake Superior"


def test_county_names_come_from_addfips() -> None:
    assert county_name("06037") == "Los Angeles County"
    assert describe_location("006037") == "Los Angeles County, CA"
    assert describe_location("048000") == "all of Texas"
    assert describe_location("112057") == "Northwest part of Hillsborough County, FL"
    assert describe_location("000000") == "the United States"


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src").rglob("__init__.py")}
    assert found | {"eas_encoder.specs"} == listed
