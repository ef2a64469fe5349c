"""CAP-CP and CAP-AU profiles (cap/profiles.py): each rule fires, real alerts validate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eas_encoder.cap.profiles import CAPAU_RULES, CAPCP_RULES
from eas_encoder.cap.rules import PROFILES, RULES, validate
from eas_encoder.cli import main
from eas_encoder.findings import fails

# A synthetic CAP-CP alert in the shape of Environment Canada / NAAD alerts (values invented).
CAPCP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>urn:oid:2.49.0.1.124.0000.2026</identifier>
  <sender>alerts@example.gc.ca</sender>
  <sent>2026-07-01T12:00:00-00:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <code>profile:CAP-CP:0.4</code>
  <code>layer:SOREM:1.0</code>
  <info>
    <language>en-CA</language>
    <category>Met</category>
    <event>tornado</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>profile:CAP-CP:Event:0.4</valueName><value>tornado</value></eventCode>
    <expires>2026-07-01T13:00:00-00:00</expires>
    <senderName>Environment Canada</senderName>
    <headline>tornado warning in effect</headline>
    <instruction>Take cover immediately.</instruction>
    <parameter><valueName>layer:SOREM:1.0:Broadcast_Immediately</valueName><value>Yes</value>
    </parameter>
    <area>
      <areaDesc>City of Ottawa</areaDesc>
      <geocode><valueName>profile:CAP-CP:Location:0.3</valueName><value>3506008</value>
      </geocode>
    </area>
  </info>
  <info>
    <language>fr-CA</language>
    <category>Met</category>
    <event>tornade</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>profile:CAP-CP:Event:0.4</valueName><value>tornado</value></eventCode>
    <expires>2026-07-01T13:00:00-00:00</expires>
    <senderName>Environnement Canada</senderName>
    <headline>alerte de tornade en vigueur</headline>
    <instruction>Mettez-vous à l'abri immédiatement.</instruction>
    <parameter><valueName>layer:SOREM:1.0:Broadcast_Immediately</valueName><value>Yes</value>
    </parameter>
    <area>
      <areaDesc>Ville d'Ottawa</areaDesc>
      <geocode><valueName>profile:CAP-CP:Location:0.3</valueName><value>3506008</value>
      </geocode>
    </area>
  </info>
</alert>
"""

CAPAU = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>tag:example.nsw.gov.au:2026:1</identifier>
  <sender>webmaster@example.nsw.gov.au</sender>
  <sent>2026-01-05T23:04:00+10:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <code>urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0</code>
  <info>
    <language>en-AU</language>
    <category>Fire</category>
    <event>Bushfire</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>https://govshare.gov.au/xmlui/handle/10772/6495</valueName>
      <value>bushfire</value></eventCode>
    <expires>2026-01-06T23:04:00+10:00</expires>
    <area>
      <areaDesc>Yerong Creek</areaDesc>
      <circle>-35.3888,147.0598 25.0</circle>
      <geocode><valueName>http://www.psma.com.au/?product=postcode-boundaries</valueName>
        <value>2642</value></geocode>
    </area>
  </info>
