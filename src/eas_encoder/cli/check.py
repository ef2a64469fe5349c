"""``eas-encoder check``: measure a recording against 47 CFR 11.31/11.32 and NWSI 10-1712.

Exit status: 0 when no finding fails (warnings allowed, unless ``--strict``), 3 when at least
one finding fails, 2 for input that cannot be analysed (missing or unreadable file, bad
``--rate``, matplotlib missing for ``--plot``), 1 for an internal error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from ..conformance import check_file
from ..findings import fails
from . import EXIT_CHECK_FAILED
from .decode import input_rate

__all__ = ["register", "run", "EXIT_FINDINGS"]

EXIT_FINDINGS = EXIT_CHECK_FAILED
"""Exit status when a finding fails (:func:`eas_encoder.findings.fails`; 2 is bad input, 1 an
internal error)."""

EXAMPLES = """\
examples:
  eas-encoder check alert.wav
  eas-encoder check alert.wav --json > alert.json
  eas-encoder check alert.wav --plot timeline.png --all
  eas-encoder check alert.wav --report alert.html       # one file to hand to a client
  rtl_fm -f 162.55M -s 22050 - | eas-encoder check - --rate 22050
  minimodem --tx same -f mm.wav -R 22050 <<< 'ZCZC-EAS-DMO-999000+0015-0011200-EASENCDR-'
  eas-encoder check mm.wav
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    p = sub.add_parser(
        "check", help="measure any encoder's EAS audio against the rules",
        description="Find every SAME burst, attention signal and pause in a recording and "
                    "report, per rule, the spec clause, the expected value with its "
                    "tolerance, the measured value and a verdict (pass / warn / fail).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE|-",
                   help="audio file (WAV, FLAC, ... as libsndfile reads), or - for stdin")
    p.add_argument("--rate", type=input_rate, metavar="HZ",
                   help="the input is raw mono s16le at this sample rate")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--plot", metavar="PNG",
                   help="also draw the timeline (waveform + spectrogram); needs matplotlib")
    p.add_argument("--problems", action="store_true",
                   help="list only the findings that warn or fail (the default)")
    p.add_argument("--all", action="store_true", dest="all_rows",
                   help="list every finding, passes included")
    p.add_argument("--report", metavar="HTML",
                   help="also write a self-contained HTML report for a client (verdict, "
                        "failing rules, timeline and spectrogram, bit timing, every rule)")
    p.add_argument("--strict", action="store_true", help="exit 3 on warnings too")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the file, print the report, draw the picture; return the exit status."""
    want_overview = args.plot is not None or args.report is not None
    report, checker = check_file(args.file, rate=args.rate, overview=want_overview)
    if args.plot is not None:
        from ..conformance.plot import plot_timeline

        assert checker.overview is not None
        plot_timeline(report, checker.overview, args.plot)
    if args.json:
        print(report.to_json())
    else:
        print(report.to_text(only_problems=not args.all_rows))
    if args.plot is not None:
        print(f"timeline: {args.plot}", file=sys.stderr)
    if args.report is not None:
        from ..conformance.html import write_html_report

        write_html_report(report, checker, args.report, made=datetime.now(UTC))
        print(f"report: {args.report}", file=sys.stderr)
    return EXIT_FINDINGS if fails(report.findings, strict=args.strict) else 0
