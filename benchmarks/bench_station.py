"""How many concurrent 22.05 kHz monitoring sources one station core handles in real time
with the live-receiver latency targets of issue 12 item 1 held.

    nice -n 10 python benchmarks/bench_station.py                  # 1..32 sources, ~4 min
    python benchmarks/bench_station.py --sources 1,4 --quick       # smoke run

Two measurements, both through the real shell (`eas_encoder.station.shell.Monitor`: one asyncio
loop, one Receiver per source, the core, the SQLite log with FULL sync):

1. **Cost**: N copies of the test stream read as fast as the CPU allows (`--once`); CPU
   seconds per second of source audio, so one core's ceiling is about 1 / that figure.
2. **Real time**: N sources paced at real time (each a file delivered block by block at its
   own rate, all carrying the same alert at the same moment: the worst case, every receiver
   busy at once). For every event, latency = wall time the core received it minus the wall
   time the audio that defines it finished arriving: header -> end of its second burst
   (target 0.5 s when the first two bursts match, as here) and of its third (1.5 s); attention
   signal -> its end (1.0 s); EOM -> end of the first NNNN burst (1.0 s). The largest N whose
   worst latencies all hold is the answer.

The stream: 2 s of quiet noise (-50 dBFS), then a transmission (three headers, 8 s attention
signal, 4 s of noise standing in for speech, three EOMs) at -3 dBFS, then 3 s of noise.
Results go to benchmarks/results/station.json; the table for BENCHMARKS.md is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eas_encoder.audio import write_audio
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.station.config import load_config
from eas_encoder.station.events import HeardAttention, HeardEom, HeardHeader, SourceHealth
from eas_encoder.station.shell import Monitor

FS = 22050
LEAD_SECONDS = 2.0
TARGETS = {"header@2": 0.5, "header@3": 1.5, "attention": 1.0, "eom": 1.0}
RESULTS = Path(__file__).resolve().parent / "results" / "station.json"


def make_stream(path: Path, issued: datetime) -> dict[str, float]:
    """Write the test stream; return the stream times (s) that define each event."""
    rng = np.random.default_rng(12)
    header = Header("WXR", "TOR", ("006037",), 60, issued, "KLOX/NWS")
    message = (rng.standard_normal(4 * FS) * 0.1).astype(np.float32)
    tx = encode_transmission(header, fs=FS, message=message, lead_in_seconds=0,
                             tail_seconds=0)
    x = np.concatenate([np.zeros(int(LEAD_SECONDS * FS), np.float32), tx.samples,
                        np.zeros(3 * FS, np.float32)])
    x += (rng.standard_normal(len(x)) * 10 ** (-50 / 20)).astype(np.float32)
    write_audio(path, x, FS)
    seg = tx.segments
    headers = [s for s in seg if s.kind == "header"]
    eoms = [s for s in seg if s.kind == "eom"]
    att = next(s for s in seg if s.kind == "attention")
    at = lambda n: LEAD_SECONDS + n / FS  # noqa: E731
    return {"header@2": at(headers[1].end), "header@3": at(headers[2].end),
            "attention": at(att.end), "eom": at(eoms[0].end), "length": len(x) / FS}


def station_toml(directory: Path, audio: Path, n: int, *, start: datetime | None) -> Path:
    lines = ['[station]', 'id = "KXYZ/FM"', 'locations = ["006037"]',
             '[[filter]]', 'locations = "station"', 'action = "forward"',
             '[tests]', 'weekly_rwt = false']
    for i in range(n):
        lines += ['[[source]]', f'name = "S{i + 1}"', f'audio = "{audio}"']
        if start is not None:
            lines.append(f"start = {start:%Y-%m-%dT%H:%M:%SZ}")
    path = directory / "station.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class TimedMonitor(Monitor):
    """The shell, noting when each source connected and when each event reached the core."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.opened: dict[str, float] = {}
        self.arrivals: list[tuple[str, str, float]] = []

    async def deliver(self, event: object) -> None:  # noqa: D102
        t = asyncio.get_running_loop().time()
        if isinstance(event, SourceHealth) and event.detail.startswith("connected"):
            self.opened.setdefault(event.source, t)
        elif isinstance(event, HeardHeader):
            self.arrivals.append((event.source, "header", t))
        elif isinstance(event, HeardAttention):
            self.arrivals.append((event.source, "attention", t))
        elif isinstance(event, HeardEom):
            self.arrivals.append((event.source, "eom", t))
        await super().deliver(event)


