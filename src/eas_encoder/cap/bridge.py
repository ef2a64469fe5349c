"""CAP <-> SAME: ECIG CAP-to-EAS translation and IPAWS-style CAP from a SAME header.

CAP -> SAME follows the ECIG CAP-to-EAS Implementation Guide v1.0 (2010), whose core goal is
that every device makes the *same* EAS message from a given CAP message:

* ORG from ``parameter EAS-ORG``; EEE from ``eventCode SAME``;
* PSSCCC from every ``area/geocode SAME`` of the chosen ``info``, in document order,
  de-duplicated, 1 to 31 (47 CFR 11.31(c));
* +TTTT = ``expires - sent`` rounded *up* to a legal period (15-minute steps to one hour,
  30-minute steps beyond, at most +9930);
* JJJHHMM from ``sent`` in UTC; LLLLLLLL from the device's configuration (not from CAP);
* the ``info`` in the configured language; only ``Actual``/``Public`` alerts (tests by
  configuration); ``Update`` is a new activation, ``Cancel``/``Ack``/``Error`` make none;
* message text: ``parameter EASText`` verbatim, else built from the header, ``description``
  and ``instruction``; message audio: an ``audio/*`` resource (the first with ``derefUri``,
  else the first with a ``uri``), which :mod:`eas_encoder.message` reads at the edge as far
  as the caller grants, else text-to-speech of that text.

The same checks produce the ``ecig`` profile findings of :func:`eas_encoder.cap.rules.validate`
(:func:`ecig_findings`), so "validates for ECIG" and "translates" are one piece of logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..errors import CapError, EasError
from ..findings import FAIL, INFO, WARN, Finding
from ..same.codes import event_codes, event_name, originator_name, originators
from ..same.header import MAX_LOCATIONS, MAX_VALID_MINUTES, Header, round_up_valid_time
from ..same.locations import check_location, describe_location
from ..text import crawl_text
from .model import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Resource,
    Scope,
    Severity,
    Status,
    Urgency,
    as_member,
)
from .rules import make_finding, register_profile

__all__ = ["EasActivation", "select_info", "ecig_findings", "alert_to_same", "message_text",
           "same_to_alert", "DEFAULT_LANGUAGE", "TEST_EVENTS"]

DEFAULT_LANGUAGE = "en-US"
"""Language an EAS device picks when not configured otherwise (CAP 1.2 §3.2.2 default)."""
TEST_EVENTS = frozenset({"RWT", "RMT", "NPT", "DMO"})
"""Events a device may air from a ``Test``/``Exercise`` alert when configured to (ECIG)."""
_SPEC = "ECIG CAP-to-EAS Implementation Guide v1.0"
_NO_ACTIVATION = (MsgType.CANCEL, MsgType.ACK, MsgType.ERROR)


@dataclass(frozen=True)
class EasActivation:
    """The EAS message a CAP alert translates to.

    ``header`` is the SAME header; ``text`` the message text (crawl and TTS source);
    ``audio`` the ``audio/*`` resource to play if it can be had (in-band first; reading it is
    :func:`eas_encoder.message.alert_message`'s, at the edge); ``info_index`` is 0-based into
    ``alert.infos``; ``notes`` are the non-fatal findings (e.g. a rounded duration).
    """

    header: Header
    text: str
    audio: Resource | None
    info_index: int
    language: str
    notes: tuple[Finding, ...] = ()


def select_info(alert: Alert, language: str = DEFAULT_LANGUAGE) -> tuple[int, Info]:
    """Choose the ``info`` a device configured for ``language`` uses (ECIG language rule).

    An exact (case-insensitive) tag match wins, then the first info whose primary subtag
    matches (``en`` for ``en-US``).

    Raises:
        CapError: no info at all, or none in that language (the message lists those present).
    """
    if not alert.infos:
        raise CapError("the alert has no info block to translate", field="/alert/info",
                       spec=_SPEC)
    want = language.lower()
    for i, info in enumerate(alert.infos):
        if info.effective_language.lower() == want:
            return i, info
    for i, info in enumerate(alert.infos):
        if info.effective_language.lower().split("-")[0] == want.split("-")[0]:
            return i, info
    present = ", ".join(sorted({i.effective_language for i in alert.infos}))
    raise CapError(f"no info in language {language} (present: {present})",
                   field="/alert/info/language", value=language, spec=_SPEC)


@dataclass
class _Draft:
    """Header fields gathered from one info, plus what is wrong with them."""

    org: str | None = None
    event: str | None = None
    locations: tuple[str, ...] = ()
    minutes: int | None = None


def _gather(alert: Alert, index: int, info: Info) -> tuple[_Draft, list[Finding]]:
    p = f"/alert/info[{index + 1}]"
    out: list[Finding] = []
    d = _Draft()
    orgs = info.parameter("EAS-ORG")
    if len(orgs) != 1:
        out.append(make_finding("ECIG-EAS-ORG", f"{p}/parameter", f"needs exactly one parameter "
                            f"EAS-ORG (found {len(orgs)})"))
    elif orgs[0] not in originators() or originators()[orgs[0]].status != "current":
        allowed = ", ".join(c for c, o in originators().items() if o.status == "current")
        out.append(make_finding("ECIG-EAS-ORG", f"{p}/parameter", f"EAS-ORG {orgs[0]!r} is not "
                            f"a SAME originator ({allowed})"))
    else:
        d.org = orgs[0]
    events = info.event_code("SAME")
    if len(events) != 1:
        out.append(make_finding("ECIG-SAME-EVENT", f"{p}/eventCode", "needs exactly one eventCode "
                            f"SAME (found {len(events)})"))
    elif events[0] not in event_codes():
        out.append(make_finding("ECIG-SAME-EVENT", f"{p}/eventCode", f"SAME event {events[0]!r} "
                            "is not a known event code"))
    else:
        d.event = events[0]
    locations: dict[str, None] = {}  # ordered and O(1) to look up (thousands of geocodes)
    for j, area in enumerate(info.areas, 1):
        for k, geo in enumerate(area.geocodes, 1):
            if geo.value_name != "SAME":
                continue
            try:
                code = check_location(geo.value.strip())
            except EasError as exc:
                out.append(make_finding("ECIG-SAME-LOCATION", f"{p}/area[{j}]/geocode[{k}]",
                                    f"{geo.value!r}: {exc.rule}"))
                continue
            locations.setdefault(code)
    if not locations and not any(f.rule_id == "ECIG-SAME-LOCATION" for f in out):
        out.append(make_finding("ECIG-SAME-LOCATION", f"{p}/area", "no geocode SAME (PSSCCC) in "
                            "any area"))
    elif len(locations) > MAX_LOCATIONS:
        out.append(make_finding("ECIG-SAME-LOCATION", f"{p}/area", f"{len(locations)} distinct "
                            f"SAME locations; a header carries at most {MAX_LOCATIONS}"))
    else:
        d.locations = tuple(locations)
    if info.expires is None:
        out.append(make_finding("ECIG-EXPIRES", f"{p}", "expires is required to set the valid "
                            "time period +TTTT"))
    elif info.expires <= alert.sent:
        out.append(make_finding("ECIG-EXPIRES", f"{p}/expires", "expires is not later than sent"))
    else:
        minutes = (info.expires - alert.sent).total_seconds() / 60
        if minutes > MAX_VALID_MINUTES:
            out.append(make_finding("ECIG-DURATION", f"{p}/expires", f"expires - sent is "
                                f"{minutes / 60:.1f} h; the header says +9930 (99.5 h)"))
        d.minutes = round_up_valid_time(minutes)
    for r, res in enumerate(info.resources, 1):
        if _is_audio(res) and res.deref_uri is None:
            out.append(make_finding("ECIG-AUDIO", f"{p}/resource[{r}]", f"audio {res.uri!r} is "
                                    "not in-band (derefUri): it is read only from a resource "
                                    "directory or fetched when the caller allows, else "
                                    "text-to-speech is used"))
    return d, out


def _eligibility(alert: Alert, allow_test: bool, event: str | None) -> list[Finding]:
    out = []
    if alert.msg_type in _NO_ACTIVATION:
        out.append(make_finding("ECIG-MSGTYPE", "/alert/msgType", f"msgType "
                                f"{alert.msg_type.value} produces no EAS activation",
                                FAIL))
    if alert.scope is not Scope.PUBLIC:
        out.append(make_finding("ECIG-SCOPE", "/alert/scope", f"scope {alert.scope.value} is not "
                            "translated to EAS (Public only)"))
    if alert.status is not Status.ACTUAL:
        test_ok = (allow_test and alert.status in (Status.TEST, Status.EXERCISE)
                   and event in TEST_EVENTS)
        if not test_ok:
            out.append(make_finding("ECIG-STATUS", "/alert/status", f"status "
                                    f"{alert.status.value} does not go to air (Actual only; "
                                    f"Test/Exercise with {'/'.join(sorted(TEST_EVENTS))} "
                                    "when allowed)", FAIL))
    return out


def ecig_findings(alert: Alert, *, language: str = DEFAULT_LANGUAGE) -> list[Finding]:
    """The ``ecig`` profile: everything that stops ``alert`` becoming one EAS message.

    A ``Cancel``/``Ack``/``Error`` is reported as info (it is valid; it simply airs nothing),
    a non-``Actual`` status as a warning.
    """
    # Blocking for a device, but a valid message: a Cancel is information, a Test a warning.
    relaxed = {"ECIG-MSGTYPE": INFO, "ECIG-STATUS": WARN}
    out = [replace(f, verdict=relaxed.get(f.rule_id, f.verdict))
           for f in _eligibility(alert, allow_test=False, event=None)]
    if alert.msg_type in _NO_ACTIVATION:
        return out
    try:
        index, info = select_info(alert, language)
    except CapError as exc:
        return [*out, make_finding("ECIG-INFO", exc.field or "/alert/info", exc.rule)]
    return out + _gather(alert, index, info)[1]


register_profile("ecig", (), ecig_findings)


def alert_to_same(alert: Alert, *, station: str | None = None,
                  language: str = DEFAULT_LANGUAGE, allow_test: bool = False,
                  tz: str | None = None) -> EasActivation:
    """Translate a CAP alert into the EAS message an ECIG device would air.

    Args:
        alert: the parsed alert.
        station: LLLLLLLL of this device (configuration); ``None`` uses the alert's
            ``EAS-STN-ID`` parameter if there is one (IPAWS profile P12).
        language: configured language (see :func:`select_info`).
        allow_test: air ``Test``/``Exercise`` alerts whose event is RWT, RMT, NPT or DMO.
        tz: the station's IANA time zone for the times in the message text; ``None`` = UTC.

    Returns:
        :class:`EasActivation` (header, text, chosen audio resource, non-fatal notes).

    Raises:
        CapError: the first reason the alert cannot become an EAS message (msgType, status,
            scope, language, EAS-ORG, eventCode, geocodes, expires), naming the element path.
        HeaderError: the station id is not a legal LLLLLLLL.
    """
    index, info = select_info(alert, language)
    draft, found = _gather(alert, index, info)
    found = _eligibility(alert, allow_test, draft.event) + found
    errors = [f for f in found if f.verdict is FAIL]
    if errors:
        f = errors[0]
        more = f" (+{len(errors) - 1} more; run 'cap validate --profile ecig')" \
            if len(errors) > 1 else ""
        raise CapError(f"{f.message}{more}", field=f.path, spec=f.spec)
    if station is None:
        ids = info.parameter("EAS-STN-ID")
        if not ids:
            raise CapError("no station id configured and no EAS-STN-ID parameter",
                           field="station", spec=_SPEC)
        station = ids[0]
    if not (draft.org and draft.event and draft.locations and draft.minutes):
        raise CapError("could not gather every header field", field=f"/alert/info[{index + 1}]",
                       spec=_SPEC)
    header = Header(draft.org, draft.event, draft.locations, draft.minutes, alert.sent,
                    station)
    audio = next((r for r in info.resources if _is_audio(r) and r.deref_uri is not None),
                 None) or next((r for r in info.resources if _is_audio(r)
                                and (r.uri or "").strip()), None)
    return EasActivation(header, message_text(info, header, alert.sent, tz=tz), audio, index,
                         info.effective_language, tuple(found))


def message_text(info: Info, header: Header, reference: datetime, *,
                 tz: str | None = None) -> str:
    """The message text of ECIG §2.1.2/§3.6: ``EASText`` verbatim when present, else the
    visual-message sentence built from the header (:func:`eas_encoder.text.crawl_text`, in
    the station's zone ``tz``, default UTC, the zone named after each time; year inferred
    near ``reference``, e.g. the alert's ``sent``) followed by ``description`` and
    ``instruction``.
    """
    given = info.parameter("EASText")
    if given and given[0].strip():
        return given[0].strip()
    sentence = crawl_text(header, tz=tz, reference=reference)
    return " ".join(part.strip() for part in (sentence, info.description,
                                              info.instruction) if part and part.strip())


# --- audio ----------------------------------------------------------------------------------

def _is_audio(res: Resource) -> bool:
    return res.mime_type.strip().lower().startswith("audio/")


# --- SAME -> CAP ----------------------------------------------------------------------------

# CAP needs a category; these follow what the event is about (CAP 1.2 §3.2.2 definitions).
_CATEGORY_BY_EVENT = {
    "CAE": Category.RESCUE, "BLU": Category.SECURITY, "LEW": Category.SECURITY,
    "CDW": Category.SECURITY, "MEP": Category.RESCUE, "CEM": Category.SAFETY,
    "LAE": Category.SAFETY, "SPW": Category.SAFETY, "EVI": Category.SAFETY,
    "TOE": Category.INFRA, "EQW": Category.GEO, "TSW": Category.GEO, "TSA": Category.GEO,
    "VOW": Category.GEO, "AVW": Category.GEO, "AVA": Category.GEO, "FRW": Category.FIRE,
    "HMW": Category.CBRNE, "NUW": Category.CBRNE, "RHW": Category.CBRNE,
}


_WEATHER_EVENTS = frozenset({
    "BZW", "CFA", "CFW", "DSW", "EWW", "FFA", "FFS", "FFW", "FLA", "FLS", "FLW", "HLS", "HUA",
    "HUW", "HWA", "HWW", "SMW", "SPS", "SSA", "SSW", "SVA", "SVR", "SVS", "TOA", "TOR", "TRA",
    "TRW", "WSA", "WSW"})


def _profile(event: str) -> tuple[Category, Urgency, Severity, Certainty]:
    if event in TEST_EVENTS or event in ("ADR", "NMN", "NIC"):
        return Category.OTHER, Urgency.UNKNOWN, Severity.MINOR, Certainty.UNKNOWN
    ev = event_codes().get(event)
    category = _CATEGORY_BY_EVENT.get(event)
    if category is None:
        weather = event in _WEATHER_EVENTS or (ev is not None and ev.category == "nws")
        category = Category.MET if weather else Category.OTHER
    # The last letter carries the significance: W warning, E emergency, A watch.
    if event[-1:] in ("W", "E") or event in ("EAN", "EVI", "CAE", "BLU"):
        return category, Urgency.IMMEDIATE, Severity.SEVERE, Certainty.LIKELY
    if event[-1:] == "A":
        return category, Urgency.EXPECTED, Severity.MODERATE, Certainty.POSSIBLE
    return category, Urgency.UNKNOWN, Severity.UNKNOWN, Certainty.UNKNOWN


def same_to_alert(header: Header, *, sender: str = "eas-encoder@localhost",
                  identifier: str | None = None, reference: datetime,
                  status: Status | str = Status.ACTUAL, language: str = DEFAULT_LANGUAGE,
                  headline: str | None = None, description: str | None = None,
                  instruction: str | None = None, eas_text: str | None = None) -> Alert:
    """Build an IPAWS-profile CAP 1.2 alert from a SAME header (and optional texts).

    ``sent`` is the header's issue time (UTC, year inferred near ``reference``); ``expires``
    is ``sent + TTTT``; the header fields go to ``parameter EAS-ORG``, ``eventCode SAME``,
    ``geocode SAME`` (one area, in header order) and ``parameter EAS-STN-ID``; code
    ``IPAWSv1.0``; category, urgency, severity and certainty follow the event code.
    :func:`alert_to_same` of the result gives the header back.

    Raises:
        HeaderError: the header's issue day is not a real day near ``reference``.
        CapError: ``identifier``/``sender`` contain spaces, commas, ``<`` or ``&``.
    """
    if not isinstance(header, Header):
        raise TypeError(f"header must be a Header, not {type(header).__name__}")
    sent = header.issued_at(reference)
    station = header.station.strip()
    ident = identifier or (f"EAS-{header.originator}-{header.event}-{header.issued}-"
                           f"{station or 'NOSTATION'}").replace(" ", "_")
    for name, value in (("identifier", ident), ("sender", sender)):
        if not re.fullmatch(r"[^\s,&<]+", value):
            raise CapError("must not contain spaces, commas, '<' or '&'", field=name,
                           value=value, spec="CAP 1.2 §3.2.1")
    category, urgency, severity, certainty = _profile(header.event)
    params = [NamedValue("EAS-ORG", header.originator)]
    if station:
        params.append(NamedValue("EAS-STN-ID", header.station))
    if eas_text:
        params.append(NamedValue("EASText", eas_text))
    name = event_name(header.event)
    info = Info(
        language=language, category=(category,), event=name, urgency=urgency,
        severity=severity, certainty=certainty,
        event_codes=(NamedValue("SAME", header.event),),
        expires=sent + timedelta(seconds=header.valid_time.total_seconds()),
        sender_name=originator_name(header.originator),
        headline=headline or f"{name} issued by {originator_name(header.originator)}",
        description=description, instruction=instruction, parameters=tuple(params),
        areas=(Area(area_desc="; ".join(describe_location(c) for c in header.locations),
                    geocodes=tuple(NamedValue("SAME", c) for c in header.locations)),))
    return Alert(identifier=ident, sender=sender, sent=sent,
                 status=as_member(Status, status, "status"),
                 msg_type=MsgType.ALERT, scope=Scope.PUBLIC, code=("IPAWSv1.0",),
                 infos=(info,))
