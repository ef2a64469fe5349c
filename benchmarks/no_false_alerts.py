"""Nothing invented: stream hours of alert-free audio through the receiver and count alerts.

Generates (never stores) noise, speech-like audio (formant-filtered pulse trains with syllable
envelopes) and music-like audio (chords, sweeps, tones near 1562.5/2083.3 Hz, trills between
them), split evenly over the kinds and the sample rates, and streams it through
``Receiver(fs).feed`` in 10-second blocks. Then runs corrupted-burst mutations (bit flips in
one or two bursts, a burst flipped and another dropped, dropped bursts, truncation, a noisy
burst) and counts any header other than the one sent (invented) and any header not reported
where two bursts were intact (lost).

The generators are the ones the CI tests use (``tests/fuzz/audio_gen.py``); CI runs two
minutes of each kind, this script the long version::

    python benchmarks/no_false_alerts.py --hours 10 --mutations 3000
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from eas_encoder.same.decoder import HeaderEvent, Receiver, decode  # noqa: E402
from tests.fuzz.audio_gen import KINDS, corrupt, programme  # noqa: E402


def stream(kind: str, fs: int, hours: float, seed: int) -> dict:
    """Stream ``hours`` of ``kind`` audio at ``fs`` through one receiver; count its events."""
    t0 = time.monotonic()
    rx = Receiver(fs)
    counts: collections.Counter[str] = collections.Counter()
    examples = []
    for block in programme(kind, hours * 3600.0, fs, seed):
        for event in rx.feed(block):
            counts[event.kind] += 1
            if event.kind in ("header", "eom") and len(examples) < 5:
                examples.append(repr(event))
    for event in rx.flush():
        counts[event.kind] += 1
        if event.kind in ("header", "eom") and len(examples) < 5:
            examples.append(repr(event))
    return {"kind": kind, "fs": fs, "hours": hours, "headers": counts["header"],
            "eoms": counts["eom"], "invalid_bursts": counts["invalid"],
            "attention": counts["attention"], "examples": examples,
            "wall_seconds": round(time.monotonic() - t0, 1)}


def mutations(first_seed: int, count: int) -> dict:
    """Run ``count`` corrupted-burst mutations; count invented and lost headers by kind."""
    tally: collections.Counter[str] = collections.Counter()
    bad = []
    for seed in range(first_seed, first_seed + count):
        rng = np.random.default_rng(seed)
        fs = int(rng.choice([8000, 16000, 22050, 44100, 48000]))
        c = corrupt(rng, fs)
        headers = [e.text for e in decode(c.samples, c.fs) if isinstance(e, HeaderEvent)]
        tally[c.kind] += 1
        if set(headers) - {c.header}:
            tally["invented"] += 1
            tally[f"invented in {c.kind}"] += 1
            bad.append(f"seed {seed} {fs} Hz {c.description}: invented {headers}")
        elif c.must_report and headers != [c.header]:
            tally["lost"] += 1
            tally[f"lost in {c.kind}"] += 1
            bad.append(f"seed {seed} {fs} Hz {c.description}: lost, got {headers}")
        else:
            tally["ok"] += 1
    return {"counts": dict(tally), "bad": bad}


def main(argv: list[str] | None = None) -> int:
    """Run both parts and print a summary; exit 1 if anything was invented or lost."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hours", type=float, default=10.0, help="total hours over all kinds")
    p.add_argument("--rates", default="8000,22050,48000", help="sample rates, Hz")
    p.add_argument("--mutations", type=int, default=3000, help="corrupted transmissions")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",")]
    per = args.hours / (len(KINDS) * len(rates))
    jobs = [(k, fs, per, args.seed + 1000 * i + j) for i, k in enumerate(KINDS)
            for j, fs in enumerate(rates)]
    results: dict[str, object] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        streams = [pool.submit(stream, *j) for j in jobs]
        chunk = max(1, args.mutations // (4 * args.jobs))
        muts = [pool.submit(mutations, args.seed + s, min(chunk, args.mutations - s))
                for s in range(0, args.mutations, chunk)]
        rows = [f.result() for f in streams]
        for r in rows:
            print(f"{r['kind']:<7} {r['fs']:>6} Hz {r['hours']:6.2f} h  headers {r['headers']}"
                  f"  eoms {r['eoms']}  invalid bursts {r['invalid_bursts']}  attention "
                  f"{r['attention']}  ({r['wall_seconds']} s)", flush=True)
        merged: collections.Counter[str] = collections.Counter()
        bad: list[str] = []
        for f in muts:
            m = f.result()
            merged.update(m["counts"])
            bad += m["bad"]
    hours = sum(r["hours"] for r in rows)
    headers = sum(r["headers"] + r["eoms"] for r in rows)
    print(f"total: {hours:.2f} h of programme audio, {headers} headers/EOMs reported")
    print(f"mutations: {args.mutations}: {dict(sorted(merged.items()))}")
    for line in bad[:20]:
        print("  " + line)
    results = {"streams": rows, "mutations": dict(merged), "bad": bad}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if headers or merged["invented"] or merged["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
