"""Command-line interface: ``eas-encoder SUBCOMMAND ...``.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds an
``argparse`` parser whose ``func`` default is ``run(args) -> int``. :func:`main` turns every
:class:`~eas_encoder.errors.EasError` into one line on stderr and exit code 2; any other
exception becomes one line and exit code 1 unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import EasError

__all__ = ["main", "build_parser"]

# Order is the order shown in --help.
_SUBCOMMANDS = (
    "encode",
    "describe",
    "decode",
    "verify",
    "check",
    "cap",
    "text",
    "cbs",
    "wea",
    "monitor",
    "log",
    "originate",
    "console",
    "user",
    "lab",
    "completion",
)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_CHECK_FAILED = 3
"""The thing checked fails (check, verify, cap validate, cap verify): the command worked."""
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, what a shell reports for a writer whose reader closed the pipe."""


# What exit status 3 means for the commands that check something; the others never use it.
_EXIT_3 = {
    "check": "a finding fails (with --strict, also a warning)",
    "verify": "the audio does not decode to exactly the expected header(s) (and EOM)",
    "cap validate": "a file has an error finding",
    "cap verify": "a signature is missing, invalid or its signer not trusted",
    "cbs check": "a cell-broadcast rule fails",
}


def exit_status_help(prog: str) -> str:
    """The exit-status paragraph every ``--help`` ends with (one convention for all)."""
    command = prog.removeprefix("eas-encoder").strip()
    three = _EXIT_3.get(command)
    lines = ["exit status:", "  0  success" + (" (also when nothing is found)"
                                                if command == "decode" else "")]
    if three is not None:
        lines.append(f"  3  {three}")
    elif not command:
        lines.append("  3  the thing checked fails (check, verify, cap validate, cap verify)")
    lines += ["  2  usage error or bad input (one line on stderr, no partial output file)",
              "  1  internal error (--debug shows the traceback)",
              "  141  the reader of standard output went away (e.g. | head)"]
    return "\n".join(lines) + "\n"


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit code 2), like
    every other error of the CLI; ``--help`` still shows the whole usage, and ends with the
    exit status (subcommand parsers are of this class too).
    """

    def format_help(self) -> str:
        """The usual help, then :func:`exit_status_help` for this command."""
        return super().format_help().rstrip("\n") + "\n\n" + exit_status_help(self.prog)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def terminal_text(text: str) -> str:
    r"""``text`` with control characters shown as escapes (``\x1b``, ``\n``): decoded bursts
    and pages come from the air and must not drive the user's terminal.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _version() -> str:
    """The installed distribution's version (package metadata), e.g. ``0.1.0``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eas-encoder")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser.

    Args:
        only: register just this subcommand (its module's imports, e.g. lxml or scipy, are
            the start-up cost of the CLI); ``None`` registers every available one.
    """
    parser = _OneLineParser(
        prog="eas-encoder",
        description=(
            "Encode, decode and check SAME/EAS alerts (47 CFR 11.31), CAP 1.2 and cell "
            "broadcast. Generated tones must never be aired outside a test setting."
        ),
    )
    parser.add_argument(
        "--debug", action="store_true", help="show a full traceback on any error"
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _SUBCOMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            # A subcommand module not yet present in this build is simply not offered.
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(sub)
    return parser


def _command_of(args: Sequence[str]) -> str | None:
    """The subcommand named in ``args`` (the first word that is not an option)."""
    word = next((a for a in args if not a.startswith("-")), None)
    return word if word in _SUBCOMMANDS else None


def _cli_words(exc: EasError, args: argparse.Namespace) -> str:
    # The library's refusal names its keyword argument; a CLI user needs the flag, and only
    # where the subcommand has one.
    from ..same.header import UNLISTED_HINT  # noqa: PLC0415 - only on this error path

    flag = " (pass --allow-unlisted to send it anyway)" if hasattr(args, "allow_unlisted") \
        else ""
    return str(exc).replace(f" ({UNLISTED_HINT})", flag)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 ok, 1 internal error, 2 bad input)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # without importing every subcommand (seconds of imports)
        print(f"eas-encoder {_version()}")
        return EXIT_OK
    parser = build_parser(_command_of(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return int(exc.code or 0) if exc.code not in (None, 0) else 0
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk or a closed pipe must show up here, not be lost
        return code
    except EasError as exc:
        if args.debug:
            raise
        print(f"eas-encoder {args.command}: error: {_cli_words(exc, args)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly with the shell's SIGPIPE code,
        # and point stdout at /dev/null so interpreter shutdown does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if args.debug:
            raise
        print(f"eas-encoder {args.command}: error: output cannot be written "
              f"({exc.strerror or exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI user
        if args.debug:
            raise
        print(
            f"eas-encoder {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for a traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
