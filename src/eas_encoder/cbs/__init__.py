"""Cell broadcast: GSM 7-bit/UCS-2, 3GPP TS 23.041 pages, WEA/CMAS.

Layers, each encoding and decoding in one module:

* :mod:`.gsm7` - GSM 7-bit default alphabet and extension table, septet packing, UCS-2 and
  the automatic, reported choice between them (3GPP TS 23.038);
* :mod:`.pdu` - :class:`CbsMessage`: GSM 88-octet pages and the UMTS/LTE format
  (3GPP TS 23.041 §9.4), serial number, data coding scheme, page parameter;
* :mod:`.wea` - :class:`WeaMessage`: CMAS message identifiers, 90/360-character WEA texts,
  SAME header or CAP alert -> WEA -> pages, CMAC-style XML.
"""

from .pdu import CbsMessage, SerialNumber, decode
from .wea import WeaClass, WeaMessage, message_identifier, wea_from_cap, wea_from_header

__all__ = ["CbsMessage", "SerialNumber", "decode", "WeaClass", "WeaMessage",
           "message_identifier", "wea_from_cap", "wea_from_header"]
