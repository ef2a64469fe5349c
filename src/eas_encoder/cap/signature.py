"""Enveloped XML-DSig signatures on CAP alerts (CAP 1.2 §3.3.4), via signxml.

An alert MAY carry one or more enveloped ``ds:Signature`` elements as its last children. Real
multi-signed alerts (NAAD in Canada: the originator's signature plus the aggregator's) follow
one convention, which we use both ways: **each signature covers the alert with every
``ds:Signature`` removed**. So :func:`sign` sets existing signatures aside, signs, and puts them
back before the new one; :func:`verify` checks each signature against a copy of the document
holding only that signature. Any change to the alert, to a ``SignedInfo`` or to a signature
value makes that signature invalid.

Algorithms: RSA-SHA256 signature, SHA-256 digest, exclusive C14N (as IPAWS-OPEN uses).
Verifying legacy SHA-1 signatures must be asked for (``allow_sha1=True``).
Trust: a signature is ``trusted`` only when it verifies with one of the certificates the caller
passes; otherwise the certificate embedded in the signature is used and the result says
``trusted=False`` (the integrity is checked, the identity is not).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidInput, SignXMLException

from ..errors import CapError
from .model import CAP11_NS, CAP12_NS, DSIG_NS, Alert
from .xml import DEFAULT_MAX_BYTES, parse_tree, serialize

__all__ = ["SignatureCheck", "sign", "verify", "signatures"]

_SPEC = "CAP 1.2 §3.3.4; W3C XML-DSig"
_SIG = f"{{{DSIG_NS}}}Signature"


@dataclass(frozen=True)
class SignatureCheck:
    """Result for one ``ds:Signature`` (``index`` 0-based in document order).

    ``valid``: the digest and signature value check out. ``trusted``: it verified with a
    certificate the caller supplied. ``signer``: subject of the certificate used, if any.
    ``reason``: why it failed, else ``""``.
    """

    index: int
    signature_id: str | None
    valid: bool
    trusted: bool
    signer: str | None
    algorithm: str | None
    reason: str = ""


def signatures(root: etree._Element) -> list[etree._Element]:
    """The enveloped ``ds:Signature`` children of an ``alert`` element, in order."""
    return [c for c in root if c.tag == _SIG]


def _root(document: bytes | str | os.PathLike[str] | Alert) -> etree._Element:
    if isinstance(document, Alert):
        document = serialize(document, pretty=False)
    root = parse_tree(document, max_bytes=DEFAULT_MAX_BYTES).getroot()
    if etree.QName(root).namespace not in (CAP12_NS, CAP11_NS) or \
            etree.QName(root).localname != "alert":
        raise CapError("is not a CAP alert", field="/" + etree.QName(root).localname,
                       spec="CAP 1.2 §3.1")
    return root


def _pem(value: bytes | str) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else value


def sign(document: bytes | str | os.PathLike[str] | Alert, key: bytes | str,
         cert: bytes | str | None = None, *, passphrase: bytes | None = None) -> bytes:
    """Add an enveloped RSA-SHA256 signature to a CAP alert and return the signed bytes.

    Args:
        document: alert bytes, a file path or an :class:`~eas_encoder.cap.model.Alert`.
        key: PEM private key (RSA).
        cert: PEM certificate for ``KeyInfo/X509Data`` (recommended; IPAWS-OPEN requires one).
        passphrase: for an encrypted key.

    Returns:
        UTF-8 document bytes; existing signatures are kept and still verify.

    Raises:
        CapError: the document is not a (safe, well-formed) CAP alert.
        ValueError: the key or certificate cannot be used.
    """
    root = _root(document)
    if cert is not None:
        _check_pair(key, cert, passphrase)
    kept = signatures(root)
    for sig in kept:
        root.remove(sig)
    signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    try:
        signed = signer.sign(root, key=_pem(key), passphrase=passphrase,
                             cert=cert.decode("ascii") if isinstance(cert, bytes) else cert)
    except (InvalidInput, SignXMLException, TypeError, ValueError) as exc:
        raise ValueError(f"cannot sign with this key/certificate: {exc}") from None
    new = signatures(signed)[-1]
    for sig in kept:
        new.addprevious(sig)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _check_pair(key: bytes | str, cert: bytes | str, passphrase: bytes | None) -> None:
    # A signature whose embedded certificate does not hold the signing key verifies against
    # nothing; refuse to make one rather than hand out an alert no receiver will accept.
    try:
        private = serialization.load_pem_private_key(_pem(key), password=passphrase)
        public = x509.load_pem_x509_certificate(
            cert.encode("ascii") if isinstance(cert, str) else cert).public_key()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot use this key/certificate: {exc}") from None
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if private.public_key().public_bytes(*fmt) != public.public_bytes(*fmt):
        raise ValueError("the private key does not belong to the certificate (its public key "
                         "differs)")


def _config(allow_sha1: bool, at: datetime | None, require_x509: bool) -> SignatureConfiguration:
    methods = set(SignatureConfiguration().signature_methods)
    digests = set(SignatureConfiguration().digest_algorithms)
    if allow_sha1:
        methods.add(SignatureMethod.RSA_SHA1)
        digests.add(DigestAlgorithm.SHA1)
    return SignatureConfiguration(require_x509=require_x509, location="./",
                                  signature_methods=frozenset(methods),
                                  digest_algorithms=frozenset(digests),
                                  verification_time=at)


def _embedded_cert(sig: etree._Element) -> str | None:
    el = sig.find(f".//{{{DSIG_NS}}}X509Certificate")
    if el is None or not (el.text or "").strip():
        return None
    body = "".join((el.text or "").split())
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(
        body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"


def _subject(cert_pem: str | bytes) -> str | None:
    try:
        return x509.load_pem_x509_certificate(_pem(cert_pem)).subject.rfc4514_string()
    except ValueError:
        return None


def _algorithm(sig: etree._Element) -> str | None:
    el = sig.find(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}SignatureMethod")
    return el.get("Algorithm") if el is not None else None


def verify(document: bytes | str | os.PathLike[str], *,
           trusted_certs: list[bytes | str] | tuple[bytes | str, ...] = (),
           allow_sha1: bool = False, at: datetime | None = None) -> list[SignatureCheck]:
    """Check every enveloped signature of a CAP alert.

    Args:
        document: alert bytes or a file path (verify the bytes as received; never a
            re-serialized alert).
        trusted_certs: PEM certificates whose keys make a signature ``trusted``.
        allow_sha1: accept rsa-sha1 / sha1 digests (older NAAD and USGS alerts).
        at: the time certificates must be valid at, for signxml's checks (default now).

    Returns:
        One :class:`SignatureCheck` per signature, in document order (empty: unsigned).

    Raises:
        CapError: the document is not a safe, well-formed CAP alert.
    """
    root = _root(document)
    sigs = signatures(root)
    results = []
    for i, sig in enumerate(sigs):
        copy = etree.fromstring(etree.tostring(root))
        for j, other in enumerate(signatures(copy)):
            if j != i:
                copy.remove(other)
        data = etree.tostring(copy)
        candidates = [(c, True) for c in trusted_certs]
        embedded = _embedded_cert(sig)
        if not candidates and embedded is not None:
            candidates = [(embedded, False)]
        reason = "no certificate to verify with (pass a trusted certificate)"
        ok = None
        for cert, trusted in candidates:
            try:
                result = XMLVerifier().verify(
                    data, x509_cert=cert.decode("ascii") if isinstance(cert, bytes) else cert,
                    validate_schema=False, expect_config=_config(allow_sha1, at, True),
                    ignore_ambiguous_key_info=True)
            except (SignXMLException, InvalidInput, ValueError) as exc:
                reason = str(exc) or type(exc).__name__
                continue
            signed = result.signed_xml  # type: ignore[union-attr]
            # Only a reference to the whole alert (URI="") counts; a signature over some
            # fragment would leave the rest of the alert open to change.
            if signed is None or etree.QName(signed).localname != "alert":
                reason = "the signature does not cover the whole alert"
                continue
            ok = (cert, trusted)
            break
        results.append(SignatureCheck(
            index=i, signature_id=sig.get("Id"), valid=ok is not None,
            trusted=bool(ok and ok[1]), signer=_subject(ok[0]) if ok else None,
            algorithm=_algorithm(sig), reason="" if ok else reason))
    return results
