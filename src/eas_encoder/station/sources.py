"""Audio monitoring sources: one small adapter per kind of input, each under one supervisor.

Adapters (all yield mono blocks; none decides anything)::

    FileInput     an audio file, paced at real time or read as fast as the CPU allows (--once)
    RawInput      raw s16le mono on standard input at a given rate (rtl_fm, sox -t raw)
    CardInput     a sound-card input through sounddevice/PortAudio (optional extra)
    StreamInput   any stream ffmpeg reads (HTTP/Icecast URL), decoded by an ffmpeg subprocess

:class:`AudioMonitor` runs one adapter: it feeds a live
:class:`~eas_encoder.same.decoder.Receiver`, keeps a rolling buffer of recent audio so the
message heard between a header and its EOM can be relayed (at least two minutes, 47 CFR
11.33(a)(3)(i)), measures the level (a health figure: RMS dBFS and seconds of silence), and
reconnects with exponential backoff when the input fails. It hands the station events
(:mod:`eas_encoder.station.events`) to a callback; receiver stream seconds are turned into wall
time here (the core never reads a clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..audio import open_stream, write_audio
from ..errors import EasError
from ..same.decoder import (
    AttentionSignalEvent,
    BurstEvent,
    EndOfMessageEvent,
    HeaderEvent,
    Receiver,
    ReceiverConfig,
)
from .events import HeardAttention, HeardEom, HeardHeader, SourceHealth

__all__ = ["AudioInput", "FileInput", "RawInput", "CardInput", "StreamInput",
           "SourceUnavailable", "Backoff", "LevelMeter", "RollingBuffer", "AudioMonitor",
           "make_input", "input_kind"]

LIVE_BLOCK_SECONDS = 0.1
"""Block length read from live inputs, s: small, so events are not held back by the reader."""
FAST_BLOCK_SECONDS = 1.0
"""Block length read from files with ``--once``, s: the receiver's own chunking sets latency."""
STALL_SECONDS = 15.0
"""A stream that delivers nothing for this long is restarted, s."""
RING_MARGIN_SECONDS = 60.0
"""Audio kept beyond the recording limit, s: the attention signal (up to 25 s, 47 CFR
11.31(a)(2)) and the header bursts precede the message and must still be in the buffer."""
GUARD_SECONDS = 0.25
"""Skipped after the last header burst or the attention signal before recording, s: the
receiver's end estimate may be a few ms early and the pause there is a whole second
(47 CFR 11.31(c)), so no message audio is lost."""
GAP_SECONDS = 2.0
"""Extra audio taken after the recording start, s: it covers the pause of 47 CFR 11.31(c)
before the message, trimmed off again, so the limit counts message audio only."""
DEFAULT_SILENCE_DBFS = -50.0
"""RMS level below which a source counts as silent, dBFS."""
DEFAULT_SILENCE_SECONDS = 60.0
"""Silence longer than this makes a source unhealthy, s."""


class SourceUnavailable(Exception):
    """The input cannot work on this machine at all (no PortAudio, no ffmpeg): retrying is
    pointless, so the supervisor reports it once and stops.
    """


class AudioInput(ABC):
    """One audio input. ``open()`` sets :attr:`fs` (Hz); ``read()`` returns ``int16[n]`` or
    ``float32[n]`` mono samples, or ``None`` at the end of the stream.

    Attributes:
        fs: sample rate in Hz, known after :meth:`open`.
        reconnect: whether the supervisor reopens the input after it ends or fails.
        live: ``True`` for inputs that deliver at their own pace (wall-clock time stamps).
    """

    fs: int = 0
    reconnect: bool = True
    live: bool = True

    @abstractmethod
    async def open(self) -> None:
        """Open the input; raise ``OSError``/:class:`EasError` (retried) or
        :class:`SourceUnavailable` (not retried).
        """

    @abstractmethod
    async def read(self) -> np.ndarray | None:
        """The next block, or ``None`` at the end of the stream."""

    async def close(self) -> None:  # noqa: B027 - most inputs hold nothing to release
        """Release what :meth:`open` acquired (safe to call twice)."""


