"""The layout tables are the single source of octet positions (issue 11 item 4)."""

from __future__ import annotations

import pytest

from eas_encoder.cbs import layout
from eas_encoder.cbs.layout import GSM_PAGE, UMTS_HEADER, UMTS_PAGE, Field, Layout
from eas_encoder.cbs.pdu import CbsMessage, SerialNumber, decode_gsm_page, decode_umts
from eas_encoder.errors import CbsError


def test_tables_are_contiguous_and_cite_ts_23041():
    for table in layout.LAYOUTS:
        assert table.fields[0].offset == 0
        for row in table.fields:
            assert row.clause.startswith("3GPP TS 23.041 §"), row
    assert GSM_PAGE.octets == 88 and UMTS_HEADER.octets == 7 and UMTS_PAGE.octets == 83


def test_a_gap_or_overlap_in_a_table_is_refused():
    with pytest.raises(ValueError, match="does not follow"):
        Layout("bad", "x", (Field("a", 0, 2, True, "", ""), Field("b", 3, 1, True, "", "")))
    with pytest.raises(ValueError, match="repeated"):
        Layout("bad", "x", (Field("a", 0, 1, True, "", ""), Field("a", 1, 1, True, "", "")))


def test_identifier_and_serial_number_swap_between_formats():
    assert (GSM_PAGE["serial_number"].offset, GSM_PAGE["message_identifier"].offset) == (0, 2)
    assert (UMTS_HEADER["message_identifier"].offset,
            UMTS_HEADER["serial_number"].offset) == (1, 3)
    msg = CbsMessage.from_text("swap", 0x1112, serial_number=SerialNumber.from_raw(0x4321))
    gsm, umts = msg.to_gsm_pdus()[0], msg.to_umts_pdu()
    assert gsm[0:2] == b"\x43\x21" and gsm[2:4] == b"\x11\x12"
    assert umts[1:3] == b"\x11\x12" and umts[3:5] == b"\x43\x21"


def test_encoder_and_decoder_read_the_same_rows():
    msg = CbsMessage.from_text("table", 4380, serial_number=SerialNumber(1, 7, 3))
    gsm = msg.to_gsm_pdus()[0]
    assert GSM_PAGE.unpack(gsm)["page_parameter"] == 0x11
    assert GSM_PAGE.pack(GSM_PAGE.unpack(gsm)) == gsm
    umts = msg.to_umts_pdu()
    assert UMTS_HEADER.unpack(umts)["number_of_pages"] == 1
    assert UMTS_PAGE.unpack(umts, UMTS_HEADER.octets)["length"] == 5


def test_error_positions_come_from_the_table():
    pdu = bytearray(CbsMessage.from_text("x", 4370).to_gsm_pdus()[0])
    pdu[GSM_PAGE["page_parameter"].offset] = 0x21
    with pytest.raises(CbsError) as err:
        decode_gsm_page(bytes(pdu))
    assert err.value.position == 5 and err.value.field == "page parameter"
    assert err.value.spec == "3GPP TS 23.041 §9.4.1.2.4"
    umts = bytearray(CbsMessage.from_text("x", 4370).to_umts_pdu())
    umts[UMTS_HEADER["number_of_pages"].offset] = 0
    with pytest.raises(CbsError) as err:
        decode_umts(bytes(umts))
    assert err.value.position == 6 and err.value.field == "number of pages"


def test_pack_refuses_values_that_do_not_fit():
    with pytest.raises(ValueError):
        UMTS_PAGE.pack({"content": b"\0" * 82, "length": 256})
    with pytest.raises(ValueError):
        UMTS_PAGE.pack({"content": b"\0" * 81, "length": 1})
    with pytest.raises(ValueError):
        UMTS_PAGE.pack({"content": b"\0" * 82})
