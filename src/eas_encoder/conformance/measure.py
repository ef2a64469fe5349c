"""Precise measurement of one AFSK burst or one attention-signal run.

These are estimators, not a receiver: they assume one clean-ish signal per run (a file from an
encoder, or a studio capture) and aim at accuracy, e.g. the bit rate to a few ppm.

AFSK (47 CFR 11.31(a)(1)):

1. band-pass 700-3500 Hz (zero phase), analytic signal, unwrapped phase;
2. a discriminator over a quarter bit, ``(phase[n+L] - phase[n]) / L``, crosses the mid
   frequency (1822.9 Hz) exactly at a bit edge of a continuous-phase signal; the crossings are
   interpolated to a fraction of a sample;
3. each edge gets its bit number from the nominal bit length, and a least-squares line through
   (bit number, edge time) gives the bit period: the bit rate, its error in ppm, and the RMS
   residual (jitter);
4. bits are decided on that measured grid from the mean frequency over the middle 60 % of each
   bit; the mark and space frequencies are least-squares sine fits (one frequency, with its
   harmonics, each bit its own amplitude and phase) to the raw samples inside the bits;
5. bytes: LSB first, byte alignment found from ``ZCZC`` / ``NNNN`` (or a run of 0xAB), then the
   preamble is counted backwards; when no alignment works, asynchronous serial framings (start,
   7 or 8 data bits, parity, stop) are tried so a framing fault is named, not just "no sync".

Attention signal (47 CFR 11.31(a)(2), 11.32(a)(9)): half-power edges of the 40 ms power
envelope place the tone; its duration is its energy over its plateau power; a Hann-windowed,
zero-padded FFT of the steady part with parabolic interpolation of the log magnitude gives
each tone to a few mHz; harmonics 2-5 give the THD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import welch

from ..same.timing import MID_HZ, analytic_phase, bit_grid, half_power_edges
from ..same.waveform import (
    ATTENTION_EAS_HZ,
    ATTENTION_NWR_HZ,
    BAUD,
    EOM_TEXT,
    HEADER_PREFIX,
    MARK_HZ,
    PREAMBLE_BYTE,
    SPACE_HZ,
)
from .rules import OUT_OF_BAND_HZ

__all__ = ["SignalStats", "Burst", "Tone", "signal_stats", "measure_burst", "measure_tone",
           "SERIAL_FRAMINGS"]

_TONE_MATCH_HZ = 30.0  # a peak this close to 853/960/1050 Hz is taken as that tone, mistuned
_SYNC_WORDS = (HEADER_PREFIX, EOM_TEXT)

SERIAL_FRAMINGS = (
    # (data bits, parity, stop bits): the framings seen from UART-style encoders.
    (7, "even", 1), (7, "odd", 1), (8, None, 1), (7, None, 1), (7, "even", 2), (8, None, 2),
)


@dataclass
class SignalStats:
    """Level measurements of a segment (samples between its measured edges).

    Attributes:
        peak_dbfs: peak level, dBFS.
        rms_dbfs: RMS level, dBFS.
        clipped: samples in runs of 2 or more at full scale (|x| >= 0.999), plus any beyond.
        dc_percent: mean value, percent of full scale.
        out_of_band_db: strongest in-band (200-4000 Hz) component minus the strongest component
            outside it (from 20 Hz up to Nyquist), dB; ``inf`` when nothing measurable lies
            outside.
        out_of_band_hz: where that strongest outside component is, Hz (``nan`` if none).
        measured_to_hz: upper limit of the out-of-band measurement (Nyquist), Hz.
    """

    peak_dbfs: float
    rms_dbfs: float
    clipped: int
    dc_percent: float
    out_of_band_db: float
    out_of_band_hz: float
    measured_to_hz: float


def signal_stats(x: np.ndarray, fs: int) -> SignalStats:
    """Level, clipping, DC and out-of-band energy of ``float[n]`` samples at ``fs`` Hz."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return SignalStats(-np.inf, -np.inf, 0, 0.0, np.inf, np.nan, fs / 2)
    a = np.abs(x)
    peak = float(a.max())
    full = a >= 0.999
    # A sample at full scale is clipped when a neighbour is flat at full scale with it: a
    # sine that merely touches full scale has one such sample per peak, never two equal ones.
    flat = full[:-1] & full[1:] & (np.abs(np.diff(x)) < 1e-4)
    clipped = np.zeros(len(x), dtype=bool)
    clipped[:-1] |= flat
    clipped[1:] |= flat
    clipped |= a > 1.0
    dc = float(x.mean())
    oob_db, oob_hz = _out_of_band(x - dc, fs)
    return SignalStats(_db(peak), _db(float(np.sqrt(np.mean(x * x)))), int(clipped.sum()),
                       100.0 * dc, oob_db, oob_hz, fs / 2)