class FileInput(AudioInput):
    """An audio file (anything :func:`eas_encoder.audio.open_stream` reads).

    Args:
        path: the file.
        paced: deliver at real-time pace (a recording standing in for a live feed); ``False``
            reads as fast as the CPU allows (``--once``).
        rate: read the file as raw s16le at this rate (Hz) instead of a self-describing file.
    """

    def __init__(self, path: str | os.PathLike[str], *, paced: bool, rate: int | None = None
                 ) -> None:
        self.path = Path(path)
        self.paced = paced
        self.rate = rate
        self.live = paced
        self.reconnect = False      # a file that ended has nothing more to say
        self._blocks: Iterator[np.ndarray] | None = None
        self._t0 = 0.0
        self._sent = 0

    async def open(self) -> None:  # noqa: D102 - see AudioInput
        seconds = LIVE_BLOCK_SECONDS if self.paced else FAST_BLOCK_SECONDS
        # A probe for the rate first, then the block size that rate gives.
        fs, self._blocks = open_stream(self.path, rate=self.rate, blocksize=4096)
        await self.close()      # a generator: closing it closes the file
        self.fs = fs
        _, self._blocks = open_stream(self.path, rate=self.rate,
                                      blocksize=max(1, int(fs * seconds)))
        self._t0 = asyncio.get_running_loop().time()
        self._sent = 0

    async def read(self) -> np.ndarray | None:  # noqa: D102
        assert self._blocks is not None, "open() first"
        block = next(self._blocks, None)
        if block is None:
            return None
        if self.paced:
            due = self._t0 + self._sent / self.fs
            delay = due - asyncio.get_running_loop().time()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)   # let the other sources and outputs run between blocks
        self._sent += len(block)
        return block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float32)

    async def close(self) -> None:  # noqa: D102
        blocks, self._blocks = self._blocks, None
        close = getattr(blocks, "close", None)
        if close is not None:
            close()


class RawInput(AudioInput):
    """Raw signed 16-bit little-endian mono samples from a binary stream (standard input).

    Args:
        rate: sample rate, Hz.
        stream: the stream to read (default ``sys.stdin.buffer``); read in a worker thread
            so a quiet pipe never blocks the event loop.
    """

    def __init__(self, rate: int, stream: IO[bytes] | None = None) -> None:
        self.fs = int(rate)
        self.reconnect = False      # nothing to reconnect to once the writer has gone
        self._stream = stream
        self._leftover = b""

    async def open(self) -> None:  # noqa: D102
        if self._stream is None:
            self._stream = sys.stdin.buffer
        self._leftover = b""

    async def read(self) -> np.ndarray | None:  # noqa: D102
        want = 2 * max(1, int(self.fs * LIVE_BLOCK_SECONDS))
        stream = self._stream
        assert stream is not None, "read() before open()"
        # read1: what the pipe has now, up to want (read would wait for all of it).
        reader: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read
        data = await asyncio.to_thread(reader, want)
        if not data:
            return None
        data = self._leftover + data
        usable = len(data) - len(data) % 2
        self._leftover = data[usable:]
        return np.frombuffer(data[:usable], dtype="<i2")


