"""Signature verification benchmark (issue 10 items 1 and 3): the worst signed documents.

Times :func:`eas_encoder.cap.signature.verify` (parse, structure rules, every signature's
digest and value, the trust decision, the verified alert) on the hostile documents of the
issue and on 10 MiB signed alerts, beside bare ``signxml.XMLVerifier().verify`` of the same
bytes (the library we build on, one signature, no rules, no trust, no alert) where that
applies. Wall-clock seconds, best of N; prints a table and writes
benchmarks/results/signatures.json. The target (issue 10): every document under 2 s.

    python benchmarks/bench_signatures.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test fixtures build the documents

from eas_encoder.cap.signature import MAX_SIGNATURES, sign, signatures, verify  # noqa: E402
from eas_encoder.cap.xml import DEFAULT_MAX_BYTES  # noqa: E402
from eas_encoder.errors import CapError  # noqa: E402
from tests.fixtures import forgeries  # noqa: E402
from tests.fixtures.pki import AT, chain, pem  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
STORE = [pem("root_ca.pem")]
SIGNATURE_ROOM = 4000 * MAX_SIGNATURES  # bytes left for the signatures of a 10 MiB alert


def _signed(unsigned: bytes, count: int = 1) -> bytes:
    for _ in range(count):
        unsigned = sign(unsigned, pem("originator.key"), chain("originator"))
    return unsigned


def big_description(count: int = 1) -> bytes:
    """The AMBER alert with description and instruction text filling it to about 10 MiB
    (libxml2 takes no text node over 10,000,000 bytes, so the text is split in two).
    """
    amber = forgeries.amber()
    room = DEFAULT_MAX_BYTES - len(amber) - SIGNATURE_ROOM
    words = (b"The child was last seen near the park. " * (room // 39 + 1))[:room]
    half = len(words) // 2
    return _signed(amber.replace(b"<description>", b"<description>" + words[:half], 1)
                   .replace(b"<instruction>", b"<instruction>" + words[half:], 1), count)


def with_copied_signatures(data: bytes, count: int) -> bytes:
    """``data`` with its last signature copied until it holds ``count`` (sign() refuses to
    make more than the budget, an attacker does not ask).
    """
    root = etree.fromstring(data)
    while len(signatures(root)) < count:
        root.append(copy.deepcopy(signatures(root)[-1]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def many_polygons() -> bytes:
    """The AMBER alert with as many 1000-vertex polygons as fit in about 10 MiB."""
    ring = [f"{34 + 0.5 * math.sin(2 * math.pi * k / 999):.4f},"
            f"{-118 + 0.5 * math.cos(2 * math.pi * k / 999):.4f}" for k in range(999)]
    polygon = b"<polygon>" + " ".join([*ring, ring[0]]).encode() + b"</polygon>"
    amber = forgeries.amber()
    n = (DEFAULT_MAX_BYTES - len(amber) - SIGNATURE_ROOM) // len(polygon)
    return _signed(amber.replace(b"<geocode>", polygon * n + b"<geocode>", 1))


def copies_to_limit() -> bytes:
    """As many copies of a whole signature (certificates included) as fit in 10 MiB."""
    one = len(forgeries.signed()) - len(forgeries.amber())
    return forgeries.signature_copies((DEFAULT_MAX_BYTES - len(forgeries.amber())) // one)


DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "4,684 signature copies (issue 10; was 542 s)":
        lambda: forgeries.signature_copies(4684, key_info=False),
    "signature copies filling 10 MiB": copies_to_limit,
    "wrapping: signed alert in a foreign wrapper": forgeries.wrapped_in_foreign_element,
    "wrapping: signed alert in ds:Object": forgeries.wrapped_in_object,
    "two References": forgeries.two_references,
    "XPath transform": forgeries.xpath_transform,
    "empty SignatureValue": forgeries.empty_signature_value,
    "10 MiB alert (description), 1 signature": big_description,
    "10 MiB alert (description), 2 signatures": lambda: big_description(2),
    f"10 MiB alert (description), {MAX_SIGNATURES} signatures (over the byte budget)":
        lambda: with_copied_signatures(big_description(2), MAX_SIGNATURES),
    "10 MiB alert (polygons of 1000 vertices), 1 signature": many_polygons,
}


def _best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, outcome = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            outcome = run()
        except CapError as exc:
            outcome = f"refused: {exc.rule[:60]}"
        best = min(best, time.perf_counter() - start)
    return best, outcome


def _ours(data: bytes) -> object:
    result = verify(data, trust_store=STORE, at=AT)
    if result.accepted():
        return "accepted"
    return f"rejected: {result.refusal()[:60]}"


def _bare_signxml(data: bytes) -> object:
    config = SignatureConfiguration(location="./", verification_time=AT)
    XMLVerifier().verify(data, x509_cert=pem("originator.pem").decode(), expect_config=config,
                         validate_schema=False)
    return "verified"


def main() -> None:
    """Time every document; print the table; write results/signatures.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name, make in DOCUMENTS.items():
        data = make()
        ours, outcome = _best(lambda data=data: _ours(data), args.repeat)
        bare = None
        if outcome == "accepted" and name.endswith("1 signature"):
            bare, _ = _best(lambda data=data: _bare_signxml(data), args.repeat)
        rows.append({"document": name, "bytes": len(data), "seconds": round(ours, 3),
                     "bare_signxml_seconds": None if bare is None else round(bare, 3),
                     "outcome": str(outcome)})
        ratio = f"{ours / bare:5.2f}x" if bare else "    -"
        print(f"{name:55s} {len(data) / 2**20:6.2f} MiB {ours:7.3f} s  signxml "
              f"{'-' if bare is None else f'{bare:.3f} s'}  {ratio}  {outcome}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "signatures.json").write_text(json.dumps(
        {"python": sys.version.split()[0], "lxml": etree.__version__, "rows": rows},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
