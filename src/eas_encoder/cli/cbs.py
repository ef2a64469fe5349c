"""``eas-encoder cbs encode|decode``: 3GPP TS 23.041 cell-broadcast pages as hex."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..cbs.etws import (
    EtwsPrimary,
    WarningType,
    decode_broadcast,
    etws_identifier,
    etws_info,
    etws_serial_number,
)
from ..cbs.pdu import CbsMessage, Deviation, GeographicalScope, SerialNumber, parse_dcs
from ..cbs.wac import Circle, WarningArea
from ..cbs.wea import describe_identifier
from ..errors import CbsError
from . import terminal_text


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``cbs`` with its ``encode`` and ``decode`` sub-subcommands."""
    p = sub.add_parser("cbs", help="encode or decode cell-broadcast pages (3GPP TS 23.041)",
                       description="GSM-format 88-octet pages or one UMTS/LTE-format PDU, "
                                   "as hex, one PDU per line.")
    cmds = p.add_subparsers(dest="cbs_command", metavar="encode|decode|from-cap")
    cmds.required = True
    enc = cmds.add_parser("encode", help="text -> hex PDUs",
                          epilog="examples: eas-encoder cbs encode 'Test message' --id 4380 ; "
                                 "eas-encoder cbs encode --etws earthquake --primary")
    enc.add_argument("text", nargs="?", default=None,
                     help="message text, or - for stdin (none for --primary)")
    enc.add_argument("--id", dest="message_identifier", type=_int, default=None,
                     metavar="N", help="message identifier, decimal or 0x hex (CMAS 4370-4399; "
                                       "with --etws default 4352 + warning type)")
    etws = enc.add_argument_group("ETWS (3GPP TS 23.041 §9.4.1.3)")
    etws.add_argument("--etws", metavar="TYPE", default=None,
                      help="warning type: earthquake, tsunami, both, test, other (or 0-127)")
    etws.add_argument("--primary", action="store_true",
                      help="the primary notification (no text) instead of a secondary one")
    etws.add_argument("--emergency-user-alert", action=argparse.BooleanOptionalAction,
                      default=True, help="set the emergency user alert flag (default on)")
    etws.add_argument("--popup", action=argparse.BooleanOptionalAction, default=True,
                      help="set the popup flag (default on)")
    etws.add_argument("--security", metavar="HEX", default=None,
                      help="50 octets of warning security information for --primary")
    enc.add_argument("--scope", type=int, default=0, choices=range(4), metavar="0-3",
                     help="geographical scope (0 cell immediate, 1 PLMN, 2 area, 3 cell)")
    enc.add_argument("--code", type=int, default=0, metavar="0-1023", help="message code")
    enc.add_argument("--update", type=int, default=0, metavar="0-15", help="update number")
    enc.add_argument("--language", default=None, metavar="LL", help="ISO 639-1, e.g. en, es")
    enc.add_argument("--alphabet", choices=("auto", "gsm7", "ucs2"), default="auto")
    enc.add_argument("--format", choices=("gsm", "umts"), default="gsm",
                     help="gsm: one 88-octet PDU per page; umts: one PDU for all pages")
    enc.add_argument("--max-pages", type=int, default=15, metavar="N")
    enc.set_defaults(func=run_encode)
    dec = cmds.add_parser("decode", help="hex PDUs -> fields and text",
                          epilog="example: eas-encoder cbs decode 0010111C0011CD30...")
    dec.add_argument("pdus", nargs="+", metavar="HEX",
                     help="GSM pages of one message or one UMTS PDU; - reads lines of stdin")
    dec.add_argument("--json", action="store_true", help="print one JSON object")
    dec.add_argument("--strict", action="store_true",
                     help="refuse departures real senders make (short pages, CR LF language, "
                          "U+0000 padding) instead of listing them as deviations")
    dec.set_defaults(func=run_decode)
    chk = cmds.add_parser(
        "check", help="measure another vendor's pages against TS 23.041 / TS 23.038",
        description="Apply every cell-broadcast rule (octet counts, page numbering, data "
                    "coding scheme and language, GSM 7-bit and UCS-2 padding, message "
                    "identifier range, serial number) to the pages of one message; each "
                    "finding names its clause.",
        epilog="example: eas-encoder cbs encode --id 4379 'Test' | eas-encoder cbs check -")
    chk.add_argument("pdus", nargs="+", metavar="HEX",
                     help="GSM pages of one message or one UMTS PDU; - reads lines of stdin")
    chk.add_argument("--json", action="store_true", help="print the report as JSON")
    chk.add_argument("--problems", action="store_true", help="list warnings and failures only")
    chk.set_defaults(func=run_check)
    cap = cmds.add_parser("from-cap", help="CAP alert -> one message per info language",
                          epilog="example: eas-encoder cbs from-cap alert.xml --language en,es")
    cap.add_argument("file", metavar="FILE", help="CAP XML file, - for stdin")
    cap.add_argument("--scheme", choices=("cmas", "eu-alert"), default="cmas",
                     help="message identifiers: US CMAS/WEA or EU-Alert (ETSI TS 102 900)")
    cap.add_argument("--language", default=None, metavar="LL[,LL...]",
                     help="languages to send, in order (default every info)")
    cap.add_argument("--format", choices=("gsm", "umts"), default="gsm")
    cap.add_argument("--max-pages", type=int, default=15, metavar="N")
    cap.add_argument("--truncate", action="store_true",
                     help="cut text that does not fit its pages instead of refusing it")
    cap.add_argument("--json", action="store_true", help="print one JSON object")
    cap.set_defaults(func=run_from_cap)


