"""Operator console pages over a long station log: time per page, in process.

    python benchmarks/bench_console.py [--alerts 50000] [--repeat 5] [--src DIR] [--json F]

Builds a station log of ``--alerts`` alerts (one every 10 minutes, a year of them at 50,000)
in a scratch directory, logs a user in, and times each console page through Starlette's
TestClient (no socket: the figure is the app's own work, reading the log and rendering).
Median wall time of ``--repeat`` requests after one warm-up, and the CPU time of the same
requests. ``--src`` measures another checkout's ``src`` the same way (before/after).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

PAGES = ("/alerts", "/alerts?event=RWT&source=LP1", "/alerts/{mid}", "/sources", "/queue",
         "/tests?week=2026-W10")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--src", type=Path, help="another checkout's src directory")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args()
    if args.src:
        sys.path.insert(0, str(args.src.resolve()))
    warnings.simplefilter("ignore")
    from argon2 import PasswordHasher
    from starlette.testclient import TestClient

    from eas_encoder.console import UserStore, create_app
    from eas_encoder.station.actions import Decision, LogAlert
    from eas_encoder.station.config import parse_config
    from eas_encoder.station.log import StationLog

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    header = "ZCZC-WXR-RWT-006037+0015-0011800-KLOX/NWS-"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        cfg = parse_config({"station": {"id": "KXYZ/FM", "locations": ["006037"],
                                        "database": "station.db"},
                            "source": [{"name": "LP1", "audio": "lp1.wav"},
                                       {"name": "LP2", "audio": "lp2.wav"}]},
                           base / "station.toml")
        with StationLog.open(cfg.station.database, now=t0) as log:
            log.record([LogAlert(i, "LP1" if i % 2 else "LP2", t0 + timedelta(minutes=10 * i),
                                 "same", Decision.LOG, "no-filter", header_text=header,
                                 event="RWT", originator="WXR", locations=("006037",))
                        for i in range(1, args.alerts + 1)], t0)
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        UserStore(base / "users.db", hasher=cheap).add_user("bench", "bench-password", t0)
        app = create_app(cfg, clock=lambda: t0 + timedelta(days=400),
                         users_path=base / "users.db", password_hasher=cheap)
        client = TestClient(app)
        form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert form is not None
        client.post("/login", data={"username": "bench", "password": "bench-password",
                                    "csrf_token": form.group(1)})
        results = {}
        for page in PAGES:
            path = page.format(mid=args.alerts // 2)
            assert client.get(path).status_code == 200, path
            walls, cpu = [], time.process_time()
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.get(path)
                walls.append(time.perf_counter() - start)
            cpu = (time.process_time() - cpu) / args.repeat
            results[page] = {"wall_ms": round(statistics.median(walls) * 1000, 1),
                             "cpu_ms": round(cpu * 1000, 1)}
            print(f"{page:32s} {results[page]['wall_ms']:9.1f} ms wall "
                  f"{results[page]['cpu_ms']:9.1f} ms CPU", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"alerts": args.alerts, "pages": results}, indent=1),
                             "utf-8")


if __name__ == "__main__":
    main()
