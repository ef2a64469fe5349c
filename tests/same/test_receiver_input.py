"""Receiver input hygiene: NaN and infinity in 1-D float blocks (the fast path) are cleaned."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from eas_encoder.same.decoder import Receiver
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission

H = Header("WXR", "TOR", ("029095",), "0030", datetime(2026, 11, 29, 8, tzinfo=UTC),
           "KEAX/NWS")


def test_nan_and_inf_between_bursts_do_not_hide_the_header() -> None:
    tx = encode_transmission(H, fs=16000, attention="none")
    x = tx.samples.copy()
    gap = tx.segments[0].end + 4000
    x[gap:gap + 100] = np.nan
    x[gap + 200:gap + 300] = np.inf
    x[gap + 400:gap + 500] = -np.inf
    rx = Receiver(16000)
    events = [e for i in range(0, len(x), 3000) for e in rx.feed(x[i:i + 3000])]
    events += rx.flush()
    assert [e.text for e in events if e.kind == "header"] == [str(H)]
