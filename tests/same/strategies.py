"""Hypothesis strategies for valid SAME headers (shared by header and round-trip tests)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from eas_encoder.same.codes import event_codes, originators
from eas_encoder.same.header import Header, IssueTime
from eas_encoder.same.locations import state_areas

ORIGINATORS = sorted(c for c, o in originators().items() if o.status == "current")
EVENTS = sorted(c for c, e in event_codes().items() if e.part11 != "legacy")
STATES = sorted(ss for ss, a in state_areas().items() if a.kind != "nation")
VALID_MINUTES = [15, 30, 45, 60] + list(range(90, 99 * 60 + 31, 30))

location_codes = st.builds(
    lambda p, ss, ccc: f"{p}{ss}{ccc:03d}",
    st.integers(0, 9).map(str), st.sampled_from(STATES), st.integers(0, 999),
)
station_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/ ", min_size=1,
                      max_size=8)
issue_times = st.builds(IssueTime, st.integers(1, 366), st.integers(0, 23),
                        st.integers(0, 59))


@st.composite
def headers(draw: st.DrawFn, max_locations: int = 31) -> Header:
    """Any header that 47 CFR 11.31 allows."""
    locs = draw(st.lists(location_codes, min_size=1, max_size=max_locations, unique=True))
    return Header(
        originator=draw(st.sampled_from(ORIGINATORS)),
        event=draw(st.sampled_from(EVENTS)),
        locations=tuple(locs),
        valid_time=timedelta(minutes=draw(st.sampled_from(VALID_MINUTES))),
        issued=draw(issue_times),
        station=draw(station_ids),
    )
