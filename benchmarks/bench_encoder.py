"""Encoder benchmark: render time and measured bit-rate error, side by side with minimodem.

Renders a maximum-length transmission (31 locations, 25 s attention signal, 3 EOM) at
48 kHz with eas-encoder, and the same six bursts (3 headers + 3 EOM, with preamble) with
``minimodem --tx same``, in one run; prints a table, writes benchmarks/results/encoder.json
and encoder.png. CPU seconds are used (process time for ours, child rusage for minimodem),
best of N repetitions.

    python benchmarks/bench_encoder.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile as sf

from eas_encoder.audio import encode_audio_bytes
from eas_encoder.conformance.measure import measure_burst
from eas_encoder.same.header import Header
from eas_encoder.same.modulator import burst
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.same.waveform import BAUD

RESULTS = Path(__file__).resolve().parent / "results"
FS = 48000
STATES = (1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
          26, 27, 28, 29, 30, 31, 32, 33, 34)
LONGEST = Header("WXR", "TOR", tuple(f"0{ss:02d}001" for ss in STATES), "0600",
                 datetime(2026, 11, 29, 8, tzinfo=UTC), "KEAX/NWS")


def bit_rate_of(x: np.ndarray, fs: int) -> float:
    """Bit rate (bit/s) of one burst, measured by the conformance checker (least-squares fit
    of the bit-edge times), so the benchmark and ``eas-encoder check`` agree.
    """
    pad = np.zeros(fs // 4)
    burst_ = measure_burst(np.concatenate([pad, np.asarray(x, dtype=np.float64), pad]), fs)
    if burst_ is None:
        raise RuntimeError("no AFSK burst found")
    return burst_.bit_rate


def ours_full() -> float:
    t0 = time.process_time()
    tx = encode_transmission(LONGEST, fs=FS, attention="eas", attention_seconds=25)
    encode_audio_bytes(tx.samples, FS, format="wav")
    return time.process_time() - t0


def ours_bursts() -> float:
    t0 = time.process_time()
    h, e = burst(LONGEST.to_bytes(), FS), burst(b"NNNN", FS)
    gap = np.zeros(FS, dtype=np.float32)
    encode_audio_bytes(np.concatenate([h, gap, h, gap, h, gap, e, gap, e, gap, e]), FS)
    return time.process_time() - t0


def minimodem_bursts(exe: str, tmp: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for i, text in enumerate([str(LONGEST)] * 3 + ["NNNN"] * 3):
        subprocess.run([exe, "--tx", "same", "-R", str(FS), "-f", str(tmp / f"m{i}.wav")],
                       input=text.encode(), check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    exe = shutil.which("minimodem")
    rows = {}
    rows["eas-encoder full transmission (25 s tone)"] = min(ours_full() for _ in range(args.repeat))
    rows["eas-encoder 6 bursts only"] = min(ours_bursts() for _ in range(args.repeat))
    rate_ours = bit_rate_of(burst(LONGEST.to_bytes(), FS), FS)
    rate_mm = None
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if exe:
            rows["minimodem --tx same, 6 bursts"] = min(
                minimodem_bursts(exe, tmp) for _ in range(args.repeat))
            x, fs = sf.read(str(tmp / "m0.wav"))  # a header burst made above
            rate_mm = bit_rate_of(x, fs)
    base = rows["eas-encoder 6 bursts only"]
    print(f"Render at {FS} Hz, 31-location header (best of {args.repeat}, CPU seconds)")
    print(f"{'encoder':<46}{'CPU s':>9}{'ratio to ours (bursts)':>26}")
    for name, secs in rows.items():
        print(f"{name:<46}{secs:>9.4f}{secs / base:>26.2f}")
    print(f"\nMeasured bit rate of a 31-location header burst at {FS} Hz "
          f"(nominal {BAUD:.4f} bit/s)")
    for name, rate in (("eas-encoder", rate_ours), ("minimodem", rate_mm)):
        if rate is not None:
            print(f"{name:<20}{rate:>12.4f} bit/s {1e6 * (rate / BAUD - 1):>+10.1f} ppm")
    if rate_mm is None:
        print("minimodem not installed: apt-get install minimodem")
    out = {"fs": FS, "cpu_seconds": rows, "bit_rate": {"eas-encoder": rate_ours,
                                                        "minimodem": rate_mm},
           "nominal_bit_rate": BAUD}
    (RESULTS / "encoder.json").write_text(json.dumps(out, indent=2))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.barh(list(rows), list(rows.values()))
    ax.set_xlabel("CPU seconds (lower is better)")
    ax.set_title(f"Render time at {FS} Hz, 31-location header")
    fig.tight_layout()
    fig.savefig(RESULTS / "encoder.png", dpi=100)


if __name__ == "__main__":
    main()
