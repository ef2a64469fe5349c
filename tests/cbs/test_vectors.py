"""Every shared CBS vector decodes to its expected fields and re-encodes byte for byte."""

from __future__ import annotations

import json

import pytest

from eas_encoder.cbs.pdu import decode, decode_gsm_page


def _vectors(shared_reference):
    data = json.loads((shared_reference / "cbs" / "vectors.json").read_text("utf-8"))
    assert data["vectors"], "vectors.json holds no vectors"
    return data["vectors"]


def test_every_vector_decodes_and_reencodes(shared_reference):
    for v in _vectors(shared_reference):
        pdu = bytes.fromhex(v["pdu_hex"])
        assert len(pdu) == v["pdu_octets"], v["id"]
        exp = v["expected"]
        msg = decode(pdu)
        sn = exp["serial_number"]
        assert msg.text == exp["text"], v["id"]
        assert msg.message_identifier == exp["message_identifier"], v["id"]
        assert msg.serial_number.raw == sn["raw"], v["id"]
        assert msg.serial_number.geographical_scope == sn["geographical_scope"], v["id"]
        assert msg.serial_number.message_code == sn["message_code"], v["id"]
        assert msg.serial_number.update_number == sn["update_number"], v["id"]
        assert msg.dcs == exp["dcs"], v["id"]
        assert msg.alphabet == exp["alphabet"], v["id"]
        assert msg.language == exp["language"], v["id"]
        pages = exp["pages"]
        if v["format"] == "gsm":
            page = decode_gsm_page(pdu)
            assert (page.page, page.total) == (pages["page"], pages["total"]), v["id"]
            assert msg.to_gsm_pdus() == [pdu], v["id"]
        else:
            assert len(msg.pages) == pages["number_of_pages"], v["id"]
            assert [msg.page_content(i)[1] for i in range(len(msg.pages))] == \
                pages["page_lengths"], v["id"]
            assert msg.to_umts_pdu() == pdu, v["id"]


@pytest.mark.parametrize("vector_id", ["osmocom-gsm0341-rmt-mahlzeit"])
def test_osmocom_golden_built_from_text(shared_reference, vector_id):
    """Build the osmocom RMT page from its inputs alone, not from the decoded PDU."""
    from eas_encoder.cbs.pdu import CbsMessage, SerialNumber

    v = next(x for x in _vectors(shared_reference) if x["id"] == vector_id)
    msg = CbsMessage.from_text("Mahlzeit!", 0x111C, serial_number=SerialNumber(0, 1, 0),
                               language="de")
    assert msg.dcs == 0x00
    assert msg.to_gsm_pdus() == [bytes.fromhex(v["pdu_hex"])]