class StreamInput(AudioInput):
    """Any stream ffmpeg can read (HTTP, Icecast, RTSP, a device), decoded to s16le mono.

    Args:
        url: what ffmpeg opens (``-i``).
        rate: sample rate asked of ffmpeg, Hz.
        ffmpeg: the executable.
        stall_seconds: no data for this long means the stream is dead (restarted).

    Raises:
        SourceUnavailable: from :meth:`open` when ffmpeg is not installed.
    """

    def __init__(self, url: str, rate: int = 22050, *, ffmpeg: str = "ffmpeg",
                 stall_seconds: float = STALL_SECONDS) -> None:
        self.url = url
        self.fs = int(rate)
        self.ffmpeg = ffmpeg
        self.stall_seconds = stall_seconds
        self._proc: asyncio.subprocess.Process | None = None
        self._leftover = b""

    async def open(self) -> None:  # noqa: D102
        exe = shutil.which(self.ffmpeg)
        if exe is None:
            raise SourceUnavailable(f"{self.ffmpeg} is not installed (needed for stream sources)")
        self._leftover = b""
        self._proc = await asyncio.create_subprocess_exec(
            exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", self.url,
            "-vn", "-ac", "1", "-ar", str(self.fs), "-f", "s16le", "-",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)

    async def read(self) -> np.ndarray | None:  # noqa: D102
        assert self._proc is not None and self._proc.stdout is not None, "open() first"
        want = 2 * max(1, int(self.fs * LIVE_BLOCK_SECONDS))
        try:
            async with asyncio.timeout(self.stall_seconds):
                data = await self._proc.stdout.read(want)
        except TimeoutError:
            raise OSError(f"no audio for {self.stall_seconds:g} s") from None
        if not data:
            why = b""
            if self._proc.stderr is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        why = await self._proc.stderr.read(500)
            code = await _reap(self._proc)
            self._proc = None
            raise OSError(f"stream ended (ffmpeg exit {code}"
                          + (f": {why.decode(errors='replace').strip()[:200]})" if why else ")"))
        data = self._leftover + data
        usable = len(data) - len(data) % 2
        self._leftover = data[usable:]
        return np.frombuffer(data[:usable], dtype="<i2")

    async def close(self) -> None:  # noqa: D102
        if self._proc is not None:
            await _reap(self._proc)
            self._proc = None


async def _reap(proc: asyncio.subprocess.Process) -> int | None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5.0):
            return await proc.wait()
    return proc.returncode


class CardInput(AudioInput):
    """A sound-card input through ``sounddevice`` (PortAudio); the optional ``card`` extra.

    Args:
        device: PortAudio device name or index (``None``: the default input).
        rate: sample rate, Hz.

    Raises:
        SourceUnavailable: from :meth:`open` when sounddevice or PortAudio is missing.
    """

    def __init__(self, device: str | int | None, rate: int = 22050) -> None:
        self.device = device
        self.fs = int(rate)
        self._stream: Any = None
        self._queue: asyncio.Queue[np.ndarray | BaseException] | None = None

    async def open(self) -> None:  # noqa: D102
        sd = load_sounddevice()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[np.ndarray | BaseException] = asyncio.Queue(maxsize=600)
        self._queue = queue

        def put(item: np.ndarray | BaseException) -> None:
            if not queue.full():   # a stalled loop drops audio rather than memory
                queue.put_nowait(item)

        def callback(indata, frames, time_info, status):  # noqa: ANN001 - PortAudio's shape
            loop.call_soon_threadsafe(put, indata[:, 0].copy())

        try:
            self._stream = sd.InputStream(
                device=self.device, channels=1, samplerate=self.fs, dtype="int16",
                blocksize=max(1, int(self.fs * LIVE_BLOCK_SECONDS)), callback=callback)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio raises its own error classes
            raise OSError(f"sound card {self.device!r}: {exc}") from None

    async def read(self) -> np.ndarray | None:  # noqa: D102
        assert self._queue is not None, "open() first"
        try:
            async with asyncio.timeout(STALL_SECONDS):
                item = await self._queue.get()
        except TimeoutError:
            raise OSError(f"sound card delivered nothing for {STALL_SECONDS:g} s") from None
        if isinstance(item, BaseException):
            raise item
        return item

    async def close(self) -> None:  # noqa: D102
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.stop()
                self._stream.close()
            self._stream = None


