"""Console users, sessions and login attempts: the console's own SQLite file.

The station log has one writer (the monitor), so the console keeps what it writes for itself
(users, sessions, failed logins) in a separate file that ``eas-encoder user add`` can change
while a monitor runs. Passwords are stored as argon2id hashes (argon2-cffi's defaults);
session tokens are 32 random bytes handed to the browser and stored only as their SHA-256,
so a copy of the file does not log anybody in. Every call opens and closes its own
connection: the console's request handlers run on a thread pool.

Time is always passed in (``now``, an aware datetime): sessions expire and the login rate
limit counts failures against the injected clock, never the wall clock.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import EasError

__all__ = ["ConsoleError", "UserStore", "Session", "LoginRefused", "MAX_FAILURES",
           "FAILURE_WINDOW", "check_user_name", "check_password"]

MAX_FAILURES = 5
"""Failed logins allowed per user name, and per client address, within :data:`FAILURE_WINDOW`."""
FAILURE_WINDOW = timedelta(minutes=5)
MAX_PASSWORD = 1024
"""Longest password accepted, characters (argon2 time does not grow with it, memory does)."""
MIN_PASSWORD = 8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name     TEXT PRIMARY KEY,
    hash     TEXT NOT NULL,
    created  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    user         TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created      TEXT NOT NULL,
    expires      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user     TEXT NOT NULL,
    client   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures (at);
"""


class ConsoleError(EasError):
    """A console user, password, address or users file breaks a rule."""


class LoginRefused(ConsoleError):
    """A login failed; ``limited`` when refused by the rate limit before any check."""

    def __init__(self, rule: str, *, limited: bool = False) -> None:
        super().__init__(rule, field="login")
        self.limited = limited


@dataclass(frozen=True)
class Session:
    """A logged-in operator: ``token`` (the cookie value), ``user``, the per-session
    ``csrf`` token every form carries, and when it ``expires`` (UTC).
    """

    token: str
    user: str
    csrf: str
    expires: datetime


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_user_name(name: str) -> str:
    """``name`` if it is 1-64 letters, digits, ``.``, ``_`` or ``-`` (it is written into the
    station log beside every operator action).

    Raises:
        ConsoleError: field ``user``.
    """
    if not 1 <= len(name) <= 64 or not all(c.isascii() and (c.isalnum() or c in "._-")
                                           for c in name):
        raise ConsoleError("must be 1-64 letters, digits, '.', '_' or '-'", field="user",
                           value=name)
    return name


