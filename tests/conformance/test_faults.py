"""Each known encoder fault, injected on purpose, is named by the right rule id; our own
encoder passes every rule at every supported sample rate.
"""

from __future__ import annotations

import numpy as np
import pytest

from eas_encoder.conformance import FAIL, PASS, RULES, WARN, check
from eas_encoder.same.modulator import burst
from eas_encoder.same.tones import attention_signal
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.same.waveform import MARK_HZ, PREAMBLE

from .signals import AMP, EOM, HEADER, fsk, header_burst, serial_bits, transmission, two_tone

RATES = (8000, 11025, 16000, 22050, 44100, 48000, 96000)


def problems(report, verdict=FAIL):
    return {f.rule_id for f in report.findings if f.verdict == verdict}


@pytest.mark.parametrize("fs", RATES)
def test_own_encoder_passes_every_rule(fs):
    tx = encode_transmission(HEADER.decode(), fs=fs)
    report = check(tx.samples, fs)
    bad = [(f.rule_id, f.path, f.measured) for f in report.findings if f.verdict != PASS]
    assert bad == []
    assert report.verdict == PASS
    # every part was found and measured, not merely "nothing failed"
    assert [e.kind for e in report.events] == ["header"] * 3 + ["attention"] + ["eom"] * 3
    rates = [f.value for f in report.by_rule("BURST.BIT_RATE")]
    assert len(rates) == 6 and max(abs(v) for v in rates) < 20  # ppm
    tones = {f.path.rsplit(".", 1)[1]: f.value for f in report.by_rule("ATTENTION.TONE_FREQ")}
    assert set(tones) == {"853Hz", "960Hz"} and max(abs(v) for v in tones.values()) < 0.01
    gaps = [f.value for f in report.by_rule("MESSAGE.GAP")]
    assert len(gaps) == 4 and all(abs(g - 1.0) < 0.002 for g in gaps)


def test_integer_samples_per_bit_is_a_bit_rate_failure_with_its_error():
    fs = 22050  # 42 samples per bit instead of 42.336: 525 bit/s, +0.8 %
    h = header_burst(fs, samples_per_bit=42)
    e = fsk(np.unpackbits(np.frombuffer(PREAMBLE + EOM, np.uint8), bitorder="little"), fs,
            samples_per_bit=42)
    report = check(transmission(fs, headers=[h] * 3, eoms=[e] * 3), fs)
    assert problems(report) == {"BURST.BIT_RATE"}
    ppm = [f.value for f in report.by_rule("BURST.BIT_RATE")]
    assert len(ppm) == 6 and all(abs(v - 8000) < 10 for v in ppm)  # 525/520.833 - 1
    assert "525.000 bit/s" in report.by_rule("BURST.BIT_RATE")[0].measured


def test_mark_at_2073_hz_fails_mark_frequency_only():
    fs = 48000
    h = header_burst(fs, mark=2073.0)
    report = check(transmission(fs, headers=[h] * 3), fs)
    assert problems(report) == {"BURST.MARK_FREQ"}
    marks = [f for f in report.by_rule("BURST.MARK_FREQ") if f.verdict == FAIL]
    assert len(marks) == 3
    assert marks[0].value == pytest.approx((2073.0 / MARK_HZ - 1) * 1e6, abs=20)


def test_missing_burst():
    fs = 22050
    report = check(transmission(fs, headers=[header_burst(fs)] * 2), fs)
    assert problems(report) == {"MESSAGE.HEADER_COUNT"}
    assert report.by_rule("MESSAGE.HEADER_COUNT")[0].measured == "2"


def test_bursts_that_differ():
    fs = 22050
    other = header_burst(fs, HEADER.replace(b"999000", b"012057"))
    report = check(transmission(fs, headers=[header_burst(fs), other, header_burst(fs)]), fs)
    assert problems(report) == {"MESSAGE.HEADERS_IDENTICAL"}
    assert "header 2" in report.by_rule("MESSAGE.HEADERS_IDENTICAL")[0].measured


def test_eom_without_preamble():
    fs = 44100
    report = check(transmission(fs, eoms=[burst(EOM, fs, AMP, preamble=b"")] * 3), fs)
    assert problems(report) == {"BURST.PREAMBLE"}
    bad = [f for f in report.by_rule("BURST.PREAMBLE") if f.verdict == FAIL]
    assert [f.path for f in bad] == [f"message[1].eom[{i}]" for i in (1, 2, 3)]
    assert all(f.value == 0 for f in bad)


def test_eighth_bit_set_is_a_warning_with_the_count():
    fs = 22050
    high = bytes(c | 0x80 for c in HEADER)
    report = check(transmission(fs, headers=[burst(high, fs, AMP)] * 3), fs)
    assert problems(report) == set()
    assert problems(report, WARN) == {"BURST.EIGHTH_BIT"}
    assert {f.value for f in report.by_rule("BURST.EIGHTH_BIT")} == {len(HEADER), 0}


def test_missing_trailing_dash():
    fs = 22050
    h = header_burst(fs, HEADER[:-1])
    report = check(transmission(fs, headers=[h] * 3), fs)
    assert problems(report) == {"HEADER.TRAILING_DASH"}


def test_header_field_faults_are_each_named():
    fs = 22050
    bad = b"ZCZC-XYZ-DMO-999000+0017-0011200-EASENCDR-"  # unknown originator, bad TTTT
    report = check(transmission(fs, headers=[header_burst(fs, bad)] * 3), fs)
    assert problems(report) == {"HEADER.FIELD"}
    fields = {f.path.rsplit(".", 1)[1] for f in report.by_rule("HEADER.FIELD")
              if f.verdict == FAIL}
    assert fields == {"originator", "valid_time"}


