"""CMAS message identifiers, WEA texts, SAME/CAP -> WEA -> CBS pages, CMAC XML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from eas_encoder.cbs.pdu import decode
from eas_encoder.cbs.wea import (
    WEA_LONG_LIMIT,
    WeaClass,
    WeaMessage,
    WeaText,
    check_wea_text,
    cmas_identifiers,
    message_identifier,
    same_event_class,
    wea_from_cap,
    wea_from_header,
)
from eas_encoder.errors import CbsError

ROOT = Path(__file__).resolve().parents[2]
CAE = "ZCZC-CIV-CAE-006037-006059+0130-0740205-KXYZ/FM -"
REF = datetime(2026, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize("cls,kw,expected", [
    (WeaClass.PRESIDENTIAL, {}, 4370),
    (WeaClass.IMMINENT_THREAT, dict(severity="Extreme", urgency="Immediate",
                                    certainty="Observed"), 4371),
    (WeaClass.IMMINENT_THREAT, dict(severity="extreme", urgency="expected",
                                    certainty="likely"), 4374),
    (WeaClass.IMMINENT_THREAT, dict(severity="Severe", urgency="Expected",
                                    certainty="Likely"), 4378),
    ("AMBER", {}, 4379),
    ("RMT", {}, 4380),
    (WeaClass.EXERCISE, {}, 4381),
    (WeaClass.PUBLIC_SAFETY, {}, 4396),
    (WeaClass.STATE_LOCAL_TEST, {}, 4398),
])
def test_message_identifiers(cls, kw, expected):
    assert message_identifier(cls, **kw) == expected


def test_additional_language_rule_is_plus_13_then_plus_1():
    # notes.md §1.5: base + 13 for 4370-4382, + 1 for 4396 and 4398.
    for row in cmas_identifiers().values():
        if row.additional_language:
            step = 13 if row.base_identifier <= 4382 else 1
            assert row.message_identifier == row.base_identifier + step
    assert message_identifier("AMBER", additional_language=True) == 4392
    assert message_identifier(WeaClass.PUBLIC_SAFETY, additional_language=True) == 4397
    assert message_identifier(WeaClass.STATE_LOCAL_TEST, additional_language=True) == 4399


def test_table_covers_4370_to_4400_without_gaps():
    assert sorted(cmas_identifiers()) == list(range(4370, 4401))


def test_imminent_threat_without_mapping_is_an_error():
    with pytest.raises(CbsError, match="Imminent Threat needs"):
        message_identifier(WeaClass.IMMINENT_THREAT, severity="Moderate",
                           urgency="Future", certainty="Possible")


def test_same_event_classes():
    assert same_event_class("CAE")[0] is WeaClass.CHILD_ABDUCTION
    assert same_event_class("TOR")[:1] == (WeaClass.IMMINENT_THREAT,)
    with pytest.raises(CbsError) as exc:
        same_event_class("RWT")
    assert exc.value.field == "event"


def test_wea_text_limits():
    assert check_wea_text("  x " + "y" * 80, 90) == "x " + "y" * 80
    with pytest.raises(CbsError, match="91 characters; the limit is 90"):
        check_wea_text("z" * 91, 90)
    cut = check_wea_text("word " * 100, WEA_LONG_LIMIT, truncate=True)
    assert len(cut) <= 360 and cut.endswith("word...")
    with pytest.raises(CbsError, match="empty"):
        WeaText("en", "   ")
    with pytest.raises(CbsError) as exc:
        WeaText("en", "bell\x07")
    assert exc.value.position == 4


def test_cae_header_to_wea_to_pages_and_back():
    wea = wea_from_header(CAE, tz="America/Los_Angeles", reference=REF)
    assert wea.wea_class is WeaClass.CHILD_ABDUCTION
    assert wea.message_identifiers() == (4379,)
    assert "until 8:35 PM PDT" in wea.texts[0].short and len(wea.texts[0].short) <= 90
    assert "Los Angeles, CA; Orange, CA" in wea.texts[0].long
    for long in (True, False):
        (msg,) = wea.cbs_messages(long=long)
        back = decode(msg.to_gsm_pdus())
        assert back.message_identifier == 4379
        assert back.text == (wea.texts[0].long if long else wea.texts[0].short)
        assert decode(msg.to_umts_pdu()).text == back.text


def test_header_event_without_class_needs_override():
    rwt = "ZCZC-EAS-RWT-006037+0015-0740205-KXYZ/FM -"
    with pytest.raises(CbsError):
        wea_from_header(rwt, reference=REF)
    wea = wea_from_header(rwt, reference=REF, wea_class="State/Local Test")
    assert wea.message_identifiers() == (4398,)


def test_long_location_list_is_shortened_with_a_count():
    locs = "-".join(f"0480{n:02d}" for n in range(1, 62, 2))  # 31 Texas counties
    wea = wea_from_header(f"ZCZC-WXR-TOR-{locs}+0045-0740205-KXYZ/FM -", reference=REF)
    assert len(wea.texts[0].long) <= 360 and "more areas" in wea.texts[0].long
    assert wea.message_identifiers() == (4372,)


def test_ipaws_cap_sample_to_wea():
    from eas_encoder.cap.xml import parse

    raw = (ROOT / "samples" / "cap_amber_ipaws.xml").read_bytes()
    wea = wea_from_cap(parse(raw))
    # The sample's WEAHandling (Child Abduction) agrees with its CAE event code.
    assert wea.wea_class is WeaClass.CHILD_ABDUCTION and wea.notes == ()
    assert wea.texts[0].short.startswith("AMBER Alert: Pasadena")
    assert wea.geocodes == ("006037", "006059", "006111")
    (msg,) = wea.cbs_messages()
    back = decode(msg.to_gsm_pdus())
    assert (back.text, back.message_identifier) == (wea.texts[0].short, 4379)
    # A WEAHandling that disagrees with the event code wins, with a note saying so.
    other = parse(raw.replace(b"<value>Child Abduction</value>", b"<value>Public Safety</value>"))
    wea = wea_from_cap(other)
    assert wea.wea_class is WeaClass.PUBLIC_SAFETY
    assert any("overrides" in n for n in wea.notes)
    assert wea.message_identifiers() == (4396,)
    assert wea_from_cap(other, wea_class="AMBER").message_identifiers() == (4379,)


def test_bilingual_cap_gives_english_and_spanish_identifiers(shared_reference):
    from eas_encoder.cap.xml import parse

    alert = parse((shared_reference / "cap" / "samples" / "ibm_oasis_amber_example.xml")
                  .read_bytes())
    wea = wea_from_cap(alert)
    assert [t.language for t in wea.texts] == ["en", "es"]
    assert wea.message_identifiers() == (4379, 4392)
    en, es = wea.cbs_messages()
    assert es.alphabet == "ucs2" and "Á" in es.alphabet_note
    back = decode(es.to_gsm_pdus())
    assert (back.text, back.language, back.message_identifier) == (
        "Alerta Amber en el condado de Los Ángeles", "es", 4392)
    assert decode(en.to_umts_pdu()).text == "Amber Alert in Los Angeles County"


def _cap_with_params(params: str, lang: str = "en-US") -> bytes:
    return f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>T-1</identifier><sender>t@example.gov</sender>
<sent>2026-03-14T19:05:00-07:00</sent><status>Actual</status><msgType>Alert</msgType>
<scope>Public</scope><info><language>{lang}</language><category>Met</category>
<event>Tornado Warning</event><urgency>Immediate</urgency><severity>Extreme</severity>
<certainty>Observed</certainty><expires>2026-03-14T19:50:00-07:00</expires>{params}
<area><areaDesc>Dallas County, TX</areaDesc><geocode><valueName>SAME</valueName>
<value>048113</value></geocode></area></info></alert>""".encode()


