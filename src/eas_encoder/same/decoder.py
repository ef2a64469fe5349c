"""SAME receiver: one-shot :func:`decode` and streaming :class:`Receiver`.

Signal chain (one stage per module in :mod:`eas_encoder.same.receiver`)::

    samples -> frontend (one-bit tone correlators, one BLAS product per chunk)
            -> detector (soft 0xAB preamble correlation, five rate hypotheses)
            -> demod (tone frequencies, carrier-phase bit clock, ZCZC/NNNN sync, soft bits)
            -> assembler (two matching bursts, or soft combining of three, grammar MAP
               decode, confidence, duplicates)
            -> events;   frontend -> attention (853 + 960 Hz / 1050 Hz runs) -> events

**Block-split invariance.** The receiver cuts its input into fixed internal chunks (0.2 s)
whatever block sizes it is fed, and every decision depends only on sample values and that
fixed grid, so any split of a stream gives the same events; only the moment an event is
yielded differs. (The chunk is fixed because BLAS products of different row counts round
differently.)

**Latency** (stream time from the end of what is reported to the block that yields it, when
fed in blocks no longer than the chunk): a header whose first two bursts match, within 0.5 s of
the second burst's end; one that needs the third burst, within 0.5 s of its end; an EOM within
1 s of its first burst's end; an attention signal within 0.5 s of its end. The burst
demodulator makes a pass per chunk and concludes as soon as it sees the burst end
(:class:`~eas_encoder.same.receiver.demod.BurstDemodulator`); nothing waits for a later event.

**Input.** Any sample rate from 8000 to 192000 Hz; ``float`` samples in [-1, 1] or integer
PCM (scaled by its full scale). Multi-channel input is decoded three ways at once: every
channel on its own and their average (a stereo feed of one programme gains up to 3 dB in the
average). Their events are merged: the same event heard on several channels is reported once,
and two channels carrying different headers give both headers, never a blend of the two (the
average of such channels holds bits that are half mark, half space, which are too unsure to
confirm anything). This costs one receiver's CPU per channel, plus one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import DecodeError
from ..pcm import RateRole, check_rate, clean_mono, erase_damage, full_scale
from .receiver.assembler import BurstAssembler
from .receiver.attention import AttentionDetector
from .receiver.config import MIN_CONFIDENCE, ReceiverConfig
from .receiver.demod import BurstDemodulator, DemodBurst, NeedSamples
from .receiver.detector import THRESHOLD, PreambleDetector
from .receiver.events import (
    AttentionSignalEvent,
    BurstEvent,
    EndOfMessageEvent,
    Event,
    HeaderEvent,
    InvalidBurstEvent,
    InvalidReason,
)
from .receiver.frontend import GRID_STEP, BlockCorrelator
from .timing import bit_grid
from .waveform import BAUD

__all__ = ["decode", "Receiver", "Event", "HeaderEvent", "EndOfMessageEvent",
           "AttentionSignalEvent", "InvalidBurstEvent", "InvalidReason", "BurstEvent",
           "ReceiverConfig", "MIN_CONFIDENCE", "DEFAULT_CONFIG", "as_mono_float"]

DEFAULT_CONFIG = ReceiverConfig()
"""Two bursts confirm a header, no per-burst events, confidence at least 0.99."""

_CHUNK_FRAMES = 4
"""Internal chunk, in attention frames (0.2 s): the latency grain. Smaller chunks cost more
Python overhead per second of audio; at 0.2 s the CPU per hour is as with 4 s chunks
(measured within the noise)."""


def as_mono_float(block: np.ndarray) -> np.ndarray:
    """Convert ``[n]`` or ``[n, channels]`` samples of any numeric dtype to ``float32[n]``
    by the project's one cleaning policy (:func:`eas_encoder.pcm.clean_mono`).

    Raises:
        DecodeError: field ``samples`` for non-numeric or more than 2-D input.
    """
    try:
        return clean_mono(block)
    except ValueError as exc:
        raise DecodeError(str(exc).removeprefix("samples "), field="samples") from None


class _MonoReceiver:
    """One channel's receiver (see :class:`Receiver`)."""

    def __init__(self, fs: int, config: ReceiverConfig) -> None:
        self.fs = int(fs)
        self._corr = BlockCorrelator(self.fs)
        self._attention = AttentionDetector(self._corr)
        self._chunk = self._attention.frame_blocks * _CHUNK_FRAMES * self._corr.block
        self._assembler = BurstAssembler(self.fs, config)
        self._emit_bursts = config.bursts
        self._bit_len = self.fs / BAUD
        self.reset()

    @property
    def room(self) -> int:
        """Samples that can be fed before the internal chunk in progress is complete."""
        return self._chunk - self._fill


    def reset(self) -> None:
        """Start a new stream (all state cleared, time back to zero)."""
        self._buf = np.empty(self._chunk, dtype=np.float32)   # chunk being filled
        self._fill = 0
        self._hist: list[np.ndarray] = []         # recent chunks, oldest first
        self._hist_offset = 0                     # absolute index of _hist[0][0]
        self._blocks = 0                          # blocks processed so far
        self._carry = np.zeros((2 * self._corr.parts, 0), dtype=np.complex64)
        self._det = PreambleDetector(self._corr.bit_blocks / GRID_STEP)
        self._scores = np.zeros(0, dtype=np.float32)
        self._scores_offset = 0                   # grid index of _scores[0]
        self._scan = 0                            # grid index where the search resumes
        self._trigger: int | None = None          # grid index of a burst being awaited
        self._pending: BurstDemodulator | None = None   # its demodulator, pass by pass
        self._assembler.reset()
        self._attention.reset()
        self._done = False

    @property
    def time(self) -> float:
        """Seconds of audio fed so far."""
        return (self._blocks * self._corr.block + self._fill) / self.fs

    def feed(self, block: np.ndarray) -> Iterator[Event]:
        """Feed ``[n]`` or ``[n, channels]`` samples; yield the events they complete."""
        if self._done:
            raise DecodeError("the stream was flushed; call reset() to start another",
                              field="stream")
        a = np.asarray(block)
        if a.ndim == 1 and a.dtype.kind in "if":
            x, scale = a, full_scale(a.dtype)        # converted while copying, below
        else:
            x, scale = as_mono_float(a), None
        pos = 0
        while pos < len(x):
            take = min(len(x) - pos, self._chunk - self._fill)
            dest = self._buf[self._fill:self._fill + take]
            # float64 beyond float32's range becomes inf in the cast; erase_damage zeroes it
            # just below, so the overflow is expected, not worth a RuntimeWarning.
            with np.errstate(over="ignore", invalid="ignore"):
                if scale is not None:   # convert and scale in one pass over the block
                    np.multiply(x[pos:pos + take], scale, out=dest, dtype=np.float32,
                                casting="unsafe")
                else:
                    np.copyto(dest, x[pos:pos + take], casting="unsafe")
            if x.dtype.kind == "f":
                erase_damage(dest)
            self._fill += take
            pos += take
            if self._fill == self._chunk:
                chunk, self._buf = self._buf, np.empty(self._chunk, dtype=np.float32)
                self._fill = 0
                yield from self._process(chunk, final=False)

    def flush(self) -> list[Event]:
        """End of stream: process what is buffered and report everything still pending."""
        if self._done:
            return []
        self._buf[self._fill:] = 0
        self._fill = 0
        events = list(self._process(self._buf, final=True))
        events += self._assembler.flush() + self._attention.flush()
        self._done = True
        return sorted(events, key=lambda e: e.start)

    # -- internals -------------------------------------------------------------------------
    def _process(self, chunk: np.ndarray, final: bool) -> Iterator[Event]:
        d = self._corr.block * GRID_STEP          # samples per grid point
        self._hist.append(chunk)
        parts = self._corr.window_parts(chunk)
        events: list[Event] = list(self._attention.process(chunk, self._blocks))
        self._blocks += len(chunk) // self._corr.block
        both = np.concatenate([self._carry, parts], axis=1)
        em, es = self._corr.part_energies(both)
        self._carry = both[:, len(em):]
        self._scores = np.concatenate([self._scores, self._det.process(em, es)])
        end_grid = self._scores_offset + len(self._scores)
        while True:
            if self._trigger is not None:
                if self._pending is None:
                    lo = max(self._hist_offset, self._trigger * d - 64 * int(self._bit_len))
                    self._pending = BurstDemodulator(self.fs, self._trigger * d, lo)
                pending = self._pending
                available = self._hist_offset + sum(len(h) for h in self._hist)
                if not final and available < pending.r0 + 1:
                    break
                out = pending.advance(self._history(pending.r0, min(available, pending.need)),
                                      final=final)
                if isinstance(out, NeedSamples):
                    break
                self._trigger = self._pending = None
                self._scan = max(self._scan, -(-out.resume // d))
                if out.burst is not None:
                    events += self._on_burst(out.burst)
                continue
            lo = self._scan - self._scores_offset
            hits = np.flatnonzero(self._scores[max(lo, 0):] >= THRESHOLD)
            if len(hits) == 0:
                self._scan = max(self._scan, end_grid)
                break
            self._trigger = self._scores_offset + max(lo, 0) + int(hits[0])
        now = (self._trigger if self._trigger is not None else self._scan) * d
        events += self._assembler.tick(now)
        keep_from = int(now - 64 * self._bit_len)
        while self._hist and self._hist_offset + len(self._hist[0]) <= keep_from:
            self._hist_offset += len(self._hist.pop(0))
        first = (self._trigger if self._trigger is not None else self._scan) - \
            self._scores_offset
        if first > 0:
            self._scores = self._scores[first:]
            self._scores_offset += first
        yield from sorted(events, key=lambda e: e.start)

    def _history(self, lo: int, hi: int) -> np.ndarray:
        """Samples ``[lo, hi)`` (absolute, clipped to what is kept) as one array."""
        parts, pos = [], self._hist_offset
        for h in self._hist:
            a, b = max(lo, pos), min(hi, pos + len(h))
            if a < b:
                parts.append(h[a - pos:b - pos])
            pos += len(h)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _on_burst(self, burst: DemodBurst) -> list[Event]:
        out: list[Event] = []
        if self._emit_bursts:
            # The checker's estimator, so every command prints one figure for one burst.
            pad = int(4 * self._bit_len)
            grid = bit_grid(self._history(max(self._hist_offset, burst.start - pad),
                                          burst.end + pad), self.fs)
            out.append(BurstEvent(start=burst.start / self.fs, end=burst.end / self.fs,
                                  text=burst.text, burst_kind=burst.kind,
                                  ebn0_db=burst.ebn0_db,
                                  bit_rate=burst.bit_rate if grid is None
                                  else grid.bit_rate(self.fs),
                                  mark_hz=burst.mark_hz, space_hz=burst.space_hz))
        return out + self._assembler.process(burst)


class Receiver:
    """Streaming SAME receiver (47 CFR 11.31 signals, 11.33(a)(10) header validation).

    Args:
        fs: sample rate, Hz (8000 to 192000).
        config: what to report (:class:`ReceiverConfig`: single bursts, per-burst events,
            the confidence a header needs).

    ``feed(block)`` takes ``[n]`` or ``[n, channels]`` samples (float in [-1, 1] or integer
    PCM) and yields the events completed so far; ``flush()`` ends the stream and returns the
    rest. Every event carries its stream time (``start``/``end``, seconds from the first
    sample fed). Which events are reported does not depend on how the stream is cut into
    blocks. Memory stays flat over any stream length (a few seconds of samples per channel).
    Multi-channel input: see the module docstring (each channel and the average, merged).

    Raises:
        DecodeError: field ``rate`` for an unsupported sample rate; field ``samples`` for
            non-numeric input or a channel count that changes within a stream.
    """

    def __init__(self, fs: int | float, config: ReceiverConfig = DEFAULT_CONFIG) -> None:
        self.fs = check_rate(fs, RateRole.DECODING)
        self.config = config
        self._mix = _MonoReceiver(self.fs, config)
        self._chunk = self._mix._chunk  # noqa: SLF001 - one chunk size for every channel
        self.reset()

    def reset(self) -> None:
        """Start a new stream (all state cleared, time back to zero)."""
        self._mix.reset()
        self._channels: list[_MonoReceiver] | None = None
        self._merge = _EventMerger()

    @property
    def time(self) -> float:
        """Seconds of audio fed so far."""
        return self._mix.time

    def feed(self, block: np.ndarray) -> Iterator[Event]:
        """Feed ``[n]`` or ``[n, channels]`` samples; yield the events they complete."""
        a = np.asarray(block)
        if a.ndim == 2 and a.shape[1] > 1:
            yield from self._feed_channels(a)
            return
        if self._channels is not None and a.size:
            raise DecodeError(f"must keep {len(self._channels)} channels within a stream",
                              field="samples", value=f"shape {a.shape}")
        yield from self._mix.feed(a)

    def _feed_channels(self, a: np.ndarray) -> Iterator[Event]:
        if self._channels is None:
            if self.time > 0:
                raise DecodeError("must keep one channel within a stream", field="samples",
                                  value=f"shape {a.shape}")
            self._channels = [_MonoReceiver(self.fs, self.config) for _ in range(a.shape[1])]
        elif len(self._channels) != a.shape[1]:
            raise DecodeError(f"must keep {len(self._channels)} channels within a stream",
                              field="samples", value=f"shape {a.shape}")
        # Feed every channel the same piece, never across an internal chunk edge, so they
        # complete their chunks in lockstep and the merge sees events in one order whatever
        # the block sizes.
        pos = 0
        while pos < len(a):
            piece = a[pos:pos + self._mix.room]
            pos += len(piece)
            events = list(self._mix.feed(as_mono_float(piece)))
            for c, rx in enumerate(self._channels):
                events += rx.feed(as_mono_float(piece[:, c]))
            yield from self._merge(events)

    def flush(self) -> list[Event]:
        """End of stream: process what is buffered and report everything still pending."""
        events = self._mix.flush()
        if self._channels is None:
            return events
        for rx in self._channels:
            events += rx.flush()
        return sorted(self._merge(events), key=lambda e: e.start)


class _EventMerger:
    """One event per happening across the receivers of several channels.

    An event is a copy when an event of the same kind and key (the header text, the attention
    signal kind) was already reported over an overlapping time span; an invalid burst group is
    dropped when a header was reported over its time span (another channel confirmed it).
    """

    _SLACK = 0.5   # seconds: the same burst seen on two channels starts a few samples apart
    _KEEP = 120.0  # seconds of reported events remembered

    def __init__(self) -> None:
        self._seen: list[tuple[str, str, float, float]] = []

    def __call__(self, events: list[Event]) -> list[Event]:
        out: list[Event] = []
        # Headers first: within one chunk, a confirmed header wins over another channel's
        # unconfirmed group of the same bursts.
        for e in sorted(events, key=lambda e: (e.kind != "header", e.start)):
            key = str(getattr(e, "text", getattr(e, "signal", "")))
            if self._copy(e.kind, key, e.start, e.end) or (
                    e.kind == "invalid" and self._copy("header", None, e.start, e.end)):
                continue
            self._seen.append((e.kind, key, e.start, e.end))
            out.append(e)
        if self._seen:
            latest = max(end for *_, end in self._seen)
            self._seen = [s for s in self._seen if s[3] >= latest - self._KEEP]
        return sorted(out, key=lambda e: e.start)

    def _copy(self, kind: str, key: str | None, start: float, end: float) -> bool:
        return any(k == kind and (key is None or x == key) and start <= e + self._SLACK
                   and s <= end + self._SLACK for k, x, s, e in self._seen)


def decode(samples: np.ndarray, fs: int,
           config: ReceiverConfig = DEFAULT_CONFIG) -> list[Event]:
    """Decode a whole recording; return its events in time order.

    Args:
        samples: ``[n]`` or ``[n, channels]`` audio, float in [-1, 1] or integer PCM.
        fs: sample rate, Hz (8000 to 192000).
        config: what to report (:class:`ReceiverConfig`).

    Returns:
        ``list[Event]``: :class:`HeaderEvent`, :class:`EndOfMessageEvent`,
        :class:`AttentionSignalEvent`, :class:`InvalidBurstEvent` (and :class:`BurstEvent`).

    Raises:
        DecodeError: bad sample rate or sample array.
    """
    rx = Receiver(fs, config)
    events = list(rx.feed(samples))
    return sorted(events + rx.flush(), key=lambda e: e.start)


def decode_blocks(blocks: Iterable[np.ndarray], fs: int,
                  config: ReceiverConfig = DEFAULT_CONFIG) -> list[Event]:
    """:func:`decode` over an iterable of sample blocks (e.g. from ``audio.open_stream``)."""
    rx = Receiver(fs, config)
    events: list[Event] = []
    for b in blocks:
        events.extend(rx.feed(b))
    return sorted(events + rx.flush(), key=lambda e: e.start)
