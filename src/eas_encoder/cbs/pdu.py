"""3GPP TS 23.041 cell-broadcast messages: GSM 88-octet pages and the UMTS/LTE format.

GSM format (TS 23.041 §9.4.1.2), one PDU per page, and UMTS format (TS 23.041 §9.4.2.2,
also what LTE/NR phones receive), one PDU for all pages: the octet layouts are the tables
:data:`~eas_encoder.cbs.layout.GSM_PAGE`, :data:`~eas_encoder.cbs.layout.UMTS_HEADER` and
:data:`~eas_encoder.cbs.layout.UMTS_PAGE`, read by the encoder, the decoder and its length and
field checks alike.

Octet positions in errors count from 0 at the first octet of the PDU. A :class:`CbsMessage`
holds the text of each page separately, so a decoded message re-encodes byte for byte even
where the sender split its pages differently from :meth:`CbsMessage.from_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from ..errors import CbsError
from .gsm7 import (
    CR,
    GSM7_SEPTETS_PER_PAGE,
    PAGE_OCTETS,
    UCS2_UNITS_PER_PAGE,
    choose_alphabet,
    decode_ucs2,
    encode_ucs2,
    pack_septets,
    packed_length,
    septets_to_text,
    split_gsm7,
    split_ucs2,
    text_to_septets,
    unpack_septets,
)
from .layout import GSM_PAGE, UMTS_HEADER, UMTS_PAGE
from .wac import WarningArea

__all__ = [
    "GSM_PDU_OCTETS",
    "MAX_PAGES",
    "GeographicalScope",
    "SerialNumber",
    "DataCoding",
    "parse_dcs",
    "dcs_for",
    "Deviation",
    "ETWS_IDENTIFIERS",
    "is_etws_primary",
    "CbsMessage",
    "GsmPage",
    "decode_gsm_page",
    "decode_gsm",
    "decode_umts",
    "decode",
]

SPEC_GSM = "3GPP TS 23.041 §9.4.1.2"
SPEC_UMTS = "3GPP TS 23.041 §9.4.2.2"
SPEC_SERIAL = "3GPP TS 23.041 §9.4.1.2.1"
SPEC_PAGE = "3GPP TS 23.041 §9.4.1.2.4"
SPEC_DCS = "3GPP TS 23.038 §5"

GSM_PDU_OCTETS = GSM_PAGE.octets
"""A GSM-format page is exactly 88 octets: 6 header + 82 content (TS 23.041 §9.4.1.2)."""
MAX_PAGES = 15
"""A message has 1 to 15 pages: the page parameter has 4-bit fields (TS 23.041 §9.4.1.2.4)."""
UMTS_MESSAGE_TYPE_CBS = 0x01
"""Message type 1 = CBS message (TS 23.041 §9.4.2.2.1)."""
_UMTS_HEADER_OCTETS = UMTS_HEADER.octets
_UMTS_PAGE_OCTETS = UMTS_PAGE.octets


class GeographicalScope(IntEnum):
    """Geographical scope, the top two bits of the serial number (TS 23.041 §9.4.1.2.1)."""

    CELL_IMMEDIATE = 0
    """Cell wide, display immediately."""
    PLMN = 1
    """PLMN wide, normal display."""
    LOCATION_AREA = 2
    """Location area / service area / tracking area wide, normal display."""
    CELL = 3
    """Cell wide, normal display."""


@dataclass(frozen=True)
class SerialNumber:
    """The 16-bit serial number (TS 23.041 §9.4.1.2.1).

    Attributes:
        geographical_scope: bits 15-14, 0-3 (see :class:`GeographicalScope`).
        message_code: bits 13-4, 0-1023; tells messages with the same message identifier
            apart. For ETWS identifiers its top two bits are the emergency user alert and
            popup flags.
        update_number: bits 3-0, 0-15; bumped for a changed version of the same message.

    Raises:
        ValueError: a field outside its bit width (API misuse).
    """

    geographical_scope: int = GeographicalScope.CELL_IMMEDIATE
    message_code: int = 0
    update_number: int = 0

    def __post_init__(self) -> None:
        for name, top in (("geographical_scope", 3), ("message_code", 1023),
                          ("update_number", 15)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
                raise ValueError(f"{name} must be an int 0-{top}, not {value!r}")
        object.__setattr__(self, "geographical_scope",
                           GeographicalScope(self.geographical_scope))

    @property
    def raw(self) -> int:
        """The two octets as one big-endian 16-bit value."""
        return (self.geographical_scope << 14) | (self.message_code << 4) | self.update_number

    @classmethod
    def from_raw(cls, raw: int) -> SerialNumber:
        """Split a 16-bit serial number into its fields."""
        if not 0 <= raw <= 0xFFFF:
            raise ValueError(f"serial number must be 0-0xFFFF, not {raw!r}")
        return cls(raw >> 14, (raw >> 4) & 0x3FF, raw & 0xF)


# TS 23.038 §5, coding group 0000 (0x00-0x0F) and 0010 (0x20-0x24): 7-bit, language in DCS.
_DCS_LANGUAGES = {
    0x00: "de", 0x01: "en", 0x02: "it", 0x03: "fr", 0x04: "es", 0x05: "nl", 0x06: "sv",
    0x07: "da", 0x08: "pt", 0x09: "fi", 0x0A: "no", 0x0B: "el", 0x0C: "tr", 0x0D: "hu",
    0x0E: "pl", 0x20: "cs", 0x21: "he", 0x22: "ar", 0x23: "ru", 0x24: "is",
}
_LANGUAGE_DCS = {lang: dcs for dcs, lang in _DCS_LANGUAGES.items()}
DCS_GSM7_UNSPECIFIED = 0x0F
"""GSM 7-bit, language unspecified (TS 23.038 §5, group 0000)."""
DCS_GSM7_LANGUAGE_IN_BODY = 0x10
"""GSM 7-bit; the message starts with a two-character language and CR (TS 23.038 §5)."""
DCS_UCS2_LANGUAGE_IN_BODY = 0x11
"""UCS-2; the message starts with a two-character language in 2 packed GSM octets."""
DCS_UCS2 = 0x48
"""General data coding, uncompressed, no class, UCS-2 (TS 23.038 §5, group 01xx)."""


@dataclass(frozen=True)
class DataCoding:
    """What a CBS data coding scheme octet says (TS 23.038 §5).

    Attributes:
        dcs: the octet, 0-255.
        alphabet: ``"gsm7"``, ``"ucs2"`` or ``"8bit"``.
        language: ISO 639-1 code given by the DCS itself, or ``None``.
        language_in_body: the content starts with the language (DCS 0x10 and 0x11).
        compressed: TS 23.042 compression flagged (not supported by this library).
        has_udh: the content starts with a user data header (coding group 1001).
    """

    dcs: int
    alphabet: str
    language: str | None = None
    language_in_body: bool = False
    compressed: bool = False
    has_udh: bool = False


def parse_dcs(dcs: int) -> DataCoding:
    """Interpret a CBS data coding scheme octet (TS 23.038 §5).

    Reserved values are read as GSM 7-bit, as TS 23.038 §5 asks of a receiver
    ("any reserved codings shall be assumed to be the GSM 7 bit default alphabet").
    """
    if not 0 <= dcs <= 0xFF:
        raise ValueError(f"data coding scheme must be 0-255, not {dcs!r}")
    group = dcs >> 4
    if dcs in _DCS_LANGUAGES:
        return DataCoding(dcs, "gsm7", _DCS_LANGUAGES[dcs])
    if dcs == DCS_GSM7_LANGUAGE_IN_BODY:
        return DataCoding(dcs, "gsm7", language_in_body=True)
    if dcs == DCS_UCS2_LANGUAGE_IN_BODY:
        return DataCoding(dcs, "ucs2", language_in_body=True)
    if group in (0x4, 0x5, 0x6, 0x7, 0x9):
        alphabet = {0: "gsm7", 1: "8bit", 2: "ucs2"}.get((dcs >> 2) & 3, "gsm7")
        return DataCoding(dcs, alphabet, compressed=bool(dcs & 0x20) and group != 0x9,
                          has_udh=group == 0x9)
    if group == 0xF:
        return DataCoding(dcs, "8bit" if dcs & 0x04 else "gsm7")
    return DataCoding(dcs, "gsm7")


def dcs_for(alphabet: str, language: str | None = None) -> int:
    """The data coding scheme this library sends for an alphabet and language (TS 23.038 §5).

    GSM 7-bit uses the language's own DCS value where it has one (``en`` 0x01, ``es`` 0x04...),
    0x10 with the language in the body for other two-letter languages, and 0x0F when no
    language is given. UCS-2 uses 0x11 (language in the body) or 0x48.

    Raises:
        ValueError: unknown alphabet or a language that is not two ASCII letters.
    """
    if language is not None and not (len(language) == 2 and language.isascii()
                                     and language.isalpha()):
        raise ValueError(f"language must be a two-letter ISO 639-1 code, not {language!r}")
    if alphabet == "gsm7":
        if language is None:
            return DCS_GSM7_UNSPECIFIED
        return _LANGUAGE_DCS.get(language.lower(), DCS_GSM7_LANGUAGE_IN_BODY)
    if alphabet == "ucs2":
        return DCS_UCS2 if language is None else DCS_UCS2_LANGUAGE_IN_BODY
    raise ValueError(f"alphabet must be 'gsm7' or 'ucs2', not {alphabet!r}")


@dataclass(frozen=True)
class Deviation:
    """A departure from TS 23.041 / TS 23.038 that real senders make and receivers accept,
    decoded anyway and reported (outcomes as data: ``id`` is stable, ``text`` is for people).

    Attributes:
        id: ``"short-page"`` (a GSM-format page under 88 octets), ``"page-number-zero"``
            (page parameter with page or total 0, read as page 1 of 1), ``"language-cr-lf"``
            (the language indication is CR LF, not two letters), ``"zero-padding"`` (UCS-2
            padded with U+0000 instead of U+000D), ``"security-information-length"`` (an ETWS
            primary notification whose warning security information is not 50 octets),
            ``"warning-area-unreadable"`` (octets after a UMTS message that are not warning
            area coordinates; the message is read without an area, as handsets do).
        field: the field concerned. position: octet offset in the PDU, or ``None``.
        text: what was found and how it was read. spec: the clause departed from.
    """

    id: str
    field: str
    position: int | None
    text: str
    spec: str

    def __str__(self) -> str:
        at = f" (at {self.position})" if self.position is not None else ""
        return f"{self.id}: {self.field}: {self.text}{at} [{self.spec}]"


def _deviate(deviations: list[Deviation] | None, id_: str, field_: str, position: int | None,
             text: str, spec: str) -> None:
    """Record a deviation, or refuse it as a CbsError when decoding strictly (``None``)."""
    if deviations is None:
        raise CbsError(text + " (decode without strict to accept it as a deviation)",
                       field=field_, position=position, spec=spec)
    deviations.append(Deviation(id_, field_, position, text, spec))


LANGUAGE_CR_LF = "\r\n"
"""What some senders (Japanese ETWS pages) put where the language indication belongs."""


def _page_capacity(coding: DataCoding) -> int:
    if coding.alphabet == "gsm7":
        return GSM7_SEPTETS_PER_PAGE - (3 if coding.language_in_body else 0)
    return UCS2_UNITS_PER_PAGE - (1 if coding.language_in_body else 0)


@dataclass(frozen=True)
class CbsMessage:
    """One cell-broadcast message: header fields plus the text of each page.

    Attributes:
        message_identifier: 0-65535, the channel (TS 23.041 §9.4.1.2.2; CMAS 4370-4399).
        serial_number: :class:`SerialNumber`.
        dcs: data coding scheme octet (TS 23.038 §5); must be GSM 7-bit or UCS-2.
        pages: text of each page, 1 to 15 items, each fitting one 82-octet page (language
            indication and padding not included).
        language: two-letter language; required when the DCS puts it in the body (0x10, 0x11),
            and taken from the DCS when the DCS names one.
        alphabet_note: why UCS-2 was chosen, when :meth:`from_text` chose it; not compared.
        deviations: :class:`Deviation` items found while decoding; not compared.
        warning_area: WEA geo-fencing area (:class:`~eas_encoder.cbs.wac.WarningArea`)
            written after the pages of the UMTS format (ATIS-0700041); the GSM format has no
            place for it, so :meth:`to_gsm_pdus` carries the text only.

    Raises:
        CbsError: a page too long for its page, a character the alphabet cannot carry, or a
            DCS this library cannot write (8-bit, compressed, with user data header).
        ValueError: fields outside their ranges (API misuse).
    """

    message_identifier: int
    serial_number: SerialNumber
    dcs: int
    pages: tuple[str, ...]
    language: str | None = None
    alphabet_note: str | None = field(default=None, compare=False)
    deviations: tuple[Deviation, ...] = field(default=(), compare=False)
    warning_area: WarningArea | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.message_identifier, int) or not 0 <= self.message_identifier \
                <= 0xFFFF:
            raise ValueError(f"message identifier must be 0-65535, not "
                             f"{self.message_identifier!r}")
        if not isinstance(self.serial_number, SerialNumber):
            raise TypeError("serial_number must be a SerialNumber")
        pages = (self.pages,) if isinstance(self.pages, str) else tuple(self.pages)
        object.__setattr__(self, "pages", pages)
        if not 1 <= len(pages) <= MAX_PAGES:
            raise CbsError(f"must have 1 to {MAX_PAGES} pages", field="pages",
                           value=len(pages), spec=SPEC_PAGE)
        coding = self.coding
        if coding.alphabet == "8bit" or coding.compressed or coding.has_udh:
            raise CbsError("8-bit, compressed or UDH content is not supported",
                           field="data coding scheme", value=f"0x{self.dcs:02X}",
                           spec=SPEC_DCS)
        if coding.language is not None:
            if self.language not in (None, coding.language):
                raise ValueError(f"language {self.language!r} contradicts DCS "
                                 f"0x{self.dcs:02X} ({coding.language})")
            object.__setattr__(self, "language", coding.language)
        object.__setattr__(self, "deviations", tuple(self.deviations))
        if coding.language_in_body and not self._cr_lf_language:
            lang = self.language
            if lang is None or len(lang) != 2 or text_to_septets(lang) != lang.encode():
                raise ValueError(f"DCS 0x{self.dcs:02X} needs a two-letter language, "
                                 f"not {lang!r}")
        capacity = _page_capacity(coding)
        for n, page in enumerate(pages, 1):
            used = (len(text_to_septets(page)) if coding.alphabet == "gsm7"
                    else len(encode_ucs2(page)) // 2)
            if used > capacity:
                unit = "septets" if coding.alphabet == "gsm7" else "UCS-2 units"
                raise CbsError(f"page {n} needs {used} {unit}; a page holds {capacity}",
                               field="pages", value=page, spec=SPEC_GSM)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, message_identifier: int, *,
                  serial_number: SerialNumber | None = None, language: str | None = None,
                  alphabet: str | None = None, max_pages: int = MAX_PAGES) -> CbsMessage:
        """Split text into pages, choosing GSM 7-bit or UCS-2 (3GPP TS 23.041 §9.4, TS 23.038).

        Args:
            text: the message text; trailing carriage returns are indistinguishable from the
                padding (TS 23.038 §6.1.2.3.1) and are lost on decoding.
            message_identifier: 0-65535.
            serial_number: default geographical scope 0, message code 0, update 0.
            language: optional two-letter language (sets the DCS, see :func:`dcs_for`).
            alphabet: ``"gsm7"``, ``"ucs2"`` or ``None`` to choose (reported in
                :attr:`alphabet_note`).
            max_pages: refuse text needing more pages (1-15).

        Raises:
            CbsError: field ``text`` when it needs more than ``max_pages`` pages, or when
                ``alphabet="gsm7"`` is forced for text the alphabet cannot carry.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        if not 1 <= max_pages <= MAX_PAGES:
            raise ValueError(f"max_pages must be 1-{MAX_PAGES}")
        note = None
        if alphabet is None:
            choice = choose_alphabet(text)
            alphabet, note = choice.alphabet, choice.note
        dcs = dcs_for(alphabet, language)
        capacity = _page_capacity(parse_dcs(dcs))
        pages = (split_gsm7(text, capacity) if alphabet == "gsm7"
                 else split_ucs2(text, capacity))
        if len(pages) > max_pages:
            unit = "septets" if alphabet == "gsm7" else "UCS-2 units"
            size = (len(text_to_septets(text)) if alphabet == "gsm7"
                    else len(encode_ucs2(text)) // 2)
            raise CbsError(f"is too long: {size} {unit} need {len(pages)} pages, at most "
                           f"{max_pages} allowed ({capacity} {unit} per page)",
                           field="text", value=_clip(text), spec=SPEC_PAGE)
        return cls(message_identifier, serial_number or SerialNumber(), dcs, tuple(pages),
                   language.lower() if language else None, note)

    # -- derived ----------------------------------------------------------------------------
    @property
    def _cr_lf_language(self) -> bool:
        return any(d.id == "language-cr-lf" for d in self.deviations)

    @property
    def coding(self) -> DataCoding:
        """The interpreted data coding scheme."""
        return parse_dcs(self.dcs)

    @property
    def alphabet(self) -> str:
        """``"gsm7"`` or ``"ucs2"``."""
        return self.coding.alphabet

    @property
    def text(self) -> str:
        """The whole message: the pages joined."""
        return "".join(self.pages)

    def page_content(self, index: int) -> tuple[bytes, int]:
        """Content of page ``index`` (0-based): 82 padded octets and the octets used.

        GSM 7-bit pages are padded with CR septets, UCS-2 pages with U+000D
        (TS 23.038 §6.1.2.3.1); the used count is what the UMTS length octet carries.
        """
        coding = self.coding
        page = self.pages[index]
        if coding.alphabet == "gsm7":
            prefix = (self.language.encode("ascii") + bytes([CR])
                      if coding.language_in_body and self.language else b"")
            if coding.language_in_body and self._cr_lf_language:
                prefix = b"\r\n\r"
            septets = prefix + text_to_septets(page)
            used = packed_length(len(septets))
            padded = septets + bytes([CR]) * (GSM7_SEPTETS_PER_PAGE - len(septets))
            return pack_septets(padded)[:PAGE_OCTETS], used
        prefix = b""
        if coding.language_in_body and self.language:
            # Two GSM 7-bit characters packed into 14 bits plus 2 zero bits (TS 23.038 §5).
            prefix = pack_septets(text_to_septets(self.language))
        elif coding.language_in_body and self._cr_lf_language:
            prefix = b"\r\n"
        body = prefix + encode_ucs2(page)
        used = len(body)
        return body + b"\x00\x0d" * ((PAGE_OCTETS - used) // 2), used

    # -- wire formats -----------------------------------------------------------------------
    def to_gsm_pdus(self) -> list[bytes]:
        """One 88-octet GSM-format PDU per page (TS 23.041 §9.4.1.2)."""
        total = len(self.pages)
        return [GSM_PAGE.pack({"serial_number": self.serial_number.raw,
                               "message_identifier": self.message_identifier,
                               "data_coding_scheme": self.dcs,
                               "page_parameter": (n << 4) | total,
                               "content": self.page_content(n - 1)[0]})
                for n in range(1, total + 1)]

    def to_umts_pdu(self) -> bytes:
        """The UMTS/LTE-format PDU with all pages (TS 23.041 §9.4.2.2), then the warning area
        coordinates if the message has them (ATIS-0700041).
        """
        out = bytearray(UMTS_HEADER.pack({"message_type": UMTS_MESSAGE_TYPE_CBS,
                                          "message_identifier": self.message_identifier,
                                          "serial_number": self.serial_number.raw,
                                          "data_coding_scheme": self.dcs,
                                          "number_of_pages": len(self.pages)}))
        for i in range(len(self.pages)):
            content, used = self.page_content(i)
            out += UMTS_PAGE.pack({"content": content, "length": used})
        if self.warning_area is not None:
            out += self.warning_area.to_bytes()
        return bytes(out)


ETWS_IDENTIFIERS = range(0x1100, 0x1108)
"""ETWS message identifiers 4352-4359 (TS 23.041 §9.4.1.2.2; 4357-4359 reserved for ETWS)."""
ETWS_PRIMARY_MAX_OCTETS = 56
"""6 octets of header and warning type plus 50 of warning security information."""


def is_etws_primary(pdu: bytes) -> bool:
    """True for a PDU a receiver reads as an ETWS primary notification: an ETWS message
    identifier (octets 2-3) and at most 56 octets (TS 23.041 §9.4.1.3; Android's rule).
    """
    return (6 <= len(pdu) <= ETWS_PRIMARY_MAX_OCTETS
            and int.from_bytes(pdu[2:4], "big") in ETWS_IDENTIFIERS)


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "..."


@dataclass(frozen=True)
class GsmPage:
    """One decoded GSM-format page (TS 23.041 §9.4.1.2).

    Attributes:
        serial_number, message_identifier, dcs: header fields.
        page: this page's number, 1-15; total: number of pages, 1-15.
        language: from the DCS or the body, else ``None``.
        text: page text with language indication and trailing CR padding removed.
    """

    serial_number: SerialNumber
    message_identifier: int
    dcs: int
    page: int
    total: int
    language: str | None
    text: str
    deviations: tuple[Deviation, ...] = ()


def _check_bytes(pdu: object) -> bytes:
    if isinstance(pdu, str):
        raise TypeError("PDU must be bytes; use bytes.fromhex() for hex text")
    if not isinstance(pdu, bytes | bytearray | memoryview):
        raise TypeError(f"PDU must be bytes, not {type(pdu).__name__}")
    return bytes(pdu)


def _decode_content(content: bytes, coding: DataCoding, offset: int, dcs_position: int,
                    used: int | None = None, deviations: list[Deviation] | None = None
                    ) -> tuple[str, str | None]:
    """Decode one page's content; ``offset`` is the PDU position of ``content[0]``;
    ``deviations`` collects accepted departures (``None``: refuse them).
    """
    if coding.alphabet == "8bit" or coding.compressed or coding.has_udh:
        raise CbsError("8-bit, compressed or UDH content cannot be decoded to text",
                       field="data coding scheme", value=f"0x{coding.dcs:02X}",
                       position=dcs_position, spec=SPEC_DCS)
    data = content if used is None else content[:used]
    language = coding.language
    if coding.alphabet == "gsm7":
        septets = unpack_septets(data)
        if coding.language_in_body:
            if len(septets) < 3:
                raise CbsError("is too short for the language indication",
                               field="content", position=offset, spec=SPEC_DCS)
            language = _body_language(septets_to_text(septets[:2]), offset, deviations)
            # The third septet is the CR after the language (TS 23.038 §5); it is dropped
            # whatever it holds, as receivers do.
            septets = septets[3:]
        return septets_to_text(septets).rstrip("\r"), language
    if coding.language_in_body:
        if len(data) < 2:
            raise CbsError("is too short for the language indication", field="content",
                           position=offset, spec=SPEC_DCS)
        head = "\r\n" if data[:2] == b"\r\n" else septets_to_text(unpack_septets(data[:2], 2))
        language = _body_language(head, offset, deviations)
        data, offset = data[2:], offset + 2
    if len(data) % 2:
        # An odd 'used' count in UMTS format: the last octet cannot start a UCS-2 unit.
        raise CbsError(f"UCS-2 content has an odd number of octets ({len(data)})",
                       field="content", position=offset + len(data) - 1,
                       spec="3GPP TS 23.038 §6.1.2.2")
    whole = decode_ucs2(data, offset=offset)
    text = whole.rstrip("\r")
    # U+0000 padding only where a page has no length (GSM format), nothing was padded with
    # CR, and at least two units of it: a text may itself end in one U+0000.
    if used is None and text == whole and text.endswith("\x00\x00"):
        _deviate(deviations, "zero-padding", "content", offset + 2 * len(text.rstrip("\x00")),
                 "UCS-2 page padded with U+0000, not U+000D; the padding is dropped",
                 "3GPP TS 23.038 §6.1.2.3.1")
        text = text.rstrip("\x00\r")
    return text, language


def _body_language(text: str, offset: int,
                   deviations: list[Deviation] | None = None) -> str | None:
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.lower()
    if text == "\r\n":
        _deviate(deviations, "language-cr-lf", "language", offset,
                 "language indication is CR LF, not two letters; language unknown", SPEC_DCS)
        return None
    raise CbsError("language indication must be two letters", field="language",
                   value=text, position=offset, spec=SPEC_DCS)


def decode_gsm_page(pdu: bytes, *, strict: bool = False) -> GsmPage:
    """Decode one GSM-format page (TS 23.041 §9.4.1.2, table :data:`GSM_PAGE`).

    Real senders depart from the clause in ways receivers accept; unless ``strict``, these
    decode and are listed in :attr:`GsmPage.deviations` (see :class:`Deviation`): a page
    shorter than 88 octets (Japanese ETWS pages of 86), a page parameter with page or total 0
    (read as page 1 of 1, as Android does), a CR LF language indication, U+0000 padding.

    Raises:
        CbsError: longer than 88 octets or shorter than the header plus one octet, a page
            number above the total (octet 5), content that cannot be decoded, or with
            ``strict`` any deviation, naming the octet.
    """
    pdu = _check_bytes(pdu)
    deviations: list[Deviation] | None = None if strict else []
    content = GSM_PAGE["content"]
    if len(pdu) != GSM_PAGE.octets:
        if not content.offset < len(pdu) < GSM_PAGE.octets:
            raise CbsError(f"is {len(pdu)} octets; a GSM-format page is exactly "
                           f"{GSM_PAGE.octets}", field="pdu",
                           position=min(len(pdu), GSM_PAGE.octets), spec=GSM_PAGE.clause)
        _deviate(deviations, "short-page", "pdu", len(pdu),
                 f"page is {len(pdu)} octets, not {GSM_PAGE.octets}; the content is read as "
                 f"{len(pdu) - content.offset} octets", GSM_PAGE.clause)
    # The header rows are read from the table; a short page's content is what there is.
    f = GSM_PAGE.unpack(pdu.ljust(GSM_PAGE.octets, b"\0"))
    f["content"] = pdu[content.offset:]
    param = GSM_PAGE["page_parameter"]
    page_parameter = f.integer("page_parameter")
    page, total = page_parameter >> 4, page_parameter & 0x0F
    if page > total and total:
        raise CbsError(f"page {page} of {total} is not a page of a 1-15 page message",
                       field=param.label, value=f"0x{page_parameter:02X}",
                       position=param.offset, spec=param.clause)
    if total == 0 or page == 0:
        _deviate(deviations, "page-number-zero", param.label, param.offset,
                 f"page parameter 0x{page_parameter:02X} (page {page} of {total}) read "
                 "as page 1 of 1", param.clause)
        page, total = 1, 1
    coding = parse_dcs(f.integer("data_coding_scheme"))
    text, language = _decode_content(f.octets("content"), coding, content.offset,
                                     GSM_PAGE["data_coding_scheme"].offset,
                                     deviations=deviations)
    return GsmPage(SerialNumber.from_raw(f.integer("serial_number")),
                   f.integer("message_identifier"), f.integer("data_coding_scheme"), page,
                   total, language, text, tuple(deviations or ()))


def decode_gsm(pdus: Sequence[bytes], *, strict: bool = False) -> CbsMessage:
    """Decode all GSM-format pages of one message into a :class:`CbsMessage`.

    Pages may arrive in any order; they must share serial number, message identifier, DCS and
    total, and every page 1..total must be present once.

    Raises:
        CbsError: a malformed page (see :func:`decode_gsm_page`) or pages that do not belong
            together, naming the page (``position`` = index in ``pdus``).
    """
    if isinstance(pdus, bytes | bytearray | memoryview):
        pdus = [bytes(pdus)]
    if not pdus:
        raise ValueError("no pages given")
    decoded = [decode_gsm_page(p, strict=strict) for p in pdus]
    first = decoded[0]
    by_number: dict[int, GsmPage] = {}
    for i, pg in enumerate(decoded):
        key = (pg.serial_number, pg.message_identifier, pg.dcs, pg.total)
        if key != (first.serial_number, first.message_identifier, first.dcs, first.total):
            raise CbsError("has a different serial number, message identifier, DCS or total "
                           "than the first page", field="pages", value=f"page {pg.page}",
                           position=i, spec=SPEC_GSM)
        if pg.page in by_number:
            raise CbsError("is given twice", field="pages", value=f"page {pg.page}",
                           position=i, spec=SPEC_PAGE)
        by_number[pg.page] = pg
    missing = [n for n in range(1, first.total + 1) if n not in by_number]
    if missing:
        raise CbsError(f"missing page(s) {missing} of {first.total}", field="pages",
                       spec=SPEC_PAGE)
    ordered = [by_number[n] for n in range(1, first.total + 1)]
    return CbsMessage(first.message_identifier, first.serial_number, first.dcs,
                      tuple(p.text for p in ordered), first.language,
                      deviations=tuple(d for p in ordered for d in p.deviations))


def decode_umts(pdu: bytes, *, strict: bool = False) -> CbsMessage:
    """Decode a UMTS/LTE-format message (TS 23.041 §9.4.2.2, tables :data:`UMTS_HEADER` and
    :data:`UMTS_PAGE`).

    Octets after the last page are read as WEA warning area coordinates
    (:class:`~eas_encoder.cbs.wac.WarningArea`, ATIS-0700041) into
    :attr:`CbsMessage.warning_area`.

    Raises:
        CbsError: message type not 1 (octet 0), number of pages not 1-15 (octet 6), fewer
            octets than the page count needs, a page length above 82, or with ``strict``
            octets after the pages that are not warning area coordinates (naming the octet).
    """
    pdu = _check_bytes(pdu)
    if len(pdu) < UMTS_HEADER.octets:
        raise CbsError(f"is {len(pdu)} octets; a UMTS-format message has at least "
                       f"{UMTS_HEADER.octets + UMTS_PAGE.octets}", field="pdu",
                       position=len(pdu), spec=UMTS_HEADER.clause)
    f = UMTS_HEADER.unpack(pdu)
    message_type = f.integer("message_type")
    if message_type != UMTS_MESSAGE_TYPE_CBS:
        mt = UMTS_HEADER["message_type"]
        raise CbsError("must be 1 (CBS message)", field=mt.label,
                       value=f"0x{message_type:02X}", position=mt.offset, spec=mt.clause)
    count = f.integer("number_of_pages")
    npf = UMTS_HEADER["number_of_pages"]
    if not 1 <= count <= MAX_PAGES:
        raise CbsError(f"must be 1-{MAX_PAGES}", field=npf.label, value=count,
                       position=npf.offset, spec=npf.clause)
    expected = UMTS_HEADER.octets + count * UMTS_PAGE.octets
    if len(pdu) < expected:
        raise CbsError(f"is {len(pdu)} octets; {count} page(s) make {expected}",
                       field="pdu", position=len(pdu), spec=npf.clause)
    coding = parse_dcs(f.integer("data_coding_scheme"))
    deviations: list[Deviation] | None = None if strict else []
    area = None
    if len(pdu) > expected:
        # Octets after the pages are WEA warning area coordinates (ATIS-0700041). A handset
        # that cannot read them shows the message to everyone in the cell, so do we.
        try:
            area = WarningArea.from_bytes(pdu[expected:], expected)
        except CbsError as exc:
            if strict:
                raise
            _deviate(deviations, "warning-area-unreadable", exc.field or "warning area",
                     exc.position, f"{exc.rule}; the message is read without its area",
                     exc.spec or "ATIS-0700041")
    texts = []
    language = coding.language
    length = UMTS_PAGE["length"]
    for i in range(count):
        start = UMTS_HEADER.octets + i * UMTS_PAGE.octets
        page = UMTS_PAGE.unpack(pdu, start)
        used = page.integer("length")
        if used > PAGE_OCTETS:
            raise CbsError(f"page {i + 1} length must be 0-{PAGE_OCTETS}",
                           field="CBS-Message-Information-Length", value=used,
                           position=start + length.offset, spec=length.clause)
        text, lang = _decode_content(page.octets("content"), coding,
                                     start + UMTS_PAGE["content"].offset,
                                     UMTS_HEADER["data_coding_scheme"].offset, used,
                                     deviations)
        language = language or lang
        texts.append(text)
    return CbsMessage(f.integer("message_identifier"),
                      SerialNumber.from_raw(f.integer("serial_number")),
                      f.integer("data_coding_scheme"), tuple(texts), language,
                      deviations=tuple(deviations or ()), warning_area=area)


def decode(pdus: bytes | Sequence[bytes], *, strict: bool = False) -> CbsMessage:
    """Decode GSM pages or a UMTS message, telling them apart by size as receivers do:
    88 octets or fewer is a GSM page, anything longer a UMTS-format message (TS 23.041
    §9.4). Departures real senders make are accepted and listed in
    :attr:`CbsMessage.deviations` unless ``strict``. An ETWS primary notification (at most
    56 octets under an ETWS message identifier) has no text: decode it with
    :func:`eas_encoder.cbs.etws.decode_broadcast`.

    Raises:
        CbsError: see :func:`decode_gsm` and :func:`decode_umts`; field ``pdu`` for an ETWS
            primary notification.
    """
    if isinstance(pdus, bytes | bytearray | memoryview):
        pdus = [bytes(pdus)]
    pdus = [_check_bytes(p) for p in pdus]
    if len(pdus) == 1 and is_etws_primary(pdus[0]):
        raise CbsError("is an ETWS primary notification (no text); decode it with "
                       "cbs.etws.decode_broadcast", field="pdu", value=len(pdus[0]),
                       spec="3GPP TS 23.041 §9.4.1.3")
    if len(pdus) == 1 and len(pdus[0]) > GSM_PDU_OCTETS:
        return decode_umts(pdus[0], strict=strict)
    return decode_gsm(pdus, strict=strict)
