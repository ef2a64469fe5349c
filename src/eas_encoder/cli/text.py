"""``eas-encoder text``: the EAS visual crawl sentence for a SAME header (47 CFR 11.51(d))."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from ..errors import EncodeError
from ..text import crawl_text


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``text`` subcommand."""
    p = sub.add_parser(
        "text", help="visual crawl sentence for a SAME header",
        description="Print the DASDEC/ECIG-style visual message for a SAME header, times in "
                    "the station's local zone. '-' reads one header per line from stdin.",
        epilog="example: eas-encoder text 'ZCZC-CIV-CAE-006037+0130-0740205-KXYZ/FM -' "
               "--tz America/Los_Angeles")
    p.add_argument("header", metavar="'ZCZC-...-'", help="SAME header, or - for stdin")
    add_time_options(p)
    p.add_argument("--max-length", type=int, default=None, metavar="N",
                   help="longest allowed sentence in characters (default: no limit)")
    p.add_argument("--truncate", action="store_true",
                   help="over --max-length, shorten the location list instead of failing")
    p.set_defaults(func=run)


def add_tz_option(p: argparse.ArgumentParser) -> None:
    """``--tz``: the one place every command that prints local times takes the station's
    zone from (the zone is printed beside each time).
    """
    p.add_argument("--tz", default="UTC", metavar="ZONE",
                   help="IANA time zone of the station, e.g. America/Chicago (default UTC); "
                        "times are printed with the zone")


def add_time_options(p: argparse.ArgumentParser) -> None:
    """``--tz`` and ``--reference``, shared with ``eas-encoder wea``."""
    add_tz_option(p)
    p.add_argument("--reference", default=None, metavar="ISO-TIME",
                   help="a time near the issue time, to infer the year (default now), "
                        "e.g. 2026-03-15T00:00Z")


def reference_time(text: str | None) -> datetime:
    """Parse ``--reference``: ISO 8601 with a zone (``Z`` accepted); absent, the clock's now
    (the CLI is where the clock is read; the library takes the time as a parameter).

    Raises:
        EncodeError: field ``reference`` when unparseable or naive.
    """
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise EncodeError("is not an ISO 8601 time", field="reference", value=text) from None
    if when.tzinfo is None:
        raise EncodeError("needs a time zone (e.g. 2026-03-15T00:00Z)", field="reference",
                          value=text)
    return when


def run(args: argparse.Namespace) -> int:
    """Print one crawl sentence per header."""
    headers = ([line.strip() for line in sys.stdin if line.strip()] if args.header == "-"
               else [args.header.strip()])
    reference = reference_time(args.reference)
    for header in headers:
        print(crawl_text(header, tz=args.tz, reference=reference,
                         max_length=args.max_length, truncate=args.truncate))
    return 0
