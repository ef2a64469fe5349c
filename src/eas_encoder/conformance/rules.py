"""The conformance rules as one declarative table: id, spec clause, what is expected, limits.

Every finding the checker emits names one of these rules, so the CLI, the JSON output, the
tests and ``docs/conformance.md`` all refer to the same stable ids. Numeric rules carry their
pass and warn ranges here and nowhere else; :func:`judge` turns a measured value into a
verdict. Rules whose verdict is not a number (a header field, the order of the parts) are
judged by the checker, but still take their clause and wording from this table.

Where the rules give no tolerance (47 CFR 11.31 states no tolerance on bit rate or mark/space
frequency), the limit used is the old NWS SAME specification's bit period of 1920 us +/- 1 us,
i.e. +/- 521 ppm, applied to the rate and to the tones (which are defined as 4 and 3 cycles of
that bit); up to +/- 1000 ppm is a warning, beyond is a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..findings import FAIL, PASS, WARN, Verdict
from ..same.waveform import (
    ATTENTION_MAX_SECONDS,
    ATTENTION_MIN_SECONDS,
    ATTENTION_TONE_TOLERANCE_HZ,
    BAUD,
    BIT_SECONDS,
    BURST_GAP_SECONDS,
    BURST_GAP_TOLERANCE,
    MARK_HZ,
    PREAMBLE_LENGTH,
    SAME_CHARACTERS,
    SPACE_HZ,
)

__all__ = ["Rule", "RULES", "judge", "RATE_PASS_PPM", "RATE_WARN_PPM", "OUT_OF_BAND_DB",
           "OUT_OF_BAND_HZ", "ALLOWED_CHARACTERS"]

RATE_PASS_PPM = 1e6 * 1e-6 / BIT_SECONDS
"""+/- 1 us on the 1920 us bit period (NWS SAME spec, via multimon-ng demod_eas.c): 521 ppm."""
RATE_WARN_PPM = 1000.0
"""+/- 0.1 %: still inside every decoder's lock range we know of; beyond this is a failure."""
OUT_OF_BAND_DB = 40.0
"""47 CFR 11.32(a)(8): components outside 200-4000 Hz at least 40 dB below mark/space level."""
OUT_OF_BAND_HZ = (200.0, 4000.0)
ALLOWED_CHARACTERS = SAME_CHARACTERS
"""Characters a strict header may contain: :data:`eas_encoder.same.waveform.SAME_CHARACTERS`."""

EDGE_ALLOWANCE_SECONDS = 0.020
"""Slack on tone durations: a tone of exactly 8 s with the usual few-ms fade-in and fade-out
measures a few ms short, and the 107 Hz beat of 853 + 960 Hz moves it by up to 1.5 ms."""

_INF = math.inf
_GAP_LO = BURST_GAP_SECONDS * (1 - BURST_GAP_TOLERANCE)
_GAP_HI = BURST_GAP_SECONDS * (1 + BURST_GAP_TOLERANCE)


@dataclass(frozen=True)
class Rule:
    """One requirement.

    Attributes:
        rule_id: stable id, ``AREA.NAME``.
        spec: the clause it comes from.
        title: what is checked, in words.
        expected: the requirement with its tolerance, as printed in reports.
        unit: unit of the measured value (``"ppm"``, ``"Hz"``, ``"s"``, ``"dB"``...), or ``""``.
        passes: inclusive ``(low, high)`` range that passes, or ``None`` when judged in code.
        warns: inclusive ``(low, high)`` range that only warns (outside ``passes``), or ``None``.
    """

    rule_id: str
    spec: str
    title: str
    expected: str
    unit: str = ""
    passes: tuple[float, float] | None = None
    warns: tuple[float, float] | None = None


def _ppm_rule(rule_id: str, title: str, nominal: str) -> Rule:
    return Rule(rule_id, "47 CFR 11.31(a)(1); NWS SAME 1920 us +/- 1 us", title,
                f"{nominal} +/- {RATE_PASS_PPM:.0f} ppm (warn to +/- {RATE_WARN_PPM:.0f})",
                "ppm", (-RATE_PASS_PPM, RATE_PASS_PPM), (-RATE_WARN_PPM, RATE_WARN_PPM))


