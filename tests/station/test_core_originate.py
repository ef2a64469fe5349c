"""The core's side of an operator origination (issue 13 item 2), with an injected clock:
gates, relay plan, log decision, the duplicate memory both ways, tests counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from eas_encoder.station.actions import Decision, LogAlert, OperatorAction, Relay
from eas_encoder.station.core import CoreState, Station
from eas_encoder.station.events import Originate, RelayDone, RelayFailed

from .harness import T0, at, config, eom, header, heard, run

OUR = "KXYZ/FM "


def originate(h, seconds: float = 0.0, request_id: int = 1, user: str = "alice",
              text: str | None = "Test message.", audio: str | None = None,
              language: str | None = "en-US") -> Originate:
    return Originate(request_id, user, h, at(seconds), text, audio, language)


def ours(event: str = "CAE", minutes: int = 60, issued=T0, locations=("006037",)):
    return header(event, locations, minutes, issued, OUR.strip(), originator="CIV")


def test_an_origination_is_relayed_at_once_logged_as_sent_with_the_user() -> None:
    s = Station(config())
    h = ours()
    acts = s.handle(originate(replace(h, station="SOMEONE"), 1), at(2))
    assert [type(a).__name__ for a in acts] == [
        "LogAlert", "OperatorAction", "OriginationStatus", "Relay", "RunHooks"]
    log, op, status, relay = acts[:4]
    assert isinstance(log, LogAlert) and isinstance(relay, Relay)
    assert (log.alert_id, log.source, log.decision, log.reason, log.at) == (
        1, "operator:alice", Decision.SENT, "originated", at(2))
    assert (log.event, log.originator, log.locations) == ("CAE", "CIV", ("006037",))
    assert isinstance(op, OperatorAction) and (op.user, op.verdict) == ("alice", "originate")
    assert (status.request_id, status.status, status.alert_id) == (1, "taken", 1)
    p = relay.plan
    # Its own L-code whatever the request carried; attention signal; TTS of the text.
    assert str(p.header) == str(replace(h, station="KXYZ/FM")) and p.header.station == OUR
    assert (p.attention, p.audio, p.text, p.language, p.origin) == (
        True, None, "Test message.", "en-US", "operator")
    done = s.handle(RelayDone(relay.relay_id, "spool/x.wav"), at(20))
    assert [(a.decision, a.reason) for a in done if isinstance(a, LogAlert)] == [
        (Decision.SENT, "originated")]
    assert s.pending == []


def test_an_uploaded_message_is_the_relay_audio_and_rwt_is_header_only() -> None:
    s = Station(config())
    [relay] = [a for a in s.handle(originate(ours(), audio="rec/upload-ab.wav", text=None),
                                   T0) if isinstance(a, Relay)]
    assert (relay.plan.audio, relay.plan.text) == ("rec/upload-ab.wav", None)
    rwt = header("RWT", ("006037",), 15, T0, "KXYZ/FM", "EAS")
    assert run(s, [(1, originate(rwt, 1, request_id=2, text=None))])[3] == (
        "relay", 3, str(rwt), False, None, "operator")


def test_expired_while_queued_is_refused_with_its_reason_never_raised() -> None:
    s = Station(config())
    h = ours(minutes=15)
    assert run(s, [(16 * 60, originate(h, 0))]) == [
        ("log", 1, "reject", "expired"),
        ("operator", 1, "alice", "originate (refused: expired)"),
        ("origination", 1, "refused", 1, "expired")]
    far = ours(issued=T0 + timedelta(hours=1))
    assert run(s, [(1, originate(far, 1, request_id=2))])[2] == (
        "origination", 2, "refused", 2, "future")
    assert s.pending == []


def test_our_alert_heard_back_is_a_duplicate_a_new_one_is_not() -> None:
    """The station's own origination heard back on a monitored source (a relay loop) is
    not aired again; an alert with the same codes issued another minute, or by another
    originator, is a different alert and is relayed.
    """
    s = Station(config())
    h = ours()
    acts = s.handle(originate(h), T0)
    relay = next(a for a in acts if isinstance(a, Relay))
    s.handle(RelayDone(relay.relay_id, "x.wav"), at(5))
    loop = replace(h, station="KABC/AM")         # a downstream station rewrote the L-code
    assert run(s, [(30, heard("LP1", loop, 30))]) == [("log", 3, "reject", "duplicate:1")]
    later = ours(issued=T0 + timedelta(minutes=1))
    other_org = header("CAE", ("006037",), 60, T0, "WXL41", "WXR")
    got = run(s, [(70, heard("LP1", later, 70)), (71, heard("LP2", other_org, 71))])
    assert ("log", 4, "pending", "filter:all") in got
    assert ("log", 5, "pending", "filter:all") in got


def test_an_alert_heard_first_makes_an_identical_origination_a_refused_repeat() -> None:
    s = Station(config())
    h = ours()
    run(s, [(0, heard("LP1", h))])
    assert run(s, [(20, originate(h, 20, request_id=9))])[2] == (
        "origination", 9, "refused", 2, "duplicate:1")


def test_a_failed_origination_never_aired_so_an_identical_alert_is_relayed() -> None:
    """Losing a valid alert to the duplicate rule: the operator's relay failed (card
    unplugged), then the same alert arrives from upstream; it must go out.
    """
    s = Station(config())
    h = ours()
    relay = next(a for a in s.handle(originate(h), T0) if isinstance(a, Relay))
    failed = s.handle(RelayFailed(relay.relay_id, "card: no device"), at(3))
    assert [(a.decision, a.reason) for a in failed if isinstance(a, LogAlert)] == [
        (Decision.SENT, "originated; relay failed: card: no device")]
    got = run(s, [(30, heard("LP1", h, 30)), (40, eom("LP1", 40)), (45, None)])
    assert got[0] == ("log", 3, "pending", "filter:all")
    assert ("relay", 3, str(replace(h, station="KXYZ/FM")), True, "msg.wav", "relay") in got


def test_after_a_restart_the_memory_holds_what_was_sent(tmp_path) -> None:
    from eas_encoder.station.log import StationLog

    with StationLog.open(tmp_path / "s.db", now=T0) as log:
        s = Station(config())
        sent, failed = ours(), ours("SPW", locations=("006059",))
        batch = s.handle(originate(sent, 0, 1), T0)
        log.record(batch, T0)
        r1 = next(a for a in batch if isinstance(a, Relay))
        log.record(s.handle(RelayDone(r1.relay_id, "a.wav"), at(2)), at(2))
        batch = s.handle(originate(failed, 3, 2), at(3))
        log.record(batch, at(3))
        r2 = next(a for a in batch if isinstance(a, Relay))
        log.record(s.handle(RelayFailed(r2.relay_id, "disk full"), at(4)), at(4))
        state = log.core_state(at(60))
    assert isinstance(state, CoreState) and [r.alert_id for r in state.recent] == [1]
    again = Station(config(), state=state)
    assert run(again, [(61, heard("LP1", sent, 61))]) == [("log", 5, "reject", "duplicate:1")]
    assert run(again, [(62, heard("LP1", failed, 62))])[0] == ("log", 6, "pending",
                                                                "filter:all")


def test_an_originated_rwt_is_the_weeks_own_test() -> None:
    cfg = config(tests={"weekly_rwt": True, "seed": 3, "hours": [0, 24]})
    s = Station(cfg, state=CoreState(week="2026-W48"))
    rwt = header("RWT", ("006037", "006059"), 15, T0, "KXYZ/FM", "EAS")
    acts = s.handle(originate(rwt, text=None), T0)
    relay = next(a for a in acts if isinstance(a, Relay))
    done = run(s, [(10, RelayDone(relay.relay_id, "x.wav"))])
    assert ("test", "2026-W48", "station", "RWT", "sent") in done
    # No automatic RWT this week any more: the core has nothing scheduled.
    assert s.next_deadline() is None
    assert not any(isinstance(a, Relay) for a in s.tick(T0 + timedelta(days=5)))


def test_operator_actions_carry_the_header_sent() -> None:
    s = Station(config())
    h = ours()
    op = next(a for a in s.handle(originate(h, user="bob"), T0)
              if isinstance(a, OperatorAction))
    assert (op.alert_id, op.user, op.note) == (1, "bob", str(replace(h, station="KXYZ/FM")))


def test_a_request_stamped_by_a_later_clock_keeps_the_duplicate_memory() -> None:
    """The console's clock (or a --once monitor's stream clock) may differ from the core's
    now: the request's time must not prune the memory, or a repeat of a warning already
    relayed would be aired again (found running the README's sample station twice).
    """
    s = Station(config())
    tor = header()
    run(s, [(0, heard("LP1", tor))])
    run(s, [(60, originate(ours(), seconds=86400))])
    assert run(s, [(70, heard("LP2", tor, 70))]) == [("log", 4, "reject", "duplicate:1")]
