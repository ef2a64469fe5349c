"""Safe CAP XML parsing and namespaced serialization (CAP 1.2 §3, OASIS CAP-v1.2.xsd).

CAP arrives from networks and files we do not control, so the parser is set up for untrusted
input, and takes bytes, never a path (the edge reads files). Documents larger than
``max_bytes`` are refused before libxml2 sees them. The bytes are decoded by Python with one of
the allow-listed :data:`ENCODINGS` (anything else, e.g. UTF-7, UTF-32 or EBCDIC, is refused),
and libxml2 is given that text as UTF-8, so the checks on the text and the parser read the same
characters. Any DOCTYPE is refused (CAP never needs a DTD, and a DTD is where entity bombs and
external entities live): on the decoded text, then again on the parsed document, and the parser
itself resolves no entity, loads no DTD and has a resolver that refuses every file and network
access. XInclude is never processed (an ``xi:include`` element is refused), ``huge_tree`` stays
off, element depth and the number of nodes are bounded while parsing. Refusals are
:class:`~eas_encoder.errors.CapError` naming the rule.

:func:`parse` reads CAP 1.2 and CAP 1.1 (whose elements are a subset) into the frozen model of
:mod:`eas_encoder.cap.model`; element order is not enforced here (a real SMHI feed puts
``senderName`` after ``headline``) — :func:`eas_encoder.cap.rules.validate` reports it.
:func:`serialize` always writes CAP 1.2 in schema order. ``parse(serialize(a)) == a``.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal, TypeVar, overload

from lxml import etree

from ..errors import CapError
from .model import (
    CAP11_NS,
    CAP12_NS,
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    as_member,
)

__all__ = [
    "DEFAULT_MAX_BYTES", "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_NODES", "CAP_NAMESPACES", "ENCODINGS",
    "safe_parser", "decode_document", "parse_tree", "parse", "from_element", "to_element",
    "serialize", "element_path", "PathIndex", "format_datetime", "parse_datetime",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest document accepted by default (10 MiB; real CAP with in-band audio stays far below)."""
DEFAULT_MAX_DEPTH = 64
"""Deepest element nesting accepted (CAP itself needs 5; an XML-DSig adds about 5 more)."""
DEFAULT_MAX_NODES = 100_000
"""Most elements, comments and processing instructions accepted in one document. A real alert
has a few hundred (a Canadian NAAD alert with hundreds of geocodes a few thousand); the budget
bounds the tree's memory and every later per-element pass however the 10 MiB are spent."""
MAX_INFO_BLOCKS = 64
"""Most ``info`` blocks accepted in one alert. CAP 1.2 §3.2.2 puts one ``info`` per language
(and per event); real feeds send one to a few (NAAD: English and French). Checking each costs
the same Python work, so an alert of 16,000 near-empty infos inside the node budget would
still take seconds per profile."""
MAX_REFERENCES = 1000
"""Most entries accepted in ``alert/references`` (CAP 1.2 §3.2.1: earlier messages this one
updates or cancels). Each is parsed as sender,identifier,sent; real updates cite a few."""
CAP_NAMESPACES = (CAP12_NS, CAP11_NS)
"""Namespaces read by :func:`parse`; CAP 1.0 (different structure) is not supported."""
XINCLUDE_NS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
ENCODINGS: dict[str, str] = {
    "UTF-8": "the XML default; what NWS, IPAWS-OPEN, NAAD (Canada) and MeteoAlarm feeds send",
    "UTF-16": "only with a byte-order mark: XML 1.0 §4.3.3 requires every processor to read it",
    "US-ASCII": "a subset of UTF-8 some older producers declare",
    "ISO-8859-1": "Latin-1, still declared by some feeds (the USGS earthquake CAP sample is)",
}
"""The declared encodings accepted (IANA names, case-insensitive, XML 1.0 §4.3.3), with why.
Everything else (UTF-7, UTF-32, EBCDIC, UTF-16 without a byte-order mark, ...) is refused
before libxml2 sees a byte: an encoding our own decoder does not read the way libxml2 does is
where a DOCTYPE can hide from every check made on the text."""
_CODECS = {"UTF-8": "utf-8", "US-ASCII": "ascii", "ISO-8859-1": "latin-1", "UTF-16": "utf-16"}
_SPEC = "CAP 1.2 §3.3.4 (security); W3C XML 1.0"
_ENC_SPEC = "W3C XML 1.0 §4.3.3 and Appendix F; CAP 1.2 §3.3.4"
_FEED_CHUNK = 512
"""Bytes given to libxml2 at a time. Elements are at least 3 bytes (``<a>``), so between two
looks at the depth it can grow by at most 171 levels: from our limit of 64 it stays below
libxml2's own 256, whose error text (pointing at an option we never set) never reaches a user."""