def _db(v: float) -> float:
    return float(20 * np.log10(v)) if v > 0 else -np.inf


def _out_of_band(x: np.ndarray, fs: int) -> tuple[float, float]:
    # ~10 Hz resolution, Blackman-Harris (sidelobes < -90 dB) so leakage of the in-band
    # tones does not pass for out-of-band energy.
    nper = min(len(x), int(2 ** np.ceil(np.log2(fs / 10))))
    if nper < 64:
        return np.inf, np.nan
    f, p = welch(x, fs, window="blackmanharris", nperseg=nper, noverlap=nper // 2,
                 detrend=False, scaling="spectrum")
    lo, hi = OUT_OF_BAND_HZ
    inside = (f >= lo) & (f <= hi)
    outside = ((f >= 20) & (f < lo)) | (f > hi)
    # Stay 5 bins clear of the band edges and of Nyquist (filter roll-off of the file itself).
    df = f[1] - f[0]
    outside &= (np.abs(f - lo) > 5 * df) & (np.abs(f - hi) > 5 * df) & (f < fs / 2 - 5 * df)
    if not inside.any() or not outside.any():
        return np.inf, np.nan
    # Reference: the level of the signal itself (a steady mark or space tone puts all of its
    # power in one line); components: 10 Hz-wide bins outside the band.
    ref = p[inside].sum()
    k = np.argmax(np.where(outside, p, -1.0))
    if ref <= 0:
        return np.inf, np.nan
    worst = max(p[k], ref * 1e-15)
    return float(10 * np.log10(ref / worst)), float(f[k])


# -- AFSK -----------------------------------------------------------------------------------
@dataclass
class Burst:
    """Measurements of one AFSK burst. Times are seconds from the start of the stream.

    Attributes:
        start, end: measured edges (half-envelope points), s.
        bit_rate: bit/s from the least-squares fit; ``ppm`` its error against 520 5/6.
        jitter_us: RMS deviation of the bit edges from the fitted grid, microseconds.
        edges: number of bit edges in the fit.
        mark_hz, space_hz: mean frequency of the mark and space bits, Hz (``nan`` if none).
        bits: ``uint8[n]`` decided bits, 1 = mark, on the measured grid.
        kind: ``"header"``, ``"eom"`` or ``"unknown"``.
        framing: ``None`` for synchronous bytes, else e.g. ``"start, 7 data, even parity,
            1 stop"`` when the characters are framed as asynchronous serial data.
        preamble: number of intact 0xAB bytes right before the payload.
        junk_before_bits, junk_after_bits: bits before the preamble / after the payload.
        payload: the bytes from ``ZCZC``/``NNNN`` to the end of the text (8th bits as sent).
        text: ``payload`` as 7-bit ASCII.
        after: bytes after the payload (as sent), e.g. NUL padding.
        trailing_dash: the header ends with ``-`` after its station id (headers only).
        stats: :class:`SignalStats` of the burst.
        truncated: the run was longer than the checker keeps; only its start was measured.
        edge_times: ``float64[k]`` time of each bit edge used in the fit, s from the stream
            start; ``edge_residuals_us`` its deviation from the fitted grid, microseconds
            (the bit-timing picture of the HTML report).
    """

    start: float
    end: float
    bit_rate: float
    ppm: float
    jitter_us: float
    edges: int
    mark_hz: float
    space_hz: float
    bits: np.ndarray
    stats: SignalStats
    kind: str = "unknown"
    framing: str | None = None
    preamble: int = 0
    junk_before_bits: int = 0
    junk_after_bits: int = 0
    payload: bytes = b""
    text: str = ""
    after: bytes = b""
    trailing_dash: bool = True
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    edge_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    edge_residuals_us: np.ndarray = field(default_factory=lambda: np.zeros(0))


