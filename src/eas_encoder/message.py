"""The spoken message of a transmission, fetched at the edge: an audio file, text-to-speech, or
a CAP alert's audio resource (ECIG CAP-to-EAS Implementation Guide v1.0 §2.1.1).

This is where message audio touches files, processes and the network, so the CAP layer
(:mod:`eas_encoder.cap`) stays a pure translation of a document. A CAP resource is read only
in the ways the caller grants with a :class:`ResourcePolicy`:

* its embedded ``derefUri`` (base64, CAP 1.2 §3.2.3), always;
* a local file only when a resource directory is named, and then only a regular file inside it
  (no ``..``, no absolute path or symlink leading out, no FIFO or device, at most
  ``max_bytes``);
* an ``http``/``https`` URI only when fetching is switched on, with a timeout and the same size
  cap (``httpx``, the ``fetch`` extra).

A resource the policy does not grant is not an error: the message is then spoken from the
alert's text, as ECIG says a device does when the audio cannot be had, and the reason is
returned for the user. A resource that breaks the policy it was granted under (a path leading
out of the directory, a FIFO, an oversized download) is refused with a
:class:`~eas_encoder.errors.CapError`.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import numpy as np

from .audio import open_stream, read_audio, resample, to_mono
from .cap.bridge import EasActivation
from .cap.model import Resource
from .errors import CapError, EncodeError

__all__ = ["ResourcePolicy", "DEFAULT_RESOURCE_BYTES", "DEFAULT_FETCH_TIMEOUT", "AlertMessage",
           "audio_message", "read_message_audio", "check_not_nested", "resource_content",
           "alert_message"]

DEFAULT_RESOURCE_BYTES = 10 * 1024 * 1024
"""Largest audio resource read from a file or the network (10 MiB: about 10 minutes of
IPAWS's 16 kHz MP3 or 2 minutes of 44.1 kHz 16-bit WAV)."""
DEFAULT_FETCH_TIMEOUT = 10.0
"""Seconds allowed for connecting and for each read of a fetched resource."""
_SPEC = "CAP 1.2 §3.2.3; ECIG CAP-to-EAS Implementation Guide v1.0 §2.1.1"


@dataclass(frozen=True)
class ResourcePolicy:
    """Where a CAP audio resource may be read from (the caller's grant, not the alert's).

    Attributes:
        resource_dir: directory whose regular files relative (or ``file:``) resource URIs may
            name; ``None``: no local file is read.
        fetch: fetch ``http``/``https`` resource URIs.
        max_bytes: largest resource read, bytes.
        timeout: seconds for connecting and for each read when fetching.
    """

    resource_dir: Path | None = None
    fetch: bool = False
    max_bytes: int = DEFAULT_RESOURCE_BYTES
    timeout: float = DEFAULT_FETCH_TIMEOUT


@dataclass(frozen=True)
class AlertMessage:
    """The message audio of a CAP alert and where it came from.

    ``samples`` is float32[n] mono at the requested rate; ``source`` is ``"audio resource"``
    or ``"TTS"``; ``note`` says why a resource present in the alert was not used (or ``""``).
    """

    samples: np.ndarray
    source: str
    note: str = ""


def audio_message(source: str | os.PathLike[str] | BinaryIO, fs: int) -> np.ndarray:
    """Message audio from a file (any format libsndfile reads, any rate) as mono at ``fs``.

    Returns:
        float32[n] mono at ``fs`` Hz.

    Raises:
        AudioError: unreadable or not audio.
    """
    samples, rate = read_audio(source)
    return resample(to_mono(samples), rate, fs)


def read_message_audio(source: str | os.PathLike[str], fs: int, *, max_seconds: float | None,
                       field: str = "message", why_limit: str = "") -> np.ndarray:
    """Read a message audio file block by block, mixed to mono, resampled to ``fs`` Hz.

    Reading stops as soon as the message passes ``max_seconds``, so a long file (or one
    claiming billions of frames) costs no more than the limit before it is refused.

    Args:
        source: the file (``-``: standard input).
        fs: output sample rate, Hz.
        max_seconds: longest message accepted, s; ``None``: no limit.
        field: the field named in errors (``--message`` for the CLI, ``audio`` for a form).
        why_limit: words added after the limit in the error (e.g. how to lift it).

    Returns:
        ``float32[n]`` mono at ``fs``.

    Raises:
        AudioError: unreadable file, or not audio.
        EncodeError: ``field``, longer than ``max_seconds``.
    """
    rate, blocks = open_stream(source, blocksize=1 << 16)
    limit = None if max_seconds is None else int(max_seconds * rate)
    chunks, frames = [], 0
    for block in blocks:
        frames += len(block)
        if limit is not None and frames > limit:
            raise EncodeError(f"is longer than {max_seconds:g} s{why_limit}", field=field,
                              value=str(source))
        chunks.append(to_mono(block))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    del chunks
    return resample(samples, rate, fs)


def check_not_nested(message: np.ndarray, fs: int, source: str, *, field: str = "message",
                     hint: str = "") -> None:
    """Refuse message audio that itself carries a SAME header or EOM (47 CFR 11.31): aired
    inside an alert, receivers would act on it as a second alert or end the first early.
    The project's own receiver listens, single bursts included.

    Args:
        message: ``float32[n]`` mono samples at ``fs`` Hz.
        fs: sample rate, Hz.
        source: the file's name for the error.
        field: the field named in the error.
        hint: words added to the error (e.g. the CLI's ``--allow-nested``).

    Raises:
        EncodeError: ``field``, naming what was found and where (seconds into the audio).
    """
    from .same.decoder import (  # the receiver only when a message is checked
        HeaderEvent,
        ReceiverConfig,
        decode,
    )

    found = [e for e in decode(message, fs, ReceiverConfig(single_burst=True))
             if isinstance(e, HeaderEvent) or e.kind == "eom"]
    if found:
        e = found[0]
        what = f"SAME header {e.text}" if isinstance(e, HeaderEvent) else "an EOM (NNNN)"
        raise EncodeError(f"contains {what} at {e.start:.2f} s; receivers would act on it"
                          f"{hint}", field=field, value=source, spec="47 CFR 11.31")


def _refuse(rule: str, uri: str | None) -> CapError:
    return CapError(rule, field="resource/uri", value=uri, spec=_SPEC)


def _local_name(uri: str) -> str | None:
    """The path a ``file:`` or scheme-less URI names, or ``None`` for any other URI."""
    parts = urlsplit(uri.strip())
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            return None
        return unquote(parts.path)
    if parts.scheme == "" and not parts.netloc:
        return unquote(parts.path)
    return None


def _read_local(uri: str, policy: ResourcePolicy) -> bytes:
    assert policy.resource_dir is not None
    name = _local_name(uri)
    assert name is not None
    if ".." in PurePosixPath(name).parts:
        raise _refuse("a resource path must not contain '..'", uri)
    base = os.path.realpath(policy.resource_dir)
    candidate = os.path.realpath(os.path.join(base, name.lstrip("/"))
                                 if not name.startswith("/") else name)
    if os.path.commonpath([base, candidate]) != base:
        raise _refuse(f"names a file outside the resource directory {str(policy.resource_dir)!r}"
                      " (absolute path or symlink leading out)", uri)
    # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the path checked
    # above is the one opened, not a symlink put there since.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(candidate, flags)
    except OSError as exc:
        raise _refuse(f"cannot be read from the resource directory ({exc.strerror})",
                      uri) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse("is not a regular file (a FIFO, device or directory is never read)",
                          uri)
        if info.st_size > policy.max_bytes:
            raise _refuse(f"is {info.st_size} bytes; at most {policy.max_bytes} are read", uri)
        data = fh.read(policy.max_bytes + 1)
    if len(data) > policy.max_bytes:
        raise _refuse(f"is larger than {policy.max_bytes} bytes", uri)
    return data


def _fetch(uri: str, policy: ResourcePolicy) -> bytes:
    try:
        import httpx
    except ImportError:
        raise _refuse("fetching resources needs httpx (pip install 'eas-encoder[fetch]')",
                      uri) from None
    chunks: list[bytes] = []
    total = 0
    try:
        with httpx.Client(timeout=policy.timeout, follow_redirects=True, max_redirects=3,
                          trust_env=False) as client, client.stream("GET", uri) as response:
            if response.status_code != 200:
                raise _refuse(f"fetch answered HTTP {response.status_code}", uri)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise _refuse(f"is {declared} bytes; at most {policy.max_bytes} are fetched",
                              uri)
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > policy.max_bytes:
                    raise _refuse(f"is larger than {policy.max_bytes} bytes", uri)
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise _refuse(f"cannot be fetched ({type(exc).__name__}: {exc})", uri) from None
    return b"".join(chunks)


def resource_content(resource: Resource, policy: ResourcePolicy) -> tuple[bytes | None, str]:
    """The bytes of a CAP resource as far as ``policy`` grants, or ``None`` and the reason.

    Returns:
        ``(content, "")`` when read; ``(None, why)`` when the policy does not grant reading it.

    Raises:
        CapError: ``derefUri`` not base64; a granted local path leading out of the resource
            directory, containing ``..``, not a regular file, unreadable or over
            ``max_bytes``; a granted fetch failing, timing out or over ``max_bytes``.
    """
    if resource.deref_uri is not None:
        try:
            return base64.b64decode(re.sub(r"\s++", "", resource.deref_uri), validate=True), ""
        except (binascii.Error, ValueError):
            raise CapError("is not valid base64", field="resource/derefUri",
                           spec="CAP 1.2 §3.2.3") from None
    uri = (resource.uri or "").strip()
    if not uri:
        return None, "the audio resource has neither derefUri nor uri"
    scheme = urlsplit(uri).scheme.lower()
    if _local_name(uri) is not None:
        if policy.resource_dir is None:
            return None, (f"audio {uri!r} is a local file; it is read only from a resource "
                          "directory (--resource-dir)")
        return _read_local(uri, policy), ""
    if scheme in ("http", "https"):
        if not policy.fetch:
            return None, f"audio {uri!r} is remote; it is fetched only with --fetch-resources"
        return _fetch(uri, policy), ""
    return None, f"audio {uri!r}: the {scheme!r} scheme is never read"


def alert_message(activation: EasActivation, fs: int, *,
                  policy: ResourcePolicy = ResourcePolicy(),
                  voice: str | None = None) -> AlertMessage:
    """The spoken message of a translated alert: its audio resource, else TTS of its text.

    Args:
        activation: from :func:`eas_encoder.cap.bridge.alert_to_same`.
        fs: output sample rate, Hz.
        policy: where the audio resource may be read from.
        voice: espeak-ng voice; default from the info language (``en-US`` -> ``en-us``).

    Returns:
        :class:`AlertMessage` with float32[n] mono samples at ``fs``.

    Raises:
        CapError: as :func:`resource_content`; AudioError: resource content is not audio;
        EncodeError: TTS needed but espeak-ng missing or the text too long.
    """
    from .speech import synthesize

    note = ""
    if activation.audio is not None:
        content, note = resource_content(activation.audio, policy)
        if content is not None:
            return AlertMessage(audio_message(io.BytesIO(content), fs), "audio resource")
    samples = synthesize(activation.text, fs, voice=voice or activation.language.lower())
    return AlertMessage(samples, "TTS", note)

