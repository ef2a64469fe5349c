"""The station core through the feed/expect harness: every gate, filter and action."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.station.actions import LogAlert, Relay
from eas_encoder.station.core import (
    TRANSITIONS,
    CoreState,
    State,
    Station,
    locations_overlap,
    week_of,
    weekly_test_time,
)
from eas_encoder.station.events import (
    CapReceived,
    HeardAttention,
    OperatorDecision,
    RelayDone,
    RelayFailed,
    SignatureStatus,
    SourceHealth,
)

from .harness import T0, at, config, eom, header, heard, run, summary

OUR = "KXYZ/FM "


def relayed(h, station: str = OUR) -> str:
    return str(replace(h, station=station))


# -- forward, relay plan --------------------------------------------------------------------
def test_forward_waits_for_eom_and_cap_window_then_relays_with_own_id() -> None:
    s = Station(config())
    h = header()
    assert run(s, [(0, heard("LP1", h)), (5, HeardAttention("LP1", at(5))),
                   (9, eom("LP1", 9))]) == [
        ("log", 1, "pending", "filter:all"), ("poll", 1)]
    # EOM in, CAP window (10 s) not over: the tick at 10 s relays.
    assert run(s, [(10, None)]) == [
        ("log", 1, "relay", "filter:all"),
        ("relay", 1, relayed(h), True, "msg.wav", "relay")]
    plan_header = relayed(h)
    assert plan_header.endswith("-KXYZ/FM -") and "+0100-3281500-" in plan_header


def test_relay_keeps_every_field_but_the_station_id() -> None:
    s = Station(config())
    h = header("SVR", ("106037", "006059", "006000"), 45, T0 - timedelta(minutes=3), "K ABC")
    acts = s.handle(heard("LP1", h), T0) + s.handle(eom("LP1", 30), at(30))
    plan = next(a for a in acts if isinstance(a, Relay)).plan
    assert (plan.header.originator, plan.header.event, plan.header.locations,
            plan.header.valid_time, plan.header.issued) == (
        h.originator, h.event, h.locations, h.valid_time, h.issued)
    assert plan.header.station == OUR and plan.eoms == 3 and plan.attention_seconds == 8


def test_no_eom_relays_at_the_record_limit_without_audio() -> None:
    s = Station(config())
    h = header()
    assert run(s, [(0, heard("LP1", h)), (179, None)]) == [
        ("log", 1, "pending", "filter:all"), ("poll", 1)]
    assert run(s, [(180, None)]) == [
        ("log", 1, "relay", "filter:all"), ("relay", 1, relayed(h), True, None, "relay")]


# -- validity gates -------------------------------------------------------------------------
def test_expired_alert_is_rejected() -> None:
    s = Station(config())
    h = header(minutes=60, issued=T0 - timedelta(minutes=61))
    assert run(s, [(0, heard("LP1", h))]) == [("log", 1, "reject", "expired")]


def test_alert_expiring_exactly_now_is_expired() -> None:
    s = Station(config())
    h = header(minutes=30, issued=T0 - timedelta(minutes=30))
    assert run(s, [(0, heard("LP1", h))]) == [("log", 1, "reject", "expired")]


def test_future_beyond_tolerance_is_rejected_within_tolerance_passes() -> None:
    s = Station(config())
    late = header(issued=T0 + timedelta(minutes=6))
    soon = header(issued=T0 + timedelta(minutes=4), event="SVR")
    assert run(s, [(0, heard("LP1", late)), (1, heard("LP1", soon))]) == [
        ("log", 1, "reject", "future"), ("log", 2, "pending", "filter:all"), ("poll", 2)]


def test_new_year_issue_day_365_heard_on_1_january_is_last_year() -> None:
    s = Station(config())
    issued = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)
    h = header(issued=issued, minutes=30)
    now = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    logs = [a for a in s.handle(heard("LP1", h), now) if isinstance(a, LogAlert)]
    assert logs[0].decision == "pending"
    assert logs[0].issued == issued and str(h.issued) == "3652350"
    # Forty minutes later it has expired (23:50 + 30 min), not "next year's day 365".
    late = Station(config()).handle(heard("LP1", h), now + timedelta(minutes=40))
    assert [a.reason for a in late if isinstance(a, LogAlert)] == ["expired"]


def test_new_year_day_001_heard_before_midnight_is_next_year() -> None:
    h = header(issued=datetime(2027, 1, 1, 0, 2, tzinfo=UTC), minutes=15)
    now = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    logs = [a for a in Station(config()).handle(heard("LP1", h), now)
            if isinstance(a, LogAlert)]
    assert logs[0].decision == "pending"
    assert logs[0].issued == datetime(2027, 1, 1, 0, 2, tzinfo=UTC)


# -- duplicates -----------------------------------------------------------------------------
def test_duplicate_across_sources_with_other_station_ids_and_location_order() -> None:
    s = Station(config())
    h1 = header(locations=("006037", "006059"), station="WXL41")
    h2 = header(locations=("006059", "006037"), station="KABC/AM")
    assert run(s, [(0, heard("LP1", h1)), (3, heard("LP2", h2))]) == [
        ("log", 1, "pending", "filter:all"), ("poll", 1),
        ("log", 2, "reject", "duplicate:1")]


def test_a_different_issue_time_or_valid_period_is_not_a_duplicate() -> None:
    s = Station(config())
    out = run(s, [(0, heard("LP1", header())),
                  (1, heard("LP2", header(issued=T0 - timedelta(minutes=1)))),
                  (2, heard("LP2", header(minutes=90)))])
    assert [x for x in out if x[0] == "log"] == [
        ("log", 1, "pending", "filter:all"), ("log", 2, "pending", "filter:all"),
        ("log", 3, "pending", "filter:all")]


def test_only_the_last_ten_valid_headers_are_remembered() -> None:
    s = Station(config([{"name": "all", "action": "log"}]))
    events = [(i, heard("LP1", header(issued=T0 - timedelta(minutes=i)))) for i in range(11)]
    run(s, events)
    # The first (issued T0) was pushed out by ten newer ones: no longer a duplicate.
    assert run(s, [(20, heard("LP2", header()))]) == [("log", 12, "log", "filter:all")]
    # The eleventh is still remembered.
    assert run(s, [(21, heard("LP2", header(issued=T0 - timedelta(minutes=10))))]) == [
        ("log", 13, "reject", "duplicate:11")]


def test_duplicate_memory_drops_an_entry_when_its_valid_period_ends() -> None:
    s = Station(config([{"name": "all", "action": "log"}]))
    h = header(minutes=15, issued=T0)
    run(s, [(0, heard("LP1", h))])
    # Same codes heard after expiry: expired, not duplicate (the gate comes first).
    assert run(s, [(901, heard("LP2", h))]) == [("log", 2, "reject", "expired")]


# -- filters --------------------------------------------------------------------------------
@pytest.mark.parametrize(("alert", "served", "overlap"), [
    ("006037", "006037", True),
    ("106037", "006037", True),    # part of a county the station serves whole
    ("006037", "106037", True),    # whole county covers the station's part
    ("206037", "106037", False),   # two different parts
    ("106037", "106037", True),
    ("006000", "006037", True),    # whole state
    ("006037", "006000", True),
    ("000000", "006037", True),    # whole nation
    ("006071", "006037", False),
    ("032000", "006037", False),
])
def test_location_overlap_rules(alert: str, served: str, overlap: bool) -> None:
    assert locations_overlap(alert, served) is overlap
    assert locations_overlap(served, alert) is overlap


FILTERS = [
    {"name": "wx", "sources": ["LP1"], "events": ["TOR", "SVR"], "originators": ["WXR"],
     "action": "forward"},
    {"name": "civil", "events": ["CAE", "RMT"], "action": "manual", "timeout": 120,
     "on_timeout": "forward"},
    {"name": "statement", "events": ["SPS"], "action": "log"},
    {"name": "admin", "events": ["ADR"], "action": "ignore"},
    {"name": "far", "events": ["*"], "locations": ["032003"], "action": "log"},
]


@pytest.mark.parametrize(("source", "h", "expect"), [
    ("LP1", header("TOR"), ("pending", "filter:wx")),
    ("LP2", header("TOR"), ("ignore", "no-filter")),          # wx is LP1 only
    ("LP1", header("TOR", originator="CIV"), ("ignore", "no-filter")),
    ("LP1", header("TOR", locations=("006071",)), ("ignore", "no-filter")),
    ("LP1", header("TOR", locations=("006000",)), ("pending", "filter:wx")),
    ("LP1", header("TOR", locations=("000000",)), ("pending", "filter:wx")),
    ("LP2", header("CAE", originator="CIV"), ("hold", "filter:civil")),
    ("LP2", header("SPS"), ("log", "filter:statement")),
    ("LP2", header("ADR", originator="EAS"), ("ignore", "filter:admin")),
    ("LP2", header("FFW", locations=("032003",)), ("log", "filter:far")),
    ("LP2", header("EAN", originator="PEP", locations=("011001",)), ("pending", "national")),
    ("LP2", header("NPT", originator="PEP", locations=("000000",)), ("pending", "national")),
])
def test_filters_first_match_and_national_bypass(source, h, expect) -> None:
    s = Station(config(FILTERS))
    first = run(s, [(0, heard(source, h))])[0]
    assert first[2:] == expect


def test_national_alert_held_when_a_manual_filter_names_it() -> None:
    s = Station(config([{"name": "ean-manual", "events": ["EAN"], "action": "manual"}]))
    h = header("EAN", originator="PEP", locations=("000000",))
    assert run(s, [(0, heard("LP1", h))])[0] == ("log", 1, "hold", "national")


def test_ean_skips_the_cap_window_and_relays_at_its_eom() -> None:
    s = Station(config([]))
    h = header("EAN", originator="PEP", locations=("000000",))
    assert run(s, [(0, heard("LP1", h)), (2, eom("LP1", 2))]) == [
        ("log", 1, "pending", "national"),
        ("log", 1, "relay", "national"), ("relay", 1, relayed(h), True, "msg.wav", "relay")]


def test_hooks_are_named_per_outcome() -> None:
    s = Station(config(FILTERS))
    out = run(s, [(0, heard("LP2", header("CAE", originator="CIV"))),
                  (1, heard("LP2", header("SPS")))], hooks=True)
    assert ("hooks", "hold", 1) in out and ("hooks", "alert", 2) in out


# -- manual hold ----------------------------------------------------------------------------
def test_manual_hold_times_out_into_its_configured_action() -> None:
    s = Station(config(FILTERS))
    h = header("CAE", originator="CIV")
    assert run(s, [(0, heard("LP2", h)), (30, eom("LP2", 30)), (119, None)]) == [
        ("log", 1, "hold", "filter:civil"), ("hold", 1, at(120), "forward"), ("poll", 1)]
    assert s.next_deadline() == at(120)
    assert run(s, [(120, None)]) == [
        ("log", 1, "pending", "timeout (filter:civil)"),
        ("log", 1, "relay", "timeout (filter:civil)"),
        ("relay", 1, relayed(h), True, "msg.wav", "relay")]


def test_manual_timeout_to_ignore() -> None:
    s = Station(config([{"name": "m", "action": "manual", "timeout": 60,
                         "on_timeout": "ignore"}]))
    run(s, [(0, heard("LP1", header()))])
    assert run(s, [(60, None)]) == [("log", 1, "ignore", "timeout (filter:m)")]
    assert s.pending == []


def test_operator_forward_and_reject_with_user_name_and_late_verdicts() -> None:
    s = Station(config([{"name": "m", "action": "manual", "timeout": 300}]))
    h1, h2 = header("TOR"), header("SVR")
    run(s, [(0, heard("LP1", h1)), (1, heard("LP2", h2)), (20, eom("LP1", 20))])
    assert run(s, [(30, OperatorDecision(1, "alice", "forward"))]) == [
        ("operator", 1, "alice", "forward"), ("log", 1, "pending", "operator:alice"),
        ("log", 1, "relay", "operator:alice"),
        ("relay", 1, relayed(h1), True, "msg.wav", "relay")]
    assert run(s, [(31, OperatorDecision(2, "bob", "reject", "not ours"))]) == [
        ("operator", 2, "bob", "reject"), ("log", 2, "ignore", "operator:bob")]
    assert run(s, [(32, OperatorDecision(2, "carol", "forward"))]) == [
        ("operator", 2, "carol", "forward (too late: not held)")]


# -- triggered CAP polling ------------------------------------------------------------------
def cap_of(h, identifier: str = "NWS-1", status=SignatureStatus.VALID, seconds: float = 5,
           sender: str = "w-nws.webmaster@noaa.gov") -> CapReceived:
    alert = same_to_alert(h, identifier=identifier, sender=sender, reference=T0,
                          description="A tornado warning.")
    return CapReceived("IPAWS", alert, status, at(seconds), "/spool/cap/1.xml")


def test_cap_version_in_the_window_replaces_the_audio_alert() -> None:
    s = Station(config())
    h = header()
    out = run(s, [(0, heard("LP1", h)), (6, cap_of(h, seconds=6))])
    assert out[:2] == [("log", 1, "pending", "filter:all"), ("poll", 1)]
    assert out[2:] == [
        ("log", 1, "ignore", "cap-replaced:2"), ("log", 2, "pending", "cap-version-of:1"),
        ("log", 2, "relay", "cap-version-of:1"),
        ("relay", 2, relayed(h), True, None, "cap")]
    relay = [a for a in s.handle(eom("LP1", 7), at(7))]
    assert relay == []   # the EOM of the replaced audio alert changes nothing


def test_cap_relay_plan_carries_text_and_no_recording() -> None:
    s = Station(config())
    h = header()
    acts = s.handle(heard("LP1", h), T0) + s.handle(cap_of(h), at(5))
    plan = next(a for a in acts if isinstance(a, Relay)).plan
    assert plan.audio is None and "tornado" in (plan.text or "").lower()


def test_cap_after_the_audio_relay_is_a_duplicate() -> None:
    s = Station(config())
    h = header()
    run(s, [(0, heard("LP1", h)), (3, eom("LP1", 3)), (10, None)])
    # Relay ids share the alert id counter (relay 2), so the CAP alert is 3.
    assert run(s, [(30, cap_of(h, seconds=30))]) == [("log", 3, "reject", "duplicate:1")]


def test_cap_alone_relays_at_once_and_its_audio_twin_is_a_duplicate() -> None:
    s = Station(config())
    h = header()
    assert run(s, [(0, cap_of(h, seconds=0)), (40, heard("LP1", h))]) == [
        ("log", 1, "pending", "filter:all"), ("log", 1, "relay", "filter:all"),
        ("relay", 1, relayed(h), True, None, "cap"),
        ("log", 3, "reject", "duplicate:1")]


def test_window_is_configurable_and_at_least_ten_seconds() -> None:
    s = Station(config(cap={"window": 30}))
    h = header()
    run(s, [(0, heard("LP1", h)), (2, eom("LP1", 2))])
    assert run(s, [(29, None)]) == []
    assert run(s, [(30, None)])[1][0] == "relay"


@pytest.mark.parametrize(("status", "reason"), [
    (SignatureStatus.UNSIGNED, "unsigned"),
    (SignatureStatus.INVALID, "signature-invalid"),
    (SignatureStatus.UNTRUSTED, "signature-untrusted"),
])
def test_cap_without_a_valid_signature_is_rejected(status, reason) -> None:
    s = Station(config())
    assert run(s, [(0, cap_of(header(), status=status))]) == [("log", 1, "reject", reason)]


def test_ecig_cap_duplicate_by_identifier_sender_sent() -> None:
    s = Station(config([{"name": "all", "action": "log"}]))
    h = header()
    assert run(s, [(0, cap_of(h)), (200, cap_of(h))]) == [
        ("log", 1, "log", "filter:all"), ("log", 2, "reject", "duplicate-cap")]


def test_cap_that_makes_no_eas_message_is_logged_with_the_reason() -> None:
    s = Station(config())
    alert = same_to_alert(header(), reference=T0, status="Test")
    out = s.handle(CapReceived("IPAWS", alert, SignatureStatus.VALID, T0), T0)
    log = next(a for a in out if isinstance(a, LogAlert))
    assert log.decision == "log" and log.reason.startswith("not-translatable")
    assert log.cap_identifier == alert.identifier and log.signature == "valid"


# -- required tests -------------------------------------------------------------------------
def test_rwt_is_header_and_eom_only_and_counts_per_source() -> None:
    s = Station(config())
    h = header("RWT", originator="EAS", minutes=15)
    h2 = header("RWT", originator="EAS", minutes=15, station="KABC/AM")
    out = run(s, [(0, heard("LP1", h)), (1, heard("LP2", h2)), (10, None)])
    assert out == [
        ("test", "2026-W48", "LP1", "RWT", "received"), ("log", 1, "pending", "filter:all"),
        ("poll", 1),
        ("test", "2026-W48", "LP2", "RWT", "received"), ("log", 2, "reject", "duplicate:1"),
        ("log", 1, "relay", "filter:all"), ("relay", 1, relayed(h), False, None, "relay")]


def test_state_local_relays_header_only_when_configured() -> None:
    s = Station(config(relay={"header_only_state_local": True}))
    h = header("CAE", originator="CIV")
    assert run(s, [(0, heard("LP1", h)), (10, None)])[-1] == (
        "relay", 1, relayed(h), False, None, "relay")


def test_week_end_reports_sources_without_an_rwt() -> None:
    s = Station(config())
    run(s, [(0, heard("LP1", header("RWT", originator="EAS", minutes=15)))])
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    out = run(s, [((monday - T0).total_seconds(), None)])
    assert [x for x in out if x[0] == "test"] == [
        ("test", "2026-W48", "LP2", "RWT", "missed"),
        ("test", "2026-W48", "IPAWS", "RWT", "missed")]


def test_rmt_hold_is_decided_before_the_60_minute_deadline() -> None:
    s = Station(config(FILTERS))
    h = header("RMT", originator="EAS", minutes=60)
    out = run(s, [(0, heard("LP2", h)), (5, eom("LP2", 5))])
    assert ("hold", 1, at(120), "forward") in out
    s2 = Station(config([{"name": "m", "events": ["RMT"], "action": "manual",
                          "timeout": 7200, "on_timeout": "forward"}]))
    out = run(s2, [(0, heard("LP2", h)), (5, eom("LP2", 5))])
    assert ("hold", 1, at(3000), "forward") in out   # 50 min, not two hours
    assert s2.next_deadline() == at(3000)
    assert run(s2, [(3000, None)]) == [
        ("log", 1, "pending", "timeout (filter:m)"), ("log", 1, "relay", "timeout (filter:m)"),
        ("relay", 1, relayed(h), True, "msg.wav", "relay")]


def test_rmt_ignored_by_the_operator_is_a_missed_test_at_its_deadline() -> None:
    s = Station(config([{"name": "m", "events": ["RMT"], "action": "manual"}]))
    h = header("RMT", originator="EAS", minutes=120)
    run(s, [(0, heard("LP2", h)), (60, OperatorDecision(1, "dave", "reject"))])
    assert s.next_deadline() == at(3600)
    assert run(s, [(3599, None)]) == []
    assert run(s, [(3600, None)]) == [("test", "2026-W48", "station", "RMT", "missed")]


def test_rmt_outside_our_area_is_not_ours_to_relay() -> None:
    s = Station(config())
    h = header("RMT", originator="EAS", locations=("048201",))
    run(s, [(0, heard("LP2", h))])
    assert s.next_deadline() is None


def test_rmt_relay_done_in_time_counts_as_sent() -> None:
    s = Station(config())
    h = header("RMT", originator="EAS", minutes=60)
    acts = s.handle(heard("LP1", h), T0) + s.handle(eom("LP1", 30), at(30))
    rid = next(a for a in acts if isinstance(a, Relay)).relay_id
    assert run(s, [(90, RelayDone(rid, "/spool/1.wav"))]) == [
        ("relay-status", rid, "done"), ("log", 1, "relay", "filter:all"),
        ("test", "2026-W48", "station", "RMT", "sent")]


def test_rmt_relayed_after_a_failure_past_the_deadline_is_late() -> None:
    s = Station(config())
    h = header("RMT", originator="EAS", minutes=120)
    acts = s.handle(heard("LP1", h), T0) + s.handle(eom("LP1", 30), at(30))
    rid = next(a for a in acts if isinstance(a, Relay)).relay_id
    out = run(s, [(40, RelayFailed(rid, "sound card gone")), (3600, None)])
    assert out[-1] == ("test", "2026-W48", "station", "RMT", "missed")


def test_weekly_test_time_is_deterministic_random_and_inside_the_window() -> None:
    times = {weekly_test_time(7, f"2026-W{w:02d}", (8, 20), "America/Los_Angeles")
             for w in range(1, 53)}
    assert len({t.weekday() for t in times}) == 7            # every day of the week occurs
    for t in times:
        local = t.astimezone(ZoneInfo("America/Los_Angeles"))
        assert 8 <= local.hour < 20
    assert weekly_test_time(7, "2026-W48") == weekly_test_time(7, "2026-W48")
    assert weekly_test_time(7, "2026-W48") != weekly_test_time(8, "2026-W48")
    assert week_of(weekly_test_time(7, "2026-W48")) == "2026-W48"
    with pytest.raises(ValueError):
        weekly_test_time(7, "2026-48")


def test_own_weekly_rwt_goes_out_at_its_time_and_retries_after_a_failure() -> None:
    cfg = config(tests={"weekly_rwt": True, "seed": 3, "hours": [0, 24]})
    due = weekly_test_time(3, "2026-W48", (0, 24))
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)   # Monday of W48
    s = Station(cfg)
    assert s.tick(start) == [] and s.next_deadline() == due
    assert s.tick(due - timedelta(seconds=1)) == []
    acts = s.tick(due)
    relay = next(a for a in acts if isinstance(a, Relay))
    p = relay.plan
    assert (p.origin, p.attention, p.audio, p.header.event, p.header.originator,
            p.header.station, p.header.locations) == (
        "own-test", False, None, "RWT", "EAS", OUR, ("006037", "006059"))
    assert s.tick(due + timedelta(minutes=1)) == []   # one at a time
    s.relay_failed(relay.relay_id, due + timedelta(minutes=1), "spool full")
    retry = due + timedelta(minutes=16)
    assert s.next_deadline() == retry
    again = next(a for a in s.tick(retry) if isinstance(a, Relay))
    done = s.relay_done(again.relay_id, retry, "/spool/rwt.wav")
    assert ("test", "2026-W48", "station", "RWT", "sent") in [summary(a) for a in done]
    assert s.tick(retry + timedelta(hours=1)) == []


def test_own_weekly_rwt_missed_is_reported_at_week_end() -> None:
    cfg = config(tests={"weekly_rwt": True, "seed": 3, "hours": [0, 24]})
    s = Station(cfg, state=CoreState(week="2026-W47", rwt_received=frozenset(
        {"LP1", "LP2", "IPAWS"})))
    out = run(s, [(0, SourceHealth("LP1", True, -20.0))])
    assert ("test", "2026-W47", "station", "RWT", "missed") in out


# -- relay outcome, health, state machine ---------------------------------------------------
def test_relay_failed_is_logged_and_hooked() -> None:
    s = Station(config())
    acts = s.handle(heard("LP1", header()), T0) + s.handle(eom("LP1", 20), at(20))
    rid = next(a for a in acts if isinstance(a, Relay)).relay_id
    assert run(s, [(21, RelayFailed(rid, "disk full"))], hooks=True) == [
        ("relay-status", rid, "failed"),
        ("log", 1, "relay", "filter:all; relay failed: disk full"),
        ("hooks", "relay-failed", 1)]
    with pytest.raises(KeyError):
        s.relay_done(rid, at(22))


def test_source_health_logged_each_time_hooked_on_change() -> None:
    s = Station(config())
    out = run(s, [(0, SourceHealth("LP1", True)), (1, SourceHealth("LP1", True)),
                  (2, SourceHealth("LP1", False, None, "silence"))], hooks=True)
    assert out == [("health", "LP1", True), ("hooks", "source-health", None),
                   ("health", "LP1", True), ("health", "LP1", False),
                   ("hooks", "source-health", None)]


def test_ids_continue_from_the_restored_state_and_duplicates_survive_restart() -> None:
    s1 = Station(config())
    h = header()
    run(s1, [(0, heard("LP1", h))])
    s2 = Station(config(), state=CoreState(next_id=50, recent=tuple(s1._recent)))
    assert run(s2, [(5, heard("LP2", h))]) == [("log", 50, "reject", "duplicate:1")]


def test_transition_table_covers_every_state_and_refuses_others() -> None:
    reached = {State(v) for v in TRANSITIONS.values()}
    assert reached == set(State)
    s = Station(config())
    run(s, [(0, heard("LP1", header()))])
    a = s._alerts[1]
    with pytest.raises(RuntimeError, match="no transition"):
        s._move(a, "done")


def test_naive_time_and_unknown_event_are_api_misuse() -> None:
    s = Station(config())
    with pytest.raises(TypeError):
        s.tick(datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(TypeError):
        s.handle(object(), T0)  # type: ignore[arg-type]


def test_cap_rwt_not_aired_still_counts_as_the_sources_weekly_test() -> None:
    s = Station(config())
    alert = same_to_alert(header("RWT", originator="EAS", minutes=15), reference=T0,
                          status="Test", identifier="RWT_SDT_1")
    out = run(s, [(0, CapReceived("IPAWS", alert, SignatureStatus.VALID, T0))])
    assert out[0] == ("test", "2026-W48", "IPAWS", "RWT", "received")
    assert out[1][2] == "log" and out[1][3].startswith("not-translatable")
    # Unsigned: rejected before anything counts.
    s2 = Station(config())
    assert run(s2, [(0, CapReceived("IPAWS", alert, SignatureStatus.UNSIGNED, T0))]) == [
        ("log", 1, "reject", "unsigned")]


def test_cap_cancel_stops_a_held_cap_alert() -> None:
    s = Station(config([{"name": "m", "action": "manual", "timeout": 600}]))
    first = cap_of(header("CAE", originator="CIV"), identifier="A-1", seconds=0)
    a = first.alert
    cancel = replace(a, identifier="A-2", sent=a.sent + timedelta(minutes=1),
                     msg_type="Cancel", references=f"{a.sender},{a.identifier},"
                                                   f"{a.sent.isoformat()}")
    out = run(s, [(0, first),
                  (60, CapReceived("IPAWS", cancel, SignatureStatus.VALID, at(60)))])
    assert out[0][:3] == ("log", 1, "hold")
    assert ("log", 1, "ignore", "filter:m; cancelled by A-2") in out
    assert s.pending == [] and run(s, [(600, None)]) == []