def test_cap_long_text_labelled_cmamtext_is_read_as_long():
    from eas_encoder.cap.xml import parse

    long = "Tornado warning in this area. " * 5
    alert = parse(_cap_with_params(
        f"<parameter><valueName>CMAMText</valueName><value>{long}</value></parameter>"))
    wea = wea_from_cap(alert, tz="America/Chicago")
    assert wea.texts[0].long == long.strip()
    assert "9:50 PM CDT" in wea.texts[0].short  # derived, in the asked zone
    assert wea.message_identifiers() == (4371,)  # Extreme, Immediate, Observed


def test_cap_too_long_cmamtext_is_an_error():
    from eas_encoder.cap.xml import parse

    alert = parse(_cap_with_params(
        f"<parameter><valueName>CMAMlongtext</valueName><value>{'x' * 361}</value>"
        "</parameter>"))
    with pytest.raises(CbsError, match="361 characters"):
        wea_from_cap(alert)


def test_cmac_xml_shape():
    wea = wea_from_header(CAE, reference=REF)
    root = etree.fromstring(wea.to_cmac_xml(message_number=0x1056))
    ns = {"c": "cmac:2.0"}
    assert root.tag == "{cmac:2.0}CMAC_Alert_Attributes"
    assert root.findtext("c:CMAC_message_number", namespaces=ns) == "00001056"
    area = root.find("c:CMAC_alert_info/c:CMAC_Alert_Area", ns)
    assert [e.text for e in area.findall("c:CMAC_cmas_geocode", ns)] == ["06037", "06059"]
    text = root.find("c:CMAC_alert_info/c:CMAC_Alert_Text", ns)
    short = text.findtext("c:CMAC_short_text_alert_message", namespaces=ns)
    assert short == wea.texts[0].short
    assert text.findtext("c:CMAC_short_text_alert_message_length", namespaces=ns) == \
        str(len(short))


