"""3GPP TS 23.041 pages: building, decoding, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eas_encoder.cbs import gsm7
from eas_encoder.cbs.pdu import (
    CbsMessage,
    GeographicalScope,
    SerialNumber,
    decode,
    decode_gsm,
    decode_gsm_page,
    decode_umts,
    parse_dcs,
)
from eas_encoder.errors import CbsError

GSM7_CHARS = "".join(sorted(gsm7._ENCODE))


def test_serial_number_fields():
    sn = SerialNumber.from_raw(0x2AA5)
    assert (sn.geographical_scope, sn.message_code, sn.update_number) == (0, 682, 5)
    assert SerialNumber.from_raw(0x0F6A) == SerialNumber(0, 246, 10)
    assert SerialNumber(GeographicalScope.CELL, 0, 0).raw == 0xC000
    with pytest.raises(ValueError):
        SerialNumber(0, 1024, 0)


def test_dcs_interpretation():
    assert parse_dcs(0x04).language == "es"
    assert parse_dcs(0x48).alphabet == "ucs2"
    assert parse_dcs(0x44).alphabet == "8bit"
    assert parse_dcs(0x11).language_in_body and parse_dcs(0x11).alphabet == "ucs2"


def test_seven_characters_umts_end_with_cr_not_at():
    msg = CbsMessage.from_text("Testing", 4370)
    pdu = msg.to_umts_pdu()
    assert pdu[7 + 82] == 7  # 49 bits -> 7 octets used
    # A decoder reading length*8/7 = 8 septets finds the padding CR, not '@'.
    assert gsm7.unpack_septets(pdu[7:14])[7] == gsm7.CR
    assert decode(pdu).text == "Testing"


def test_94_characters_make_two_pages_second_of_one_character():
    msg = CbsMessage.from_text("y" * 94, 4379)
    assert [len(p) for p in msg.pages] == [93, 1]
    pdus = msg.to_gsm_pdus()
    assert [p[5] for p in pdus] == [0x12, 0x22]
    assert decode_gsm(list(reversed(pdus))).text == "y" * 94


def test_spanish_with_accent_goes_ucs2_with_language_in_body():
    msg = CbsMessage.from_text("Alerta AMBER: niño desaparecido, policía", 4392, language="es")
    assert msg.dcs == 0x11 and "í" in msg.alphabet_note
    back = decode(msg.to_gsm_pdus())
    assert back.text == msg.text and back.language == "es"
    assert decode(msg.to_umts_pdu()) == back


def test_too_long_is_an_error_not_a_cut():
    with pytest.raises(CbsError, match="too long"):
        CbsMessage.from_text("z" * (93 * 15 + 1), 4370)
    with pytest.raises(CbsError, match="too long"):
        CbsMessage.from_text("z" * 94, 4370, max_pages=1)


def test_forced_gsm7_refuses_emoji():
    with pytest.raises(CbsError) as exc:
        CbsMessage.from_text("ok \U0001F600", 4370, alphabet="gsm7")
    assert exc.value.position == 3


@pytest.mark.parametrize("mutate,field,position", [
    (lambda b: b[:87], "pdu", 87),
    (lambda b: b[:5] + b"\x00" + b[6:], "page parameter", 5),
    (lambda b: b[:5] + b"\x32" + b[6:], "page parameter", 5),
    (lambda b: b[:4] + b"\x44" + b[5:], "data coding scheme", 4),
])
def test_malformed_gsm_page_names_the_octet(mutate, field, position):
    good = CbsMessage.from_text("hello", 4370).to_gsm_pdus()[0]
    with pytest.raises(CbsError) as exc:
        decode_gsm_page(mutate(good), strict=True)
    assert exc.value.field == field and exc.value.position == position
    assert f"(at {position})" in str(exc.value)


@pytest.mark.parametrize("mutate,field,position", [
    (lambda b: b"\x02" + b[1:], "message type", 0),
    (lambda b: b[:6] + b"\x00" + b[7:], "number of pages", 6),
    (lambda b: b[:6] + b"\x02" + b[7:], "pdu", 90),
    (lambda b: b[:89] + b"\x53", "CBS-Message-Information-Length", 89),
])
def test_malformed_umts_names_the_octet(mutate, field, position):
    good = CbsMessage.from_text("hello", 4370).to_umts_pdu()
    with pytest.raises(CbsError) as exc:
        decode_umts(mutate(good))
    assert exc.value.field == field and exc.value.position == position


def test_ucs2_odd_used_length_names_octet():
    pdu = bytearray(CbsMessage.from_text("д", 4370).to_umts_pdu())
    pdu[89] = 3
    with pytest.raises(CbsError) as exc:
        decode_umts(bytes(pdu))
    assert exc.value.position == 9


def test_pages_from_different_messages_are_refused():
    a = CbsMessage.from_text("x" * 100, 4370).to_gsm_pdus()
    b = CbsMessage.from_text("x" * 100, 4371).to_gsm_pdus()
    with pytest.raises(CbsError) as exc:
        decode_gsm([a[0], b[1]])
    assert exc.value.position == 1
    with pytest.raises(CbsError, match="missing"):
        decode_gsm([a[0]])


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(alphabet=GSM7_CHARS, max_size=300),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=150)),
       st.sampled_from([None, "en", "es", "sv", "xx"]))
def test_text_pages_text_round_trip(text, language):
    text = text.rstrip("\r")  # trailing CRs are padding by definition (TS 23.038 §6.1.2.3.1)
    msg = CbsMessage.from_text(text, 4379, language=language,
                               serial_number=SerialNumber(3, 77, 2))
    for back in (decode(msg.to_gsm_pdus()), decode(msg.to_umts_pdu())):
        assert back.text == text
        assert back.message_identifier == 4379
        assert back.serial_number == SerialNumber(3, 77, 2)
        assert back.language == language
    assert all(len(p) == 88 for p in msg.to_gsm_pdus())


@pytest.mark.parametrize("text", ["a" * 92 + "\r" + "b", "д" * 40 + "\r" + "ж"])
def test_cr_at_a_page_boundary_survives(text):
    msg = CbsMessage.from_text(text, 4370)
    assert decode(msg.to_gsm_pdus()).text == text
    assert decode(msg.to_umts_pdu()).text == text


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=88, max_size=88) | st.integers(1, 3).flatmap(
    lambda n: st.binary(min_size=7 + 83 * n, max_size=7 + 83 * n).map(
        lambda b: b"\x01" + b[1:6] + bytes([n]) + b[7:]))
       | st.binary(max_size=120))
def test_random_pdus_decode_or_raise_cbs_error_only(pdu):
    # AOSP's decoder test feeds 10 000 random PDUs and requires no crash; here the only
    # allowed failure is a CbsError naming what is wrong.
    try:
        msg = decode(pdu)
    except CbsError as exc:
        assert exc.field
        return
    assert msg.to_gsm_pdus()  # whatever decodes can be written again


def test_language_in_body_must_be_letters():
    good = CbsMessage.from_text("hello", 50, language="xx").to_gsm_pdus()[0]
    bad = good[:6] + bytes([good[6] & 0x80 | 0x31]) + good[7:]  # first septet '1'
    with pytest.raises(CbsError) as exc:
        decode_gsm_page(bad)
    assert exc.value.field == "language" and exc.value.position == 6


def test_lenient_decoding_lists_deviations_strict_refuses():
    good = CbsMessage.from_text("hello", 4370).to_gsm_pdus()[0]
    zero = good[:5] + b"\x00" + good[6:]
    msg = decode(zero)
    assert msg.text == "hello" and [d.id for d in msg.deviations] == ["page-number-zero"]
    with pytest.raises(CbsError, match="without strict"):
        decode(zero, strict=True)
    short = decode(good[:40])
    assert short.text == "hello" and [d.id for d in short.deviations] == ["short-page"]
    assert decode(good).deviations == ()


@pytest.mark.parametrize("text", ["\x00", "a\x00", "\x00" * 41, "д" * 39 + "\x00\x00"])
def test_text_ending_in_nul_round_trips(text):
    # Found by hypothesis: U+0000 padding (a Japanese ETWS deviation) must not eat a text's
    # own trailing NULs when the page is padded with CR or has a length.
    msg = CbsMessage.from_text(text, 4370, alphabet="ucs2")
    assert decode(msg.to_umts_pdu()).text == text
    if len(text) < 41:
        assert decode(msg.to_gsm_pdus()).text == text
