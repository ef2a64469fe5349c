"""CAP validation as data: the CAP 1.2 schema and prose rules, the IPAWS v1.0 profile, ECIG.

:func:`validate` returns a list of :class:`~eas_encoder.findings.Finding` (rule id, verdict
``fail``/``warn``/``info``, XPath, message, spec clause); content problems never raise. Profiles:

* ``"cap"``   — OASIS CAP-v1.2.xsd (shipped in ``schema/``) plus the CAP 1.2 prose rules the
  schema cannot express (CAP 1.2 §3.2-§3.3).
* ``"ipaws"`` — ``"cap"`` plus the CAP 1.2 USA IPAWS Profile v1.0 (OASIS CS01, 2009).
* ``"ecig"``  — ``"cap"`` plus EAS translatability per the ECIG CAP-to-EAS Implementation Guide
  v1.0 (2010); the checks are the very ones :func:`eas_encoder.cap.bridge.alert_to_same` applies,
  so "valid for ECIG" and "translates" cannot drift apart.

Every rule id is listed in :data:`RULES`; ``docs/cap_rules.md`` compares them with
google/cap-library's list. The core rules run on the XML tree (so a bad enumeration or date is a
finding, not a crash); the profile rules run on the parsed model.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import numpy as np
import shapely
from lxml import etree

from ..errors import CapError
from ..findings import FAIL, INFO, WARN, Finding, Verdict
from .model import CAP11_NS, CAP12_NS, Alert, Certainty, MsgType, Scope
from .xml import element_path, from_element, parse_datetime, parse_tree, to_element

__all__ = ["Finding", "Verdict", "Rule", "RULES", "PROFILES", "validate", "schema",
           "parse_polygon", "parse_circle", "make_finding"]


@dataclass(frozen=True)
class Rule:
    """A rule's fixed data: id, usual verdict when broken (``fail`` for a MUST, ``warn`` for
    a SHOULD, ``info`` for advice), spec clause and one-line summary.
    """

    rule_id: str
    verdict: Verdict
    spec: str
    summary: str


_E, _W, _I = FAIL, WARN, INFO
_C = "CAP 1.2 §3.2.1"
_CI = "CAP 1.2 §3.2.2"
_CR = "CAP 1.2 §3.2.3"
_CA = "CAP 1.2 §3.2.4"
_IP = "CAP 1.2 IPAWS Profile v1.0 §3"
_EC = "ECIG CAP-to-EAS Implementation Guide v1.0"

RULES: dict[str, Rule] = {r.rule_id: r for r in (
    Rule("CAP-XML", _E, "W3C XML 1.0; CAP 1.2 §3.3.4", "well-formed, no DOCTYPE/entities/"
         "XInclude, within size and depth limits"),
    Rule("CAP-NAMESPACE", _E, "CAP 1.2 §3.1", "root is alert in the CAP 1.2 (or 1.1) namespace"),
    Rule("CAP-VERSION", _W, "CAP 1.2 §3.1", "CAP 1.1 document: CAP 1.2 schema not applied"),
    Rule("CAP-XSD", _E, "OASIS CAP-v1.2.xsd", "schema: required elements, order, types, "
         "enumerations, date-time pattern"),
    Rule("CAP-MODEL", _E, "CAP 1.2 §3.2", "content the message model cannot hold (profile "
         "rules skipped)"),
    Rule("CAP-ENUM", _E, "CAP 1.2 §3.2", "enumerated element holds a CAP value"),
    Rule("CAP-IDENTIFIER", _E, _C, "identifier: no spaces, commas, < or &"),
    Rule("CAP-SENDER", _E, _C, "sender: no spaces, commas, < or &"),
    Rule("CAP-DATETIME", _E, "CAP 1.2 §3.3.2", "date-time with explicit offset (not Z), no "
         "fractional seconds, a real date"),
    Rule("CAP-REFERENCES", _E, _C, "references: whitespace-separated sender,identifier,sent"),
    Rule("CAP-EMPTY-ELEMENT", _W, "CAP 1.2 §3.2", "an optional element is present but empty "
         "(real feeds send <references/>; read as absent)"),
    Rule("CAP-REFERENCES-REQUIRED", _W, _C, "Update/Cancel/Ack/Error refer to earlier "
         "messages"),
    Rule("CAP-REFERENCES-CIRCULAR", _E, _C, "a message does not reference itself"),
    Rule("CAP-REFERENCES-POSTDATED", _W, _C, "referenced message not sent after this one"),
    Rule("CAP-RESTRICTION", _E, _C, "restriction only with scope Restricted"),
    Rule("CAP-RESTRICTION-MISSING", _W, _C, "scope Restricted carries a restriction"),
    Rule("CAP-ADDRESSES", _E, _C, "scope Private requires addresses; quotes balanced"),
    Rule("CAP-NOTE", _W, _C, "msgType Error explains itself in note"),
    Rule("CAP-LANGUAGE", _E, _CI, "language is an RFC 3066 tag"),
    Rule("CAP-LANGUAGE-SAME-TEXT", _W, _CI, "infos in different languages have different "
         "text"),
    Rule("CAP-EXPIRES-ORDER", _W, _CI, "expires later than effective (or sent)"),
    Rule("CAP-WEB", _E, _CI, "web is an absolute URI"),
    Rule("CAP-TEXT-HTML", _W, "CAP 1.2 §3.3.3", "no HTML tags or entities in free text"),
    Rule("CAP-MIMETYPE", _E, _CR + " (RFC 2046)", "mimeType is type/subtype with an IANA "
         "top-level type"),
    Rule("CAP-URI", _E, _CR, "uri is a URI; relative only with derefUri"),
    Rule("CAP-DEREFURI", _E, _CR, "derefUri is base64"),
    Rule("CAP-DIGEST", _E, _CR + " (FIPS 180-2)", "digest is the SHA-1 of the derefUri "
         "content"),
    Rule("CAP-SIZE", _W, _CR, "size is the byte count of the derefUri content"),
    Rule("CAP-POLYGON", _E, _CA, "polygon: >= 4 lat,lon pairs in range, first equals last"),
    Rule("CAP-POLYGON-SELF-INTERSECTION", _E, _CA, "polygon edges do not cross"),
    Rule("CAP-CIRCLE", _E, _CA, "circle: 'lat,lon radius' in range, radius >= 0 km"),
    Rule("CAP-ALTITUDE-CEILING", _E, _CA, "ceiling only with altitude, altitude <= ceiling"),
    Rule("IPAWS-CODE", _E, _IP, "code IPAWSv1.0 present (P1)"),
    Rule("IPAWS-INFO", _E, _IP, "Alert/Update carry at least one info"),
    Rule("IPAWS-REFERENCES", _E, _IP, "Update/Cancel reference the earlier messages (P3)"),
    Rule("IPAWS-CATEGORY-MATCH", _E, _IP, "all infos have the same categories (P4)"),
    Rule("IPAWS-EVENTCODE-MATCH", _E, _IP, "all infos have the same eventCodes (P4)"),
    Rule("IPAWS-EXPIRES", _E, _IP, "every info has expires (P5)"),
    Rule("IPAWS-SAME-EVENTCODE", _E, _IP, "exactly one eventCode SAME of three letters (P6)"),
    Rule("IPAWS-AREA", _E, _IP, "every info has an area (P7)"),
    Rule("IPAWS-SAME-GEOCODE", _W, _IP, "areas carry 6-digit geocode SAME (P8)"),
    Rule("IPAWS-EFFECTIVE-IGNORED", _I, _IP, "effective/onset are ignored (P9)"),
    Rule("IPAWS-DESCRIPTION", _I, _IP, "description and instruction recommended (P10)"),
    Rule("IPAWS-EAS-ORG", _E, _IP, "parameter EAS-ORG is EAS, CIV, WXR or PEP (P11)"),
    Rule("IPAWS-CMAMTEXT", _E, _IP, "parameter CMAMtext at most 90 characters (P15)"),
    Rule("ECIG-MSGTYPE", _I, _EC, "Cancel/Ack/Error produce no EAS activation"),
    Rule("ECIG-STATUS", _W, _EC, "only status Actual goes to air"),
    Rule("ECIG-SCOPE", _E, _EC, "only scope Public is translated"),
    Rule("ECIG-INFO", _E, _EC, "an info in the configured language"),
    Rule("ECIG-EAS-ORG", _E, _EC, "parameter EAS-ORG gives the SAME originator"),
    Rule("ECIG-SAME-EVENT", _E, _EC, "eventCode SAME gives a known SAME event"),
    Rule("ECIG-SAME-LOCATION", _E, _EC + "; 47 CFR 11.31(c)", "1-31 valid SAME geocodes "
         "after de-duplication"),
    Rule("ECIG-EXPIRES", _E, _EC, "expires present and later than sent (valid time)"),
    Rule("ECIG-DURATION", _W, _EC + "; 47 CFR 11.31(c)", "expires - sent fits +9930"),
    Rule("ECIG-AUDIO", _W, _EC + " §2.1.1", "audio resource is in-band (derefUri); another "
         "is read only as the caller allows"),
)}

PROFILES: tuple[str, ...] = ("cap", "ipaws", "ecig")
"""Profiles accepted by :func:`validate` (plus those added by :func:`register_profile`:
``cap-cp`` and ``cap-au`` from :mod:`eas_encoder.cap.profiles`)."""

_PROFILE_CHECKS: dict[str, Callable[[Alert], list[Finding]]] = {}


def register_profile(name: str, rules: Iterable[Rule],
                     check: Callable[[Alert], list[Finding]]) -> None:
    """Add a profile whose rules run on the parsed alert after the CAP 1.2 rules (how
    :mod:`eas_encoder.cap.profiles` adds CAP-CP and CAP-AU without this module importing it).
    """
    global PROFILES
    for rule in rules:
        RULES[rule.rule_id] = rule
    _PROFILE_CHECKS[name] = check
    if name not in PROFILES:
        PROFILES = (*PROFILES, name)


MAX_SCHEMA_SIBLINGS = 2000
"""Children of one element checked against the schema. libxml2 locates each schema error by
counting the element's preceding siblings, so errors among n siblings cost O(n^2): 20,000 bad
categories took 6 s. Beyond this many (real alerts carry at most a few hundred geocodes in an
area) the rest are still checked by the CAP rules, and a warning says so."""
MAX_FINDINGS_PER_RULE = 100
"""Findings listed per rule id; the rest are counted in one more finding of that rule (a
hostile document can break one rule a hundred thousand times; the verdict is the same)."""


def make_finding(rule_id: str, xpath: str, message: str, verdict: Verdict | None = None
                 ) -> Finding:
    """A :class:`~eas_encoder.findings.Finding` of rule ``rule_id`` at ``xpath`` (spec and
    default verdict from :data:`RULES`).

    Raises:
        KeyError: unknown rule id (a programming error).
    """
    rule = RULES[rule_id]
    return Finding(rule_id, verdict or rule.verdict, xpath, message, rule.spec)


@cache
def schema() -> etree.XMLSchema:
    """The official CAP 1.2 schema shipped in ``eas_encoder/cap/schema`` (loaded once)."""
    text = resources.files(__package__).joinpath("schema/CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(text))


# --- input --------------------------------------------------------------------------------

def _tree(source: object) -> etree._Element:
    if isinstance(source, Alert):
        return to_element(source)
    if isinstance(source, etree._Element):
        return source
    if isinstance(source, etree._ElementTree):
        return source.getroot()
    if isinstance(source, str) and not source.lstrip().startswith("<"):
        raise TypeError("validate() takes the document, not a path: read the file first")
    if isinstance(source, bytes | bytearray | memoryview | str):
        return parse_tree(source).getroot()
    raise TypeError(f"cannot validate a {type(source).__name__}")


def validate(source: object, profile: str = "cap") -> list[Finding]:
    """Check a CAP message and return findings (empty list: nothing to report).

    Args:
        source: an :class:`~eas_encoder.cap.model.Alert`, document bytes, XML text (a ``str``
            starting with ``<``), or an lxml element/tree. No file is opened here.
        profile: ``"cap"``, ``"ipaws"`` or ``"ecig"`` (each includes ``"cap"``).

    Returns:
        Findings in document order, schema findings superseded by a specific rule at the same
        element dropped.

    Raises:
        ValueError: unknown profile. TypeError: unsupported source type. Content problems,
            including hostile XML, are findings (``CAP-XML``), never exceptions.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    try:
        root = _tree(source)
    except CapError as exc:
        where = f" (at {exc.position})" if exc.position is not None else ""
        what = f"{exc.field} {exc.value!r}: " if exc.value is not None else ""
        field = exc.field or ""
        return [make_finding("CAP-XML", field if field.startswith("/") else "/",
                             f"{what}{exc.rule}{where}")]
    q = etree.QName(root)
    if q.localname != "alert" or q.namespace not in (CAP12_NS, CAP11_NS):
        return [make_finding("CAP-NAMESPACE", "/" + q.localname,
                         f"root element {{{q.namespace}}}{q.localname} is not a CAP alert")]
    specific = _CoreRules(root).run()
    xsd: list[Finding] = []
    if q.namespace == CAP12_NS:
        xsd = _xsd_findings(root)
    else:
        specific.insert(0, make_finding("CAP-VERSION", "/alert", "CAP 1.1 namespace; read as "
                                    "CAP 1.2 without the 1.2 schema check"))
    flagged = {f.path for f in specific if f.verdict is FAIL}
    findings = [f for f in xsd if f.path not in flagged] + specific
    if profile != "cap":
        try:
            alert = from_element(root)
        except CapError as exc:
            findings.append(make_finding("CAP-MODEL", exc.field or "/alert",
                                     f"{exc}; {profile} profile rules not applied"))
            return _bounded(findings)
        # ecig is registered by eas_encoder.cap.bridge, which builds on this module (importing
        # any eas_encoder.cap module runs the package's __init__, which imports the bridge).
        findings += _ipaws(alert) if profile == "ipaws" else _PROFILE_CHECKS[profile](alert)
    return _bounded(findings)


