"""The report a test lab hands over: one self-contained HTML file.

Order follows what a client reads first: the verdict and the failing rules, the ENDEC
fingerprint, the timeline (inline SVG, drawn here, failing parts in red), the spectrogram
and the bit timing of every burst (PNG pictures embedded as ``data:`` URIs when matplotlib is
installed), then every rule with its clause, and the tool's version. Nothing is loaded from
elsewhere: no scripts, fonts, style sheets or images outside the file, so it opens offline
and can be archived as it is.
"""

from __future__ import annotations

import base64
import html
import io
import os
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from ..errors import ConformanceError
from ..fileio import write_output
from ..findings import FAIL, PASS, WARN, counts
from .measure import Burst
from .report import Report

__all__ = ["render_html_report", "write_html_report"]

_COLOURS = {"header": "#1f77b4", "eom": "#9467bd", "attention": "#ff7f0e", "burst": "#d62728",
            "audio": "#999999"}
_VERDICT_COLOURS = {PASS: "#1a7f37", WARN: "#9a6700", FAIL: "#cf222e"}
MAX_TIMING_PLOTS = 24
"""Bit-timing pictures drawn at most (the first bursts); the table covers every burst."""


def _tool_version() -> str:
    try:
        return version("eas-encoder")
    except PackageNotFoundError:
        return "unknown"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _timeline_svg(report: Report, width: int = 1000, height: int = 90) -> str:
    """Parts as coloured boxes on a time axis; failing parts outlined red, warnings amber,
    pauses between neighbouring parts labelled only where the label fits.
    """
    dur = max(report.duration, 1e-3)
    sx = width / dur
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20}" '
           f'width="100%" role="img" aria-label="timeline">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f8fa"/>']
    events = [e for e in report.events if e.kind != "audio" or e.end - e.start > 0.5]
    for e in events:
        x, w = e.start * sx, max((e.end - e.start) * sx, 1.0)
        strokes: dict[str, str] = {FAIL: "#cf222e", WARN: "#d4a72c"}
        stroke = strokes.get(e.verdict, "none")
        out.append(f'<rect x="{x:.2f}" y="20" width="{w:.2f}" height="50" '
                   f'fill="{_COLOURS.get(e.kind, "#999")}" fill-opacity="0.55" '
                   f'stroke="{stroke}" stroke-width="{3 if stroke != "none" else 0}">'
                   f'<title>{_esc(e.kind)} {e.start:.3f}-{e.end:.3f} s {_esc(e.label)} '
                   f'{_esc(e.verdict)}</title></rect>')
    parts = [e for e in events if e.kind != "audio"]
    last_label_end = -1.0
    for a, b in zip(parts, parts[1:], strict=False):
        gap = b.start - a.end
        mid = (a.end + b.start) / 2 * sx
        if gap <= 0 or gap * sx < 34 or mid - 17 < last_label_end:
            continue  # no room: the table has every pause
        out.append(f'<text x="{mid:.1f}" y="{height - 5}" font-size="10" '
                   f'text-anchor="middle">{gap:.3f} s</text>')
        last_label_end = mid + 17
    step = _tick_step(dur)
    t = 0.0
    while t <= dur + 1e-9:
        out.append(f'<text x="{t * sx:.1f}" y="{height + 14}" font-size="10" '
                   f'text-anchor="middle">{t:g} s</text>')
        t += step
    out.append("</svg>")
    return "\n".join(out)


def _tick_step(duration: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600):
        if duration / step <= 12:
            return step
    return 7200.0


