"""SAME decoder benchmark: eas-encoder vs multimon-ng, direwolf (atest) and minimodem.

All four decoders get the same files in the same run (22050 Hz, 16-bit):

(a) header success vs Eb/N0: random headers of 1 to 31 locations (three bursts each, one-second
    gaps), white Gaussian noise with sigma^2 = A^2 fs / (4 baud Eb/N0) for bursts of amplitude A.
    A trial succeeds when the decoder prints the exact transmitted header; a *false* header is
    any printed header that was not transmitted.
(b) bit-rate error (-4 .. +4 %) and carrier offset (-150 .. +150 Hz) sweeps at Eb/N0 = 20 dB.
(c) throughput: one hour of speech- and music-like programme audio with a dozen complete alerts
    (header x3, attention signal, EOM x3): CPU seconds per tool and peak memory (max RSS).

Writes ``benchmarks/results/decoder_*.json`` and ``decoder_ebn0.png`` and prints the tables.
``--quick`` runs fewer trials (for a smoke test; the published figures use the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eas_encoder.lab import channel  # noqa: E402
from eas_encoder.same.decoder import HeaderEvent, decode_blocks  # noqa: E402
from eas_encoder.same.tones import attention_signal  # noqa: E402

FS = 22050
AMPLITUDE = 0.1          # leaves headroom for the noise in 16-bit files at low Eb/N0
RESULTS = ROOT / "benchmarks" / "results"
REPEAT = 3
DECODERS = ("eas-encoder", "multimon-ng", "direwolf", "minimodem")
_HEADER_RE = re.compile(r"ZCZC-[A-Z]{3}-[A-Z]{3}(?:-\d{6})+\+\d{4}-\d{7}-[^-\n]{1,8}-")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# -- running the decoders ------------------------------------------------------------------
def _run(cmd: list[str]) -> tuple[str, float, float]:
    """Run ``cmd``; return (stdout, CPU seconds, peak RSS MiB) of that process alone.

    GNU time reports the child's own peak RSS (``wait4`` would include this big parent's
    pages inherited across the fork).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", stats.name, *cmd],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        user, system, rss_kib = stats.read().split()[-3:]
    return (proc.stdout.decode("latin-1"), float(user) + float(system), int(rss_kib) / 1024)


def decode_with(name: str, wav: Path, raw: Path) -> tuple[list[str], float, float]:
    """Headers printed by one decoder for a file, with its CPU seconds and peak RSS (MiB)."""
    if name == "eas-encoder":
        cmd = [sys.executable, "-m", "eas_encoder.cli", "decode", "--rate", str(FS), str(raw)]
    elif name == "multimon-ng":
        cmd = ["multimon-ng", "-q", "-c", "-a", "EAS", "-t", "raw", str(raw)]
    elif name == "direwolf":
        cmd = ["atest", "-B", "EAS", str(wav)]
    else:
        cmd = ["minimodem", "--rx", "-q", "same", "-f", str(wav)]
    out, cpu, rss = _run(cmd)
    out = _ANSI.sub("", out)
    if name == "eas-encoder":
        texts = [line.split(None, 2)[2].rsplit(" bursts=", 1)[0]
                 for line in out.splitlines() if line.startswith("HEADER")]
    elif name == "multimon-ng":
        texts = [line[5:] for line in out.splitlines() if line.startswith("EAS: ZCZC")]
    else:
        texts = [m.group(0) for m in _HEADER_RE.finditer(out)]
    return texts, cpu, rss


