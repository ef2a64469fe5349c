"""One cell-broadcast message per CAP info language; the samples decode back (issue 15)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eas_encoder.cap.xml import parse
from eas_encoder.cbs.languages import EU_INFO_IDENTIFIER, cap_to_cbs, eu_alert_identifier
from eas_encoder.cbs.pdu import CbsMessage, decode
from eas_encoder.cbs.wea import WeaClass, wea_from_cap
from eas_encoder.cli import main
from eas_encoder.errors import CbsError

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ZH = SAMPLES / "cap_child_abduction_zh.xml"
EN_ES = SAMPLES / "cap_child_abduction_en_es.xml"


def _alert(path: Path):
    return parse(path.read_bytes())


@pytest.mark.parametrize("fmt", ["gsm", "umts"])
def test_chinese_info_becomes_ucs2_pages_tagged_zh(fmt):
    (b,) = cap_to_cbs(_alert(ZH))
    msg = b.message
    assert b.language == "zh-CN" and msg.language == "zh" and msg.alphabet == "ucs2"
    assert msg.dcs == 0x11 and msg.message_identifier == 4379
    pdus = msg.to_gsm_pdus() if fmt == "gsm" else [msg.to_umts_pdu()]
    back = decode(pdus, strict=True)
    assert back.language == "zh" and back.text == msg.text
    assert back.text.startswith("安珀警报")


def test_english_and_spanish_go_out_under_their_cmas_identifiers():
    sent = cap_to_cbs(_alert(EN_ES))
    assert [(b.message.language, b.message.message_identifier) for b in sent] == \
        [("en", 4379), ("es", 4392)]
    for b in sent:
        back = decode(b.message.to_gsm_pdus(), strict=True)
        assert (back.language, back.text) == (b.message.language, b.message.text)
    assert [b.message.message_identifier for b in cap_to_cbs(_alert(EN_ES),
                                                               languages=["es", "en"])] \
        == [4379, 4392]
    # WEA builds the same English and Spanish identifiers from the sample.
    assert wea_from_cap(_alert(EN_ES)).message_identifiers() == (4379, 4392)


def test_eu_alert_identifiers():
    assert eu_alert_identifier(WeaClass.IMMINENT_THREAT, "Extreme", "Immediate", "Observed") \
        == 4371
    assert eu_alert_identifier(WeaClass.IMMINENT_THREAT, "Severe", "Expected", "Likely",
                               additional_language=True) == 4391
    assert eu_alert_identifier(WeaClass.CHILD_ABDUCTION, None, None, None) == 4379
    assert eu_alert_identifier(WeaClass.PRESIDENTIAL, None, None, None) == 4370
    assert eu_alert_identifier(WeaClass.PUBLIC_SAFETY, None, None, None) == EU_INFO_IDENTIFIER
    assert eu_alert_identifier(WeaClass.IMMINENT_THREAT, "Moderate", "Future", "Possible") \
        == EU_INFO_IDENTIFIER


def test_text_that_does_not_fit_is_refused_unless_cut():
    alert = _alert(ZH)
    info = alert.infos[0]
    long_info = replace(info, parameters=tuple(p for p in info.parameters
                                               if p.value_name != "CMAMtext"),
                        description=info.description * 12)
    alert = replace(alert, infos=(long_info,))
    with pytest.raises(CbsError) as err:
        cap_to_cbs(alert, max_pages=3)
    assert err.value.field == "info zh-CN text" and "truncate" in str(err.value)
    (b,) = cap_to_cbs(alert, max_pages=3, truncate=True)
    assert b.truncated and len(b.message.pages) <= 3 and b.message.text.endswith("…")
    assert decode(b.message.to_gsm_pdus()).text == b.message.text


def test_missing_language_and_bad_tags_are_refused():
    with pytest.raises(CbsError, match="present: en, es"):
        cap_to_cbs(_alert(EN_ES), languages=["fr"])
    with pytest.raises(CbsError, match="cmas or eu-alert"):
        cap_to_cbs(_alert(EN_ES), scheme="kpas")


def test_cbs_encode_language_zh_round_trips(capsys):
    assert main(["cbs", "encode", "安珀警报：儿童被绑架", "--id", "4379", "--language", "zh"]) == 0
    pdus = capsys.readouterr().out.split()
    assert main(["cbs", "decode", "--json", *pdus]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["language"] == "zh" and out["alphabet"] == "ucs2" and out["dcs_hex"] == "0x11"
    assert out["text"] == "安珀警报：儿童被绑架"
    msg = CbsMessage.from_text("安珀警报", 4379, language="zh")
    assert decode(msg.to_umts_pdu()).language == "zh"


def test_cli_from_cap(capsys):
    assert main(["cbs", "from-cap", str(EN_ES), "--scheme", "eu-alert", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(m["language"], m["message_identifier"]) for m in out["messages"]] == \
        [("en", 4379), ("es", 4392)]
    assert main(["cbs", "from-cap", str(ZH), "--format", "umts"]) == 0
    text = capsys.readouterr().out
    assert "[zh-CN] message identifier 4379" in text and "language zh, DCS 0x11 ucs2" in text
    assert main(["cbs", "from-cap", str(ZH), "--language", "de"]) == 2
    assert "language 'de'" in capsys.readouterr().err


def test_zh_sample_gives_a_crawl_text(capsys):
    assert main(["cap", "to-same", str(ZH), "--language", "zh-CN", "--station", "KXYZ/FM",
                 "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ZCZC-CIV-CAE-006075+0200-")
    assert "San Francisco" in out and "旧金山" in out