def _png(fig) -> str:  # noqa: ANN001 - a matplotlib Figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pictures(report: Report, checker) -> tuple[str | None, list[tuple[str, str]], str]:  # noqa: ANN001
    """(spectrogram data URI, [(burst caption, bit-timing data URI)], note)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None, [], ("pictures left out: matplotlib is not installed "
                          "(pip install 'eas-encoder[plot]')")

    spectrogram = None
    overview = getattr(checker, "overview", None)
    if overview is not None:
        from .plot import draw_spectrogram

        fig = Figure(figsize=(12, 3.2), dpi=90)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        draw_spectrogram(ax, overview)
        for e in report.events:
            if e.verdict == FAIL:
                ax.axvspan(e.start, e.end, fill=False, edgecolor="red", linewidth=1.5)
                ax.text(e.start, overview.top_hz * 0.97, "FAIL", color="red", fontsize=7,
                        va="top")
        ax.set_xlim(0, max(report.duration, 1e-3))
        ax.set_xlabel("time (s)")
        ax.set_ylabel("Hz")
        fig.tight_layout()
        spectrogram = _png(fig)
    timing = []
    bursts = [p for p in getattr(checker, "parts", []) if isinstance(p, Burst)]
    for n, b in enumerate(bursts[:MAX_TIMING_PLOTS], start=1):
        if not len(b.edge_times):
            continue
        fig = Figure(figsize=(6, 1.8), dpi=80)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.plot((b.edge_times - b.edge_times[0]) * 1000, b.edge_residuals_us, ".",
                markersize=2)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_xlabel("ms into burst")
        ax.set_ylabel("edge error (us)")
        fig.tight_layout()
        caption = (f"burst {n} at {b.start:.3f} s ({b.kind}): {b.bit_rate:.3f} bit/s "
                   f"({b.ppm:+.0f} ppm), jitter {b.jitter_us:.1f} us RMS over {b.edges} "
                   "edges")
        timing.append((caption, _png(fig)))
    return spectrogram, timing, ""


def render_html_report(report: Report, checker=None, *,  # noqa: ANN001
                       made: datetime | None = None) -> str:
    """The report as one HTML document (a ``str``) with no external references.

    Args:
        report: the checker's :class:`Report`.
        checker: the :class:`~.checker.Checker` that made it, for the spectrogram (its
            overview) and the bursts' bit timing; ``None`` leaves those pictures out.
        made: when the report was made, printed at its foot (the caller's clock; the
            library reads none); ``None`` prints no time.
    """
    v = report.verdict
    tally = counts(report.findings)
    failing: dict[str, list] = {}
    for f in report.findings:
        if f.verdict == FAIL:
            failing.setdefault(f.rule_id, []).append(f)
    spectrogram: str | None = None
    timing: list[tuple[str, str]] = []
    picture_note = "pictures left out: no checker given"
    if checker is not None:
        spectrogram, timing, picture_note = _pictures(report, checker)
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         f"<title>EAS conformance report: {_esc(report.source or 'samples')}</title>",
         "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
         "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
         "padding:3px 6px;text-align:left;vertical-align:top}.pass{color:#1a7f37}"
         ".warn{color:#9a6700}.fail{color:#cf222e;font-weight:bold}"
         ".verdict{font-size:2em;font-weight:bold}img{max-width:100%}</style></head><body>",
         "<h1>EAS/SAME conformance report</h1>",
         f"<p>{_esc(report.source or 'samples')}: {report.duration:.2f} s at {report.fs} Hz"
         "</p>",
         f'<p class="verdict" style="color:{_VERDICT_COLOURS[v]}">{v.upper()}</p>',
         f"<p>{tally[PASS]} pass, {tally[WARN]} warn, {tally[FAIL]} fail</p>"]
    if failing:
        h.append("<h2>Failing rules</h2><table><tr><th>rule</th><th>clause</th>"
                 "<th>expected</th><th>parts</th><th>first measured</th></tr>")
        for rule_id, fs in failing.items():
            f = fs[0]
            h.append(f'<tr><td class="fail">{_esc(rule_id)}</td><td>{_esc(f.spec)}</td>'
                     f"<td>{_esc(f.expected)}</td><td>{len(fs)}: "
                     f"{_esc(', '.join(x.path for x in fs[:6]))}"
                     f"{' ...' if len(fs) > 6 else ''}</td><td>{_esc(f.measured)}</td></tr>")
        h.append("</table>")
    if report.fingerprint is not None:
        fp = report.fingerprint
        h.append("<h2>Equipment fingerprint</h2>")
        match = f"{fp.profile} - {fp.title}" if fp.profile else "no known ENDEC profile matches"
        h.append(f"<p><b>{_esc(match)}</b></p><ul>")
        h += [f"<li>{_esc(e)}</li>" for e in fp.evidence]
        h.append("</ul>")
    for note in report.notes:
        h.append(f"<p>note: {_esc(note)}</p>")
    h.append("<h2>Timeline</h2>")
    h.append(_timeline_svg(report))
    h.append("<table><tr><th>start s</th><th>end s</th><th>part</th><th>verdict</th>"
             "<th>what</th></tr>")
    for e in report.events:
        h.append(f"<tr><td>{e.start:.3f}</td><td>{e.end:.3f}</td><td>{_esc(e.kind)}</td>"
                 f'<td class="{_esc(e.verdict)}">{_esc(e.verdict.upper())}</td>'
                 f"<td>{_esc(e.label)}</td></tr>")
    h.append("</table>")
    if spectrogram:
        h.append("<h2>Spectrogram</h2>")
        h.append(f'<img alt="spectrogram with failing parts outlined" src="{spectrogram}">')
    if timing:
        h.append("<h2>Bit timing per burst</h2><p>Each dot is one bit edge's deviation from "
                 "the burst's fitted bit grid; a slope is a bit-rate error, scatter is "
                 "jitter.</p>")
        for caption, uri in timing:
            h.append(f'<figure><img alt="{_esc(caption)}" src="{uri}">'
                     f"<figcaption>{_esc(caption)}</figcaption></figure>")
    if picture_note:
        h.append(f"<p><i>{_esc(picture_note)}</i></p>")
    h.append("<h2>Every rule</h2><table><tr><th>verdict</th><th>rule</th><th>part</th>"
             "<th>measured</th><th>expected</th><th>clause</th></tr>")
    for f in report.findings:
        measured = f.measured + (f" ({f.message})" if f.message else "")
        h.append(f'<tr><td class="{f.verdict}">{f.verdict.upper()}</td>'
                 f"<td>{_esc(f.rule_id)}</td><td>{_esc(f.path)}</td><td>{_esc(measured)}</td>"
                 f"<td>{_esc(f.expected)}</td><td>{_esc(f.spec)}</td></tr>")
    h.append("</table>")
    when = f", report made {made:%Y-%m-%d %H:%M %Z}" if made is not None else ""
    h.append(f"<p><small>eas-encoder {_esc(_tool_version())}{when}</small></p>")
    h.append("</body></html>")
    return "\n".join(h)


def write_html_report(report: Report, checker, path: str | os.PathLike, *,  # noqa: ANN001
                      made: datetime | None = None) -> None:
    """Write :func:`render_html_report` to ``path`` atomically, UTF-8.

    Raises:
        ConformanceError: field ``report``, the file cannot be written (named, with the
            reason).
    """
    write_output(path, render_html_report(report, checker, made=made).encode("utf-8"),
                 field="report", error=ConformanceError)
