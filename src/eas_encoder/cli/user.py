"""``eas-encoder user``: the operator console's users (add, list, remove)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``user`` subcommand."""
    p = sub.add_parser(
        "user", help="add, list or remove operator console users",
        description="Manage who may log in to the operator console. Users live in the "
                    "console's own file ([console] users, default users.db beside the station "
                    "database); passwords are stored as argon2 hashes. Works while a monitor "
                    "runs.",
        epilog="examples:\n"
               "  printf '%s\\n' 'a long passphrase' | eas-encoder user add station.toml alice "
               "--password-stdin\n"
               "  eas-encoder user list station.toml\n"
               "  eas-encoder user remove station.toml alice",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("add", "list", "remove"))
    p.add_argument("config", metavar="STATION.toml", help="station configuration")
    p.add_argument("name", nargs="?", help="user name (add, remove)")
    p.add_argument("--password-stdin", action="store_true",
                   help="add: read the password from the first line of standard input (typed "
                        "twice without echo at a terminal) "
                        "(never from the command line, where other users could see it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Add, list or remove."""
    from datetime import UTC, datetime

    from ..errors import ConfigError
    from ..station.config import load_config

    try:
        from ..console.auth import UserStore
    except ModuleNotFoundError as exc:
        raise ConfigError(f"needs the console extra (pip install 'eas-encoder[console]'); "
                          f"{exc.name} is missing", field="user") from None
    config = load_config(args.config)
    store = UserStore(config.console.users or config.station.database.parent / "users.db")
    if args.action == "list":
        for name, created in store.users():
            print(f"{name}  added {created:%Y-%m-%d %H:%M} UTC")
        return 0
    if not args.name:
        raise ConfigError(f"'user {args.action}' needs a user name", field="name")
    if args.action == "remove":
        store.remove_user(args.name)
        print(f"user {args.name} removed")
        return 0
    if not args.password_stdin:
        raise ConfigError("give the password on standard input with --password-stdin",
                          field="--password-stdin")
    if sys.stdin.isatty():
        # Typed at a terminal: no echo (a plain read would show the password on screen and
        # in a terminal's scrollback), and typed twice because nobody sees a typo.
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("the two passwords typed differ", field="password")
    else:
        password = sys.stdin.readline(4096).rstrip("\r\n")
    store.add_user(args.name, password, datetime.now(UTC))
    print(f"user {args.name} added")
    return 0