def load_sounddevice():  # noqa: ANN201 - the optional module itself
    """Import ``sounddevice``, or raise :class:`SourceUnavailable` saying what is missing."""
    try:
        import sounddevice  # noqa: PLC0415 - optional extra
    except ModuleNotFoundError:
        raise SourceUnavailable("sounddevice is not installed (pip install "
                                "'eas-encoder[card]')") from None
    except OSError as exc:   # the module is there, the PortAudio library is not
        raise SourceUnavailable(f"PortAudio is not available ({exc})") from None
    return sounddevice


def input_kind(target: str, kind: str | None = None) -> str:
    """Which adapter serves an ``audio =`` target: ``stdin`` for ``-``, ``stream`` for a URL
    (``scheme://``), ``card`` for ``card:NAME``, else ``file``; ``kind`` overrides the guess.
    """
    if kind:
        return kind
    if target == "-":
        return "stdin"
    if target.startswith("card:"):
        return "card"
    if "://" in target:
        return "stream"
    return "file"


def make_input(target: str, *, kind: str | None = None, rate: int | None = None,
               paced: bool = True, base_dir: Path | None = None) -> AudioInput:
    """Build the adapter for an ``audio =`` target (see :func:`input_kind`).

    Args:
        target: file path (relative to ``base_dir``), ``-``, ``card:NAME`` or a URL.
        kind: ``file``, ``stdin``, ``card`` or ``stream`` to override the guess.
        rate: sample rate, Hz: required for ``-``; for a card or stream the rate asked for
            (default 22050); for a file, reads it as raw s16le at that rate.
        paced: files only: real-time pace (``False`` with ``--once``).
        base_dir: directory relative file paths are resolved against.

    Raises:
        ValueError: stdin without a rate, or an unknown kind (the configuration loader
            reports both as ``ConfigError`` first).
    """
    kind = input_kind(target, kind)
    if kind == "stdin":
        if rate is None:
            raise ValueError("raw s16le on standard input needs a rate")
        return RawInput(rate)
    if kind == "card":
        name = target[5:] if target.startswith("card:") else target
        device: str | int | None = int(name) if name.isdigit() else (name or None)
        return CardInput(device, rate or 22050)
    if kind == "stream":
        return StreamInput(target, rate or 22050)
    if kind == "file":
        path = Path(target)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return FileInput(path, paced=paced, rate=rate)
    raise ValueError(f"unknown audio input kind {kind!r}")


class Backoff:
    """Exponential backoff: ``first`` s, doubling up to ``cap`` s; :meth:`reset` after a
    connection that worked.
    """

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        """The delay before the next attempt, s (and double it for the one after)."""
        delay = self._next
        self._next = min(self.cap, self._next * 2)
        return delay

    def reset(self) -> None:
        """Back to the first delay."""
        self._next = self.first


class LevelMeter:
    """Level of a source: RMS over about a second, in dBFS, and how long it has been silent.

    Args:
        fs: sample rate, Hz.
        silence_dbfs: RMS level below which audio counts as silence.
    """

    def __init__(self, fs: int, silence_dbfs: float = DEFAULT_SILENCE_DBFS) -> None:
        self.fs = fs
        self.silence_dbfs = silence_dbfs
        self._energy = 0.0       # exponentially weighted mean square, full scale = 1
        self._started = False
        self._tau = float(fs)    # one second
        self.silent_seconds = 0.0

    @property
    def level_dbfs(self) -> float:
        """RMS level over about the last second, dBFS (-120 for digital silence)."""
        return max(-120.0, 10 * math.log10(self._energy)) if self._energy > 0 else -120.0

    def update(self, block: np.ndarray) -> None:
        """Account for one block (``int16[n]`` or ``float32[n]``)."""
        n = len(block)
        if n == 0:
            return
        x = block.astype(np.float32)
        if block.dtype.kind == "i":
            x *= np.float32(1 / 32768)
        ms = float(np.dot(x, x)) / n
        # The first block sets the level outright: no made-up silence before the stream.
        w = math.exp(-n / self._tau) if self._started else 0.0
        self._started = True
        self._energy = w * self._energy + (1 - w) * ms
        if self.level_dbfs < self.silence_dbfs:
            self.silent_seconds += n / self.fs
        else:
            self.silent_seconds = 0.0