def cost(audio: Path, n: int, seconds: float) -> float:
    """CPU seconds per second of source audio with ``n`` sources read at once."""
    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(station_toml(Path(d), audio, n,
                                       start=datetime(2026, 11, 30, 18, 0, tzinfo=UTC)))
        t0 = time.process_time()
        asyncio.run(Monitor(cfg, once=True, out=None).run())
        return (time.process_time() - t0) / (n * seconds)


def realtime(audio: Path, n: int, marks: dict[str, float]) -> dict[str, object]:
    """Latencies (s) per event kind with ``n`` paced sources."""
    with tempfile.TemporaryDirectory() as d:
        cfg = load_config(station_toml(Path(d), audio, n, start=None))
        monitor = TimedMonitor(cfg, once=False, out=None)

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(monitor.run(stop))
            limit = asyncio.get_running_loop().time() + marks["length"] * 3 + 30
            while asyncio.get_running_loop().time() < limit:
                await asyncio.sleep(0.25)
                if sum(k == "eom" for _, k, _ in monitor.arrivals) >= n:
                    break
            stop.set()
            await task

        cpu0, wall0 = time.process_time(), time.perf_counter()
        asyncio.run(main())
        load = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    lat: dict[str, list[float]] = {k: [] for k in TARGETS}
    for source, kind, t in monitor.arrivals:
        t0 = monitor.opened[source]
        if kind == "header":
            lat["header@2"].append(t - (t0 + marks["header@2"]))
            lat["header@3"].append(t - (t0 + marks["header@3"]))
        else:
            lat[kind].append(t - (t0 + marks[kind]))
    missing = {k: n - len(v) for k, v in lat.items() if len(v) < n}
    out: dict[str, object] = {"sources": n, "cpu_share": round(load, 3), "missing": missing}
    held = not missing
    for k, v in lat.items():
        if v:
            out[k] = {"median": round(statistics.median(v), 3), "worst": round(max(v), 3)}
            held = held and max(v) <= TARGETS[k]
    out["targets_held"] = held
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", default="1,4,8,16,24,32",
                    help="comma-separated source counts for the real-time runs")
    ap.add_argument("--quick", action="store_true", help="smoke run: cost with 2 sources only")
    args = ap.parse_args()
    counts = [int(c) for c in args.sources.split(",")]
    with tempfile.TemporaryDirectory() as d:
        audio = Path(d) / "stream.wav"
        # Issued now: live runs time-stamp from the wall clock and must not find it expired.
        marks = make_stream(audio, datetime.now(UTC))
        per_source = cost(audio, 2 if args.quick else 8, marks["length"])
        runs = [realtime(audio, n, marks) for n in counts]
    held = [r["sources"] for r in runs if r["targets_held"]]
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "stream_seconds": round(marks["length"], 2), "fs": FS,
        "cpu_seconds_per_source_second": round(per_source, 5),
        "one_core_ceiling_sources": int(1 / per_source),
        "targets_s": TARGETS, "realtime": runs,
        "largest_count_holding_targets": max(held) if held else 0,
    }
    if not args.quick:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"cost: {per_source * 1000:.2f} ms CPU per source-second "
          f"(one core: about {int(1 / per_source)} sources)")
    print("| sources | CPU share | header after burst 2 median / worst | after burst 3 | "
          "attention | EOM | targets held |")
    print("|---:|---:|---|---|---|---|---|")
    for r in runs:
        cells = [f"{r[k]['median']:.2f} / {r[k]['worst']:.2f}" if k in r else "missing"
                 for k in TARGETS]
        print(f"| {r['sources']} | {r['cpu_share']:.2f} | " + " | ".join(cells) +
              f" | {'yes' if r['targets_held'] else 'no'} |")


if __name__ == "__main__":
    main()
