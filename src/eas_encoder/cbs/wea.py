"""US Wireless Emergency Alerts (WEA) over CMAS cell broadcast.

A :class:`WeaMessage` holds what the Federal Alert Gateway passes to a carrier: the alert class,
CAP severity/urgency/certainty, a 90-character text and an optional 360-character text per
language (47 CFR 10.430 as amended by FCC 16-127; NWS/IPAWS ``CMAMtext``/``CMAMlongtext``), the
area (SAME geocodes, polygons) and the expiry. From it come:

* the CMAS message identifier (3GPP TS 23.041 §9.4.1.2.2, table ``specs/cmas_message_ids.csv``):
  English on the class's base identifier, Spanish on its "additional language" identifier;
* the cell-broadcast pages (:class:`~eas_encoder.cbs.pdu.CbsMessage`), one message per language;
* CMAC-style XML (:meth:`WeaMessage.to_cmac_xml`).

It is built from a SAME header (:func:`wea_from_header`; event -> class through
``specs/cmas_same_events.csv``, e.g. CAE -> Child Abduction/AMBER) or from a CAP alert in the
IPAWS profile (:func:`wea_from_cap`).

CMAC: the normative C-interface schema (J-STD-101 / ATIS-0700037) was not available. The
element names and order follow the public, non-normative "CMAC 2.0" samples summarised in
``shared/reference/cbs/notes.md`` §2.2; treat the output as a shape for testing, not as a
conforming C-interface message. ``CMAC_message_number`` is written as 8 hex digits, which the
samples do not settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from lxml import etree

from ..errors import CbsError
from ..same.codes import event_name, originators
from ..same.header import Header
from ..specs_data import read_table
from ..text import article, clock_time, fit_list, load_zone, location_name
from .pdu import CbsMessage, SerialNumber
from .wac import WarningArea, warning_area_from_shapes

if TYPE_CHECKING:
    from ..cap.model import Alert, Info

__all__ = [
    "WEA_SHORT_LIMIT",
    "WEA_LONG_LIMIT",
    "WeaClass",
    "CmasIdentifier",
    "cmas_identifiers",
    "describe_identifier",
    "message_identifier",
    "same_event_class",
    "check_wea_text",
    "WeaText",
    "WeaMessage",
    "wea_from_header",
    "wea_from_cap",
    "cap_wea_class",
]

WEA_SHORT_LIMIT = 90
"""Characters in the legacy WEA text (47 CFR 10.430; IPAWS ``CMAMtext``)."""
WEA_LONG_LIMIT = 360
"""Characters in the 4G/5G WEA text (47 CFR 10.430 as amended by FCC 16-127, 81 FR 75710;
IPAWS ``CMAMlongtext``)."""
SPEC_IDS = "3GPP TS 23.041 §9.4.1.2.2"
SPEC_TEXT = "47 CFR 10.430 (FCC 16-127)"
SPEC_CAP = "IPAWS CAP profile / NWS CAP documentation (CMAMtext, CMAMlongtext, WEAHandling)"
CMAC_NAMESPACE = "cmac:2.0"
"""Namespace of the public CMAC 2.0 samples (non-normative, see the module docstring)."""


class WeaClass(StrEnum):
    """WEA alert classes; values are the names used in ``specs/cmas_message_ids.csv``."""

    PRESIDENTIAL = "Presidential"
    IMMINENT_THREAT = "Imminent Threat"
    CHILD_ABDUCTION = "Child Abduction"
    REQUIRED_MONTHLY_TEST = "Required Monthly Test"
    EXERCISE = "Exercise"
    OPERATOR_DEFINED = "Operator Defined"
    PUBLIC_SAFETY = "Public Safety"
    STATE_LOCAL_TEST = "State/Local Test"

    @classmethod
    def parse(cls, value: str) -> WeaClass:
        """Accept the value, the member name, or common spellings (``"AMBER"``, ``"RMT"``,
        ``"imminent_threat"``), case-insensitively.

        Raises:
            CbsError: field ``wea_class`` when the name matches no class.
        """
        key = value.strip().lower().replace("_", " ").replace("-", " ")
        for member in cls:
            if key in (member.value.lower().replace("-", " "), member.name.lower()
                       .replace("_", " ")):
                return member
        aliases = {"amber": cls.CHILD_ABDUCTION, "rmt": cls.REQUIRED_MONTHLY_TEST,
                   "national": cls.PRESIDENTIAL, "state local test": cls.STATE_LOCAL_TEST,
                   "extreme": cls.IMMINENT_THREAT, "severe": cls.IMMINENT_THREAT}
        if key in aliases:
            return aliases[key]
        raise CbsError(f"is not a WEA class ({', '.join(m.value for m in cls)})",
                       field="wea_class", value=value, spec=SPEC_IDS)


@dataclass(frozen=True)
class CmasIdentifier:
    """One row of ``specs/cmas_message_ids.csv`` (3GPP TS 23.041 §9.4.1.2.2).

    ``severity``/``urgency``/``certainty`` are CAP values for Imminent Threat ids, else
    ``None``; ``additional_language`` marks the "additional language" (Spanish in the US) id;
    ``base_identifier`` is the English id of the same class.
    """

    message_identifier: int
    wea_class: WeaClass | None
    severity: str | None
    urgency: str | None
    certainty: str | None
    additional_language: bool
    base_identifier: int
    name: str
    eu_alert: str | None
    source: str


@cache
def cmas_identifiers() -> dict[int, CmasIdentifier]:
    """Every CMAS message identifier 4370-4400, keyed by identifier."""
    out = {}
    for r in read_table("cmas_message_ids.csv"):
        mid = int(r["message_identifier"])
        cls = r["wea_class"]
        out[mid] = CmasIdentifier(
            mid, WeaClass(cls) if cls in WeaClass._value2member_map_ else None,
            r["severity"] or None, r["urgency"] or None, r["certainty"] or None,
            r["language"] == "additional", int(r["base_identifier"]), r["name"],
            r["eu_alert"] or None, r["source"])
    return out


def describe_identifier(message_identifier: int) -> CmasIdentifier | None:
    """The table row for a CMAS message identifier, or ``None`` outside 4370-4400."""
    return cmas_identifiers().get(message_identifier)


def message_identifier(wea_class: WeaClass | str, *, severity: str | None = None,
                       urgency: str | None = None, certainty: str | None = None,
                       additional_language: bool = False) -> int:
    """CMAS message identifier for a WEA class (3GPP TS 23.041 §9.4.1.2.2).

    Imminent Threat needs CAP severity (Extreme|Severe), urgency (Immediate|Expected) and
    certainty (Observed|Likely), which pick one of 4371-4378. ``additional_language`` gives
    the id for the second language (Spanish): base + 13 for 4370-4382, + 1 for 4396/4398.

    Raises:
        CbsError: unknown class, or an Imminent Threat combination with no identifier
            (e.g. Moderate, Future, Possible).
    """
    cls = WeaClass.parse(wea_class) if isinstance(wea_class, str) else wea_class
    want = tuple(v.capitalize() if isinstance(v, str) else None
                 for v in (severity, urgency, certainty))
    for row in cmas_identifiers().values():
        if row.wea_class is not cls or row.additional_language != additional_language:
            continue
        if cls is WeaClass.IMMINENT_THREAT and (row.severity, row.urgency,
                                                row.certainty) != want:
            continue
        return row.message_identifier
    raise CbsError("has no CMAS message identifier: Imminent Threat needs severity "
                   "Extreme|Severe, urgency Immediate|Expected, certainty Observed|Likely",
                   field="severity/urgency/certainty", value="/".join(map(str, want)),
                   spec=SPEC_IDS)


@cache
def _same_events() -> dict[str, dict[str, str]]:
    return {r["event"]: r for r in read_table("cmas_same_events.csv")}


def same_event_class(event: str) -> tuple[WeaClass, str | None, str | None, str | None]:
    """WEA class and default CAP severity/urgency/certainty for a SAME event code
    (``specs/cmas_same_events.csv``; e.g. ``"CAE"`` -> Child Abduction).

    Raises:
        CbsError: field ``event`` when the event has no WEA class (watches, statements, RWT).
    """
    row = _same_events().get(event)
    if row is None:
        raise CbsError("has no WEA class (pass wea_class / --class to send it anyway)",
                       field="event", value=event, spec="specs/cmas_same_events.csv")
    return (WeaClass(row["wea_class"]), row["severity"] or None, row["urgency"] or None,
            row["certainty"] or None)


def check_wea_text(text: str, limit: int, *, field: str = "text",
                   truncate: bool = False) -> str:
    """Validate a WEA text: 1 to ``limit`` characters (90 or 360), printable apart from line
    breaks; surrounding white space is removed (47 CFR 10.430).

    Characters are counted as Unicode code points, which is what the FCC limit counts.

    Args:
        text: the text.
        limit: 90 or 360 characters.
        field: name used in errors (``CMAMtext``).
        truncate: cut an over-long text at the last word boundary that fits, ending in
            ``"..."``, instead of raising.

    Raises:
        CbsError: empty text, a control character (naming its position), or too long.
    """
    if not isinstance(text, str):
        raise TypeError(f"{field} must be str, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise CbsError("is empty", field=field, spec=SPEC_TEXT)
    bad = next((i for i, ch in enumerate(text) if not ch.isprintable() and ch not in "\n"),
               None)
    if bad is not None:
        raise CbsError("holds a control character", field=field, value=text[bad],
                       position=bad, spec=SPEC_TEXT)
    if len(text) <= limit:
        return text
    if not truncate:
        raise CbsError(f"is {len(text)} characters; the limit is {limit} (pass truncate to "
                       "cut it at a word boundary)", field=field, value=text[:40] + "...",
                       spec=SPEC_TEXT)
    cut = text[:limit - 3].rstrip()
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "..."


@dataclass(frozen=True)
class WeaText:
    """The texts of one language.

    Attributes:
        language: two-letter code, ``"en"`` or ``"es"`` in the US.
        short: at most 90 characters (``CMAMtext``).
        long: at most 360 characters (``CMAMlongtext``), or ``None``.

    Raises:
        CbsError: a text breaking :func:`check_wea_text`.
    """

    language: str
    short: str
    long: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", self.language.lower())
        object.__setattr__(self, "short", check_wea_text(self.short, WEA_SHORT_LIMIT,
                                                         field="CMAMtext"))
        if self.long is not None:
            object.__setattr__(self, "long", check_wea_text(self.long, WEA_LONG_LIMIT,
                                                            field="CMAMlongtext"))


@dataclass(frozen=True)
class WeaMessage:
    """A WEA alert ready for cell broadcast and the CMAC C-interface.

    Attributes:
        wea_class: :class:`WeaClass`.
        texts: one :class:`WeaText` per language, the first is the primary (English)
            language, a second one goes out on the additional-language identifier.
        severity, urgency, certainty: CAP values (needed for Imminent Threat).
        expires: timezone-aware end of the alert, or ``None``.
        geocodes: SAME ``PSSCCC`` codes of the area.
        polygons: CAP polygons (``"lat,lon lat,lon ..."``).
        area_description: text of the area.
        event_code: SAME event code, where known.
        sender, sender_name, identifier, sent, status, message_type, category: the CAP
            fields copied to CMAC where known.
        notes: decisions the builder made (a derived text, an ignored language).
        circles: CAP circles (``"lat,lon radius_km"``), for geo-targeting.

    Raises:
        CbsError: no text, more than two languages, or a class/severity combination with no
            message identifier.
    """

    wea_class: WeaClass
    texts: tuple[WeaText, ...]
    severity: str | None = None
    urgency: str | None = None
    certainty: str | None = None
    expires: datetime | None = None
    geocodes: tuple[str, ...] = ()
    polygons: tuple[str, ...] = ()
    area_description: str | None = None
    event_code: str | None = None
    sender: str | None = None
    sender_name: str | None = None
    identifier: str | None = None
    sent: datetime | None = None
    status: str = "Actual"
    message_type: str = "Alert"
    category: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)
    circles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "circles", tuple(self.circles))
        if isinstance(self.wea_class, str) and not isinstance(self.wea_class, WeaClass):
            object.__setattr__(self, "wea_class", WeaClass.parse(self.wea_class))
        for name in ("texts", "geocodes", "polygons", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not 1 <= len(self.texts) <= 2:
            raise CbsError("must hold one or two languages (primary and additional)",
                           field="texts", value=len(self.texts), spec=SPEC_IDS)
        self.message_identifiers()  # fails early on a class without an identifier

    def message_identifiers(self) -> tuple[int, ...]:
        """CMAS message identifier per text: base id, then the additional-language id."""
        return tuple(message_identifier(self.wea_class, severity=self.severity,
                                        urgency=self.urgency, certainty=self.certainty,
                                        additional_language=i > 0)
                     for i in range(len(self.texts)))

    def warning_area(self, *, maximum_wait_time: int | None = None) -> WarningArea:
        """The geo-targeting area of the alert's polygons and circles (ATIS-0700041, see
        :mod:`.wac`), to append to the UMTS-format pages.

        Raises:
            CbsError: no polygon or circle, or one out of range, naming it.
        """
        shapes = [("polygon", f"polygon[{n}]", p) for n, p in enumerate(self.polygons, 1)]
        shapes += [("circle", f"circle[{n}]", c) for n, c in enumerate(self.circles, 1)]
        return warning_area_from_shapes(shapes, maximum_wait_time=maximum_wait_time)

    def cbs_messages(self, *, long: bool = True, serial_number: SerialNumber | None = None,
                     warning_area: WarningArea | None = None) -> list[CbsMessage]:
        """One cell-broadcast message per language (3GPP TS 23.041 §9.4).

        Args:
            long: send the 360-character text where there is one (4G/5G), else the
                90-character text.
            serial_number: default geographical scope PLMN-wide, message code 0, update 0.
            warning_area: geo-targeting area written after the pages of the UMTS format
                (see :meth:`warning_area`).

        Raises:
            CbsError: see :meth:`CbsMessage.from_text` (never for texts within 360
                characters: 360 UCS-2 units take 9 pages of the 15 allowed).
        """
        sn = serial_number or SerialNumber(1, 0, 0)
        out = []
        for t, mid in zip(self.texts, self.message_identifiers(), strict=True):
            msg = CbsMessage.from_text(t.long if long and t.long else t.short, mid,
                                       serial_number=sn, language=t.language)
            if warning_area is not None:
                msg = replace(msg, warning_area=warning_area)
            out.append(msg)
        return out

    def to_cmac_xml(self, *, message_number: int = 1, sending_gateway_id: str = "eas-encoder",
                    cap_alert_uri: str | None = None) -> bytes:
        """CMAC-style XML (``cmac:2.0`` shape of the public samples; not schema-validated,
        see the module docstring). UTF-8 bytes with an XML declaration.

        Raises:
            ValueError: ``message_number`` outside 0..0xFFFFFFFF.
        """
        if not 0 <= message_number <= 0xFFFFFFFF:
            raise ValueError("message_number must fit 8 hex digits")
        root = etree.Element("CMAC_Alert_Attributes", nsmap={None: CMAC_NAMESPACE})

        def sub(parent: etree._Element, name: str, value: object) -> etree._Element:
            el = etree.SubElement(parent, name)
            if value is not None:
                el.text = _iso(value) if isinstance(value, datetime) else str(value)
            return el

        sub(root, "CMAC_protocol_version", "2.0")
        sub(root, "CMAC_sending_gateway_id", sending_gateway_id)
        sub(root, "CMAC_message_number", f"{message_number:08X}")
        for name, value in (("CMAC_sender", self.sender),
                            ("CMAC_sent_date_time", self.sent),
                            ("CMAC_status", self.status),
                            ("CMAC_message_type", self.message_type),
                            ("CMAC_cap_alert_uri", cap_alert_uri),
                            ("CMAC_cap_identifier", self.identifier),
                            ("CMAC_cap_sent_date_time", self.sent)):
            if value is not None:
                sub(root, name, value)
        info = sub(root, "CMAC_alert_info", None)
        for name, value in (("CMAC_category", self.category),
                            ("CMAC_severity", self.severity),
                            ("CMAC_urgency", self.urgency),
                            ("CMAC_certainty", self.certainty),
                            ("CMAC_expires_date_time", self.expires),
                            ("CMAC_sender_name", self.sender_name)):
            if value is not None:
                sub(info, name, value)
        area = sub(info, "CMAC_Alert_Area", None)
        sub(area, "CMAC_area_description", self.area_description or "")
        for polygon in self.polygons:
            sub(area, "CMAC_polygon", polygon)
        for code in self.geocodes:
            # 5-digit CMAS geocode is the SAME code without its subdivision digit.
            sub(area, "CMAC_cmas_geocode", code[1:])
        for code in self.geocodes:
            geo = sub(area, "CMAC_cap_geocode", None)
            sub(geo, "valueName", "SAME")
            sub(geo, "value", code)
        for t in self.texts:
            block = sub(info, "CMAC_Alert_Text", None)
            sub(block, "CMAC_text_language", _LANGUAGE_NAMES.get(t.language, t.language))
            sub(block, "CMAC_short_text_alert_message_length", len(t.short))
            sub(block, "CMAC_short_text_alert_message", t.short)
            if t.long is not None:
                sub(block, "CMAC_long_text_alert_message_length", len(t.long))
                sub(block, "CMAC_long_text_alert_message", t.long)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                              pretty_print=True)


_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def _iso(when: datetime) -> str:
    # CAP 1.2 date-time form (no fractional seconds, numeric offset).
    return when.replace(microsecond=0).isoformat()


def _compose_texts(event: str, places: Sequence[str], who: str | None,
                   expires: datetime | None, zone: tzinfo) -> WeaText:
    """English short and long texts from an event name, places and expiry, when the source
    gives none (a SAME header, or CAP without CMAMtext).
    """
    until = ""
    if expires is not None:
        local = expires.astimezone(zone)
        until = f" until {clock_time(local)} {local.tzname()}"
    short_options = (f"{event} in this area{until}. Check local media.",
                     f"{event} in this area{until}.", f"{event}{until}.", f"{event}.")
    short = next((s for s in short_options if len(s) <= WEA_SHORT_LIMIT), None)
    if short is None:
        raise CbsError("cannot fit a 90-character WEA text", field="event", value=event,
                       spec=SPEC_TEXT)
    head = f"{who} has issued {article(event)} {event} for " if who else f"{event} for "
    tail = f"{until}. Check local media."
    fitted = fit_list(list(places), "; ", WEA_LONG_LIMIT - len(head) - len(tail),
                      more="{n} more areas")
    long = head + fitted + tail if places and fitted else None
    return WeaText("en", short, long)


def wea_from_header(header: object, *, tz: str | tzinfo | None = None,
                    reference: datetime, wea_class: WeaClass | str | None = None,
                    severity: str | None = None, urgency: str | None = None,
                    certainty: str | None = None, text: str | None = None,
                    long_text: str | None = None) -> WeaMessage:
    """WEA message from a SAME header (event -> class via ``specs/cmas_same_events.csv``).

    Args:
        header: :class:`~eas_encoder.same.header.Header` or its wire text.
        tz: IANA zone for the expiry time in the derived texts (default UTC).
        reference: time near the issue time (the caller's now), to infer the year.
        wea_class: override the class of the table.
        severity: override the CAP severity of the table.
        urgency: override the CAP urgency of the table.
        certainty: override the CAP certainty of the table.
        text: use this 90-character text instead of the derived English one.
        long_text: use this 360-character text instead of the derived English one.

    Raises:
        HeaderError: unparseable header. CbsError: an event with no WEA class, or texts
            breaking the limits. EncodeError: unknown ``tz``.
    """
    if isinstance(header, str):
        header = Header.parse(header, lenient=True)
    if not isinstance(header, Header):
        raise TypeError(f"header must be a Header or str, not {type(header).__name__}")
    if wea_class is None:
        cls, s, u, c = same_event_class(header.event)
    else:
        cls, s, u, c = (WeaClass.parse(wea_class) if isinstance(wea_class, str)
                        else wea_class), None, None, None
    severity, urgency, certainty = severity or s, urgency or u, certainty or c
    expires = header.expires_at(reference)
    places = [location_name(code) for code in header.locations]
    org = originators().get(header.originator)
    notes = []
    if text is None or long_text is None:
        derived = _compose_texts(event_name(header.event), places,
                                 org.crawl_name if org else None, expires, load_zone(tz))
        notes.append("WEA text derived from the SAME header (no CMAMtext given)")
        text = derived.short if text is None else text
        long_text = derived.long if long_text is None else long_text
    return WeaMessage(cls, (WeaText("en", text, long_text),), severity, urgency, certainty,
                      expires, tuple(header.locations), (), "; ".join(places), header.event,
                      sender=header.station.rstrip(), sent=header.issued_at(reference),
                      notes=tuple(notes))


def _cap_parameter(info: Info, name: str) -> tuple[str, ...]:
    # NWS documentation spells one example valueName "CMAMText": match case-insensitively.
    return tuple(p.value for p in info.parameters if p.value_name.lower() == name.lower())


def _info_texts(info: Info, language: str, zone: tzinfo,
                notes: list[str]) -> WeaText | None:
    """Texts of one CAP ``info``: CMAMtext/CMAMlongtext, else a headline of at most 90
    characters, else (English only) a derived text; ``None`` when nothing fits.
    """
    short = _cap_parameter(info, "CMAMtext")
    long = _cap_parameter(info, "CMAMlongtext")
    short_text = short[0].strip() if short else None
    long_text = long[0].strip() if long else None
    if short_text and len(short_text) > WEA_SHORT_LIMIT and long_text is None \
            and len(short_text) <= WEA_LONG_LIMIT:
        # The NWS CMAMlongtext example is labelled "CMAMText": its length tells them apart.
        notes.append(f"{language}: CMAMtext of {len(short_text)} characters read as "
                     "CMAMlongtext")
        long_text, short_text = short_text, None
    if short_text is None and info.headline and len(info.headline.strip()) <= WEA_SHORT_LIMIT:
        short_text = info.headline.strip()
        notes.append(f"{language}: no CMAMtext; the headline is the 90-character text")
    if short_text is None:
        if language != "en":
            return None
        places = [a.area_desc for a in info.areas]
        derived = _compose_texts(info.event, places, None, info.expires, zone)
        notes.append(f"{language}: no CMAMtext or short headline; 90-character text derived "
                     "from event, area and expiry")
        short_text = derived.short
    return WeaText(language, short_text, long_text)


_TEST_CLASSES = frozenset({WeaClass.REQUIRED_MONTHLY_TEST, WeaClass.STATE_LOCAL_TEST,
                           WeaClass.EXERCISE})


def _class_for_status(cls: WeaClass, status: str, *, explicit: bool,
                      notes: list[str]) -> WeaClass:
    """The WEA class allowed for a CAP ``status`` (CAP 1.2 §3.2.1: only ``Actual`` is for
    the public). ``Exercise`` goes out as the Exercise class; ``Test``, ``System`` and
    ``Draft`` only as a test class the caller names, never under a live identifier.

    Raises:
        CbsError: field ``status`` when the alert would reach phones as a live alert.
    """
    if status == "Actual":
        return cls
    if explicit and cls in _TEST_CLASSES:
        return cls
    if status == "Exercise" and not explicit:
        notes.append(f"status Exercise: sent as the Exercise class, not {cls.value}")
        return WeaClass.EXERCISE
    raise CbsError(f"is not Actual, so it must not reach phones as {cls.value}; name a test "
                   "class (--class 'State/Local Test', 'Required Monthly Test' or 'Exercise')",
                   field="status", value=status, spec="CAP 1.2 §3.2.1; 47 CFR 10.350")


def cap_wea_class(alert: Alert, primary: Info, wea_class: WeaClass | str | None = None,
                  notes: list[str] | None = None) -> WeaClass:
    """The WEA class of a CAP alert: ``wea_class`` if given, else parameter ``WEAHandling``,
    else the SAME ``eventCode`` through ``specs/cmas_same_events.csv``, else Imminent Threat;
    then limited by the alert's ``status`` (see :func:`wea_from_cap`). Decisions are appended
    to ``notes``.

    Raises:
        CbsError: an unknown class or a status that must not reach phones as that class.
    """
    notes = [] if notes is None else notes
    if wea_class is not None:
        cls = WeaClass.parse(wea_class) if isinstance(wea_class, str) else wea_class
    elif _cap_parameter(primary, "WEAHandling"):
        cls = WeaClass.parse(_cap_parameter(primary, "WEAHandling")[0])
        same = primary.event_code("SAME")
        if same and same[0] in _same_events() and same_event_class(same[0])[0] is not cls:
            notes.append(f"WEAHandling {cls.value!r} overrides the class of SAME event "
                         f"{same[0]} ({same_event_class(same[0])[0].value})")
    elif primary.event_code("SAME"):
        cls, *_ = same_event_class(primary.event_code("SAME")[0])
    else:
        cls = WeaClass.IMMINENT_THREAT
        notes.append("class Imminent Threat inferred from severity/urgency/certainty")
    return _class_for_status(cls, str(alert.status), explicit=wea_class is not None,
                             notes=notes)


def wea_from_cap(alert: Alert, *, tz: str | tzinfo | None = None,
                 wea_class: WeaClass | str | None = None) -> WeaMessage:
    """WEA message from a CAP 1.2 alert in the IPAWS profile.

    Mapping (``shared/reference/cbs/notes.md`` §2.3): ``parameter CMAMtext`` -> 90-character
    text, ``CMAMlongtext`` -> 360-character text, ``WEAHandling`` -> class (else the SAME
    ``eventCode`` through ``specs/cmas_same_events.csv``, else Imminent Threat from
    severity/urgency/certainty); ``geocode SAME`` -> geocodes; ``polygon``, ``areaDesc``,
    ``expires``, ``senderName``, ``category`` copied. The first English ``info`` (else the
    first ``info``) is the primary language; a Spanish ``info`` becomes the additional
    language. Without CMAMtext an English text is derived from event, area and expiry.

    Args:
        alert: :class:`eas_encoder.cap.model.Alert` (parse XML with
            :func:`eas_encoder.cap.xml.parse`).
        tz: IANA zone for a derived text's expiry time (default UTC).
        wea_class: override the class.

    Raises:
        CbsError: no ``info``, a Cancel (this library builds no WEA cancellation), a class
            that cannot be determined, or texts breaking the limits.
    """
    infos = tuple(alert.infos)
    if not infos:
        raise CbsError("has no <info>: nothing to send", field="alert",
                       value=alert.identifier, spec=SPEC_CAP)
    if str(alert.msg_type) == "Cancel":
        raise CbsError("Cancel messages are not turned into WEA text by this library",
                       field="msgType", value="Cancel", spec=SPEC_CAP)
    by_lang: dict[str, Info] = {}
    for info in infos:
        by_lang.setdefault(info.effective_language.split("-")[0].lower(), info)
    primary_lang = "en" if "en" in by_lang else next(iter(by_lang))
    primary = by_lang[primary_lang]
    chosen = [(primary_lang, primary)]
    if primary_lang != "es" and "es" in by_lang:
        chosen.append(("es", by_lang["es"]))
    notes: list[str] = []
    ignored = sorted(set(by_lang) - {lang for lang, _ in chosen})
    if ignored:
        notes.append(f"languages not sent over cell broadcast: {', '.join(ignored)}")
    zone = load_zone(tz)
    texts = []
    for lang, info in chosen:
        found = _info_texts(info, lang, zone, notes)
        if found is not None:
            texts.append(found)
        elif info is primary:
            raise CbsError("has no CMAMtext and no headline of at most 90 characters, and no "
                           "text is derived for a language other than English",
                           field="info", value=lang, spec=SPEC_CAP)
        else:
            notes.append(f"{lang}: dropped, no CMAMtext and no short headline")

    severity, urgency, certainty = (str(primary.severity), str(primary.urgency),
                                    str(primary.certainty))
    cls = cap_wea_class(alert, primary, wea_class, notes)
    geocodes = tuple(dict.fromkeys(g for a in primary.areas for g in a.geocode_values("SAME")))
    polygons = tuple(p for a in primary.areas for p in a.polygons)
    circles = tuple(c for a in primary.areas for c in a.circles)
    category = primary.category[0] if primary.category else None
    event_code = primary.event_code("SAME")
    return WeaMessage(
        cls, tuple(texts), severity, urgency, certainty, primary.expires, geocodes, polygons,
        "; ".join(a.area_desc for a in primary.areas) or None,
        event_code[0] if event_code else None, alert.sender, primary.sender_name,
        alert.identifier, alert.sent, str(alert.status), str(alert.msg_type),
        str(category) if category is not None else None, tuple(notes), circles)