class RollingBuffer:
    """The last ``seconds`` of a source as ``int16`` (half the memory of float32), addressed by
    absolute sample index from the stream start.
    """

    def __init__(self, fs: int, seconds: float) -> None:
        self.fs = fs
        self._ring = np.zeros(max(1, int(round(fs * seconds))), dtype=np.int16)
        self.end = 0             # absolute index one past the newest sample

    @property
    def capacity(self) -> int:
        """Samples kept."""
        return len(self._ring)

    @property
    def start(self) -> int:
        """Absolute index of the oldest sample still kept."""
        return max(0, self.end - len(self._ring))

    def append(self, block: np.ndarray) -> None:
        """Append ``int16[n]`` or ``float32[n]`` (in [-1, 1]) samples."""
        if block.dtype != np.int16:
            block = np.clip(np.round(block * 32767.0), -32768, 32767).astype(np.int16)
        size = len(self._ring)
        skipped = max(0, len(block) - size)    # older than the ring holds: never stored
        block = block[skipped:]
        pos = (self.end + skipped) % size
        first = min(len(block), size - pos)
        self._ring[pos:pos + first] = block[:first]
        self._ring[:len(block) - first] = block[first:]
        self.end += skipped + len(block)

    def slice(self, lo: int, hi: int) -> np.ndarray:
        """Samples ``[lo, hi)`` that are still kept, as ``float32`` in [-1, 1)."""
        lo, hi = max(lo, self.start), min(hi, self.end)
        if hi <= lo:
            return np.zeros(0, dtype=np.float32)
        size = len(self._ring)
        idx = np.arange(lo, hi) % size
        return self._ring[idx].astype(np.float32) / 32768.0


@dataclass
class _Recording:
    """The message being recorded on a source: from ``start`` (absolute sample index, after
    the last header burst or the attention signal) until the EOM or the limit.
    """

    header_text: str
    start: int
    frozen: np.ndarray | None = None   # the first record_seconds, once that much has passed


Emit = Callable[[object], Awaitable[None]]


