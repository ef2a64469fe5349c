"""Live latency in stream time (issue 12 item 1): fed in 50 ms blocks as a sound card would,
the receiver yields each event from the block that holds at most a fixed time after what the
event reports. Stream time, not wall-clock time: the block that yields an event is known from
the samples alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from eas_encoder.lab import channel
from eas_encoder.same.decoder import Event, Receiver
from eas_encoder.same.header import Header
from eas_encoder.same.modulator import burst
from eas_encoder.same.transmission import encode_transmission

B = "ZCZC-WXR-TOR-048453-048491+0045-1231745-KEWX/NWS-"


def _live(x: np.ndarray, fs: int, block_seconds: float = 0.05) -> list[tuple[Event, float]]:
    """Every event with the stream time (s) at the end of the block that yielded it."""
    rx = Receiver(fs)
    n = int(block_seconds * fs)
    out: list[tuple[Event, float]] = []
    for i in range(0, len(x), n):
        out += [(e, min(i + n, len(x)) / fs) for e in rx.feed(x[i:i + n])]
    return out + [(e, np.inf) for e in rx.flush()]


@pytest.mark.parametrize("fs", [8000, 22050])
def test_header_eom_and_attention_are_yielded_promptly(fs: int) -> None:
    t = encode_transmission(Header.parse(B), fs=fs, attention="eas", attention_seconds=8.0,
                            tail_seconds=3.0)
    segs = t.segments
    headers = [s for s in segs if s.kind == "header"]
    eoms = [s for s in segs if s.kind == "eom"]
    attention = next(s for s in segs if s.kind == "attention")
    got = {e.kind: (e, at) for e, at in reversed(_live(t.samples, fs))}
    assert set(got) == {"header", "attention", "eom"}
    # The first two bursts match: reported within 0.5 s of the second's end.
    assert 0 <= got["header"][1] - headers[1].end / fs <= 0.5
    assert 0 <= got["eom"][1] - eoms[0].end / fs <= 1.0
    assert 0 <= got["attention"][1] - attention.end / fs <= 1.0


def test_header_needing_the_third_burst_is_yielded_within_its_budget() -> None:
    # The second burst differs from the first: the third confirms the first.
    fs = 8000
    other = B.replace("048491", "048492")
    gap = np.zeros(fs, dtype=np.float32)
    parts = [gap]
    ends = []
    for text in (B, other, B):
        parts.append(burst(text.encode(), fs, 0.5).astype(np.float32))
        ends.append(sum(len(p) for p in parts) / fs)
        parts.append(gap)
    x = np.concatenate([*parts, np.zeros(3 * fs, dtype=np.float32)])
    events = [(e, at) for e, at in _live(x, fs) if e.kind == "header"]
    assert [e.text for e, _ in events] == [B]
    assert 0 <= events[0][1] - ends[2] <= 1.5


def test_noisy_header_combined_from_three_bursts_is_yielded_within_budget() -> None:
    fs = 22050
    h = Header.parse(B)
    x, segs = channel.transmission([h.to_bytes()], fs, eom=False, tail_seconds=4.0)
    x = channel.add_noise(x, fs, 7.0, 0.5, np.random.default_rng(1))
    events = [(e, at) for e, at in _live(x, fs) if e.kind == "header"]
    assert [e.text for e, _ in events] == [B]
    (e, at), = events
    assert e.bursts == 3
    assert 0 <= at - e.end <= 1.5
