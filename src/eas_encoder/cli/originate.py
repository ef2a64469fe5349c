"""``eas-encoder originate``: queue an operator's alert for the station's monitor to send
(issue 13 item 2; what the console's /originate form does, from a shell).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..station.config import load_config
from ..station.log import StationLog
from ..station.originate import (
    DEFAULT_DURATION,
    DEFAULT_ORIGINATOR,
    OriginationForm,
    validate_origination,
)
from . import terminal_text
from .encode import parse_issued


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``originate`` subcommand."""
    p = sub.add_parser(
        "originate", help="queue an alert originated by an operator for the monitor to send",
        description="Check the alert with the rules 'encode' applies (event, originator, "
                    "counties, valid time period, message), print the header, the crawl and "
                    "the WEA text, and queue it in the station log; the monitor takes it, "
                    "relays it through the station's outputs under its own L-code and logs "
                    "it as sent with the user's name. National activations (EAN, NPT) are "
                    "refused; RWT is header and EOM only (47 CFR 11.61(a)(2)).",
        epilog="examples:\n"
               "  eas-encoder originate station.toml --event RWT --location 006037 "
               "--user alice\n"
               "  eas-encoder originate station.toml --event CAE --org CIV --location 006037 "
               "--duration 0100 --tts 'An amber alert for ...' --user alice --preview\n"
               "  eas-encoder originate station.toml --list",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="the station TOML file (its [station] database is used)")
    p.add_argument("--event", help="event code EEE, e.g. RWT, CAE")
    p.add_argument("--org", default=DEFAULT_ORIGINATOR,
                   help=f"originator code (default {DEFAULT_ORIGINATOR}: a broadcast station)")
    p.add_argument("--location", action="append", metavar="PSSCCC", default=[],
                   help="location code, repeat for each county (up to 31)")
    p.add_argument("--duration", default=DEFAULT_DURATION, metavar="HHMM|MINUTES",
                   help=f"valid time period, 0030 or 30 (default {DEFAULT_DURATION})")
    m = p.add_mutually_exclusive_group()
    m.add_argument("--tts", metavar="TEXT", help="message text, spoken by espeak-ng")
    m.add_argument("--message", metavar="FILE",
                   help="message audio file (at most 120 s, no SAME header inside); the "
                        "monitor reads it when it sends the alert, so leave it in place")
    p.add_argument("--language", default="",
                   help="language of --tts (default: the station's [cap] language)")
    p.add_argument("--issued", metavar="now|ISO8601",
                   help="issue time with a zone (default now)")
    p.add_argument("--user", help="the operator's name for the log (default: $USER)")
    p.add_argument("--preview", action="store_true",
                   help="print the header, crawl and WEA text; queue nothing")
    p.add_argument("--list", action="store_true",
                   help="list the queued originations and what became of them")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, print the preview, queue (or list the queue)."""
    config = load_config(args.config)
    if args.list:
        with StationLog.open(config.station.database, writer=False) as log:
            for r in reversed(log.origination_requests()):
                what = f"alert {r.alert_id}" if r.alert_id is not None else r.reason
                print(terminal_text(f"{r.request_id:>4} {r.requested:%Y-%m-%dT%H:%M:%SZ} "
                                    f"{r.user:<10} {r.status:<7} {r.header}  {what}".rstrip()))
        return 0
    now = parse_issued(args.issued or "now").astimezone(UTC)
    form = OriginationForm(
        event=args.event or "", locations=tuple(args.location), originator=args.org,
        duration=args.duration, message_text=args.tts or "",
        audio_path=Path(args.message).resolve() if args.message else None,
        language=args.language, user=args.user or getpass.getuser())
    o = validate_origination(form, config, now)
    print(o.header_text)
    print(o.description)
    print(f"Crawl: {o.crawl}")
    print(f"WEA:   {o.wea.short}" if o.wea else f"WEA:   ({o.wea_note})")
    if args.preview:
        return 0
    with StationLog.open(config.station.database, writer=False) as log:
        rid = log.request_origination(o, o.user, at=datetime.now(UTC))
    print(f"request {rid} queued for the monitor (eas-encoder originate "
          f"{args.config} --list shows it)", file=sys.stderr)
    return 0
