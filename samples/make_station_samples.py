"""Regenerate samples/station/: what `eas-encoder monitor samples/station.toml --once` reads.

    python samples/make_station_samples.py

Two monitoring sources and a CAP folder, all starting at START (the ``start`` of each source
in station.toml, so the run is the same every time):

- lp1.flac: a tornado warning for Los Angeles County (the station serves it: relayed), then a
  severe thunderstorm warning whose valid time period ended hours before (expired);
- lp2.flac: the same tornado warning heard again (a duplicate, 47 CFR 11.33(a)(3)(ii)), then
  a flash flood warning for Harris County, Texas (not a county the station serves);
- cap/: three CAP alerts, one signed by the sample CA but for Miami-Dade County, one unsigned
  and one whose signed content was altered afterwards (both refused, 47 CFR 11.56(c));
- ca.pem: the sample CA the station trusts. Its key and the signer's are thrown away: these
  are throwaway test identities, never use them for anything else.

The spoken message needs espeak-ng; without it a quiet tone stands in for it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from eas_encoder.audio import write_audio
from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.cap.signature import sign
from eas_encoder.cap.xml import serialize
from eas_encoder.errors import EncodeError
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.speech import synthesize

HERE = Path(__file__).resolve().parent
FS = 22050
START = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)
"""Wall time of the first sample of both files (``start`` in station.toml)."""

TORNADO = "ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-"
EXPIRED = "ZCZC-WXR-SVR-006059+0100-3341500-KLOX/NWS-"
ELSEWHERE = "ZCZC-WXR-FFW-048201+0100-3341800-KHGX/NWS-"
CAP_ELSEWHERE = "ZCZC-CIV-CAE-012086+0100-3341755-KXYZ/FM -"
CAP_UNSIGNED = "ZCZC-CIV-CEM-006037+0100-3341755-KXYZ/FM -"
CAP_ALTERED = "ZCZC-CIV-LAE-006059+0100-3341755-KXYZ/FM -"

MESSAGE = ("This is a sample tornado warning for the eas-encoder station monitor. "
           "This is only a test.")


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_identities(valid_from: dt.datetime, days: int = 3650
                    ) -> tuple[bytes, bytes, bytes]:
    """A throwaway CA and an alert signer it certified: (CA cert, signer key, signer cert),
    all PEM, valid from ``valid_from`` for ``days``.
    """
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    until = valid_from + dt.timedelta(days=days)
    ca = (x509.CertificateBuilder().subject_name(_name("eas-encoder sample CA"))
          .issuer_name(_name("eas-encoder sample CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(valid_from)
          .not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("eas-encoder sample originator"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(valid_from)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (ca.public_bytes(serialization.Encoding.PEM), _pem_key(key),
            cert.public_bytes(serialization.Encoding.PEM))


def cap_document(header: str, *, key: bytes | None = None, cert: bytes | None = None,
                 reference: dt.datetime = START) -> bytes:
    """The CAP 1.2 (IPAWS profile) alert for ``header``, signed when ``key`` is given."""
    alert = same_to_alert(Header.parse(header), sender="sample@eas-encoder.invalid",
                          reference=reference)
    data = serialize(alert)
    return sign(data, key, cert) if key is not None else data


def alter(document: bytes) -> bytes:
    """The document with its headline changed after signing (the signature must fail)."""
    return document.replace(b"<headline>", b"<headline>ALTERED ", 1)


def transmission(header: str, message: np.ndarray | None) -> np.ndarray:
    """One whole transmission (headers, attention signal, message, EOMs) at :data:`FS`."""
    return encode_transmission(header, fs=FS, message=message, lead_in_seconds=0,
                               tail_seconds=0).samples


def spoken(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng, else a quiet 1 s tone standing in for it."""
    try:
        return synthesize(text, FS)
    except EncodeError as exc:
        print(f"no spoken message ({exc}); a tone stands in for it")
        t = np.arange(FS) / FS
        return (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def programme(parts: list[tuple[float, np.ndarray | None]]) -> np.ndarray:
    """Silence of the given seconds before each transmission, and 2 s at the end."""
    out = []
    for pause, tx in parts:
        out.append(np.zeros(int(pause * FS), dtype=np.float32))
        if tx is not None:
            out.append(tx)
    out.append(np.zeros(2 * FS, dtype=np.float32))
    return np.concatenate(out)


def make(directory: Path, *, start: dt.datetime = START) -> dict[str, Path]:
    """Write the sample station files into ``directory``; return their paths by role."""
    directory.mkdir(parents=True, exist_ok=True)
    cap = directory / "cap"
    cap.mkdir(exist_ok=True)
    for old in cap.glob("*.xml"):
        old.unlink()
    message = spoken(MESSAGE)
    lp1 = programme([(2, transmission(TORNADO, message)), (3, transmission(EXPIRED, None))])
    lp2 = programme([(8, transmission(TORNADO, message)), (3, transmission(ELSEWHERE, None))])
    paths = {"lp1": directory / "lp1.flac", "lp2": directory / "lp2.flac"}
    write_audio(paths["lp1"], lp1, FS)
    write_audio(paths["lp2"], lp2, FS)
    ca, key, cert = make_identities(start - dt.timedelta(days=30))
    paths["ca"] = directory / "ca.pem"
    paths["ca"].write_bytes(ca)
    docs = {"signed-miami-dade.xml": cap_document(CAP_ELSEWHERE, key=key, cert=cert,
                                                  reference=start),
            "unsigned.xml": cap_document(CAP_UNSIGNED, reference=start),
            "altered.xml": alter(cap_document(CAP_ALTERED, key=key, cert=cert,
                                              reference=start))}
    for name, data in docs.items():
        (cap / name).write_bytes(data)
    return paths


def main() -> None:
    for role, path in make(HERE / "station").items():
        print(f"{role}: {path.relative_to(HERE.parent)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
