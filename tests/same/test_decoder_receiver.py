"""SAME receiver: recordings, round trips, physical-layer robustness, burst rules, no false
alerts. Signals are built with the project's own modulator *and* checked against independent
recordings (tests marked by the ``shared_reference`` fixture) so a shared mistake cannot hide.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eas_encoder.errors import DecodeError, HeaderError
from eas_encoder.lab import channel
from eas_encoder.same.decoder import (
    AttentionSignalEvent,
    EndOfMessageEvent,
    HeaderEvent,
    InvalidBurstEvent,
    Receiver,
    ReceiverConfig,
    decode,
)
from eas_encoder.same.header import Header
from eas_encoder.same.modulator import afsk, burst, bytes_to_bits
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.same.waveform import PREAMBLE

from .strategies import headers

RWT = Header.parse("ZCZC-EAS-RWT-012057-012081-012101+0030-2780415-WTSP/TV -")
TOR = Header.parse("ZCZC-WXR-TOR-048453-048491+0045-1231745-KEWX/NWS-")


def _kinds(events, kind):
    return [e for e in events if e.kind == kind]


def _headers(events):
    return [e.text for e in events if isinstance(e, HeaderEvent)]


def _gap(fs, seconds=1.0):
    return np.zeros(int(seconds * fs), dtype=np.float32)


def _bursts(payloads, fs, amplitude=0.5, gap=1.0):
    parts = [_gap(fs, 0.5)]
    for p in payloads:
        parts += [p if isinstance(p, np.ndarray) else burst(p, fs, amplitude), _gap(fs, gap)]
    return np.concatenate(parts)


# -- independent recordings -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["npt", "two_and_two", "long_message"])
def test_recordings_decode_to_expected(shared_reference, name):
    base = shared_reference / "recordings"
    x = np.fromfile(base / f"{name}.22050.s16le.raw", dtype="<i2")
    expected_file = base / f"{name}.22050.s16le.expected.txt"
    expected = [line for line in expected_file.read_text().splitlines()
                if line and line != "+OK"]
    events = [e for e in decode(x, 22050) if e.kind in ("header", "eom")]
    got = [e.text if e.kind == "header" else "NNNN" for e in events]
    assert got == expected


def test_recording_npt_reports_fast_bit_rate(shared_reference):
    # SOURCE.md: 42 samples per bit at 22050 Hz, i.e. about 0.8 % fast.
    x = np.fromfile(shared_reference / "recordings" / "npt.22050.s16le.raw", dtype="<i2")
    bursts = _kinds(decode(x, 22050, ReceiverConfig(bursts=True)), "burst")
    assert len(bursts) == 3
    for b in bursts:
        assert b.bit_rate == pytest.approx(22050 / 42, rel=2e-3)


# -- round trips through the project's own transmission encoder ------------------------------
@pytest.mark.parametrize("fs", [8000, 11025, 22050, 44100, 48000, 96000])
def test_transmission_round_trip_every_rate(fs):
    t = encode_transmission(RWT, fs=fs, attention="eas", attention_seconds=8.0)
    events = decode(t.samples, fs)
    hdr = _kinds(events, "header")
    assert [e.header for e in hdr] == [RWT]
    # The first two bursts match exactly: confirmed there (47 CFR 11.33(a)(10)).
    assert hdr[0].bursts == 2 and hdr[0].bits_corrected == 0 and hdr[0].confidence > 0.999
    first, second = [s for s in t.segments if s.kind == "header"][:2]
    assert hdr[0].start == pytest.approx(first.start / fs, abs=0.01)
    assert hdr[0].end == pytest.approx(second.end / fs, abs=0.01)
    (attn,) = _kinds(events, "attention")
    seg = next(s for s in t.segments if s.kind == "attention")
    assert attn.signal == "eas"
    assert attn.start == pytest.approx(seg.start / fs, abs=0.06)
    assert attn.duration == pytest.approx(8.0, abs=0.1)
    assert attn.frequencies == pytest.approx((853.0, 960.0), abs=0.5)
    assert len(_kinds(events, "eom")) == 1


def test_nwr_attention_tone_measured():
    t = encode_transmission(TOR, fs=22050, attention="nwr", attention_seconds=9.0)
    (attn,) = _kinds(decode(t.samples, 22050), "attention")
    assert attn.signal == "nwr"
    assert attn.frequencies == pytest.approx((1050.0,), abs=0.5)
    assert attn.duration == pytest.approx(9.0, abs=0.1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=headers(), seed=st.integers(0, 2**32 - 1),
       gain_db=st.floats(-40, 0), rate_error=st.floats(-0.03, 0.03),
       offset_hz=st.floats(-100, 100))
def test_random_header_survives_noise_gain_rate_and_carrier(header, seed, gain_db, rate_error,
                                                            offset_hz):
    rng = np.random.default_rng(seed)
    fs = 22050
    x, _ = channel.transmission([header.to_bytes()], fs, amplitude=1.0, rate_error=rate_error,
                                eom=True, lead_seconds=0.3, tail_seconds=0.5)
    x = channel.shift_frequency(x, fs, offset_hz)
    x = channel.add_noise(x, fs, 12.0, 1.0, rng) * np.float32(10 ** (gain_db / 20) * 0.5)
    events = decode(x, fs)
    assert _headers(events) == [str(header)]
    assert len(_kinds(events, "eom")) == 1


# -- streaming: any block split gives the same events ----------------------------------------
_STREAM = None


def _stream():
    global _STREAM
    if _STREAM is None:
        t1 = encode_transmission(RWT, fs=16000, attention="nwr", attention_seconds=8.0)
        t2 = encode_transmission(TOR, fs=16000, attention="none")
        rng = np.random.default_rng(7)
        x = np.concatenate([t1.samples, _gap(16000, 2.0), t2.samples])
        _STREAM = channel.add_noise(x, 16000, 14.0, 0.7, rng)
    return _STREAM


def _events_for_split(x, cuts):
    rx = Receiver(16000, ReceiverConfig(bursts=True))
    out = []
    for a, b in zip([0, *cuts], [*cuts, len(x)], strict=True):
        out += list(rx.feed(x[a:b]))
    return sorted(out + rx.flush(), key=lambda e: (e.start, e.kind))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**9), min_size=0, max_size=40))
def test_any_block_split_gives_identical_events(raw_cuts):
    x = _stream()
    cuts = sorted({c % len(x) for c in raw_cuts})
    reference = _events_for_split(x, [])
    assert [e.kind for e in reference].count("header") == 2
    assert _events_for_split(x, cuts) == reference


def test_one_sample_blocks_match_one_shot():
    t = encode_transmission(TOR, fs=8000, attention="none")
    x = t.samples[: int(5.5 * 8000)]
    rx = Receiver(8000)
    events = []
    for i in range(len(x)):
        events += list(rx.feed(x[i:i + 1]))
    events += rx.flush()
    assert sorted(events, key=lambda e: e.start) == decode(x, 8000)


# -- physical layer -------------------------------------------------------------------------
@pytest.mark.parametrize("db_per_octave", [6.0, -6.0])
def test_pre_and_de_emphasis_tilt(db_per_octave):
    fs = 22050
    x, _ = channel.transmission([TOR.to_bytes()], fs, eom=False)
    # First-order tilt: +6 dB/octave is a differentiator-like boost, -6 dB/octave its inverse
    # (a one-pole integrator), both normalised at 1822 Hz between space and mark.
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    gain = (np.maximum(f, 50.0) / 1822.9) ** (db_per_octave / 6.02)
    y = np.fft.irfft(spec * gain, len(x)).astype(np.float32)
    y = channel.add_noise(y, fs, 14.0, 0.5, np.random.default_rng(3))
    assert _headers(decode(y, fs)) == [str(TOR)]


def test_hard_clipping_and_very_low_level():
    fs = 22050
    x, _ = channel.transmission([TOR.to_bytes()], fs)
    assert _headers(decode(np.clip(x * 20, -1, 1), fs)) == [str(TOR)]
    assert _headers(decode(x * np.float32(10 ** (-40 / 20) * 2), fs)) == [str(TOR)]


def test_integer_and_multichannel_input():
    fs = 11025
    x, _ = channel.transmission([TOR.to_bytes()], fs)
    pcm = (x * 32767).astype(np.int16)
    stereo = np.stack([pcm, pcm], axis=1)
    assert _headers(decode(stereo, fs)) == [str(TOR)]
    assert _headers(decode((x * 127 + 128).astype(np.uint8), fs)) == [str(TOR)]


def test_eighth_bit_set_is_masked():
    # 47 CFR 11.31(a)(1): the eighth bit of each character may be 0 or 1.
    fs = 22050
    text = bytes(c | 0x80 for c in TOR.to_bytes())
    x = _bursts([text] * 3 + [bytes(c | 0x80 for c in b"NNNN")], fs)
    events = decode(x, fs)
    assert _headers(events) == [str(TOR)]
    assert len(_kinds(events, "eom")) == 1


@pytest.mark.parametrize("junk", [b"\x00" * 6, b"\xff" * 6, b"\xaa" * 6, b"\x00\xff" * 3])
def test_junk_before_and_after_bursts_is_ignored(junk):
    fs = 22050
    # Modulated raw (burst() would add its own preamble in front of the junk).
    raw = [afsk(bytes_to_bits(junk + PREAMBLE + TOR.to_bytes() + junk), fs, 0.5)] * 3
    x = _bursts(raw, fs)
    events = decode(x, fs)
    assert _headers(events) == [str(TOR)]
    assert not _kinds(events, "invalid")


def test_extra_mark_bits_after_burst():
    fs = 22050
    bits = np.concatenate([bytes_to_bits(PREAMBLE + TOR.to_bytes()), np.ones(37, np.uint8)])
    x = _bursts([afsk(bits, fs, 0.5)] * 3, fs)
    assert _headers(decode(x, fs)) == [str(TOR)]


def test_preamble_partly_lost_and_bit_errors_in_zczc():
    fs = 22050
    text = bytearray(TOR.to_bytes())
    bad = bytearray(text)
    bad[1] ^= 0x04                                      # 'C' of ZCZC with a bit error
    payloads = [afsk(bytes_to_bits(PREAMBLE[:3] + bytes(p)), fs, 0.5)
                for p in (text, bad, text)]
    events = decode(_bursts(payloads, fs), fs)
    assert _headers(events) == [str(TOR)]


@pytest.mark.parametrize("locations", [1, 31])
def test_one_and_thirty_one_locations(locations):
    rng = np.random.default_rng(locations)
    h = channel.random_header(rng, locations)
    x, _ = channel.transmission([h.to_bytes()], 48000)
    x = channel.add_noise(x, 48000, 12.0, 0.5, rng)
    assert _headers(decode(x, 48000)) == [str(h)]


# -- burst rules (47 CFR 11.33) --------------------------------------------------------------
def test_two_of_three_bursts_suffice():
    fs = 22050
    x = _bursts([TOR.to_bytes(), _gap(fs, 0.9), TOR.to_bytes()], fs)
    (h,) = _kinds(decode(x, fs), "header")
    assert h.text == str(TOR) and h.bursts == 2


def test_soft_combining_corrects_bit_errors_a_vote_could_not():
    # At 7 dB Eb/N0 every burst has noise errors in other places and no two match; summing
    # their soft bits restores the header (the errors sit at bits each burst was unsure of).
    fs = 22050
    x = _bursts([TOR.to_bytes()] * 3, fs)
    x = channel.add_noise(x, fs, 7.0, 0.5, np.random.default_rng(1))
    events = decode(x, fs, ReceiverConfig(bursts=True))
    texts = [e.text[:len(str(TOR))] for e in _kinds(events, "burst")]
    assert len(set(texts)) == 3 and str(TOR) not in texts
    (h,) = _kinds(events, "header")
    assert h.text == str(TOR) and h.bursts == 3
    assert h.bits_corrected >= 6


def test_confidently_different_characters_are_not_voted_together():
    # Each burst carries another altered character, cleanly: no two match, and the
    # bit-wise majority would be a header none of them carried (47 CFR 11.33(a)(10)).
    fs = 22050
    bursts_ = []
    for k in (6, 20, 30):
        b = bytearray(TOR.to_bytes())
        b[k] ^= 0x11
        bursts_.append(bytes(b))
    x = channel.add_noise(_bursts(bursts_, fs), fs, 16.0, 0.5, np.random.default_rng(1))
    events = decode(x, fs)
    assert not _kinds(events, "header")
    assert [e.reason_id for e in _kinds(events, "invalid")] == ["confident-dissent"]


def test_single_burst_needs_the_callers_consent():
    fs = 22050
    x = _bursts([TOR.to_bytes()], fs, gap=4.0)
    events = decode(x, fs)
    assert not _kinds(events, "header")
    assert [e.reason for e in _kinds(events, "invalid")][0].startswith("single burst")
    (h,) = _kinds(decode(x, fs, ReceiverConfig(single_burst=True)), "header")
    assert h.text == str(TOR) and h.low_confidence and h.bursts == 1


def test_eom_from_single_burst():
    fs = 22050
    events = decode(_bursts([b"NNNN"], fs), fs)
    assert [type(e) for e in events] == [EndOfMessageEvent]


def test_duplicates_suppressed_only_within_window():
    fs = 8000
    one, _ = channel.transmission([TOR.to_bytes()], fs, eom=False, tail_seconds=0.0)
    soon = np.concatenate([one, _gap(fs, 5.0), one])
    assert len(_kinds(decode(soon, fs), "header")) == 1
    later = np.concatenate([one, _gap(fs, 60.0), one])
    assert len(_kinds(decode(later, fs), "header")) == 2


def test_header_right_after_eom_and_back_to_back_alerts():
    fs = 22050
    x = _bursts([b"NNNN", b"NNNN", b"NNNN", RWT.to_bytes(), RWT.to_bytes(), RWT.to_bytes(),
                 TOR.to_bytes(), TOR.to_bytes(), TOR.to_bytes()], fs)
    events = decode(x, fs)
    assert [e.kind for e in events] == ["eom", "header", "header"]
    assert _headers(events) == [str(RWT), str(TOR)]


def test_header_failing_validation_is_invalid_not_alert():
    # Hour 29 passes the character grammar but no field validation, even lenient.
    fs = 22050
    text = b"ZCZC-EAS-RWT-012345+0030-0012900-TEST    -"
    with pytest.raises(HeaderError):
        Header.parse(text, lenient=True)
    events = decode(_bursts([text] * 3, fs), fs)
    assert not _kinds(events, "header")
    (inv,) = _kinds(events, "invalid")
    assert isinstance(inv, InvalidBurstEvent) and "issued" in inv.reason


# -- no false alerts ------------------------------------------------------------------------
def test_no_alerts_from_noise_speech_or_music():
    fs = 22050
    rng = np.random.default_rng(11)
    for x in (0.3 * rng.standard_normal(60 * fs).astype(np.float32),
              channel.speech_like(fs, 30, rng), channel.music_like(fs, 30, rng)):
        events = decode(x, fs)
        assert not _kinds(events, "header") and not _kinds(events, "eom")
        assert not _kinds(events, "attention")


def test_confidence_is_calibrated_near_threshold():
    # Near threshold: what the receiver reports at >= 0.99 confidence must be right, and the
    # mean confidence of everything decoded must track the fraction actually right.
    fs = 11025
    rng = np.random.default_rng(2024)
    conf, right = [], []
    for _ in range(40):
        h = channel.random_header(rng, int(rng.integers(1, 6)))
        x, _ = channel.transmission([h.to_bytes()], fs, eom=False, lead_seconds=0.2,
                                    tail_seconds=0.2)
        events = decode(channel.add_noise(x, fs, 6.0, 0.5, rng), fs,
                        ReceiverConfig(min_confidence=0.0))
        for e in events:
            if isinstance(e, HeaderEvent):
                conf.append(e.confidence)
                right.append(e.text == str(h))
    conf_a, right_a = np.array(conf), np.array(right)
    assert len(conf_a) >= 30
    assert right_a[conf_a >= 0.99].all()
    assert abs(conf_a.mean() - right_a.mean()) < 0.15


def test_bad_sample_rate_and_samples():
    with pytest.raises(DecodeError):
        Receiver(4000)
    with pytest.raises(DecodeError):
        decode(np.zeros((2, 2, 2)), 8000)
    with pytest.raises(DecodeError):
        decode(np.array(["a", "b"]), 8000)


def test_event_types_are_frozen():
    ev = AttentionSignalEvent(start=0.0, end=1.0, signal="eas", duration=1.0,
                              frequencies=(853.0, 960.0))
    with pytest.raises(AttributeError):
        ev.start = 2.0  # type: ignore[misc]
    assert ev.to_dict()["frequencies"] == [853.0, 960.0]