def _int(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def run_encode(args: argparse.Namespace) -> int:
    """Print the PDUs as upper-case hex, one per line; the UCS-2 note goes to stderr."""
    if args.primary or args.etws is not None:
        return _encode_etws(args)
    if args.security is not None:
        raise CbsError("needs --etws TYPE --primary", field="security")
    if args.message_identifier is None:
        raise CbsError("is required (or --etws TYPE)", field="message identifier")
    if args.text is None:
        raise CbsError("is required (or --etws TYPE --primary, which has none)", field="text")
    text = sys.stdin.read().rstrip("\n") if args.text == "-" else args.text
    try:
        serial = SerialNumber(args.scope, args.code, args.update)
    except ValueError as exc:
        raise CbsError(str(exc), field="serial number",
                       spec="3GPP TS 23.041 §9.4.1.2.1") from None
    return _encode_text(args, text, serial)


def _encode_text(args: argparse.Namespace, text: str, serial: SerialNumber) -> int:
    if not text.strip():
        raise CbsError("is empty; a page needs some text to show", field="text", value=text,
                       spec="3GPP TS 23.041 §9.4.1.2.4")
    if not 0 <= args.message_identifier <= 0xFFFF:
        raise CbsError("must be 0-65535", field="message identifier",
                       value=args.message_identifier, spec="3GPP TS 23.041 §9.4.1.2.2")
    if not 1 <= args.max_pages <= 15:
        raise CbsError("must be 1-15", field="max pages", value=args.max_pages)
    try:
        msg = CbsMessage.from_text(text, args.message_identifier, serial_number=serial,
                                   language=args.language,
                                   alphabet=None if args.alphabet == "auto" else args.alphabet,
                                   max_pages=args.max_pages)
    except ValueError as exc:  # a malformed --language
        raise CbsError(str(exc), field="language", value=args.language) from None
    if msg.alphabet_note:
        print(f"note: {msg.alphabet_note}", file=sys.stderr)
    pdus = msg.to_gsm_pdus() if args.format == "gsm" else [msg.to_umts_pdu()]
    for pdu in pdus:
        print(pdu.hex().upper())
    return 0


def _encode_etws(args: argparse.Namespace) -> int:
    """ETWS primary (``--primary``) or secondary notification (TS 23.041 §9.4.1.3, §9.4.1.2)."""
    if args.etws is None:
        raise CbsError("--primary needs --etws TYPE", field="warning type")
    raw = args.etws.strip()
    wt: WarningType | int = int(raw) if raw.isdigit() else WarningType.parse(raw)
    if args.primary:
        if args.text is not None:
            raise CbsError("a primary notification has no text (send the text as a secondary "
                           "notification, without --primary)", field="text")
        security = parse_hex([args.security])[0] if args.security else None
        primary = EtwsPrimary(wt, args.emergency_user_alert, args.popup,
                              etws_serial_number(geographical_scope=args.scope,
                                                 emergency_user_alert=args.emergency_user_alert,
                                                 popup=args.popup, message_code=args.code,
                                                 update_number=args.update),
                              args.message_identifier, security)
        print(primary.to_pdu().hex().upper())
        return 0
    if args.text is None:
        raise CbsError("is required for a secondary notification (or pass --primary)",
                       field="text")
    text = sys.stdin.read().rstrip("\n") if args.text == "-" else args.text
    if args.message_identifier is None:
        args.message_identifier = etws_identifier(wt)
    serial = etws_serial_number(geographical_scope=args.scope,
                                emergency_user_alert=args.emergency_user_alert,
                                popup=args.popup, message_code=args.code,
                                update_number=args.update)
    return _encode_text(args, text, serial)


def parse_hex(items: list[str]) -> list[bytes]:
    """Hex arguments (or ``-`` for stdin lines) to PDUs; spaces inside are ignored.

    Raises:
        CbsError: field ``pdu`` naming the argument and the character position of bad hex,
            or stdin holding no PDU at all.
    """
    if items == ["-"]:
        items = [line for line in sys.stdin.read().splitlines() if line.strip()]
        if not items:
            raise CbsError("no PDU on standard input (one page of hex octets per line)",
                           field="pdu", value="-")
    out = []
    for n, item in enumerate(items, 1):
        clean = "".join(item.split())
        try:
            out.append(bytes.fromhex(clean))
        except ValueError:
            bad = next((i for i, ch in enumerate(clean) if ch not in "0123456789abcdefABCDEF"),
                       len(clean))
            why = (f"has {clean[bad]!r}, which is not a hex digit" if bad < len(clean)
                   else "has an odd number of hex digits")
            raise CbsError(f"PDU {n} {why} (a page is written as hex octets, e.g. 4000111B...)",
                           field="pdu", value=clean[bad:bad + 8] or clean[-8:],
                           position=bad) from None
    return out


def _deviation_rows(deviations: tuple[Deviation, ...]) -> list[dict[str, object]]:
    return [{"id": d.id, "field": d.field, "position": d.position, "text": d.text,
             "spec": d.spec} for d in deviations]


def _etws_fields(msg: CbsMessage | EtwsPrimary) -> dict[str, object] | None:
    info = msg if isinstance(msg, EtwsPrimary) else etws_info(msg)
    if info is None:
        return None
    wt = info.warning_type
    return {"warning_type": int(wt),
            "warning_type_name": wt.label if isinstance(wt, WarningType) else "reserved",
            "emergency_user_alert": info.emergency_user_alert, "popup": info.popup}


def describe_primary(msg: EtwsPrimary) -> dict[str, object]:
    """JSON-ready fields of a decoded ETWS primary notification."""
    sn = msg.serial_number
    # EtwsPrimary.__post_init__ fills the serial number when not given.
    assert sn is not None
    security = msg.warning_security_information
    return {
        "format": "etws-primary",
        "message_identifier": msg.message_identifier,
        "message_identifier_hex": f"0x{msg.message_identifier:04X}",
        "serial_number": {"raw_hex": f"0x{sn.raw:04X}",
                          "geographical_scope": int(sn.geographical_scope),
                          "message_code": sn.message_code, "update_number": sn.update_number},
        "etws": _etws_fields(msg),
        "warning_security_information": security.hex().upper() if security else None,
        "deviations": _deviation_rows(msg.deviations),
    }


def describe_message(msg: CbsMessage) -> dict[str, object]:
    """JSON-ready fields of a decoded message."""
    sn = msg.serial_number
    row = describe_identifier(msg.message_identifier)
    return {
        "message_identifier": msg.message_identifier,
        "message_identifier_hex": f"0x{msg.message_identifier:04X}",
        "cmas": row.name if row else None,
        "serial_number": {"raw_hex": f"0x{sn.raw:04X}",
                          "geographical_scope": int(sn.geographical_scope),
                          "message_code": sn.message_code, "update_number": sn.update_number},
        "dcs_hex": f"0x{msg.dcs:02X}",
        "alphabet": msg.alphabet,
        "language": msg.language,
        "pages": len(msg.pages),
        "text": msg.text,
        "etws": _etws_fields(msg),
        "warning_area": _area_fields(msg.warning_area),
        "deviations": _deviation_rows(msg.deviations),
    }


def _area_fields(area: WarningArea | None) -> dict[str, object] | None:
    if area is None:
        return None
    rows: list[dict[str, object]] = []
    for g in area.geometries:
        if isinstance(g, Circle):
            rows.append({"circle": [g.latitude, g.longitude], "radius_km": g.radius_km})
        else:
            rows.append({"polygon": [list(v) for v in g.vertices]})
    return {"geometries": rows, "maximum_wait_time": area.maximum_wait_time}


def run_check(args: argparse.Namespace) -> int:
    """Print the findings; exit 3 when a rule fails."""
    from ..conformance.cbs import check_pdus
    from ..findings import fails
    from . import EXIT_CHECK_FAILED

    report = check_pdus(parse_hex(args.pdus))
    print(report.to_json() if args.json else report.to_text(only_problems=args.problems))
    return EXIT_CHECK_FAILED if fails(report.findings) else 0


def run_decode(args: argparse.Namespace) -> int:
    """Print the decoded fields and text."""
    pdus = parse_hex(args.pdus)
    msg = decode_broadcast(pdus, strict=args.strict)
    if isinstance(msg, EtwsPrimary):
        return _print_primary(args, msg)
    fields = describe_message(msg)
    fields["format"] = "umts" if len(pdus) == 1 and len(pdus[0]) > 88 else "gsm"
    if args.json:
        print(json.dumps(fields, ensure_ascii=False))
        return 0
    sn = msg.serial_number
    cmas = f" {fields['cmas']}" if fields["cmas"] else ""
    coding = parse_dcs(msg.dcs)
    print(f"format: {fields['format']}")
    print(f"message identifier: {msg.message_identifier} "
          f"({fields['message_identifier_hex']}){cmas}")
    print(f"serial number: 0x{sn.raw:04X} (geographical scope "
          f"{GeographicalScope(sn.geographical_scope).name}, message code {sn.message_code}, "
          f"update number {sn.update_number})")
    print(f"data coding scheme: {fields['dcs_hex']} ({coding.alphabet}, language "
          f"{msg.language or 'unspecified'})")
    print(f"pages: {len(msg.pages)}")
    _print_etws(fields["etws"])
    print(f"text: {terminal_text(msg.text)}")
    if msg.warning_area is not None:
        for line in msg.warning_area.describe():
            print(f"warning area: {line}")
    _print_deviations(msg.deviations)
    return 0


def _print_etws(etws: object) -> None:
    if isinstance(etws, dict):
        print(f"ETWS warning type: {etws['warning_type']} ({etws['warning_type_name']}), "
              f"emergency user alert {'on' if etws['emergency_user_alert'] else 'off'}, "
              f"popup {'on' if etws['popup'] else 'off'}")


def _print_deviations(deviations: tuple[Deviation, ...]) -> None:
    for d in deviations:
        print(f"deviation: {terminal_text(str(d))}")


def _print_primary(args: argparse.Namespace, msg: EtwsPrimary) -> int:
    fields = describe_primary(msg)
    if args.json:
        print(json.dumps(fields, ensure_ascii=False))
        return 0
    sn = msg.serial_number
    # EtwsPrimary.__post_init__ fills the serial number when not given.
    assert sn is not None
    print("format: etws-primary")
    print(f"message identifier: {msg.message_identifier} ({fields['message_identifier_hex']})")
    print(f"serial number: 0x{sn.raw:04X} (geographical scope "
          f"{GeographicalScope(sn.geographical_scope).name}, message code {sn.message_code}, "
          f"update number {sn.update_number})")
    _print_etws(fields["etws"])
    security = fields["warning_security_information"]
    print(f"warning security information: {security or 'none'}")
    _print_deviations(msg.deviations)
    return 0


def run_from_cap(args: argparse.Namespace) -> int:
    """Print one message per language: identifier, language, DCS and hex PDUs, each decoded
    back to check it.
    """
    from ..cap.xml import parse
    from ..cbs.languages import cap_to_cbs
    from ..cbs.pdu import decode
    from ..errors import CapError

    if not 1 <= args.max_pages <= 15:
        raise CbsError("must be 1-15", field="max pages", value=args.max_pages)
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(args.file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CapError(f"cannot be read ({exc.strerror})", field="file",
                           value=args.file) from None
    langs = [x.strip() for x in args.language.split(",")] if args.language else None
    out: list[dict[str, Any]] = []  # JSON rows, printed below as well
    for b in cap_to_cbs(parse(data), scheme=args.scheme, languages=langs,
                        max_pages=args.max_pages, truncate=args.truncate):
        msg = b.message
        pdus = msg.to_gsm_pdus() if args.format == "gsm" else [msg.to_umts_pdu()]
        back = decode(pdus)
        if (back.text, back.language) != (msg.text, msg.language):
            raise CbsError("pages do not decode back to their text and language", field="cbs")
        out.append({**describe_message(back), "info_language": b.language,
                    "truncated": b.truncated, "pdus": [p.hex().upper() for p in pdus]})
    if args.json:
        print(json.dumps({"scheme": args.scheme, "messages": out}, ensure_ascii=False))
        return 0
    for row in out:
        cut = ", text cut to fit" if row["truncated"] else ""
        print(f"[{row['info_language']}] message identifier {row['message_identifier']} "
              f"({row['message_identifier_hex']}), language {row['language']}, DCS "
              f"{row['dcs_hex']} {row['alphabet']}, {len(row['pdus'])} PDU(s){cut}: "
              f"{terminal_text(row['text'])}")
        for pdu in row["pdus"]:
            print(f"  {pdu}")
    return 0
