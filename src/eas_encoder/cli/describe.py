"""``eas-encoder describe``: the plain-English meaning of a SAME header."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ..same.describe import describe_header
from ..same.header import Header
from ..same.locations import check_listed_county


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``describe`` subcommand."""
    p = sub.add_parser("describe", help="explain a SAME header in plain English",
                       description="Print originator, event, counties by name and state, "
                                   "issue time and end of the valid time period.")
    p.add_argument("header", metavar="'ZCZC-...-'")
    p.add_argument("--strict", action="store_true",
                   help="apply every 47 CFR 11.31 rule instead of reading it leniently")
    p.add_argument("--allow-unlisted", action="store_true",
                   help="describe county codes the tables do not list (shown as unknown)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Parse and describe the header."""
    header = Header.parse(args.header.strip(), lenient=not args.strict)
    if not args.allow_unlisted:
        for code in header.locations:
            check_listed_county(code)
    print(describe_header(header, datetime.now(UTC)))
    return 0