# XML 1.0 §2.8 [23]-[24] and §4.3.3 [80]: only what sits before the encoding name matters.
# Possessive quantifiers: nothing here can backtrack.
_XML_DECL = re.compile(
    r"<\?xml[ \t\r\n]++version[ \t\r\n]*+=[ \t\r\n]*+(?:\"[^\"<]*+\"|'[^'<]*+')"
    r"(?:[ \t\r\n]++encoding[ \t\r\n]*+=[ \t\r\n]*+(?:\"([^\"<]*+)\"|'([^'<]*+)'))?")
_E = TypeVar("_E", bound=StrEnum)
_DECL_CHARS = 256
"""Characters of the document read to find the XML declaration's encoding name."""

# CAP 1.2 §3.3.2 with the schema's pattern; "Z" and fractional seconds are refused there.
_DATETIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d++)?(Z|[+-]\d\d:\d\d)?")


class _RefuseExternal(etree.Resolver):
    """Refuses every external entity, DTD and schema libxml2 asks for, file or network."""

    def resolve(self, system_url: str | None, public_id: str | None,
                context: object) -> None:
        raise CapError("an external resource was requested and refused (CAP never needs one)",
                       field="document", value=system_url or public_id, spec=_SPEC)


def safe_parser(**events: Any) -> etree.XMLParser:
    """A new lxml parser configured for untrusted input.

    No DTD loaded, no entity resolved, no network; a resolver that refuses every external
    resource (so even a DTD that slipped past :func:`decode_document` opens no file); no huge
    tree; input always read as UTF-8 (:func:`decode_document` makes it so), whatever the
    document declares. With ``events`` (``events=("start", "end")``) it is an
    :class:`lxml.etree.XMLPullParser`.
    """
    options: dict[str, Any] = dict(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        attribute_defaults=False, huge_tree=False, collect_ids=False, remove_blank_text=False,
        recover=False, encoding="utf-8")
    parser = (etree.XMLPullParser(**events, **options) if events
              else etree.XMLParser(**options))
    parser.resolvers.add(_RefuseExternal())
    return parser


def _refuse_encoding(rule: str, value: str | None, position: int | None = None) -> CapError:
    allowed = ", ".join(n for n in ENCODINGS if n != "UTF-16")
    return CapError(f"{rule} (accepted: {allowed} and UTF-16 with a byte-order mark)",
                    field="encoding", value=value, position=position, spec=_ENC_SPEC)


def _declared_encoding(head: str) -> str | None:
    m = _XML_DECL.match(head)
    if m is None:
        return None
    name = m.group(1) if m.group(1) is not None else m.group(2)
    return None if name is None else name.strip()


