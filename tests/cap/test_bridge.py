"""CAP -> SAME (ECIG) and SAME -> CAP (IPAWS style)."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings

from eas_encoder.cap.bridge import alert_to_same, same_to_alert, select_info
from eas_encoder.cap.xml import parse, serialize
from eas_encoder.errors import CapError, HeaderError
from eas_encoder.same.header import Header
from tests.same.strategies import headers

from .conftest import AMBER_HEADER


def _alert(doc: bytes, old: str = "", new: str = ""):  # type: ignore[no-untyped-def]
    if old:
        assert old.encode() in doc
        doc = doc.replace(old.encode(), new.encode(), 1)
    return parse(doc)


def test_amber_header(amber_bytes: bytes) -> None:
    act = alert_to_same(parse(amber_bytes), station="KXYZ/FM")
    # Document order, 006037 listed twice but sent once, +0200 from 2 h, day 074 02:05 UTC.
    assert str(act.header) == AMBER_HEADER
    assert act.language == "en-US" and act.audio is None and act.notes == ()
    # The spoken text opens with the visual-message sentence of eas_encoder.text (UTC).
    assert act.text.startswith("A civil authority has issued A CHILD ABDUCTION EMERGENCY "
                               "for the following counties/areas: Los Angeles, CA; Orange, "
                               "CA; Ventura, CA; at 2:05 AM UTC on MAR 15, ")
    assert "Effective until 4:05 AM UTC. Message from KXYZ/FM." in act.text
    assert act.text.endswith("Do not approach the suspect.")


@pytest.mark.parametrize("expires,tttt", [
    ("2026-03-14T19:06:00-07:00", "+0015"), ("2026-03-14T19:50:00-07:00", "+0045"),
    ("2026-03-14T20:05:00-07:00", "+0100"), ("2026-03-14T20:05:01-07:00", "+0130"),
    ("2026-03-14T21:06:00-07:00", "+0230"), ("2026-03-19T21:05:00-07:00", "+9930"),
])
def test_duration_rounds_up(amber_bytes: bytes, expires: str, tttt: str) -> None:
    a = _alert(amber_bytes, "2026-03-14T21:05:00-07:00", expires)
    assert alert_to_same(a, station="KXYZ/FM").header.valid_time_text == tttt


def test_eas_text_used_verbatim(amber_bytes: bytes) -> None:
    a = _alert(amber_bytes, "<parameter>", "<parameter><valueName>EASText</valueName>"
               "<value>Exact words to air.</value></parameter><parameter>")
    assert alert_to_same(a, station="KXYZ/FM").text == "Exact words to air."


def test_more_than_31_locations_is_a_clear_error(amber_bytes: bytes) -> None:
    geos = "".join(f"<geocode><valueName>SAME</valueName><value>006{c:03d}</value></geocode>"
                   for c in range(1, 70, 2))
    a = _alert(amber_bytes, "<areaDesc>Los Angeles County, CA</areaDesc>",
               f"<areaDesc>Los Angeles County, CA</areaDesc>{geos}")
    with pytest.raises(CapError, match="at most 31") as exc:
        alert_to_same(a, station="KXYZ/FM")
    assert exc.value.field == "/alert/info[1]/area"


def test_exactly_31_after_dedupe_is_fine(amber_bytes: bytes) -> None:
    geos = "".join(f"<geocode><valueName>SAME</valueName><value>006{c:03d}</value></geocode>"
                   for c in [*range(1, 61, 2), 1, 3])  # 30 distinct + 2 repeats
    a = _alert(amber_bytes, "<areaDesc>Orange County, CA; Ventura County, CA</areaDesc>",
               f"<areaDesc>x</areaDesc>{geos}")
    h = alert_to_same(a, station="KXYZ/FM").header
    assert len(h.locations) == 31 and h.locations[0] == "006037"


@pytest.mark.parametrize("old,new,words", [
    ("<msgType>Alert</msgType>", "<msgType>Cancel</msgType><references>a,b,"
     "2026-03-14T18:05:00-07:00</references>", "no EAS activation"),
    ("<status>Actual</status>", "<status>Test</status>", "does not go to air"),
    ("<scope>Public</scope>", "<scope>Restricted</scope><restriction>x</restriction>",
     "Public only"),
    ("<valueName>EAS-ORG</valueName>", "<valueName>EAS-ORGX</valueName>", "EAS-ORG"),
    ("<value>CAE</value>", "<value>ZZZ</value>", "not a known event"),
    ("<expires>2026-03-14T21:05:00-07:00</expires>", "", "expires is required"),
])
def test_not_translatable(amber_bytes: bytes, old: str, new: str, words: str) -> None:
    with pytest.raises(CapError, match=words):
        alert_to_same(_alert(amber_bytes, old, new), station="KXYZ/FM")


def test_update_is_a_new_activation(amber_bytes: bytes) -> None:
    a = _alert(amber_bytes, "<msgType>Alert</msgType>", "<msgType>Update</msgType>"
               "<references>x,y,2026-03-14T18:05:00-07:00</references>")
    assert str(alert_to_same(a, station="KXYZ/FM").header) == AMBER_HEADER


def test_test_status_only_for_test_events(amber_bytes: bytes) -> None:
    a = _alert(amber_bytes, "<status>Actual</status>", "<status>Test</status>")
    with pytest.raises(CapError, match="does not go to air"):
        alert_to_same(a, station="KXYZ/FM", allow_test=True)  # CAE is not a test event
    rmt = parse(serialize(a).replace(b"<value>CAE</value>", b"<value>RMT</value>"))
    assert alert_to_same(rmt, station="KXYZ/FM", allow_test=True).header.event == "RMT"


def test_language_selection(shared_reference) -> None:
    a = parse((shared_reference / "cap" / "samples" / "ibm_oasis_amber_example.xml")
              .read_bytes())
    assert select_info(a, "es-US")[0] == 1
    assert select_info(a, "es")[0] == 1
    assert select_info(a, "EN-us")[0] == 0
    with pytest.raises(CapError, match="present: en-US, es-US"):
        select_info(a, "fr-CA")


def test_station_from_parameter_or_error(amber_bytes: bytes) -> None:
    with pytest.raises(CapError, match="station"):
        alert_to_same(parse(amber_bytes))
    with pytest.raises(HeaderError):
        alert_to_same(parse(amber_bytes), station="KXYZ-FM")


def _wav_base64(seconds: float = 0.25, fs: int = 8000) -> str:
    t = np.arange(int(seconds * fs)) / fs
    buf = io.BytesIO()
    sf.write(buf, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), fs, format="WAV")
    return base64.b64encode(buf.getvalue()).decode()


def test_audio_resource_choice(amber_bytes: bytes) -> None:
    """The bridge only chooses the resource (in-band first); reading it is the edge's
    (eas_encoder.message, tests/test_message.py), so the CAP layer opens nothing.
    """
    inband = ("<resource><resourceDesc>EAS Broadcast Content</resourceDesc><mimeType>"
              f"audio/x-ipaws-audio-wav</mimeType><derefUri>{_wav_base64()}</derefUri>"
              "</resource>")
    remote = ("<resource><resourceDesc>EAS Broadcast Content</resourceDesc><mimeType>"
              "audio/x-ipaws-audio-mp3</mimeType><uri>https://example.gov/a.mp3</uri>"
              "</resource>")
    both = alert_to_same(_alert(amber_bytes, "<area>", remote + inband + "<area>"),
                         station="KXYZ/FM")
    assert both.audio is not None and both.audio.deref_uri is not None
    act = alert_to_same(_alert(amber_bytes, "<area>", remote + "<area>"), station="KXYZ/FM")
    assert act.audio is not None and act.audio.uri == "https://example.gov/a.mp3"
    assert [n.rule_id for n in act.notes] == ["ECIG-AUDIO"]


@settings(max_examples=60, deadline=None)
@given(headers())
def test_same_cap_same_round_trip(header: Header) -> None:
    alert = same_to_alert(header, reference=datetime(2024, 6, 1, tzinfo=UTC))
    back = alert_to_same(parse(serialize(alert)), station=header.station)
    assert back.header == header
    assert re.fullmatch(r"[^\s,&<]+", alert.identifier)
