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

__all__ = ["listen_address", "is_loopback", "bind", "serve", "LoopbackHost", "LOOPBACK_NAMES"]


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

    # proxy_headers off: uvicorn otherwise takes X-Forwarded-For from 127.0.0.1 as the
    # client, and every client of a loopback console is 127.0.0.1 (the login rate limit
    # counts per client address).
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False, proxy_headers=False)
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


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
"""Host names a console listening on a loopback address answers to (see :class:`LoopbackHost`)."""


class LoopbackHost:
    """ASGI middleware for a console on a loopback address: a request whose ``Host`` is not
    a loopback name or address gets 400.

    DNS rebinding: a web page the operator opens can point its own name at 127.0.0.1 and
    then talk to the console as the same origin (read the login page, guess passwords, lock
    the operator out). The browser still sends the page's own name as ``Host``.
    """

    def __init__(self, app: Any, also: str = "") -> None:
        self.app = app
        self.names = LOOPBACK_NAMES | ({also} if also else set())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Answer 400 to an HTTP request with a foreign ``Host``, pass the rest on."""
        if scope["type"] == "http":
            host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"")
            name = host.decode("latin-1").strip().lower()
            if name.startswith("["):
                name = name[1:].partition("]")[0]
            elif name.count(":") == 1:
                name = name.partition(":")[0]
            if name not in self.names:
                body = b"this console answers only to a loopback address in Host"
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def serve(app: Any, sock: socket.socket, stop: asyncio.Event | None = None) -> None:
    """Serve ``app`` on the bound ``sock`` until ``stop`` is set (``None``: until SIGTERM or
    Ctrl-C, uvicorn's own handling). On a loopback address only loopback ``Host`` names are
    answered (:class:`LoopbackHost`).
    """
    bound = sock.getsockname()[0]
    if is_loopback(bound):
        app = LoopbackHost(app, also=bound)
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
