"""Memory benchmark: peak RSS of decode/check reading standard input, and of encode --message.

Each command runs as its own process reading a pipe (``cat FILE | command``), so nothing can
seek; its peak resident set size comes from GNU time (``/usr/bin/time -f %M``). Inputs are a
SAME transmission (header x3, attention signal, EOM x3) followed by low-level noise to the
asked length, at
22050 Hz mono 16-bit, as raw s16le, WAV and FLAC. Peers on the same raw input: multimon-ng
(``-a EAS -t raw``) and sox reading the WAV from the pipe (``sox -t wav - -n``).

    python benchmarks/bench_memory.py [--minutes 10,60] [--src OTHER_CHECKOUT/src]

``--src`` runs the eas-encoder commands from another checkout's sources (e.g. an older commit
unpacked with ``git archive``) to compare before and after. Results:
benchmarks/results/memory*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile as sf

from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission

RESULTS = Path(__file__).resolve().parent / "results"
TIME = "/usr/bin/time"
FS = 22050
HEADER = Header("WXR", "TOR", ("029095",), "0030", datetime(2026, 11, 29, 8, tzinfo=UTC),
                "KEAX/NWS")


def write_inputs(directory: Path, minutes: float) -> dict[str, Path]:
    """Write ``minutes`` of audio as .raw, .wav and .flac, block by block."""
    frames = int(minutes * 60 * FS)
    tx = encode_transmission(HEADER, fs=FS).samples
    rng = np.random.default_rng(1)
    paths = {k: directory / f"in{minutes:g}.{k}" for k in ("raw", "wav", "flac")}
    with open(paths["raw"], "wb") as raw, \
            sf.SoundFile(paths["wav"], "w", FS, 1, "PCM_16") as wav, \
            sf.SoundFile(paths["flac"], "w", FS, 1, "PCM_16") as flac:
        done = 0
        while done < frames:
            n = min(FS * 30, frames - done)
            block = (rng.standard_normal(n) * 0.003).astype(np.float32)
            if done < len(tx):
                k = min(n, len(tx) - done)
                block[:k] += tx[done:done + k]
            block = np.clip(block, -1, 1)
            raw.write((np.round(block * 32767)).astype("<i2").tobytes())
            wav.write(block)
            flac.write(block)
            done += n
    return paths


def peak_kib(command: list[str], stdin_file: Path | None, env: dict[str, str]) -> tuple[int, int]:
    """(peak RSS KiB, exit status) of ``command`` reading ``stdin_file`` through a pipe.

    Measured by ``/usr/bin/time -f %M``: a process started straight from this (large) Python
    process inherits its memory high-water mark across exec, so ``wait4``'s figure would be
    at least this process's own size.
    """
    feeder = None
    if stdin_file is not None:
        feeder = subprocess.Popen(["cat", str(stdin_file)], stdout=subprocess.PIPE)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        proc = subprocess.Popen([TIME, "-q", "-f", "%M", "-o", report.name, *command],
                                stdin=feeder.stdout if feeder else subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if feeder is not None:
            assert feeder.stdout is not None
            feeder.stdout.close()
        code = proc.wait()
        if feeder is not None:
            feeder.wait()
        kib = int(report.read().split()[-1])
    return kib, code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", default="10,60")
    ap.add_argument("--src", default=None, help="run eas-encoder from this source tree")
    ap.add_argument("--label", default="after")
    args = ap.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"needs GNU time at {TIME} (Debian package 'time')")
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    ours = [sys.executable, "-m", "eas_encoder"]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for minutes in (float(m) for m in args.minutes.split(",")):
            paths = write_inputs(tmpdir, minutes)
            runs = [
                ("decode - (WAV)", ours + ["decode", "-"], paths["wav"]),
                ("decode - (FLAC)", ours + ["decode", "-"], paths["flac"]),
                ("decode --rate - (raw)", ours + ["decode", "--rate", str(FS), "-"],
                 paths["raw"]),
                ("check - (WAV)", ours + ["check", "-"], paths["wav"]),
                ("check --rate - (raw)", ours + ["check", "--rate", str(FS), "-"],
                 paths["raw"]),
            ]
            if shutil.which("multimon-ng"):
                runs.append(("multimon-ng -a EAS -t raw (raw)",
                             ["multimon-ng", "-q", "-a", "EAS", "-t", "raw", "-"],
                             paths["raw"]))
            if shutil.which("sox"):
                runs.append(("sox -t wav - -n (WAV)", ["sox", "-q", "-t", "wav", "-", "-n"],
                             paths["wav"]))
            for name, cmd, src in runs:
                kib, code = peak_kib(cmd, src, env)
                results.append({"minutes": minutes, "command": name, "peak_mib":
                                round(kib / 1024, 1), "exit": code})
                print(f"{minutes:6g} min  {name:34s} {kib / 1024:8.1f} MiB  exit {code}",
                      flush=True)
            for path in paths.values():
                path.unlink()
        for minutes, extra in ((2.0, []), (10.0, ["--allow-long"])):
            msg = tmpdir / "message.wav"
            sf.write(msg, (np.random.default_rng(2).standard_normal(int(minutes * 60 * 16000))
                           * 0.1).astype(np.float32), 16000, subtype="PCM_16")
            cmd = ours + ["encode", "--message", str(msg), *extra, "--rate", "48000",
                          "-o", str(tmpdir / "out.wav")]
            kib, code = peak_kib(cmd, None, env)
            name = f"encode --message {minutes:g} min {' '.join(extra)}".strip()
            results.append({"minutes": minutes, "command": name,
                            "peak_mib": round(kib / 1024, 1), "exit": code})
            print(f"{minutes:6g} min  {name:34s} {kib / 1024:8.1f} MiB  exit {code}",
                  flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"memory_{args.label}.json"
    out.write_text(json.dumps({"date": datetime.now(UTC).isoformat(timespec="seconds"),
                               "fs": FS, "src": args.src, "results": results}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
