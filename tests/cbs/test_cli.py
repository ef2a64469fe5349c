"""``eas-encoder text|cbs|wea`` in-process: exit codes, stdout, one-line stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eas_encoder.cbs.pdu import decode
from eas_encoder.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAE = "ZCZC-CIV-CAE-006037-006059+0130-0740205-KXYZ/FM -"


def _one_line_error(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err
    return err


def test_text_command(capsys):
    assert main(["text", CAE, "--tz", "America/Los_Angeles", "--reference",
                 "2026-03-15T00:00Z"]) == 0
    out = capsys.readouterr().out
    assert out == ("A civil authority has issued A CHILD ABDUCTION EMERGENCY for the following "
                   "counties/areas: Los Angeles, CA; Orange, CA; at 7:05 PM PDT on MAR 14, 2026 "
                   "Effective until 8:35 PM PDT. Message from KXYZ/FM.\n")


def test_text_errors(capsys):
    _one_line_error(capsys, ["text", CAE, "--tz", "Nowhere/Land"], "tz 'Nowhere/Land'")
    _one_line_error(capsys, ["text", "ZCZC-broken"], "error:")
    _one_line_error(capsys, ["text", CAE, "--max-length", "50"], "longer than the limit")


def test_cbs_encode_decode_round_trip(capsys):
    assert main(["cbs", "encode", "Required Monthly Test " * 6, "--id", "0x111C",
                 "--scope", "1", "--code", "5", "--update", "2", "--language", "en"]) == 0
    pdus = capsys.readouterr().out.split()
    assert len(pdus) == 2 and all(len(p) == 176 for p in pdus)
    assert main(["cbs", "decode", *pdus, "--json"]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["text"] == ("Required Monthly Test " * 6).rstrip("\r")
    assert fields["message_identifier"] == 4380 and fields["language"] == "en"
    assert fields["serial_number"] == {"raw_hex": "0x4052", "geographical_scope": 1,
                                       "message_code": 5, "update_number": 2}


def test_cbs_encode_reports_ucs2_on_stderr(capsys):
    assert main(["cbs", "encode", "fire \U0001F525", "--id", "4370", "--format",
                 "umts"]) == 0
    captured = capsys.readouterr()
    assert "UCS-2 chosen" in captured.err and "surrogate" in captured.err
    assert decode(bytes.fromhex(captured.out.strip())).text == "fire \U0001F525"


def test_cbs_decode_text_output(capsys):
    pdu = ("0010111C0011CD309AAD2FA7E9A146A3D168341A8D46A3D168341A8D46A3D168341A8D46A3D1"
           "68341A8D46A3D168341A8D46A3D168341A8D46A3D168341A8D46A3D168341A8D46A3D168341A8D"
           "46A3D168341A8D46A3D100")
    assert main(["cbs", "decode", pdu]) == 0
    out = capsys.readouterr().out
    assert "message identifier: 4380 (0x111C) Required Monthly Test" in out
    assert "text: Mahlzeit!" in out and "language de" in out


@pytest.mark.parametrize("argv,fragment", [
    (["cbs", "decode", "00ZZ"], "pdu"),
    (["cbs", "decode", "--strict", "00" * 87], "(at 87)"),
    (["cbs", "decode", "--strict", "0010111C0000" + "00" * 82], "page parameter"),
    (["cbs", "decode", "00" * 5], "(at 5)"),
    (["cbs", "encode", "x" * 94, "--id", "4370", "--max-pages", "1"], "too long"),
    (["cbs", "encode", "ok", "--id", "70000"], "message identifier"),
    (["cbs", "encode", "ok", "--id", "1", "--code", "2000"], "serial number"),
])
def test_cbs_errors_are_one_line(capsys, argv, fragment):
    _one_line_error(capsys, argv, fragment)


def test_wea_from_cae_header(capsys):
    assert main(["wea", CAE, "--tz", "America/Los_Angeles", "--reference",
                 "2026-03-15T00:00Z", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["wea_class"] == "Child Abduction"
    (b,) = report["broadcasts"]
    msg = decode([bytes.fromhex(p) for p in b["pdus"]])
    assert msg.message_identifier == 4379 and msg.text == report["texts"][0]["long"]
    assert report["crawl"].startswith("A civil authority has issued A CHILD ABDUCTION")


def test_wea_from_cap_amber(capsys):
    oasis = ROOT.parent / "shared" / "reference" / "cap" / "samples" / \
        "ibm_oasis_amber_example.xml"
    sample = ROOT / "samples" / "cap_amber_ipaws.xml"
    assert main(["wea", str(sample), "--class", "AMBER", "--station", "KXYZ/FM",
                 "--tz", "America/Los_Angeles", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (b,) = report["broadcasts"]
    msg = decode([bytes.fromhex(p) for p in b["pdus"]])
    assert msg.message_identifier == 4379
    assert msg.text == report["texts"][0]["short"]
    assert "Los Angeles, CA; Orange, CA; Ventura, CA; at 7:05 PM PDT on MAR 14, 2026" in \
        report["crawl"]
    if oasis.is_file():
        assert main(["wea", str(oasis)]) == 0
        out = capsys.readouterr().out
        assert "CBS message identifier 4392 (0x1128)" in out
        assert "no crawl" in out  # the OASIS example has no EAS-ORG


def test_wea_cmac_output(capsys):
    assert main(["wea", CAE, "--cmac", "--reference", "2026-03-15T00:00Z"]) == 0
    assert "<CMAC_Alert_Attributes xmlns=\"cmac:2.0\">" in capsys.readouterr().out


@pytest.mark.parametrize("argv,fragment", [
    (["wea", "ZCZC-EAS-RWT-006037+0015-0740205-KXYZ/FM -"], "has no WEA class"),
    (["wea", "/nonexistent/alert.xml"], "cannot read file"),
    (["wea", CAE, "--class", "Nonsense"], "is not a WEA class"),
])
def test_wea_errors_are_one_line(capsys, argv, fragment):
    _one_line_error(capsys, argv, fragment)