def measure_burst(x: np.ndarray, fs: int, offset: int = 0, *,
                  truncated: bool = False) -> Burst | None:
    """Measure one AFSK burst.

    Args:
        x: ``float[n]`` samples holding one burst with some silence around it.
        fs: sample rate, Hz.
        offset: stream index of ``x[0]`` (for times relative to the stream).
        truncated: the caller kept only the start of a longer run.

    Returns:
        :class:`Burst`, or ``None`` when the run is not AFSK near 520 bit/s (voice, noise).
    """
    x = np.asarray(x, dtype=np.float64)
    grid = bit_grid(x, fs)
    if grid is None:
        return None
    phase, s0, s1, spb, t0 = grid.phase, grid.start, grid.end, grid.spb, grid.t0
    rate = grid.bit_rate(fs)
    resid, kept = grid.residuals, grid.edges
    # Bit grid from the burst's leading edge, on the measured period.
    g0 = t0 - round((t0 - s0) / spb) * spb
    n_bits = int(round((s1 - g0) / spb))
    if n_bits < 16:
        return None
    k = np.arange(n_bits)
    a = g0 + (k + 0.2) * spb
    b = g0 + (k + 0.8) * spb
    pos = np.arange(len(phase), dtype=np.float64)
    freq = (np.interp(b, pos, phase) - np.interp(a, pos, phase)) * fs / (2 * np.pi * (b - a))
    bits = (freq > MID_HZ).astype(np.uint8)
    seg = x[max(0, int(round(s0))): int(round(s1))]
    tones = {}
    for value, nominal in ((1, MARK_HZ), (0, SPACE_HZ)):
        guess = float(np.mean(freq[bits == value])) if (bits == value).any() else nominal
        tones[value] = _fit_tone(x - np.mean(seg), bits, value, g0, spb, fs, guess)
    burst = Burst(
        start=(offset + s0) / fs, end=(offset + s1) / fs, bit_rate=rate,
        ppm=(rate / BAUD - 1) * 1e6, jitter_us=float(np.sqrt(np.mean(resid ** 2))) / fs * 1e6,
        edges=grid.crossings, mark_hz=tones[1], space_hz=tones[0],
        bits=bits, stats=signal_stats(seg, fs), truncated=truncated,
        edge_times=(offset + kept) / fs, edge_residuals_us=resid / fs * 1e6,
    )
    _read_bytes(burst)
    return burst