</alert>
"""


def _ids(doc: str, profile: str) -> set[str]:
    return {f.rule_id for f in validate(doc, profile)}


def test_clean_documents_validate():
    assert "cap-cp" in PROFILES and "cap-au" in PROFILES
    assert validate(CAPCP, "cap-cp") == []
    assert validate(CAPAU, "cap-au") == []


CP_MUTATIONS = [
    ("<code>profile:CAP-CP:0.4</code>", "", "CAPCP-CODE"),
    ("<msgType>Alert</msgType>", "<msgType>Update</msgType>", "CAPCP-REFERENCES"),
    ("<value>tornado</value></eventCode>\n    <expires>2026-07-01T13:00:00-00:00</expires>\n"
     "    <senderName>Environment", "<value>volcano</value></eventCode>\n    <expires>"
     "2026-07-01T13:00:00-00:00</expires>\n    <senderName>Environment", "CAPCP-EVENT-UNLISTED"),
    ("<valueName>profile:CAP-CP:Event:0.4</valueName><value>tornado</value></eventCode>\n"
     "    <expires>2026-07-01T13:00:00-00:00</expires>\n    <senderName>Environnement",
     "<valueName>profile:CAP-CP:Event:0.4</valueName><value>flashFlood</value></eventCode>\n"
     "    <expires>2026-07-01T13:00:00-00:00</expires>\n    <senderName>Environnement",
     "CAPCP-EVENTCODE-MATCH"),
    ("<eventCode><valueName>profile:CAP-CP:Event:0.4</valueName><value>tornado</value>"
     "</eventCode>\n    <expires>2026-07-01T13:00:00-00:00</expires>\n    <senderName>Env"
     "ironment", "<expires>2026-07-01T13:00:00-00:00</expires>\n    <senderName>Environment",
     "CAPCP-EVENTCODE"),
    ("<value>3506008</value>", "<value>9906008</value>", "CAPCP-GEOCODE"),
    ("<language>fr-CA</language>", "<language>en-CA</language>", "CAPCP-LANGUAGES"),
    ("<instruction>Take cover immediately.</instruction>", "", "CAPCP-RECOMMENDED"),
    ("<code>layer:SOREM:1.0</code>", "", "CAPCP-LAYER"),
    ("<value>Yes</value>", "<value>Maybe</value>", "CAPCP-SOREM"),
]


@pytest.mark.parametrize("old,new,rule_id", CP_MUTATIONS, ids=[m[2] for m in CP_MUTATIONS])
def test_each_capcp_rule_fires(old, new, rule_id):
    assert old in CAPCP
    assert rule_id in _ids(CAPCP.replace(old, new, 1), "cap-cp")


def test_capcp_info_and_area_rules():
    start, end = CAPCP.index("  <info>"), CAPCP.rindex("</info>") + len("</info>\n")
    no_info = CAPCP[:start] + CAPCP[end:]
    assert "CAPCP-INFO" in _ids(no_info, "cap-cp")
    no_area = re.sub(r"<area>.*?</area>", "", CAPCP, flags=re.S)
    assert "CAPCP-AREA" in _ids(no_area, "cap-cp")


AU_MUTATIONS = [
    ("<code>urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0</code>", "", "CAPAU-CODE"),
    ("<value>bushfire</value>", "<value>flood</value>", "CAPAU-EVENT-MATCH"),
    ("https://govshare.gov.au/xmlui/handle/10772/6495", "other", "CAPAU-EVENTCODE"),
    ("<msgType>Alert</msgType>", "<msgType>Cancel</msgType><references>a,b,"
     "2026-01-05T22:00:00+10:00</references>", None),
    ("<sender>webmaster@example.nsw.gov.au</sender>", "<sender>rfs-nsw</sender>",
     "CAPAU-SENDER"),
    ("http://www.psma.com.au/?product=postcode-boundaries", "local-zones", "CAPAU-GEOCODE"),
]


@pytest.mark.parametrize("old,new,rule_id", [m for m in AU_MUTATIONS if m[2]],
                         ids=[m[2] for m in AU_MUTATIONS if m[2]])
def test_each_capau_rule_fires(old, new, rule_id):
    assert old in CAPAU
    assert rule_id in _ids(CAPAU.replace(old, new, 1), "cap-au")


def test_capau_multi_info_and_cancel_rules():
    info = CAPAU[CAPAU.index("  <info>"):CAPAU.index("</info>") + len("</info>\n")]
    second = info.replace("<category>Fire</category>", "<category>Met</category>")
    second = second.replace("<value>bushfire</value>", "<value>flood</value>") \
        .replace("<event>Bushfire</event>", "<event>Flood</event>")
    two = CAPAU.replace(info, info + second)
    assert {"CAPAU-CATEGORY-MATCH", "CAPAU-EVENTCODE-MATCH"} <= _ids(two, "cap-au")
    cancel = CAPAU.replace("<msgType>Alert</msgType>", "<msgType>Cancel</msgType><references>"
                           "a,b,2026-01-05T22:00:00+10:00</references>") \
        .replace("<expires>", "<effective>2026-01-05T23:04:00+10:00</effective><expires>")
    assert "CAPAU-CANCEL-EFFECTIVE" in _ids(cancel, "cap-au")
    no_info = CAPAU[:CAPAU.index("  <info>")] + CAPAU[CAPAU.index("</info>") + 8:]
    assert "CAPAU-INFO" in _ids(no_info, "cap-au")
    no_area = re.sub(r"<area>.*?</area>", "", CAPAU, flags=re.S)
    assert "CAPAU-AREA" in _ids(no_area, "cap-au")


def test_every_profile_rule_is_registered_and_documented():
    ids = {r.rule_id for r in (*CAPCP_RULES, *CAPAU_RULES)}
    assert ids <= set(RULES)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cap_rules.md").read_text()
    assert ids <= set(re.findall(r"`((?:CAPCP|CAPAU)-[A-Z0-9-]+)`", doc))


def test_real_alerts(shared_reference: Path, capsys):
    s = shared_reference / "cap" / "samples"
    # Environment Canada via NAAD: valid CAP-CP (warnings only).
    assert not fails(validate((s / "google_canada_signed.cap").read_bytes(), "cap-cp"))
    # The real alert with an empty optional <references/>: a warning, not an error.
    errors = validate((s / "google_canada_errors.cap").read_bytes())
    assert not fails(errors) and "CAP-EMPTY-ELEMENT" in {f.rule_id for f in errors}
    assert not fails(validate((s / "google_australia.cap").read_bytes(), "cap-au"))
    assert main(["cap", "validate", "--profile", "cap-cp",
                 str(s / "google_canada_signed.cap")]) == 0
    assert "valid (cap-cp" in capsys.readouterr().out
    assert main(["cap", "validate", "--profile", "cap-au",
                 str(s / "google_canada_signed.cap")]) == 3
