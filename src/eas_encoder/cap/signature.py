"""Enveloped XML-DSig signatures on CAP alerts (CAP 1.2 §3.3.4; 47 CFR 11.56(c)), via signxml.

An alert MAY carry one or more enveloped ``ds:Signature`` elements as its last children. Real
multi-signed alerts (NAAD in Canada: the originator's signature plus the aggregator's) follow
one convention, which we use both ways: **each signature covers the alert with every
``ds:Signature`` removed**. So :func:`sign` sets existing signatures aside, signs, and puts them
back before the new one; :func:`verify` checks each signature against a copy of the document
holding only that signature.

What a signature must be to count (anything else is refused with the reason, before any
cryptography runs; docs/signatures.md explains each rule):

- the document holds at most :data:`MAX_SIGNATURES` ``ds:Signature`` elements and at most
  :data:`MAX_SIGNED_BYTES` to verify (signatures x size), each signature a child of the root
  ``alert``; no ``Id`` value appears twice;
- its ``SignedInfo`` holds exactly one ``Reference``, whose ``URI`` is ``""`` (the whole
  document) or ``#x`` where ``x`` is the ``Id`` of the root ``alert`` and of nothing else (so a
  signed alert hidden in a wrapper, with another alert at the root, verifies nothing);
- its transforms are ``enveloped-signature``, optionally followed by one canonicalization;
- ``SignatureValue`` and ``DigestValue`` are non-empty base64; ``KeyInfo/X509Data`` carries the
  signer certificate (and optionally its issuing CAs).

A signature is **valid** when the digest and signature value check out with the signer
certificate's key, and **trusted** when the caller's trust decides so: the signer certificate
matches a pinned certificate (``trusted_certs``) valid at ``at``, or it chains to a CA of the
trust store (``trust_store``) with every certificate valid at ``at``. ``at`` is injected by the
caller, never read from the clock here. The alert is **accepted** when it has at least one
signature, every signature is valid, and at least one is trusted (or the caller allows
untrusted signers); the accepted alert is built from exactly the bytes a signature covers
(signxml's ``signed_data``), never from a second parse of the document.

Algorithms signed: RSA-SHA256, SHA-256 digest, exclusive C14N (as IPAWS-OPEN uses). Verified:
RSA, RSA-PSS and ECDSA with SHA-2/SHA-3; SHA-1 only when asked (``allow_sha1=True``); never
HMAC (a shared secret is no signer identity).
"""

from __future__ import annotations

import binascii
import os
from base64 import b64decode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidDigest, InvalidInput, SignXMLException

from ..errors import CapError
from .model import CAP11_NS, CAP12_NS, DSIG_NS, Alert
from .xml import DEFAULT_MAX_BYTES, element_path, from_element, parse_tree, serialize

__all__ = ["SignatureCheck", "Verification", "sign", "verify", "verified_alert", "signatures",
           "MAX_SIGNATURES", "MAX_SIGNED_BYTES", "MAX_CERTIFICATES"]

MAX_SIGNATURES = 4
"""Most ``ds:Signature`` elements a document may hold (NAAD alerts carry two). Counted before
any signature is verified, so a document of thousands of copies costs one parse."""

MAX_SIGNED_BYTES = 2 * DEFAULT_MAX_BYTES
"""Most bytes verified per document: signatures x document size. Each signature costs a
canonicalization and digest of the whole alert, so a 10 MiB alert may carry two signatures and
a 5 MiB one four; checked before any signature is verified."""

MAX_CERTIFICATES = 8
"""Most ``X509Certificate`` elements in one signature's ``KeyInfo`` (signer plus its CAs)."""

_SPEC = "47 CFR 11.56(c); CAP 1.2 §3.3.4; W3C XML-DSig"
_DS = f"{{{DSIG_NS}}}"
_SIG = f"{_DS}Signature"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_C14N = frozenset(m.value for m in CanonicalizationMethod)
# signxml resolves "#x" against any attribute whose local name is one of these (xml:id too).
_ID_NAMES = frozenset(("Id", "ID", "id"))


