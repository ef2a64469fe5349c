"""Audio for receiver fuzzing: clean transmissions, corrupted ones with their expected outcome,
and endless alert-free programme audio (noise, speech-like, music-like) made by formula.

Shared by ``tests/fuzz``, ``tests/test_streaming_invariance.py`` and the benchmarks
``fuzz_long.py`` / ``no_false_alerts.py``, so the CI-sized checks and the long runs exercise
the very same signals. Everything is generated from a seeded generator; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.signal import lfilter

__all__ = ["TRUE_HEADERS", "transmission", "Corruption", "corrupt", "KINDS", "programme",
           "MARK_HZ", "SPACE_HZ"]

MARK_HZ = 2083.0 + 1.0 / 3.0
SPACE_HZ = 1562.5

TRUE_HEADERS = (
    "ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-",
    "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -",
    "ZCZC-EAS-RWT-000000+0015-0011200-WABC    -",
)
"""Headers used in every corrupted-transmission test; a receiver reporting any other header
from these inputs has invented one."""


@cache
def transmission(header: str, fs: int, eom: bool = True) -> tuple[np.ndarray, tuple]:
    """A clean transmission without attention signal or message: ``(samples, segments)``.

    Short lead-in and tail keep the receiver targets cheap; ``eom=False`` cuts the audio after
    the third header burst's pause (the EOM part adds nothing to header checks).
    """
    from eas_encoder.same.transmission import encode_transmission

    tx = encode_transmission(header, fs=fs, attention="none", lead_in_seconds=0.2,
                             tail_seconds=0.2)
    samples, segments = tx.samples, tx.segments
    if not eom:
        last = [s for s in segments if s.kind == "header"][-1]
        samples = samples[: last.end + fs // 2]
        segments = tuple(s for s in segments if s.kind == "header")
    samples = samples.copy()
    samples.flags.writeable = False  # cached: every caller must copy before changing it
    return samples, segments


@dataclass(frozen=True)
class Corruption:
    """A corrupted transmission and what a correct receiver may report for it.

    Attributes:
        kind: the mutation family (``flip-one``, ``flip-two``, ``flip-one-drop-one``,
            ``drop-1``/``drop-2``/``drop-3``, ``truncate``, ``noisy-burst``).
        samples: float32 audio.
        fs: sample rate, Hz.
        description: the mutation, for failure messages.
        header: the true header text; no other header may be reported.
        must_report: True when enough intact bursts remain (two of three, 47 CFR 11.33) that
            the true header has to be found; False when reporting nothing is also correct.
    """

    kind: str
    samples: np.ndarray
    fs: int
    description: str
    header: str
    must_report: bool


def _burst_amplitude(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if len(x) else 0.0


def corrupt(rng: np.random.Generator, fs: int = 8000) -> Corruption:
    """Make one corrupted-burst mutation of a clean header transmission.

    Kinds: bit flips in one of the three bursts (the other two still agree, so the header
    must come through); bit flips in two bursts (any answer but the true header is wrong);
    bit flips in one burst with another dropped; one, two or three bursts dropped (silenced);
    truncation at a random sample; a burst partly overwritten by noise, all at a random gain.
    """
    from eas_encoder.same.modulator import burst

    header = TRUE_HEADERS[int(rng.integers(len(TRUE_HEADERS)))]
    clean, segments = transmission(header, fs, eom=False)
    x = clean.copy()
    bursts = [s for s in segments if s.kind == "header"]
    kind = int(rng.integers(6))
    if kind in (0, 1, 5):
        hit = rng.choice(3, size=1 if kind != 1 else 2, replace=False)
        flips = int(rng.integers(1, 9))
        # Distinct bit positions across the damaged bursts: were the same bit flipped in two
        # of three, the majority would truly say the other header and reporting it is right.
        positions = rng.choice(len(header) * 7, size=flips * len(hit), replace=False)
        for k, i in enumerate(hit):
            seg = bursts[int(i)]
            payload = bytearray(header.encode("ascii"))
            for pos in positions[k * flips:(k + 1) * flips]:
                payload[int(pos) // 7] ^= 1 << (int(pos) % 7)
            new = burst(bytes(payload), fs, _burst_amplitude(x[seg.start:seg.end]))
            x[seg.start:seg.start + len(new)] = new[: seg.end - seg.start]
        description = f"{flips} bit flip(s) in burst(s) {sorted(hit.tolist())}"
        if kind == 5:
            # One damaged burst and one lost: the two left disagree, and no vote can say
            # which is right; the true header or nothing, never a blend of the two.
            drop = int(rng.choice([i for i in range(3) if i not in hit]))
            x[bursts[drop].start:bursts[drop].end] = 0.0
            description += f", burst {drop} dropped"
        family = ("flip-one", "flip-two", "", "", "", "flip-one-drop-one")[kind]
        return Corruption(family, x, fs, description, header, must_report=kind == 0)
    if kind == 2:
        drop = rng.choice(3, size=int(rng.integers(1, 4)), replace=False)
        for i in drop:
            x[bursts[int(i)].start:bursts[int(i)].end] = 0.0
        return Corruption(f"drop-{len(drop)}", x, fs, f"burst(s) {sorted(drop.tolist())} dropped",
                          header, must_report=len(drop) == 1)
    if kind == 3:
        cut = int(rng.integers(len(x)))
        # Kept whole: at least two bursts end before the cut.
        whole = sum(1 for s in bursts if s.end <= cut)
        return Corruption("truncate", x[:cut].copy(), fs, f"truncated at sample {cut}", header,
                          must_report=whole >= 2)
    # A damaged recording: bit flips in one burst plus the whole thing in noise and with
    # an odd gain; the header must still come through at this SNR (about 20 dB).
    seg = bursts[int(rng.integers(3))]
    start = int(rng.integers(seg.start, seg.end - fs // 100))
    x[start:start + fs // 100] = rng.normal(0.0, 0.5, fs // 100)
    gain = float(10 ** rng.uniform(-2, 0))
    x = (x + rng.normal(0.0, 0.03, len(x))).astype(np.float32) * gain
    return Corruption("noisy-burst", x.astype(np.float32), fs,
                      f"10 ms of noise in one burst, gain {gain:.3f}", header, must_report=True)


# --- alert-free programme audio -------------------------------------------------------------

KINDS = ("noise", "speech", "music")
"""Kinds of programme audio :func:`programme` can make."""


def _noise(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    # White, pink-ish (integrated) and band-limited noise around the SAME tones, in turn:
    # the last is the hardest, since all its energy sits where the receiver listens.
    pick = int(rng.integers(3))
    w = rng.normal(0.0, 1.0, n)
    if pick == 1:
        w = lfilter([1.0], [1.0, -0.98], w)
    elif pick == 2:
        f0 = rng.uniform(1400.0, 2300.0) / fs
        r = 0.995
        w = lfilter([1.0 - r], [1.0, -2 * r * np.cos(2 * np.pi * f0), r * r], w)
    w /= np.max(np.abs(w)) + 1e-12
    return w * rng.uniform(0.05, 0.9)


def _resonator(x: np.ndarray, freq: float, bw: float, fs: int) -> np.ndarray:
    r = np.exp(-np.pi * bw / fs)
    return lfilter([1.0 - r], [1.0, -2 * r * np.cos(2 * np.pi * freq / fs), r * r], x)


_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
           (660, 1720, 2410), (490, 1350, 1690), (570, 840, 2410), (440, 1020, 2240))
"""Formant triples (Hz) of common vowels: the second formant crosses 1562 and 2083 Hz."""


def _speech(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    out = np.zeros(n)
    pos = 0
    while pos < n:
        syl = int(fs * rng.uniform(0.12, 0.35))
        m = min(syl, n - pos)
        t = np.arange(m) / fs
        f0 = rng.uniform(90, 260) * (1 + 0.05 * np.sin(2 * np.pi * rng.uniform(3, 7) * t))
        phase = np.cumsum(f0 / fs)
        pulses = np.diff(np.floor(phase), prepend=0.0)  # one impulse per glottal period
        excitation = pulses + (0.05 if rng.random() < 0.8 else 0.6) * rng.normal(0, 1, m)
        f1, f2, f3 = _VOWELS[int(rng.integers(len(_VOWELS)))]
        v = sum(_resonator(excitation, f * rng.uniform(0.9, 1.1), bw, fs)
                for f, bw in ((f1, 80), (f2, 100), (f3, 150)))
        envelope = np.sin(np.pi * np.arange(m) / max(m, 1)) ** 2
        out[pos:pos + m] = v * envelope
        pos += m + int(fs * rng.uniform(0.0, 0.25))  # pauses between syllables
    out /= np.max(np.abs(out)) + 1e-12
    return out * rng.uniform(0.1, 0.9)


def _music(rng: np.random.Generator, n: int, fs: int) -> np.ndarray:
    out = np.zeros(n)
    pos = 0
    while pos < n:
        m = min(int(fs * rng.uniform(0.1, 1.5)), n - pos)
        t = np.arange(m) / fs
        pick = int(rng.integers(4))
        if pick == 0:  # a chord of 3-4 notes with a few harmonics
            notes = 440.0 * 2 ** (rng.integers(-24, 20, size=int(rng.integers(3, 5))) / 12)
            seg = sum(np.sin(2 * np.pi * f * k * t) / k for f in notes for k in (1, 2, 3))
        elif pick == 1:  # a sweep across the SAME band
            f_a, f_b = rng.uniform(300, 4000, size=2)
            seg = np.sin(2 * np.pi * np.cumsum(np.linspace(f_a, f_b, m)) / fs)
        elif pick == 2:  # a steady tone close to mark or space
            f = rng.choice((MARK_HZ, SPACE_HZ)) + rng.uniform(-60, 60)
            seg = np.sin(2 * np.pi * f * t)
        else:  # a trill between mark and space at a musical, not a SAME, rate
            rate = rng.uniform(2, 400)
            sel = (np.floor(t * rate) % 2).astype(bool)
            seg = np.sin(2 * np.pi * np.cumsum(np.where(sel, MARK_HZ, SPACE_HZ)) / fs)
        ramp = min(m // 2, fs // 100)
        env = np.ones(m)
        if ramp:
            env[:ramp] = np.linspace(0, 1, ramp)
            env[m - ramp:] = np.linspace(1, 0, ramp)
        seg = seg * env
        out[pos:pos + m] = seg / (np.max(np.abs(seg)) + 1e-12) * rng.uniform(0.1, 0.9)
        pos += m
    return out


_MAKERS = {"noise": _noise, "speech": _speech, "music": _music}


def programme(kind: str, seconds: float, fs: int, seed: int,
              block_seconds: float = 10.0) -> Iterator[np.ndarray]:
    """Yield ``seconds`` of alert-free ``kind`` audio as float32 blocks of ``block_seconds``.

    Memory stays flat over any length, so the 10-hour run streams rather than holds it.
    """
    rng = np.random.default_rng(seed)
    make = _MAKERS[kind]
    total = int(round(seconds * fs))
    block = int(block_seconds * fs)
    done = 0
    while done < total:
        n = min(block, total - done)
        yield np.clip(make(rng, n, fs), -1.0, 1.0).astype(np.float32)
        done += n
