"""ETWS, the Earthquake and Tsunami Warning System (3GPP TS 23.041 §9.4.1.3, §9.4.1.2).

ETWS sends two kinds of message under the message identifiers 4352-4359 (0x1100-0x1107):

* the **primary notification** (§9.4.1.3, table :data:`~eas_encoder.cbs.layout.ETWS_PRIMARY`):
  no text, just serial number, message identifier and the warning type with its emergency user
  alert and popup flags, optionally followed by 50 octets of warning security information.
  Handsets show a built-in text for the warning type. Over LTE/NR the same fields travel in
  system information (SIB10), which this library does not build;
* **secondary notifications**: ordinary cell-broadcast messages (GSM or UMTS format, see
  :mod:`.pdu`) with the text, under an ETWS message identifier, whose serial number carries the
  emergency user alert (bit 13) and popup (bit 12) flags in the top of the message code
  (§9.4.1.2.1).

The message identifier of a warning type is 4352 + type for types 0-4; 4357-4359 are reserved
for future ETWS use and decode as such. Real-world secondary pages that depart from the clause
(Japanese pages of 86 octets with a CR LF language indication and U+0000 padding, page
parameter 0x01) decode with :attr:`~eas_encoder.cbs.pdu.CbsMessage.deviations` listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from ..errors import CbsError
from .layout import ETWS_PRIMARY
from .pdu import (
    ETWS_IDENTIFIERS,
    CbsMessage,
    Deviation,
    SerialNumber,
    decode,
    is_etws_primary,
)

__all__ = [
    "WarningType",
    "EtwsInfo",
    "EtwsPrimary",
    "etws_identifier",
    "etws_serial_number",
    "etws_info",
    "secondary_notification",
    "decode_primary",
    "decode_broadcast",
]

SPEC_PRIMARY = "3GPP TS 23.041 §9.4.1.3"
SPEC_SERIAL = "3GPP TS 23.041 §9.4.1.2.1"
SPEC_WARNING_TYPE = "3GPP TS 23.041 §9.4.1.3.4"
SECURITY_INFORMATION_OCTETS = 50
"""Warning security information: 7-octet time stamp and 43-octet signature (§9.4.1.3.5)."""
_EMERGENCY_USER_ALERT_BIT = 0x2000
_POPUP_BIT = 0x1000


class WarningType(IntEnum):
    """ETWS warning type (TS 23.041 §9.4.1.3.4; values 5-127 are reserved)."""

    EARTHQUAKE = 0
    TSUNAMI = 1
    EARTHQUAKE_AND_TSUNAMI = 2
    TEST = 3
    OTHER = 4

    @classmethod
    def parse(cls, value: str | int) -> WarningType:
        """Accept the number, the member name, or ``earthquake``, ``tsunami``, ``both``,
        ``test``, ``other``, case-insensitively.

        Raises:
            CbsError: field ``warning type`` naming the allowed values.
        """
        if isinstance(value, int) and not isinstance(value, bool):
            if value in cls._value2member_map_:
                return cls(value)
        elif isinstance(value, str):
            key = value.strip().lower().replace("-", "_").replace(" ", "_")
            aliases = {"both": cls.EARTHQUAKE_AND_TSUNAMI, "earthquake+tsunami":
                       cls.EARTHQUAKE_AND_TSUNAMI, "other_emergency": cls.OTHER}
            if key in aliases:
                return aliases[key]
            for member in cls:
                if key in (member.name.lower(), str(member.value)):
                    return member
        raise CbsError("must be earthquake, tsunami, both, test or other (0-4)",
                       field="warning type", value=value, spec=SPEC_WARNING_TYPE)

    @property
    def label(self) -> str:
        """Words for reports (``"earthquake and tsunami"``)."""
        return self.name.lower().replace("_", " ")


def etws_identifier(warning_type: WarningType | str | int) -> int:
    """The message identifier of a warning type: 4352 + type (TS 23.041 §9.4.1.2.2).

    Raises:
        CbsError: an unknown warning type.
    """
    return ETWS_IDENTIFIERS.start + WarningType.parse(warning_type)


def etws_serial_number(*, geographical_scope: int = 0, emergency_user_alert: bool = True,
                       popup: bool = True, message_code: int = 0,
                       update_number: int = 0) -> SerialNumber:
    """Serial number of an ETWS message: the emergency user alert and popup flags are the top
    two bits of the 10-bit message code, the other 8 bits the code (TS 23.041 §9.4.1.2.1).

    Args:
        geographical_scope: 0-3 (:class:`~eas_encoder.cbs.pdu.GeographicalScope`).
        emergency_user_alert: bit 13 of the serial number.
        popup: bit 12 of the serial number.
        message_code: 0-255, the rest of the message code.
        update_number: 0-15.

    Raises:
        CbsError: a field outside its range, naming it.
    """
    if not 0 <= message_code <= 0xFF:
        raise CbsError("must be 0-255 for ETWS (the top two bits are the flags)",
                       field="message code", value=message_code, spec=SPEC_SERIAL)
    code = (emergency_user_alert << 9) | (popup << 8) | message_code
    try:
        return SerialNumber(geographical_scope, code, update_number)
    except ValueError as exc:
        raise CbsError(str(exc), field="serial number", spec=SPEC_SERIAL) from None


@dataclass(frozen=True)
class EtwsInfo:
    """What an ETWS message says besides its text.

    Attributes:
        warning_type: :class:`WarningType`, or the raw 0-127 value when reserved.
        emergency_user_alert: the handset should alert the user (sound, vibration).
        popup: the handset should show the message on screen at once.
    """

    warning_type: WarningType | int
    emergency_user_alert: bool
    popup: bool


def etws_info(message: CbsMessage) -> EtwsInfo | None:
    """ETWS information of a secondary notification, or ``None`` for a non-ETWS identifier.
    The warning type comes from the identifier (4352 + type), the flags from the serial
    number (TS 23.041 §9.4.1.2.1); 4357-4359 give the raw reserved value 5-7.
    """
    if message.message_identifier not in ETWS_IDENTIFIERS:
        return None
    raw = message.message_identifier - ETWS_IDENTIFIERS.start
    sn = message.serial_number.raw
    return EtwsInfo(WarningType(raw) if raw in WarningType._value2member_map_ else raw,
                    bool(sn & _EMERGENCY_USER_ALERT_BIT), bool(sn & _POPUP_BIT))


def secondary_notification(text: str, warning_type: WarningType | str | int, *,
                           emergency_user_alert: bool = True, popup: bool = True,
                           geographical_scope: int = 0, message_code: int = 0,
                           update_number: int = 0, language: str | None = None,
                           alphabet: str | None = None, max_pages: int = 15) -> CbsMessage:
    """An ETWS secondary notification: the text under the warning type's identifier with
    the flags in the serial number (TS 23.041 §9.4.1.2). Write it with
    :meth:`CbsMessage.to_gsm_pdus` or :meth:`CbsMessage.to_umts_pdu`.

    Raises:
        CbsError: unknown warning type, a serial-number field out of range, or text that does
            not fit (see :meth:`CbsMessage.from_text`).
    """
    serial = etws_serial_number(geographical_scope=geographical_scope,
                                emergency_user_alert=emergency_user_alert, popup=popup,
                                message_code=message_code, update_number=update_number)
    return CbsMessage.from_text(text, etws_identifier(warning_type), serial_number=serial,
                                language=language, alphabet=alphabet, max_pages=max_pages)


@dataclass(frozen=True)
class EtwsPrimary:
    """An ETWS primary notification (TS 23.041 §9.4.1.3, table :data:`ETWS_PRIMARY`).

    Attributes:
        warning_type: :class:`WarningType` or a reserved value 5-127.
        emergency_user_alert, popup: the flags of the warning type field (§9.4.1.3.4).
        serial_number: :class:`SerialNumber`; default scope 0, flags as above, code 0.
        message_identifier: default 4352 + warning type (for types 0-4).
        warning_security_information: 50 octets (§9.4.1.3.5) or ``None``; this library
            carries it as given and does not verify the signature.
        deviations: departures found while decoding; not compared.

    Raises:
        CbsError: a message identifier outside 4352-4359, a warning type outside 0-127, or
            security information that is not 50 octets.
    """

    warning_type: WarningType | int
    emergency_user_alert: bool = True
    popup: bool = True
    serial_number: SerialNumber | None = None
    message_identifier: int | None = None
    warning_security_information: bytes | None = None
    deviations: tuple[Deviation, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        wt = self.warning_type
        if isinstance(wt, str):
            wt = WarningType.parse(wt)
        if not isinstance(wt, int) or isinstance(wt, bool) or not 0 <= wt <= 127:
            raise CbsError("must be 0-127", field="warning type", value=wt,
                           spec=SPEC_WARNING_TYPE)
        object.__setattr__(self, "warning_type",
                           WarningType(wt) if wt in WarningType._value2member_map_ else wt)
        if self.message_identifier is None:
            if wt > WarningType.OTHER:
                raise CbsError("has no message identifier of its own; give one of 4352-4359",
                               field="warning type", value=wt, spec=SPEC_WARNING_TYPE)
            object.__setattr__(self, "message_identifier", ETWS_IDENTIFIERS.start + wt)
        if self.message_identifier not in ETWS_IDENTIFIERS:
            raise CbsError("must be an ETWS identifier, 4352-4359", field="message identifier",
                           value=self.message_identifier, spec="3GPP TS 23.041 §9.4.1.3.3")
        if self.serial_number is None:
            object.__setattr__(self, "serial_number", etws_serial_number(
                emergency_user_alert=self.emergency_user_alert, popup=self.popup))
        info = self.warning_security_information
        if info is not None and not self.deviations and \
                len(info) != SECURITY_INFORMATION_OCTETS:
            raise CbsError(f"must be {SECURITY_INFORMATION_OCTETS} octets",
                           field="warning security information", value=len(info),
                           spec="3GPP TS 23.041 §9.4.1.3.5")
        object.__setattr__(self, "deviations", tuple(self.deviations))

    def to_pdu(self) -> bytes:
        """The 6-octet notification, or 56 with the warning security information."""
        warning = ((int(self.warning_type) << 9) | (self.emergency_user_alert << 8)
                   | (self.popup << 7))
        serial, identifier = self.serial_number, self.message_identifier
        # __post_init__ fills both when they are not given.
        assert serial is not None and identifier is not None
        head = ETWS_PRIMARY.pack({"serial_number": serial.raw,
                                  "message_identifier": identifier,
                                  "warning_type": warning})
        return head + (self.warning_security_information or b"")


def decode_primary(pdu: bytes, *, strict: bool = False) -> EtwsPrimary:
    """Decode an ETWS primary notification of 6 to 56 octets (TS 23.041 §9.4.1.3).

    Security information of a length other than 0 or 50 octets is kept as given and listed
    as a deviation (``strict`` refuses it); the 7 padding bits are not checked.

    Raises:
        CbsError: fewer than 6 or more than 56 octets, a non-ETWS identifier (octets 2-3),
            or with ``strict`` a deviation.
    """
    if not isinstance(pdu, bytes | bytearray | memoryview):
        raise TypeError(f"PDU must be bytes, not {type(pdu).__name__}")
    pdu = bytes(pdu)
    if not is_etws_primary(pdu):
        mid = ETWS_PRIMARY["message_identifier"]
        if ETWS_PRIMARY.octets <= len(pdu) <= 56:
            raise CbsError("is not an ETWS identifier (4352-4359)", field=mid.label,
                           value=int.from_bytes(pdu[2:4], "big"), position=mid.offset,
                           spec=mid.clause)
        raise CbsError(f"is {len(pdu)} octets; an ETWS primary notification has 6 or 56",
                       field="pdu", position=min(len(pdu), 56), spec=SPEC_PRIMARY)
    f = ETWS_PRIMARY.unpack(pdu)
    rest = pdu[ETWS_PRIMARY.octets:]
    deviations: list[Deviation] = []
    if rest and len(rest) != SECURITY_INFORMATION_OCTETS:
        text = (f"warning security information is {len(rest)} octets, not "
                f"{SECURITY_INFORMATION_OCTETS}; kept as given")
        if strict:
            raise CbsError(text, field="warning security information",
                           position=ETWS_PRIMARY.octets, spec="3GPP TS 23.041 §9.4.1.3.5")
        deviations.append(Deviation("security-information-length",
                                    "warning security information", ETWS_PRIMARY.octets,
                                    text, "3GPP TS 23.041 §9.4.1.3.5"))
    warning = f.integer("warning_type")
    return EtwsPrimary(warning >> 9, bool(warning & 0x100), bool(warning & 0x80),
                       SerialNumber.from_raw(f.integer("serial_number")),
                       f.integer("message_identifier"),
                       rest or None, tuple(deviations))


def decode_broadcast(pdus: bytes | Sequence[bytes], *,
                     strict: bool = False) -> CbsMessage | EtwsPrimary:
    """Decode whatever a handset receives: an ETWS primary notification (one PDU of at most
    56 octets under an ETWS identifier), GSM-format pages or a UMTS-format message.

    Raises:
        CbsError: see :func:`decode_primary` and :func:`eas_encoder.cbs.pdu.decode`.
    """
    if isinstance(pdus, bytes | bytearray | memoryview):
        pdus = [bytes(pdus)]
    if len(pdus) == 1 and isinstance(pdus[0], bytes | bytearray) and is_etws_primary(pdus[0]):
        return decode_primary(pdus[0], strict=strict)
    return decode(pdus, strict=strict)