_TABLE = (
    # -- the file as a whole ------------------------------------------------------------
    Rule("FILE.SAME_PRESENT", "47 CFR 11.31(a)", "SAME bursts found in the audio",
         ">= 1 burst", "bursts", (1, _INF)),
    # -- every AFSK burst -----------------------------------------------------------------
    _ppm_rule("BURST.BIT_RATE", "bit rate (least-squares fit of bit edges)",
              f"{BAUD:.3f} bit/s"),
    Rule("BURST.JITTER", "NWS SAME bit period 1920 us",
         "bit-edge timing: RMS deviation from the fitted bit grid",
         "<= 5 % of a bit (96 us), warn to 10 %", "us",
         (0, 0.05 * BIT_SECONDS * 1e6), (0, 0.10 * BIT_SECONDS * 1e6)),
    _ppm_rule("BURST.MARK_FREQ", "mark (logic 1) frequency", f"{MARK_HZ:.3f} Hz"),
    _ppm_rule("BURST.SPACE_FREQ", "space (logic 0) frequency", f"{SPACE_HZ:.3f} Hz"),
    Rule("BURST.FRAMING", "47 CFR 11.31(a)(1)",
         "characters as synchronous 8-bit bytes (no start, stop or parity bits)",
         "8 bits per character, LSB first"),
    Rule("BURST.SYNC", "47 CFR 11.31(c)", "burst carries ZCZC or NNNN after its preamble",
         "ZCZC or NNNN, byte aligned"),
    Rule("BURST.PREAMBLE", "47 CFR 11.31(c)", "preamble before every header and EOM",
         f"{PREAMBLE_LENGTH} x 0xAB intact", "bytes",
         (PREAMBLE_LENGTH, PREAMBLE_LENGTH), (PREAMBLE_LENGTH, _INF)),
    Rule("BURST.EIGHTH_BIT", "47 CFR 11.31(a)(1)",
         "8th (null) bit of each character; 1 is legal but multimon-ng rejects it",
         "0 characters with bit 8 = 1", "chars", (0, 0), (0, _INF)),
    Rule("BURST.CHARSET", "47 CFR 11.31(b)-(c)", "characters are 7-bit ASCII header characters",
         "A-Z 0-9 - + / space only", "chars", (0, 0)),
    Rule("BURST.JUNK_BEFORE", "47 CFR 11.31(c)", "bits before the preamble",
         "0 bits", "bits", (0, 0), (0, _INF)),
    Rule("BURST.JUNK_AFTER", "47 CFR 11.31(c)",
         "bits after the header's final '-' or after NNNN (e.g. NWS 0x00 padding)",
         "0 bits", "bits", (0, 0), (0, _INF)),
    # -- any signal segment (bursts and tones) --------------------------------------------
    Rule("SIGNAL.LEVEL", "47 CFR 11.32(a)(4) (levels are set at the station)",
         "peak level", "-40 to 0 dBFS", "dBFS", (-40, 0), (-_INF, _INF)),
    Rule("SIGNAL.CLIPPING", "47 CFR 11.32(a)(8)-(9)", "flat-topped (clipped) samples",
         "0 samples in runs of >= 2 at full scale", "samples", (0, 0)),
    Rule("SIGNAL.DC_OFFSET", "good practice", "mean value of the segment",
         "<= 1 % of full scale", "%FS", (-1, 1), (-_INF, _INF)),
    Rule("SIGNAL.OUT_OF_BAND", "47 CFR 11.32(a)(8)",
         "strongest component outside 200-4000 Hz below the strongest in band",
         f">= {OUT_OF_BAND_DB:.0f} dB down (measured up to Nyquist)", "dB",
         (OUT_OF_BAND_DB, _INF)),
    # -- headers -----------------------------------------------------------------------
    Rule("HEADER.FIELD", "47 CFR 11.31(b)-(e)", "header field valid (strict parse)",
         "ZCZC-ORG-EEE-PSSCCC+TTTT-JJJHHMM-LLLLLLLL-"),
    Rule("HEADER.TRAILING_DASH", "47 CFR 11.31(c)", "header ends with '-' after LLLLLLLL",
         "'-' after the 8-character station id"),
    Rule("EOM.TEXT", "47 CFR 11.31(c)", "End Of Message burst text", "NNNN only"),
    # -- per message -------------------------------------------------------------------
    Rule("MESSAGE.HEADER_COUNT", "47 CFR 11.31(c)", "header bursts in the message",
         "3", "bursts", (3, 3)),
    Rule("MESSAGE.HEADERS_IDENTICAL", "47 CFR 11.31(c); 11.33 (decoders match 2 of 3)",
         "the three header bursts carry the same bytes", "identical"),
    Rule("MESSAGE.GAP", "47 CFR 11.31(c); NWSI 10-1712 +/- 5 %",
         "pause between repeated bursts",
         f"{BURST_GAP_SECONDS:g} s +/- {BURST_GAP_TOLERANCE:.0%}", "s", (_GAP_LO, _GAP_HI)),
    Rule("MESSAGE.PAUSE", "47 CFR 11.31(c)",
         "pause after the third header and before the first EOM",
         f">= {BURST_GAP_SECONDS:g} s (-{BURST_GAP_TOLERANCE:.0%})", "s", (_GAP_LO, _INF)),
    Rule("MESSAGE.ORDER", "47 CFR 11.31(a), (c)", "order of the parts",
         "headers, attention signal, message, EOMs"),
    Rule("MESSAGE.EOM_COUNT", "47 CFR 11.31(c)", "EOM bursts closing the message",
         "3", "bursts", (3, 3)),
    # -- attention signal ----------------------------------------------------------------
    Rule("ATTENTION.PRESENT", "47 CFR 11.31(a)(2); 11.61 (RWT has none)",
         "attention signal after the headers", "present (not required for RWT)"),
    Rule("ATTENTION.KIND", "47 CFR 11.31(a)(2); NWSI 10-1712",
         "kind of attention signal",
         "853 + 960 Hz two-tone (1050 Hz WAT only from WXR)"),
    Rule("ATTENTION.TONE_FREQ", "47 CFR 11.32(a)(9)(i)", "frequency of each tone",
         f"nominal +/- {ATTENTION_TONE_TOLERANCE_HZ:g} Hz", "Hz",
         (-ATTENTION_TONE_TOLERANCE_HZ, ATTENTION_TONE_TOLERANCE_HZ)),
    Rule("ATTENTION.DURATION", "47 CFR 11.31(c)",
         "duration of the attention signal (energy / plateau power)",
         f"{ATTENTION_MIN_SECONDS:g} to {ATTENTION_MAX_SECONDS:g} s (+/- "
         f"{1000 * EDGE_ALLOWANCE_SECONDS:g} ms for edge ramps)", "s",
         (ATTENTION_MIN_SECONDS - EDGE_ALLOWANCE_SECONDS,
          ATTENTION_MAX_SECONDS + EDGE_ALLOWANCE_SECONDS)),
    Rule("ATTENTION.THD", "47 CFR 11.32(a)(9)(ii)", "harmonic distortion of each tone",
         "<= 5 %", "%", (0, 5)),
    # Cell broadcast (eas-encoder cbs check; conformance/cbs.py): judged in code.
    Rule("CBS.DECODES", "3GPP TS 23.041 §9.4", "the PDUs are one cell-broadcast message",
         "pages of one message, each decodable"),
    Rule("CBS.OCTET_COUNT", "3GPP TS 23.041 §9.4.1.2, §9.4.2.2, §9.4.1.3",
         "PDU lengths", "GSM page 88 octets; UMTS 6 + 83 per page (+ warning area); ETWS "
         "primary security information 50 octets"),
    Rule("CBS.PAGE_NUMBERING", "3GPP TS 23.041 §9.4.1.2.4", "page parameter",
         "page 1..n of n, n 1-15, every page once"),
    Rule("CBS.DCS", "3GPP TS 23.038 §5", "data coding scheme",
         "GSM 7-bit or UCS-2, language group consistent"),
    Rule("CBS.LANGUAGE", "3GPP TS 23.038 §5", "language indication",
         "a language in the DCS or two letters and CR at the start of the body"),
    Rule("CBS.PADDING", "3GPP TS 23.038 §6.1.2.2, §6.1.2.3.1", "padding after the text",
         "GSM 7-bit pages padded with CR (0x0D), UCS-2 with U+000D"),
    Rule("CBS.MESSAGE_IDENTIFIER", "3GPP TS 23.041 §9.4.1.2.2", "message identifier range",
         "4352-4359 ETWS or 4370-4399 CMAS/EU-Alert"),
    Rule("CBS.SERIAL_NUMBER", "3GPP TS 23.041 §9.4.1.2.1", "serial number fields",
         "geographical scope, message code and update number the same on every page"),
    Rule("CBS.ALPHABET", "3GPP TS 23.038 §6.1.2", "alphabet for the text",
         "GSM 7-bit when it carries the text (93 septets a page against 41 UCS-2 units)"),
)

RULES: dict[str, Rule] = {r.rule_id: r for r in _TABLE}
"""Every rule by id, in report order."""


def judge(rule: Rule, value: float) -> Verdict:
    """Verdict (:class:`~eas_encoder.findings.Verdict`: ``pass``, ``warn`` or ``fail``) for
    a measured ``value`` (in ``rule.unit``) against the rule's ranges; not finite fails.

    Raises:
        ValueError: the rule has no numeric ranges (it is judged in code).
    """
    if rule.passes is None:
        raise ValueError(f"{rule.rule_id} is not a numeric rule")
    if not math.isfinite(value):
        return FAIL
    lo, hi = rule.passes
    if lo <= value <= hi:
        return PASS
    if rule.warns is not None and rule.warns[0] <= value <= rule.warns[1]:
        return WARN
    return FAIL
