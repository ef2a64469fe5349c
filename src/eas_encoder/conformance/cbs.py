"""Cell-broadcast conformance: measure another vendor's 3GPP TS 23.041 pages against the rules.

The decoder (:mod:`eas_encoder.cbs.pdu`) reads what handsets read, accepting the departures
real senders make and listing them as deviations. A lab wants the opposite view of the same
pages: every rule applied, each as a finding with its clause, so a vendor's cell-broadcast
centre can be told exactly what to fix. Findings use the checker's one finding type and rule
table (:data:`eas_encoder.conformance.rules.RULES`, ids ``CBS.*``).

Rules applied, per message: it decodes at all (CBS.DECODES); octet counts (GSM pages 88,
UMTS 6 + 83 per page, TS 23.041 §9.4.1.2 / §9.4.2.2); page numbering (CBS.PAGE_NUMBERING);
the data coding scheme and the language indication (CBS.DCS, CBS.LANGUAGE, TS 23.038 §5);
the padding after the text: GSM 7-bit pages padded with CR, UCS-2 with U+000D (CBS.PADDING,
TS 23.038 §6.1.2.2-6.1.2.3); the message identifier's range (CBS.MESSAGE_IDENTIFIER, TS 23.041
§9.4.1.2.2); the serial number's fields (CBS.SERIAL_NUMBER, §9.4.1.2.1); an alphabet that
costs pages for nothing (CBS.ALPHABET).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cbs.etws import EtwsPrimary, decode_broadcast
from ..cbs.gsm7 import is_gsm7, unpack_septets
from ..cbs.layout import GSM_PAGE
from ..cbs.pdu import GSM_PDU_OCTETS, CbsMessage, GeographicalScope, parse_dcs
from ..errors import CbsError
from ..findings import FAIL, PASS, WARN, Finding, Verdict, counts, worst
from .report import finding

__all__ = ["CbsReport", "check_pdus", "identifier_range"]

_DEVIATION_RULES = {
    "short-page": "CBS.OCTET_COUNT",
    "page-number-zero": "CBS.PAGE_NUMBERING",
    "language-cr-lf": "CBS.LANGUAGE",
    "zero-padding": "CBS.PADDING",
    "security-information-length": "CBS.OCTET_COUNT",
    "warning-area-unreadable": "CBS.OCTET_COUNT",
}
"""Each decoder deviation (accepted by handsets) fails the rule it departs from."""
_CONTENT = GSM_PAGE["content"]  # octet positions come from the one layout table (cbs.layout)

_RANGES = (
    (0x1100, 0x1107, "ETWS (earthquake, tsunami, test, other)", PASS),
    (0x1108, 0x1111, "reserved for future ETWS", WARN),
    (0x1112, 0x112F, "CMAS / WEA / EU-Alert public warning", PASS),
    (0x1130, 0x18FF, "reserved for future public warning systems", WARN),
)
"""Message identifier ranges of TS 23.041 §9.4.1.2.2 (table 9.4.1.2.2-1), inclusive."""


def identifier_range(message_identifier: int) -> tuple[str, Verdict]:
    """(what the range is, verdict) for a message identifier: public warning ranges pass,
    reserved ones warn, anything else warns as not a public warning channel.
    """
    for lo, hi, name, verdict in _RANGES:
        if lo <= message_identifier <= hi:
            return name, verdict
    return "not a public warning identifier (ordinary cell broadcast)", WARN


@dataclass
class CbsReport:
    """Findings on one cell-broadcast message (its pages).

    Attributes:
        source: what was checked, e.g. ``"3 GSM pages"``.
        findings: every finding, passes included, in rule order.
        summary: decoded fields for the reader (identifier, serial number, DCS, language,
            text), empty when the pages did not decode.
    """

    source: str
    findings: list[Finding] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        """Worst verdict of the findings (``fail`` when there are none)."""
        return worst(self.findings, empty=FAIL)

    def to_dict(self) -> dict:
        """JSON-able dict: source, verdict, counts (:func:`~eas_encoder.findings.counts`),
        summary, findings (each :meth:`~eas_encoder.findings.Finding.to_dict`).
        """
        return {"source": self.source, "verdict": self.verdict.value,
                "counts": counts(self.findings), "summary": self.summary,
                "findings": [f.to_dict() for f in self.findings]}

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self, *, only_problems: bool = False) -> str:
        """Verdict and counts first, then one line per finding (``str(finding)``; problems
        only if asked).
        """
        tally = counts(self.findings)
        lines = [f"{self.source}: {self.verdict.upper()}: {tally[PASS]} pass, "
                 f"{tally[WARN]} warn, {tally[FAIL]} fail"]
        for key, value in self.summary.items():
            lines.append(f"  {key}: {value}")
        lines += [str(f) for f in self.findings if not (only_problems and f.verdict is PASS)]
        return "\n".join(lines)


def _trailing(units: list[bytes], unit: bytes) -> int:
    """How many of ``units`` at the end equal ``unit``."""
    n = 0
    while n < len(units) and units[-1 - n] == unit:
        n += 1
    return n


def _padding(pdus: Sequence[bytes], msg: CbsMessage) -> list[Finding]:
    """GSM-format pages: what follows the text must be CR (GSM 7-bit) or U+000D (UCS-2)."""
    coding = parse_dcs(msg.dcs)
    if coding.alphabet == "gsm7":
        split, pad, zero, names = 1, b"\r", b"\x00", ("CR septets", "'@' (0x00) septets",
                                                      "0x00 instead of CR (0x0D)")
    elif coding.alphabet == "ucs2":
        split, pad, zero, names = 2, b"\x00\x0d", b"\x00\x00", (
            "U+000D units", "U+0000 units", "U+0000 instead of U+000D")
    else:
        return []
    out = []
    for n, pdu in enumerate(pdus, start=1):
        content = pdu[6:GSM_PDU_OCTETS]
        raw = unpack_septets(content) if split == 1 else content
        units = [raw[i:i + split] for i in range(0, len(raw) - split + 1, split)]
        good = _trailing(units, pad)
        bad = _trailing(units[:len(units) - good], zero)
        if bad >= 2:  # one 0x00 may be text ('@'); a run of them is padding
            out.append(finding("CBS.PADDING", f"page[{n}]", f"{bad} {names[1]} after the text",
                               verdict=FAIL, message=f"padded with {names[2]}"))
        else:
            out.append(finding("CBS.PADDING", f"page[{n}]", f"{good} {names[0]} after the text",
                               verdict=PASS))
    return out


def check_pdus(pdus: Sequence[bytes]) -> CbsReport:
    """Apply every CBS rule to the pages of one message (GSM pages, or one UMTS message).

    Args:
        pdus: the PDUs as bytes: 1-15 GSM-format pages of one message, one UMTS-format
            message, or one ETWS primary notification.

    Returns:
        :class:`CbsReport` (never raises for bad content: that is a finding).

    Raises:
        TypeError: a PDU is not bytes (API misuse).
    """
    pdus = [bytes(p) for p in pdus]
    umts = len(pdus) == 1 and len(pdus[0]) > GSM_PDU_OCTETS
    kind = "UMTS message" if umts else f"GSM page{'s' if len(pdus) != 1 else ''}"
    rep = CbsReport(f"{len(pdus) if not umts else 1} {kind}")
    try:
        msg = decode_broadcast(pdus)
    except CbsError as exc:
        rep.findings.append(finding("CBS.DECODES", exc.field or "pdu", str(exc), verdict=FAIL))
        return rep
    rep.findings.append(finding("CBS.DECODES", "message", "decodes", verdict=PASS))
    deviations = {d.id for d in msg.deviations}
    for d in msg.deviations:
        rule = _DEVIATION_RULES.get(d.id, "CBS.DECODES")
        where = f"octet {d.position}" if d.position is not None else d.field
        rep.findings.append(finding(rule, where, d.text, verdict=FAIL,
                                    message=f"{d.id}; handsets accept it"))
    mid, sn = msg.message_identifier, msg.serial_number
    # EtwsPrimary.__post_init__ fills the serial number and identifier when not given.
    assert mid is not None and sn is not None
    scope = GeographicalScope(sn.geographical_scope).name
    name, verdict = identifier_range(mid)
    rep.findings.append(finding("CBS.MESSAGE_IDENTIFIER", "message",
                                f"{mid} (0x{mid:04X}): {name}", verdict=verdict))
    rep.summary = {"message identifier": f"{mid} (0x{mid:04X})",
                   "serial number": f"0x{sn.raw:04X} (geographical scope "
                                    f"{scope}, message code "
                                    f"{sn.message_code}, update {sn.update_number})"}
    rep.findings.append(finding("CBS.SERIAL_NUMBER", "message",
                                f"scope {scope}, code {sn.message_code}, "
                                f"update {sn.update_number}", verdict=PASS))
    if isinstance(msg, EtwsPrimary):
        rep.summary["kind"] = "ETWS primary notification"
        if "security-information-length" not in deviations:
            rep.findings.append(finding("CBS.OCTET_COUNT", "pdu",
                                        f"{len(pdus[0])} octets", verdict=PASS))
        return rep
    coding = parse_dcs(msg.dcs)
    rep.summary.update({"data coding scheme": f"0x{msg.dcs:02X} ({coding.alphabet})",
                        "language": msg.language or "unspecified",
                        "pages": len(msg.pages), "text": "".join(msg.pages)})
    if not umts:
        if "short-page" not in deviations:
            rep.findings.append(finding("CBS.OCTET_COUNT", "pages",
                                        f"{len(pdus)} x {GSM_PDU_OCTETS} octets",
                                        verdict=PASS))
        if "page-number-zero" not in deviations:
            rep.findings.append(finding("CBS.PAGE_NUMBERING", "pages",
                                        f"pages 1-{len(pdus)} of {len(pdus)}", verdict=PASS))
        if "zero-padding" not in deviations:
            rep.findings += _padding(pdus, msg)
    else:
        if not deviations & {"warning-area-unreadable"}:
            rep.findings.append(finding("CBS.OCTET_COUNT", "message",
                                        f"{len(pdus[0])} octets for {len(msg.pages)} "
                                        "page(s)", verdict=PASS))
    rep.findings.append(finding("CBS.DCS", "message",
                                f"0x{msg.dcs:02X}: {coding.alphabet}"
                                + (", language in the body" if coding.language_in_body else ""),
                                verdict=PASS))
    if "language-cr-lf" not in deviations:
        rep.findings.append(finding("CBS.LANGUAGE", "message",
                                    msg.language or "not indicated",
                                    verdict=PASS if msg.language else WARN,
                                    message="" if msg.language else
                                    "a handset cannot pick the message by language"))
    text = "".join(msg.pages)
    if coding.alphabet == "ucs2" and text and is_gsm7(text):
        rep.findings.append(finding("CBS.ALPHABET", "message",
                                    "UCS-2 for text the GSM 7-bit alphabet carries",
                                    verdict=WARN, message="93 septets fit a page, 41 UCS-2 units"))
    else:
        rep.findings.append(finding("CBS.ALPHABET", "message", coding.alphabet, verdict=PASS))
    return rep
