"""Audio from a pipe with flat memory (issue 10 item 6): WAV parsed as it streams, other
containers through a forward-only stream; the same samples as reading the file.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.audio import open_stream, read_audio
from eas_encoder.errors import AudioError


class Pipe(io.RawIOBase):
    """A non-seekable stream that returns short reads, as a pipe does."""

    def __init__(self, data: bytes, piece: int = 5000) -> None:
        self._data, self._pos, self._piece = data, 0, piece
        self.name = "<pipe>"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        n = self._piece if n < 0 else min(n, self._piece)
        out = self._data[self._pos:self._pos + n]
        self._pos += len(out)
        return out


def _from_pipe(data: bytes, blocksize: int = 1000) -> tuple[np.ndarray, int]:
    fs, blocks = open_stream(Pipe(data), blocksize=blocksize)
    chunks = list(blocks)
    assert all(len(c) <= blocksize for c in chunks)
    return np.concatenate(chunks), fs


def _signal(n: int, channels: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (rng.uniform(-0.9, 0.9, (n, channels))).astype(np.float32)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT",
                                     "DOUBLE"])
@pytest.mark.parametrize("channels", [1, 2])
def test_wav_from_pipe_equals_file(subtype: str, channels: int) -> None:
    buf = io.BytesIO()
    sf.write(buf, _signal(4321, channels), 11025, format="WAV", subtype=subtype)
    data = buf.getvalue()
    want, fs_want = read_audio(io.BytesIO(data))
    got, fs = _from_pipe(data)
    assert fs == fs_want == 11025
    assert got.shape == want.shape == (4321, channels)
    np.testing.assert_allclose(got, want, atol=1e-7, rtol=0)


def _wav_header(fmt: bytes, data_size: int, extra: bytes = b"") -> bytes:
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra \
        + b"data" + struct.pack("<I", data_size)
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + body


def test_streamed_wav_with_unknown_size_and_extra_chunk() -> None:
    """sox/ffmpeg writing to a pipe leave 0 or 0xFFFFFFFF as the data size."""
    pcm = (np.arange(-300, 300, dtype="<i2") * 50)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    odd_list = b"LIST" + struct.pack("<I", 3) + b"abc\x00"   # odd size, padded
    for size in (0, 0xFFFFFFFF):
        got, fs = _from_pipe(_wav_header(fmt, size, odd_list) + pcm.tobytes())
        assert fs == 8000
        np.testing.assert_array_equal(got[:, 0], pcm.astype(np.float32) / 32768)


def test_data_size_is_respected_and_trailing_chunks_ignored() -> None:
    pcm = np.arange(100, dtype="<i2")
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    data = _wav_header(fmt, 2 * 60) + pcm.tobytes()
    got, _ = _from_pipe(data)
    assert len(got) == 60


def test_uint8_offset() -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    got, _ = _from_pipe(_wav_header(fmt, 3) + bytes([0, 128, 255]))
    np.testing.assert_array_equal(got[:, 0], np.array([-1, 0, 127 / 128], np.float32))


def test_adpcm_and_truncated_headers_are_one_line_errors() -> None:
    adpcm = struct.pack("<HHIIHH", 2, 1, 8000, 4096, 256, 4)
    with pytest.raises(AudioError, match="cannot be read from a pipe"):
        _from_pipe(_wav_header(adpcm, 0) + b"\x00" * 512)
    with pytest.raises(AudioError, match="ends before its data chunk"):
        _from_pipe(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(AudioError, match="no fmt chunk"):
        _from_pipe(b"RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00")
    with pytest.raises(AudioError, match="empty"):
        _from_pipe(b"")


@pytest.mark.parametrize("fmt", ["FLAC", "OGG"])
def test_other_containers_from_pipe(fmt: str) -> None:
    if fmt not in sf.available_formats():
        pytest.skip(f"libsndfile here has no {fmt}")
    buf = io.BytesIO()
    sf.write(buf, _signal(30000, 1) * 0.5, 22050, format=fmt)
    data = buf.getvalue()
    want, _ = read_audio(io.BytesIO(data))
    got, fs = _from_pipe(data, blocksize=4096)
    assert fs == 22050
    np.testing.assert_allclose(got, want, atol=1e-6)


_CHILD = """
from eas_encoder.audio import open_stream
fs, blocks = open_stream("-", blocksize=16384)
n = sum(len(b) for b in blocks)
# VmHWM is this process image's own high-water mark; getrusage's ru_maxrss would include
# the memory of the (large) test process it was forked from.
with open("/proc/self/status") as status:
    hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(n, hwm)
"""


def _peak_kib_reading(minutes: int) -> tuple[int, int]:
    fs = 8000
    frames = minutes * 60 * fs
    fmt = struct.pack("<HHIIHH", 1, 1, fs, 2 * fs, 2, 16)
    header = _wav_header(fmt, 2 * frames)
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    piece = (np.arange(fs * 10, dtype=np.int64) % 200 - 100).astype("<i2").tobytes()

    def feed() -> None:
        assert child.stdin is not None
        try:
            child.stdin.write(header)
            for _ in range(frames // (fs * 10)):
                child.stdin.write(piece)
        finally:
            child.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    assert child.stdout is not None
    out = child.stdout.read()
    writer.join()
    assert child.wait(timeout=60) == 0
    got, peak = (int(v) for v in out.split())
    return got, peak


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_memory_does_not_grow_with_a_wav_on_stdin() -> None:
    """10 vs 60 minutes of WAV on stdin (9.6 vs 57.6 MB): the whole stream used to be
    buffered, so the peak grew by the input's size; now it stays within a few percent.
    """
    short_frames, short_peak = _peak_kib_reading(10)
    long_frames, long_peak = _peak_kib_reading(60)
    assert (short_frames, long_frames) == (10 * 60 * 8000, 60 * 60 * 8000)
    assert long_peak / short_peak < 1.15, (short_peak, long_peak)
