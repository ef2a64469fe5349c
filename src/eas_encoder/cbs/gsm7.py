"""GSM 7-bit default alphabet and UCS-2 for cell broadcast (3GPP TS 23.038).

Text goes through three steps on its way into a 3GPP TS 23.041 page:

1. characters -> septet values (the default alphabet of TS 23.038 §6.2.1, with the extension
   table of §6.2.1.1 reached through ESC ``0x1B``; each extension character costs two septets),
2. septets -> octets, packed least significant bit first (TS 23.038 §6.1.2.1.1: septet *i*
   starts at bit 7*i* of the octet stream),
3. padding of the unused part of an 82-octet page with carriage-return *septets*
   (TS 23.038 §6.1.2.3.1; a receiver strips trailing CRs, whereas a zero septet would show as a
   stray ``@``).

Text that the default alphabet cannot carry is sent as UCS-2 (TS 23.038 §6.1.2.2 / §5, DCS
alphabet "UCS2"); :func:`choose_alphabet` makes that choice and says why. The character tables
come from the maintained ``gsm0338`` package (Unicode names keyed by septet value).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

from ..errors import CbsError

__all__ = [
    "PAGE_OCTETS",
    "GSM7_SEPTETS_PER_PAGE",
    "UCS2_UNITS_PER_PAGE",
    "CR",
    "ESC",
    "AlphabetChoice",
    "choose_alphabet",
    "first_non_gsm7",
    "is_gsm7",
    "septet_count",
    "text_to_septets",
    "septets_to_text",
    "pack_septets",
    "unpack_septets",
    "packed_length",
    "encode_ucs2",
    "decode_ucs2",
    "split_gsm7",
    "split_ucs2",
]

SPEC_ALPHABET = "3GPP TS 23.038 §6.2.1"
SPEC_PACKING = "3GPP TS 23.038 §6.1.2.1.1"
SPEC_UCS2 = "3GPP TS 23.038 §6.1.2.2"

PAGE_OCTETS = 82
"""Octets of content in one CBS page (3GPP TS 23.041 §9.4.1.2.5 / §9.4.2.2.5)."""
GSM7_SEPTETS_PER_PAGE = PAGE_OCTETS * 8 // 7
"""93 septets fit in 82 octets, leaving 5 spare bits (3GPP TS 23.038 §6.1.2.1.1)."""
UCS2_UNITS_PER_PAGE = PAGE_OCTETS // 2
"""41 UCS-2 code units per 82-octet page (3GPP TS 23.038 §6.1.2.2)."""
CR = 0x0D
"""Carriage return septet, the CBS padding character (3GPP TS 23.038 §6.1.2.3.1)."""
ESC = 0x1B
"""Escape to the extension table (3GPP TS 23.038 §6.2.1.1)."""


def _build_tables() -> tuple[dict[int, str], dict[int, str], dict[str, tuple[int, ...]]]:
    basic = {code: unicodedata.lookup(name) for code, name in BASIC_CHARACTER_SET.items()
             if code != ESC}
    extension = {code: unicodedata.lookup(name)
                 for code, name in BASIC_CHARACTER_SET_EXTENSION.items()}
    encode: dict[str, tuple[int, ...]] = {ch: (ESC, code) for code, ch in extension.items()}
    # The basic table wins where both hold a character (none today), so the one-septet form
    # is always chosen.
    encode.update({ch: (code,) for code, ch in basic.items()})
    return basic, extension, encode


_BASIC, _EXTENSION, _ENCODE = _build_tables()


def first_non_gsm7(text: str) -> int | None:
    """Index of the first character of ``text`` outside the GSM 7-bit default alphabet and its
    extension table (3GPP TS 23.038 §6.2.1, §6.2.1.1), or ``None`` when every character fits.
    """
    for i, ch in enumerate(text):
        if ch not in _ENCODE:
            return i
    return None


def is_gsm7(text: str) -> bool:
    """True when ``text`` can be sent in the GSM 7-bit default alphabet (TS 23.038 §6.2.1)."""
    return first_non_gsm7(text) is None


def septet_count(text: str) -> int:
    """Number of septets ``text`` takes in GSM 7-bit: 1 per character, 2 per extension
    character (ESC + code, 3GPP TS 23.038 §6.2.1.1).

    Raises:
        CbsError: field ``text`` at the first character outside the alphabet.
    """
    return len(text_to_septets(text))


def text_to_septets(text: str) -> bytes:
    """Map text to unpacked septet values (one ``bytes`` item per septet, each 0-127).

    Raises:
        CbsError: field ``text``, value the offending character, position its index
            (3GPP TS 23.038 §6.2.1).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    out = bytearray()
    for i, ch in enumerate(text):
        code = _ENCODE.get(ch)
        if code is None:
            raise CbsError("is not in the GSM 7-bit default alphabet or its extension table",
                           field="text", value=ch, position=i, spec=SPEC_ALPHABET)
        out.extend(code)
    return bytes(out)