class AudioMonitor:
    """Supervise one audio input: decode, record, measure, reconnect.

    Args:
        name: the source name (configuration ``[[source]] name``).
        make: builds a fresh :class:`AudioInput` for every (re)connection.
        emit: ``async emit(event)`` receives :mod:`eas_encoder.station.events` objects.
        recordings: directory where recorded message audio is written (atomically).
        record_seconds: longest message audio kept, s (at least 120, 47 CFR 11.33(a)(3)(i)).
        start: wall time of sample 0 for a file read with ``--once`` (deterministic time);
            ``None`` time-stamps events from the wall clock as blocks arrive.
        clock: returns the current UTC time (injected; the shell's clock).
        silence_dbfs, silence_seconds: health thresholds.
        backoff: reconnect delays.
    """

    def __init__(self, name: str, make: Callable[[], AudioInput], emit: Emit, *,
                 recordings: Path, record_seconds: float = 120.0,
                 start: datetime | None = None, clock: Callable[[], datetime],
                 silence_dbfs: float = DEFAULT_SILENCE_DBFS,
                 silence_seconds: float = DEFAULT_SILENCE_SECONDS,
                 backoff: Backoff | None = None) -> None:
        self.name = name
        self._make = make
        self._emit = emit
        self.recordings = Path(recordings)
        self.record_seconds = float(record_seconds)
        self.start = start
        self._clock = clock
        self.silence_dbfs = silence_dbfs
        self.silence_seconds = silence_seconds
        self.backoff = backoff or Backoff()
        self.finished = False
        self.error: str | None = None     # the last failure, for a --once summary
        self.position = 0.0          # stream seconds read on the current connection
        self.connections = 0
        self._healthy: bool | None = None
        self._block_wall: datetime | None = None
        self._source: AudioInput | None = None
        self._fs = 0
        self._rec: _Recording | None = None

    # -- time ------------------------------------------------------------------------------
    def wall(self, stream_seconds: float) -> datetime:
        """Wall time of a stream time on the current connection."""
        if self.start is not None:
            return self.start + timedelta(seconds=stream_seconds)
        ref = self._block_wall or self._clock()
        return ref - timedelta(seconds=max(0.0, self.position - stream_seconds))

    @property
    def now(self) -> datetime:
        """The source's notion of now: for a ``--once`` file, its stream position."""
        if self.start is not None:
            return self.start + timedelta(seconds=self.position)
        return self._clock()

    # -- supervisor ------------------------------------------------------------------------
    async def run(self) -> None:
        """Read, decode and reconnect until the input ends for good or the task is cancelled.
        Never raises for a failing input: failures become :class:`SourceHealth` events.
        """
        try:
            while not self.finished:
                if await self.open():
                    while await self.step():
                        pass
                if self.finished:
                    break
                await asyncio.sleep(self.backoff.next())
        finally:
            # Cancelled mid-stream (a stop): the input's process or device is released too.
            if self._source is not None:
                source, self._source = self._source, None
                await source.close()

    async def open(self) -> bool:
        """Open a fresh input (reported as a health event); ``False`` when it failed.

        :attr:`finished` becomes ``True`` when no retry makes sense (a file, a missing
        PortAudio or ffmpeg).
        """
        source = self._make()
        try:
            await source.open()
        except SourceUnavailable as exc:
            self.finished = True
            self.error = str(exc)
            await self._health(False, self.error, force=True)
            return False
        except (OSError, EasError, ValueError, RuntimeError) as exc:
            await source.close()
            self.finished = not source.reconnect
            self.error = f"cannot open: {exc}"
            await self._health(False, self.error, force=True)
            return False
        self._source = source
        fs = source.fs
        self._fs = fs
        self._rx = Receiver(fs, ReceiverConfig(bursts=True))
        self._meter = LevelMeter(fs, self.silence_dbfs)
        self._ring = RollingBuffer(fs, self.record_seconds + RING_MARGIN_SECONDS)
        self._rec = None
        self._good = 0
        self.position = 0.0
        self.connections += 1
        await self._health(True, f"connected ({fs} Hz)", force=True)
        return True

    async def step(self) -> bool:
        """Read and process one block; ``False`` when the connection ended (the receiver is
        flushed, the input closed and the end reported).
        """
        source = self._source
        assert source is not None, "open() first"
        try:
            block = await source.read()
        except (OSError, EasError, ValueError, RuntimeError) as exc:
            self.error = f"failed: {exc}"
            await self._end(self.error, ok=False)
            return False
        if block is None:
            await self._end("end of input", ok=not source.reconnect)
            return False
        if block.ndim != 1:
            block = block.reshape(-1)
        fs, ring = self._fs, self._ring
        self._block_wall = None if self.start is not None else self._clock()
        rec = self._rec
        if rec is not None and rec.frozen is None and \
                ring.end + len(block) - ring.capacity > rec.start:
            # The message outlasts the buffer: keep its first record_seconds before they are
            # overwritten. Done this late so the third header burst and the attention signal,
            # reported seconds after they end, have already moved the start past themselves.
            rec.frozen = ring.slice(rec.start, rec.start + int(round(
                (self.record_seconds + GAP_SECONDS) * fs)))
        ring.append(block)
        self._meter.update(block)
        self.position = ring.end / fs
        for ev in self._rx.feed(block):
            await self._on_event(ev)
        self._good += len(block)
        if self._good >= fs:         # a second of audio: the connection works
            self.backoff.reset()
        await self._level_health(self._meter)
        return True

    async def _end(self, why: str, *, ok: bool) -> None:
        source, self._source = self._source, None
        try:
            for ev in self._rx.flush():
                await self._on_event(ev)
        finally:
            if source is not None:
                await source.close()
        self.finished = source is None or not source.reconnect
        detail = why if self.finished else f"{why}; reconnecting"
        await self._health(ok, detail, self._meter, force=True)

    async def _level_health(self, meter: LevelMeter) -> None:
        if meter.silent_seconds >= self.silence_seconds:
            await self._health(False, f"silent for {meter.silent_seconds:.0f} s", meter)
        elif meter.silent_seconds == 0.0:
            await self._health(True, "audio present", meter)

    async def _health(self, ok: bool, detail: str, meter: LevelMeter | None = None, *,
                      force: bool = False) -> None:
        # Only changes are reported: the log keeps transitions, not a row per block.
        if not force and ok == self._healthy:
            return
        self._healthy = ok
        level = None if meter is None else round(meter.level_dbfs, 1)
        await self._emit(SourceHealth(source=self.name, ok=ok, level_dbfs=level,
                                      detail=detail))

    # -- events ----------------------------------------------------------------------------
    async def _on_event(self, ev: object) -> None:
        fs = self._fs
        if isinstance(ev, HeaderEvent):
            self._rec = _Recording(ev.text, int(round((ev.end + GUARD_SECONDS) * fs)))
            await self._emit(HeardHeader(source=self.name, header=ev.header, text=ev.text,
                                         at=self.wall(ev.end)))
        elif isinstance(ev, BurstEvent):
            # Header bursts after the one that confirmed the header are not message audio.
            rec = self._rec
            if rec is not None and ev.burst_kind == "header" and ev.text == rec.header_text:
                rec.start = max(rec.start, int(round((ev.end + GUARD_SECONDS) * fs)))
        elif isinstance(ev, AttentionSignalEvent):
            if self._rec is not None:
                self._rec.start = max(self._rec.start,
                                      int(round((ev.end + GUARD_SECONDS) * fs)))
            await self._emit(HeardAttention(source=self.name, at=self.wall(ev.end),
                                            signal=ev.signal, duration=ev.duration))
        elif isinstance(ev, EndOfMessageEvent):
            path = self._save_recording(int(round(ev.start * fs)), self.wall(ev.start))
            await self._emit(HeardEom(source=self.name, at=self.wall(ev.end),
                                      recording=None if path is None else str(path)))

    def _save_recording(self, eom_start: int, at: datetime) -> Path | None:
        rec, self._rec = self._rec, None
        if rec is None:
            return None
        limit = int(round(self.record_seconds * self._fs))
        if rec.frozen is not None:
            audio = rec.frozen
        else:
            audio = self._ring.slice(rec.start, min(
                eom_start, rec.start + limit + int(GAP_SECONDS * self._fs)))
        # The one-second pauses around the message (47 CFR 11.31(c)) are not message audio;
        # the limit counts from the first sound.
        audio = _trim_silence(_trim_silence(audio, self._fs)[:limit], self._fs)
        if len(audio) == 0:
            return None
        self.recordings.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.name)
        path = self.recordings / f"{at:%Y%m%dT%H%M%S}Z-{safe}-{rec.start}.wav"
        write_audio(path, audio, self._fs)
        return path


def _trim_silence(x: np.ndarray, fs: int, floor_dbfs: float = -60.0) -> np.ndarray:
    """``x`` without leading and trailing runs quieter than ``floor_dbfs`` (10 ms frames)."""
    frame = max(1, fs // 100)
    n = len(x) // frame
    if n == 0:
        return x[:0]
    power = np.mean(x[:n * frame].reshape(n, frame) ** 2, axis=1)
    loud = np.flatnonzero(power > 10 ** (floor_dbfs / 10))
    if len(loud) == 0:
        return x[:0]
    return x[loud[0] * frame:min(len(x), (loud[-1] + 1) * frame)]