def check_password(password: str) -> str:
    """``password`` if it is 8 to 1024 characters.

    Raises:
        ConsoleError: field ``password`` (the value is not echoed).
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ConsoleError(f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                           field="password")
    return password


def _owner_only(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only, or take group and other
    access away from an existing file of ours: it holds password hashes (guessable offline)
    and session digests. SQLite gives its journal the same mode.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)


class UserStore:
    """The console's SQLite file of users, sessions and failed logins.

    Args:
        path: the file (created with its directory on first write).
        session_minutes: how long a login lasts.
        hasher: the argon2 hasher (default: argon2-cffi's RFC 9106 low-memory profile);
            hashes made with other parameters still verify.
    """

    def __init__(self, path: str | Path, *, session_minutes: int = 480,
                 hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.session_length = timedelta(minutes=session_minutes)
        self._hasher = hasher or PasswordHasher()
        self._ready = False
        self._dummy: str | None = None

    def _unknown_user_hash(self) -> str:
        # Verified against when the user is unknown, so a wrong name costs the same time.
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_hex(16))
        return self._dummy

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _owner_only(self.path)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                conn.executescript(_SCHEMA)
                self._ready = True
        except (OSError, sqlite3.DatabaseError) as exc:
            raise ConsoleError(f"cannot be opened as the console's users file ({exc})",
                               field="users", value=str(self.path)) from None
        return conn

    # -- users ----------------------------------------------------------------------------
    def add_user(self, name: str, password: str, now: datetime) -> None:
        """Add user ``name`` with an argon2id hash of ``password``.

        Raises:
            ConsoleError: bad name or password, or the user exists already.
        """
        check_user_name(name)
        digest = self._hasher.hash(check_password(password))
        with closing(self._connect()) as c:
            try:
                c.execute("INSERT INTO users (name, hash, created) VALUES (?, ?, ?)",
                          (name, digest, _iso(now)))
            except sqlite3.IntegrityError:
                raise ConsoleError("exists already (remove it first to change the password)",
                                   field="user", value=name) from None

    def remove_user(self, name: str) -> None:
        """Remove user ``name`` and end their sessions.

        Raises:
            ConsoleError: no such user.
        """
        with closing(self._connect()) as c:
            c.execute("DELETE FROM sessions WHERE user = ?", (name,))
            if c.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise ConsoleError("is not a console user", field="user", value=name)

    def users(self) -> list[tuple[str, datetime]]:
        """Every user name with the time it was added, by name."""
        with closing(self._connect()) as c:
            return [(r[0], datetime.fromisoformat(r[1]))
                    for r in c.execute("SELECT name, created FROM users ORDER BY name")]

    # -- logging in -----------------------------------------------------------------------
    def login(self, name: str, password: str, client: str, now: datetime) -> Session:
        """Check ``name``/``password`` and open a session.

        The rate limit comes first: :data:`MAX_FAILURES` failures for this user name or from
        this ``client`` address within :data:`FAILURE_WINDOW` before ``now`` refuse the
        attempt without looking at the password.

        Raises:
            LoginRefused: rate limited (``limited``), or a wrong name or password (one message
                for both, so names cannot be probed).
        """
        since = _iso(now - FAILURE_WINDOW)
        with closing(self._connect()) as c:
            # The attempt is counted as a failure before the password is checked, in one
            # write transaction with the count: guesses sent at once (the console checks
            # passwords on a thread pool) cannot all find the count still under the limit.
            c.execute("BEGIN IMMEDIATE")
            try:
                by_user = c.execute("SELECT count(*) FROM login_failures WHERE user = ? AND "
                                    "at > ?", (name[:64], since)).fetchone()[0]
                by_client = c.execute("SELECT count(*) FROM login_failures WHERE client = ? "
                                      "AND at > ?", (client, since)).fetchone()[0]
                limited = max(by_user, by_client) >= MAX_FAILURES
                if not limited:
                    attempt = c.execute("INSERT INTO login_failures (user, client, at) "
                                        "VALUES (?, ?, ?)", (name[:64], client, _iso(now))
                                        ).lastrowid
                    c.execute("DELETE FROM login_failures WHERE at < ?",
                              (_iso(now - 2 * FAILURE_WINDOW),))
                row = c.execute("SELECT hash FROM users WHERE name = ?", (name,)).fetchone()
            finally:
                c.execute("COMMIT")
            if limited:
                minutes = int(FAILURE_WINDOW.total_seconds() // 60)
                raise LoginRefused(f"too many failed logins; try again in {minutes} minutes",
                                   limited=True)
            ok = False
            if len(password) <= MAX_PASSWORD:
                try:
                    ok = self._hasher.verify(row[0] if row else self._unknown_user_hash(),
                                              password) \
                        and row is not None
                except (VerificationError, InvalidHashError):
                    ok = False
            if not ok:
                raise LoginRefused("wrong user name or password")
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + self.session_length
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute("DELETE FROM login_failures WHERE id = ?", (attempt,))
                c.execute("INSERT INTO sessions (token_sha256, user, csrf, created, expires) "
                          "VALUES (?, ?, ?, ?, ?)", (_digest(token), name, csrf, _iso(now),
                                                     _iso(expires)))
                c.execute("DELETE FROM sessions WHERE expires <= ?", (_iso(now),))
            finally:
                c.execute("COMMIT")
        return Session(token, name, csrf, expires)

    def session(self, token: str | None, now: datetime) -> Session | None:
        """The session of cookie value ``token`` if it exists and has not expired at ``now``."""
        if not token or len(token) > 128:
            return None
        with closing(self._connect()) as c:
            row = c.execute("SELECT user, csrf, expires FROM sessions WHERE token_sha256 = ?",
                            (_digest(token),)).fetchone()
        if row is None:
            return None
        expires = datetime.fromisoformat(row[2])
        if now >= expires:
            return None
        return Session(token, row[0], row[1], expires)

    def logout(self, token: str) -> None:
        """End the session of cookie value ``token`` (nothing if there is none)."""
        with closing(self._connect()) as c:
            c.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_digest(token),))