def septets_to_text(septets: bytes) -> str:
    """Map unpacked septet values back to text (3GPP TS 23.038 §6.2.1, §6.2.1.1).

    An ESC followed by a code the extension table does not define shows the default-alphabet
    character of that code, as TS 23.038 §6.2.1.1 asks of a receiver; a trailing lone ESC is
    dropped.

    Raises:
        CbsError: field ``septet`` when a value is above 127 (not a septet).
    """
    out: list[str] = []
    i = 0
    n = len(septets)
    while i < n:
        s = septets[i]
        if s > 0x7F:
            raise CbsError("is not a 7-bit value", field="septet", value=s, position=i,
                           spec=SPEC_PACKING)
        if s == ESC:
            if i + 1 >= n:
                break
            nxt = septets[i + 1]
            if nxt == ESC:
                # ESC ESC is reserved for a future extension table; TS 23.038 asks for a space.
                out.append(" ")
            else:
                out.append(_EXTENSION.get(nxt) or _BASIC.get(nxt, " "))
            i += 2
            continue
        out.append(_BASIC[s])
        i += 1
    return "".join(out)


def pack_septets(septets: bytes) -> bytes:
    """Pack septet values LSB first into ``ceil(7 * len / 8)`` octets (TS 23.038 §6.1.2.1.1).

    Spare bits in the last octet are zero.
    """
    value = 0
    for i, s in enumerate(septets):
        if s > 0x7F:
            raise ValueError(f"septet {i} is {s}, above 127")
        value |= s << (7 * i)
    return value.to_bytes(packed_length(len(septets)), "little")


def packed_length(septets: int) -> int:
    """Octets needed for ``septets`` packed septets: ``ceil(7 * septets / 8)``."""
    return (7 * septets + 7) // 8


def unpack_septets(data: bytes, count: int | None = None) -> bytes:
    """Unpack LSB-first packed octets into septet values (TS 23.038 §6.1.2.1.1).

    Args:
        data: packed octets.
        count: septets to read; default ``len(data) * 8 // 7`` (every whole septet).

    Raises:
        ValueError: ``count`` needs more bits than ``data`` holds.
    """
    if count is None:
        count = len(data) * 8 // 7
    if 7 * count > 8 * len(data):
        raise ValueError(f"{count} septets need {packed_length(count)} octets, got {len(data)}")
    value = int.from_bytes(data, "little")
    return bytes((value >> (7 * i)) & 0x7F for i in range(count))


def encode_ucs2(text: str) -> bytes:
    """Encode text as big-endian UCS-2 (TS 23.038 §6.1.2.2).

    A character outside the Basic Multilingual Plane (e.g. an emoji) has no UCS-2 code; it is
    sent as a UTF-16 surrogate pair, which Android and most current phones display and a
    strict UCS-2 receiver shows as two unknown characters. :func:`choose_alphabet` reports it.
    """
    return text.encode("utf-16-be")