def _bounded(findings: list[Finding]) -> list[Finding]:
    counts: dict[str, int] = {}
    worst: dict[str, Verdict] = {}
    out = []
    for f in findings:
        if f.message.endswith(" not listed"):  # a summary the core rules already made
            out.append(f)
            continue
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
        if counts[f.rule_id] <= MAX_FINDINGS_PER_RULE:
            out.append(f)
        elif f.verdict.rank > worst.get(f.rule_id, INFO).rank:
            worst[f.rule_id] = f.verdict
    for rule_id, n in counts.items():
        if n > MAX_FINDINGS_PER_RULE:
            out.append(make_finding(rule_id, "/alert", f"{n - MAX_FINDINGS_PER_RULE} more "
                                    f"{rule_id} findings not listed",
                                    worst.get(rule_id, INFO)))
    return out


def _xsd_findings(root: etree._Element) -> list[Finding]:
    s = schema()
    out = []
    wide = [el for el in root.iter() if len(el) > MAX_SCHEMA_SIBLINGS]
    target = root
    if wide:
        for el in wide:
            out.append(make_finding("CAP-XSD", element_path(el), f"only the first "
                                    f"{MAX_SCHEMA_SIBLINGS} of its {len(el)} children are "
                                    "checked against the schema (bounded work)", WARN))
        # The positions kept are the same in the copy, so its error paths locate in `root`.
        target = copy.deepcopy(root)
        for el in [e for e in target.iter() if len(e) > MAX_SCHEMA_SIBLINGS]:
            del el[MAX_SCHEMA_SIBLINGS:]
    if s.validate(target):
        return out
    errors = list(s.error_log)
    for err in errors[:MAX_FINDINGS_PER_RULE]:
        path = "/alert"
        try:
            hits = root.getroottree().xpath(err.path) if err.path else []
            if hits and isinstance(hits[0], etree._Element):
                path = element_path(hits[0])
        except etree.XPathError:
            pass
        msg = err.message.replace("{" + CAP12_NS + "}", "")
        out.append(make_finding("CAP-XSD", path, f"line {err.line}: {msg}"))
    if len(errors) > MAX_FINDINGS_PER_RULE:
        # Counted, not located: each location is an XPath search among the siblings.
        out.extend(make_finding("CAP-XSD", "/alert", "schema error not located")
                   for _ in errors[MAX_FINDINGS_PER_RULE:])
    return out