def _fit_tone(x: np.ndarray, bits: np.ndarray, value: int, g0: float, spb: float, fs: int,
              guess: float) -> float:
    """Frequency of the bits equal to ``value``: one sine frequency, least-squares fitted to
    the raw samples inside every such bit (15 % clear of each edge), each bit with its own
    amplitude and phase.

    The raw samples there are a pure tone whatever the encoder does at the bit edges, so the
    estimate has none of the bias a discriminator or a filter shows next to a transition; and
    an encoder that restarts every bit at phase 0 is credited with the tone it generates, not
    with the apparent frequency its phase jumps make. Returns ``nan`` when there is no such bit.
    """
    which = np.flatnonzero(bits == value)
    if len(which) == 0:
        return float("nan")
    idx, local, run_id = [], [], []
    for r, k in enumerate(which):
        lo = int(np.ceil(g0 + (k + 0.15) * spb))
        hi = int(np.floor(g0 + (k + 0.85) * spb))
        n = np.arange(max(lo, 0), min(hi, len(x) - 1) + 1)
        idx.append(n)
        local.append((n - n[0]) / fs if len(n) else n.astype(float))
        run_id.append(np.full(len(n), r))
    n = np.concatenate(idx)
    tl = np.concatenate(local)
    rid = np.concatenate(run_id)
    y = x[n]
    runs = int(rid.max()) + 1

    # Harmonics below Nyquist join the model, so a clipped (square-ish) burst is credited
    # with its fundamental instead of a frequency pulled by its harmonics.
    orders = [h for h in (1, 2, 3) if h * guess < 0.45 * fs]

    def residual(f: float) -> float:
        cols = []
        for h in orders:
            cols += [np.cos(2 * np.pi * h * f * tl), np.sin(2 * np.pi * h * f * tl)]
        a = np.stack(cols, axis=1)  # [samples, P]
        p = a.shape[1]
        gram = np.stack([np.bincount(rid, a[:, i] * a[:, j], runs)
                         for i in range(p) for j in range(p)], axis=1).reshape(runs, p, p)
        proj = np.stack([np.bincount(rid, y * a[:, i], runs) for i in range(p)], axis=1)
        gram += np.eye(p) * 1e-9 * np.trace(gram, axis1=1, axis2=2)[:, None, None] / p
        coef = np.linalg.solve(gram, proj[:, :, None])[:, :, 0]
        # energy explained per bit by its best fit of the fundamental and harmonics
        return float(np.sum(y * y) - np.sum(coef * proj))

    res = minimize_scalar(residual, bounds=(guess - 15.0, guess + 15.0), method="bounded",
                          options={"xatol": 1e-4})
    return float(res.x)


def _pack(bits: np.ndarray) -> bytes:
    n = len(bits) // 8
    return np.packbits(bits[: 8 * n].reshape(n, 8), axis=1, bitorder="little").ravel().tobytes()


def _read_bytes(burst: Burst) -> None:
    bits = burst.bits
    best: tuple[int, int, bytes] | None = None  # (bit position of sync, alignment, bytes)
    for o in range(8):
        data = _pack(bits[o:])
        masked = bytes(c & 0x7F for c in data)
        for word in _SYNC_WORDS:
            i = masked.find(word)
            if i >= 0 and (best is None or o + 8 * i < best[0]):
                best = (o + 8 * i, o, data)
    synced = best is not None
    if not synced:
        serial = _serial(bits)
        if serial is not None:
            burst.framing, text, first_bit, burst.preamble = serial
            burst.kind = _kind(text)
            burst.junk_before_bits = first_bit
            payload = text.encode("ascii", "replace")
            if burst.kind == "header":
                _split_header(burst, payload)
            else:
                burst.payload = payload[:4] if burst.kind == "eom" else payload
            burst.text = burst.payload.decode("ascii")
            return
        # Neither: align on the preamble (four or more 0xAB in a row) if there is one, so
        # the characters can still be shown; the burst's kind stays unknown.
        for o in range(8):
            data = _pack(bits[o:])
            i = data.find(bytes([PREAMBLE_BYTE]) * 4)
            if i >= 0:
                while i < len(data) and data[i] == PREAMBLE_BYTE:
                    i += 1
                best = (o + 8 * i, o, data)
                break
        if best is None:
            burst.junk_before_bits = len(bits)
            return
    assert best is not None  # synced, or aligned on the preamble just above
    sync_bit, o, data = best
    i = (sync_bit - o) // 8
    pre = 0
    while i - pre - 1 >= 0 and data[i - pre - 1] == PREAMBLE_BYTE:
        pre += 1
    burst.preamble = pre
    burst.junk_before_bits = sync_bit - 8 * pre
    payload = data[i:]
    leftover_bits = len(bits) - o - 8 * len(data)
    if synced and bytes(c & 0x7F for c in payload[:4]) == EOM_TEXT:
        burst.kind = "eom"
        burst.payload, burst.after = payload[:4], payload[4:]
    elif synced:
        burst.kind = "header"
        _split_header(burst, payload)
    else:
        burst.payload = payload
    burst.text = "".join(chr(c & 0x7F) for c in burst.payload)
    burst.junk_after_bits = 8 * len(burst.after) + leftover_bits


def _kind(text: str) -> str:
    if text.startswith(HEADER_PREFIX.decode()):
        return "header"
    if text.startswith(EOM_TEXT.decode()):
        return "eom"
    return "unknown"