def _write(x: np.ndarray, directory: Path, stem: str) -> tuple[Path, Path]:
    pcm = (np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2")
    wav, raw = directory / f"{stem}.wav", directory / f"{stem}.raw"
    sf.write(wav, pcm, FS, subtype="PCM_16")
    pcm.tofile(raw)
    return wav, raw


def _score(sent: list[str], got: list[str]) -> tuple[int, int]:
    sent_set, got_set = set(sent), set(got)
    return len(sent_set & got_set), len(got_set - sent_set)


def run_point(rng: np.random.Generator, trials: int, ebn0_db: float, directory: Path, *,
              rate_error: float = 0.0, offset_hz: float = 0.0) -> dict:
    """One operating point: ``trials`` alerts back to back in one file, every decoder."""
    sent, parts = [], []
    for _ in range(trials):
        h = channel.random_header(rng)
        x, _ = channel.transmission([h.to_bytes()], FS, amplitude=AMPLITUDE,
                                    rate_error=rate_error, eom=False, lead_seconds=1.0,
                                    tail_seconds=2.0)
        sent.append(str(h))
        parts.append(x)
    x = np.concatenate(parts)
    if offset_hz:
        x = channel.shift_frequency(x, FS, offset_hz)
    x = channel.add_noise(x, FS, ebn0_db, AMPLITUDE, rng)
    wav, raw = _write(x, directory, "point")
    row = {"ebn0_db": ebn0_db, "rate_error": rate_error, "offset_hz": offset_hz,
           "trials": trials}
    for name in DECODERS:
        got, _, _ = decode_with(name, wav, raw)
        ok, false = _score(sent, got)
        row[name] = {"success": ok / trials, "false_headers": false}
    return row


# -- (a) and (b) ---------------------------------------------------------------------------
def sweep_ebn0(points: list[float], trials: int, directory: Path) -> list[dict]:
    rows = []
    for eb in points:
        row = run_point(np.random.default_rng(int(eb * 1000) + 1), trials, eb, directory)
        rows.append(row)
        print(_fmt_row(f"{eb:5.1f} dB", row), flush=True)
    return rows


def sweep_impairments(rates: list[float], offsets: list[float], trials: int, ebn0_db: float,
                      directory: Path) -> tuple[list[dict], list[dict]]:
    rate_rows, off_rows = [], []
    for r in rates:
        row = run_point(np.random.default_rng(int(r * 1e4) + 1077), trials, ebn0_db, directory,
                        rate_error=r)
        rate_rows.append(row)
        print(_fmt_row(f"{r * 100:+5.1f} %", row), flush=True)
    for f in offsets:
        row = run_point(np.random.default_rng(int(f) + 1999), trials, ebn0_db, directory,
                        offset_hz=f)
        off_rows.append(row)
        print(_fmt_row(f"{f:+5.0f} Hz", row), flush=True)
    return rate_rows, off_rows


def _fmt_row(label: str, row: dict) -> str:
    cells = [f"{row[n]['success'] * 100:5.1f} % ({row[n]['false_headers']} false)"
             for n in DECODERS]
    return f"{label:>9} | " + " | ".join(f"{c:>18}" for c in cells)


def threshold(rows: list[dict], name: str, level: float) -> float | None:
    """Lowest Eb/N0 (dB, linear interpolation) where success reaches ``level``."""
    xs = [r["ebn0_db"] for r in rows]
    ys = [r[name]["success"] for r in rows]
    for i in range(len(xs)):
        if ys[i] >= level:
            if i == 0:
                return xs[0]
            x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
            return x0 + (level - y0) * (x1 - x0) / (y1 - y0) if y1 > y0 else x1
    return None


# -- (c) throughput ------------------------------------------------------------------------
def monitoring_hour(rng: np.random.Generator, minutes: float = 60.0, alerts: int = 12
                    ) -> tuple[np.ndarray, list[str]]:
    """Programme audio (speech- and music-like, alternating every 30 s) with ``alerts`` full
    alerts spread evenly (headers, 8 s attention signal, 20 s voice message, EOMs), 22050 Hz.
    """
    n = int(minutes * 60 * FS)
    x = np.empty(n, dtype=np.float32)
    for k, start in enumerate(range(0, n, 30 * FS)):
        seg = channel.speech_like if k % 2 == 0 else channel.music_like
        x[start:start + 30 * FS] = seg(FS, 30, rng)[: n - start]
    sent = []
    for i in range(alerts):
        h = channel.random_header(rng)
        hdr, _ = channel.transmission([h.to_bytes()], FS, amplitude=0.5, eom=False,
                                      lead_seconds=0.5, tail_seconds=0.0)
        eom, _ = channel.transmission([], FS, amplitude=0.5, lead_seconds=0.0,
                                      tail_seconds=0.5)
        alert = np.concatenate([hdr, attention_signal("eas", 8.0, FS, 0.5),
                                np.zeros(FS, np.float32), channel.speech_like(FS, 20, rng), eom])
        at = int(i * n / alerts) + 5 * FS
        x[at:at + len(alert)] = alert
        sent.append(str(h))
    x += channel.add_noise(np.zeros(n, np.float32), FS, 30.0, 0.5, rng)
    return x, sent


def throughput(directory: Path, minutes: float) -> dict:
    x, sent = monitoring_hour(np.random.default_rng(3600), minutes)
    wav, raw = _write(x, directory, "hour")
    audio_s = len(x) / FS
    result = {"audio_seconds": audio_s, "alerts": len(sent), "tools": {}}
    for name in DECODERS:
        # Best of REPEAT runs: the machine is shared, so the minimum is the fair figure.
        runs = [decode_with(name, wav, raw) for _ in range(REPEAT)]
        got = runs[0][0]
        cpu = min(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        ok, false = _score(sent, got)
        result["tools"][name] = {"cpu_seconds": cpu, "audio_per_cpu_second": audio_s / cpu,
                                 "peak_rss_mib": rss, "headers_found": ok,
                                 "false_headers": false}
    # The same command on an empty input: interpreter start-up and imports, to net them out.
    empty = directory / "empty.raw"
    empty.write_bytes(b"")
    startup = min(decode_with("eas-encoder", wav, empty)[1] for _ in range(REPEAT))
    cli = result["tools"]["eas-encoder"]
    result["tools"]["eas-encoder (CLI minus start-up)"] = {
        **cli, "cpu_seconds": cli["cpu_seconds"] - startup,
        "audio_per_cpu_second": audio_s / max(cli["cpu_seconds"] - startup, 1e-9)}
    result["cli_startup_cpu_seconds"] = startup
    # The library alone, in this process, streaming one-second int16 blocks from the file.
    pcm = np.memmap(raw, dtype="<i2", mode="r")
    cpu = float("inf")
    for _ in range(REPEAT):
        t0 = time.process_time()
        events = decode_blocks((pcm[i:i + FS] for i in range(0, len(pcm), FS)), FS)
        cpu = min(cpu, time.process_time() - t0)
    ok, false = _score(sent, [e.text for e in events if isinstance(e, HeaderEvent)])
    result["tools"]["eas-encoder (library)"] = {
        "cpu_seconds": cpu, "audio_per_cpu_second": audio_s / cpu,
        "peak_rss_mib": float("nan"), "headers_found": ok, "false_headers": false}
    return result


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    xs = [r["ebn0_db"] for r in rows]
    for name in DECODERS:
        ax.plot(xs, [100 * r[name]["success"] for r in rows], marker="o", label=name)
    ax.axvline(8, color="grey", ls=":", lw=1)
    ax.axhline(50, color="grey", ls=":", lw=1)
    ax.set_xlabel("Eb/N0 (dB)")
    ax.set_ylabel("headers decoded exactly (%)")
    ax.set_title(f"SAME header success, 22050 Hz, {rows[0]['trials']} random headers per point")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few trials, short throughput file")
    ap.add_argument("--trials", type=int, help="trials per Eb/N0 point (default 100)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["ebn0", "sweeps", "throughput"])
    args = ap.parse_args(argv)
    trials = args.trials or (15 if args.quick else 100)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    header = f"{'':>9} | " + " | ".join(f"{n:>18}" for n in DECODERS)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if "ebn0" not in args.skip:
            print("(a) header success vs Eb/N0\n" + header)
            points = [float(v) for v in np.arange(4, 17, 2 if args.quick else 1)]
            rows = sweep_ebn0(points, trials, d)
            summary = {n: {"ebn0_50": threshold(rows, n, 0.5), "ebn0_99": threshold(rows, n, 0.99)}
                       for n in DECODERS}
            (RESULTS / "decoder_ebn0.json").write_text(json.dumps(
                {"rows": rows, "thresholds": summary}, indent=1))
            plot(rows, RESULTS / "decoder_ebn0.png")
            for n in DECODERS:
                s = summary[n]
                print(f"  {n:>12}: 50 % at {s['ebn0_50']} dB, 99 % at {s['ebn0_99']} dB")
        if "sweeps" not in args.skip:
            print("(b) bit-rate error and carrier offset at Eb/N0 = 20 dB\n" + header)
            rates = [-0.04, -0.03, -0.02, -0.01, -0.005, 0.005, 0.01, 0.02, 0.03, 0.04]
            offsets = [-150, -100, -60, -30, 30, 60, 100, 150]
            rr, oo = sweep_impairments(rates, offsets, max(10, trials // 2), 20.0, d)
            (RESULTS / "decoder_sweeps.json").write_text(json.dumps(
                {"rate_error": rr, "carrier_offset": oo}, indent=1))
        if "throughput" not in args.skip:
            minutes = 15.0 if args.quick else 60.0
            print(f"(c) throughput, {minutes:.0f} min of programme audio with 12 alerts")
            res = throughput(d, minutes)
            (RESULTS / "decoder_throughput.json").write_text(json.dumps(res, indent=1))
            ref = res["tools"]["multimon-ng"]["cpu_seconds"]
            print(f"{'tool':>22} | {'CPU s':>7} | {'x realtime':>10} | {'vs multimon':>11} | "
                  f"{'peak MiB':>8} | found | false")
            for name, t in res["tools"].items():
                print(f"{name:>22} | {t['cpu_seconds']:7.2f} | {t['audio_per_cpu_second']:10.0f}"
                      f" | {ref / t['cpu_seconds']:10.2f}x | {t['peak_rss_mib']:8.1f} | "
                      f"{t['headers_found']:>5} | {t['false_headers']:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
