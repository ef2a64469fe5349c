"""Audio input/output: the only module that touches ``soundfile``. Resampling lives here too.

Readers return ``(samples, fs)`` like soundfile: ``float32[n, channels]`` in [-1, 1] and the
sample rate in Hz. Raw input is signed 16-bit little-endian (s16le), as ``rtl_fm`` and
``sox -t raw`` produce, and needs an explicit rate.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from .errors import AudioError
from .fileio import write_output
from .pcm import RATE_LIMITS, RateRole, check_rate, clean_mono
from .pipes import ForwardStream, read_exactly, read_wav_header, wav_blocks

__all__ = [
    "read_audio", "open_stream", "to_mono", "resample", "write_audio", "encode_audio_bytes",
    "FORMATS", "SUBTYPES", "MAX_RATE",
]

FORMATS = ("wav", "flac", "raw")
SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "float": "FLOAT"}
MAX_RATE = RATE_LIMITS[RateRole.WRITING][1]
_STDIO = "-"


def _check_rate(rate: object, field: str = "rate") -> int:
    return check_rate(rate, RateRole.WRITING, field=field)


def read_audio(source: str | os.PathLike | BinaryIO, *, rate: int | None = None
               ) -> tuple[np.ndarray, int]:
    """Read a whole audio file (WAV, FLAC, OGG, MP3... as libsndfile supports) or raw s16le.

    Args:
        source: a path, ``"-"`` for standard input, or a binary file object.
        rate: when given, the input is raw mono s16le at this rate (Hz).

    Returns:
        ``(float32[n, channels], fs)``.

    Raises:
        AudioError: field ``file`` when the file is missing, unreadable, truncated or empty of
            a header soundfile recognises; field ``rate`` for a bad raw rate.
    """
    fs, blocks = open_stream(source, rate=rate, blocksize=1 << 16)
    chunks = list(blocks)
    if not chunks:
        return np.zeros((0, 1), dtype=np.float32), fs
    return np.concatenate(chunks, axis=0), fs


def open_stream(source: str | os.PathLike | BinaryIO, *, rate: int | None = None,
                blocksize: int = 4096, raw_dtype: str = "float32"
                ) -> tuple[int, Iterator[np.ndarray]]:
    """Open audio for block-by-block reading with flat memory (e.g. a 24-hour stdin stream).

    Args:
        source: a path, ``"-"`` for standard input, or a binary file object.
        rate: raw s16le mono input at this rate (Hz); ``None`` for a self-describing file.
        blocksize: frames per block.
        raw_dtype: for raw input, ``"float32"`` (scaled to [-1, 1)) or ``"int16"`` (the
            samples as sent, saving a conversion pass for a consumer that scales itself).

    Returns:
        ``(fs, blocks)`` where each block is ``float32[m, channels]`` (or ``int16[m, 1]`` for
        raw input with ``raw_dtype="int16"``), ``m <= blocksize``.

    Raises:
        AudioError: as :func:`read_audio`.
    """
    if blocksize < 1:
        raise ValueError("blocksize must be positive")
    name = _name(source)
    if rate is not None:
        rate = _check_rate(rate)
        _refuse_container_as_raw(source, name)
        stream = _binary(source)
        if raw_dtype not in ("float32", "int16"):
            raise ValueError("raw_dtype must be 'float32' or 'int16'")
        return rate, _raw_blocks(stream, blocksize, close=stream is not source
                                 and source != _STDIO, as_int16=raw_dtype == "int16")
    if isinstance(source, str | os.PathLike) and source != _STDIO:
        if not os.path.exists(source):
            raise AudioError("no such file", field="file", value=name)
        if os.path.isdir(source):
            raise AudioError("is a directory, not an audio file", field="file", value=name)
    pipe = _pipe_of(source)
    if pipe is not None:
        return _open_pipe(pipe, name, blocksize)
    try:
        with _quiet_stderr():
            handle = sf.SoundFile(source)
    except FileNotFoundError:
        raise AudioError("no such file", field="file", value=name) from None
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        hint = "; raw s16le on stdin needs --rate" if source == _STDIO else ""
        raise AudioError(f"cannot be read as audio ({_why(exc)}){hint}", field="file",
                         value=name) from None
    if handle.samplerate < 1 or handle.channels < 1:
        handle.close()
        raise AudioError("declares no sample rate or no channels", field="file", value=name)
    return handle.samplerate, _sf_blocks(handle, blocksize, name)


def _pipe_of(source: str | os.PathLike | BinaryIO) -> BinaryIO | None:
    """The stream to read without seeking, or ``None`` when libsndfile can open ``source``.

    Standard input, a FIFO or character device named by path, and a file object that cannot
    seek are read as pipes; standard input redirected from a regular file is left to libsndfile.
    """
    if source == _STDIO:
        stream = sys.stdin.buffer
    elif isinstance(source, str | os.PathLike):
        try:
            regular = stat.S_ISREG(os.stat(source).st_mode)
        except OSError:
            return None  # libsndfile reports it
        if regular:
            return None
        return _binary(source)
    else:
        stream = source
    try:
        return None if stream.seekable() else stream
    except (AttributeError, ValueError, OSError):
        return stream


def _open_pipe(stream: BinaryIO, name: str, blocksize: int) -> tuple[int, Iterator[np.ndarray]]:
    # The container is told by its first bytes; only WAV is parsed here, the rest by
    # libsndfile through a forward-only stream (flat memory either way).
    head = read_exactly(stream, 12)
    if len(head) == 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        fmt = read_wav_header(head, stream, name)
        return fmt.rate, wav_blocks(stream, fmt, blocksize)
    if not head:
        raise AudioError("is empty (no audio on the pipe); raw s16le on stdin needs --rate",
                         field="file", value=name)
    forward = ForwardStream(stream, head, claim_length=1 << 62 if head[:4] == b"fLaC" else None)
    try:
        with _quiet_stderr():
            handle = sf.SoundFile(forward)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError(f"cannot be read as audio from a pipe ({_why(exc)}); raw s16le "
                         "needs --rate", field="file", value=name) from None
    if handle.samplerate < 1 or handle.channels < 1:
        handle.close()
        raise AudioError("declares no sample rate or no channels", field="file", value=name)
    return handle.samplerate, _sf_blocks(handle, blocksize, name)


_CONTAINER_MAGIC = {b"RIFF": "WAV", b"fLaC": "FLAC", b"OggS": "Ogg", b"FORM": "AIFF"}
"""First bytes of the containers libsndfile reads, by name."""


def _refuse_container_as_raw(source: object, name: str) -> None:
    """A named file that is a WAV/FLAC/Ogg/AIFF container is not raw s16le: reading its
    header and samples as raw would decode nothing (or noise) and say nothing.
    """
    if not isinstance(source, str | os.PathLike) or source == _STDIO:
        return
    try:
        with open(source, "rb") as fh:
            kind = _CONTAINER_MAGIC.get(fh.read(4))
    except OSError:
        return  # the raw reader reports a missing or unreadable file in its own words
    if kind is not None:
        raise AudioError(f"is a {kind} file, and --rate means raw s16le input: leave "
                         "--rate out (the file gives its own rate)", field="file", value=name)


def _sf_blocks(handle: sf.SoundFile, blocksize: int, name: str) -> Iterator[np.ndarray]:
    with handle:
        while True:
            try:
                with _quiet_stderr():
                    block = handle.read(blocksize, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise AudioError(f"is truncated or corrupt ({_why(exc)})", field="file",
                                 value=name) from None
            if len(block) == 0:
                return
            yield block


def _raw_blocks(stream: BinaryIO, blocksize: int, close: bool, as_int16: bool = False
                ) -> Iterator[np.ndarray]:
    leftover = b""
    try:
        while True:
            data = stream.read(2 * blocksize)
            if not data:
                return
            data = leftover + data
            usable = len(data) - (len(data) % 2)
            leftover = data[usable:]
            if usable:
                pcm = np.frombuffer(data[:usable], dtype="<i2")
                yield (pcm if as_int16 else pcm.astype(np.float32) / 32768.0)[:, None]
    finally:
        if close:
            stream.close()


def _binary(source: str | os.PathLike | BinaryIO) -> BinaryIO:
    if source == _STDIO:
        return sys.stdin.buffer
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb")  # noqa: SIM115 - closed by the block generator
        except FileNotFoundError:
            raise AudioError("no such file", field="file", value=str(source)) from None
        except OSError as exc:
            raise AudioError(f"cannot be opened ({exc.strerror})", field="file",
                             value=str(source)) from None
    return source


def _name(source: object) -> str:
    if source == _STDIO:
        return "<stdin>"
    if isinstance(source, str | os.PathLike):
        return str(source)
    return getattr(source, "name", "<stream>")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 while libsndfile's decoders run: libmpg123 prints resync
    notes for damaged MP3 straight to fd 2, which would break the CLI's one-line errors.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (e.g. a daemon): nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _why(exc: BaseException) -> str:
    text = _short(exc)
    # libsndfile names the object it was given ("Error opening <_io.BytesIO ...>: ..."),
    # which says nothing to the user; the file is already named by the caller.
    if text.startswith("Error opening") and ": " in text:
        text = text.split(": ", 1)[1]
    # libsndfile's catch-all wording for an unrecognised stream blames the file system.
    if "does not exist or is not a regular file" in text or "System error" in text:
        return "not a recognised audio format, or damaged"
    return text


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Mix ``[n, channels]`` (or ``[n]``) samples of any numeric dtype down to ``float32[n]``.

    The project's one cleaning policy (:func:`eas_encoder.pcm.clean_mono`): integer PCM scaled
    by its full scale (``uint8`` offset by 128), NaN, infinities and samples beyond
    +/-``pcm.MAX_ABS_SAMPLE`` erased to 0, channels averaged.

    Raises:
        ValueError: not 1-D or 2-D.
    """
    return clean_mono(samples)