def _split_header(burst: Burst, payload: bytes) -> None:
    """Split ``ZCZC-...`` bytes into the header proper and what follows it.

    The header ends at the ``-`` after the station id, which starts 14 characters after the
    ``+``; when that ``-`` is missing (a known real fault), the header is taken to be the
    8-character station id and anything after it is junk.
    """
    text = "".join(chr(c & 0x7F) for c in payload)
    plus = text.find("+")
    if plus < 0:
        burst.payload, burst.after = payload, b""
        return
    station = plus + 14
    dash = text.find("-", station, station + 9)
    if dash >= 0:
        end = dash + 1
    else:
        burst.trailing_dash = False
        end = min(len(text), station + 8)
    # NUL and 0xFF-style padding (and anything else) after the header is junk, not header.
    burst.payload, burst.after = payload[:end], payload[end:]


def _serial(bits: np.ndarray) -> tuple[str, str, int, int] | None:
    """Try asynchronous serial framings; return ``(description, text, first bit, number of
    preamble characters)`` for one that decodes ``ZCZC``/``NNNN`` with valid frames.
    """
    for data_bits, parity, stops in SERIAL_FRAMINGS:
        size = 1 + data_bits + (parity is not None) + stops
        for o in range(size):
            n = (len(bits) - o) // size
            if n < 4:
                continue
            f = bits[o: o + n * size].reshape(n, size)
            ok = (f[:, 0] == 0) & np.all(f[:, size - stops:] == 1, axis=1)
            data = f[:, 1: 1 + data_bits]
            if parity is not None:
                ones = data.sum(axis=1) + f[:, 1 + data_bits]
                ok &= (ones % 2 == 0) if parity == "even" else (ones % 2 == 1)
            if ok.mean() < 0.9:
                continue
            codes = (data * (1 << np.arange(data_bits))).sum(axis=1)
            text = "".join(chr(int(c) & 0x7F) for c in codes)
            for word in _SYNC_WORDS:
                i = text.find(word.decode())
                if i >= 0:
                    pre = 0
                    while i - pre - 1 >= 0 and (int(codes[i - pre - 1]) & 0x7F) == (
                            PREAMBLE_BYTE & 0x7F):
                        pre += 1
                    desc = (f"start, {data_bits} data, "
                            f"{parity + ' parity' if parity else 'no parity'}, "
                            f"{stops} stop: {size} bits per character")
                    return desc, text[i:], o + size * (i - pre), pre
    return None


# -- attention signal ----------------------------------------------------------------------
@dataclass
class Tone:
    """Measurements of one attention-signal run. Times are seconds from the stream start.

    Attributes:
        start, end: half-power edges, s (``end`` from the frame labels when truncated).
        kind: ``"eas"`` (853 + 960 Hz), ``"nwr"`` (1050 Hz) or ``"unknown"``.
        tones: ``{nominal_hz: measured_hz}`` for each tone matched (nominal 0.0 for a peak
            that matches none).
        thd_percent: ``{nominal_hz: THD %}``, harmonics 2 to 5 below Nyquist.
        stats: :class:`SignalStats` of the steady part.
        duration: energy / plateau power, s (the length of an equally loud switched tone);
            from the frame labels when truncated.
        truncated: only the first part of a long run was kept and measured.
    """

    start: float
    end: float
    kind: str
    tones: dict[float, float]
    thd_percent: dict[float, float]
    stats: SignalStats
    duration: float
    truncated: bool = False


