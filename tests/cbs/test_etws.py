"""ETWS (3GPP TS 23.041 §9.4.1.3): primary and secondary notifications, real Japanese pages."""

from __future__ import annotations

import json

import pytest

from eas_encoder.cbs.etws import (
    EtwsPrimary,
    WarningType,
    decode_broadcast,
    decode_primary,
    etws_identifier,
    etws_info,
    secondary_notification,
)
from eas_encoder.cbs.pdu import decode, decode_gsm_page
from eas_encoder.cli import main
from eas_encoder.errors import CbsError

# Golden vectors: Japanese ETWS secondary pages (86 octets) from AOSP CellBroadcastService,
# msft-mirror-aosp/platform.packages.modules.CellBroadcastService @ e1587094c8a8,
# tests/src/com/android/cellbroadcastservice/tests/GsmSmsCbMessageTest.java
# (etwsMessageNormal, etwsMessageCancel, etwsMessageTest). The source asserts scope 0, serial 0,
# message identifier 0x1100/0x1103 and the warning type; the texts were decoded here as UCS-2.
JAPAN_NORMAL = bytes.fromhex(
    "000011001101" "0D0A5BAE57CE770C531790E85C716CBF3044573065B930675730"
    "9707767A751F30025F37304463FA308C306B5099304830664E0B30553044FF086C178C615E81FF09"
    "0000000000000000000000000000")
JAPAN_CANCEL = bytes.fromhex(
    "000011001101" "0D0A5148307B3069002800310030003A0035"
    "00320029306E7DCA602557309707901F5831309253D66D883057307E3059FF086C178C615E81FF09"
    "00000000000000000000000000000000000000000000")
JAPAN_TEST = bytes.fromhex(
    "000011031101" "0D0A5BAE57CE770C531790E85C716CBF3044"
    "573065B9306757309707300263FA308C306B5099304830664E0B30553044FF086C178C615E81FF09"
    "00000000000000000000000000000000000000000000")


@pytest.mark.parametrize("pdu,ident,wtype,text", [
    (JAPAN_NORMAL, 0x1100, WarningType.EARTHQUAKE,
     "宮城県北部山沿い地方で地震発生。強い揺れに備えて下さい（気象庁）"),
    (JAPAN_CANCEL, 0x1100, WarningType.EARTHQUAKE,
     "先ほど(10:52)の緊急地震速報を取消します（気象庁）"),
    (JAPAN_TEST, 0x1103, WarningType.TEST,
     "宮城県北部山沿い地方で地震。揺れに備えて下さい（気象庁）"),
])
def test_japanese_86_octet_pages_decode_with_deviations(pdu, ident, wtype, text):
    assert len(pdu) == 86
    msg = decode(pdu)
    assert (msg.message_identifier, msg.serial_number.raw, msg.text) == (ident, 0, text)
    assert msg.language is None
    assert {d.id for d in msg.deviations} == {"short-page", "page-number-zero",
                                              "language-cr-lf", "zero-padding"}
    info = etws_info(msg)
    assert info.warning_type is wtype and not info.emergency_user_alert and not info.popup
    with pytest.raises(CbsError) as err:
        decode_gsm_page(pdu, strict=True)
    assert err.value.field == "pdu" and err.value.position == 86


def test_japanese_page_re_encodes_as_a_conforming_page_with_the_same_text():
    msg = decode(JAPAN_NORMAL)
    again = msg.to_gsm_pdus()
    assert len(again[0]) == 88 and again[0][6:8] == b"\r\n"
    assert decode(again).text == msg.text


@pytest.mark.parametrize("wtype", list(WarningType))
def test_primary_notification_round_trip(wtype):
    for alert in (True, False):
        for popup in (True, False):
            p = EtwsPrimary(wtype, alert, popup)
            pdu = p.to_pdu()
            assert len(pdu) == 6 and pdu[2:4] == (4352 + wtype).to_bytes(2, "big")
            back = decode_broadcast(pdu)
            assert isinstance(back, EtwsPrimary) and back == p
            assert (back.warning_type, back.emergency_user_alert, back.popup) == \
                (wtype, alert, popup)


