"""Nothing lost: the streaming receiver reports the same events however its input is split,
including splits inside bursts and at its own internal chunk edges, and ``decode`` over many
files reports each file and is not stopped by a bad one.
"""

from __future__ import annotations

import numpy as np
import pytest

from eas_encoder.audio import write_audio
from eas_encoder.cli import main
from eas_encoder.same.decoder import Event, Receiver, decode
from tests.fuzz.audio_gen import TRUE_HEADERS, programme, transmission

FS = 8000


def _two_alerts() -> tuple[np.ndarray, list[int]]:
    """Two whole transmissions (header and EOM each) in speech-like programme audio, and
    the sample indices where their bursts start, end and have their middle.
    """
    a, seg_a = transmission(TRUE_HEADERS[0], FS)
    b, seg_b = transmission(TRUE_HEADERS[1], FS)
    speech = next(programme("speech", 3.0, FS, seed=11)) * 0.3
    x = np.concatenate([speech, a, speech, b]).astype(np.float32)
    offset_b = len(speech) * 2 + len(a)
    edges = []
    for base, segments in ((len(speech), seg_a), (offset_b, seg_b)):
        for s in segments:
            edges += [base + s.start, base + (s.start + s.end) // 2, base + s.end]
    return x, edges


SIGNAL, BURST_EDGES = _two_alerts()


def _feed(x: np.ndarray, cuts: list[int]) -> list[Event]:
    rx = Receiver(FS)
    events: list[Event] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(x)], strict=True):
        events.extend(rx.feed(x[lo:hi]))
    return _canonical(events + rx.flush())


def _canonical(events: list[Event]) -> list[Event]:
    # The receiver promises the same events, not the same moment of yielding them.
    return sorted(events, key=lambda e: (e.start, e.kind, e.end))


@pytest.fixture(scope="module")
def whole() -> list[Event]:
    """Events of the whole signal in one call: the reference every split must match."""
    events = _canonical(decode(SIGNAL, FS))
    headers = [e.text for e in events if e.kind == "header"]
    assert headers == list(TRUE_HEADERS[:2]), headers  # the reference itself is right
    assert sum(e.kind == "eom" for e in events) == 2
    return events


@pytest.mark.parametrize("block", [2, 3, 7, 160, 4096])
def test_fixed_block_sizes(block: int, whole: list[Event]) -> None:
    """Blocks of 2, 3, 7, 160 and 4096 samples give exactly the whole-signal events."""
    assert _feed(SIGNAL, list(range(block, len(SIGNAL), block))) == whole


def test_one_sample_blocks_on_a_short_clip() -> None:
    """Single-sample blocks (the worst case for buffering code) on one transmission."""
    clip, _ = transmission(TRUE_HEADERS[2], FS)
    assert _feed(clip, list(range(1, len(clip)))) == _canonical(decode(clip, FS))


@pytest.mark.parametrize("seed", range(5))
def test_random_splits(seed: int, whole: list[Event]) -> None:
    """Random block lengths from 1 sample to 3 seconds, empty blocks included."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([0, 1, 2, 5, 97, 1000, 4096, 24000], size=4000)
    cuts = np.cumsum(sizes)
    assert _feed(SIGNAL, [int(c) for c in cuts if c < len(SIGNAL)]) == whole


def test_splits_at_burst_edges_and_middles(whole: list[Event]) -> None:
    """Blocks that end exactly at, one sample before and after each burst's start, middle
    and end: every alert straddles a block edge somewhere.
    """
    cuts = sorted({c + d for c in BURST_EDGES for d in (-1, 0, 1) if 0 < c + d < len(SIGNAL)})
    assert _feed(SIGNAL, cuts) == whole


def test_splits_at_the_receivers_internal_chunk_edges(whole: list[Event]) -> None:
    """The receiver cuts input into fixed chunks of its own; blocks ending one sample
    either side of those edges must not change anything.
    """
    chunk = Receiver(FS)._chunk  # noqa: SLF001 - the edge this test is about
    cuts = sorted({k * chunk + d for k in range(1, len(SIGNAL) // chunk + 1)
                   for d in (-1, 0, 1) if 0 < k * chunk + d < len(SIGNAL)})
    assert _feed(SIGNAL, cuts) == whole


@pytest.mark.parametrize("fs", [22050, 48000])
def test_other_rates_blocks_versus_whole(fs: int) -> None:
    """At other rates too: 4096-sample and 1000-sample blocks against the whole file."""
    x, _ = transmission(TRUE_HEADERS[0], fs)
    reference = _canonical(decode(x, fs))
    assert [e.text for e in reference if e.kind == "header"] == [TRUE_HEADERS[0]]
    for block in (1000, 4096):
        rx = Receiver(fs)
        events = [e for i in range(0, len(x), block) for e in rx.feed(x[i:i + block])]
        assert _canonical(events + rx.flush()) == reference


def test_decode_many_files_reports_each_and_survives_a_bad_one(tmp_path, capfd) -> None:  # type: ignore[no-untyped-def]
    """``eas-encoder decode a.wav bad.wav c.wav``: a's and c's headers are both printed,
    labelled with their files; bad.wav costs one stderr line and a non-zero exit.
    """
    a, c, bad = tmp_path / "a.wav", tmp_path / "c.wav", tmp_path / "bad.wav"
    write_audio(a, transmission(TRUE_HEADERS[0], FS)[0], FS)
    write_audio(c, transmission(TRUE_HEADERS[1], FS)[0], FS)
    bad.write_bytes(b"not audio at all\n" * 10)
    rc = main(["decode", str(a), str(bad), str(c)])
    out, err = capfd.readouterr()
    assert f"{a}: HEADER" in out and TRUE_HEADERS[0] in out, out
    assert f"{c}: HEADER" in out and TRUE_HEADERS[1] in out, (out, err)
    assert len(err.splitlines()) == 1 and "bad.wav" in err, err
    assert rc != 0
