"""``eas-encoder decode``: report the SAME headers, EOMs and attention signals in audio.

Exit status: 0 (whether or not anything was found), 2 for input that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

from ..audio import open_stream
from ..errors import EasError, SampleRateError
from ..pcm import RateRole, check_rate
from ..same.decoder import (
    DEFAULT_CONFIG,
    MIN_CONFIDENCE,
    Event,
    HeaderEvent,
    Receiver,
    ReceiverConfig,
)
from ..same.locations import is_listed_county
from ..same.receiver.events import AttentionSignalEvent, BurstEvent, InvalidBurstEvent
from ..same.waveform import BAUD
from . import terminal_text

__all__ = ["register", "run", "format_event", "stream_events"]

BLOCK_FRAMES = 16384
"""Frames read per block (0.74 s at 22050 Hz): below the receiver's own 4 s processing chunk,
so a live pipe loses no latency, while a file is read with little per-block overhead."""

EXAMPLES = """\
output: one line per event, as it is decoded:
  HEADER  <start>-<end>s ZCZC-...- bursts=2 corrected=0 confidence=1.000 [REPEAT]
                                    [unlisted=PSSCCC,...]  (counties no table lists)
  EOM     <start>-<end>s NNNN
  ATTN    <start>-<end>s eas 853.02+960.01 Hz 8.00s
  INVALID <start>-<end>s <reason>: <text>        (with --verbose or --json)

  bursts=N     the header's bursts that decided it: 2 when two matched exactly (they
               confirm it, 47 CFR 11.33(a)(10)), 3 when all three were combined, 1 only
               with --single-burst
  corrected=N  bits of single bursts the combination overruled
  confidence=P posterior probability that the text is right (at least --min-confidence)

