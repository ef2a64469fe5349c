"""``eas-encoder monitor``: run a station from its TOML configuration (issue 12).

Exit status: 0 after a clean stop (SIGTERM/SIGINT) or a finished ``--once`` run; 1 when a
``--once`` source could not be read (logged); 2 for a configuration that does not validate.
"""

from __future__ import annotations

import argparse

__all__ = ["register", "run"]

EXAMPLES = """\
output: one line per decision and relay, as they happen:
  2026-12-01T12:00:08Z LP1 same #3 pending: filter:local  ZCZC-...-
  relay r1 done: relay/20261201T120035Z-r1-TOR.wav

examples:
  eas-encoder monitor samples/station.toml --once   # read the sample files, then stop
  eas-encoder monitor station.toml                  # until SIGTERM / Ctrl-C
  eas-encoder log station.toml                      # what it decided, and why
sources (station.toml [[source]]): audio = "lp1.wav" | "-" (rate = N, raw s16le on stdin)
  | "card:NAME" (sound card, needs the card extra) | "http://host/stream" (ffmpeg);
  cap = "http://host/feed" (IPAWS-OPEN or Atom) | "cap-folder"
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``monitor`` subcommand."""
    p = sub.add_parser(
        "monitor", help="monitor audio and CAP sources, gate and relay alerts, keep the log",
        description="Listen to the configured monitoring sources (47 CFR 11.52), decide by "
                    "the station's filters whether to relay each alert (11.33), write relays "
                    "into the spool with the station's own identifier, run the hooks and log "
                    "everything to SQLite. Runs until SIGTERM or Ctrl-C.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", metavar="STATION.toml", help="station configuration")
    p.add_argument("--once", action="store_true",
                   help="read every file source to its end as fast as possible (time taken "
                        "from the files), finish what is pending, and exit")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print nothing; the log has everything")
    p.add_argument("--console", metavar="HOST:PORT",
                   help="also serve the operator console on this address (e.g. "
                        "127.0.0.1:8080); it stops with the monitor")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the configuration and run the monitor."""
    import asyncio
    import sys

    from ..station.config import load_config
    from ..station.shell import run_monitor

    config = load_config(args.config)
    companions = []
    if args.console:
        from ..console.server import serve
        from .console import announce, prepare

        app, sock = prepare(config, args.console, "--console")
        if not args.quiet:
            announce(sock, sys.stdout)

        async def console(done: asyncio.Event) -> None:
            await serve(app, sock, done)
        companions.append(console)
    return run_monitor(config, once=args.once, out=None if args.quiet else sys.stdout,
                       companions=companions)
