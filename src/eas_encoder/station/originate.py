"""An operator originating an alert (issue 13): the form's rules, its preview, its audio.

Pure apart from :func:`check_message_audio` (reads the one file it is given) and the voice
look-up (asks ``espeak-ng`` which voices it has). The console (or ``eas-encoder
originate``) fills an :class:`OriginationForm` with the raw values typed;
:func:`validate_origination` checks every field with the same library rules the ``encode``
CLI applies (event code 47 CFR 11.31(e), originator 11.31(d), location codes ``PSSCCC`` incl.
a county the Census tables do not list, the valid time period's 15/30-minute steps 11.31(c),
NWSI 10-1712) and collects *all* faults at once in a :class:`FormError`; on success it
returns an :class:`Origination`: the header with the station's own LLLLLLLL, its
plain-English description, the crawl sentence (47 CFR 11.51(d)) and the WEA texts with the
station's time zone printed, for the preview and confirmation step.

The confirmed origination is queued with ``StationLog.request_origination``; the monitor
takes it (``take_origination_requests``) and the core relays it through the station's
outputs like any relay, logged as ``sent`` with the operator's name. Nothing is queued from a
form that failed: there is no :class:`Origination` to queue.

Station policy beyond the CLI (this is an air chain, not a test-file maker):

* national activations (EAN, NPT, NIC; originator PEP; location ``000000``) are refused:
  they come only from FEMA through the PEP system (47 CFR 11.31(d), 11.44);
* events the station sends header-only (``[relay] header_only``, RWT by default: header and
  EOM only, 47 CFR 11.61(a)(2)) take no message; every other event needs one, spoken text
  or an audio file;
* the message is at most about two minutes, what decoders must record (47 CFR
  11.33(a)(3)(i)): :data:`MAX_MESSAGE_SECONDS` of audio, :data:`MAX_MESSAGE_CHARACTERS` of
  text.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..errors import AudioError, EasError, HeaderError
from ..same.codes import event_codes
from ..same.describe import describe_header
from ..same.header import (
    Header,
    check_event,
    check_locations,
    check_originator,
    check_valid_time,
    coerce_valid_time,
)
from ..same.locations import (
    NATIONAL_LOCATION,
    check_listed_county,
    check_location,
    describe_location,
    state_areas,
    state_counties,
)
from .config import ANY, Config

if TYPE_CHECKING:
    from ..cbs.wea import WeaText

__all__ = ["OriginationForm", "Origination", "FormError", "county_choices",
           "validate_origination", "check_message_audio", "parse_duration",
           "MAX_MESSAGE_SECONDS", "MAX_MESSAGE_CHARACTERS", "CHECK_RATE",
           "NATIONAL_ONLY_EVENTS", "DEFAULT_ORIGINATOR", "DEFAULT_DURATION", "MAX_USER_LENGTH",
           "MAX_CHANNELS"]

MAX_MESSAGE_SECONDS = 120.0
"""Longest message audio accepted, s: decoders record two minutes (47 CFR 11.33(a)(3)(i)),
so a relaying station may cut anything longer."""
MAX_MESSAGE_CHARACTERS = 1800
"""Longest message text, characters: about two minutes spoken at 150 words per minute
(the TTS rate), the same bound as the audio (47 CFR 11.33(a)(3)(i))."""
MAX_CHANNELS = 8
"""Most channels an uploaded message file may have (each block is read whole before it is
mixed to mono, so the channel count bounds memory)."""
CHECK_RATE = 22050
"""Sample rate the message audio is checked at for a nested SAME header, Hz."""
NATIONAL_ONLY_EVENTS = frozenset({"EAN", "NPT", "NIC", "EAT"})
"""National activations, sent only by FEMA through the PEP system (47 CFR 11.31(d), 11.44);
a station does not originate them."""
DEFAULT_ORIGINATOR = "EAS"
"""A broadcast station or cable system (47 CFR 11.31(d)): what a station operator is."""
DEFAULT_DURATION = "0015"
MAX_USER_LENGTH = 64
_NATIONAL_SPEC = "47 CFR 11.31(d), 11.44"

T = TypeVar("T")


class FormError(EasError):
    """A form with one or more faults: ``errors`` maps each field name (``event``,
    ``originator``, ``locations``, ``duration``, ``message_text``, ``audio``,
    ``language``, ``user``) to the message shown beside it.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(summary, field="form")


