"""Cell-broadcast PDU layouts: one declarative table per format (3GPP TS 23.041 §9.4).

Each :class:`Layout` lists its fields in wire order with offset, width, meaning and the clause
of TS 23.041 that defines it. The encoder packs with :meth:`Layout.pack`, the decoder reads
with :meth:`Layout.unpack`, and both the length checks and the octet positions in error
messages come from the same rows, so the formats cannot drift apart. That the message
identifier and serial number swap places between the GSM and UMTS formats is visible here,
one row under the other, and nowhere else.

Offsets count octets from 0 at the first octet of the PDU, or of the repeated block for
:data:`UMTS_PAGE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "Field",
    "Layout",
    "Values",
    "GSM_PAGE",
    "UMTS_HEADER",
    "UMTS_PAGE",
    "ETWS_PRIMARY",
    "LAYOUTS",
]

TS = "3GPP TS 23.041"


@dataclass(frozen=True)
class Field:
    """One row of a layout table.

    Attributes:
        name: the field's term in TS 23.041, snake_case (``"message_identifier"``).
        offset: first octet, from 0.
        width: octets.
        unsigned: big-endian unsigned integer when true, else raw octets.
        meaning: what the field carries, in a few words.
        clause: the clause of TS 23.041 (or TS 23.038) defining the field.
    """

    name: str
    offset: int
    width: int
    unsigned: bool
    meaning: str
    clause: str

    @property
    def end(self) -> int:
        """Octet after the field."""
        return self.offset + self.width

    @property
    def label(self) -> str:
        """The field name as words, for errors and reports (``"message identifier"``)."""
        return self.name.replace("_", " ")

    def read(self, pdu: bytes, base: int = 0) -> int | bytes:
        """The field's value in ``pdu`` (whose block starts at ``base``): an int for unsigned
        fields, else the octets. The caller has checked the length.
        """
        raw = pdu[base + self.offset:base + self.end]
        return int.from_bytes(raw, "big") if self.unsigned else bytes(raw)


class Values(dict[str, int | bytes]):
    """Field values read by :meth:`Layout.unpack`, by field name, with typed access.

    A field is an int when its row is ``unsigned``, else octets; :meth:`integer` and
    :meth:`octets` return it as that type.

    Raises:
        TypeError: (from the accessors) a field read as the other type, a table fault.
    """

    def integer(self, name: str) -> int:
        """The unsigned field ``name`` as an int."""
        value = self[name]
        if not isinstance(value, int):
            raise TypeError(f"{name} is not an unsigned field")
        return value

    def octets(self, name: str) -> bytes:
        """The octet field ``name`` as bytes."""
        value = self[name]
        if not isinstance(value, bytes):
            raise TypeError(f"{name} is not an octet field")
        return value


@dataclass(frozen=True)
class Layout:
    """A format as an ordered table of :class:`Field` rows, contiguous from octet 0.

    Attributes:
        name: the format's name (``"GSM format"``).
        clause: the clause of TS 23.041 defining the format.
        fields: rows in wire order.

    Raises:
        ValueError: rows that leave a gap, overlap or repeat a name (a table fault).
    """

    name: str
    clause: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        at = 0
        for f in self.fields:
            if f.offset != at or f.width < 1:
                raise ValueError(f"{self.name}: {f.name} at {f.offset} (width {f.width}) "
                                 f"does not follow the previous field, which ends at {at}")
            at = f.end
        if len({f.name for f in self.fields}) != len(self.fields):
            raise ValueError(f"{self.name}: a field name is repeated")

    @property
    def octets(self) -> int:
        """Total size of the layout."""
        return self.fields[-1].end

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def pack(self, values: Mapping[str, int | bytes]) -> bytes:
        """Octets of the layout from a value per field (ints for unsigned fields).

        Raises:
            ValueError: a missing or extra field, an int too big for its width, octets of the
                wrong length (API misuse: callers build values from validated objects).
        """
        extra = set(values) - {f.name for f in self.fields}
        if extra:
            raise ValueError(f"{self.name} has no field(s) {sorted(extra)}")
        out = bytearray()
        for f in self.fields:
            if f.name not in values:
                raise ValueError(f"{self.name}: {f.name} is missing")
            value = values[f.name]
            if f.unsigned:
                if not isinstance(value, int) or not 0 <= value < 1 << (8 * f.width):
                    raise ValueError(f"{f.name} must be an int of {f.width} octet(s), "
                                     f"not {value!r}")
                out += value.to_bytes(f.width, "big")
            else:
                if not isinstance(value, bytes | bytearray) or len(value) != f.width:
                    raise ValueError(f"{f.name} must be {f.width} octets")
                out += value
        return bytes(out)

    def unpack(self, pdu: bytes, base: int = 0) -> Values:
        """Every field of the layout read from ``pdu[base:]``; the caller checked the length
        (at least ``base + octets``).
        """
        return Values((f.name, f.read(pdu, base)) for f in self.fields)

    def rows(self) -> list[dict[str, object]]:
        """The table as JSON-ready rows (for documentation and ``cbs decode --layout``)."""
        return [{"field": f.label, "offset": f.offset, "width": f.width,
                 "meaning": f.meaning, "clause": f.clause} for f in self.fields]


def _f(name: str, offset: int, width: int, meaning: str, clause: str, *,
       unsigned: bool = True) -> Field:
    return Field(name, offset, width, unsigned, meaning, f"{TS} {clause}")


GSM_PAGE = Layout("GSM format", f"{TS} §9.4.1.2", (
    _f("serial_number", 0, 2, "geographical scope, message code, update number", "§9.4.1.2.1"),
    _f("message_identifier", 2, 2, "source and type (CMAS 4370-4400, ETWS 4352-4359)",
       "§9.4.1.2.2"),
    _f("data_coding_scheme", 4, 1, "alphabet and language (TS 23.038 §5)", "§9.4.1.2.3"),
    _f("page_parameter", 5, 1, "page number (bits 7-4) and number of pages (bits 3-0)",
       "§9.4.1.2.4"),
    _f("content", 6, 82, "content of message, padded to 82 octets", "§9.4.1.2.5",
       unsigned=False),
))
"""One 88-octet page; the serial number comes first."""

UMTS_HEADER = Layout("UMTS format", f"{TS} §9.4.2.2", (
    _f("message_type", 0, 1, "1 = CBS message", "§9.4.2.2.1"),
    _f("message_identifier", 1, 2, "source and type (CMAS 4370-4400, ETWS 4352-4359)",
       "§9.4.2.2.2"),
    _f("serial_number", 3, 2, "geographical scope, message code, update number", "§9.4.2.2.3"),
    _f("data_coding_scheme", 5, 1, "alphabet and language (TS 23.038 §5)", "§9.4.2.2.4"),
    _f("number_of_pages", 6, 1, "1-15 pages follow in CB-Data", "§9.4.2.2.5"),
))
"""The UMTS/LTE/NR header; the message identifier comes before the serial number, the
reverse of :data:`GSM_PAGE`. :data:`UMTS_PAGE` repeats ``number_of_pages`` times after it."""

UMTS_PAGE = Layout("UMTS CB-Data page", f"{TS} §9.4.2.2.5", (
    _f("content", 0, 82, "CBS-Message-Information-Page, padded to 82 octets", "§9.4.2.2.5",
       unsigned=False),
    _f("length", 82, 1, "CBS-Message-Information-Length: octets of the page used, 0-82",
       "§9.4.2.2.5"),
))
"""One page of CB-Data, offsets relative to the start of the page."""

ETWS_PRIMARY = Layout("ETWS primary notification", f"{TS} §9.4.1.3", (
    _f("serial_number", 0, 2, "geographical scope, emergency user alert, popup, message code, "
       "update number", "§9.4.1.3.2"),
    _f("message_identifier", 2, 2, "ETWS 4352-4359 (0x1100-0x1107)", "§9.4.1.3.3"),
    _f("warning_type", 4, 2, "warning type (bits 15-9), emergency user alert (bit 8), popup "
       "(bit 7), padding (bits 6-0)", "§9.4.1.3.4"),
))
"""The 6-octet ETWS primary notification sent over the GSM radio; the warning security
information (50 octets, §9.4.1.3.5) may follow and is carried as raw octets."""

LAYOUTS = (GSM_PAGE, UMTS_HEADER, UMTS_PAGE, ETWS_PRIMARY)
"""Every layout, for documentation and table tests."""
