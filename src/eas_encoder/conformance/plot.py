"""Timeline picture: waveform and spectrogram with bursts, tones and gaps labelled.

matplotlib is an optional extra (``pip install eas-encoder[plot]``); it is imported only here
and only when a picture is asked for. The figure is drawn with the object-oriented API on an
Agg canvas, so no global pyplot state or display backend is touched.
"""

from __future__ import annotations

import os
import re

import numpy as np

from ..errors import ConformanceError
from ..fileio import open_output
from ..findings import FAIL, WARN
from .report import Report
from .scan import Overview

__all__ = ["plot_timeline", "timeline_title", "draw_spectrogram"]

_COLOURS = {"header": "tab:blue", "eom": "tab:purple", "attention": "tab:orange",
            "burst": "tab:red", "audio": "tab:gray"}
_EDGE: dict[str, str] = {FAIL: "red", WARN: "goldenrod"}


def draw_spectrogram(ax, overview: Overview) -> None:  # noqa: ANN001 - a matplotlib Axes
    """The overview's spectrogram on ``ax``: dB, 70 dB below its 99.5th percentile to it,
    time in seconds along x, Hz to the overview's top along y (nothing for an empty stream).
    """
    lo, _, spec, col_s = overview.arrays()
    if not len(lo):
        return
    db = 10 * np.log10(np.maximum(spec.T, 1e-14))
    top = np.percentile(db, 99.5) if db.size else 0
    ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=top - 70, vmax=top,
              extent=(0, len(lo) * col_s, 0, overview.top_hz), interpolation="nearest")


def timeline_title(report: Report, *, verdicts: bool = True) -> str:
    """The timeline picture's title: source, rate, length, and (``verdicts``) the overall
    verdict with the failing rule ids on a second line.
    """
    title = f"{report.source or 'samples'}: {report.fs} Hz, {report.duration:.2f} s"
    if not verdicts:
        return title
    title += f" - {report.verdict.upper()}"
    failing = sorted({f.rule_id for f in report.failures})
    if failing:
        title += "\nfails: " + ", ".join(failing)
    return title