# --- geometry ------------------------------------------------------------------------------

# Every pattern applied to document text uses possessive quantifiers (Python 3.11): none can
# backtrack, so each runs in time linear in the text however it is crafted.
_NUMBER = r"[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)"
_POINT = re.compile(rf"({_NUMBER}),({_NUMBER})")
_RADIUS = re.compile(r"\+?+(?:\d++(?:\.\d*+)?+|\.\d++)")


def _point(text: str) -> tuple[float, float]:
    m = _POINT.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not 'lat,lon'")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{text!r} is out of range (lat -90..90, lon -180..180)")
    return lat, lon


def parse_polygon(text: str) -> list[tuple[float, float]]:
    """Parse CAP polygon text into ``[(lat, lon), ...]`` degrees WGS 84 (CAP 1.2 §3.2.4).

    Raises:
        ValueError: a pair that is not ``lat,lon`` or out of range; fewer than 4 pairs; first
            pair different from the last.
    """
    return [(float(a), float(b)) for a, b in _polygon_array(text)]


_PAIRS = re.compile(rf"\s*+(?:{_NUMBER},{_NUMBER}(?:\s++|\Z))*+")


def _polygon_array(text: str) -> np.ndarray:
    # One C-level scan checks the form, numpy converts and range-checks: 600,000 vertices in
    # well under a second (a Python loop per vertex took seconds).
    points = None
    if _PAIRS.fullmatch(text):
        points = np.array(text.replace(",", " ").split(), dtype=np.float64).reshape(-1, 2)
        if not ((np.abs(points[:, 0]) <= 90) & (np.abs(points[:, 1]) <= 180)).all():
            points = None
    if points is None:
        for tok in text.split():
            _point(tok)  # raises, naming the first bad pair
        raise ValueError("is not a list of 'lat,lon' pairs separated by spaces")
    if len(points) < 4:
        raise ValueError(f"has {len(points)} points; a polygon needs at least 4")
    if (points[0] != points[-1]).any():
        raise ValueError("is not closed: the first and last pairs must be identical")
    return points