def test_three_languages_refused():
    t = WeaText("en", "x")
    with pytest.raises(CbsError):
        WeaMessage(WeaClass.EXERCISE, (t, t, t))


def test_same_event_table_is_consistent_with_codes_and_identifiers():
    from eas_encoder.same.codes import event_codes
    from eas_encoder.specs_data import read_table

    rows = read_table("cmas_same_events.csv")
    assert rows
    for row in rows:
        assert row["event"] in event_codes(), row
        assert row["source"], row
        cls, s, u, c = same_event_class(row["event"])
        assert 4370 <= message_identifier(cls, severity=s, urgency=u, certainty=c) <= 4399
    assert all(r.source for r in cmas_identifiers().values())


@pytest.mark.parametrize("status", ["Test", "System", "Draft"])
def test_non_actual_cap_never_goes_out_under_a_live_identifier(status):
    from eas_encoder.cap.xml import parse

    raw = (ROOT / "samples" / "cap_amber_ipaws.xml").read_bytes()
    alert = parse(raw.replace(b"<status>Actual</status>", f"<status>{status}</status>".encode()))
    with pytest.raises(CbsError) as info:
        wea_from_cap(alert)
    assert info.value.field == "status"
    with pytest.raises(CbsError):
        wea_from_cap(alert, wea_class="AMBER")
    assert wea_from_cap(alert, wea_class="State/Local Test").message_identifiers() == (4398,)


def test_exercise_status_goes_out_as_the_exercise_class():
    from eas_encoder.cap.xml import parse

    raw = (ROOT / "samples" / "cap_amber_ipaws.xml").read_bytes()
    wea = wea_from_cap(parse(raw.replace(b"<status>Actual</status>",
                                         b"<status>Exercise</status>")))
    assert wea.message_identifiers() == (4381,)
    assert any("Exercise" in n for n in wea.notes)
