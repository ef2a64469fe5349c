"""A CAP alert with one ``info`` per language -> cell-broadcast messages, one per language.

Each ``info`` becomes its own :class:`~eas_encoder.cbs.pdu.CbsMessage` in its own language,
tagged in the data coding scheme exactly as ``cbs encode --language`` tags it (TS 23.038 §5:
the language's own DCS value in GSM 7-bit where it has one, else the two letters at the start
of the body; UCS-2 with the language in the body, DCS 0x11), so a handset, and
:func:`~eas_encoder.cbs.pdu.decode`, reads the language back. ``zh-CN`` becomes UCS-2 pages
tagged ``zh``.

Message identifiers (3GPP TS 23.041 §9.4.1.2.2), for the first ``info`` the class's base
identifier, for every other language the class's "additional language" identifier:

* ``scheme="cmas"``: the US WEA/CMAS identifiers (:func:`~eas_encoder.cbs.wea.message_identifier`
  with the class from :func:`~eas_encoder.cbs.wea.cap_wea_class`).
* ``scheme="eu-alert"``: EU-Alert (ETSI TS 102 900) on the same identifiers, as TS 23.041
  labels them (table notes carried in ``specs/cmas_message_ids.csv``, column ``eu_alert``):
  EU-Alert Level 1 = 4370/4383 (a Presidential class), Level 2 = 4371-4372/4384-4385
  (Extreme, Immediate), Level 3 = 4373-4378/4386-4391, EU-Amber = 4379/4392 (child
  abduction); every other alert goes out as EU-Info, 6400 (TS 23.041 §9.4.1.2.2 "EU-Info
  Message", as libosmocore and pycrate list it), which has no additional-language identifier
  and is told apart by its DCS. ETSI TS 102 900 itself was not available to this project; the
  use of 4380 (monthly test) and 4381 (exercise) for EU-Alert test and exercise alerts is the
  CMAS meaning of those identifiers and is not confirmed for EU-Alert.

Text of each ``info``: parameter ``CMAMlongtext``, else ``CMAMtext``, else headline,
description and instruction joined. Text that does not fit its pages (15, or ``max_pages``)
is refused naming the language, unless ``truncate`` cuts it at a word boundary to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CbsError
from .pdu import MAX_PAGES, CbsMessage, SerialNumber
from .wea import WeaClass, cap_wea_class, message_identifier

if TYPE_CHECKING:
    from ..cap.model import Alert, Info

__all__ = ["EU_INFO_IDENTIFIER", "LanguageBroadcast", "cap_to_cbs", "eu_alert_identifier",
           "info_text"]

EU_INFO_IDENTIFIER = 6400
"""EU-Info message, any language (TS 23.041 §9.4.1.2.2; libosmocore ``GSM341_MSGID_EU_INFO``,
pycrate ``CBS_MessageId_dict``)."""
SPEC = "3GPP TS 23.041 §9.4.1.2.2; ETSI TS 102 900 (EU-Alert)"
_EU_CLASSES = {WeaClass.PRESIDENTIAL, WeaClass.IMMINENT_THREAT, WeaClass.CHILD_ABDUCTION,
               WeaClass.REQUIRED_MONTHLY_TEST, WeaClass.EXERCISE}


@dataclass(frozen=True)
class LanguageBroadcast:
    """One ``info``'s cell-broadcast message.

    Attributes:
        language: the ``info`` language as written (``zh-CN``).
        message: the :class:`CbsMessage`; its ``language`` is the two-letter tag (``zh``).
        truncated: the text was cut to fit.
    """

    language: str
    message: CbsMessage
    truncated: bool = False


def info_text(info: Info) -> str:
    """The text an ``info`` sends: ``CMAMlongtext``, else ``CMAMtext``, else headline,
    description and instruction joined by spaces.

    Raises:
        CbsError: field ``info`` when there is no text at all.
    """
    for name in ("CMAMlongtext", "CMAMtext"):
        values = [p.value.strip() for p in info.parameters
                  if p.value_name.lower() == name.lower() and p.value.strip()]
        if values:
            return values[0]
    parts = [(getattr(info, n) or "").strip() for n in ("headline", "description",
                                                         "instruction")]
    text = " ".join(p for p in parts if p)
    if not text:
        raise CbsError("has no CMAMtext, headline, description or instruction to send",
                       field="info", value=info.effective_language, spec=SPEC)
    return text


def eu_alert_identifier(wea_class: WeaClass, severity: str | None, urgency: str | None,
                        certainty: str | None, *, additional_language: bool = False) -> int:
    """EU-Alert message identifier of an alert class (see the module docstring).

    Raises:
        CbsError: never for a known class; classes and combinations with no EU-Alert level
            give EU-Info 6400.
    """
    if wea_class not in _EU_CLASSES:
        return EU_INFO_IDENTIFIER
    try:
        return message_identifier(wea_class, severity=severity, urgency=urgency,
                                  certainty=certainty, additional_language=additional_language)
    except CbsError:
        return EU_INFO_IDENTIFIER


def _two_letters(language: str) -> str:
    tag = language.split("-")[0].lower()
    if len(tag) != 2 or not tag.isascii() or not tag.isalpha():
        raise CbsError("has no two-letter ISO 639-1 code, which the data coding scheme needs",
                       field="language", value=language, spec="3GPP TS 23.038 §5")
    return tag


def _fit(text: str, mid: int, serial: SerialNumber, lang: str, max_pages: int,
         truncate: bool, where: str) -> tuple[CbsMessage, bool]:
    try:
        return CbsMessage.from_text(text, mid, serial_number=serial, language=lang,
                                    max_pages=max_pages), False
    except CbsError as exc:
        if not truncate or exc.field != "text":
            raise CbsError(f"{exc.rule} (pass truncate / --truncate to cut it)",
                           field=f"{where} text", value=exc.value, spec=exc.spec) from None
    # Longest prefix that fits, then back to a word boundary, marked with an ellipsis.
    lo, hi = 0, len(text)
    while lo < hi:
        mid_len = (lo + hi + 1) // 2
        try:
            CbsMessage.from_text(text[:mid_len] + "…", mid, serial_number=serial,
                                 language=lang, max_pages=max_pages)
            lo = mid_len
        except CbsError:
            hi = mid_len - 1
    cut = text[:lo]
    space = cut.rfind(" ")
    if space > lo * 3 // 4:
        cut = cut[:space]
    return CbsMessage.from_text(cut.rstrip() + "…", mid, serial_number=serial, language=lang,
                                max_pages=max_pages), True


def cap_to_cbs(alert: Alert, *, scheme: str = "cmas", languages: Sequence[str] | None = None,
               serial_number: SerialNumber | None = None, max_pages: int = MAX_PAGES,
               truncate: bool = False,
               wea_class: WeaClass | str | None = None) -> list[LanguageBroadcast]:
    """One cell-broadcast message per ``info`` language of a CAP alert (see module docstring).

    Args:
        alert: :class:`eas_encoder.cap.model.Alert`.
        scheme: ``"cmas"`` (US WEA identifiers) or ``"eu-alert"``.
        languages: tags to send, in order (``["en", "es"]``; matched on the primary subtag);
            default every ``info`` in document order, the first language of each once.
        serial_number: default PLMN-wide, message code 0, update 0.
        max_pages: 1-15 pages per language.
        truncate: cut text that does not fit instead of refusing it.
        wea_class: override the alert class.

    Raises:
        CbsError: no ``info``, a configured language with no ``info`` (naming it and those
            present), a language without a two-letter code, text that does not fit (unless
            ``truncate``), an unknown scheme, or a class with no identifier.
    """
    if scheme not in ("cmas", "eu-alert"):
        raise CbsError("must be cmas or eu-alert", field="scheme", value=scheme, spec=SPEC)
    infos = list(alert.infos)
    if not infos:
        raise CbsError("has no <info>: nothing to send", field="alert",
                       value=alert.identifier, spec=SPEC)
    by_lang: dict[str, Info] = {}
    for info in infos:
        by_lang.setdefault(_two_letters(info.effective_language), info)
    if languages is None:
        chosen = list(by_lang.items())
    else:
        chosen = []
        for want in languages:
            key = _two_letters(want)
            if key not in by_lang:
                raise CbsError(f"has no info (present: {', '.join(by_lang)})",
                               field="language", value=want, spec=SPEC)
            chosen.append((key, by_lang[key]))
    primary = chosen[0][1]
    cls = cap_wea_class(alert, primary, wea_class)
    severity, urgency, certainty = (str(primary.severity), str(primary.urgency),
                                    str(primary.certainty))
    serial = serial_number or SerialNumber(1, 0, 0)
    out = []
    for n, (lang, info) in enumerate(chosen):
        if scheme == "cmas":
            mid = message_identifier(cls, severity=severity, urgency=urgency,
                                     certainty=certainty, additional_language=n > 0)
        else:
            mid = eu_alert_identifier(cls, severity, urgency, certainty,
                                      additional_language=n > 0)
        msg, cut = _fit(info_text(info), mid, serial, lang, max_pages, truncate,
                        f"info {info.effective_language}")
        out.append(LanguageBroadcast(info.effective_language, msg, cut))
    return out
