"""The decoder test bench: every decoder on every condition, scored by exact headers.

A condition builds one file of ``trials`` alerts, each a random valid header of 1 to 31
locations sent three times, then three EOMs (47 CFR 11.31(c)), with white noise at a stated
Eb/N0 and the condition's impairment. A decoder scores a success for every sent header it
reports exactly, and a false header for every header it reports that was not sent. The
no-alert conditions (noise, speech-like and music-like programme) count false headers per
hour. Signals are made from a seeded generator, so two runs with the same seed feed every
decoder the same samples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..same.transmission import encode_transmission
from . import channel, impair
from .decoders import Decoder, run_decoder

__all__ = ["Condition", "conditions", "run_bench", "Result", "FS", "AMPLITUDE"]

FS = 22050
"""Sample rate of every generated signal, Hz."""
AMPLITUDE = 0.3
"""Peak amplitude of the bursts (noise is set against it)."""
COMFORTABLE_EBN0_DB = 20.0
"""Eb/N0 of every condition that is not the noise sweep, dB: noise present, not limiting."""


@dataclass(frozen=True)
class Signal:
    """``samples`` (float32 at :data:`FS`), the ``sent`` headers (each as many times as a
    decoder should report it) and the audio length in hours (for false alerts per hour).
    """

    samples: np.ndarray
    sent: tuple[str, ...]
    hours: float


@dataclass(frozen=True)
class Condition:
    """One row of the table: ``group`` (e.g. ``"Eb/N0"``), ``name`` (e.g. ``"8 dB"``),
    ``x`` (the number plotted on the group's curve, or ``None``) and ``make(rng, trials)``.
    """

    group: str
    name: str
    make: Callable[[np.random.Generator, int], Signal]
    x: float | None = None


def _alerts(rng: np.random.Generator, trials: int, *, ebn0_db: float = COMFORTABLE_EBN0_DB,
            rate_error: float = 0.0, process: Callable[[np.ndarray], np.ndarray] | None = None,
            drop_burst: int | None = None, eighth_bit: bool = False, offset_hz: float = 0.0
            ) -> Signal:
    sent, parts = [], []
    for _ in range(trials):
        h = channel.random_header(rng)
        payload = h.to_bytes()
        if eighth_bit:
            payload = bytes(c | 0x80 for c in payload)
        x, spans = channel.transmission([payload], FS, amplitude=AMPLITUDE,
                                        rate_error=rate_error, lead_seconds=1.0,
                                        tail_seconds=2.0)
        if drop_burst is not None:
            a, b = spans[drop_burst]
            x[a:b] = 0
        sent.append(str(h))
        parts.append(x)
    x = np.concatenate(parts)
    if offset_hz:
        x = channel.shift_frequency(x, FS, offset_hz)
    if process is not None:
        x = process(x)
    x = channel.add_noise(x, FS, ebn0_db, AMPLITUDE, rng)
    return Signal(x, tuple(sent), len(x) / FS / 3600)


def _profile(name: str) -> Callable[[np.random.Generator, int], Signal]:
    def make(rng: np.random.Generator, trials: int) -> Signal:
        sent, parts = [], []
        for _ in range(trials):
            h = channel.random_header(rng)
            tx = encode_transmission(h, fs=FS, attention="none", profile=name,
                                     level_dbfs=20 * np.log10(AMPLITUDE), lead_in_seconds=1.0,
                                     tail_seconds=1.0)
            sent.append(str(h))
            parts.append(tx.samples)
        x = channel.add_noise(np.concatenate(parts), FS, COMFORTABLE_EBN0_DB, AMPLITUDE, rng)
        return Signal(x, tuple(sent), len(x) / FS / 3600)
    return make


def _repeat(rng: np.random.Generator, trials: int) -> Signal:
    """Each alert sent twice, the second 60 s after the first's EOM: both must be reported."""
    sent, parts = [], []
    gap = np.zeros(60 * FS, dtype=np.float32)
    for _ in range(trials):
        h = channel.random_header(rng)
        x, _ = channel.transmission([h.to_bytes()], FS, amplitude=AMPLITUDE)
        parts += [x, gap, x]
        sent += [str(h), str(h)]
    x = channel.add_noise(np.concatenate(parts), FS, COMFORTABLE_EBN0_DB, AMPLITUDE, rng)
    return Signal(x, tuple(sent), len(x) / FS / 3600)


def _no_alert(kind: str, minutes: float) -> Callable[[np.random.Generator, int], Signal]:
    def make(rng: np.random.Generator, trials: int) -> Signal:
        seconds = minutes * 60
        if kind == "noise":
            x = (0.1 * rng.standard_normal(int(seconds * FS))).astype(np.float32)
        else:
            gen = channel.speech_like if kind == "speech" else channel.music_like
            # Built a minute at a time: the generators hold whole arrays.
            x = np.concatenate([gen(FS, min(60.0, seconds - s), rng)
                                for s in np.arange(0, seconds, 60.0)])
        return Signal(x, (), len(x) / FS / 3600)
    return make


def conditions(*, quick: bool = False, codecs: bool = True) -> list[Condition]:
    """The battery, in table order.

    Args:
        quick: fewer points and shorter no-alert audio (a smoke run in minutes).
        codecs: include MP3 and Opus (needs ffmpeg).
    """
    out: list[Condition] = []
    for db in ((6, 8, 10, 12, 16) if quick else (4, 5, 6, 7, 8, 9, 10, 12, 14, 16)):
        out.append(Condition("Eb/N0", f"{db} dB", partial(_alerts, ebn0_db=db),
                             float(db)))
    for pct in ((-4, -2, 2, 4) if quick else (-4, -3, -2, -1, 1, 2, 3, 4)):
        out.append(Condition("bit-rate error", f"{pct:+d} %",
                             partial(_alerts, rate_error=pct / 100), float(pct)))
    for hz in ((-150, -75, 75, 150) if quick else (-150, -100, -50, 50, 100, 150)):
        out.append(Condition("carrier offset", f"{hz:+d} Hz",
                             partial(_alerts, offset_hz=hz), float(hz)))
    chain: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
        ("pre-emphasis left in", lambda x: impair.pre_emphasis(x, FS)),
        ("double de-emphasis", lambda x: impair.de_emphasis(x, FS)),
        ("clipped 12 dB", impair.clip),
        ("60 Hz hum", lambda x: impair.hum(x, FS)),
        ("mu-law telephone line", lambda x: impair.telephone(x, FS)),
    ]
    if codecs and impair.ffmpeg_available():
        chain += [("MP3 32 kbit/s", lambda x: impair.codec(x, FS, "mp3", "32k")),
                  ("Opus 12 kbit/s", lambda x: impair.codec(x, FS, "opus", "12k"))]
    for name, fn in chain:
        out.append(Condition("broadcast chain", name,
                             partial(_alerts, process=fn)))
    out.append(Condition("lost burst", "first burst lost",
                         lambda r, n: _alerts(r, n, drop_burst=0)))
    out.append(Condition("lost burst", "middle burst lost",
                         lambda r, n: _alerts(r, n, drop_burst=1)))
    from ..same.profiles import PROFILES

    for name in PROFILES:
        out.append(Condition("ENDEC profile", name, _profile(name)))
    out.append(Condition("8th bit", "8th bit set", lambda r, n: _alerts(r, n, eighth_bit=True)))
    out.append(Condition("repeat", "same alert again 60 s later", _repeat))
    minutes = 5.0 if quick else 60.0
    for kind in ("noise", "speech", "music"):
        out.append(Condition("no alert", f"{kind} {minutes:g} min", _no_alert(kind, minutes)))
    return out