def decode_document(data: bytes) -> str:
    """Decode an XML document's bytes with an encoding from :data:`ENCODINGS`, or refuse.

    The encoding is found as XML 1.0 Appendix F says (byte-order mark, then the declaration),
    but only the allow-listed encodings are read, each by Python's strict codec; the text
    returned is what every later check and libxml2 (fed it as UTF-8) see.

    Args:
        data: the document bytes.

    Returns:
        The document text, byte-order mark removed.

    Raises:
        CapError: field ``encoding``: a UTF-32 or UTF-16 text without a byte-order mark, an
            EBCDIC or otherwise not ASCII-compatible start, a declared encoding not in
            :data:`ENCODINGS` or contradicting the byte-order mark, or bytes that are not
            valid in the encoding (with the byte offset).
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _refuse_encoding("UTF-32 is not accepted", "UTF-32")
    family = None
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            family, body = codec, data[len(bom):]
            break
    else:
        body = data
        if b"\x00" in body[:4]:
            raise _refuse_encoding("UTF-16 or UTF-32 without a byte-order mark is not "
                                   "accepted", None, data.index(b"\x00"))
        if body[:1] and body[:1] not in b"< \t\r\n":
            text = _not_xml_text(body[:64])
            if text is not None:
                raise CapError("not XML: a CAP document starts with '<' (an XML declaration "
                               "or the alert element)", field="document",
                               value=text.splitlines()[0][:20], spec="W3C XML 1.0")
            raise _refuse_encoding("the document does not start with '<' or an XML "
                                   "declaration in an ASCII-compatible encoding (binary "
                                   "data, or EBCDIC?)",
                                   body[:4].hex(" "), 0)
    if family is None:
        head = body[:_DECL_CHARS].decode("latin-1")
    else:
        width = 2 if family.startswith("utf-16") else 1
        head = body[:_DECL_CHARS * width].decode(family, errors="replace")
    declared = _declared_encoding(head)
    label = declared.upper() if declared is not None else None
    if family is not None:
        fits = {"utf-8": ("UTF-8",), "utf-16-le": ("UTF-16",), "utf-16-be": ("UTF-16",)}
        if label is not None and label not in fits[family]:
            raise _refuse_encoding(f"declares {declared!r} but starts with the {family[:6]} "
                                   "byte-order mark", declared)
        codec = family
    elif label is None:
        codec = "utf-8"
    elif label == "UTF-16":
        raise _refuse_encoding("UTF-16 without a byte-order mark is not accepted", declared)
    elif label in _CODECS:
        codec = _CODECS[label]
    else:
        raise _refuse_encoding("declared encoding is not accepted", declared)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise _refuse_encoding(f"byte 0x{body[exc.start]:02x} is not valid "
                               f"{label or 'UTF-8'}", declared,
                               exc.start + len(data) - len(body)) from None
    return text


def _syntax_error(exc: etree.XMLSyntaxError) -> str:
    # libxml2 writes where an unclosed tag opened ("in tag identifier line 1") and lxml appends
    # where the error is (", line 1, column 86"): say the error's place once, in front, and
    # the tag's line only when it is another line.
    msg = str(getattr(exc, "msg", exc)).splitlines()[0]
    msg = re.sub(r", line \d++, column \d++$", "", msg)
    line, column = getattr(exc, "position", None) or (0, 0)
    if not line:
        return f"not well-formed XML: {msg}"
    msg = re.sub(rf"(?<=\w) line {line}\b", "", msg)
    return f"not well-formed XML at line {line}, column {column}: {msg}"


def _not_xml_text(start: bytes) -> str | None:
    # Printable UTF-8 (a text file, JSON, an e-mail) that is not XML, told apart from bytes
    # in an encoding we refuse: EBCDIC or UTF-16 is not printable UTF-8 this early.
    for cut in range(len(start), max(len(start) - 4, 0), -1):  # a character cut at the end
        try:
            text = start[:cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return text if all(c.isprintable() or c in "\t\r\n" for c in text) else None
    return None


def _refuse_doctype(text: str) -> None:
    # On the decoded text, so no encoding can hide it; the parser below is the second line.
    found = text.find("<!DOCTYPE")
    if found >= 0:
        raise CapError("a DOCTYPE is not allowed in CAP (refused to avoid entity expansion "
                       "and external entities)", field="document", value="<!DOCTYPE",
                       position=found, spec=_SPEC)


def parse_tree(source: bytes | bytearray | memoryview | str, *,
               max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
               max_nodes: int = DEFAULT_MAX_NODES) -> etree._ElementTree:
    """Parse untrusted XML safely and return the lxml tree (no CAP checks yet).

    This function reads no file: the caller (the CLI, a feed client) reads the bytes.

    Args:
        source: the document bytes, or its already decoded text (a ``str``, whose declared
            encoding is then not used).
        max_bytes: size limit in bytes (of the UTF-8 text for a ``str``).
        max_depth: element nesting limit.
        max_nodes: limit on elements, comments and processing instructions together.

    Raises:
        CapError: too large, an encoding not in :data:`ENCODINGS`, a DOCTYPE, not
            well-formed, too deep, too many nodes, an external resource requested, or
            XInclude used.
        TypeError: ``source`` is a path or another type (read files at the edge).
    """
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")
        size = len(text.encode("utf-8", "surrogatepass"))
    elif isinstance(source, bytes | bytearray | memoryview):
        size = len(source)
    else:
        raise TypeError(f"CAP source must be bytes or text, not {type(source).__name__} "
                        "(read the file first; the CAP layer opens no paths)")
    if size > max_bytes:
        raise CapError(f"document is larger than the {max_bytes}-byte limit",
                       field="document", value=f"{size} bytes", spec=_SPEC)
    if not isinstance(source, str):
        text = decode_document(bytes(source))
    _refuse_doctype(text)
    data = text.encode("utf-8", "surrogatepass")
    parser = safe_parser(events=("start", "end", "comment", "pi"))
    depth = nodes = infos = 0
    try:
        for at in range(0, len(data), _FEED_CHUNK):
            parser.feed(data[at:at + _FEED_CHUNK])
            for event, node in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                nodes += 1
                if nodes > max_nodes:
                    raise CapError(f"more than {max_nodes} elements, comments and processing "
                                   "instructions", field=element_path(node), spec=_SPEC)
                if event == "start":
                    depth += 1
                    if depth > max_depth:
                        raise CapError(f"elements nested deeper than {max_depth} levels",
                                       field=element_path(node), spec=_SPEC)
                    if depth == 2 and etree.QName(node).localname == "info":
                        infos += 1
                        if infos > MAX_INFO_BLOCKS:
                            raise CapError(f"more than {MAX_INFO_BLOCKS} info blocks (CAP "
                                           "sends one per language)", field="/alert/info",
                                           spec="CAP 1.2 §3.2.2")
                    if etree.QName(node).namespace in XINCLUDE_NS:
                        raise CapError("XInclude is not allowed in CAP",
                                       field=element_path(node), value=node.get("href"),
                                       spec=_SPEC)
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise CapError(_syntax_error(exc), field="document", spec="W3C XML 1.0") from None
    for ref in root.iterchildren("{*}references"):
        if ref.text and len(ref.text.split()) > MAX_REFERENCES:
            raise CapError(f"more than {MAX_REFERENCES} entries", field="/alert/references",
                           spec="CAP 1.2 §3.2.1")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CapError("a DOCTYPE is not allowed in CAP", field="document", spec=_SPEC)
    return tree


PathIndex = dict
"""A cache for :func:`element_path` over one tree: ``{parent: {child: position}}``."""


def _positions(parent: etree._Element) -> dict[etree._Element, int]:
    seen: dict[object, int] = {}
    out = {}
    for child in parent:
        seen[child.tag] = seen.get(child.tag, 0) + 1
        out[child] = seen[child.tag]
    return out


def element_path(el: etree._Element, index: PathIndex | None = None) -> str:
    """A readable XPath of ``el``, e.g. ``/alert/info[2]/area[1]/polygon[1]``.

    CAP elements are written without prefix; foreign ones as ``{namespace}name``. Indices are
    1-based positions among same-named siblings (XPath semantics). Pass the same ``index``
    (a dict) for every path asked of one tree: each parent's children are then counted once,
    so the paths of n siblings cost O(n) together instead of O(n) each.
    """
    parts = []
    node: Any = el
    while node is not None and isinstance(node.tag, str):
        q = etree.QName(node)
        name = q.localname if q.namespace in CAP_NAMESPACES else node.tag
        parent = node.getparent()
        if parent is None:
            parts.append(name)
        else:
            if index is None:
                n = 1 + sum(1 for _ in node.itersiblings(node.tag, preceding=True))
            else:
                table = index.get(parent)
                if table is None:
                    table = index[parent] = _positions(parent)
                n = table[node]
            parts.append(f"{name}[{n}]")
        node = parent
    return "/" + "/".join(reversed(parts))


def parse_datetime(text: str, path: str = "sent") -> datetime:
    """Parse a CAP date-time (``2026-05-01T14:30:00-05:00``) into an aware datetime.

    ``Z`` is read as UTC although CAP 1.2 §3.3.2 forbids it (the validator reports it).

    Raises:
        CapError: not ``YYYY-MM-DDThh:mm:ss±hh:mm``, no offset, fractional seconds, or not a
            real date.
    """
    s = text.strip()
    m = _DATETIME.fullmatch(s)
    if not m:
        raise CapError("must be a date-time YYYY-MM-DDThh:mm:ss±hh:mm", field=path,
                       value=text, spec="CAP 1.2 §3.3.2")
    if m.group(7):
        raise CapError("fractional seconds are not allowed", field=path, value=text,
                       spec="CAP 1.2 §3.3.2")
    if not m.group(8):
        raise CapError("must carry an explicit UTC offset", field=path, value=text,
                       spec="CAP 1.2 §3.3.2")
    if m.group(8) == "Z":
        tz = UTC
    else:
        sign = -1 if m.group(8)[0] == "-" else 1
        hh, mm = int(m.group(8)[1:3]), int(m.group(8)[4:6])
        if hh > 14 or mm > 59:
            raise CapError("UTC offset out of range", field=path, value=text,
                           spec="CAP 1.2 §3.3.2")
        tz = timezone(sign * timedelta(hours=hh, minutes=mm))
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        raise CapError(f"not a real date-time ({exc})", field=path, value=text,
                       spec="CAP 1.2 §3.3.2") from None


def format_datetime(when: datetime) -> str:
    """CAP text of an aware datetime; UTC is written ``-00:00`` as CAP 1.2 §3.3.2 requires."""
    off = when.utcoffset()
    if off is None:
        raise CapError("must carry an explicit UTC offset", field="datetime",
                       value=when.isoformat(), spec="CAP 1.2 §3.3.2")
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes <= 0 else "+"
    minutes = abs(minutes)
    # strftime('%Y') drops leading zeros before year 1000; xs:dateTime needs four digits.
    return (f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:"
            f"{when.minute:02d}:{when.second:02d}{sign}{minutes // 60:02d}:{minutes % 60:02d}")


# --- element -> model -----------------------------------------------------------------------

class _Reader:
    """Collects one CAP element's known children by local name; keeps the rest verbatim."""

    def __init__(self, el: etree._Element, ns: str, names: tuple[str, ...]) -> None:
        self.el = el
        self.ns = ns
        self.children: dict[str, list[etree._Element]] = {}
        self.extensions: list[str] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions carry no CAP content
            q = etree.QName(child)
            if q.namespace == ns and q.localname in names:
                self.children.setdefault(q.localname, []).append(child)
            else:
                # Foreign and unknown elements are kept verbatim (the validator reports the
                # unknown ones) so real-world producer quirks do not block reading.
                self.extensions.append(_foreign_text(child))

    def all(self, name: str) -> list[etree._Element]:
        return self.children.get(name, [])

    @overload
    def text(self, name: str, *, required: Literal[True]) -> str: ...
    @overload
    def text(self, name: str, *, required: bool = False) -> str | None: ...

    def text(self, name: str, *, required: bool = False) -> str | None:
        els = self.all(name)
        if not els:
            if required:
                raise CapError("required element is missing",
                               field=f"{element_path(self.el)}/{name}",
                               spec="CAP 1.2 §3.2 (OASIS CAP-v1.2.xsd)")
            return None
        if len(els) > 1:
            raise CapError("may appear only once", field=element_path(els[1]),
                           spec="CAP 1.2 §3.2 (OASIS CAP-v1.2.xsd)")
        return _text(els[0])

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(_text(e) for e in self.all(name))

    @overload
    def token(self, name: str, *, required: Literal[True]) -> str: ...
    @overload
    def token(self, name: str, *, required: bool = False) -> str | None: ...

    def token(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        return value.strip() if value is not None else None

    @overload
    def when(self, name: str, *, required: Literal[True]) -> datetime: ...
    @overload
    def when(self, name: str, *, required: bool = False) -> datetime | None: ...

    def when(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return parse_datetime(value, name)
        except CapError as exc:  # located only now: a path costs a count of the siblings
            raise CapError(exc.rule, field=element_path(self.all(name)[0]), value=exc.value,
                           spec=exc.spec) from None

    def pairs(self, name: str) -> tuple[NamedValue, ...]:
        out = []
        for e in self.all(name):
            r = _Reader(e, self.ns, ("valueName", "value"))
            out.append(NamedValue(r.text("valueName", required=True),
                                  r.text("value", required=True)))
        return tuple(out)


def _text(el: etree._Element) -> str:
    if len(el):
        raise CapError("must contain text only, not child elements", field=element_path(el),
                       spec="CAP 1.2 §3.2 (OASIS CAP-v1.2.xsd)")
    return el.text or ""


def _foreign_text(el: etree._Element) -> str:
    # A deep copy detached from its parent, with unused inherited namespace declarations
    # dropped, serializes the same way however often it is re-embedded: a lossless round trip.
    copy = etree.fromstring(etree.tostring(el, with_tail=False), parser=safe_parser())
    copy.tail = None
    etree.cleanup_namespaces(copy)
    return etree.tostring(copy, encoding="unicode", with_tail=False)


_ALERT_ELEMENTS = ("identifier", "sender", "sent", "status", "msgType", "source", "scope",
                   "restriction", "addresses", "code", "note", "references", "incidents", "info")
_INFO_ELEMENTS = ("language", "category", "event", "responseType", "urgency", "severity",
                  "certainty", "audience", "eventCode", "effective", "onset", "expires",
                  "senderName", "headline", "description", "instruction", "web", "contact",
                  "parameter", "resource", "area")
_RESOURCE_ELEMENTS = ("resourceDesc", "mimeType", "size", "uri", "derefUri", "digest")
_AREA_ELEMENTS = ("areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling")


def from_element(root: etree._Element) -> Alert:
    """Build an :class:`~eas_encoder.cap.model.Alert` from a parsed ``alert`` element.

    Raises:
        CapError: not a CAP 1.2/1.1 ``alert``, a required element missing or repeated, a
            bad enumeration, date-time, ``size`` or ``altitude`` — naming the path.
    """
    q = etree.QName(root)
    if q.localname != "alert" or q.namespace not in CAP_NAMESPACES:
        raise CapError(f"root element must be alert in namespace {CAP12_NS}",
                       field="/" + q.localname, value=q.namespace, spec="CAP 1.2 §3.1")
    ns = q.namespace
    r = _Reader(root, ns, _ALERT_ELEMENTS)
    infos = tuple(_info(e, ns) for e in r.all("info"))
    return Alert(
        identifier=r.text("identifier", required=True),
        sender=r.text("sender", required=True),
        sent=r.when("sent", required=True),
        status=as_member(Status, r.token("status", required=True), "/alert/status"),
        msg_type=as_member(MsgType, r.token("msgType", required=True), "/alert/msgType"),
        scope=as_member(Scope, r.token("scope", required=True), "/alert/scope"),
        source=r.text("source"), restriction=r.text("restriction"),
        addresses=r.text("addresses"), code=r.texts("code"), note=r.text("note"),
        references=r.text("references"), incidents=r.text("incidents"),
        infos=infos, extensions=tuple(r.extensions))


class _LazyPath:
    """An element's path, worked out only if an error message needs it."""

    __slots__ = ("el",)

    def __init__(self, el: etree._Element) -> None:
        self.el = el

    def __str__(self) -> str:
        return element_path(self.el)


def _info(el: etree._Element, ns: str) -> Info:
    r = _Reader(el, ns, _INFO_ELEMENTS)
    path = _LazyPath(el)
    cats = r.texts("category")
    if not cats:
        raise CapError("required element is missing", field=f"{path}/category",
                       spec="CAP 1.2 §3.2.2")

    def member(enum: type[_E], value: str, name: str) -> _E:
        return as_member(enum, value.strip(), f"{path}/{name}")

    return Info(
        language=r.token("language"),
        category=tuple(member(Category, t, "category") for t in cats),
        event=r.text("event", required=True),
        response_type=tuple(member(ResponseType, t, "responseType")
                            for t in r.texts("responseType")),
        urgency=member(Urgency, r.text("urgency", required=True), "urgency"),
        severity=member(Severity, r.text("severity", required=True), "severity"),
        certainty=member(Certainty, r.text("certainty", required=True), "certainty"),
        audience=r.text("audience"),
        event_codes=r.pairs("eventCode"), effective=r.when("effective"),
        onset=r.when("onset"), expires=r.when("expires"), sender_name=r.text("senderName"),
        headline=r.text("headline"), description=r.text("description"),
        instruction=r.text("instruction"), web=r.text("web"), contact=r.text("contact"),
        parameters=r.pairs("parameter"),
        resources=tuple(_resource(e, ns) for e in r.all("resource")),
        areas=tuple(_area(e, ns) for e in r.all("area")), extensions=tuple(r.extensions))


def _resource(el: etree._Element, ns: str) -> Resource:
    r = _Reader(el, ns, _RESOURCE_ELEMENTS)
    size_text = r.token("size")
    size = None
    if size_text is not None:
        if not re.fullmatch(r"[+-]?+\d++", size_text):
            raise CapError("must be an integer number of bytes", field=element_path(
                r.all("size")[0]), value=size_text, spec="CAP 1.2 §3.2.3")
        size = int(size_text)
    return Resource(resource_desc=r.text("resourceDesc", required=True),
                    mime_type=r.text("mimeType", required=True), size=size,
                    uri=r.text("uri"), deref_uri=r.text("derefUri"), digest=r.text("digest"),
                    extensions=tuple(r.extensions))


def _decimal(r: _Reader, name: str) -> Decimal | None:
    text = r.token(name)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not re.fullmatch(
            r"[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)", text):
        raise CapError("must be a decimal number of feet", field=element_path(r.all(name)[0]),
                       value=text, spec="CAP 1.2 §3.2.4")
    return value


def _area(el: etree._Element, ns: str) -> Area:
    r = _Reader(el, ns, _AREA_ELEMENTS)
    return Area(area_desc=r.text("areaDesc", required=True), polygons=r.texts("polygon"),
                circles=r.texts("circle"), geocodes=r.pairs("geocode"),
                altitude=_decimal(r, "altitude"), ceiling=_decimal(r, "ceiling"),
                extensions=tuple(r.extensions))


def parse(source: bytes | bytearray | memoryview | str, *,
          max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
          max_nodes: int = DEFAULT_MAX_NODES) -> Alert:
    """Parse a CAP 1.2 (or 1.1) document's bytes (or decoded text) into an ``Alert``.

    Schema order is not enforced and elements CAP does not define are kept verbatim in
    ``extensions`` (see :func:`eas_encoder.cap.rules.validate`, which reports both). No file
    is opened here: read it at the edge and pass the bytes.

    Raises:
        CapError: hostile or malformed XML (see :func:`parse_tree`) or content the model
            cannot hold, naming the element path, the value and the rule.
        TypeError: ``source`` is not bytes or text.
    """
    return from_element(parse_tree(source, max_bytes=max_bytes, max_depth=max_depth,
                                   max_nodes=max_nodes).getroot())


# --- model -> element -----------------------------------------------------------------------

def _sub(parent: etree._Element, name: str, text: str | None) -> None:
    if text is None:
        return
    el = etree.SubElement(parent, f"{{{CAP12_NS}}}{name}")
    try:
        el.text = text
    except ValueError:
        bad = next((c for c in text if ord(c) < 0x20 and c not in "\t\n\r"
                    or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"), None)
        what = f"{bad!r}" if bad is not None else "a character"
        raise CapError(f"contains {what}, a control character XML 1.0 cannot carry",
                       field=element_path(el), value=text[:60],
                       spec="W3C XML 1.0 §2.2 (Char)") from None


def _pairs(parent: etree._Element, name: str, pairs: tuple[NamedValue, ...]) -> None:
    for p in pairs:
        el = etree.SubElement(parent, f"{{{CAP12_NS}}}{name}")
        _sub(el, "valueName", p.value_name)
        _sub(el, "value", p.value)


def _extend(parent: etree._Element, extensions: tuple[str, ...]) -> None:
    for text in extensions:
        try:
            parent.append(etree.fromstring(text, parser=safe_parser()))
        except etree.XMLSyntaxError as exc:
            raise CapError(f"extension is not well-formed XML: {exc}",
                           field=element_path(parent) + "/extension", value=text[:60]) from None


def _dt(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def to_element(alert: Alert) -> etree._Element:
    """Build the CAP 1.2 ``alert`` element (children in schema order) for ``alert``.

    Raises:
        CapError: an extension that is not well-formed XML, or text holding a control
            character XML cannot carry (e.g. NUL), naming the element.
    """
    if not isinstance(alert, Alert):
        raise TypeError(f"expected an Alert, not {type(alert).__name__}")
    root = etree.Element(f"{{{CAP12_NS}}}alert", nsmap={None: CAP12_NS})
    for name, value in (("identifier", alert.identifier), ("sender", alert.sender),
                        ("sent", _dt(alert.sent)), ("status", alert.status.value),
                        ("msgType", alert.msg_type.value), ("source", alert.source),
                        ("scope", alert.scope.value), ("restriction", alert.restriction),
                        ("addresses", alert.addresses)):
        _sub(root, name, value)
    for code in alert.code:
        _sub(root, "code", code)
    for name, value in (("note", alert.note), ("references", alert.references),
                        ("incidents", alert.incidents)):
        _sub(root, name, value)
    for info in alert.infos:
        _info_element(root, info)
    _extend(root, alert.extensions)
    return root


def _info_element(root: etree._Element, info: Info) -> None:
    el = etree.SubElement(root, f"{{{CAP12_NS}}}info")
    _sub(el, "language", info.language)
    for cat in info.category:
        _sub(el, "category", cat.value)
    _sub(el, "event", info.event)
    for rt in info.response_type:
        _sub(el, "responseType", rt.value)
    for name, value in (("urgency", info.urgency.value), ("severity", info.severity.value),
                        ("certainty", info.certainty.value), ("audience", info.audience)):
        _sub(el, name, value)
    _pairs(el, "eventCode", info.event_codes)
    for name, value in (("effective", _dt(info.effective)), ("onset", _dt(info.onset)),
                        ("expires", _dt(info.expires)), ("senderName", info.sender_name),
                        ("headline", info.headline), ("description", info.description),
                        ("instruction", info.instruction), ("web", info.web),
                        ("contact", info.contact)):
        _sub(el, name, value)
    _pairs(el, "parameter", info.parameters)
    for res in info.resources:
        r = etree.SubElement(el, f"{{{CAP12_NS}}}resource")
        for name, value in (("resourceDesc", res.resource_desc), ("mimeType", res.mime_type),
                            ("size", None if res.size is None else str(res.size)),
                            ("uri", res.uri), ("derefUri", res.deref_uri),
                            ("digest", res.digest)):
            _sub(r, name, value)
        _extend(r, res.extensions)
    for area in info.areas:
        a = etree.SubElement(el, f"{{{CAP12_NS}}}area")
        _sub(a, "areaDesc", area.area_desc)
        for p in area.polygons:
            _sub(a, "polygon", p)
        for c in area.circles:
            _sub(a, "circle", c)
        _pairs(a, "geocode", area.geocodes)
        _sub(a, "altitude", _dec(area.altitude))
        _sub(a, "ceiling", _dec(area.ceiling))
        _extend(a, area.extensions)
    _extend(el, info.extensions)


def _has_extensions(alert: Alert) -> bool:
    return bool(alert.extensions) or any(
        info.extensions or any(r.extensions for r in info.resources)
        or any(a.extensions for a in info.areas) for info in alert.infos)


def serialize(alert: Alert, *, pretty: bool = True) -> bytes:
    """Serialize ``alert`` as a UTF-8 CAP 1.2 document with an XML declaration.

    ``pretty`` indents elements; text content is never altered (only whitespace *between*
    elements is added), so the document still parses back to an equal ``Alert``. Documents
    carrying a signature (an extension) are written without indentation, because added
    whitespace would change what the signature covers.

    Raises:
        CapError: as :func:`to_element`.
    """
    root = to_element(alert)
    if pretty and not _has_extensions(alert):
        etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
