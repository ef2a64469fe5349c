"""``eas-encoder encode``: render a complete SAME/EAS transmission to WAV, FLAC or raw s16le."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..audio import FORMATS, SUBTYPES, write_audio
from ..errors import AudioError, EncodeError, HeaderError
from ..message import check_not_nested, read_message_audio
from ..same.header import Header
from ..same.locations import DEMO_LOCATION, check_listed_county
from ..same.modulator import check_sample_rate
from ..same.profiles import DEFAULT_PROFILE, PROFILES
from ..same.transmission import DEFAULT_LEVEL_DBFS, DEFAULT_SAMPLE_RATE, encode_transmission
from ..same.waveform import ATTENTION_DEFAULT_SECONDS
from ..speech import MAX_TTS_CHARACTERS, synthesize

# Built-in defaults: a practice/demo warning for the NWS demonstration area, so a file made
# with no options can never match a real county on a receiver.
DEFAULT_ORG = "EAS"
DEFAULT_EVENT = "DMO"
DEFAULT_LOCATIONS = (DEMO_LOCATION,)
DEFAULT_DURATION = "0015"
DEFAULT_STATION = "EASENCDR"
# Header-only events: no attention signal unless asked (47 CFR 11.61: RWT is header + EOM).
_NO_ATTENTION_EVENTS = {"RWT"}
DEFAULT_VOICE = "en-us"
LONG_MESSAGE_SECONDS = 120.0
"""Message audio longer than this draws a warning: decoders need record only two minutes of
message audio (47 CFR 11.33(a)(3)(i)), so a relaying station may cut the rest."""
TTS_CHUNK_CHARACTERS = 1500
"""Long TTS text is spoken in pieces of about this many characters (about a minute each at
150 words per minute), so progress can be shown between them."""
MAX_MESSAGE_SECONDS = 600.0
"""Longest ``--message`` accepted without ``--allow-long``. The transmission is rendered in
memory (measured peak 0.55 GB for 10 minutes at 48 kHz, about 45 MB per further minute:
2.6 GB for an hour), and a message this long is five times what decoders must record
(47 CFR 11.33(a)(3)(i)); reading stops at the limit, so a long file is refused cheaply."""

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
                   help="allow originator/event/county codes not in the tables")
    a = p.add_argument_group("audio")
    a.add_argument("--attention", choices=("eas", "nwr", "none"),
                   help="attention signal: eas 853+960 Hz, nwr 1050 Hz, none "
                        "(default eas; none for RWT)")
    a.add_argument("--attention-seconds", type=float, default=ATTENTION_DEFAULT_SECONDS,
                   metavar="S", help="attention signal length, 8 to 25 s (default 8)")
    m = a.add_mutually_exclusive_group()
    m.add_argument("--message", metavar="FILE|-",
                   help=f"spoken message audio file (any rate), at most "
                        f"{MAX_MESSAGE_SECONDS:g} s unless --allow-long")
    m.add_argument("--tts", metavar="TEXT", help="speak TEXT with espeak-ng as the message")
    m.add_argument("--tts-file", metavar="FILE|-",
                   help="speak the UTF-8 text of FILE (or stdin) as the message")
    a.add_argument("--voice", default=DEFAULT_VOICE,
                   help=f"espeak-ng voice for --tts/--tts-file (default {DEFAULT_VOICE})")
    a.add_argument("--allow-nested", action="store_true",
                   help="accept message audio that itself contains a SAME header or EOM "
                        "(refused by default: receivers would act on it)")
    a.add_argument("--allow-long", action="store_true",
                   help=f"accept a --message longer than {MAX_MESSAGE_SECONDS:g} s (it is held "
                        "in memory whole)")
    a.add_argument("--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE,
                   help="ENDEC framing to reproduce (bytes around the bursts, pauses) for "
                        "testing decoders; the default 'exact' is 47 CFR 11.31(c) as written; "
                        "sources in specs/endec_profiles.md")
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


ISSUED_YEARS = (1997, 2099)
"""Years ``--issued`` may name: EAS replaced EBS on 1 January 1997 (47 CFR 11.1), and a
header carries only the day of the year (47 CFR 11.31(c) JJJHHMM), so a receiver infers the
year near its own clock; a far-off year is a typo, never a useful alert."""


def parse_issued(text: str) -> datetime:
    """``now`` or an ISO 8601 time with a zone (``Z`` or ``+HH:MM``) -> aware datetime.

    Raises:
        HeaderError: field ``issued`` for unparseable, impossible (``2026-02-30``: day out
            of range), naive times, or a year outside :data:`ISSUED_YEARS`.
    """
    if text.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        # A well-shaped time with an impossible field gets the field's own reason
        # ("day is out of range for month"), not "not an ISO 8601 time".
        why = str(exc)
        rule = (why.replace("is out", "out") if "Invalid isoformat" not in why
                else "is not an ISO 8601 time (e.g. 2026-11-29T08:00Z)")
        raise HeaderError(rule, field="issued", value=text) from None
    if when.tzinfo is None:
        raise HeaderError("has no time zone; add Z for UTC or an offset like -06:00",
                          field="issued", value=text, spec="47 CFR 11.31(c)")
    lo, hi = ISSUED_YEARS
    if not lo <= when.year <= hi:
        raise HeaderError(f"year must be {lo}-{hi} (the header carries only the day of the "
                          "year; receivers infer the year from their clock)",
                          field="issued", value=text, spec="47 CFR 11.31(c)")
    return when


_NAMED_FORMATS = {"wav": "wav", "wave": "wav", "flac": "flac", "raw": "raw", "s16": "raw",
                  "pcm": "raw"}


def check_format_matches_name(output: str, format: str | None) -> None:
    """Refuse ``--format`` naming one format while ``-o`` names another (``--format flac -o
    x.wav``): players trust the extension, so the file would be mislabelled. An extension
    that names no format (``.bin``, a device) leaves ``--format`` in charge.

    Raises:
        AudioError: field ``--format``, naming both formats.
    """
    if format is None or output == "-":
        return
    named = _NAMED_FORMATS.get(Path(output).suffix.lower().lstrip("."))
    if named is not None and named != format:
        raise AudioError(f"does not match the output name {output!r} ({named}); the "
                         "extension must name the format written, or drop --format",
                         field="--format", value=format)


def build_header(args: argparse.Namespace) -> Header:
    """The header from ``--header`` or from the field options with the built-in defaults;
    a county the tables do not list is refused unless ``--allow-unlisted``.
    """
    header = _header_from_args(args)
    if not args.allow_unlisted:
        for code in header.locations:
            check_listed_county(code)
    return header


def _header_from_args(args: argparse.Namespace) -> Header:
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


def read_tts_file(name: str) -> str:
    """The text of ``--tts-file`` (``-`` = stdin), read no further than the TTS limit.

    Raises:
        EncodeError: field ``--tts-file`` when unreadable or not UTF-8.
    """
    limit = MAX_TTS_CHARACTERS * 4 + 1  # UTF-8 is at most 4 bytes a character
    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit)
        else:
            with open(name, "rb") as f:
                data = f.read(limit)
    except OSError as exc:
        raise EncodeError(f"cannot be read ({exc.strerror})", field="--tts-file",
                          value=name) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodeError("is not UTF-8 text", field="--tts-file", value=name,
                          position=exc.start) from None


def _pieces(text: str, size: int) -> list[str]:
    """``text`` cut after sentence ends (else spaces) into pieces of about ``size``."""
    pieces: list[str] = []
    while len(text) > size:
        cut = max(text.rfind(". ", 0, size), text.rfind("! ", 0, size),
                  text.rfind("? ", 0, size), text.rfind("\n", 0, size))
        if cut <= 0:
            cut = text.rfind(" ", 0, size)
        cut = size if cut <= 0 else cut + 1
        pieces.append(text[:cut])
        text = text[cut:]
    return [p for p in [*pieces, text] if p.strip()]


def speak(text: str, fs: int, voice: str) -> np.ndarray:
    """Speak ``text`` at ``fs`` Hz with espeak-ng; a long text in pieces, with progress on
    stderr after each piece.

    Raises:
        EncodeError: field ``tts`` as :func:`~eas_encoder.speech.synthesize`.
    """
    if len(text) > MAX_TTS_CHARACTERS:
        raise EncodeError(f"is longer than {MAX_TTS_CHARACTERS} characters", field="tts",
                          value=f"{len(text)} characters")
    pieces = _pieces(text, TTS_CHUNK_CHARACTERS) if text.strip() else [text]
    if len(pieces) == 1:
        return synthesize(text, fs, voice=voice)
    parts, done = [], 0
    for piece in pieces:
        parts.append(synthesize(piece, fs, voice=voice))
        done += len(piece)
        print(f"speaking: {done}/{len(text)} characters ({100 * done // len(text)} %)",
              file=sys.stderr, flush=True)
    return np.concatenate(parts)


NESTED_HINT = " (pass --allow-nested to send it anyway)"


def warn_if_long(seconds: float) -> None:
    """A warning on stderr for message audio beyond :data:`LONG_MESSAGE_SECONDS`."""
    if seconds > LONG_MESSAGE_SECONDS:
        print(f"warning: the message is {seconds:.0f} s long; EAS decoders need record only "
              f"{LONG_MESSAGE_SECONDS:.0f} s (47 CFR 11.33(a)(3)(i)), so a relay may cut it",
              file=sys.stderr)


def read_message(source: str, rate: int, *, max_seconds: float | None) -> np.ndarray:
    """``--message`` read with :func:`eas_encoder.message.read_message_audio` (stops at
    ``max_seconds``; the error names ``--allow-long``).

    Returns:
        ``float32[n]`` at ``rate``.

    Raises:
        AudioError: unreadable file. EncodeError: field ``--message``, too long.
    """
    return read_message_audio(source, rate, max_seconds=max_seconds, field="--message",
                              why_limit=" (the whole transmission is rendered in memory; "
                                        "--allow-long sends it anyway)")


def run(args: argparse.Namespace) -> int:
    """Build the header, render the transmission and write it."""
    check_format_matches_name(args.output, args.format)
    header = build_header(args)
    attention = args.attention or ("none" if header.event in _NO_ATTENTION_EVENTS else "eas")
    check_sample_rate(args.rate)  # before any message file is read or spoken
    message = None
    if args.message is not None:
        message = read_message(args.message, args.rate,
                               max_seconds=None if args.allow_long else MAX_MESSAGE_SECONDS)
        if not args.allow_nested:
            check_not_nested(message, args.rate, args.message, field="--message",
                             hint=NESTED_HINT)
    elif args.tts is not None or args.tts_file is not None:
        text = args.tts if args.tts is not None else read_tts_file(args.tts_file)
        message = speak(text, args.rate, args.voice)
    if message is not None:
        warn_if_long(len(message) / args.rate)
    tx = encode_transmission(header, fs=args.rate, attention=attention,
                             attention_seconds=args.attention_seconds, message=message,
                             level_dbfs=args.level, profile=args.profile)
    write_audio(args.output, tx.samples, tx.fs, format=args.format, bits=args.bits)
    print(f"{'<stdout>' if args.output == '-' else args.output}: {tx.duration:.2f} s at "
          f"{tx.fs} Hz, attention {attention}, {str(header)}", file=sys.stderr)
    return 0
