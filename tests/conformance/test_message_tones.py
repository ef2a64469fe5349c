"""A steady note inside the spoken message is programme audio, not an attention signal.

Found by trying `cap to-wav` then `check` on the result: two held vowels of the espeak-ng
message (688 and 721 Hz, 0.25 s) were measured as mistuned attention signals and failed our
own output.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from eas_encoder.conformance import check
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission

H = Header("CIV", "CAE", ("006037",), "0100", datetime(2026, 11, 29, 8, tzinfo=UTC), "KXYZ/FM")


def test_held_notes_in_the_message_do_not_fail_our_output() -> None:
    fs = 22050
    rng = np.random.default_rng(1)
    parts = []
    for f in (688.0, 721.0, 300.0):
        t = np.arange(int(0.28 * fs)) / fs
        parts += [0.05 * rng.standard_normal(int(0.4 * fs)), 0.3 * np.sin(2 * np.pi * f * t)]
    message = np.concatenate(parts).astype(np.float32)
    tx = encode_transmission(H, fs=fs, attention="eas", message=message)
    report = check(tx.samples, fs)
    failed = [f for f in report.findings if f.verdict == "fail"]
    assert not failed, failed
