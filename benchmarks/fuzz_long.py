"""Long fuzz run over every entry point, printing per-target counts.

The targets are the ones the CI fuzz tests use (``tests/fuzz/targets.py``): header parser,
CAP parser + validator + CAP->SAME bridge, CBS PDU decoder, audio reader (files written to a
scratch directory), and the receiver fed random and corrupted audio. For each target the run
reports inputs run, inputs refused with a documented error, unexpected exceptions (anything
else, including a broken invariant such as an invented header), hangs (an input running past
``--timeout``) and the longest time one input took.

Engines:

* ``atheris`` (coverage-guided libFuzzer, when ``pip install atheris`` works on this Python):
  seeded with the targets' own generated inputs, each target in its own process.
* ``random``: the targets' structure-aware generators, byte mutations of their output and
  plain random bytes, from a seeded ``random.Random`` (reproducible with ``--seed``).

``--engine auto`` uses atheris for the byte-parsing targets when it imports, and the random
engine for the receiver targets, whose branches are in numpy and gain little from Python
coverage feedback. Unexpected inputs are saved under ``benchmarks/results/fuzz/``.

Usage::

    python benchmarks/fuzz_long.py --inputs 100000 --seconds 3600
    python benchmarks/fuzz_long.py --targets receiver-mutated --inputs 5000 --engine random
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

# The targets are imported inside the functions, not here: an atheris worker must import
# eas_encoder under its instrumentation hook first, and this module's import would pre-empt it.

RESULTS = ROOT / "benchmarks" / "results" / "fuzz"
RECEIVER_TARGETS = ("receiver-random", "receiver-mutated")


class Hang(Exception):
    """An input ran longer than ``--timeout`` seconds."""


class Tally:
    """Per-target counters, written as JSON so a worker process can report them."""

    def __init__(self, name: str, engine: str) -> None:
        self.name, self.engine = name, engine
        self.inputs = self.refused = self.unexpected = self.hangs = 0
        self.max_seconds = 0.0
        self.kinds: dict[str, int] = {}
        self.started = time.monotonic()

    def run_one(self, target, data: bytes, timeout: float) -> None:  # type: ignore[no-untyped-def]
        """Run one input, classify the outcome and keep the offending input if unexpected."""
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            if target.run(data):
                self.refused += 1
        except Hang:
            self.hangs += 1
            self._keep("Hang", data, "")
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point
            self.unexpected += 1
            # Group by the message up to its first quoted value or index, so one bug is one
            # row rather than one per offending value.
            words = re.split(r"[\[\'\"]", str(exc), maxsplit=1)[0].strip()[:60]
            self._keep(f"{type(exc).__name__}: {words}", data, traceback.format_exc())
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        self.inputs += 1
        took = time.perf_counter() - t0
        if took > self.max_seconds:
            self.max_seconds = took
            # The slowest input so far, kept to tell a slow path from a loaded machine.
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"{self.name}-slowest.bin").write_bytes(data)

    def _keep(self, kind: str, data: bytes, tb: str) -> None:
        n = self.kinds.get(kind, 0)
        self.kinds[kind] = n + 1
        if n < 3:  # three examples of each kind are plenty to reproduce it
            RESULTS.mkdir(parents=True, exist_ok=True)
            stem = RESULTS / f"{self.name}-{len(self.kinds)}-{n}"
            stem.with_suffix(".bin").write_bytes(data)
            stem.with_suffix(".txt").write_text(f"{kind}\n\n{tb}")

    def as_dict(self) -> dict[str, object]:
        """The counters as JSON-ready values."""
        return {"target": self.name, "engine": self.engine, "inputs": self.inputs,
                "refused": self.refused, "unexpected": self.unexpected, "hangs": self.hangs,
                "max_seconds": round(self.max_seconds, 4), "kinds": self.kinds,
                "wall_seconds": round(time.monotonic() - self.started, 1)}


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def random_inputs(target, rng: random.Random):  # type: ignore[no-untyped-def]
    """Endless inputs: 70 % generated, 20 % generated then byte-mutated, 10 % random bytes."""
    from tests.fuzz.mutate import mutate_bytes

    while True:
        roll = rng.random()
        if roll < 0.7:
            yield target.generate(rng)
        elif roll < 0.9:
            yield mutate_bytes(target.generate(rng), rng)
        else:
            yield rng.randbytes(rng.choice((0, 1, 16, 88, 256, 4096)))


def _warm_up(target) -> None:  # type: ignore[no-untyped-def]
    """Run one input untimed: the first call pays for lazy imports and cached tables (over
    a second for the receiver), which would otherwise show as the slowest input.
    """
    try:
        target.run(target.generate(random.Random(0)))
    except Exception:  # noqa: BLE001, S110 - counted in the timed run, not here
        pass


def run_random(name: str, inputs: int, seconds: float, seed: int, timeout: float) -> dict:
    """Random-engine loop for one target; stops at ``inputs`` or ``seconds``."""
    from tests.fuzz.targets import TARGETS

    target, tally = TARGETS[name], Tally(name, "random")
    _warm_up(target)
    rng = random.Random(f"{seed}-{name}")
    deadline = time.monotonic() + seconds
    for data in random_inputs(target, rng):
        if tally.inputs >= inputs or time.monotonic() > deadline:
            break
        tally.run_one(target, data, timeout)
    return tally.as_dict()


def run_atheris(name: str, inputs: int, seconds: float, seed: int, timeout: float,
                out: Path) -> None:
    """Atheris worker (own process): coverage-guided run, counts written to ``out``.

    libFuzzer ends the process with ``exit()``, which skips Python's clean-up, so the worker
    stops itself at the budget and writes its counts every thousand inputs and on exit.
    """
    import atheris

    # Coverage feedback for the project's own code only: instrumenting numpy and scipy too
    # (instrument_all) costs minutes at start-up and steers the search toward their branches.
    with atheris.instrument_imports(include=["eas_encoder"]):
        import eas_encoder.audio  # noqa: F401
        import eas_encoder.cap.bridge  # noqa: F401
        import eas_encoder.cap.rules  # noqa: F401
        import eas_encoder.cap.xml  # noqa: F401
        import eas_encoder.cbs.pdu  # noqa: F401
        import eas_encoder.same.describe  # noqa: F401
        import eas_encoder.same.header  # noqa: F401
    from tests.fuzz.targets import TARGETS

    target, tally = TARGETS[name], Tally(name, "atheris")
    _warm_up(target)
    deadline = time.monotonic() + seconds

    def save() -> None:
        out.write_text(json.dumps(tally.as_dict()))

    def one(data: bytes) -> None:
        tally.run_one(target, data, timeout)
        if tally.inputs % 1000 == 0:
            save()
        if tally.inputs >= inputs or time.monotonic() > deadline:
            save()
            os._exit(0)

    corpus = Path(tempfile.mkdtemp(prefix=f"eas-corpus-{name}-"))
    rng = random.Random(f"{seed}-{name}")
    for i in range(64):
        (corpus / f"seed{i}").write_bytes(target.generate(rng))
    atheris.Setup([sys.argv[0], f"-seed={seed + 1}", "-max_len=300000", "-rss_limit_mb=4096",
                   f"-timeout={int(timeout) + 5}", "-print_final_stats=0", str(corpus)], one)
    atheris.Fuzz()


def _atheris_available() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def _spawn(name: str, engine: str, args: argparse.Namespace, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, __file__, "--worker", name, "--engine", engine,
           "--inputs", str(args.inputs if name not in RECEIVER_TARGETS else args.receiver_inputs),
           "--seconds", str(args.seconds), "--seed", str(args.seed),
           "--timeout", str(args.timeout), "--out", str(out)]
    # libFuzzer prints a line per new coverage point; keep it out of the report.
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """Run the targets (``--jobs`` at a time, each in its own process) and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inputs", type=int, default=100_000, help="inputs per target")
    p.add_argument("--receiver-inputs", type=int, default=None,
                   help="inputs per receiver target (default: --inputs)")
    p.add_argument("--seconds", type=float, default=3600.0, help="time cap per target")
    p.add_argument("--targets", default="all", help="comma-separated names, or all")
    p.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    p.add_argument("--jobs", type=int, default=2, help="targets run at once")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds before an input hangs")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    if args.worker:
        if args.engine == "atheris":
            run_atheris(args.worker, args.inputs, args.seconds, args.seed, args.timeout,
                        args.out)
        else:
            args.out.write_text(json.dumps(run_random(args.worker, args.inputs, args.seconds,
                                                      args.seed, args.timeout)))
        return 0
    from tests.fuzz.targets import TARGETS

    if args.targets == "all":
        args.targets = ",".join(TARGETS)
    if args.receiver_inputs is None:
        args.receiver_inputs = args.inputs
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        p.error(f"unknown target(s) {unknown}; known: {', '.join(TARGETS)}")
    have_atheris = _atheris_available()
    if args.engine == "atheris" and not have_atheris:
        p.error("atheris is not installed (pip install atheris); use --engine random")
    print(f"engine: {args.engine}; atheris {'available' if have_atheris else 'not installed'}"
          " (random engine only where it is missing)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="eas-fuzz-long-"))
    queue = list(names)
    running: dict[str, tuple[subprocess.Popen, Path]] = {}
    results = []
    while queue or running:
        while queue and len(running) < args.jobs:
            name = queue.pop(0)
            engine = args.engine
            if engine == "auto":
                engine = "atheris" if have_atheris and name not in RECEIVER_TARGETS else "random"
            out = work / f"{name}.json"
            running[name] = (_spawn(name, engine, args, out), out)
        time.sleep(1.0)
        for name, (proc, out) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            if out.exists():
                r = json.loads(out.read_text())
            else:
                r = {"target": name, "engine": "?", "inputs": 0, "refused": 0,
                     "unexpected": 1, "hangs": 0, "max_seconds": 0.0,
                     "kinds": {f"worker died, exit {proc.returncode}": 1}}
            results.append(r)
            print(f"{r['target']:<17} {r['engine']:<8} inputs {r['inputs']:>7}  "
                  f"refused {r['refused']:>7}  unexpected {r['unexpected']:>3}  "
                  f"hangs {r['hangs']:>2}  max {r['max_seconds']:.3f} s  {r['kinds'] or ''}",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if any(r["unexpected"] or r["hangs"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
