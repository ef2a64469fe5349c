"""Audio from a pipe with flat memory: a streaming RIFF/WAVE reader and a forward-only stream.

libsndfile seeks while it reads a header (to measure the file, to find chunks after ``data``),
which a pipe cannot do; buffering the whole of standard input made a 4-hour WAV cost 660 MB.
Here a WAV (RIFF or RF64, integer PCM of 8 to 32 bits or IEEE float) is parsed chunk by chunk
as it arrives, and other containers are handed to libsndfile (by :mod:`eas_encoder.audio`)
through :class:`ForwardStream`, which keeps only the last megabyte for the short backward seeks
their decoders make.

Only :mod:`eas_encoder.audio` uses this module; it reads no file and imports no soundfile.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from .errors import AudioError

__all__ = ["WavFormat", "read_wav_header", "wav_blocks", "ForwardStream", "read_exactly"]

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
"""``data`` chunk sizes a writer that cannot seek back (sox, ffmpeg on a pipe) leaves in the
header: the data then runs to the end of the stream."""
_MAX_FMT_BYTES = 4096
_SKIP_PIECE = 1 << 16
_MAX_CHUNKS = 10000
"""Chunks before ``data``: a bound so a stream of empty chunks cannot keep the reader busy."""


class WavFormat:
    """The ``fmt `` chunk of a WAV stream as far as decoding needs it.

    Attributes:
        rate: sample rate in Hz. channels: channel count. width: bytes per sample.
        floating: IEEE float samples (else integer PCM). data_bytes: length of the ``data``
        chunk, or ``None`` when the stream runs to its end.
    """

    __slots__ = ("rate", "channels", "width", "floating", "data_bytes")

    def __init__(self, rate: int, channels: int, width: int, floating: bool,
                 data_bytes: int | None) -> None:
        self.rate, self.channels, self.width = rate, channels, width
        self.floating, self.data_bytes = floating, data_bytes


def read_exactly(stream: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the stream (a pipe returns short reads)."""
    parts, got = [], 0
    while got < n:
        piece = stream.read(n - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def read_wav_header(head: bytes, stream: BinaryIO, name: str) -> WavFormat:
    """Parse a RIFF/RF64 WAVE header from ``stream`` up to the start of its ``data`` chunk.

    Args:
        head: the first 12 bytes, already read (``RIFF....WAVE`` or ``RF64....WAVE``).
        stream: the rest of the stream, positioned after ``head``; left at the first sample.
        name: the input's name, for errors.

    Raises:
        AudioError: field ``file``: the stream ends before its ``data`` chunk, the ``fmt ``
            chunk is missing or malformed, or the encoding is not PCM/float (e.g. ADPCM,
            which needs a seekable file).
    """
    rf64_data: int | None = None
    fmt: tuple[int, int, int, int] | None = None
    for _ in range(_MAX_CHUNKS):
        chunk = read_exactly(stream, 8)
        if len(chunk) < 8:
            raise AudioError("WAV stream ends before its data chunk", field="file", value=name)
        cid, size = chunk[:4], int.from_bytes(chunk[4:], "little")
        if cid == b"data":
            break
        if cid == b"fmt ":
            if not 16 <= size <= _MAX_FMT_BYTES:
                raise AudioError(f"WAV fmt chunk of {size} bytes (16 to {_MAX_FMT_BYTES})",
                                 field="file", value=name)
            body = read_exactly(stream, size + size % 2)
            if len(body) < size:
                raise AudioError("WAV stream ends inside its fmt chunk", field="file",
                                 value=name)
            fmt = _parse_fmt(body[:size], name)
        elif cid == b"ds64" and head[:4] == b"RF64":
            body = read_exactly(stream, size + size % 2)
            if len(body) >= 16:
                rf64_data = int.from_bytes(body[8:16], "little")
        else:
            _skip(stream, size + size % 2)
    else:
        raise AudioError(f"WAV stream has more than {_MAX_CHUNKS} chunks before its data",
                         field="file", value=name)
    if fmt is None:
        raise AudioError("WAV stream has no fmt chunk before its data", field="file",
                         value=name)
    if head[:4] == b"RF64" and size == 0xFFFFFFFF and rf64_data is not None:
        data_bytes: int | None = rf64_data
    else:
        data_bytes = None if size in _UNKNOWN_SIZES else size
    rate, channels, width, floating = fmt
    return WavFormat(rate, channels, width, bool(floating), data_bytes)


def _parse_fmt(body: bytes, name: str) -> tuple[int, int, int, bool]:
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE and len(body) >= 26:
        tag = int.from_bytes(body[24:26], "little")  # first two bytes of the sub-format GUID
    if channels < 1 or rate < 1 or block_align < channels or block_align % channels:
        raise AudioError(f"WAV fmt chunk is inconsistent (channels {channels}, rate {rate}, "
                         f"block align {block_align})", field="file", value=name)
    width = block_align // channels
    ok = (tag == _PCM and width in (1, 2, 3, 4) and bits <= 8 * width) or \
        (tag == _FLOAT and width in (4, 8))
    if not ok:
        raise AudioError(f"WAV encoding (format tag {tag:#06x}, {bits} bits) cannot be read "
                         "from a pipe; streams carry integer PCM or IEEE float, other "
                         "encodings need a file", field="file", value=name)
    return rate, channels, width, tag == _FLOAT


def _skip(stream: BinaryIO, n: int) -> None:
    while n > 0:
        piece = stream.read(min(n, _SKIP_PIECE))
        if not piece:
            return
        n -= len(piece)


def wav_blocks(stream: BinaryIO, fmt: WavFormat, blocksize: int) -> Iterator[np.ndarray]:
    """Yield ``float32[m, channels]`` blocks (``m <= blocksize``) of the ``data`` chunk.

    Integer PCM is scaled to [-1, 1): 8-bit is unsigned, centred on 128 (``[0, 128, 255]`` ->
    ``[-1, 0, 0.992]``, as libsndfile reads it); float samples pass unscaled. A trailing
    partial frame is dropped.
    """
    frame = fmt.width * fmt.channels
    remaining = fmt.data_bytes
    leftover = b""
    while remaining is None or remaining > 0:
        want = blocksize * frame - len(leftover)
        if remaining is not None:
            want = min(want, remaining)
        data = stream.read(want)
        if not data:
            return
        if remaining is not None:
            remaining -= len(data)
        data = leftover + data
        usable = len(data) - len(data) % frame
        leftover = data[usable:]
        if usable:
            yield _samples(data[:usable], fmt).reshape(-1, fmt.channels)


def _samples(data: bytes, fmt: WavFormat) -> np.ndarray:
    if fmt.floating:
        return np.frombuffer(data, dtype="<f4" if fmt.width == 4 else "<f8").astype(np.float32)
    if fmt.width == 1:
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if fmt.width == 2:
        return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    if fmt.width == 3:
        b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = (value << 8) >> 8  # sign-extend bit 23
        return value.astype(np.float32) / 8388608.0
    return (np.frombuffer(data, dtype="<i4").astype(np.float64) / 2147483648.0
            ).astype(np.float32)


class ForwardStream:
    """A read-only, forward-moving view of a pipe that libsndfile can "seek" in.

    Backward seeks are served from a rolling window of the last bytes read (decoders step back
    a few bytes while they sniff or resynchronise); forward seeks read and discard. Memory is
    bounded by ``2 * window`` bytes whatever the stream's length.

    Args:
        stream: the pipe.
        prefix: bytes already read from ``stream`` (the sniffed magic), served first.
        window: bytes kept for backward seeks.
        claim_length: the length reported when libsndfile measures the stream (``None``:
            the current position, i.e. unknown). libFLAC refuses a stream of length 0;
            Ogg, given a length, seeks to its end, so only FLAC is given one.
    """

    def __init__(self, stream: BinaryIO, prefix: bytes = b"", *, window: int = 1 << 20,
                 claim_length: int | None = None) -> None:
        self._stream = stream
        self._history = bytearray(prefix)
        self._end = len(prefix)   # stream offset just after the last byte in _history
        self._pos = 0
        self._window = window
        self._claim = claim_length
        self.name = getattr(stream, "name", "<pipe>")

    def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes (all when ``n < 0``) from the current position."""
        if self._pos > self._end:
            return b""  # at the claimed end
        out = b""
        if self._pos < self._end:
            start = len(self._history) - (self._end - self._pos)
            stop = len(self._history) if n < 0 else min(len(self._history), start + n)
            out = bytes(self._history[start:stop])
            self._pos += len(out)
            if n >= 0:
                n -= len(out)
                if n == 0:
                    return out
        fresh = self._stream.read(n) if n >= 0 else self._stream.read()
        if fresh:
            self._history += fresh
            if len(self._history) > 2 * self._window:
                del self._history[:len(self._history) - self._window]
            self._end += len(fresh)
            self._pos = self._end
        return out + (fresh or b"")

    def tell(self) -> int:
        """The current position."""
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move within the kept window, forward by reading, or to the claimed end."""
        if whence == 2:
            if self._claim is not None:
                self._pos = self._claim
            return self._pos
        target = offset + (self._pos if whence == 1 else 0)
        if self._end - len(self._history) <= target <= self._end:
            self._pos = target
        elif target > self._end:
            self._pos = self._end
            while self._end < target and self.read(min(target - self._end, _SKIP_PIECE)):
                pass
        return self._pos

    def seekable(self) -> bool:
        """Reported as seekable: the window serves the seeks decoders make."""
        return True
