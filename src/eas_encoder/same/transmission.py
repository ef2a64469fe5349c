"""Assemble a whole EAS transmission (47 CFR 11.31(a), (c)).

Layout, with the one-second pauses of 11.31(c)::

    [lead-in] HEADER 1s HEADER 1s HEADER 1s [ATTENTION 1s] [MESSAGE 1s] EOM 1s EOM 1s EOM 1s [tail]

Every burst carries the 16-byte 0xAB preamble, EOM bursts included. The library returns
``float32`` samples; writing files is :mod:`eas_encoder.audio`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EncodeError
from .header import EndOfMessage, Header
from .modulator import afsk, bytes_to_bits, check_sample_rate
from .profiles import DEFAULT_PROFILE, EndecProfile, get_profile
from .tones import attention_signal
from .waveform import ATTENTION_DEFAULT_SECONDS, PREAMBLE

__all__ = ["Segment", "Transmission", "encode_transmission", "dbfs_to_amplitude",
           "DEFAULT_LEVEL_DBFS", "DEFAULT_SAMPLE_RATE"]

DEFAULT_LEVEL_DBFS = -3.0
"""Peak level of the AFSK bursts and attention signal, dBFS."""
MIN_LEVEL_DBFS = -60.0
"""Quietest level accepted for the tones, dBFS."""
DEFAULT_SAMPLE_RATE = 48000
"""Default output sample rate, Hz."""
BURSTS_PER_CODE = 3
"""Headers and EOMs are each sent three times (47 CFR 11.31(c))."""


@dataclass(frozen=True)
class Segment:
    """One part of a transmission: ``kind`` is ``header``, ``attention``, ``message`` or
    ``eom``; ``start``/``end`` are sample indices (end exclusive); ``text`` is the burst's
    ASCII payload or the attention kind.
    """

    kind: str
    start: int
    end: int
    text: str | None = None


@dataclass(frozen=True, eq=False)
class Transmission:
    """A rendered transmission: ``samples`` float32[n] mono in [-1, 1] at ``fs`` Hz, and the
    ``segments`` that make it up, in order.
    """

    samples: np.ndarray
    fs: int
    segments: tuple[Segment, ...]

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.fs


def dbfs_to_amplitude(level_dbfs: float) -> float:
    """Peak amplitude (full scale 1.0) for a level in dBFS (-60 to 0).

    Raises:
        EncodeError: field ``level`` outside -60 to 0 dBFS or not finite.
    """
    if not np.isfinite(level_dbfs) or not MIN_LEVEL_DBFS <= level_dbfs <= 0:
        raise EncodeError(f"must be {MIN_LEVEL_DBFS:g} to 0 dBFS (lower is lost in the "
                          "16-bit noise floor of a broadcast chain)", field="level",
                          value=level_dbfs)
    return float(10.0 ** (level_dbfs / 20.0))


def encode_transmission(
    header: Header | str,
    *,
    fs: int = DEFAULT_SAMPLE_RATE,
    attention: str = "eas",
    attention_seconds: float = ATTENTION_DEFAULT_SECONDS,
    message: np.ndarray | None = None,
    level_dbfs: float = DEFAULT_LEVEL_DBFS,
    lead_in_seconds: float = 0.5,
    tail_seconds: float = 0.5,
    profile: str | EndecProfile = DEFAULT_PROFILE,
) -> Transmission:
    """Render the complete four-part EAS transmission of 47 CFR 11.31(a).

    Args:
        header: a :class:`Header` or its wire text (parsed strictly).
        fs: output sample rate in Hz, 8000 to 192000.
        attention: ``"eas"`` (853 + 960 Hz), ``"nwr"`` (1050 Hz) or ``"none"`` (e.g. RWT).
        attention_seconds: 8 to 25 s (47 CFR 11.31(c)).
        message: the spoken message as float32[n] mono at ``fs`` (see
            :func:`eas_encoder.audio.resample`), or ``None`` for no message.
        level_dbfs: peak level of bursts and attention signal, dBFS.
        lead_in_seconds: silence before the first burst, seconds (0 to 60).
        tail_seconds: silence after the pause that follows the last EOM, seconds (0 to 60).
        profile: ENDEC framing (:data:`eas_encoder.same.profiles.PROFILES`): bytes around the
            bursts and the pause between them as equipment in the field sends them; the
            default ``"exact"`` adds nothing to 47 CFR 11.31(c).

    Returns:
        :class:`Transmission` with float32 samples.

    Raises:
        HeaderError: the header text is invalid.
        EncodeError: bad sample rate, level, attention signal, message array or profile.
    """
    fs = check_sample_rate(fs)
    prof = get_profile(profile)
    if isinstance(header, str):
        header = Header.parse(header)
    if not isinstance(header, Header):
        raise TypeError(f"header must be a Header or str, not {type(header).__name__}")
    amp = dbfs_to_amplitude(level_dbfs)
    for name, secs in (("lead_in_seconds", lead_in_seconds), ("tail_seconds", tail_seconds)):
        if not np.isfinite(secs) or not 0 <= secs <= 60:
            raise EncodeError("must be 0 to 60 seconds", field=name, value=secs)
    gap = np.zeros(int(round(prof.gap_seconds * fs)), dtype=np.float32)
    parts: list[np.ndarray] = []
    segments: list[Segment] = []
    cursor = 0

    def add(x: np.ndarray, kind: str | None = None, text: str | None = None) -> None:
        nonlocal cursor
        if kind is not None:
            segments.append(Segment(kind, cursor, cursor + len(x), text))
        parts.append(x)
        cursor += len(x)

    add(np.zeros(int(round(lead_in_seconds * fs)), dtype=np.float32))
    for i in range(BURSTS_PER_CODE):
        add(_framed_burst(prof, header.to_bytes(), fs, amp, first=i == 0, eom=False),
            "header", str(header))
        add(gap)
    tone = attention_signal(attention, attention_seconds, fs, amp)
    if len(tone):
        add(tone, "attention", attention)
        add(gap)
    if message is not None:
        msg = np.asarray(message)
        if msg.ndim != 1 or not np.issubdtype(msg.dtype, np.floating):
            raise EncodeError("must be mono floating-point samples float32[n]",
                              field="message", value=f"{msg.dtype}{list(msg.shape)}")
        if not np.all(np.isfinite(msg)):
            raise EncodeError("contains NaN or infinity", field="message")
        if len(msg):
            add(np.clip(msg, -1.0, 1.0).astype(np.float32), "message")
            add(gap)
    for i in range(BURSTS_PER_CODE):
        add(_framed_burst(prof, EndOfMessage().to_bytes(), fs, amp, first=i == 0, eom=True),
            "eom", str(EndOfMessage()))
        add(gap)
    add(np.zeros(int(round(tail_seconds * fs)), dtype=np.float32))
    return Transmission(np.concatenate(parts), fs, tuple(segments))


def _framed_burst(prof: EndecProfile, payload: bytes, fs: int, amp: float, *, first: bool,
                  eom: bool) -> np.ndarray:
    """One burst as ``prof``'s equipment frames it: lead-in bits, preamble, text, tail."""
    lead = (prof.first_lead if first else b"") + (prof.eom_lead if eom else b"")
    tail = prof.eom_tail if eom else prof.header_tail
    bits = np.concatenate([np.ones(prof.lead_mark_bits, dtype=np.uint8),
                           bytes_to_bits(lead + PREAMBLE + payload + tail)])
    return afsk(bits, fs, amp)