def parse_circle(text: str) -> tuple[float, float, float]:
    """Parse CAP circle text ``"lat,lon radius"`` into ``(lat, lon, radius_km)``.

    Raises:
        ValueError: not two space-separated parts, bad point, or a negative/bad radius.
    """
    parts = text.split()
    if len(parts) != 2:
        raise ValueError("must be 'lat,lon radius' (a point, a space, a radius in km)")
    lat, lon = _point(parts[0])
    if not _RADIUS.fullmatch(parts[1]):
        raise ValueError(f"radius {parts[1]!r} must be a non-negative number of km")
    return lat, lon, float(parts[1])


def self_intersecting(rings: list[np.ndarray]) -> list[bool]:
    """For each closed ring of ``(lat, lon)`` points, whether its edges cross or touch anywhere
    but at consecutive vertices (GEOS ``isSimple`` through shapely, O(n log n) per ring).

    Args:
        rings: closed rings of at least 4 points, each float64[n, 2] or a list of pairs as
            :func:`parse_polygon` returns.

    Returns:
        One bool per ring, in order.
    """
    if not rings:
        return []
    # The plane of (lat, lon) degrees: crossing is a topological question, the projection
    # does not change it for areas that do not span a pole or the antimeridian.
    simple = shapely.is_simple(shapely.linearrings(
        np.concatenate([np.asarray(r, dtype=float) for r in rings]),
        indices=np.repeat(np.arange(len(rings)), [len(r) for r in rings])))
    return [not bool(s) for s in np.atleast_1d(simple)]