def resample(samples: np.ndarray, fs_in: int, fs_out: int) -> np.ndarray:
    """Resample ``float[n]`` (or ``float[n, ch]``) from ``fs_in`` to ``fs_out`` Hz with a
    polyphase filter (scipy ``resample_poly``); returns float32 of the same rank.
    """
    fs_in, fs_out = _check_rate(fs_in, "rate"), _check_rate(fs_out, "rate")
    x = np.asarray(samples, dtype=np.float32)
    if fs_in == fs_out or len(x) == 0:
        return x
    # Imported here: scipy.signal costs about a second of start-up that decoding never needs.
    from scipy.signal import resample_poly

    ratio = Fraction(fs_out, fs_in).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator, axis=0).astype(np.float32)


def _subtype(bits: str) -> str:
    try:
        return SUBTYPES[bits]
    except KeyError:
        raise AudioError(f"must be one of {', '.join(SUBTYPES)}", field="bits",
                         value=bits) from None


def encode_audio_bytes(samples: np.ndarray, fs: int, *, format: str = "wav",
                       bits: str = "16") -> bytes:
    """Encode ``float[n]`` samples as a WAV or FLAC file image, or raw s16le, in memory.

    Raises:
        AudioError: fields ``format`` / ``bits`` (FLAC has no float, raw is 16-bit only).
    """
    if format not in FORMATS:
        raise AudioError(f"must be one of {', '.join(FORMATS)}", field="format", value=format)
    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if format == "raw":
        if bits != "16":
            raise AudioError("raw output is s16le only", field="bits", value=bits)
        return (np.round(x * 32767.0)).astype("<i2").tobytes()
    subtype = _subtype(bits)
    if format == "flac" and subtype == "FLOAT":
        raise AudioError("FLAC cannot hold floating-point samples (use 16 or 24)",
                         field="bits", value=bits)
    buf = io.BytesIO()
    sf.write(buf, x, fs, format=format.upper(), subtype=subtype)
    return buf.getvalue()


