"""``eas-encoder encode``: render a complete SAME/EAS transmission to WAV, FLAC or raw s16le."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from ..audio import FORMATS, SUBTYPES, read_audio, resample, to_mono, write_audio
from ..errors import HeaderError
from ..same.header import Header
from ..same.locations import DEMO_LOCATION
from ..same.modulator import check_sample_rate
from ..same.transmission import DEFAULT_LEVEL_DBFS, DEFAULT_SAMPLE_RATE, encode_transmission
from ..same.waveform import ATTENTION_DEFAULT_SECONDS
from ..speech import synthesize

# Built-in defaults: a practice/demo warning for the NWS demonstration area, so a file made
# with no options can never match a real county on a receiver.
DEFAULT_ORG = "EAS"
DEFAULT_EVENT = "DMO"
DEFAULT_LOCATIONS = (DEMO_LOCATION,)
DEFAULT_DURATION = "0015"
DEFAULT_STATION = "EASENCDR"
# Header-only events: no attention signal unless asked (47 CFR 11.61: RWT is header + EOM).
_NO_ATTENTION_EVENTS = {"RWT"}

EXAMPLES = """\
examples:
  eas-encoder encode -o demo.wav
  eas-encoder encode --org CIV --event CAE --location 006037 --location 006059 \\
      --duration 0130 --issued now --station KXYZ/FM --tts "Amber alert test" -o amber.wav
  eas-encoder encode --header 'ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-' \\
      --attention nwr -o tor.flac
  eas-encoder encode --event RWT --location 006037 --format raw -o - | \\
      sox -t raw -r 48000 -e signed -b 16 -c 1 - out.ogg
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``encode`` subcommand."""
    p = sub.add_parser(
        "encode", help="render an alert as SAME/EAS audio",
        description="Render header x3, attention signal, message and EOM x3 "
                    "(47 CFR 11.31). Generated tones must never be aired outside a test "
                    "setting.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    h = p.add_argument_group("header (47 CFR 11.31(c))")
    h.add_argument("--header", metavar="'ZCZC-...-'",
                   help="send this literal header instead of building one from the fields")
    h.add_argument("--org", help=f"originator code (default {DEFAULT_ORG})")
    h.add_argument("--event", help=f"event code (default {DEFAULT_EVENT})")
    h.add_argument("--location", action="append", metavar="PSSCCC",
                   help=f"location code, repeat up to 31 times (default {DEFAULT_LOCATIONS[0]}"
                        ", the NWS demonstration area)")
    h.add_argument("--duration", metavar="HHMM",
                   help=f"valid time period, e.g. 0030, 0130 (default {DEFAULT_DURATION})")
    h.add_argument("--issued", metavar="now|ISO8601",
                   help="issue time with a time zone, e.g. 2026-11-29T08:00Z (default now)")
    h.add_argument("--station", metavar="LLLLLLLL",
                   help=f"station id, up to 8 characters, '/' for '-' (default "
                        f"{DEFAULT_STATION})")
    h.add_argument("--allow-unlisted", action="store_true",
                   help="allow originator/event codes not in the tables")
    a = p.add_argument_group("audio")
    a.add_argument("--attention", choices=("eas", "nwr", "none"),
                   help="attention signal: eas 853+960 Hz, nwr 1050 Hz, none "
                        "(default eas; none for RWT)")
    a.add_argument("--attention-seconds", type=float, default=ATTENTION_DEFAULT_SECONDS,
                   metavar="S", help="attention signal length, 8 to 25 s (default 8)")
    m = a.add_mutually_exclusive_group()
    m.add_argument("--message", metavar="FILE", help="spoken message audio file (any rate)")
    m.add_argument("--tts", metavar="TEXT", help="speak TEXT with espeak-ng as the message")
    a.add_argument("--rate", type=int, default=DEFAULT_SAMPLE_RATE,
                   help=f"sample rate in Hz, 8000 to 192000 (default {DEFAULT_SAMPLE_RATE})")
    a.add_argument("--level", type=float, default=DEFAULT_LEVEL_DBFS, metavar="DBFS",
                   help=f"peak level of tones in dBFS (default {DEFAULT_LEVEL_DBFS:g})")
    a.add_argument("--format", choices=FORMATS,
                   help="output format (default: from the file name, else wav)")
    a.add_argument("--bits", choices=tuple(SUBTYPES), default="16",
                   help="sample format: 16, 24 or float (default 16)")
    p.add_argument("-o", "--output", required=True, metavar="FILE|-",
                   help="output file, or - for standard output")
    p.set_defaults(func=run)


def parse_issued(text: str) -> datetime:
    """``now`` or an ISO 8601 time with a zone (``Z`` or ``+HH:MM``) -> aware datetime.

    Raises:
        HeaderError: field ``issued`` for unparseable or naive times.
    """
    if text.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise HeaderError("is not an ISO 8601 time (e.g. 2026-11-29T08:00Z)", field="issued",
                          value=text) from None
    if when.tzinfo is None:
        raise HeaderError("has no time zone; add Z for UTC or an offset like -06:00",
                          field="issued", value=text, spec="47 CFR 11.31(c)")
    return when


def build_header(args: argparse.Namespace) -> Header:
    """The header from ``--header`` or from the field options with the built-in defaults."""
    fields = ("org", "event", "location", "duration", "issued", "station")
    if args.header is not None:
        given = [f"--{f}" for f in fields if getattr(args, f) is not None]
        if given:
            raise HeaderError(f"cannot be combined with {', '.join(given)}", field="--header")
        return Header.parse(args.header, allow_unlisted=args.allow_unlisted)
    return Header(
        originator=args.org or DEFAULT_ORG,
        event=args.event or DEFAULT_EVENT,
        locations=tuple(args.location or DEFAULT_LOCATIONS),
        valid_time=args.duration or DEFAULT_DURATION,
        issued=parse_issued(args.issued or "now"),
        station=args.station if args.station is not None else DEFAULT_STATION,
        allow_unlisted=args.allow_unlisted,
    )


def run(args: argparse.Namespace) -> int:
    """Build the header, render the transmission and write it."""
    header = build_header(args)
    attention = args.attention or ("none" if header.event in _NO_ATTENTION_EVENTS else "eas")
    check_sample_rate(args.rate)  # before any message file is read or spoken
    message = None
    if args.message is not None:
        samples, fs = read_audio(args.message)
        message = resample(to_mono(samples), fs, args.rate)
    elif args.tts is not None:
        message = synthesize(args.tts, args.rate)
    tx = encode_transmission(header, fs=args.rate, attention=attention,
                             attention_seconds=args.attention_seconds, message=message,
                             level_dbfs=args.level)
    write_audio(args.output, tx.samples, tx.fs, format=args.format, bits=args.bits)
    print(f"{'<stdout>' if args.output == '-' else args.output}: {tx.duration:.2f} s at "
          f"{tx.fs} Hz, attention {attention}, {str(header)}", file=sys.stderr)
    return 0
