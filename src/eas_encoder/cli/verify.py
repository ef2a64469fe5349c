"""``eas-encoder verify``: check that a file decodes to the intended header(s).

Exit status: 0 when every expected header (and, with ``--eom``, an EOM) is decoded and no
other header is; 3 otherwise; 2 for bad input (unreadable file, malformed ``--expect``).
"""

from __future__ import annotations

import argparse
import json

from ..same.decoder import HeaderEvent, ReceiverConfig
from ..same.header import Header
from .decode import format_event, input_rate, stream_events

__all__ = ["register", "run", "EXIT_MISMATCH"]

EXIT_MISMATCH = 3
"""Exit status when the decoded headers differ from the expected ones."""

EXAMPLES = """\
examples:
  eas-encoder encode --header 'ZCZC-EAS-RWT-012057+0030-2780415-WTSP/TV -' -o rwt.wav
  eas-encoder verify rwt.wav --expect 'ZCZC-EAS-RWT-012057+0030-2780415-WTSP/TV -' --eom
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``verify`` subcommand."""
    p = sub.add_parser(
        "verify", help="check that audio decodes to the intended header(s)",
        description="Decode FILE and compare with the expected header(s); report the timing "
                    "of each burst, the attention signal and the EOM.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--expect", action="append", required=True, metavar="'ZCZC-...-'",
                   help="an expected header (repeat for several)")
    p.add_argument("--eom", action="store_true", help="also require an end of message")
    p.add_argument("--rate", type=input_rate, metavar="HZ",
                   help="raw mono s16le at this rate")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Decode, compare, print the timing; return 0 or :data:`EXIT_MISMATCH`."""
    expected = [Header.parse(text, lenient=True) for text in args.expect]
    events = [e for _, e in stream_events(args.file, rate=args.rate,
                                                 config=ReceiverConfig(bursts=True))]
    headers = [e for e in events if isinstance(e, HeaderEvent)]
    found = [any(h.header == x for h in headers) for x in expected]
    unexpected = [h.text for h in headers if not any(h.header == x for x in expected)]
    eom_ok = (not args.eom) or any(e.kind == "eom" for e in events)
    ok = all(found) and not unexpected and eom_ok
    if args.json:
        print(json.dumps({
            "ok": ok, "expected": [str(x) for x in expected], "found": found,
            "unexpected": unexpected, "eom": any(e.kind == "eom" for e in events),
            "events": [e.to_dict() for e in events],
        }))
    else:
        for e in events:
            if e.kind != "invalid":
                print(format_event(e))
        for x, f in zip(expected, found, strict=True):
            print(f"{'OK     ' if f else 'MISSING'} {x}")
        for t in unexpected:
            print(f"UNEXPECTED {t}")
        if args.eom and not eom_ok:
            print("MISSING NNNN (end of message)")
        print("verified" if ok else "mismatch")
    return 0 if ok else EXIT_MISMATCH
