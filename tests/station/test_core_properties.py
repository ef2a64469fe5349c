"""Properties of the station core over random event sequences (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.station.actions import LogAlert, Relay
from eas_encoder.station.core import Station, header_key
from eas_encoder.station.events import (
    CapReceived,
    HeardEom,
    HeardHeader,
    OperatorDecision,
    SignatureStatus,
)

from .harness import T0, config, header

HEADERS = [
    header("TOR"), header("TOR", station="KABC/AM"), header("SVR", minutes=15),
    header("CAE", originator="CIV", locations=("006059", "006037")),
    header("CAE", originator="CIV", locations=("006037", "006059"), station="K2"),
    header("RWT", originator="EAS", minutes=15),
    header("EAN", originator="PEP", locations=("000000",)),
    header("TOR", issued=T0 - timedelta(hours=2)),
    header("FFW", locations=("048201",)),
]
FILTERS = [{"name": "m", "events": ["CAE"], "action": "manual", "timeout": 90,
            "on_timeout": "forward"},
           {"name": "f", "action": "forward"}]

step = st.tuples(
    st.integers(0, 120),                                    # seconds since the last step
    st.sampled_from(["LP1", "LP2"]),
    st.one_of(st.sampled_from(HEADERS), st.just("eom"), st.just("tick"),
              st.integers(1, 30),                           # operator verdict on an id
              st.tuples(st.just("cap"), st.integers(0, len(HEADERS) - 1))),
)
CAPS = [same_to_alert(h, identifier=f"CAP-{i}", sender="nws@example.gov", reference=T0)
        for i, h in enumerate(HEADERS)]


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_no_alert_is_relayed_twice_and_every_relay_is_logged_first(steps) -> None:
    s = Station(config(FILTERS, tests={"weekly_rwt": True, "hours": [0, 24]}))
    now = T0
    relayed: dict[tuple, object] = {}
    decisions: dict[int, str] = {}
    for gap, source, what in steps:
        now += timedelta(seconds=gap)
        if what == "tick":
            acts = s.tick(now)
        elif what == "eom":
            acts = s.handle(HeardEom(source, now, "m.wav"), now)
        elif isinstance(what, int):
            acts = s.handle(OperatorDecision(what, "op", "forward"), now)
        elif isinstance(what, tuple):
            acts = s.handle(CapReceived("IPAWS", CAPS[what[1]], SignatureStatus.VALID, now), now)
        else:
            acts = s.handle(HeardHeader(source, what, str(what), now), now)
        deadline = s.next_deadline()
        assert deadline is None or deadline > now, "a timer is overdue after running them"
        for a in acts:
            if isinstance(a, LogAlert):
                decisions[a.alert_id] = a.decision.value
            if isinstance(a, Relay):
                # The relay decision is logged before (earlier in the same batch).
                assert decisions[a.alert_id] == "relay"
                h = a.plan.header
                issued = h.issued_at(now)
                assert issued + h.valid_time > now          # never relays an expired alert
                key = header_key(h, issued)
                assert key not in relayed, "relayed twice"
                relayed[key] = a
                assert h.station == "KXYZ/FM "
    # Settled alerts are forgotten: the core's memory stays bounded.
    assert all(s.state_of(i) in ("pending", "held", "relaying") for i in s.pending)
    # Nothing is relayed from a county the station does not serve (except national).
    for key in relayed:
        assert key[1] == "EAN" or "048201" not in key[2]