@dataclass(frozen=True)
class SignatureCheck:
    """Result for one ``ds:Signature`` (``index`` 0-based in document order).

    ``valid``: the digest and signature value check out with the signer certificate's key.
    ``trusted``: valid, and the signer is trusted (pinned certificate or a chain to the trust
    store, valid at the injected time). ``signer``: subject of the signer certificate, if any.
    ``reason``: why it is invalid, or why a valid signature is not trusted; else ``""``.
    """

    index: int
    signature_id: str | None
    valid: bool
    trusted: bool
    signer: str | None
    algorithm: str | None
    reason: str = ""


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found.

    ``checks``: one :class:`SignatureCheck` per signature in document order (empty: unsigned).
    ``alert``: when every signature is valid, the alert parsed from the bytes the (first
    trusted, else first) signature covers; ``None`` otherwise. ``signed_data``: those bytes
    (canonical XML, UTF-8).
    """

    checks: tuple[SignatureCheck, ...]
    alert: Alert | None = None
    signed_data: bytes | None = None

    def accepted(self, *, allow_untrusted: bool = False) -> bool:
        """At least one signature, all valid, and one trusted (unless ``allow_untrusted``)."""
        return self.refusal(allow_untrusted=allow_untrusted) is None

    def refusal(self, *, allow_untrusted: bool = False) -> str | None:
        """Why the alert is not accepted, in one line; ``None`` when it is."""
        if not self.checks:
            return "has no ds:Signature"
        for c in self.checks:
            if not c.valid:
                return f"signature {c.index + 1} INVALID: {c.reason}"
        if not allow_untrusted and not any(c.trusted for c in self.checks):
            c = self.checks[0]
            return (f"signature {c.index + 1} valid, untrusted (signer {c.signer}): {c.reason}"
                    "; pass --allow-untrusted to act on it anyway")
        return None


def signatures(root: etree._Element) -> list[etree._Element]:
    """The enveloped ``ds:Signature`` children of an ``alert`` element, in order."""
    return [c for c in root if c.tag == _SIG]


def _document(document: bytes | str | os.PathLike[str] | Alert) -> bytes | str:
    # The CAP parser takes the document itself; a path is read here, bounded like any input.
    if isinstance(document, Alert):
        return serialize(document, pretty=False)
    if isinstance(document, os.PathLike):
        try:
            with open(document, "rb") as fh:
                data = fh.read(DEFAULT_MAX_BYTES + 1)
        except OSError as exc:
            raise CapError(f"cannot be read ({exc.strerror})", field="file",
                           value=os.fspath(document)) from None
        if len(data) > DEFAULT_MAX_BYTES:
            raise CapError(f"is larger than the {DEFAULT_MAX_BYTES}-byte limit", field="file",
                           value=os.fspath(document), spec=_SPEC)
        return data
    return document


def _root(document: bytes | str) -> etree._Element:
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
    """Add an enveloped RSA-SHA256 signature (``Reference URI=""``) to a CAP alert.

    Args:
        document: alert bytes, a file path (``pathlib.Path``) or an
            :class:`~eas_encoder.cap.model.Alert`.
        key: PEM private key (RSA).
        cert: PEM signer certificate, optionally followed by its issuing CA certificates,
            embedded in ``KeyInfo/X509Data`` (IPAWS-OPEN requires one; :func:`verify` needs
            one).
        passphrase: for an encrypted key.

    Returns:
        UTF-8 document bytes; existing signatures are kept and still verify.

    Raises:
        CapError: the document is not a (safe, well-formed) CAP alert, or the signed document
            would exceed :data:`MAX_SIGNATURES` or :data:`MAX_SIGNED_BYTES`.
        ValueError: the key or certificate cannot be used, or they do not belong together.
    """
    root = _root(_document(document))
    certs = _check_pair(key, cert, passphrase) if cert is not None else None
    kept = signatures(root)
    if len(kept) >= MAX_SIGNATURES:
        raise CapError(f"already holds {len(kept)} signatures; at most {MAX_SIGNATURES} are "
                       "verified", field="ds:Signature", spec=_SPEC)
    for sig in kept:
        root.remove(sig)
    signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    try:
        signed = signer.sign(root, key=_pem(key), passphrase=passphrase, cert=certs)
    except (InvalidInput, SignXMLException, TypeError, ValueError) as exc:
        raise ValueError(f"cannot sign with this key/certificate: {exc}") from None
    new = signatures(signed)[-1]
    for sig in kept:
        new.addprevious(sig)
    out = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    if (len(kept) + 1) * len(out) > MAX_SIGNED_BYTES:
        raise CapError(f"would hold {len(kept) + 1} signatures over {len(out)} bytes; at most "
                       f"{MAX_SIGNED_BYTES} bytes (signatures x size) are verified",
                       field="ds:Signature", spec=_SPEC)
    return out


def _check_pair(key: bytes | str, cert: bytes | str, passphrase: bytes | None) -> list[str]:
    # A signature whose embedded certificate does not hold the signing key verifies against
    # nothing; refuse to make one rather than hand out an alert no receiver will accept.
    try:
        private = serialization.load_pem_private_key(_pem(key), password=passphrase)
        chain = x509.load_pem_x509_certificates(_pem(cert))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot use this key/certificate: {exc}") from None
    if private.public_key().public_bytes(*_SPKI) != chain[0].public_key().public_bytes(*_SPKI):
        raise ValueError("the private key does not belong to the certificate (its public key "
                         "differs)")
    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain]


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _methods(allow_sha1: bool) -> tuple[frozenset[SignatureMethod], frozenset[DigestAlgorithm]]:
    methods = frozenset(m for m in SignatureMethod if not m.name.startswith("HMAC")
                        and (allow_sha1 or "SHA1" not in m.name))
    digests = frozenset(d for d in DigestAlgorithm if allow_sha1 or d.name != "SHA1")
    return methods, digests


class _Refused(Exception):
    """A signature that breaks a structure rule; the message is the reason."""


def _one(parent: etree._Element, name: str) -> etree._Element:
    found = parent.findall(f"{_DS}{name}")
    if len(found) != 1:
        raise _Refused(f"{etree.QName(parent).localname} holds {len(found)} {name} elements; "
                       "exactly one is required")
    return found[0]


def _base64(el: etree._Element, what: str) -> bytes:
    text = "".join((el.text or "").split())
    if not text:
        raise _Refused(f"{what} is empty")
    try:
        return b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(f"{what} is not base64") from None


def _id_targets(root: etree._Element) -> dict[str, list[etree._Element]]:
    ids: dict[str, list[etree._Element]] = {}
    for el in root.iter(etree.Element):
        for name, value in el.attrib.items():
            if etree.QName(name).localname in _ID_NAMES:
                ids.setdefault(value, []).append(el)
    return ids


def _check_document(root: etree._Element, size: int) -> dict[str, list[etree._Element]]:
    """Document-level rules, before any cryptography: signature budget and placement, Ids."""
    found = list(root.iter(_SIG))
    if len(found) > MAX_SIGNATURES:
        raise CapError(f"holds {len(found)} ds:Signature elements; at most {MAX_SIGNATURES} "
                       "are verified", field="/alert", spec=_SPEC)
    if len(found) * size > MAX_SIGNED_BYTES:
        raise CapError(f"holds {len(found)} ds:Signature elements over {size} bytes; at most "
                       f"{MAX_SIGNED_BYTES} bytes (signatures x size) are verified",
                       field="/alert", spec=_SPEC)
    for sig in found:
        if sig.getparent() is not root:
            raise CapError("is not a child of alert (only enveloped signatures on the alert "
                           "count)", field=element_path(sig), spec=_SPEC)
    ids = _id_targets(root)
    for value, elements in ids.items():
        if len(elements) > 1:
            raise CapError(f"Id {value!r} appears {len(elements)} times (a signature "
                           "reference must name one element)", field=element_path(elements[1]),
                           spec=_SPEC)
    return ids


def _check_structure(sig: etree._Element, root: etree._Element,
                     ids: dict[str, list[etree._Element]],
                     allow_sha1: bool) -> list[x509.Certificate]:
    """Structure rules for one signature; returns its embedded certificates (signer first)."""
    methods, digests = _methods(allow_sha1)
    signed_info = _one(sig, "SignedInfo")
    c14n = _one(signed_info, "CanonicalizationMethod").get("Algorithm")
    if c14n not in _C14N:
        raise _Refused(f"CanonicalizationMethod {c14n!r} is not a canonicalization")
    method = _one(signed_info, "SignatureMethod").get("Algorithm")
    if method not in {m.value for m in methods}:
        raise _Refused(f"SignatureMethod {method!r} is not accepted"
                       + ("" if allow_sha1 else " (SHA-1 needs allow_sha1 / --allow-sha1)"))
    refs = signed_info.findall(f"{_DS}Reference")
    if len(refs) != 1:
        raise _Refused(f"SignedInfo holds {len(refs)} References; exactly one covering the "
                       "whole alert is accepted")
    ref = refs[0]
    uri = ref.get("URI")
    if uri is None or (uri and not uri.startswith("#")):
        raise _Refused(f"Reference URI {uri!r} is not the alert (only \"\" or \"#<Id of the "
                       "root alert>\")")
    if uri:
        targets = ids.get(uri[1:], [])
        if targets != [root]:
            where = element_path(targets[0]) if targets else "nothing"
            raise _Refused(f"Reference URI {uri!r} resolves to {where}, not the root alert")
    algorithms = [t.get("Algorithm") for t in ref.findall(f"{_DS}Transforms/{_DS}Transform")]
    if not algorithms or algorithms[0] != _ENVELOPED or len(algorithms) > 2 or \
            any(a not in _C14N for a in algorithms[1:]):
        raise _Refused(f"Transforms {algorithms} are not accepted: only enveloped-signature, "
                       "optionally followed by one canonicalization")
    digest = _one(ref, "DigestMethod").get("Algorithm")
    if digest not in {d.value for d in digests}:
        raise _Refused(f"DigestMethod {digest!r} is not accepted")
    _base64(_one(ref, "DigestValue"), "DigestValue")
    _base64(_one(sig, "SignatureValue"), "SignatureValue")
    elements = sig.findall(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    if not elements:
        raise _Refused("no KeyInfo/X509Data/X509Certificate: the signer certificate is "
                       "required")
    if len(elements) > MAX_CERTIFICATES:
        raise _Refused(f"{len(elements)} X509Certificate elements; at most {MAX_CERTIFICATES}")
    certs = []
    for n, el in enumerate(elements, 1):
        der = _base64(el, f"X509Certificate {n}")
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise _Refused(f"X509Certificate {n} is not an X.509 certificate") from None
    # X509Data implies no order; the signer is the certificate no other one was issued by.
    issuers = {c.issuer for c in certs}
    signer = next((c for c in certs if c.subject not in issuers or len(certs) == 1), certs[0])
    return [signer, *(c for c in certs if c is not signer)]


def _load_certs(items: Sequence[bytes | str | x509.Certificate], what: str
                ) -> list[x509.Certificate]:
    out: list[x509.Certificate] = []
    for item in items:
        if isinstance(item, x509.Certificate):
            out.append(item)
            continue
        try:
            out.extend(x509.load_pem_x509_certificates(_pem(item)))
        except ValueError:
            raise CapError("holds no PEM certificate", field=what, spec=_SPEC) from None
    return out


def _valid_at(cert: x509.Certificate, at: datetime) -> str | None:
    if cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        return None
    return (f"certificate {cert.subject.rfc4514_string()} is not valid at {at.isoformat()} "
            f"(valid {cert.not_valid_before_utc.isoformat()} to "
            f"{cert.not_valid_after_utc.isoformat()})")


def _key_usage_allows_signing(_policy: object, _cert: x509.Certificate,
                              usage: x509.KeyUsage | None) -> None:
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise ValueError("certificate KeyUsage allows neither digitalSignature nor "
                         "nonRepudiation")


def _trust(certs: list[x509.Certificate], pinned: list[x509.Certificate],
           anchors: list[x509.Certificate], at: datetime) -> str:
    """``""`` when the signer is trusted at ``at``, else why not."""
    signer = certs[0]
    key = signer.public_key().public_bytes(*_SPKI)
    for cert in pinned:
        if cert.public_key().public_bytes(*_SPKI) == key:
            return _valid_at(cert, at) or ""
    if not anchors:
        return ("not signed with a pinned certificate (--cert)" if pinned else
                "no pinned certificate (--cert) or trust store (--trust-store) to trust it by")
    expired = _valid_at(signer, at)
    if expired:
        return expired
    policy = (PolicyBuilder().store(Store(anchors)).time(at).extension_policies(
        ee_policy=ExtensionPolicy.permit_all().may_be_present(
            x509.KeyUsage, Criticality.AGNOSTIC, _key_usage_allows_signing),
        ca_policy=ExtensionPolicy.webpki_defaults_ca()))
    try:
        policy.build_client_verifier().verify(signer, certs[1:])
    except VerificationError as exc:
        return f"no chain from the signer certificate to the trust store ({exc})"
    return ""


def _verify_one(doc: etree._Element, index: int, certs: list[x509.Certificate],
                allow_sha1: bool) -> tuple[bytes, etree._Element | None]:
    """Check digest and signature value with the signer certificate's key; the signed bytes
    and signxml's parse of exactly those bytes.
    """
    methods, digests = _methods(allow_sha1)
    signer = certs[0]
    # Integrity only: the validity dates are the trust decision's, at the injected time, so
    # signxml is given a time inside the certificate's own validity.
    config = SignatureConfiguration(
        require_x509=True, location="./", expect_references=1, signature_methods=methods,
        digest_algorithms=digests, ignore_ambiguous_key_info=True,
        verification_time=signer.not_valid_before_utc)
    # The other signatures are set aside in place rather than on a deep copy: signxml copies
    # the tree anyway, and a second copy of a 10 MiB alert per signature doubles the cost.
    own = signatures(doc)[index]
    others = [(pos, el) for pos, el in enumerate(doc) if el.tag == _SIG and el is not own]
    for _, el in others:
        doc.remove(el)
    try:
        result = XMLVerifier().verify(doc, x509_cert=signer, validate_schema=False,
                                      expect_config=config)
    except InvalidDigest as exc:
        # signxml ends with the reference's URI in parentheses: "()" for the enveloped
        # signature's "" (the whole alert), which reads as a lost detail.
        raise _Refused("the signed content was changed after signing: "
                       f"{str(exc).removesuffix(' ()')}") from None
    except (SignXMLException, InvalidSignature, ValueError, TypeError,
            etree.LxmlError) as exc:
        raise _Refused(str(exc) or type(exc).__name__) from None
    finally:
        for pos, el in others:
            doc.insert(pos, el)
    # signxml returns a list only when more than one reference is expected; we expect one.
    assert not isinstance(result, list)
    return result.signed_data, result.signed_xml


def verify(document: bytes | str | os.PathLike[str], *, at: datetime,
           trusted_certs: Sequence[bytes | str | x509.Certificate] = (),
           trust_store: Sequence[bytes | str | x509.Certificate] = (),
           allow_sha1: bool = False) -> Verification:
    """Check every enveloped signature of a CAP alert and decide whether to trust its signer.

    Args:
        document: alert bytes or a file path (``pathlib.Path``): the bytes as received,
            never a re-serialized alert.
        at: the time (timezone-aware) certificates must be valid at; the caller's clock.
        trusted_certs: pinned signer certificates (PEM, possibly several per item, or
            ``cryptography`` certificates): a signature whose signer has one's key is trusted.
        trust_store: CA certificates (PEM bundles or certificates): a signature whose signer
            chains to one (through CAs embedded in the signature) is trusted.
        allow_sha1: accept rsa-sha1 / sha1 digests (older NAAD and USGS alerts).

    Returns:
        A :class:`Verification`: the per-signature checks and, when every signature is valid,
        the alert built from the signed bytes.

    Raises:
        CapError: the document is not a safe, well-formed CAP alert; holds more than
            :data:`MAX_SIGNATURES` signatures or more than :data:`MAX_SIGNED_BYTES` to verify,
            a signature that is not a child of ``alert``, or an ``Id`` twice; a trust item
            holds no certificate.
        ValueError: ``at`` has no time zone.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    data = _document(document)
    root = _root(data)
    ids = _check_document(root, len(data))
    pinned = _load_certs(trusted_certs, "--cert")
    anchors = _load_certs(trust_store, "--trust-store")
    checks: list[SignatureCheck] = []
    covered: list[tuple[bool, tuple[bytes, etree._Element | None]]] = []
    for i, sig in enumerate(signatures(root)):
        signer = None
        try:
            certs = _check_structure(sig, root, ids, allow_sha1)
            signer = certs[0].subject.rfc4514_string()
            verified = _verify_one(root, i, certs, allow_sha1)
        except _Refused as exc:
            checks.append(SignatureCheck(i, sig.get("Id"), False, False, signer,
                                         _algorithm(sig), str(exc)))
            continue
        why = _trust(certs, pinned, anchors, at)
        checks.append(SignatureCheck(i, sig.get("Id"), True, not why, signer, _algorithm(sig),
                                     why))
        covered.append((not why, verified))
    if not checks or len(covered) != len(checks):
        return Verification(tuple(checks))
    # Every signature covers the same element (the alert without its signatures); the bytes
    # of a trusted one are the ones acted on. signxml has already parsed exactly those bytes
    # (canonical XML of our guarded tree: no DTD, no entities), so that parse is reused.
    signed, signed_xml = next((d for trusted, d in covered if trusted), covered[0][1])
    try:
        if signed_xml is None:
            raise CapError("cannot be parsed", field="signed content")
        alert = from_element(signed_xml)
    except CapError as exc:
        first = checks[0]
        checks[0] = SignatureCheck(first.index, first.signature_id, False, False, first.signer,
                                   first.algorithm, f"the signed content is not an alert: {exc}")
        return Verification(tuple(checks))
    return Verification(tuple(checks), alert, signed)