@dataclass(frozen=True)
class OriginationForm:
    """The raw values an operator typed or picked (strings as posted, not yet checked).

    Attributes:
        event: event code ``EEE`` (``RWT``).
        originator: originator code ``ORG`` (default ``EAS``).
        locations: ``PSSCCC`` codes picked (from :func:`county_choices`), in order.
        duration: valid time period as ``HHMM`` (``0030``, ``+0130``) or whole minutes
            (``30``, ``90``).
        message_text: text to speak (text-to-speech), or ``""``.
        audio_path: message audio already saved by the caller (an upload), or ``None``.
        language: language of ``message_text`` (``en-US``, ``es``); ``""``: the station's
            CAP language.
        user: the operator's name (from the console session).
    """

    event: str
    locations: tuple[str, ...]
    originator: str = DEFAULT_ORIGINATOR
    duration: str = DEFAULT_DURATION
    message_text: str = ""
    audio_path: Path | None = None
    language: str = ""
    user: str = ""


@dataclass(frozen=True)
class Origination:
    """A validated origination with its preview, ready to confirm and queue.

    Attributes:
        header: the :class:`~eas_encoder.same.header.Header`, station id the station's own
            LLLLLLLL, issued at the ``now`` given (JJJHHMM, seconds dropped).
        header_text: ``ZCZC-...-`` as it will be sent.
        description: plain-English lines (what ``eas-encoder describe`` prints).
        crawl: the visual message sentence, times in the station's zone with its name
            (47 CFR 11.51(d)).
        wea: the WEA texts (``.short`` 90, ``.long`` 360 characters, 47 CFR 10.430) derived
            from the header, or ``None`` when the event has no WEA class (``wea_note`` says
            so).
        message_text: the text to speak, or ``None``.
        audio_path: the message audio file, or ``None``.
        audio_seconds: its length, s, or ``None``.
        language: language the text is spoken in.
        user: who originates it.
        issued: the issue time (UTC, whole minute); ``expires``: issued + valid period.
        timezone: the station's IANA zone the preview is written in.
        wea_note: why there is no WEA text, or ``""``.
        header_only: the event goes out as header and EOM only (no message).
        notes: remarks for the preview (a required test, 47 CFR 11.61).
    """

    header: Header
    header_text: str
    description: str
    crawl: str
    wea: WeaText | None
    message_text: str | None
    audio_path: Path | None
    audio_seconds: float | None
    language: str
    user: str
    issued: datetime
    expires: datetime
    timezone: str
    wea_note: str = ""
    header_only: bool = False
    notes: tuple[str, ...] = field(default=())


def _rule(exc: EasError) -> str:
    """The message shown beside a field: the rule and its clause, without the CLI's hints
    (``pass --allow-unlisted``), which a form has no way to follow.
    """
    text = _CLI_HINT.sub("", exc.rule)
    return text + (f" [{exc.spec}]" if exc.spec else "")


_CLI_HINT = re.compile(r"\s*\(pass [^)]*\)|;\s*pass --[a-z-]+ to [^;]*$")


def county_choices(config: Config) -> list[tuple[str, str]]:
    """Location codes an operator picks from, as ``(PSSCCC, name)``: for every state the
    station serves (its own locations and its filters' locations), the whole state
    (``0SS000``, "all of Texas") first, then the station's own counties (what it usually
    originates for, in configuration order), then every other county the Census tables
    list, sorted by name ("Travis County, TX"); codes named in the configuration that are
    neither (a county part ``106037``, a marine zone) are included as written.

    Returns:
        ``[(code, name), ...]``, no code twice.
    """
    named: list[str] = list(config.station.locations)
    for f in config.filters:
        named += [c for c in f.locations if c != ANY]
    states = sorted({c[1:3] for c in named if c != NATIONAL_LOCATION
                     and (a := state_areas().get(c[1:3])) is not None and a.kind == "state"},
                    key=lambda ss: state_areas()[ss].name)
    out: list[tuple[str, str]] = [(f"0{ss}000", describe_location(f"0{ss}000"))
                                  for ss in states]
    counties = [(f"0{ss}{ccc}", describe_location(f"0{ss}{ccc}"))
                for ss in states for ccc in state_counties(ss)]
    by_code = dict(counties)
    own = list(dict.fromkeys(c for c in config.station.locations if c in by_code))
    out += [(c, by_code[c]) for c in own]
    out += sorted((c for c in counties if c[0] not in own), key=lambda c: (c[1], c[0]))
    seen = {c for c, _ in out}
    for code in named:
        if code not in seen and code != NATIONAL_LOCATION:
            out.append((code, describe_location(code)))
            seen.add(code)
    return out


