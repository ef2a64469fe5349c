"""Live latency of the SAME receiver beside multimon-ng (issue 12 item 1), in stream time.

A real-time stream is simulated: complete alerts (three header bursts, 8 s two-tone attention
signal, 5 s of speech-like message, three EOMs) separated by programme audio, at 22050 Hz,
fed in 50 ms blocks as a sound card delivers them. Latency is measured in stream time, from
the end of what an event reports (the second header burst, the burst that completed the header
when it needed the third, the first EOM burst, the end of the attention signal) to the end of
the block after which the decoder produced the event. Pacing is simulated (blocks carry their
stream timestamps), so the figures do not depend on this machine's load.

multimon-ng gets the same audio as 16-bit raw through a pipe in the same 50 ms blocks; after
each block the benchmark waits for it to go quiet (no output for 20 ms, and it has read the
block) before sending the next, and stamps each output line with the stream time fed so far.

Two conditions: clean (Eb/N0 30 dB) and noisy (10 dB, where bursts often differ and the third
one is needed). Writes ``benchmarks/results/latency.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from eas_encoder.lab import channel  # noqa: E402
from eas_encoder.same.decoder import Receiver  # noqa: E402
from eas_encoder.same.transmission import dbfs_to_amplitude, encode_transmission  # noqa: E402
from tests.fuzz.audio_gen import programme  # noqa: E402

FS = 22050
BLOCK = int(0.05 * FS)
LEVEL_DBFS = -10.0
RESULTS = ROOT / "benchmarks" / "results"


def build_stream(rng: np.random.Generator, alerts: int, ebn0_db: float
                 ) -> tuple[np.ndarray, list[dict]]:
    """Alerts in programme audio; per alert its header text and segment ends (seconds)."""
    amplitude = dbfs_to_amplitude(LEVEL_DBFS)
    parts, info, pos = [], [], 0
    for i in range(alerts):
        lead = next(programme("speech" if i % 2 else "music", 4.0, FS, seed=i)) * 0.05
        message = next(programme("speech", 5.0, FS, seed=100 + i)) * 0.2
        h = channel.random_header(rng, int(rng.integers(1, 7)))
        t = encode_transmission(h, fs=FS, attention="eas", attention_seconds=8.0,
                                message=message.astype(np.float32), level_dbfs=LEVEL_DBFS)
        pos += len(lead)
        segs = t.segments
        info.append({
            "text": str(h),
            "header_ends": [(pos + s.end) / FS for s in segs if s.kind == "header"],
            "eom_ends": [(pos + s.end) / FS for s in segs if s.kind == "eom"],
            "attention_end": next((pos + s.end) / FS for s in segs if s.kind == "attention"),
        })
        parts += [lead.astype(np.float32), t.samples.astype(np.float32)]
        pos += len(t.samples)
    parts.append(np.zeros(3 * FS, dtype=np.float32))
    x = np.concatenate(parts)
    x = channel.add_noise(x, FS, ebn0_db, amplitude, rng)
    return np.clip(x, -1, 32767 / 32768).astype(np.float32), info


def ours(x: np.ndarray) -> list[tuple[str, str, float, float, int]]:
    """(kind, text, event end, stream time yielded, bursts) for every event."""
    rx = Receiver(FS)
    pcm = (x * 32768).astype(np.int16)
    out = []
    for i in range(0, len(pcm), BLOCK):
        at = min(i + BLOCK, len(pcm)) / FS
        for e in rx.feed(pcm[i:i + BLOCK]):
            out.append((e.kind, getattr(e, "text", ""), e.end, at, getattr(e, "bursts", 0)))
    for e in rx.flush():
        out.append((e.kind, getattr(e, "text", ""), e.end, len(pcm) / FS,
                    getattr(e, "bursts", 0)))
    return out


def multimon(x: np.ndarray) -> list[tuple[str, str, float]] | None:
    """(kind, text, stream time printed) for every EAS line of multimon-ng, or None."""
    if not shutil.which("multimon-ng"):
        return None
    pcm = (x * 32768).astype("<i2")
    cmd = ["multimon-ng", "-q", "-c", "-a", "EAS", "-t", "raw", "-"]
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL", *cmd]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    lines: list[tuple[str, str, float]] = []
    pending = b""

    def drain(at: float, quiet: float) -> None:
        nonlocal pending
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], quiet)
            if not ready:
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode("latin-1").strip()
                if text.startswith("EAS: "):
                    body = text[5:]
                    lines.append(("eom" if body.startswith("NNNN") else "header", body, at))

    for i in range(0, len(pcm), BLOCK):
        proc.stdin.write(pcm[i:i + BLOCK].tobytes())
        proc.stdin.flush()
        drain(min(i + BLOCK, len(pcm)) / FS, 0.02)
    proc.stdin.close()
    drain(len(pcm) / FS, 0.5)
    proc.wait(timeout=30)
    return lines


def _stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "median_s": None, "worst_s": None}
    return {"n": len(values), "median_s": round(float(np.median(values)), 3),
            "worst_s": round(float(np.max(values)), 3)}


def measure(ebn0_db: float, alerts: int, seed: int) -> dict:
    x, info = build_stream(np.random.default_rng(seed), alerts, ebn0_db)
    by_text = {a["text"]: a for a in info}
    lat: dict[str, dict[str, list[float]]] = {
        "eas-encoder": {"header_after_2nd": [], "header_after_3rd": [], "eom": [],
                        "attention": []},
        "multimon-ng": {"header_after_2nd": [], "eom": []}}
    found = {"eas-encoder": 0, "multimon-ng": 0}
    false = {"eas-encoder": 0, "multimon-ng": 0}

    def nearest(ends: list[float], t: float) -> float:
        return min(ends, key=lambda e: abs(e - t))

    for kind, text, end, at, _bursts in ours(x):
        if kind == "header":
            a = by_text.get(text)
            if a is None:
                false["eas-encoder"] += 1
                continue
            found["eas-encoder"] += 1
            used = nearest(a["header_ends"], end)
            key = "header_after_2nd" if used <= a["header_ends"][1] + 0.01 else \
                "header_after_3rd"
            lat["eas-encoder"][key].append(at - used)
        elif kind == "eom":
            a = min(info, key=lambda a: abs(a["eom_ends"][0] - end))
            lat["eas-encoder"]["eom"].append(at - a["eom_ends"][0])
        elif kind == "attention":
            a = min(info, key=lambda a: abs(a["attention_end"] - end))
            lat["eas-encoder"]["attention"].append(at - a["attention_end"])
    mm = multimon(x)
    if mm is not None:
        for kind, text, at in mm:
            if kind == "header":
                a = by_text.get(text)
                if a is None:
                    false["multimon-ng"] += 1
                    continue
                found["multimon-ng"] += 1
                lat["multimon-ng"]["header_after_2nd"].append(at - a["header_ends"][1])
            else:
                # The first NNNN line after an alert's first EOM burst (one per burst follow).
                a = max((a for a in info if a["eom_ends"][0] <= at + 0.01),
                        key=lambda a: a["eom_ends"][0], default=None)
                if a is not None and not a.get("mm_eom"):
                    a["mm_eom"] = True
                    lat["multimon-ng"]["eom"].append(at - a["eom_ends"][0])
    return {"ebn0_db": ebn0_db, "alerts": alerts, "found": found, "false_headers": false,
            "multimon_ng_present": mm is not None,
            "latency": {d: {k: _stats(v) for k, v in kinds.items()}
                        for d, kinds in lat.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=12, help="alerts per condition")
    args = ap.parse_args(argv)
    rows = [measure(30.0, args.alerts, 1), measure(10.0, args.alerts, 2)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latency.json").write_text(json.dumps(rows, indent=1))
    print(f"{'Eb/N0':>6} | {'decoder':>12} | {'event':>17} | {'n':>3} | {'median s':>8} | "
          f"{'worst s':>7}")
    for r in rows:
        for d, kinds in r["latency"].items():
            for k, s in kinds.items():
                med = "-" if s["median_s"] is None else f"{s['median_s']:.2f}"
                worst = "-" if s["worst_s"] is None else f"{s['worst_s']:.2f}"
                print(f"{r['ebn0_db']:6.0f} | {d:>12} | {k:>17} | {s['n']:>3} | {med:>8} | "
                      f"{worst:>7}")
        print(f"       found {r['found']} of {r['alerts']}, false headers {r['false_headers']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