# --- core rules on the tree ----------------------------------------------------------------

_TOKEN_CHARS = re.compile(r"[^\s,&<]++")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}+(?:-[A-Za-z0-9]{1,8}+)*+")
_MIME = re.compile(r"(?:application|audio|example|font|haptics|image|message|model|multipart|"
                   r"text|video)/[A-Za-z0-9!#$&^_.+-]++(?:\s*+;.*+)?+", re.IGNORECASE | re.DOTALL)
# A tag: '<', optional '/', a name, then anything up to '>' with no '<' in between. Was
# <\s*/?\s*name(\s[^<>]*)?/?\s*> whose adjacent \s* and [^<>]* backtracked quadratically
# ('&lt;a' and 200,000 spaces took 32 s).
_HTML_TAG = re.compile(r"<\s*+(?:/\s*+)?+[A-Za-z][A-Za-z0-9]*+(?:[\s/][^<>]*+)?+>")
_HTML_ENTITY = re.compile(r"&(?:#\d++|#x[0-9A-Fa-f]++|[A-Za-z][A-Za-z0-9]*+);")
_ENUMS = {
    "status": ("Actual", "Exercise", "System", "Test", "Draft"),
    "msgType": ("Alert", "Update", "Cancel", "Ack", "Error"),
    "scope": ("Public", "Restricted", "Private"),
    "category": ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                 "Transport", "Infra", "CBRNE", "Other"),
    "responseType": ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor",
                     "Assess", "AllClear", "None"),
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
}


