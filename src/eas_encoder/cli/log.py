"""``eas-encoder log``: read the station log (47 CFR 11.35): list, CSV, weekly report."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..station.config import load_config
from ..station.log import StationLog
from ..station.report import OWN_SOURCE, format_report, weekly_report
from . import terminal_text


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``log`` subcommand."""
    p = sub.add_parser(
        "log", help="list the station log, export it as CSV, print the weekly report",
        description="Read the SQLite log that 'eas-encoder monitor' keeps beside station.toml:"
                    " every alert received with its decision and reason, relays, tests.",
        epilog="examples:\n"
               "  eas-encoder log station.toml\n"
               "  eas-encoder log station.toml --csv > log.csv\n"
               "  eas-encoder log station.toml --week 2026-W48\n"
               "  eas-encoder log station.toml --week 2026-W48 --reason LP2 "
               "'transmitter off the air for repair' --user alice\n"
               "  eas-encoder log station.toml --held\n"
               "  eas-encoder log station.toml --forward 12 --user alice --note 'confirmed'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="the station TOML file (its [station] database is read)")
    p.add_argument("--csv", action="store_true", help="write every alert as CSV on stdout")
    p.add_argument("--since", metavar="ISO", help="only alerts received from this time "
                   "(e.g. 2026-11-23T00:00Z)")
    p.add_argument("--week", metavar="YYYY-Www",
                   help="print the 47 CFR 11.35 weekly report of this ISO week")
    p.add_argument("--reason", nargs=2, metavar=("SOURCE", "TEXT"),
                   help="with --week: record why SOURCE's test was missed (SOURCE 'station' "
                        "for the station's own test)")
    p.add_argument("--kind", choices=("RWT", "RMT"), default="RWT",
                   help="with --reason: which test (default RWT)")
    p.add_argument("--user", help="with --reason, --forward, --reject: who (default: $USER)")
    verdict = p.add_mutually_exclusive_group()
    verdict.add_argument("--forward", type=int, metavar="ID",
                         help="relay held alert ID (the running monitor acts on it)")
    verdict.add_argument("--reject", type=int, metavar="ID", help="do not relay held alert ID")
    p.add_argument("--note", default="", help="with --forward/--reject: a note for the log")
    p.add_argument("--held", action="store_true", help="list only alerts held for an operator")
    p.add_argument("--tz", default="UTC", metavar="ZONE",
                   help="show times in this IANA zone (default UTC); the zone is printed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List, export or report."""
    config = load_config(args.config)
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("is not a known IANA time zone (e.g. America/Chicago)",
                          field="--tz", value=args.tz) from None
    if args.reason and not args.week:
        raise ConfigError("needs --week", field="--reason", value=" ".join(args.reason))
    since = _time(args.since) if args.since else None
    with StationLog.open(config.station.database, writer=False) as log:
        if args.forward is not None or args.reject is not None:
            import getpass

            verdict, aid = (("forward", args.forward) if args.forward is not None
                            else ("reject", args.reject))
            held = {r.alert_id for r in log.alerts(decision="hold")}
            if aid not in held:
                raise ConfigError("is not an alert held for an operator (see --held)",
                                  field=f"--{verdict}", value=aid)
            log.request_operator(aid, args.user or getpass.getuser(), verdict, args.note,
                                 at=datetime.now(UTC))
            print(f"alert {aid}: {verdict} queued for the monitor")
            return 0
        if args.week and args.reason:
            source, text = args.reason
            names = {s.name for s in config.sources} | {OWN_SOURCE}
            if source not in names:
                raise ConfigError(f"is not a source of this station ({', '.join(sorted(names))})",
                                  field="--reason", value=source)
            import getpass

            user = args.user or getpass.getuser()
            log.record_missed_reason(args.week, source, text, user, kind=args.kind,
                                     at=datetime.now(UTC))
        if args.week:
            sys.stdout.write(format_report(weekly_report(log, config, args.week,
                                                         datetime.now(UTC)), config))
            return 0
        if args.csv:
            log.write_csv(sys.stdout, since)
            return 0
        for r in log.alerts(since, decision="hold" if args.held else None):
            what = r.header or f"CAP {r.cap_identifier} ({r.signature})"
            relay = f"  relay {r.relay_status}" + (f" {r.relay_file}" if r.relay_file else "") \
                if r.relay_status else ""
            if r.decision == "hold" and r.hold_until:
                relay += (f"  held until {r.hold_until.astimezone(zone):%H:%M:%S} {args.tz}, "
                          f"then {r.on_timeout}")
            local = r.received.astimezone(zone)
            print(terminal_text(f"{r.alert_id:>5} {local:%Y-%m-%d %H:%M:%S} {args.tz} "
                                f"{r.source:<8} {r.decision:<7} {r.reason}  {what}{relay}"))
    return 0


def _time(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError("must be an ISO 8601 time like 2026-11-23T00:00Z", field="--since",
                          value=text) from None
    if t.tzinfo is None:
        raise ConfigError("must carry a time zone (Z or +HH:MM)", field="--since", value=text)
    return t
