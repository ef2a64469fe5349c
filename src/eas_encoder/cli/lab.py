"""``eas-encoder lab decoders``: score any SAME decoder on a battery of impaired signals.

The bench (:mod:`eas_encoder.lab.bench`) makes each condition's file once and runs every
decoder on it; this module parses the decoder specifications, prints the table as it goes,
and writes the JSON and the HTML report.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from datetime import UTC, datetime

from ..errors import EasError
from ..fileio import write_output
from ..lab.bench import conditions, run_bench
from ..lab.decoders import BUILTIN, OURS, Decoder, available_builtins, parse_decoder

__all__ = ["register", "run", "render_html", "format_table"]

EXAMPLES = """\
examples:
  eas-encoder lab decoders --quick                      # every installed built-in decoder
  eas-encoder lab decoders --decoder multimon-ng --decoder mine='./mydec --in {wav}'
  eas-encoder lab decoders --decoder vendor/burst='vendor-rx -r {rate} {raw}' --json out.json
  eas-encoder lab decoders --quick --report lab.html

A decoder is NAME='COMMAND' with {wav} (16-bit mono WAV), {raw} (raw s16le at {rate} Hz) or
{stdin} (raw s16le on standard input) where the samples go; NAME/burst=... marks a decoder
that prints every burst (scored by 2-of-3 agreement, 47 CFR 11.33(a)(10)). Built in:
""" + ", ".join(BUILTIN) + """ (used when installed). eas-encoder's own receiver always runs.
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``lab`` subcommand with its ``decoders`` action."""
    p = sub.add_parser("lab", help="test other decoders on impaired signals",
                       description="Conformance lab: score decoders on a battery of signals.")
    lab_sub = p.add_subparsers(dest="lab_command", metavar="ACTION")
    lab_sub.required = True
    d = lab_sub.add_parser(
        "decoders", help="score decoder commands on the battery",
        description="Generate random valid headers of 1-31 locations under each condition "
                    "(Eb/N0 sweep, bit-rate error, carrier offset, broadcast chain, lost "
                    "bursts, ENDEC profiles, 8th bit, a repeat 60 s later, no-alert audio) "
                    "and score each decoder by the exact headers it prints and the false ones.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--decoder", action="append", default=[], metavar="NAME[='COMMAND']",
                   help="a decoder to test (repeatable); default: every installed built-in")
    d.add_argument("--quick", action="store_true",
                   help="fewer points and 5 minutes of each no-alert audio (minutes, not hours)")
    d.add_argument("--trials", type=int, default=None, metavar="N",
                   help="alerts per condition (default 5 with --quick, else 20)")
    d.add_argument("--seed", type=int, default=1, help="signal seed (same seed, same samples)")
    d.add_argument("--json", metavar="FILE", help="write every score as JSON")
    d.add_argument("--report", metavar="HTML", help="write a self-contained HTML report")
    d.set_defaults(func=run)


def _cell(score: dict) -> str:
    if score["error"]:
        return "error"
    if score["success"] is None:
        return f"{score['false']} false ({score['false_per_hour']:g}/h)"
    out = f"{100 * score['success']:.0f} %"
    return out + (f" +{score['false']} false" if score["false"] else "")


def format_table(result: dict) -> str:
    """The scores as a Markdown table (condition rows, decoder columns)."""
    names = result["decoders"]
    lines = ["| condition | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for row in result["rows"]:
        lines.append(f"| {row['group']}: {row['name']} | "
                     + " | ".join(_cell(row[n]) for n in names) + " |")
    return "\n".join(lines)


def _curve_svg(rows: list[dict], names: list[str], group: str) -> str:
    pts = [r for r in rows if r["group"] == group and r["x"] is not None]
    if len(pts) < 2:
        return ""
    w, h, pad = 520, 220, 40
    xs = [r["x"] for r in pts]
    x0, x1 = min(xs), max(xs)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
           f'role="img" aria-label="{html.escape(group)}">',
           f'<rect x="{pad}" y="10" width="{w - 2 * pad}" height="{h - 50}" fill="#f6f8fa"/>']

    def sx(v: float) -> float:
        return pad + (v - x0) / (x1 - x0 or 1) * (w - 2 * pad)

    def sy(v: float) -> float:
        return 10 + (1 - v) * (h - 50)

    for v in xs:
        out.append(f'<text x="{sx(v):.1f}" y="{h - 25}" font-size="10" '
                   f'text-anchor="middle">{v:g}</text>')
    for frac in (0, 0.5, 1):
        out.append(f'<text x="{pad - 4}" y="{sy(frac) + 3:.1f}" font-size="10" '
                   f'text-anchor="end">{100 * frac:.0f}%</text>')
    for i, name in enumerate(names):
        c = colours[i % len(colours)]
        line = " ".join(f"{sx(r['x']):.1f},{sy(r[name]['success'] or 0):.1f}" for r in pts)
        out.append(f'<polyline points="{line}" fill="none" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{pad + 5 + 110 * i}" y="{h - 8}" font-size="11" '
                   f'fill="{c}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_html(result: dict, made: datetime | None = None) -> str:
    """The bench result as one self-contained HTML page: curves, a table per condition
    group, and the version of every tool used.
    """
    names = result["decoders"]
    esc = html.escape
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         "<title>SAME decoder test bench</title><style>body{font-family:sans-serif;"
         "margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}"
         "td,th{border:1px solid #ccc;padding:3px 8px}td{text-align:right}"
         "td:first-child{text-align:left}</style></head><body>",
         "<h1>SAME decoder test bench</h1>",
         f"<p>{result['trials']} alerts per condition (random valid headers of 1-31 "
         f"locations), seed {result['seed']}{', quick battery' if result['quick'] else ''}"
         ". A success is a header printed exactly as sent; a false header is one printed "
         "that was not sent.</p><h2>Tools</h2><ul>"]
    h += [f"<li>{esc(n)}: {esc(result['versions'].get(n, 'unknown'))}</li>" for n in names]
    h.append("</ul>")
    groups = list(dict.fromkeys(r["group"] for r in result["rows"]))
    for g in groups:
        h.append(f"<h2>{esc(g)}</h2>")
        h.append(_curve_svg(result["rows"], names, g))
        h.append("<table><tr><th>condition</th>" + "".join(f"<th>{esc(n)}</th>" for n in names)
                 + "</tr>")
        for r in (r for r in result["rows"] if r["group"] == g):
            h.append(f"<tr><td>{esc(r['name'])}</td>"
                     + "".join(f"<td>{esc(_cell(r[n]))}</td>" for n in names) + "</tr>")
        h.append("</table>")
    if made is not None:
        h.append(f"<p><small>made {made:%Y-%m-%d %H:%M %Z}</small></p>")
    h.append("</body></html>")
    return "\n".join(h)


def run(args: argparse.Namespace) -> int:
    """Run the battery and print the table; write JSON/HTML when asked."""
    decoders: list[Decoder] = [Decoder(OURS, ())]
    chosen = [parse_decoder(s) for s in args.decoder] if args.decoder else available_builtins()
    for d in chosen:
        if not d.installed():
            raise EasError(f"{d.program} is not installed", field="decoder", value=d.name)
        if d.name == OURS or d.name in {x.name for x in decoders}:
            raise EasError("two decoders have this name", field="decoder", value=d.name)
        decoders.append(d)
    trials = args.trials if args.trials is not None else (5 if args.quick else 20)
    if not 1 <= trials <= 1000:
        raise EasError("must be 1 to 1000", field="trials", value=trials)
    total = len(conditions(quick=args.quick))
    progress = run_bench(decoders, trials=trials, seed=args.seed, quick=args.quick)
    doc: dict = {}
    for n, (row, so_far) in enumerate(progress, start=1):
        print(f"[{n}/{total}] {row['group']}: {row['name']}: "
              + ", ".join(f"{d.name} {_cell(row[d.name])}" for d in decoders),
              file=sys.stderr, flush=True)
        doc = so_far.to_dict()
    print(format_table(doc))
    for d in decoders:
        print(f"{d.name}: {doc['versions'][d.name]}")
    if args.json:
        write_output(args.json, (json.dumps(doc, indent=2) + "\n").encode(), field="json")
    if args.report:
        write_output(args.report, render_html(doc, datetime.now(UTC)).encode(),
                     field="report")
    return 0
