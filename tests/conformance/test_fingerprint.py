"""ENDEC profiles: each encodes, decodes with our receiver, and the checker names it."""

import pytest

from eas_encoder.conformance import check
from eas_encoder.conformance.fingerprint import fingerprint, whole_samples_per_bit
from eas_encoder.errors import EncodeError
from eas_encoder.same.decoder import decode
from eas_encoder.same.profiles import PROFILES, get_profile
from eas_encoder.same.transmission import encode_transmission

from .signals import header_burst, transmission

HEADER = "ZCZC-WXR-TOR-029095-029037+0030-3330800-KEAX/NWS-"


@pytest.mark.parametrize("fs", [22050, 48000])
@pytest.mark.parametrize("name", list(PROFILES))
def test_profile_encodes_decodes_and_is_named(name, fs):
    tx = encode_transmission(HEADER, fs=fs, profile=name)
    events = decode(tx.samples, fs)
    assert [(e.kind, getattr(e, "text", None)) for e in events if e.kind != "attention"] == [
        ("header", HEADER), ("eom", None)] or [e.kind for e in events] == [
        "header", "attention", "eom"]
    assert next(e for e in events if e.kind == "header").text == HEADER
    report = check(tx.samples, fs)
    assert report.fingerprint.profile == name, report.fingerprint.to_text()
    # every other profile says why it does not fit
    assert set(report.fingerprint.mismatches) == set(PROFILES) - {name}


def test_profiles_differ_in_what_the_checker_measures():
    framings = {(p.lead_mark_bits, p.first_lead, p.header_tail, p.eom_lead, p.eom_tail,
                 p.gap_seconds) for p in PROFILES.values()}
    assert len(framings) == len(PROFILES)


def test_exact_profile_is_the_default_and_adds_nothing():
    a = encode_transmission(HEADER, fs=22050)
    b = encode_transmission(HEADER, fs=22050, profile="exact")
    assert (a.samples == b.samples).all()
    assert get_profile("exact").exact and not get_profile("sage").exact


def test_unknown_profile_is_refused_with_the_names():
    with pytest.raises(EncodeError) as err:
        encode_transmission(HEADER, fs=22050, profile="dasdec9")
    assert err.value.field == "profile" and "nws-bmh" in str(err.value)


def test_whole_samples_per_bit_is_evidence_and_names_the_rate():
    fs = 22050
    x = transmission(fs, headers=[header_burst(fs, samples_per_bit=42)] * 3)
    fp = check(x, fs).fingerprint
    assert fp.whole_samples == (42, 22050, pytest.approx(8000, abs=1))
    assert any("42 at 22050 Hz" in e for e in fp.evidence)
    assert whole_samples_per_bit(0.0, 48000) is None
    assert whole_samples_per_bit(float("nan")) is None


def test_no_bursts_no_profile():
    assert fingerprint([]).profile is None