examples:
  eas-encoder decode alert.wav
  eas-encoder decode --json --describe alert.flac
  sox alert.mp3 -t raw -r 22050 -e signed -b 16 -c 1 - | eas-encoder decode --rate 22050 -
  rtl_fm -f 162.55M -M fm -s 22050 - | eas-encoder decode --rate 22050 -
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``decode`` subcommand."""
    p = sub.add_parser(
        "decode", help="decode SAME headers, EOMs and attention signals from audio",
        description="Decode SAME/EAS audio (47 CFR 11.31) at its own sample rate: each header "
                    "is combined from its three bursts (two suffice) and reported only when "
                    "it is valid and confident. Multi-channel input is averaged to mono.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE|-",
                   help="audio files (WAV, FLAC, OGG, MP3 ... as libsndfile reads), or - for "
                        "stdin")
    p.add_argument("--rate", type=input_rate, metavar="HZ",
                   help="the input is raw mono s16le at this sample rate (e.g. from rtl_fm)")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per line with every field")
    p.add_argument("--describe", action="store_true",
                   help="add the plain-English description of each header")
    p.add_argument("--single-burst", action="store_true",
                   help="also report headers heard in one burst only (low confidence)")
    p.add_argument("--bursts", action="store_true", help="also report every burst")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="also print invalid bursts (never alerts)")
    p.add_argument("--min-confidence", type=probability, default=MIN_CONFIDENCE, metavar="P",
                   help=f"posterior probability a header needs, in (0, 1] (default "
                        f"{MIN_CONFIDENCE})")
    p.set_defaults(func=run)


def input_rate(text: str) -> int:
    """An ``argparse`` type for ``--rate`` of raw input (decode, verify, check): one range for
    every subcommand, the decoding role of :func:`eas_encoder.pcm.check_rate`, and one message
    whatever the bad value (a word included).
    """
    try:
        value: object = int(text)
    except ValueError:
        value = text
    try:
        return check_rate(value, RateRole.DECODING)
    except SampleRateError as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc.rule}") from None


def probability(text: str) -> float:
    """An ``argparse`` type: a number in (0, 1] (above 1 no header could ever be reported;
    0 or below would report noise).
    """
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < p <= 1:
        raise argparse.ArgumentTypeError(f"{text} is outside (0, 1]: a posterior "
                                         "probability above 0 and at most 1")
    return p


def stream_events(source: str, *, rate: int | None = None,
                  config: ReceiverConfig = DEFAULT_CONFIG) -> Iterator[tuple[str, Event]]:
    """Decode ``source`` block by block (flat memory); yield ``(source, event)`` as found.

    Raises:
        AudioError: unreadable input or bad ``rate``.
    """
    fs, blocks = open_stream(source, rate=rate, blocksize=BLOCK_FRAMES, raw_dtype="int16")
    rx = Receiver(fs, config)
    for block in blocks:
        # Mono blocks go in 1-D: the receiver scales int16 while it copies, in one pass.
        for event in rx.feed(block[:, 0] if block.shape[1] == 1 else block):
            yield source, event
    for event in rx.flush():
        yield source, event


def unlisted_locations(event: HeaderEvent) -> list[str]:
    """The header's well-formed location codes that no table lists: reported, flagged, never
    dropped (an off-air alert is shown as received).
    """
    return [c for c in event.header.locations if not is_listed_county(c)]


def format_event(event: Event, *, describe: bool = False) -> str:
    """One human-readable line (plus description lines for a header when asked)."""
    span = f"{event.start:8.2f}-{event.end:.2f}s"
    kind = event.kind
    if isinstance(event, HeaderEvent):
        unlisted = unlisted_locations(event)
        line = (f"HEADER  {span} {event.text} bursts={event.bursts} "
                f"corrected={event.bits_corrected} confidence={event.confidence:.3f}"
                + (" LOW-CONFIDENCE" if event.low_confidence else "")
                + (f" unlisted={','.join(unlisted)}" if unlisted else "")
                + (" REPEAT" if event.repeat else ""))
        if describe:
            from ..same.describe import describe_header

            line += "\n" + "\n".join("    " + s for s in
                                     describe_header(event.header, datetime.now(UTC))
                                     .splitlines())
        return line
    if kind == "eom":
        return f"EOM     {span} NNNN"
    if isinstance(event, AttentionSignalEvent):
        freqs = "+".join(f"{f:.2f}" for f in event.frequencies)
        return f"ATTN    {span} {event.signal} {freqs} Hz {event.duration:.2f}s"
    if isinstance(event, InvalidBurstEvent):
        return f"INVALID {span} {event.reason}: {terminal_text(event.text)}"
    if isinstance(event, BurstEvent):
        return (f"BURST   {span} {terminal_text(event.text)} Eb/N0={event.ebn0_db:.1f}dB "
                f"rate={event.bit_rate:.3f}bit/s ({(event.bit_rate / BAUD - 1) * 1e6:+.0f}ppm)")
    return f"{kind.upper():<7} {span}"


def run(args: argparse.Namespace) -> int:
    """Decode every file in turn, printing events as they are found.

    A file that cannot be read costs one line on stderr and does not stop the others; the
    exit code is then 2 (bad input), as for a single bad file.
    """
    show_invalid = args.verbose or args.json
    many = len(args.files) > 1
    failed = 0
    for name in args.files:
        try:
            _decode_one(args, name, show_invalid, many)
        except EasError as exc:
            if not many:
                raise
            failed += 1
            print(f"eas-encoder decode: error: {exc}", file=sys.stderr)
    return 2 if failed else 0


def _decode_one(args: argparse.Namespace, name: str, show_invalid: bool, many: bool) -> None:
    alerts = 0
    config = ReceiverConfig(single_burst=args.single_burst, bursts=args.bursts,
                            min_confidence=args.min_confidence)
    for source, event in stream_events(name, rate=args.rate, config=config):
        alerts += isinstance(event, HeaderEvent)
        if event.kind == "invalid" and not show_invalid:
            continue
        if args.json:
            d = {"file": source, **event.to_dict()}
            if isinstance(event, HeaderEvent):
                d["unlisted_locations"] = unlisted_locations(event)
            if args.describe and isinstance(event, HeaderEvent):
                from ..same.describe import describe_header

                d["description"] = describe_header(event.header, datetime.now(UTC))
            print(json.dumps(d))
        else:
            line = format_event(event, describe=args.describe)
            print(f"{source}: {line}" if many else line)
        sys.stdout.flush()
    if args.verbose and not alerts:
        print(f"{'<stdin>' if name == '-' else name}: no alert found (exit status is still 0)",
              file=sys.stderr)
