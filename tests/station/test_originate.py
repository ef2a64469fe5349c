"""Originating an alert (issue 13 items 2 and 4): the form's rules (the CLI's library rules,
every fault at once), its preview, the uploaded message audio's threats, and the log's queue.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.errors import EasError
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.station.log import SCHEMA_VERSION, LogError, StationLog
from eas_encoder.station.originate import (
    FormError,
    OriginationForm,
    check_message_audio,
    county_choices,
    parse_duration,
    validate_origination,
)

from .harness import T0, at, config

VOICES = {"en-us": "en-us", "en": "en", "es": "es"}


def form(**kw) -> OriginationForm:
    base = {"event": "CAE", "locations": ("006037",), "originator": "CIV", "duration": "0100",
            "message_text": "This is a test of the amber alert.", "user": "alice"}
    return OriginationForm(**{**base, **kw})


def errors_of(f: OriginationForm, **kw) -> dict[str, str]:
    with pytest.raises(FormError) as info:
        validate_origination(f, kw.pop("cfg", config()), T0, voices=VOICES, **kw)
    return info.value.errors


# -- the form -------------------------------------------------------------------------------
def test_every_field_fault_is_reported_at_once_with_the_library_rules() -> None:
    errs = errors_of(form(event="XYZ", originator="QQQ", locations=("006999", "12345"),
                          duration="0020", user=" "))
    assert set(errs) == {"event", "originator", "locations", "duration", "user"}
    assert "unknown event code" in errs["event"] and "11.31(e)" in errs["event"]
    assert "unknown originator code" in errs["originator"]
    # An unknown county is refused (check_listed_county, as `encode` without
    # --allow-unlisted), and every code at fault is named; no CLI-only hint.
    assert "006999: no county 999 in California" in errs["locations"]
    assert "12345: must be six digits" in errs["locations"]
    assert "--allow-unlisted" not in errs["locations"] + errs["event"]
    assert "allow_unlisted" not in errs["locations"] + errs["event"]
    # One code posted as a bare string is that code, not six one-character codes.
    one = validate_origination(form(locations="006059"), config(), T0,  # type: ignore[arg-type]
                               voices=VOICES)
    assert one.header.locations == ("006059",)
    assert "next legal: +0030" in errs["duration"]


@pytest.mark.parametrize(("text", "minutes"), [
    ("0015", 15), ("+0045", 45), ("0100", 60), ("0130", 90), ("30", 30), ("90", 90),
    ("9930", 5970)])
def test_duration_as_hhmm_or_minutes(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(("text", "why"), [
    ("0010", "next legal: +0015"), ("0115", "next legal: +0130"), ("75", "+0130"),
    ("0", "at least +0015"), ("0060", "minutes must be 00-59"), ("1h", "HHMM"),
    ("", "HHMM"), ("99999", "HHMM"), ("9945", "+0000 and +9930"), ("０１００", "HHMM")])
def test_duration_off_the_steps_is_refused(text: str, why: str) -> None:
    with pytest.raises(EasError, match=r"valid_time") as info:
        parse_duration(text)
    assert why in info.value.rule


def test_national_activations_are_not_originated_by_a_station() -> None:
    errs = errors_of(form(event="EAN", originator="PEP", locations=("000000",)))
    assert "national activation" in errs["event"]
    assert "PEP" in errs["originator"] and "000000" in errs["locations"]


def test_message_rules() -> None:
    assert errors_of(form(message_text=""))["message_text"].startswith("is needed")
    both = errors_of(form(audio_path=Path("x.wav")))
    assert "not both" in both["message_text"]
    # RWT is header and EOM only (47 CFR 11.61(a)(2)): no message accepted.
    rwt = errors_of(form(event="RWT"))
    assert "header and EOM only" in rwt["message_text"]
    assert "control character" in errors_of(form(message_text="a\x1bb"))["message_text"]
    assert "at most 1800" in errors_of(form(message_text="word " * 400))["message_text"]
    assert "espeak-ng voice" in errors_of(form(language="tlh"))["language"]


def test_a_valid_form_gives_the_preview_with_own_l_code_and_the_station_zone() -> None:
    cfg = config(tests={"timezone": "America/Los_Angeles", "weekly_rwt": False})
    o = validate_origination(form(locations=("006037", "006059")), cfg, T0, voices=VOICES)
    assert o.header_text == "ZCZC-CIV-CAE-006037-006059+0100-3281500-KXYZ/FM -"
    assert o.header == Header.parse(o.header_text)
    assert (o.issued, o.expires) == (T0, at(3600))
    assert "Los Angeles, CA; Orange, CA" in o.crawl
    assert "7:00 AM PST on NOV 24, 2026 Effective until 8:00 AM PST" in o.crawl
    assert o.wea is not None and o.wea.short.endswith("until 8:00 AM PST. Check local media.")
    assert len(o.wea.short) <= 90 and o.wea.long and len(o.wea.long) <= 360
    assert "Child Abduction Emergency" in o.description and o.user == "alice"
    assert (o.message_text, o.audio_path, o.language) == (form().message_text, None, "en-US")
    rwt = validate_origination(form(event="RWT", originator="EAS", message_text="",
                                    duration="15"), cfg, T0, voices={})
    assert rwt.header_only and rwt.wea is None and "no WEA text" in rwt.wea_note
    assert rwt.header_text == "ZCZC-EAS-RWT-006037+0015-3281500-KXYZ/FM -"


def test_county_choices_cover_the_states_served_by_name() -> None:
    cfg = config([{"name": "tx", "locations": ["048453", "106037"], "action": "forward"}])
    choices = county_choices(cfg)
    codes = [c for c, _ in choices]
    assert choices[:2] == [("006000", "all of California"), ("048000", "all of Texas")]
    assert ("048453", "Travis County, TX") in choices
    assert ("006037", "Los Angeles County, CA") in choices
    # The station's own counties (006037, 006059 in config()) first, then the rest by name.
    assert choices[2:4] == [("006037", "Los Angeles County, CA"), ("006059", "Orange County, CA")]
    names = [n for c, n in choices[4:] if c[3:] != "000" and c[0] == "0"]
    assert names == sorted(names) and "Los Angeles County, CA" not in names
    assert codes[-1] == "106037" and len(codes) == len(set(codes))   # a county part, as set


# -- the uploaded message audio -------------------------------------------------------------
def _wav(path: Path, seconds: float, fs: int = 16000, channels: int = 1) -> Path:
    t = np.arange(int(seconds * fs)) / fs
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    sf.write(path, np.tile(tone[:, None], (1, channels)), fs)
    return path


def test_message_audio_accepted_with_its_length(tmp_path: Path) -> None:
    assert check_message_audio(_wav(tmp_path / "m.wav", 1.5)) == pytest.approx(1.5, abs=0.01)


def test_message_audio_threats_are_refused(tmp_path: Path) -> None:
    def refused(path: Path, **kw) -> str:
        with pytest.raises(EasError) as info:
            check_message_audio(path, **kw)
        assert info.value.field == "audio"
        return info.value.rule

    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n" * 100)
    assert "not an audio file" in refused(text)
    assert "longer than 2 s" in refused(_wav(tmp_path / "long.wav", 3.0), max_seconds=2)
    assert "channels" in refused(_wav(tmp_path / "wide.wav", 0.1, channels=9))
    assert "8000 to 192000" in refused(_wav(tmp_path / "low.wav", 1.0, fs=4000))
    assert "cannot be read" in refused(tmp_path / "missing.wav")
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)     # opening it would wait for a writer for ever
    assert "not a regular file" in refused(fifo)
    nested = encode_transmission("ZCZC-EAS-DMO-999000+0015-3281500-KXYZ/FM -", fs=16000,
                                 attention="none")
    sf.write(tmp_path / "nested.wav", nested.samples, 16000)
    assert "contains SAME header ZCZC-EAS-DMO-999000" in refused(tmp_path / "nested.wav")


def test_a_refused_upload_fails_the_form_beside_the_audio_field(tmp_path: Path) -> None:
    errs = errors_of(form(message_text="", audio_path=_wav(tmp_path / "l.wav", 3.0)),
                     max_audio_seconds=2)
    assert list(errs) == ["audio"] and "longer than 2 s" in errs["audio"]
    ok = validate_origination(form(message_text="", audio_path=tmp_path / "l.wav"), config(),
                              T0, voices={})
    assert ok.audio_path == tmp_path / "l.wav" and ok.audio_seconds == pytest.approx(3.0)


# -- the log's queue ------------------------------------------------------------------------
def test_queue_taken_exactly_once_and_status_follows(tmp_path: Path) -> None:
    o = validate_origination(form(), config(), T0, voices=VOICES)
    with StationLog.open(tmp_path / "s.db", now=T0) as log:
        rid = log.request_origination(o, "alice", at=T0)
        [row] = log.origination_requests()
        assert (row.request_id, row.status, row.header, row.user) == (
            rid, "queued", o.header_text, "alice")
        [ev] = log.take_origination_requests(at(1))
        assert (ev.request_id, ev.user, ev.header, ev.at, ev.text, ev.language) == (
            rid, "alice", o.header, T0, o.message_text, "en-US")
        assert log.take_origination_requests(at(2)) == []
        assert log.origination_requests(request_id=rid)[0].status == "taken"
        with pytest.raises(LogError, match="validated origination"):
            log.request_origination(object(), "alice", at=T0)
        with pytest.raises(LogError, match="operator"):
            log.request_origination(o, " ", at=T0)
        # A row written by hand (or an older version) that no longer parses is refused at
        # take time with its reason, never an exception in the monitor.
        log._conn.execute("INSERT INTO origination_requests (user, at, header) VALUES "
                          "('bob', ?, 'ZCZC-garbage')", (T0.isoformat(),))
        assert log.take_origination_requests(at(3)) == []
        bad = log.origination_requests(1)[0]
        assert bad.status == "refused" and bad.reason.startswith("bad header")


def test_a_request_taken_by_a_monitor_that_died_is_marked_refused(tmp_path: Path) -> None:
    o = validate_origination(form(), config(), T0, voices=VOICES)
    with StationLog.open(tmp_path / "s.db", now=T0) as log:
        log.request_origination(o, "alice", at=T0)
        log.take_origination_requests(at(1))     # killed before the core's answer was logged
    with StationLog.open(tmp_path / "s.db", now=at(60)) as log:
        [row] = log.origination_requests()
        assert row.status == "refused" and row.reason.startswith("interrupted")


def test_a_version_2_log_gains_the_queue_and_keeps_its_rows(tmp_path: Path) -> None:
    from eas_encoder.station import log as logmod

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as c:
        c.executescript(logmod._SCHEMA + logmod._OPERATOR_REQUESTS + "PRAGMA user_version = 2;")
        c.execute("INSERT INTO operator_requests (alert_id, user, verdict, note, at) VALUES "
                  "(7, 'carol', 'forward', '', ?)", (T0.isoformat(),))
    with StationLog.open(db, writer=False) as reader:   # a reader migrates too (console)
        assert reader.origination_requests() == []
    with StationLog.open(db, now=T0) as log:
        assert [d.alert_id for d in log.take_operator_requests(T0)] == [7]
        o = validate_origination(form(), config(), T0, voices=VOICES)
        assert log.request_origination(o, "alice", at=T0) == 1
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_the_header_queued_is_the_one_previewed(tmp_path: Path) -> None:
    # The issue time is the confirmation's, so the relay carries what the operator saw.
    o = validate_origination(form(), config(), at(59), voices=VOICES)
    later = replace(o)
    with StationLog.open(tmp_path / "s.db", now=T0) as log:
        log.request_origination(later, "alice", at=at(75))
        [ev] = log.take_origination_requests(at(130))
    assert str(ev.header) == o.header_text and ev.at == at(75)


# -- the relay speaks the text in the form's language ---------------------------------------
def test_the_relay_speaks_in_the_language_the_form_was_checked_for() -> None:
    from eas_encoder.errors import EncodeError
    from eas_encoder.multilingual import installed_voices
    from eas_encoder.station.actions import RelayPlan
    from eas_encoder.station.outputs import render_relay
    from tests.helpers import require_tool

    require_tool("espeak-ng")
    if "es" not in installed_voices():
        pytest.skip("espeak-ng has no Spanish voice here")
    h = Header.parse("ZCZC-CIV-CAE-006037+0100-3281500-KXYZ/FM -")
    plan = RelayPlan(h, attention=False, attention_seconds=8.0, text="Alerta de prueba.",
                     origin="operator", language="es")
    spanish = render_relay(plan, fs=8000)
    english = render_relay(replace(plan, language=None), fs=8000)
    assert len(spanish) and not np.array_equal(spanish, english)
    with pytest.raises(EncodeError, match="language"):
        render_relay(replace(plan, language="tlh"), fs=8000)


# -- untrusted form fields ------------------------------------------------------------------
def test_any_form_gives_a_form_error_or_a_sound_origination() -> None:
    """Whatever is posted (a tampered form: any text in any field), the answer is a
    FormError naming only known fields, or an origination whose header parses back and
    carries the station's own L-code; never another exception.
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cfg = config()
    fields = {"event", "originator", "locations", "duration", "message_text", "audio",
              "language", "user"}
    hits = {"ok": 0, "refused": 0}
    posted = st.one_of(st.text(max_size=40), st.sampled_from(
        ["RWT", "EAN", "PEP", "000000", "006999", "0020", "90", "es", "x", " ", "\x00"]))

    @settings(max_examples=200, deadline=None)
    @given(name=st.sampled_from(["event", "originator", "locations", "duration",
                                 "message_text", "language", "user"]),
           value=posted, more=st.lists(st.text(max_size=8), max_size=32))
    def check(name: str, value: str, more: list[str]) -> None:
        # A valid form with one field replaced by anything a client can post.
        f = replace(form(), **{name: (value, *more) if name == "locations" else value})
        try:
            o = validate_origination(f, cfg, T0, voices=VOICES)
        except FormError as exc:
            hits["refused"] += 1
            assert exc.errors and set(exc.errors) <= fields
            return
        hits["ok"] += 1
        assert Header.parse(o.header_text) == o.header
        assert o.header.station == "KXYZ/FM " and o.user == f.user.strip()

    check()
    assert hits["ok"] and hits["refused"]      # both answers were exercised