def parse_duration(text: str) -> int:
    """A form's valid time period, ``HHMM`` (``0030``, ``+0130``) or whole minutes (``30``,
    ``90``), as minutes that pass :func:`~eas_encoder.same.header.check_valid_time`
    (15-minute steps to one hour, 30-minute steps beyond, at most 99:30; 47 CFR 11.31(c),
    NWSI 10-1712).

    Raises:
        HeaderError: field ``valid_time``, naming the next legal period when off-step.
    """
    s = text.strip()
    digits = s[1:] if s.startswith("+") else s
    if len(digits) == 4 and digits.isascii() and digits.isdigit():
        minutes = int(coerce_valid_time(s).total_seconds() // 60)
    elif 1 <= len(s) <= 3 and s.isascii() and s.isdigit():
        minutes = int(s)
    else:
        raise HeaderError("must be HHMM (0030, 0130) or whole minutes (30, 90)",
                          field="valid_time", value=text, spec="47 CFR 11.31(c)")
    return check_valid_time(minutes)


def check_message_audio(path: str | os.PathLike[str], *,
                        max_seconds: float = MAX_MESSAGE_SECONDS) -> float:
    """Check an uploaded message audio file before it may be aired: a regular file, audio
    libsndfile reads, at most :data:`MAX_CHANNELS` channels, a sample rate the receiver
    decodes (8-192 kHz), at most ``max_seconds`` long (reading stops at the limit), and no
    SAME header or EOM inside it (receivers would act on it, 47 CFR 11.31).

    Args:
        path: the file (the caller saved the upload; this reads nothing else).
        max_seconds: longest message accepted, s (47 CFR 11.33(a)(3)(i): two minutes).

    Returns:
        The message length, s.

    Raises:
        AudioError: field ``audio``: missing, not a regular file, not audio, too many
            channels, a sample rate out of range.
        EncodeError: field ``audio``: longer than ``max_seconds``, or it contains a SAME
            header or EOM.
    """
    import soundfile as sf

    from ..message import check_not_nested, read_message_audio
    from ..pcm import RateRole, check_rate

    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise AudioError(f"cannot be read ({exc.strerror})", field="audio",
                         value=name) from None
    if not stat.S_ISREG(info.st_mode):
        raise AudioError("is not a regular file", field="audio", value=name)
    try:
        meta = sf.info(name)
    except (RuntimeError, sf.LibsndfileError, TypeError, ValueError):
        raise AudioError("is not an audio file this station reads (WAV, FLAC, Ogg, MP3, "
                         "AIFF)", field="audio", value=name) from None
    if not 1 <= meta.channels <= MAX_CHANNELS:
        raise AudioError(f"has {meta.channels} channels; at most {MAX_CHANNELS}",
                         field="audio", value=name)
    try:
        check_rate(meta.samplerate, RateRole.DECODING, field="audio")
    except EasError as exc:
        raise AudioError(exc.rule, field="audio", value=name) from None
    samples = read_message_audio(name, CHECK_RATE, max_seconds=max_seconds, field="audio")
    if not len(samples):
        raise AudioError("holds no audio", field="audio", value=name)
    check_not_nested(samples, CHECK_RATE, Path(name).name, field="audio")
    return len(samples) / CHECK_RATE


def _attempt(errors: dict[str, str], name: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except EasError as exc:
        errors.setdefault(name, _rule(exc))
        return None


def _check_locations(codes: tuple[str, ...] | str) -> tuple[str, ...]:
    if isinstance(codes, str):      # one code posted alone, not its characters
        codes = (codes,)
    picked = tuple(c.strip() for c in codes if c.strip())
    if not picked:
        raise HeaderError("pick at least one county or area", field="locations")
    if NATIONAL_LOCATION in picked:
        raise HeaderError("000000 (the whole nation) is for national activations only",
                          field="locations", spec=_NATIONAL_SPEC)
    faults = []
    for code in dict.fromkeys(picked):      # every code at fault, each once
        try:
            check_listed_county(check_location(code))
        except HeaderError as exc:
            faults.append(f"{code}: {_rule(exc)}")
    if faults:
        raise HeaderError("; ".join(faults), field="locations")
    try:
        return check_locations(picked)      # count (at most 31) and no code twice
    except HeaderError as exc:
        named = f"{exc.value}: " if exc.field == "location" and exc.value else ""
        raise HeaderError(named + exc.rule, field="locations", spec=exc.spec) from None


def _check_text(text: str) -> str:
    bad = next((i for i, ch in enumerate(text) if not ch.isprintable() and ch not in "\n\t"),
               None)
    if bad is not None:
        raise HeaderError(f"holds a control character (U+{ord(text[bad]):04X}) at {bad}",
                          field="message_text")
    if len(text) > MAX_MESSAGE_CHARACTERS:
        raise HeaderError(f"is {len(text)} characters; at most {MAX_MESSAGE_CHARACTERS} "
                          "(about two minutes spoken)", field="message_text",
                          spec="47 CFR 11.33(a)(3)(i)")
    return text


def validate_origination(form: OriginationForm, config: Config, now: datetime, *,
                         voices: dict[str, str] | None = None,
                         max_audio_seconds: float = MAX_MESSAGE_SECONDS) -> Origination:
    """Check every field of ``form`` and build the origination with its preview.

    Args:
        form: the raw values.
        config: the station (its LLLLLLLL, header-only events, CAP language, time zone
            ``[tests] timezone`` for the preview).
        now: timezone-aware issue time (the caller's clock; the library reads none).
        voices: espeak-ng voices (``multilingual.installed_voices()``; ``None``: asked).
        max_audio_seconds: longest message audio, s.

    Returns:
        :class:`Origination`.

    Raises:
        FormError: every field at fault at once (field -> message); nothing else for bad
            input.
        TypeError: ``now`` naive.
    """
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise TypeError("now must be a timezone-aware datetime")
    errors: dict[str, str] = {}
    user = form.user.strip()
    if not user:
        errors["user"] = "must name the operator"
    elif len(user) > MAX_USER_LENGTH or not user.isprintable():
        errors["user"] = f"must be 1 to {MAX_USER_LENGTH} printable characters"
    event = _attempt(errors, "event", lambda: check_event(form.event.strip()))
    if event in NATIONAL_ONLY_EVENTS:
        errors["event"] = (f"{event} is a national activation, sent only by FEMA through the "
                           f"PEP system [{_NATIONAL_SPEC}]")
        event = None
    originator = _attempt(errors, "originator",
                          lambda: check_originator(form.originator.strip()))
    if originator == "PEP":
        errors["originator"] = f"PEP is the national Primary Entry Point [{_NATIONAL_SPEC}]"
    locations = _attempt(errors, "locations", lambda: _check_locations(form.locations))
    minutes = _attempt(errors, "duration", lambda: parse_duration(form.duration))

    header_only = event is not None and event in config.relay.header_only
    text = form.message_text.strip()
    audio = None if form.audio_path is None else Path(form.audio_path)
    has_audio = audio is not None
    language = form.language.strip() or config.cap.language
    audio_seconds = None
    if text and has_audio:
        errors["message_text"] = "give the message as text or as an audio file, not both"
    elif header_only and (text or has_audio):
        errors["message_text" if text else "audio"] = (
            f"{event} is sent as header and EOM only (47 CFR 11.61(a)(2); [relay] "
            "header_only); leave the message empty")
    elif event is not None and not header_only and not (text or has_audio):
        errors["message_text"] = "is needed: text to speak or an audio file"
    elif text:
        _attempt(errors, "message_text", lambda: _check_text(text))
        from ..multilingual import voice_for

        _attempt(errors, "language", lambda: voice_for(language, voices))
    elif audio is not None:
        path = audio
        audio_seconds = _attempt(errors, "audio", lambda: check_message_audio(
            path, max_seconds=max_audio_seconds))
    if errors:
        raise FormError(errors)
    assert event is not None and originator is not None and locations is not None
    assert minutes is not None
    try:
        header = Header(originator, event, locations, minutes, now, config.station.id)
    except EasError as exc:    # every field passed alone; a combination rule would land here
        raise FormError({exc.field or "form": _rule(exc)}) from None
    return _preview(header, config, now, text=text or None,
                    audio=audio,
                    audio_seconds=audio_seconds, language=language, user=user,
                    header_only=header_only)


def _preview(header: Header, config: Config, now: datetime, *, text: str | None,
             audio: Path | None, audio_seconds: float | None, language: str, user: str,
             header_only: bool) -> Origination:
    from ..cbs.wea import wea_from_header
    from ..errors import CbsError
    from ..text import crawl_text

    tz = config.tests.timezone
    issued = header.issued_at(now)
    wea, note = None, ""
    try:
        wea = wea_from_header(header, tz=tz, reference=now).texts[0]
    except CbsError as exc:
        note = f"no WEA text: {_rule(exc)}"
    row = event_codes().get(header.event)
    notes = () if row is None or row.category != "national" else (
        f"{header.event} is a required test (47 CFR 11.61)",)
    return Origination(
        header=header, header_text=str(header), description=describe_header(header, now),
        crawl=crawl_text(header, tz=tz, reference=now), wea=wea, message_text=text,
        audio_path=audio, audio_seconds=audio_seconds, language=language, user=user,
        issued=issued, expires=issued + header.valid_time,
        timezone=tz, wea_note=note, header_only=header_only, notes=notes)
