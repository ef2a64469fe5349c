"""Worst-case CAP documents: time to validate (every profile) and to translate, each bounded.

    python benchmarks/bench_cap_worst.py [--timeout 60] [--only NAME ...] [--src DIR]

Issue 10 item 3: each hostile document of the issue, and a 10 MiB document of each kind,
must validate in under 2 s. Each document is built here from a formula, then measured in a
child process (so a document that still takes minutes on an old build is reported as over the
timeout, not waited for): ``validate`` under the cap, ipaws and ecig profiles, and ``parse`` +
``alert_to_same`` (what ``cap to-same`` does). CPU seconds of the slowest of those, one run;
``--src`` points at another checkout's ``src`` to measure it the same way (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
LIMIT = 10 * MIB - 4096  # room for the alert around the padding
TEXT = 9_900_000  # libxml2 refuses a text node over 10,000,000 bytes (without huge_tree)
_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="{_NS}"{{attrs}}>'
         "<identifier>BENCH-1</identifier><sender>bench@example.org</sender>"
         "<sent>2026-03-14T19:05:00-07:00</sent><status>Actual</status><msgType>Alert</msgType>"
         "<scope>Public</scope><code>IPAWSv1.0</code>{alert_extra}<info>{info_head}"
         "<category>Rescue</category><event>Child Abduction Emergency</event>"
         "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>"
         "<eventCode><valueName>SAME</valueName><value>CAE</value></eventCode>"
         "<expires>2026-03-14T21:05:00-07:00</expires>{info_text}"
         "<parameter><valueName>EAS-ORG</valueName><value>CIV</value></parameter>"
         "{resources}<area><areaDesc>Los Angeles</areaDesc>{area}"
         "<geocode><valueName>SAME</valueName><value>006037</value></geocode>"
         "</area>{areas}</info></alert>\n")


def _doc(*, attrs: str = "", alert_extra: str = "", info_head: str = "", info_text: str = "",
         resources: str = "", area: str = "", areas: str = "") -> bytes:
    return _HEAD.format(attrs=attrs, alert_extra=alert_extra, info_head=info_head,
                        info_text=info_text, resources=resources, area=area,
                        areas=areas).encode("utf-8")


def _fill(unit: str, budget: int = LIMIT) -> str:
    return unit * (budget // len(unit.encode("utf-8")))


def _polygon(n: int, seed: int = 0) -> str:
    # A closed ring of n vertices around Los Angeles (simple: no edge crosses), written with
    # three decimals as real feeds do, so 615 rings of 1000 vertices fill 10 MiB.
    import math
    pts = [(34.0 + (0.5 + 0.002 * seed) * math.cos(2 * math.pi * i / n),
            -118.2 + (0.5 + 0.002 * seed) * math.sin(2 * math.pi * i / n)) for i in range(n)]
    pts.append(pts[0])
    return "<polygon>" + " ".join(f"{a:.3f},{b:.3f}" for a, b in pts) + "</polygon>"


def _zigzag(n: int) -> str:
    # One simple ring of n vertices: a zigzag up one side, straight back down the other.
    half = n // 2
    up = [(-80 + 160 * i / half, -100 + 0.001 * (i % 2)) for i in range(half)]
    ring = [*up, (80.0, -99.0), (-80.0, -99.0), up[0]]
    return "<polygon>" + " ".join(f"{a:.5f},{b:.3f}" for a, b in ring) + "</polygon>"


def _utf7_dev_zero() -> bytes:
    body = ('+ADw-+ACE-DOCTYPE alert [+ADw-+ACE-ENTITY +ACU- p SYSTEM "file:///dev/zero"+AD4- '
            f'+ACU-p;]+AD4-\n+ADw-alert xmlns="{_NS}"/+AD4-\n')
    return b'<?xml version="1.0" encoding="UTF-7"?>\n' + body.encode("ascii")


DOCUMENTS: dict[str, Callable[[], bytes]] = {
    # The reproductions.
    "issue: description '&lt;a' + 200,000 spaces": lambda: _doc(
        info_text="<description>&lt;a" + " " * 200_000 + "</description>"),
    "issue: 615 polygons of 1000 vertices": lambda: _doc(
        area="".join(_polygon(1000, k % 50) for k in range(615))),
    "issue: UTF-7 DOCTYPE naming file:///dev/zero": _utf7_dev_zero,
    "issue: 100,000 nested elements": lambda: (
        f'<alert xmlns="{_NS}">'.encode() + b"<a>" * 100_000 + b"</a>" * 100_000
        + b"</alert>"),
    # A 10 MiB document of each kind.
    "10 MiB description '&lt;a' + spaces": lambda: _doc(
        info_text="<description>&lt;a" + _fill(" ", TEXT) + "</description>"),
    "10 MiB description of '&lt;a ' runs": lambda: _doc(
        info_text="<description>" + _fill("&lt;a ", LIMIT // 2) + "</description>"),
    "10 MiB description '&amp;' + letters": lambda: _doc(
        info_text="<description>&amp;" + _fill("a", TEXT) + "</description>"),
    "10 MiB headline '&lt;' + spaces + '/'": lambda: _doc(
        info_text="<headline>&lt;" + _fill(" ", TEXT) + "/</headline>"),
    "10 MiB one polygon (~525k vertices)": lambda: _doc(area=_zigzag(1_050_000)),
    "10 MiB polygon token of digits": lambda: _doc(
        area="<polygon>" + _fill("1", TEXT) + ",1 0,0 0,1 1,1</polygon>"),
    "10 MiB of bad polygons (budget)": lambda: _doc(
        area=_fill("<polygon>x</polygon>", 99_000 * 20)),
    "10 MiB of circles (budget)": lambda: _doc(
        area=_fill("<circle>34.0,-118.2 10.5</circle>", 99_000 * 34)),
    "10 MiB of geocodes (budget)": lambda: _doc(area="".join(
        f"<geocode><valueName>SAME</valueName><value>{i:06d}</value></geocode>"
        for i in range(33_000))),
    "10 MiB of bad categories (budget)": lambda: _doc(
        info_head=_fill("<category>Bad</category>", 99_000 * 24)),
    "10 MiB of infos (budget)": lambda: _doc(alert_extra="", areas="", info_head="",
                                    resources="").replace(
        b"</alert>", b"<info><category>Met</category><event>x</event><urgency>Past</urgency>"
        b"<severity>Minor</severity><certainty>Likely</certainty></info>" * 16_000
        + b"</alert>"),
    "10 MiB of references": lambda: _doc(alert_extra="<references>" + _fill(
        "a,b,2026-03-14T18:05:00-07:00 ", TEXT) + "</references>"),
    "10 MiB derefUri (base64)": lambda: _doc(resources=(
        "<resource><resourceDesc>audio</resourceDesc><mimeType>audio/x-wav</mimeType>"
        "<derefUri>" + _fill("QUJD", TEXT) + "</derefUri></resource>")),
    "10 MiB of attributes on alert": lambda: _doc(attrs="".join(
        f' a{i}="{i}"' for i in range(700_000))[: LIMIT - 1000].rsplit(" ", 1)[0]),
    "10 MiB of namespace declarations": lambda: _doc(attrs="".join(
        f' xmlns:n{i}="urn:x{i}"' for i in range(500_000))[: LIMIT - 1000].rsplit(" ", 1)[0]),
    "10 MiB of comments (budget)": lambda: _doc(area=_fill("<!--x-->", 99_000 * 8)),
    "10 MiB of foreign elements (budget)": lambda: _doc(
        info_head=_fill('<x:e xmlns:x="urn:x">t</x:e>', 99_000 * 29)),
}


def measure(name: str) -> dict[str, object]:
    """Time each entry point on one document (run in the child process)."""
    from eas_encoder.cap import rules, xml
    from eas_encoder.cap.bridge import alert_to_same
    from eas_encoder.errors import CapError

    data = DOCUMENTS[name]()
    times: dict[str, float] = {}
    outcome = {}
    for profile in rules.PROFILES:
        start = time.process_time()
        findings = rules.validate(data, profile)
        times[f"validate {profile}"] = time.process_time() - start
        outcome[profile] = len(findings)
    start = time.process_time()
    try:
        alert_to_same(xml.parse(data), station="KXYZ/FM")
        outcome["to-same"] = "ok"
    except CapError as exc:
        outcome["to-same"] = f"refused: {exc.rule[:60]}"
    times["to-same"] = time.process_time() - start
    return {"bytes": len(data), "times": times, "outcome": outcome}


def main() -> int:
    """Run every document in a child process and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per document")
    ap.add_argument("--only", nargs="*", help="substrings of document names to run")
    ap.add_argument("--src", type=Path, help="another checkout's src directory to measure")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    print("| document | bytes | slowest entry point | CPU s | outcome |")
    print("|---|---:|---|---:|---|")
    worst = 0.0
    for name in DOCUMENTS:
        if args.only and not any(s in name for s in args.only):
            continue
        try:
            done = subprocess.run([sys.executable, __file__, "--child", name], env=env,
                                  capture_output=True, text=True, timeout=args.timeout,
                                  check=True)
        except subprocess.TimeoutExpired:
            print(f"| {name} | | (over the timeout) | >{args.timeout:g} | |", flush=True)
            worst = float("inf")
            continue
        except subprocess.CalledProcessError as exc:
            tail = (exc.stderr.strip().splitlines() or ["?"])[-1][:80]
            print(f"| {name} | | crashed: {tail} | | |", flush=True)
            continue
        result = json.loads(done.stdout)
        slowest = max(result["times"], key=result["times"].get)
        seconds = result["times"][slowest]
        worst = max(worst, seconds)
        print(f"| {name} | {result['bytes']:,} | {slowest} | {seconds:.2f} | "
              f"{result['outcome']['cap']} findings; to-same {result['outcome']['to-same']} |",
              flush=True)
    print(f"\nslowest: {worst:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