def decode_ucs2(data: bytes, *, offset: int = 0) -> str:
    """Decode big-endian UCS-2 (surrogate pairs accepted, as :func:`encode_ucs2` writes them).

    Args:
        data: the octets.
        offset: octet position of ``data[0]`` in the PDU, used in error positions.

    Raises:
        CbsError: field ``content`` on an odd octet count or a lone surrogate, naming the
            octet (TS 23.038 §6.1.2.2).
    """
    if len(data) % 2:
        raise CbsError(f"UCS-2 content has an odd number of octets ({len(data)})",
                       field="content", position=offset + len(data) - 1, spec=SPEC_UCS2)
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise CbsError("holds a lone UTF-16 surrogate", field="content",
                       value=data[exc.start:exc.end].hex(), position=offset + exc.start,
                       spec=SPEC_UCS2) from None


@dataclass(frozen=True)
class AlphabetChoice:
    """The alphabet chosen for a text and why.

    Attributes:
        alphabet: ``"gsm7"`` or ``"ucs2"``.
        note: ``None`` for GSM 7-bit; otherwise one sentence naming the first character that
            forced UCS-2 (and any character outside the BMP), for the caller to show.
        position: index of that first character, or ``None``.
    """

    alphabet: str
    note: str | None = None
    position: int | None = None


def choose_alphabet(text: str) -> AlphabetChoice:
    """Choose GSM 7-bit when every character fits, else UCS-2 (TS 23.038 §5, §6.2.1).

    The choice is reported, never silent: the returned note names the first character that
    needs UCS-2 (an accent outside the alphabet such as ``á``, CJK, an emoji).
    """
    pos = first_non_gsm7(text)
    if pos is None:
        return AlphabetChoice("gsm7")
    ch = text[pos]
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    note = (f"UCS-2 chosen: character {ch!r} ({name}) at position {pos} is not in the "
            "GSM 7-bit default alphabet; pages hold 41 characters instead of 93")
    astral = next((c for c in text if ord(c) > 0xFFFF), None)
    if astral is not None:
        note += (f"; {astral!r} is outside the Basic Multilingual Plane and is sent as a "
                 "UTF-16 surrogate pair (two UCS-2 units)")
    return AlphabetChoice("ucs2", note, pos)


def split_gsm7(text: str, capacity: int = GSM7_SEPTETS_PER_PAGE) -> list[str]:
    """Split text into pieces of at most ``capacity`` septets each, never between ESC and its
    extension code (TS 23.038 §6.2.1.1). Empty text gives one empty piece.

    A piece does not end in a carriage return when the text goes on: the receiver would take
    it for padding and drop it (TS 23.038 §6.1.2.3.1), so the CRs move to the next piece
    (unless they cannot fit there beside the next character, which needs a capacity of a
    few septets).

    Raises:
        CbsError: a character is outside the alphabet (see :func:`text_to_septets`).
        ValueError: ``capacity`` below 2.
    """
    text_to_septets(text)  # raises at the first character the alphabet cannot carry
    return _split(text, capacity, lambda ch: len(_ENCODE[ch]), "septets")


def split_ucs2(text: str, capacity: int = UCS2_UNITS_PER_PAGE) -> list[str]:
    """Split text into pieces of at most ``capacity`` UTF-16 code units, never inside a
    surrogate pair, and never ending a piece in CR (as :func:`split_gsm7`). Empty text gives
    one empty piece.

    Raises:
        ValueError: ``capacity`` below 2.
    """
    return _split(text, capacity, lambda ch: 2 if ord(ch) > 0xFFFF else 1, "code units")


def _split(text: str, capacity: int, cost: Callable[[str], int], unit: str) -> list[str]:
    if capacity < 2:
        raise ValueError(f"capacity must be at least 2 {unit}")
    pieces: list[str] = []
    start = used = 0
    for i, ch in enumerate(text):
        c = cost(ch)
        if used + c > capacity:
            cut = i
            while cut > start and text[cut - 1] == "\r":
                cut -= 1
            # Keep the CRs where they are when moving them is impossible: a whole piece of
            # CRs, or CRs that would not fit beside the next character in a new piece.
            if cut == start or sum(cost(x) for x in text[cut:i]) + c > capacity:
                cut = i
            pieces.append(text[start:cut])
            start, used = cut, sum(cost(x) for x in text[cut:i])
        used += c
    pieces.append(text[start:])
    return pieces
