"""``eas-encoder console``: serve the operator console over a station's log (issue 13)."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any, TextIO

from ..station.config import Config

__all__ = ["register", "run", "prepare", "announce"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``console`` subcommand."""
    p = sub.add_parser(
        "console", help="serve the operator console (web page) over a station's log",
        description="Serve the station's web console: the alerts logged with their decisions,"
                    " the queue of alerts held for an operator, originating an alert, the "
                    "sources' health and the weekly 47 CFR 11.35 test report. Log in with a "
                    "user made by 'eas-encoder user add'. Runs until SIGTERM or Ctrl-C; the "
                    "monitor can serve it too (monitor --console).",
        epilog="examples:\n"
               "  eas-encoder console station.toml                       # 127.0.0.1:8080\n"
               "  eas-encoder console station.toml --listen 127.0.0.1:8081\n"
               "  eas-encoder monitor station.toml --console 127.0.0.1:8080\n"
               "the address comes from --listen, else [console] listen in the TOML file; any\n"
               "address other than loopback must be written out (0.0.0.0:8080).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", metavar="STATION.toml", help="station configuration")
    p.add_argument("--listen", metavar="HOST:PORT",
                   help="address to serve on (default: [console] listen, 127.0.0.1:8080)")
    p.set_defaults(func=run)


def prepare(config: Config, listen: str | None, field: str) -> tuple[Any, socket.socket]:
    """Check the address, bind it and build the app with the wall clock (the CLI edge).

    Returns:
        ``(app, socket)``.

    Raises:
        ConsoleError: bad or unbindable address; ConfigError: the console extra missing.
    """
    from ..errors import ConfigError

    try:
        from ..console.app import create_app
        from ..console.server import bind, is_loopback, listen_address
    except ModuleNotFoundError as exc:
        raise ConfigError(f"needs the console extra (pip install 'eas-encoder[console]'); "
                          f"{exc.name} is missing", field="console") from None
    from datetime import UTC, datetime

    host, port = listen_address(listen or config.console.listen,
                                field=field if listen else "console.listen")
    sock = bind(host, port)
    if not is_loopback(host):
        print(f"eas-encoder: note: the console on {host}:{port} is reachable from other "
              "machines", file=sys.stderr)
    app = create_app(config, clock=lambda: datetime.now(UTC))
    return app, sock


def announce(sock: socket.socket, out: TextIO) -> None:
    """Print the address an operator opens, one line on ``out``, before serving.

    Args:
        sock: the console's bound listening socket (from :func:`prepare`).
        out: where the line goes (standard output of ``console`` and ``monitor --console``).
    """
    host, port = sock.getsockname()[:2]
    print(f"console: http://{host}:{port}/ (Ctrl-C stops it)", file=out, flush=True)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    import asyncio

    from ..station.config import load_config
    from ..station.log import StationLog

    config = load_config(args.config)
    StationLog.open(config.station.database, writer=False).close()  # exists, readable
    app, sock = prepare(config, args.listen, "--listen")
    announce(sock, sys.stdout)
    from ..console.server import serve

    async def main() -> None:
        import contextlib
        import signal

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await serve(app, sock, stop)

    asyncio.run(main())
    return 0