@dataclass
class Result:
    """Scores of every decoder on every condition.

    ``rows``: one dict per condition with ``group``, ``name``, ``x``, ``sent``, ``hours``
    and per decoder ``{"success": fraction or None, "false": count, "false_per_hour": ...,
    "error": ""}``. ``versions``: decoder name -> version text.
    """

    decoders: list[str]
    rows: list[dict] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    trials: int = 0
    quick: bool = False

    def to_dict(self) -> dict:
        """JSON-able dict of the fields."""
        return {"decoders": self.decoders, "versions": self.versions, "seed": self.seed,
                "trials": self.trials, "quick": self.quick, "rows": self.rows}


def score(sent: tuple[str, ...], got: tuple[str, ...]) -> tuple[float | None, int]:
    """(fraction of sent reports matched exactly, count of reports of headers not sent)."""
    want, have = Counter(sent), Counter(got)
    hits = sum(min(n, have[h]) for h, n in want.items())
    false = sum(n for h, n in have.items() if h not in want)
    return (hits / len(sent) if sent else None), false


def run_bench(decoders: list[Decoder], *, trials: int = 10, seed: int = 1, quick: bool = False,
              only: list[Condition] | None = None) -> Iterator[tuple[dict, Result]]:
    """Run the battery; yields ``(row, result so far)`` after each condition (progress).

    Every decoder sees the same samples for a condition.
    """
    result = Result([d.name for d in decoders], seed=seed, trials=trials, quick=quick,
                    versions={d.name: d.tool_version() for d in decoders})
    for n, cond in enumerate(only if only is not None else conditions(quick=quick)):
        rng = np.random.default_rng([seed, n])
        sig = cond.make(rng, trials)
        row: dict = {"group": cond.group, "name": cond.name, "x": cond.x,
                     "sent": len(sig.sent), "hours": round(sig.hours, 4)}
        for d in decoders:
            run = run_decoder(d, sig.samples, FS)
            success, false = score(sig.sent, run.headers)
            row[d.name] = {"success": success, "false": false,
                           "false_per_hour": round(false / sig.hours, 2) if sig.hours else None,
                           "error": run.error}
        result.rows.append(row)
        yield row, result

