"""National CAP profiles: CAP-CP (Canada) and CAP-AU (Australia), as validation rules.

Both run after the CAP 1.2 schema and prose rules of :mod:`.rules`, on the parsed alert, and
are registered there with :func:`~eas_encoder.cap.rules.register_profile` so that
``validate(doc, "cap-cp")`` and ``cap validate --profile cap-cp|cap-au`` work without
:mod:`.rules` importing this module. Rule ids, levels and sources are listed in
``docs/cap_rules.md``.

Sources:

* CAP-CP: "Canadian Profile of the Common Alerting Protocol (CAP-CP) Introduction and Rule
  Set" (Public Safety Canada, Beta 0.4 and 1.0, publicsafety.gc.ca/cnt/rsrcs/pblctns/
  capcp-ntro-rl-st/), as far as its public pages show, and google/cap-library's
  ``CanadianProfile`` (snapshot 67dcf20; rules summarised in
  ``shared/reference/cap/notes.md`` §3c). Event codes: ``specs/capcp_events.csv`` (partial,
  see there). Location codes: Statistics Canada Standard Geographical Classification (SGC):
  a 2-digit province or territory, 4-digit census division or 7-digit census subdivision
  whose first two digits are the province. Layers: SOREM (``layer:SOREM:1.0``, ``2.0``),
  Environment Canada's ``layer:EC-MSC-SMC:1.0``/``1.1`` and ``layer:WPAM:1.0`` as seen in
  NAAD alerts; a layer's parameters must be announced by its ``code``.
* CAP-AU: "Common Alerting Protocol - Australia Profile (CAP-AU) Version 1.0" (OASIS
  EDXL-CAP1.2-AU, docs.oasis-open.org/emergency/edxl-cap1.2-au/v1.0/) as summarised from
  google/cap-library's ``AustralianProfile``: the version code, one eventCode from the
  Australian event list (AUeventLIST1.0, valueName
  ``https://govshare.gov.au/xmlui/handle/10772/6495``), the same categories and eventCodes in
  every info, no ``effective`` in a Cancel, an area in every info.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ..findings import FAIL, INFO, WARN, Finding, Verdict
from ..specs_data import read_table
from .model import Alert, MsgType
from .rules import Rule, make_finding, register_profile

__all__ = ["CAPCP_RULES", "CAPAU_RULES", "capcp_findings", "capau_findings",
           "capcp_event_codes", "CAPAU_CODE", "CAPAU_EVENT_LIST"]

_E, _W, _I = FAIL, WARN, INFO
_CP = "CAP-CP Introduction and Rule Set (Beta 0.4 / 1.0)"
_CPG = "google/cap-library CanadianProfile"
_AU = "CAP-AU v1.0 (OASIS EDXL-CAP1.2-AU)"

CAPCP_RULES = (
    Rule("CAPCP-CODE", _E, _CP, "code profile:CAP-CP:<version> present"),
    Rule("CAPCP-INFO", _E, _CP, "an info unless msgType is Ack or Error"),
    Rule("CAPCP-REFERENCES", _E, _CP + "; " + _CPG, "Update/Cancel reference the messages "
         "they replace"),
    Rule("CAPCP-EVENTCODE", _E, _CP, "each info has one eventCode profile:CAP-CP:Event:<ver>"),
    Rule("CAPCP-EVENT-UNLISTED", _W, "specs/capcp_events.csv (partial CAP-CP event list)",
         "event code not in the list this library carries"),
    Rule("CAPCP-EVENTCODE-MATCH", _E, _CP, "one event per alert: the same eventCodes in every "
         "info"),
    Rule("CAPCP-AREA", _E, _CP, "each info has an area"),
    Rule("CAPCP-GEOCODE", _E, _CP + "; Statistics Canada SGC", "each area has a geocode "
         "profile:CAP-CP:Location:<ver> holding an SGC code"),
    Rule("CAPCP-LANGUAGES", _W, _CP, "an English (en-CA) and a French (fr-CA) info"),
    Rule("CAPCP-RECOMMENDED", _W, _CP, "expires, senderName, responseType and instruction "
         "are strongly recommended"),
    Rule("CAPCP-LAYER", _E, _CP + " (layers)", "a layer's valueNames are announced by its "
         "<code>layer:NAME:VERSION</code>"),
    Rule("CAPCP-SOREM", _E, "SOREM layer (NAAD)", "SOREM Broadcast_Immediately / "
         "WirelessImmediate are Yes or No"),
)
"""CAP-CP rules (ids start ``CAPCP-``)."""

CAPAU_CODE = "urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0"
"""The CAP-AU version code required in ``alert/code``."""
CAPAU_EVENT_LIST = "https://govshare.gov.au/xmlui/handle/10772/6495"
"""``valueName`` of the Australian event list AUeventLIST1.0."""

CAPAU_RULES = (
    Rule("CAPAU-CODE", _E, _AU, f"code {CAPAU_CODE} present"),
    Rule("CAPAU-INFO", _E, _AU, "an info unless msgType is Ack or Error"),
    Rule("CAPAU-EVENTCODE", _E, _AU, "each info has exactly one eventCode from "
         "AUeventLIST1.0"),
    Rule("CAPAU-EVENT-MATCH", _W, _AU, "event names the AUeventLIST1.0 event of the eventCode"),
    Rule("CAPAU-CATEGORY-MATCH", _E, _AU, "the same categories in every info"),
    Rule("CAPAU-EVENTCODE-MATCH", _E, _AU, "the same eventCodes in every info"),
    Rule("CAPAU-CANCEL-EFFECTIVE", _E, _AU, "a Cancel has no effective"),
    Rule("CAPAU-AREA", _E, _AU, "each info has an area"),
    Rule("CAPAU-SENDER", _W, _AU, "sender is an e-mail address"),
    Rule("CAPAU-GEOCODE", _I, _AU, "geocode valueName from the CAP-AU recognised sources "
         "(ISO 3166, postcodes, G-NAF, Gazetteer)"),
)
"""CAP-AU rules (ids start ``CAPAU-``)."""

_CP_CODE = re.compile(r"profile:CAP-CP:\d+(\.\d+)*")
_CP_EVENT = re.compile(r"profile:CAP-CP:Event:\d+(\.\d+)*")
_CP_LOCATION = re.compile(r"profile:CAP-CP:Location:\d+(\.\d+)*")
_LAYER_NAME = re.compile(r"(layer:[A-Za-z0-9-]+:\d+(?:\.\d+)*)(?::.*)?")
# Statistics Canada SGC province and territory codes.
_SGC_PROVINCES = frozenset({"10", "11", "12", "13", "24", "35", "46", "47", "48", "59",
                            "60", "61", "62"})
_SOREM_YES_NO = ("Broadcast_Immediately", "WirelessImmediate")
# Recognised geocode sources; URIs as real CAP-AU alerts write them (google/cap-library
# testdata/australia.cap) for ISO 3166 and postcodes.
_AU_GEOCODES = ("http://www.iso.org/iso/country_codes.html",
                "http://www.psma.com.au/?product=postcode-boundaries",
                "http://www.psma.com.au/?product=g-naf",
                "http://www.ga.gov.au/place-names/")


@cache
def capcp_event_codes() -> frozenset[str]:
    """CAP-CP event codes of ``specs/capcp_events.csv`` (a partial list)."""
    return frozenset(r["code"] for r in read_table("capcp_events.csv"))


def _sgc(value: str) -> bool:
    return len(value) in (2, 4, 7) and value.isdigit() and value[:2] in _SGC_PROVINCES


def capcp_findings(alert: Alert) -> list[Finding]:
    """CAP-CP findings for a parsed alert (rules :data:`CAPCP_RULES`)."""
    out: list[Finding] = []

    def add(rule_id: str, path: str, message: str, verdict: Verdict | None = None) -> None:
        out.append(make_finding(rule_id, path, message, verdict))

    if not any(_CP_CODE.fullmatch(c) for c in alert.code):
        add("CAPCP-CODE", "/alert", "code profile:CAP-CP:<version> (e.g. profile:CAP-CP:0.4) "
            "is required")
    if alert.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and not alert.reference_triples:
        add("CAPCP-REFERENCES", "/alert", f"msgType {alert.msg_type.value} must reference "
            "the messages it replaces")
    if not alert.infos and alert.msg_type not in (MsgType.ACK, MsgType.ERROR):
        add("CAPCP-INFO", "/alert", f"msgType {alert.msg_type.value} needs an info block")
    _capcp_layers(alert, add)
    first_events: set[tuple[str, str]] | None = None
    languages = set()
    for i, info in enumerate(alert.infos, 1):
        p = f"/alert/info[{i}]"
        languages.add(info.effective_language.split("-")[0].lower())
        events = [c for c in info.event_codes if _CP_EVENT.fullmatch(c.value_name)]
        if len(events) != 1:
            add("CAPCP-EVENTCODE", p, "needs exactly one eventCode profile:CAP-CP:Event:<ver> "
                f"(found {len(events)})")
        for code in events:
            if code.value not in capcp_event_codes():
                add("CAPCP-EVENT-UNLISTED", f"{p}/eventCode", f"{code.value!r} is not in the "
                    "CAP-CP event codes this library carries (partial list)")
        key = {(c.value_name, c.value) for c in info.event_codes}
        if first_events is None:
            first_events = key
        elif key != first_events:
            add("CAPCP-EVENTCODE-MATCH", p, "eventCodes differ from info[1]: one event per "
                "alert")
        if not info.areas:
            add("CAPCP-AREA", p, "needs at least one area")
        for j, area in enumerate(info.areas, 1):
            codes = [g for g in area.geocodes if _CP_LOCATION.fullmatch(g.value_name)]
            if not codes:
                add("CAPCP-GEOCODE", f"{p}/area[{j}]", "has no geocode "
                    "profile:CAP-CP:Location:<ver>")
            for g in codes:
                if not _sgc(g.value):
                    add("CAPCP-GEOCODE", f"{p}/area[{j}]", f"location {g.value!r} is not an "
                        "SGC code (2, 4 or 7 digits starting with a province code)")
        missing = [name for name, value in (("expires", info.expires),
                                            ("senderName", info.sender_name),
                                            ("responseType", info.response_type),
                                            ("instruction", info.instruction)) if not value]
        if missing:
            add("CAPCP-RECOMMENDED", p, f"{', '.join(missing)} strongly recommended")
    if alert.infos and not {"en", "fr"} <= languages:
        add("CAPCP-LANGUAGES", "/alert", "an English and a French info are recommended "
            f"(found {', '.join(sorted(languages))})")
    return out


def _capcp_layers(alert: Alert, add: Callable[[str, str, str], None]) -> None:
    declared = {c for c in alert.code if c.startswith("layer:")}
    for i, info in enumerate(alert.infos, 1):
        named = [("eventCode", v) for v in info.event_codes]
        named += [("parameter", v) for v in info.parameters]
        named += [("geocode", g) for a in info.areas for g in a.geocodes]
        reported: set[str] = set()
        for element, nv in named:
            m = _LAYER_NAME.fullmatch(nv.value_name)
            if not m:
                continue
            layer = m.group(1)
            if layer not in declared and layer not in reported:
                reported.add(layer)
                add("CAPCP-LAYER", f"/alert/info[{i}]/{element}", f"{nv.value_name!r} belongs "
                    f"to {layer}, which no <code>{layer}</code> announces")
            if layer.startswith("layer:SOREM:") and \
                    nv.value_name.rsplit(":", 1)[-1] in _SOREM_YES_NO and \
                    nv.value.strip().lower() not in ("yes", "no"):
                add("CAPCP-SOREM", f"/alert/info[{i}]/{element}", f"{nv.value_name} is "
                    f"{nv.value!r}; it must be Yes or No")


def capau_findings(alert: Alert) -> list[Finding]:
    """CAP-AU findings for a parsed alert (rules :data:`CAPAU_RULES`)."""
    out: list[Finding] = []

    def add(rule_id: str, path: str, message: str) -> None:
        out.append(make_finding(rule_id, path, message))

    if CAPAU_CODE not in alert.code:
        add("CAPAU-CODE", "/alert", f"code {CAPAU_CODE} is required")
    if not alert.infos and alert.msg_type not in (MsgType.ACK, MsgType.ERROR):
        add("CAPAU-INFO", "/alert", f"msgType {alert.msg_type.value} needs an info block")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", alert.sender):
        add("CAPAU-SENDER", "/alert/sender", f"{alert.sender!r} is not an e-mail address")
    first = alert.infos[0] if alert.infos else None
    for i, info in enumerate(alert.infos, 1):
        p = f"/alert/info[{i}]"
        codes = info.event_code(CAPAU_EVENT_LIST)
        if len(codes) != 1:
            add("CAPAU-EVENTCODE", p, f"needs exactly one eventCode {CAPAU_EVENT_LIST} "
                f"(found {len(codes)})")
        elif codes[0].replace("_", " ").lower() != info.event.strip().lower():
            add("CAPAU-EVENT-MATCH", f"{p}/event", f"event {info.event!r} does not name the "
                f"AUeventLIST1.0 event {codes[0]!r}")
        if first is not None and i > 1:
            if set(info.category) != set(first.category):
                add("CAPAU-CATEGORY-MATCH", p, "categories differ from info[1]")
            if set(info.event_codes) != set(first.event_codes):
                add("CAPAU-EVENTCODE-MATCH", p, "eventCodes differ from info[1]")
        if alert.msg_type is MsgType.CANCEL and info.effective is not None:
            add("CAPAU-CANCEL-EFFECTIVE", f"{p}/effective", "a Cancel must not carry effective")
        if not info.areas:
            add("CAPAU-AREA", p, "needs at least one area")
        for j, area in enumerate(info.areas, 1):
            for g in area.geocodes:
                if g.value_name not in _AU_GEOCODES:
                    add("CAPAU-GEOCODE", f"{p}/area[{j}]/geocode", f"valueName "
                        f"{g.value_name!r} is not a geocode source this library recognises")
    return out


register_profile("cap-cp", CAPCP_RULES, capcp_findings)
register_profile("cap-au", CAPAU_RULES, capau_findings)
