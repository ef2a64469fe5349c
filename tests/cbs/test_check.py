"""cbs check: another vendor's pages measured against TS 23.041 / TS 23.038 (issue 14)."""

import json

import pytest

from eas_encoder.cbs.etws import EtwsPrimary
from eas_encoder.cbs.gsm7 import pack_septets, unpack_septets
from eas_encoder.cbs.pdu import CbsMessage
from eas_encoder.cli import main
from eas_encoder.conformance.cbs import check_pdus, identifier_range


def problems(report, verdict="fail"):
    return {f.rule_id for f in report.findings if f.verdict == verdict}


def test_published_vectors_fail_no_rule(shared_reference):
    vectors = shared_reference / "cbs" / "vectors.json"
    for v in json.loads(vectors.read_text())["vectors"]:
        hx = v.get("pdu_hex") or v.get("pdus_hex")
        pdus = [bytes.fromhex(h) for h in (hx if isinstance(hx, list) else [hx])]
        assert problems(check_pdus(pdus)) == set(), v["id"]


@pytest.mark.parametrize("text,language", [
    ("Tornado warning in this area until 9:30 PM. Take shelter now.", "en"),
    ("Alerta AMBER: busque un coche rojo, placa 7ABC123 " * 3, "es"),
    ("儿童失踪警报：请留意一辆红色轿车", "zh"),
])
def test_our_own_pages_pass(text, language):
    msg = CbsMessage.from_text(text, 4370, language=language)
    for pdus in (msg.to_gsm_pdus(), [msg.to_umts_pdu()]):
        rep = check_pdus(pdus)
        assert rep.verdict == "pass", rep.to_text(only_problems=True)


def test_etws_primary_is_checked():
    rep = check_pdus([EtwsPrimary(warning_type="earthquake").to_pdu()])
    assert problems(rep) == set() and rep.summary["kind"] == "ETWS primary notification"


def _gsm7_page(text="AMBER Alert test", fill=0x00):
    page = bytearray(CbsMessage.from_text(text, 4379).to_gsm_pdus()[0])
    septets = bytearray(unpack_septets(bytes(page[6:])))
    for i in range(len(text), len(septets)):
        septets[i] = fill
    page[6:] = pack_septets(bytes(septets))[:82]
    return bytes(page)


def test_gsm7_zero_padding_fails():
    rep = check_pdus([_gsm7_page()])
    assert problems(rep) == {"CBS.PADDING"}
    f = next(f for f in rep.findings if f.rule_id == "CBS.PADDING")
    assert "0x00 instead of CR" in f.message and f.spec.startswith("3GPP TS 23.038")
    assert problems(check_pdus([_gsm7_page(fill=0x0D)])) == set()


def test_ucs2_zero_padding_short_page_and_page_zero_fail():
    page = bytearray(CbsMessage.from_text("儿童失踪", 4370).to_gsm_pdus()[0])
    body = page[6:]
    used = len("儿童失踪") * 2
    page[6 + used:] = b"\x00" * (len(body) - used)
    assert "CBS.PADDING" in problems(check_pdus([bytes(page)]))
    short = CbsMessage.from_text("Quake", 4352).to_gsm_pdus()[0][:86]
    assert "CBS.OCTET_COUNT" in problems(check_pdus([short]))
    zero = bytearray(CbsMessage.from_text("Quake", 4352).to_gsm_pdus()[0])
    zero[5] = 0x00
    assert "CBS.PAGE_NUMBERING" in problems(check_pdus([bytes(zero)]))


def test_identifier_ranges_and_alphabet_warnings():
    assert identifier_range(4352)[1] == "pass" and identifier_range(4399)[1] == "pass"
    assert identifier_range(4360)[1] == "warn" and identifier_range(50)[1] == "warn"
    rep = check_pdus(CbsMessage.from_text("Plain ASCII", 4370, alphabet="ucs2",
                                          language="en").to_gsm_pdus())
    assert problems(rep, "warn") == {"CBS.ALPHABET"} and problems(rep) == set()


def test_cli_exit_codes_and_json(capsys):
    good = CbsMessage.from_text("Test", 4370, language="en").to_gsm_pdus()[0].hex()
    assert main(["cbs", "check", good]) == 0
    assert main(["cbs", "check", _gsm7_page().hex(), "--json"]) == 3
    out = capsys.readouterr().out
    doc = json.loads(out[out.index("{"):])
    assert doc["verdict"] == "fail" and doc["counts"]["fail"] == 1
    assert main(["cbs", "check", "00" * 20]) == 3
    assert "CBS.DECODES" in capsys.readouterr().out
    assert main(["cbs", "check", "zz"]) == 2
