"""Fixtures for the CAP tests: the repository's IPAWS AMBER sample and throwaway RSA keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

AMBER = Path(__file__).resolve().parents[2] / "samples" / "cap_amber_ipaws.xml"
AMBER_HEADER = "ZCZC-CIV-CAE-006037-006059-006111+0200-0740205-KXYZ/FM -"
"""The header the sample's comment promises, worked out by hand from its sent/expires and
geocodes (sent 2026-03-14T19:05-07:00 = day 074 02:05 UTC; expires - sent = 2 h)."""


@pytest.fixture(scope="session")
def amber_bytes() -> bytes:
    """The synthetic IPAWS AMBER alert in samples/."""
    return AMBER.read_bytes()


def make_identity(common_name: str) -> tuple[bytes, bytes]:
    """A fresh RSA-2048 key and self-signed certificate, both PEM, valid 2026-01-01 to
    2036-01-01 (tests inject ``tests.fixtures.pki.AT`` as the verification time).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start.replace(year=2036))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="session")
def originator_identity() -> tuple[bytes, bytes]:
    """(key PEM, cert PEM) of a made-up alert originator."""
    return make_identity("test originator")


@pytest.fixture(scope="session")
def aggregator_identity() -> tuple[bytes, bytes]:
    """(key PEM, cert PEM) of a made-up aggregator that countersigns."""
    return make_identity("test aggregator")