def write_audio(dest: str | os.PathLike, samples: np.ndarray, fs: int, *,
                format: str | None = None, bits: str = "16") -> None:
    """Write samples to ``dest`` (``"-"`` = standard output) through the atomic writer.

    See :mod:`eas_encoder.fileio`: an error never leaves a partial output file behind, a
    device or FIFO is written in place, a symbolic link at ``dest`` is replaced, not followed.

    Args:
        dest: output path, or ``"-"`` for standard output.
        samples: ``float[n]`` mono in [-1, 1] (clipped).
        fs: sample rate in Hz.
        format: ``wav``, ``flac`` or ``raw`` (s16le); ``None`` picks from the file name's
            extension (``.wav``, ``.flac``, ``.raw``; none or ``-`` means WAV; another
            extension, e.g. ``.mp3``, is an error rather than a mislabelled file).
        bits: ``"16"`` (default), ``"24"`` or ``"float"``.

    Raises:
        AudioError: bad format/bits, or the destination cannot be written.
    """
    if format is None:
        suffix = Path(str(dest)).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            format = suffix
        elif suffix in ("", "wave", "s16", "pcm") or str(dest) == _STDIO:
            format = "raw" if suffix in ("s16", "pcm") else "wav"
        else:
            raise AudioError(f"has an extension this tool does not write (.{suffix}); use "
                             ".wav, .flac or .raw, or say --format", field="output",
                             value=str(dest))
    data = encode_audio_bytes(samples, fs, format=format, bits=bits)
    write_output(dest, data, field="output", error=AudioError)
