"""``eas-encoder wea``: a SAME header or CAP alert -> WEA text, CMAS cell-broadcast pages,
CMAC-style XML and the visual crawl sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..cbs.pdu import decode
from ..cbs.wea import WeaMessage, wea_from_cap, wea_from_header
from ..errors import CapError, EasError, HeaderError
from ..same.header import Header
from ..text import crawl_text
from .cap import add_signature_options, load_alert, read_document, unchecked_signatures
from .cbs import describe_message
from .text import add_time_options, reference_time


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``wea`` subcommand."""
    p = sub.add_parser(
        "wea", help="WEA text and CMAS cell-broadcast pages from a SAME header or CAP alert",
        description="Build the WEA message (90/360-character texts, CMAS message identifier), "
                    "its 3GPP TS 23.041 pages, and the EAS crawl sentence.",
        epilog="examples: eas-encoder wea 'ZCZC-CIV-CAE-006037+0130-0740205-KXYZ/FM -' "
               "--tz America/Los_Angeles ; eas-encoder wea alert.xml --station KXYZ/FM")
    p.add_argument("source", metavar="alert.xml|'ZCZC-...-'",
                   help="CAP file, SAME header, or - for a CAP document on stdin")
    add_time_options(p)
    p.add_argument("--class", dest="wea_class", default=None, metavar="CLASS",
                   help="override the WEA class (e.g. 'Imminent Threat', AMBER, RMT)")
    p.add_argument("--severity", default=None, help="CAP severity for Imminent Threat")
    p.add_argument("--urgency", default=None, help="CAP urgency for Imminent Threat")
    p.add_argument("--certainty", default=None, help="CAP certainty for Imminent Threat")
    p.add_argument("--station", default=None, metavar="LLLLLLLL",
                   help="station id for the crawl of a CAP alert (else EAS-STN-ID)")
    p.add_argument("--format", choices=("gsm", "umts"), default="gsm",
                   help="page format printed (gsm: one 88-octet PDU per page)")
    p.add_argument("--geo", action="store_true",
                   help="append the alert's polygons and circles as WEA warning area "
                        "coordinates (ATIS-0700041; needs --format umts)")
    p.add_argument("--short", action="store_true",
                   help="broadcast the 90-character text even where a 360 one exists")
    add_signature_options(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--cmac", action="store_true", help="print CMAC-style XML only")
    p.set_defaults(func=run)


def _load(args: argparse.Namespace) -> tuple[WeaMessage, str | None, list[str]]:
    """The WEA message, its crawl sentence (or ``None``) and notes about the crawl."""
    source = args.source.strip()
    reference = reference_time(args.reference)
    overrides = {"wea_class": args.wea_class}
    if source.startswith("ZCZC"):
        if args.require_signature:
            raise CapError("carries no signature (--require-signature needs a signed CAP "
                           "alert)", field="source", value=source)
        header = Header.parse(source, lenient=True)
        wea = wea_from_header(header, tz=args.tz, reference=reference,
                              severity=args.severity, urgency=args.urgency,
                              certainty=args.certainty, **overrides)
        return wea, crawl_text(header, tz=args.tz, reference=reference), []
    from ..cap.bridge import alert_to_same

    alert = load_alert(args, read_document(source))
    notes = unchecked_signatures(args, alert)
    wea = wea_from_cap(alert, tz=args.tz, **overrides)
    try:
        header = alert_to_same(alert, station=args.station).header
    except (CapError, HeaderError) as exc:
        return wea, None, [*notes, f"no crawl: the alert does not translate to a SAME header "
                                   f"({exc})"]
    return wea, crawl_text(header, tz=args.tz, reference=alert.sent), notes


def run(args: argparse.Namespace) -> int:
    """Print the WEA report, JSON or CMAC XML."""
    wea, crawl, crawl_notes = _load(args)
    if args.cmac:
        sys.stdout.write(wea.to_cmac_xml().decode("utf-8"))
        return 0
    if args.geo and args.format != "umts":
        raise EasError("warning area coordinates travel only in the UMTS format "
                       "(add --format umts)", field="geo", spec="ATIS-0700041")
    area = wea.warning_area() if args.geo else None
    messages = wea.cbs_messages(long=not args.short, warning_area=area)
    broadcasts: list[dict[str, Any]] = []
    for msg in messages:
        pdus = msg.to_gsm_pdus() if args.format == "gsm" else [msg.to_umts_pdu()]
        back = decode(pdus)
        if (back.text, back.message_identifier) != (msg.text, msg.message_identifier):
            raise EasError("pages do not decode back to the text and identifier",
                           field="cbs")
        broadcasts.append({**describe_message(back), "alphabet_note": msg.alphabet_note,
                           "pdus": [p.hex().upper() for p in pdus]})
    notes = [*wea.notes, *crawl_notes]
    if args.json:
        print(json.dumps({
            "wea_class": wea.wea_class.value, "severity": wea.severity, "urgency": wea.urgency,
            "certainty": wea.certainty,
            "expires": wea.expires.isoformat() if wea.expires else None,
            "texts": [{"language": t.language, "short": t.short, "long": t.long}
                      for t in wea.texts],
            "broadcasts": broadcasts, "crawl": crawl, "notes": notes,
        }, ensure_ascii=False))
        return 0
    print(f"WEA class: {wea.wea_class.value}"
          + (f" ({wea.severity}, {wea.urgency}, {wea.certainty})" if wea.severity else ""))
    for t in wea.texts:
        print(f"WEA text 90 [{t.language}]: {t.short}")
        if t.long:
            print(f"WEA text 360 [{t.language}]: {t.long}")
    for b in broadcasts:
        print(f"CBS message identifier {b['message_identifier']} "
              f"({b['message_identifier_hex']}) {b['cmas']}, {b['language']}, "
              f"{b['alphabet']}, {len(b['pdus'])} PDU(s), decodes to: {b['text']}")
        for pdu in b["pdus"]:
            print(f"  {pdu}")
        for line in (area.describe() if area else ()):
            print(f"  warning area: {line}")
        if b["alphabet_note"]:
            print(f"  note: {b['alphabet_note']}")
    if crawl:
        print(f"crawl: {crawl}")
    for note in notes:
        print(f"note: {note}")
    return 0
