"""``check(samples, fs) -> Report``: measure a recording against 47 CFR 11.31/11.32.

The scanner (:mod:`.scan`) cuts the stream into runs as it reads; each AFSK or tone run is
measured at once (:mod:`.measure`) and only the measurements are kept. When the stream ends
the parts are grouped into messages (a new message starts at a header that follows an EOM)
and every rule of :data:`~.rules.RULES` is applied to each part and each message.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import numpy as np

from ..errors import ConformanceError, HeaderError
from ..findings import FAIL, PASS, WARN, Finding, worst
from ..pcm import RateRole, check_rate, clean_mono
from ..same.header import Header
from ..same.waveform import (
    ATTENTION_EAS_HZ,
    ATTENTION_NWR_HZ,
    MARK_HZ,
    SPACE_HZ,
)
from .fingerprint import fingerprint
from .measure import Burst, Tone, measure_burst, measure_tone
from .report import Event, Report, finding
from .rules import ALLOWED_CHARACTERS
from .scan import AFSK, OTHER, TONE, Overview, Run, Scanner

__all__ = ["check", "check_file", "Checker", "MAX_PARTS", "AUDIO_MIN_SECONDS"]

MAX_PARTS = 2000
"""Bursts and tones measured per stream; later ones are counted in a note, not measured."""
AUDIO_MIN_SECONDS = 0.3
"""Shorter runs of other sound (clicks, splatter) are not shown as message audio."""
_BLOCK = 1 << 16
_PLACEHOLDER = {  # a valid value per field, to find the faults after the first one
    "originator": "EAS", "event": "DMO", "locations": "999000", "location": "999000",
    "valid_time": "0015", "issued": "0010000", "station": "EASENCDR",
}


@dataclass
class _Message:
    parts: list[Burst | Tone | Run] = field(default_factory=list)

    def of(self, kind: str) -> list:
        return [p for p in self.parts if _kind(p) == kind]


def _kind(part: Burst | Tone | Run) -> str:
    if isinstance(part, Burst):
        return part.kind if part.kind != "unknown" else "burst"
    if isinstance(part, Tone):
        return "attention"
    return "audio"


def _span(part: Burst | Tone | Run, fs: int) -> tuple[float, float]:
    if isinstance(part, Run):
        return part.start / fs, part.end / fs
    return part.start, part.end


class Checker:
    """Streaming checker: ``feed`` blocks of samples, then ``report()``.

    Args:
        fs: sample rate, Hz (8000 to 384000: :func:`eas_encoder.pcm.check_rate`, checking).
        overview: keep a fixed-size overview for :func:`~.plot.plot_timeline`.

    Raises:
        SampleRateError: field ``rate`` (a :class:`ConformanceError`) outside that range.
    """

    def __init__(self, fs: int, *, overview: bool = False) -> None:
        self.fs = check_rate(fs, RateRole.CHECKING)
        self.overview = Overview(self.fs) if overview else None
        self.parts: list[Burst | Tone | Run] = []
        self.notes: list[str] = []
        self._skipped = 0
        self._scanner = Scanner(self.fs, self._on_run, self.overview)

    def feed(self, block: np.ndarray) -> None:
        """Consume ``float[n]`` mono samples in [-1, 1] (any block size)."""
        self._scanner.feed(block)

    def _on_run(self, run: Run) -> None:
        if run.label not in (AFSK, TONE):
            if run.label == OTHER and (run.end - run.start) / self.fs >= AUDIO_MIN_SECONDS:
                self.parts.append(Run(run.label, run.start, run.end, run.offset,
                                      np.zeros(0, np.float32), False, run.rms_dbfs))
            return
        if len(self.parts) >= MAX_PARTS:
            self._skipped += 1
            return
        part: Burst | Tone | Run | None
        if run.label == AFSK:
            part = measure_burst(run.samples, self.fs, run.offset, truncated=run.truncated)
        else:
            part = measure_tone(run.samples, self.fs, run.offset, truncated=run.truncated,
                                labelled_end=run.end / self.fs)
            if part is not None and not any(part.tones):
                # Steady, but nowhere near 853, 960 or 1050 Hz: a held vowel or a note in
                # the message, not a (mistuned) attention signal.
                part = None
        if part is None:
            # Not SAME-like after all (voice with energy in the AFSK band): ordinary audio.
            part = Run(OTHER, run.start, run.end, run.offset, np.zeros(0, np.float32),
                       False, run.rms_dbfs)
            if (run.end - run.start) / self.fs < AUDIO_MIN_SECONDS:
                return
        self.parts.append(part)

    def report(self, source: str = "") -> Report:
        """Finish the stream and apply every rule; returns the :class:`Report`."""
        self._scanner.finish()
        fs = self.fs
        rep = Report(fs=fs, duration=self._scanner.samples_seen / fs, source=source,
                     notes=list(self.notes))
        if self._skipped:
            rep.notes.append(f"{self._skipped} runs after the first {MAX_PARTS} were not "
                             "measured")
        bursts = [p for p in self.parts if isinstance(p, Burst)]
        rep.fingerprint = fingerprint(bursts, fs)
        decoded = [b for b in bursts if b.kind != "unknown"]
        rep.findings.append(finding(
            "FILE.SAME_PRESENT", "file",
            f"{len(decoded)} decoded of {len(bursts)} AFSK bursts", value=len(decoded),
            message="" if bursts else "no AFSK at 1562.5/2083.3 Hz found"))
        paths: dict[int, str] = {}
        for m_no, msg in enumerate(_messages(self.parts), start=1):
            rep.findings.extend(_message_findings(msg, f"message[{m_no}]", fs, paths))
        for p in self.parts:
            path = paths.get(id(p), "")
            own = [f for f in rep.findings if path and f.path.startswith(path)]
            verdict = worst(own).value if own else ""
            rep.events.append(Event(_kind(p), *_span(p, fs), _label(p), path, verdict))
        return rep


def _messages(parts: list) -> list[_Message]:
    """Group parts into messages: a header (or undecodable burst) after an EOM starts a new
    one; audio before the first burst or tone is left out.
    """
    out: list[_Message] = []
    cur: _Message | None = None
    for p in parts:
        k = _kind(p)
        if cur is None:
            if k == "audio":
                continue
            cur = _Message()
            out.append(cur)
        elif k in ("header", "burst", "attention") and cur.of("eom"):
            cur = _Message()
            out.append(cur)
        cur.parts.append(p)
    for m in out:  # audio after the last EOM belongs to no message
        while m.parts and _kind(m.parts[-1]) == "audio":
            m.parts.pop()
    return out


def _label(p: Burst | Tone | Run) -> str:
    if isinstance(p, Burst):
        if p.kind == "unknown":
            return "undecoded AFSK" + (f" {p.text[:24]!r}" if p.text else "")
        return p.text if p.kind == "header" else p.text or "NNNN"
    if isinstance(p, Tone):
        freqs = "+".join(f"{f:.1f}" for f in sorted(p.tones.values()))
        return f"{p.kind} {freqs} Hz {p.duration:.2f} s"
    return f"{p.rms_dbfs:.0f} dBFS"


def _message_findings(msg: _Message, path: str, fs: int, paths: dict[int, str]
                      ) -> list[Finding]:
    out: list[Finding] = []
    headers, eoms, tones = msg.of("header"), msg.of("eom"), msg.of("attention")
    n_h = n_e = 0
    first_header: Header | None = None
    for p in msg.parts:
        k = _kind(p)
        if isinstance(p, Tone):
            paths[id(p)] = f"{path}.attention@{p.start:.3f}s"
            out += _tone_findings(p, paths[id(p)], first_header)
        elif not isinstance(p, Burst):
            continue
        elif k == "header":
            n_h += 1
            paths[id(p)] = f"{path}.header[{n_h}]"
            out += _burst_findings(p, paths[id(p)])
            h = _header_findings(p, paths[id(p)], out)
            first_header = first_header or h
        elif k == "eom":
            n_e += 1
            paths[id(p)] = f"{path}.eom[{n_e}]"
            out += _burst_findings(p, paths[id(p)])
            after = p.after.strip(b"\x00\xff")  # idle padding is JUNK_AFTER's (a warning)
            out.append(finding("EOM.TEXT", f"{path}.eom[{n_e}]",
                               repr(p.text + after.decode("latin-1")),
                               verdict=FAIL if after else PASS))
        elif k == "burst":
            paths[id(p)] = f"{path}.burst@{p.start:.3f}s"
            out += _burst_findings(p, paths[id(p)])
    # -- counts, identity -----------------------------------------------------------------
    out.append(finding("MESSAGE.HEADER_COUNT", path, f"{len(headers)}", value=len(headers)))
    if len(headers) >= 2:
        ref = headers[0].payload + headers[0].after
        diff = [i for i, h in enumerate(headers[1:], start=2) if h.payload + h.after != ref]
        if diff:
            i = diff[0]
            other = headers[i - 1].payload + headers[i - 1].after
            at = next((j for j in range(min(len(ref), len(other))) if ref[j] != other[j]),
                      min(len(ref), len(other)))
            measured = (f"header {i} differs from header 1 at character {at + 1}: "
                        f"{_show(other[at:at + 12])} vs {_show(ref[at:at + 12])}")
            out.append(finding("MESSAGE.HEADERS_IDENTICAL", path, measured, verdict=FAIL))
        else:
            out.append(finding("MESSAGE.HEADERS_IDENTICAL", path,
                               f"{len(headers)} identical", verdict=PASS))
    out.append(finding("MESSAGE.EOM_COUNT", path, f"{len(eoms)}", value=len(eoms),
                       message="" if eoms else "no End Of Message"))
    # -- timing between parts ---------------------------------------------------------------
    for a, b in zip(msg.parts, msg.parts[1:], strict=False):
        ka, kb = _kind(a), _kind(b)
        gap = _span(b, fs)[0] - _span(a, fs)[1]
        where = f"{path}.gap@{_span(a, fs)[1]:.3f}s"
        text = f"{gap:.3f} s ({ka} -> {kb})"
        if ka == kb and ka in ("header", "eom"):
            out.append(finding("MESSAGE.GAP", where, text, value=gap))
        elif (ka == "header" and kb != "header") or (kb == "eom" and ka != "eom"):
            out.append(finding("MESSAGE.PAUSE", where, text, value=gap))
    # -- order --------------------------------------------------------------------------------
    seq = [_kind(p) for p in msg.parts if _kind(p) in ("header", "attention", "eom")]
    rank = {"header": 0, "attention": 1, "eom": 2}
    ordered = all(rank[x] <= rank[y] for x, y in zip(seq, seq[1:], strict=False))
    out.append(finding("MESSAGE.ORDER", path,
                       " ".join({"header": "H", "attention": "A", "eom": "E"}[k] for k in seq)
                       or "-", verdict=PASS if ordered and len(tones) <= 1 else FAIL,
                       message="" if ordered else "parts out of order"))
    # -- attention present ----------------------------------------------------------------
    if not tones:
        rwt = first_header is not None and first_header.event == "RWT"
        out.append(finding("ATTENTION.PRESENT", path,
                           "none (RWT)" if rwt else "none",
                           verdict=PASS if rwt else WARN))
    else:
        out.append(finding("ATTENTION.PRESENT", path, f"{len(tones)}", verdict=PASS))
    return out


def _show(b: bytes) -> str:
    return repr(b.decode("latin-1"))


def _burst_findings(b: Burst, path: str) -> list[Finding]:
    out = [
        finding("BURST.BIT_RATE", path, f"{b.bit_rate:.3f} bit/s ({b.ppm:+.0f} ppm)",
                value=b.ppm, message=f"fit over {b.edges} bit edges"),
        finding("BURST.JITTER", path, f"{b.jitter_us:.1f} us RMS", value=b.jitter_us),
        finding("BURST.MARK_FREQ", path, _hz(b.mark_hz, MARK_HZ),
                value=_ppm(b.mark_hz, MARK_HZ)),
        finding("BURST.SPACE_FREQ", path, _hz(b.space_hz, SPACE_HZ),
                value=_ppm(b.space_hz, SPACE_HZ)),
    ]
    if b.framing is not None:
        out.append(finding("BURST.FRAMING", path, b.framing, verdict=FAIL,
                           message=f"reads {b.text[:20]!r}... only as serial data"))
    elif b.kind != "unknown":
        out.append(finding("BURST.FRAMING", path, "8 bits per character", verdict=PASS))
    if b.kind == "unknown":
        out.append(finding("BURST.SYNC", path, f"no ZCZC/NNNN in {len(b.bits)} bits",
                           verdict=FAIL, message=f"reads {b.text[:24]!r}" if b.text else ""))
        out += _stats_findings(b.stats, path)
        return out
    out.append(finding("BURST.SYNC", path, b.text[:4], verdict=PASS))
    out.append(finding("BURST.PREAMBLE", path, f"{b.preamble} x 0xAB", value=b.preamble))
    if b.framing is None:
        high = sum(c >= 0x80 for c in b.payload)
        out.append(finding("BURST.EIGHTH_BIT", path, f"{high} of {len(b.payload)} characters "
                           "with bit 8 = 1", value=high))
    bad = [c for c in b.text if c not in ALLOWED_CHARACTERS]
    out.append(finding("BURST.CHARSET", path,
                       f"{len(bad)} other" + (f": {''.join(sorted(set(bad)))!r}" if bad
                                              else ""), value=len(bad)))
    out.append(finding("BURST.JUNK_BEFORE", path, f"{b.junk_before_bits} bits",
                       value=b.junk_before_bits))
    if b.framing is None:
        tail = f"{b.junk_after_bits} bits"
        if b.after:
            tail += f" ({b.after[:8].hex(' ')}{'...' if len(b.after) > 8 else ''})"
        out.append(finding("BURST.JUNK_AFTER", path, tail, value=b.junk_after_bits))
    out += _stats_findings(b.stats, path)
    if b.truncated:
        out[-1] = replace(out[-1], message="run truncated; start measured")
    return out


def _hz(measured: float, nominal: float) -> str:
    if not np.isfinite(measured):
        return "not measurable (no run of two equal bits)"
    return f"{measured:.3f} Hz ({_ppm(measured, nominal):+.0f} ppm)"


def _ppm(measured: float, nominal: float) -> float:
    return (measured / nominal - 1) * 1e6 if np.isfinite(measured) else float("nan")


def _stats_findings(s, path: str) -> list[Finding]:
    oob_where = (f"worst at {s.out_of_band_hz:.0f} Hz; measured 20 Hz-{s.measured_to_hz:.0f} Hz"
                 if np.isfinite(s.out_of_band_hz) else
                 f"nothing measurable outside; measured 20 Hz-{s.measured_to_hz:.0f} Hz")
    oob = s.out_of_band_db
    return [
        finding("SIGNAL.LEVEL", path, f"peak {s.peak_dbfs:.2f} dBFS, RMS {s.rms_dbfs:.2f} dBFS",
                value=s.peak_dbfs),
        finding("SIGNAL.CLIPPING", path, f"{s.clipped} samples", value=s.clipped),
        finding("SIGNAL.DC_OFFSET", path, f"{s.dc_percent:+.3f} %FS", value=s.dc_percent),
        finding("SIGNAL.OUT_OF_BAND", path,
                f"{oob:.1f} dB down" if np.isfinite(oob) else "none measurable",
                value=oob if np.isfinite(oob) else 1e9, message=oob_where),
    ]


def _header_findings(b: Burst, path: str, out: list[Finding]) -> Header | None:
    """Append HEADER.* findings for a header burst; return the parsed header if valid."""
    text = b.text
    if not b.trailing_dash:
        out.append(finding("HEADER.TRAILING_DASH", path, f"ends {text[-10:]!r}",
                           verdict=FAIL))
        text += "-"
    else:
        out.append(finding("HEADER.TRAILING_DASH", path, "'-'", verdict=PASS))
    header: Header | None = None
    errors: list[HeaderError] = []
    for _ in range(len(_PLACEHOLDER) + 2):
        try:
            parsed = Header.parse(text)
        except HeaderError as exc:
            errors.append(exc)
            fixed = _substitute(text, exc.field)
            if fixed is None or fixed == text:
                break
            text = fixed
            continue
        header = parsed if not errors else None
        break
    if not errors:
        out.append(finding("HEADER.FIELD", path, "all fields valid", verdict=PASS))
    for error in errors:
        out.append(finding("HEADER.FIELD", f"{path}.{error.field or 'header'}",
                           f"{error.value!r}" if error.value is not None else "-",
                           verdict=FAIL, message=error.rule))
    return header


def _substitute(text: str, field_name: str | None) -> str | None:
    """``text`` with the named field replaced by a valid placeholder, or ``None`` when the
    text has no header shape to substitute in.
    """
    import re

    m = re.fullmatch(r"ZCZC-([^-+]*)-([^-+]*)-([^+]*)\+([^-]*)-([^-]*)-(.*)-", text)
    if m is None or field_name not in _PLACEHOLDER:
        return None
    parts = list(m.groups())
    slot = {"originator": 0, "event": 1, "locations": 2, "location": 2, "valid_time": 3,
            "issued": 4, "station": 5}[field_name]
    parts[slot] = _PLACEHOLDER[field_name]
    o, e, loc, t, i, s = parts
    return f"ZCZC-{o}-{e}-{loc}+{t}-{i}-{s}-"


def _tone_findings(t: Tone, path: str, header: Header | None) -> list[Finding]:
    out: list[Finding] = []
    found = ", ".join(f"{f:.2f} Hz" for f in sorted(t.tones.values())) or "no steady tone"
    if t.kind == "eas":
        out.append(finding("ATTENTION.KIND", path, f"EAS two-tone ({found})", verdict=PASS))
    elif t.kind == "nwr":
        wxr = header is not None and header.originator == "WXR"
        out.append(finding("ATTENTION.KIND", path, f"NWR 1050 Hz WAT ({found})",
                           verdict=PASS if wxr else WARN,
                           message="" if wxr else "1050 Hz is the NWR tone, EAS uses 853+960 Hz"))
    else:
        out.append(finding("ATTENTION.KIND", path, f"unrecognised ({found})", verdict=FAIL))
    for nominal, f in sorted(t.tones.items()):
        if nominal == 0.0:
            continue
        out.append(finding("ATTENTION.TONE_FREQ", f"{path}.{nominal:g}Hz",
                           f"{f:.3f} Hz ({f - nominal:+.3f} Hz)", value=f - nominal))
        thd = t.thd_percent.get(nominal, float("nan"))
        out.append(finding("ATTENTION.THD", f"{path}.{nominal:g}Hz", f"{thd:.2f} %",
                           value=thd))
    missing = [n for n in (ATTENTION_EAS_HZ if t.kind != "nwr" else (ATTENTION_NWR_HZ,))
               if n not in t.tones]
    for n in missing:
        out.append(finding("ATTENTION.TONE_FREQ", f"{path}.{n:g}Hz", "absent",
                           verdict=FAIL))
    out.append(finding("ATTENTION.DURATION", path, f"{t.duration:.3f} s", value=t.duration))
    out += _stats_findings(t.stats, path)
    return out


def check(samples: np.ndarray, fs: int, *, source: str = "") -> Report:
    """Measure a recording against 47 CFR 11.31/11.32 and NWSI 10-1712.

    Args:
        samples: ``float[n]`` mono or ``float[n, channels]`` (channels are averaged) in
            [-1, 1]; integer PCM is scaled by its full scale (``uint8`` offset by 128),
            damage erased (:func:`eas_encoder.pcm.clean_mono`).
        fs: sample rate in Hz, 8000 to 384000.
        source: name shown in the report.

    Returns:
        :class:`~.report.Report`: every finding (passes too), the timeline and notes.

    Raises:
        ConformanceError: sample rate outside 8000-384000 Hz (``SampleRateError``), or
            samples that are not 1-D/2-D numbers.
    """
    x = np.asarray(samples)
    if x.ndim not in (1, 2) or not (np.issubdtype(x.dtype, np.number)):
        raise ConformanceError("must be numeric samples shaped [n] or [n, channels]",
                               field="samples", value=f"{x.dtype}{list(x.shape)}")
    checker = Checker(fs)
    for block in _blocks_of(x):
        checker.feed(block)
    if x.ndim == 2 and x.shape[1] > 1:
        checker.notes.append(f"{x.shape[1]} channels averaged to mono")
    return checker.report(source)


def _blocks_of(x: np.ndarray) -> Iterable[np.ndarray]:
    for i in range(0, len(x), _BLOCK):
        yield clean_mono(x[i:i + _BLOCK])


def check_file(source: str | os.PathLike | BinaryIO, *, rate: int | None = None,
               overview: bool = False) -> tuple[Report, Checker]:
    """Check an audio file (or raw s16le at ``rate``) block by block, with bounded memory.

    Args:
        source: path, ``"-"`` for standard input, or a binary file object.
        rate: raw s16le mono input at this rate (Hz); ``None`` for a WAV/FLAC/... file.
        overview: keep the fixed-size overview needed for the timeline picture.

    Returns:
        ``(report, checker)``; the checker holds the parts and the overview for plotting.

    Raises:
        AudioError: unreadable, truncated or missing file.
        ConformanceError: sample rate outside 8000-384000 Hz (``SampleRateError``).
    """
    from ..audio import open_stream
    from ..errors import AudioError

    if isinstance(source, str | os.PathLike) and str(source) != "-" \
            and not os.path.exists(source):
        raise AudioError("no such file", field="file", value=str(source))
    fs, blocks = open_stream(source, rate=rate, blocksize=_BLOCK)
    checker = Checker(fs, overview=overview)
    channels = 0
    for block in blocks:
        channels = max(channels, block.shape[1] if block.ndim == 2 else 1)
        checker.feed(clean_mono(block))
    if channels > 1:
        checker.notes.append(f"{channels} channels averaged to mono")
    name = source if isinstance(source, str) else getattr(source, "name", str(source))
    return checker.report(str(name)), checker