class _CoreRules:
    """The CAP 1.2 prose rules, run over one ``alert`` element."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.ns = etree.QName(root).namespace
        self.out: list[Finding] = []
        self.paths: dict = {}  # element_path's index: one count of each parent's children
        self.listed: dict[str, int] = {}
        self.unlisted: dict[str, tuple[int, Verdict]] = {}  # beyond MAX_FINDINGS_PER_RULE

    def kids(self, el: etree._Element, name: str) -> list[etree._Element]:
        return el.findall(f"{{{self.ns}}}{name}")

    def one(self, el: etree._Element, name: str) -> etree._Element | None:
        found = self.kids(el, name)
        return found[0] if found else None

    def text_of(self, el: etree._Element, name: str) -> str | None:
        child = self.one(el, name)
        return None if child is None else child.text

    def add(self, rule_id: str, el: etree._Element | str, message: str,
            verdict: Verdict | None = None) -> None:
        listed = self.listed.get(rule_id, 0)
        if listed >= MAX_FINDINGS_PER_RULE:
            # Counted only: neither its place nor a Finding is worth making.
            n, worst = self.unlisted.get(rule_id, (0, INFO))
            level = verdict or RULES[rule_id].verdict
            self.unlisted[rule_id] = (n + 1, level if level.rank > worst.rank else worst)
            return
        self.listed[rule_id] = listed + 1
        path = el if isinstance(el, str) else element_path(el, self.paths)
        self.out.append(make_finding(rule_id, path, message, verdict))

    def run(self) -> list[Finding]:
        root = self.root
        sent = self._when(self.one(root, "sent"))
        for name, rule in (("identifier", "CAP-IDENTIFIER"), ("sender", "CAP-SENDER")):
            el = self.one(root, name)
            if el is not None and not _TOKEN_CHARS.fullmatch(el.text or ""):
                self.add(rule, el, f"{(el.text or '')!r} must be non-empty without spaces, "
                         "commas, '<' or '&'")
        self._enums(root, ("status", "msgType", "scope"))
        self._empty(root, ("source", "note", "incidents"))
        self._references(root, sent)
        self._scope(root)
        for info in self.kids(root, "info"):
            self._info(info, sent)
        self._languages()
        return self.out + [make_finding(rule_id, "/alert", f"{n} more {rule_id} findings not "
                                        "listed", worst)
                           for rule_id, (n, worst) in self.unlisted.items()]

    def _empty(self, el: etree._Element, names: tuple[str, ...]) -> None:
        # Optional free-text elements sent empty say nothing; a warning, not an error.
        for name in names:
            for child in self.kids(el, name):
                if not (child.text or "").strip() and not len(child):
                    self.add("CAP-EMPTY-ELEMENT", child, f"{name} is empty; read as absent")

    def _enums(self, el: etree._Element, names: tuple[str, ...]) -> None:
        for name in names:
            allowed = _ENUMS[name]
            if name == "certainty" and self.ns == CAP11_NS:
                allowed = (*allowed, Certainty.VERY_LIKELY.value)
            for child in self.kids(el, name):
                if (child.text or "") not in allowed:
                    self.add("CAP-ENUM", child, f"{child.text!r} is not one of "
                             f"{', '.join(allowed)}")

    def _when(self, el: etree._Element | None) -> datetime | None:
        if el is None:
            return None
        text = el.text or ""
        try:
            when = parse_datetime(text)
        except CapError as exc:
            self.add("CAP-DATETIME", el, f"{text!r}: {exc.rule}")
            return None
        if text.strip().endswith("Z"):
            self.add("CAP-DATETIME", el, f"{text!r}: 'Z' must not be used; write UTC as "
                     "-00:00")
        return when

    def _references(self, root: etree._Element, sent: datetime | None) -> None:
        ref = self.one(root, "references")
        msg_type = self.text_of(root, "msgType")
        if ref is None:
            if msg_type in ("Update", "Cancel", "Ack", "Error"):
                self.add("CAP-REFERENCES-REQUIRED", "/alert", f"msgType {msg_type} should "
                         "list the messages it refers to in references")
            return
        entries = (ref.text or "").split()
        if not entries:
            self.add("CAP-EMPTY-ELEMENT", ref, "references is empty; read as absent")
            if msg_type in ("Update", "Cancel", "Ack", "Error"):
                self.add("CAP-REFERENCES-REQUIRED", "/alert", f"msgType {msg_type} should "
                         "list the messages it refers to in references")
        me = (self.text_of(root, "sender") or "", self.text_of(root, "identifier") or "")
        for entry in entries:
            parts = entry.split(",")
            if len(parts) != 3 or not parts[0] or not parts[1]:
                self.add("CAP-REFERENCES", ref, f"{entry!r} is not sender,identifier,sent")
                continue
            try:
                when = parse_datetime(parts[2])
            except CapError as exc:
                self.add("CAP-REFERENCES", ref, f"{entry!r}: sent {exc.rule}")
                continue
            if (parts[0], parts[1]) == me:
                self.add("CAP-REFERENCES-CIRCULAR", ref, f"{entry!r} is this message itself")
            elif sent is not None and when > sent:
                self.add("CAP-REFERENCES-POSTDATED", ref, f"{entry!r} was sent after this "
                         "message")

    def _scope(self, root: etree._Element) -> None:
        scope_el = self.one(root, "scope")
        scope = scope_el.text if scope_el is not None else None
        restriction = self.one(root, "restriction")
        # An empty <restriction/> says nothing; real Public feeds (NAAD) carry one.
        if restriction is not None and (restriction.text or "").strip() \
                and scope != Scope.RESTRICTED.value:
            self.add("CAP-RESTRICTION", restriction, f"restriction is only used with scope "
                     f"Restricted (scope is {scope!r})")
        if scope == Scope.RESTRICTED.value and not (restriction is not None
                                                     and (restriction.text or "").strip()):
            self.add("CAP-RESTRICTION-MISSING", "/alert", "scope Restricted should say the "
                     "rule for limiting distribution in restriction")
        addresses = self.one(root, "addresses")
        if scope == Scope.PRIVATE.value and not (addresses is not None
                                                  and (addresses.text or "").strip()):
            self.add("CAP-ADDRESSES", "/alert", "scope Private requires addresses")
        if addresses is not None and (addresses.text or "").count('"') % 2:
            self.add("CAP-ADDRESSES", addresses, "has an unbalanced double quote")
        msg_type = self.one(root, "msgType")
        if msg_type is not None and msg_type.text == MsgType.ERROR.value \
                and self.one(root, "note") is None:
            self.add("CAP-NOTE", "/alert", "msgType Error should explain itself in note")

    def _info(self, info: etree._Element, sent: datetime | None) -> None:
        self._empty(info, ("audience", "senderName", "headline", "description",
                           "instruction", "contact"))
        lang = self.one(info, "language")
        if lang is not None and not _LANGUAGE.fullmatch(lang.text or ""):
            self.add("CAP-LANGUAGE", lang, f"{lang.text!r} is not an RFC 3066 language tag")
        self._enums(info, ("category", "responseType", "urgency", "severity", "certainty"))
        times = {n: self._when(self.one(info, n)) for n in ("effective", "onset", "expires")}
        start = times["effective"] or sent
        if times["expires"] is not None and start is not None and times["expires"] <= start:
            self.add("CAP-EXPIRES-ORDER", self.one(info, "expires"),
                     "expires is not later than " + ("effective" if times["effective"]
                                                     else "sent"))
        web = self.one(info, "web")
        if web is not None and not _absolute_uri(web.text or ""):
            self.add("CAP-WEB", web, f"{web.text!r} is not an absolute URI")
        for name in ("headline", "description", "instruction"):
            el = self.one(info, name)
            text = el.text or "" if el is not None else ""
            if _HTML_TAG.search(text):
                self.add("CAP-TEXT-HTML", el, "contains an HTML tag; CAP text is plain text")
            elif _HTML_ENTITY.search(text):
                self.add("CAP-TEXT-HTML", el, "contains an HTML entity; CAP text is plain "
                         "text")
        for res in self.kids(info, "resource"):
            self._resource(res)
        for area in self.kids(info, "area"):
            self._area(area)

    def _resource(self, res: etree._Element) -> None:
        mime = self.one(res, "mimeType")
        if mime is not None and not _MIME.fullmatch((mime.text or "").strip()):
            self.add("CAP-MIMETYPE", mime, f"{mime.text!r} is not type/subtype with an IANA "
                     "top-level type")
        deref = self.one(res, "derefUri")
        uri = self.one(res, "uri")
        if uri is not None:
            text = (uri.text or "").strip()
            if not text or any(c.isspace() for c in text):
                self.add("CAP-URI", uri, f"{uri.text!r} is not a URI")
            elif not _absolute_uri(text) and deref is None:
                self.add("CAP-URI", uri, f"relative uri {text!r} needs derefUri content")
        if deref is None:
            return
        try:
            content = base64.b64decode(re.sub(r"\s++", "", deref.text or ""), validate=True)
        except (binascii.Error, ValueError):
            self.add("CAP-DEREFURI", deref, "is not valid base64")
            return
        digest = self.one(res, "digest")
        if digest is not None:
            want = (digest.text or "").strip()
            sha1 = hashlib.sha1(content)
            if want.lower() != sha1.hexdigest() and want != base64.b64encode(
                    sha1.digest()).decode():
                self.add("CAP-DIGEST", digest, f"{want!r} is not the SHA-1 of the derefUri "
                         f"content ({sha1.hexdigest()})")
        size = self.one(res, "size")
        if size is not None and (size.text or "").strip().isdigit() \
                and int(size.text) != len(content):
            self.add("CAP-SIZE", size, f"says {size.text.strip()} bytes; derefUri holds "
                     f"{len(content)}")

    def _area(self, area: etree._Element) -> None:
        rings = []
        for poly in self.kids(area, "polygon"):
            try:
                rings.append((poly, _polygon_array(poly.text or "")))
            except ValueError as exc:
                self.add("CAP-POLYGON", poly, str(exc))
        for (poly, _), crossing in zip(rings, self_intersecting([r for _, r in rings]),
                                       strict=True):
            if crossing:
                self.add("CAP-POLYGON-SELF-INTERSECTION", poly, "two edges cross or touch")
        for circle in self.kids(area, "circle"):
            try:
                parse_circle(circle.text or "")
            except ValueError as exc:
                self.add("CAP-CIRCLE", circle, str(exc))
        alt, ceil = self.one(area, "altitude"), self.one(area, "ceiling")
        if ceil is not None and alt is None:
            self.add("CAP-ALTITUDE-CEILING", ceil, "ceiling is only used with altitude")
        elif ceil is not None and alt is not None:
            try:
                if float(alt.text or "") > float(ceil.text or ""):
                    self.add("CAP-ALTITUDE-CEILING", ceil, f"ceiling {ceil.text} is below "
                             f"altitude {alt.text}")
            except ValueError:
                pass  # not numbers: the schema check reports the type

    def _languages(self) -> None:
        seen: dict[tuple[str, str], tuple[str, etree._Element]] = {}
        for info in self.kids(self.root, "info"):
            lang_el = self.one(info, "language")
            lang = (lang_el.text or "").strip() if lang_el is not None else "en-US"
            for name in ("headline", "description"):
                el = self.one(info, name)
                if el is None or not (el.text or "").strip():
                    continue
                key = (name, el.text.strip())
                if key in seen and seen[key][0].lower() != lang.lower():
                    self.add("CAP-LANGUAGE-SAME-TEXT", el, f"same {name} as the "
                             f"{seen[key][0]} info; is it really in {lang}?")
                seen.setdefault(key, (lang, el))


def _absolute_uri(text: str) -> bool:
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    if not parts.scheme or any(c.isspace() for c in text.strip()):
        return False
    return bool(parts.netloc) or parts.scheme.lower() in ("urn", "mailto", "tel", "data")


# --- IPAWS v1.0 profile on the model --------------------------------------------------------

_EAS_ORGS = ("EAS", "CIV", "WXR", "PEP")


def _ipaws(alert: Alert) -> list[Finding]:
    out: list[Finding] = []

    def add(rule_id: str, path: str, message: str) -> None:
        out.append(make_finding(rule_id, path, message))

    if "IPAWSv1.0" not in alert.code:
        add("IPAWS-CODE", "/alert", "code IPAWSv1.0 is required")
    if alert.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and not alert.reference_triples:
        add("IPAWS-REFERENCES", "/alert", f"msgType {alert.msg_type.value} must reference "
            "all related non-expired messages")
    if alert.msg_type in (MsgType.ALERT, MsgType.UPDATE) and not alert.infos:
        add("IPAWS-INFO", "/alert", f"msgType {alert.msg_type.value} needs an info block")
    first = alert.infos[0] if alert.infos else None
    for i, info in enumerate(alert.infos, 1):
        p = f"/alert/info[{i}]"
        if first is not None and i > 1:
            if set(info.category) != set(first.category):
                add("IPAWS-CATEGORY-MATCH", p, "categories differ from info[1]")
            if set(info.event_codes) != set(first.event_codes):
                add("IPAWS-EVENTCODE-MATCH", p, "eventCodes differ from info[1]")
        if info.expires is None:
            add("IPAWS-EXPIRES", p, "expires is required")
        same = info.event_code("SAME")
        if len(same) != 1 or not re.fullmatch(r"[A-Z]{3}", same[0]):
            add("IPAWS-SAME-EVENTCODE", p, "needs exactly one eventCode SAME of three "
                f"capital letters (found {list(same)})")
        if not info.areas:
            add("IPAWS-AREA", p, "needs at least one area")
        for j, area in enumerate(info.areas, 1):
            values = area.geocode_values("SAME")
            if not values:
                add("IPAWS-SAME-GEOCODE", f"{p}/area[{j}]", "has no geocode SAME (PSSCCC); "
                    "EAS and HazCollect need one")
            for v in values:
                if not re.fullmatch(r"\d{6}", v):
                    out.append(make_finding("IPAWS-SAME-GEOCODE", f"{p}/area[{j}]",
                                        f"geocode SAME {v!r} is not six digits PSSCCC",
                                        FAIL))
        for name in ("effective", "onset"):
            if getattr(info, name) is not None:
                add("IPAWS-EFFECTIVE-IGNORED", f"{p}/{name}", f"{name} is ignored: IPAWS "
                    "alerts are effective on issuance")
        for name in ("description", "instruction"):
            if not (getattr(info, name) or "").strip():
                add("IPAWS-DESCRIPTION", p, f"a meaningful {name} is recommended")
        for org in info.parameter("EAS-ORG"):
            if org not in _EAS_ORGS:
                add("IPAWS-EAS-ORG", f"{p}/parameter", f"EAS-ORG {org!r} is not one of "
                    f"{', '.join(_EAS_ORGS)}")
        for text in info.parameter("CMAMtext"):
            if len(text) > 90:
                add("IPAWS-CMAMTEXT", f"{p}/parameter", f"CMAMtext has {len(text)} "
                    "characters; at most 90")
    return out