def test_primary_warning_type_bits_follow_ts_23041():
    # Tsunami (1), user alert and popup: 0000001 1 1 0000000 = 0x0380.
    pdu = EtwsPrimary(WarningType.TSUNAMI, True, True).to_pdu()
    assert pdu[4:6] == b"\x03\x80" and pdu[2:4] == b"\x11\x01"
    # Serial number carries the flags in bits 13 and 12.
    assert pdu[0:2] == b"\x30\x00"


def test_primary_with_security_information_and_odd_lengths():
    security = bytes(range(50))
    pdu = EtwsPrimary(WarningType.EARTHQUAKE, warning_security_information=security).to_pdu()
    assert len(pdu) == 56
    assert decode_primary(pdu).warning_security_information == security
    odd = decode_primary(pdu[:20])
    assert [d.id for d in odd.deviations] == ["security-information-length"]
    with pytest.raises(CbsError, match="warning security information"):
        decode_primary(pdu[:20], strict=True)
    with pytest.raises(CbsError, match="must be 50 octets"):
        EtwsPrimary(WarningType.EARTHQUAKE, warning_security_information=b"x")


def test_primary_refuses_non_etws_identifiers_and_bad_types():
    with pytest.raises(CbsError) as err:
        decode_primary(bytes.fromhex("00001112" "0000"))
    assert err.value.position == 2
    with pytest.raises(CbsError, match="warning type"):
        WarningType.parse("volcano")
    with pytest.raises(CbsError, match="4352-4359"):
        EtwsPrimary(WarningType.TEST, message_identifier=4370)
    with pytest.raises(CbsError, match="ETWS primary"):
        decode(EtwsPrimary(WarningType.TEST).to_pdu())


def test_reserved_identifiers_4357_to_4359_decode():
    for mid in (4357, 4358, 4359):
        p = decode_broadcast(EtwsPrimary(mid - 4352, message_identifier=mid).to_pdu())
        assert p.message_identifier == mid and p.warning_type == mid - 4352


@pytest.mark.parametrize("fmt", ["gsm", "umts"])
def test_secondary_notification_both_formats(fmt):
    msg = secondary_notification("Tsunami warning: move to high ground now.", "tsunami",
                                 emergency_user_alert=True, popup=False, language="en")
    assert msg.message_identifier == etws_identifier(WarningType.TSUNAMI) == 4353
    pdus = msg.to_gsm_pdus() if fmt == "gsm" else [msg.to_umts_pdu()]
    back = decode_broadcast(pdus, strict=True)
    assert back == msg and back.deviations == ()
    info = etws_info(back)
    assert (info.warning_type, info.emergency_user_alert, info.popup) == \
        (WarningType.TSUNAMI, True, False)


def test_cli_encode_and_decode_etws(capsys):
    assert main(["cbs", "encode", "--etws", "both", "--primary", "--no-popup"]) == 0
    primary = capsys.readouterr().out.strip()
    assert primary == "20001102" "0500"
    assert main(["cbs", "decode", primary, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "etws-primary" and out["etws"] == {
        "warning_type": 2, "warning_type_name": "earthquake and tsunami",
        "emergency_user_alert": True, "popup": False}
    assert main(["cbs", "encode", "Earthquake drill", "--etws", "test", "--format",
                 "umts"]) == 0
    umts = capsys.readouterr().out.strip()
    assert main(["cbs", "decode", umts]) == 0
    text = capsys.readouterr().out
    assert "ETWS warning type: 3 (test), emergency user alert on, popup on" in text
    assert "text: Earthquake drill" in text


def test_cli_decodes_the_japanese_page_and_lists_deviations(capsys):
    assert main(["cbs", "decode", JAPAN_NORMAL.hex()]) == 0
    out = capsys.readouterr().out
    assert "ETWS warning type: 0 (earthquake)" in out
    assert out.count("deviation: ") == 4 and "short-page" in out
    assert main(["cbs", "decode", "--strict", JAPAN_NORMAL.hex()]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_etws_errors_are_one_line(capsys):
    for argv in (["cbs", "encode", "--etws", "volcano", "--primary"],
                 ["cbs", "encode", "text", "--etws", "test", "--primary"],
                 ["cbs", "encode", "--primary"],
                 ["cbs", "encode", "  ", "--etws", "tsunami"],
                 ["cbs", "encode", "--etws", "test"]):
        assert main(argv) == 2, argv
        assert capsys.readouterr().err.count("\n") == 1