def verified_alert(document: bytes | str | os.PathLike[str], *, at: datetime,
                   trusted_certs: Sequence[bytes | str | x509.Certificate] = (),
                   trust_store: Sequence[bytes | str | x509.Certificate] = (),
                   allow_untrusted: bool = False, allow_sha1: bool = False) -> Alert:
    """The alert a signature vouches for, or a refusal (47 CFR 11.56(c)).

    Arguments as for :func:`verify`; ``allow_untrusted`` accepts valid signatures whose signer
    is not trusted (integrity checked, identity not).

    Returns:
        The :class:`~eas_encoder.cap.model.Alert` built from exactly the signed bytes.

    Raises:
        CapError: unsigned, a signature invalid or malformed, no trusted signer (unless
            allowed), or any of :func:`verify`'s refusals.
    """
    result = verify(document, at=at, trusted_certs=trusted_certs, trust_store=trust_store,
                    allow_sha1=allow_sha1)
    why = result.refusal(allow_untrusted=allow_untrusted)
    if why is not None or result.alert is None:
        raise CapError(why or "has no verified content", field="ds:Signature", spec=_SPEC)
    return result.alert


def _algorithm(sig: etree._Element) -> str | None:
    el = sig.find(f"{_DS}SignedInfo/{_DS}SignatureMethod")
    return el.get("Algorithm") if el is not None else None