def test_short_gaps():
    fs = 16000
    report = check(transmission(fs, gap=0.7), fs)
    assert problems(report) == {"MESSAGE.GAP"}
    gaps = [f.value for f in report.by_rule("MESSAGE.GAP")]
    assert len(gaps) == 4 and all(abs(g - 0.7) < 0.002 for g in gaps)


@pytest.mark.parametrize("seconds", [5.0, 30.0])
def test_attention_length_out_of_range(seconds):
    fs = 11025
    tone = attention_signal("eas", seconds, fs, AMP, strict=False)
    report = check(transmission(fs, attention=tone), fs)
    assert problems(report) == {"ATTENTION.DURATION"}
    assert report.by_rule("ATTENTION.DURATION")[0].value == pytest.approx(seconds, abs=0.02)


def test_853_and_970_hz():
    fs = 22050
    report = check(transmission(fs, attention=two_tone(853.0, 970.0, 8.0, fs)), fs)
    assert problems(report) == {"ATTENTION.TONE_FREQ"}
    f = [f for f in report.by_rule("ATTENTION.TONE_FREQ") if f.verdict == FAIL]
    assert len(f) == 1 and f[0].path.endswith("960Hz")
    assert f[0].value == pytest.approx(10.0, abs=0.01)


def test_tone_half_a_hertz_off_passes_and_0_6_fails():
    fs = 8000
    ok = check(transmission(fs, attention=two_tone(853.4, 960.0, 8.0, fs)), fs)
    off = check(transmission(fs, attention=two_tone(853.6, 960.0, 8.0, fs)), fs)
    assert problems(ok) == set()
    assert problems(off) == {"ATTENTION.TONE_FREQ"}


def test_no_eom():
    fs = 22050
    report = check(transmission(fs, eoms=[]), fs)
    assert problems(report) == {"MESSAGE.EOM_COUNT"}


def test_clipping():
    fs = 48000
    hot = np.clip(header_burst(fs) * 2.0, -1.0, 1.0)
    report = check(transmission(fs, headers=[hot] * 3), fs)
    failing = problems(report)
    assert "SIGNAL.CLIPPING" in failing
    # clipping makes harmonics: out-of-band energy may fail too, nothing else
    assert failing <= {"SIGNAL.CLIPPING", "SIGNAL.OUT_OF_BAND"}
    assert all(f.value > 100 for f in report.by_rule("SIGNAL.CLIPPING")
               if f.verdict == FAIL)


def test_serial_framed_characters_are_named():
    fs = 22050
    h = fsk(serial_bits(PREAMBLE + HEADER), fs)
    report = check(transmission(fs, headers=[h] * 3), fs)
    framing = [f for f in report.by_rule("BURST.FRAMING") if f.verdict == FAIL]
    assert len(framing) == 3
    assert "7 data, even parity" in framing[0].measured
    assert "10 bits per character" in framing[0].measured
    # the text is still read, so the message structure is still checked
    assert report.by_rule("MESSAGE.HEADER_COUNT")[0].verdict == PASS


def test_nwr_tone_passes_for_wxr_and_warns_for_eas():
    fs = 22050
    tone = attention_signal("nwr", 9.0, fs, AMP)
    wxr = HEADER.replace(b"EAS-DMO", b"WXR-DMO")
    ok = check(transmission(fs, headers=[header_burst(fs, wxr)] * 3, attention=tone), fs)
    warned = check(transmission(fs, attention=tone), fs)
    assert ok.verdict == PASS
    assert problems(warned, WARN) == {"ATTENTION.KIND"}


def test_rwt_without_attention_passes_and_others_warn():
    fs = 22050
    rwt = HEADER.replace(b"DMO", b"RWT")
    empty = np.zeros(0, np.float32)
    ok = check(transmission(fs, headers=[header_burst(fs, rwt)] * 3, attention=empty), fs)
    warned = check(transmission(fs, attention=empty), fs)
    assert ok.verdict == PASS
    assert problems(warned, WARN) == {"ATTENTION.PRESENT"}


def test_junk_bytes_around_a_burst_warn():
    fs = 22050
    h = burst(b"\x55\x55" + PREAMBLE + HEADER + b"\x00\x00\x00\x00", fs, AMP, preamble=b"")
    report = check(transmission(fs, headers=[h] * 3), fs)
    assert problems(report, WARN) == {"BURST.JUNK_BEFORE", "BURST.JUNK_AFTER"}
    assert {f.value for f in report.by_rule("BURST.JUNK_BEFORE")} == {16, 0}
    assert {f.value for f in report.by_rule("BURST.JUNK_AFTER")} == {32, 0}


def test_every_rule_in_the_table_is_reachable_from_a_finding():
    """The rule table and the checker agree: each id is emitted by some report above."""
    fs = 22050
    reports = [check(encode_transmission(HEADER.decode(), fs=fs).samples, fs),
               check(transmission(fs, headers=[fsk(serial_bits(PREAMBLE + HEADER), fs)] * 3),
                     fs),
               check(np.concatenate([fsk(np.tile([1, 0, 0, 1, 1, 0, 1, 0], 60), fs)]), fs)]
    # The CBS.* rules of the same table are applied to cell-broadcast pages (cbs check).
    from eas_encoder.cbs.pdu import CbsMessage
    from eas_encoder.conformance.cbs import check_pdus

    pages = CbsMessage.from_text("Tornado warning", 4370, language="en").to_gsm_pdus()
    seen = {f.rule_id for r in reports + [check_pdus(pages)] for f in r.findings}
    assert seen == set(RULES)
