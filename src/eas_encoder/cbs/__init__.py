"""Cell broadcast: GSM 7-bit/UCS-2, 3GPP TS 23.041 pages, WEA/CMAS.

Layers, each encoding and decoding in one module:

* :mod:`.gsm7` - GSM 7-bit default alphabet and extension table, septet packing, UCS-2 and
  the automatic, reported choice between them (3GPP TS 23.038);
* :mod:`.pdu` - :class:`CbsMessage`: GSM 88-octet pages and the UMTS/LTE format
  (3GPP TS 23.041 §9.4), serial number, data coding scheme, page parameter;
* :mod:`.layout` - the octet layout of each format as one declarative table (field, offset,
  width, meaning, TS 23.041 clause), read by encoder, decoder and checks;
* :mod:`.etws` - ETWS primary and secondary notifications (TS 23.041 §9.4.1.3);
* :mod:`.wac` - WEA warning area coordinates after a UMTS message (ATIS-0700041);
* :mod:`.wea` - :class:`WeaMessage`: CMAS message identifiers, 90/360-character WEA texts,
  SAME header or CAP alert -> WEA -> pages, CMAC-style XML;
* :mod:`.languages` - a CAP alert -> one message per ``info`` language (CMAS or EU-Alert
  identifiers).
"""

from .pdu import CbsMessage, SerialNumber, decode
from .wea import WeaClass, WeaMessage, message_identifier, wea_from_cap, wea_from_header

__all__ = ["CbsMessage", "SerialNumber", "decode", "WeaClass", "WeaMessage",
           "message_identifier", "wea_from_cap", "wea_from_header"]