def measure_tone(x: np.ndarray, fs: int, offset: int = 0, *, truncated: bool = False,
                 labelled_end: float | None = None) -> Tone | None:
    """Measure one attention-signal run.

    Args:
        x: ``float[n]`` samples of the run with some margin.
        fs: sample rate, Hz.
        offset: stream index of ``x[0]``.
        truncated: the caller kept only the first part of the run.
        labelled_end: the run's end in seconds from the frame labels, used when truncated.

    Returns:
        :class:`Tone`, or ``None`` when the run holds no steady tone.
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) < fs // 4:
        return None
    env, _ = analytic_phase(x, fs, (300.0, 3000.0))
    # Power averaged over 40 ms (four periods of the 107 Hz beat of 853 + 960 Hz, so the beat
    # does not move the edges); half power then marks the edge of a switched tone exactly.
    w = max(1, int(0.040 * fs))
    power = np.convolve(env * env, np.ones(w) / w, mode="same")
    span = half_power_edges(power)
    if span is None:
        return None
    s0, s1 = span
    steady = x[int(s0 + 0.05 * fs): int(s1 - 0.05 * fs)]
    if len(steady) < fs // 10:
        return None
    # Duration as energy over plateau power: exact for a switched tone, a few ms short for a
    # faded one, and (unlike edge points) not moved by where the 107 Hz beat of the two-tone
    # signal happens to be at the edges.
    plateau = float(np.median(power[int(s0 + 0.05 * fs): int(s1 - 0.05 * fs)]))
    lo, hi = max(0, int(s0 - 0.02 * fs)), min(len(env), int(s1 + 0.02 * fs))
    duration = float(np.sum(env[lo:hi] ** 2)) / plateau / fs if plateau > 0 else 0.0
    steady = steady[: int(10 * fs)]  # ten seconds resolve 853/960 Hz to a few mHz
    nfft = int(2 ** np.ceil(np.log2(len(steady)) + 1))
    mag = np.abs(np.fft.rfft((steady - steady.mean()) * np.hanning(len(steady)), nfft))
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    peaks = _peaks(mag, freqs, fs)
    tones: dict[float, float] = {}
    for f in peaks:
        nominal = min((*ATTENTION_EAS_HZ, ATTENTION_NWR_HZ), key=lambda n: abs(n - f))
        if abs(nominal - f) <= _TONE_MATCH_HZ and nominal not in tones:
            tones[nominal] = f
        else:
            tones.setdefault(0.0, f)
    if all(n in tones for n in ATTENTION_EAS_HZ):
        kind = "eas"
    elif ATTENTION_NWR_HZ in tones and len(tones) == 1:
        kind = "nwr"
    else:
        kind = "unknown"
    thd = {n: _thd(mag, freqs, f, fs) for n, f in tones.items() if n}
    end = (offset + s1) / fs
    if truncated and labelled_end is not None:
        end = labelled_end
        duration = end - (offset + s0) / fs
    return Tone((offset + s0) / fs, end, kind, tones, thd,
                signal_stats(x[int(s0): int(s1)][: int(10 * fs)], fs), duration, truncated)


def _interp_peak(mag: np.ndarray, k: int, df: float) -> float:
    if 0 < k < len(mag) - 1:
        a, b, c = np.log(mag[k - 1: k + 2] + 1e-30)
        den = a - 2 * b + c
        delta = 0.5 * (a - c) / den if den != 0 else 0.0
        return float((k + delta) * df)
    return float(k * df)


def _peaks(mag: np.ndarray, freqs: np.ndarray, fs: int) -> list[float]:
    """Up to three strongest separate peaks between 300 and 3000 Hz, within 20 dB of the top."""
    df = freqs[1]
    band = (freqs >= 300) & (freqs <= min(3000, fs / 2))
    m = np.where(band, mag, 0.0)
    out: list[float] = []
    top = m.max()
    guard = int(np.ceil(25.0 / df))
    for _ in range(3):
        k = int(np.argmax(m))
        if m[k] <= 0 or m[k] < 0.1 * top:
            break
        out.append(_interp_peak(mag, k, df))
        m[max(0, k - guard): k + guard + 1] = 0.0
    return out


def _thd(mag: np.ndarray, freqs: np.ndarray, f: float, fs: int) -> float:
    df = freqs[1]
    width = max(3, int(np.ceil(3.0 / df)))  # +/- 3 Hz around each line

    def power(fc: float) -> float:
        k = int(round(fc / df))
        return float(np.sum(mag[max(0, k - width): k + width + 1] ** 2))

    fund = power(f)
    harm = sum(power(h * f) for h in range(2, 6) if h * f < fs / 2 - 10)
    return 100.0 * float(np.sqrt(harm / fund)) if fund > 0 else np.nan
