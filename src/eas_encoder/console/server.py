"""Serving the console: the listen address rule, the socket, uvicorn on the caller's loop.

The console binds to the loopback address unless an operator writes another address out in
full (``0.0.0.0:8080``, ``192.0.2.10:8080``): ``:8080`` or a bare port, which some servers
read as "every interface", and host names, which may resolve to anything, are refused. The
socket is bound here, before uvicorn starts, so a port in use is one line on stderr instead of
uvicorn ending the process from inside the monitor's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

from .auth import ConsoleError

__all__ = ["listen_address", "is_loopback", "bind", "serve"]


def listen_address(text: str, *, field: str = "console.listen") -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[::1]:8080`` for IPv6) into a literal address and a port.

    Raises:
        ConsoleError: ``field`` names where it was written; no host, a host name other than
            ``localhost``, or a port outside 1-65535.
    """
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ConsoleError("must be HOST:PORT with the address written out (127.0.0.1:8080 "
                           "for this machine only, 0.0.0.0:8080 for every interface)",
                           field=field, value=text)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ConsoleError("must be an IP address or localhost (a name may resolve to "
                               "an address you did not mean)", field=field,
                               value=text) from None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConsoleError("port must be 1 to 65535", field=field, value=text)
    return ("127.0.0.1" if host == "localhost" else host), int(port)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a literal address) is reachable only from this machine."""
    return ipaddress.ip_address(host).is_loopback


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``.

    Raises:
        ConsoleError: the address cannot be bound (in use, not this machine's, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConsoleError(f"cannot be listened on ({exc.strerror or exc})",
                           field="console.listen", value=f"{host}:{port}") from None
    sock.set_inheritable(True)
    return sock


def _server(app: Any, sock: socket.socket, *, own_signals: bool) -> Any:
    import uvicorn  # noqa: PLC0415 - only serving needs it

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False)
    if own_signals:
        return uvicorn.Server(config)

    class KeepSignals(uvicorn.Server):
        # Inside the monitor (or a loop with its own SIGTERM/SIGINT handlers) the caller's
        # stop event ends serving; uvicorn would otherwise replace those handlers with its
        # own for as long as it serves.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return KeepSignals(config)


async def serve(app: Any, sock: socket.socket, stop: asyncio.Event | None = None) -> None:
    """Serve ``app`` on the bound ``sock`` until ``stop`` is set (``None``: until SIGTERM or
    Ctrl-C, uvicorn's own handling).
    """
    server = _server(app, sock, own_signals=stop is None)
    if stop is None:
        await server.serve(sockets=[sock])
        return
    task = asyncio.create_task(server.serve(sockets=[sock]), name="console")
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