def plot_timeline(report: Report, overview: Overview, path: str | os.PathLike, *,
                  verdicts: bool = True) -> None:
    """Write a PNG (or any format matplotlib knows from the extension) of the recording.

    Top: waveform envelope (min/max per column, full scale +/-1). Bottom: spectrogram to
    min(5 kHz, Nyquist), dB. Each burst and tone is shaded by kind and outlined in red when a
    finding on it fails (amber when it only warns); each pause between parts carries its
    measured length in seconds; failing rule ids are listed under the title.

    Args:
        report: the :class:`Report` of the same stream.
        overview: the :class:`~.scan.Overview` the checker kept (``check_file(...,
            overview=True)``).
        path: output file.
        verdicts: mark what fails (red/amber outlines, rule ids, the verdict in the title);
            False draws the parts only, for audio that is not a whole transmission (a
            station's recording of a message starts after the header bursts, so every
            structure rule would fail on it).

    Raises:
        ConformanceError: field ``plot`` when matplotlib is not installed or the file cannot
            be written.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ConformanceError("needs matplotlib (pip install 'eas-encoder[plot]')",
                               field="plot", value=str(path)) from None
    lo, hi, spec, col_s = overview.arrays()
    t = np.arange(len(lo)) * col_s
    fig = Figure(figsize=(14, 6.5), dpi=100)
    FigureCanvasAgg(fig)
    ax_w, ax_s = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1.4]})
    if len(lo):
        ax_w.fill_between(t, lo, hi, step="post", color="black", linewidth=0.4)
    draw_spectrogram(ax_s, overview)
    ax_w.set_ylim(-1.05, 1.05)
    ax_w.set_ylabel("amplitude (FS)")
    ax_s.set_ylabel("Hz")
    ax_s.set_xlabel("time (s)")
    ax_s.set_xlim(0, max(report.duration, 1e-3))
    for f in (853.0, 960.0, 1562.5, 2083.3):
        if f < overview.top_hz:
            ax_s.axhline(f, color="white", linewidth=0.3, linestyle=":")
    visible = [e for e in report.events if e.kind != "audio" or e.end - e.start > 0.5]
    for e in visible:
        colour = _COLOURS.get(e.kind, "tab:gray")
        ax_w.axvspan(e.start, e.end, color=colour, alpha=0.25, linewidth=0)
        ax_s.axvline(e.start, color=colour, linewidth=0.8)
        ax_s.axvline(e.end, color=colour, linewidth=0.8)
        if verdicts and e.verdict in _EDGE:
            for ax in (ax_w, ax_s):
                ax.axvspan(e.start, e.end, fill=False, edgecolor=_EDGE[e.verdict],
                           linewidth=1.5)
        name = {"header": "ZCZC", "eom": "NNNN", "attention": e.label.split(" Hz")[0] + " Hz",
                "burst": "AFSK?", "audio": "audio"}.get(e.kind, e.kind)
        if e.kind == "header" and e.end - e.start > 0.3 * report.duration:
            name = e.label  # one burst fills the picture: say what it carries
        ax_w.text((e.start + e.end) / 2, 0.92, name, ha="center", va="top", fontsize=7,
                  rotation=90 if e.end - e.start < 0.05 * report.duration else 0)
    bursts_and_tones = [e for e in visible if e.kind != "audio"]
    # A label needs about 7 % of the width; pauses too narrow for one are left unlabelled
    # (the report's table has every pause), and neighbours alternate height so long files
    # with several alerts do not print labels over each other.
    min_label = 0.07 * max(report.duration, 1e-3)
    last_end, row = -1.0, 0
    for a, b in zip(bursts_and_tones, bursts_and_tones[1:], strict=False):
        gap = b.start - a.end
        if gap <= 0:
            continue
        ax_w.annotate("", xy=(b.start, -0.9), xytext=(a.end, -0.9),
                      arrowprops={"arrowstyle": "<->", "linewidth": 0.6})
        mid = (a.end + b.start) / 2
        if gap < min_label / 2 or mid - min_label / 2 < last_end and row == 1:
            continue
        row = 1 - row if mid - min_label / 2 < last_end else 0
        ax_w.text(mid, -0.85 + 0.2 * row, f"{gap:.3f} s", ha="center", va="bottom",
                  fontsize=7)
        last_end = mid + min_label / 2
    # Where it fails: each failing part gets its rule ids in red above it.
    for e in visible if verdicts else ():
        if e.verdict != FAIL or not e.path:
            continue
        rules = sorted({f.rule_id.split(".", 1)[-1] for f in report.failures
                        if f.path.startswith(e.path)})
        ax_s.text((e.start + e.end) / 2, overview.top_hz * 0.98, "\n".join(rules[:3]),
                  color="red", fontsize=6, ha="center", va="top", rotation=0)
    # Failing pauses (paths "message[k].gap@<start>s"): the pause itself is shaded red.
    starts = sorted(e.start for e in bursts_and_tones)
    marked: set[float] = set()
    for failure in report.failures if verdicts else ():
        m = re.search(r"\.gap@([0-9.]+)s$", failure.path)
        if m is None or float(m.group(1)) in marked:
            continue
        pause_start = float(m.group(1))
        marked.add(pause_start)
        pause_end = next((t for t in starts if t > pause_start + 1e-6), pause_start)
        for ax in (ax_w, ax_s):
            ax.axvspan(pause_start, pause_end, color="red", alpha=0.25, linewidth=0)
        ax_s.text((pause_start + pause_end) / 2, overview.top_hz * 0.02,
                  failure.rule_id.split(".", 1)[-1],
                  color="red", fontsize=6, ha="center", va="bottom", rotation=90)
    fig.suptitle(timeline_title(report, verdicts=verdicts), fontsize=10)
    fig.tight_layout()
    # matplotlib names the format from a path's extension; through a file object it must be
    # told, and an unknown one is refused before anything is written.
    suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    if suffix not in fig.canvas.get_supported_filetypes():
        raise ConformanceError(f"has an extension matplotlib does not write (.{suffix})",
                               field="plot", value=str(path))
    try:
        with open_output(path, field="plot", error=ConformanceError) as fh:
            fig.savefig(fh, format=suffix)
    except ValueError as exc:  # matplotlib refusing the figure itself
        raise ConformanceError(f"cannot be drawn ({exc})", field="plot",
                               value=str(path)) from None
