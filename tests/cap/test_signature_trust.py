"""Issue 10, item 1 (47 CFR 11.56(c): a CAP alert whose signature is not valid is rejected).

The reproductions from the issue, written first: signature wrapping, a self-signed certificate
with a trusted-looking CN, malformed signatures that crashed, a document of thousands of
signature copies; then the trust decisions (pinned certificate, CA bundle with chain and
validity dates at an injected time) and the rule that every command acting on a signed alert
acts on exactly the content the signature covers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import signxml

from eas_encoder.cap import signature
from eas_encoder.cap.signature import MAX_SIGNATURES, verified_alert, verify
from eas_encoder.cap.xml import parse
from eas_encoder.cli import main
from eas_encoder.errors import CapError
from tests.fixtures import forgeries
from tests.fixtures.pki import AT, AT_ISO, PKI, chain, pem

ROOT_CA = str(PKI / "root_ca.pem")
ORIGINATOR = str(PKI / "originator.pem")
STATION = ["--station", "KXYZ/FM"]
TRUST = ["--trust-store", ROOT_CA, "--at", AT_ISO]


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return err


# --- the reproductions ----------------------------------------------------------------

def test_wrapped_alert_is_not_valid_trusted(tmp_path: Path, capsys) -> None:
    """Issue 10: the attacker's alert at the root, the genuine signed alert in a foreign
    wrapper, the genuine signature appended: `cap verify --cert --require-trusted` said
    `valid, trusted`, exit 0.
    """
    forged = _file(tmp_path, "forged.xml", forgeries.wrapped_in_foreign_element())
    rc = main(["cap", "verify", forged, "--cert", ORIGINATOR, "--require-trusted",
               "--at", AT_ISO])
    out = capsys.readouterr().out
    assert rc == 3, out
    assert "INVALID" in out and "root" in out, out


@pytest.mark.parametrize("command", [
    ["cap", "to-same"], ["cap", "to-wav", "--no-message", "-o", "{out}"], ["wea"]])
def test_wrapped_alert_is_never_rendered(tmp_path: Path, capfd, command: list[str]) -> None:
    """...and `to-same` / `to-wav` / `wea` then rendered 048201. With --require-signature
    each refuses the forgery in one line and renders nothing.
    """
    forged = _file(tmp_path, "forged.xml", forgeries.wrapped_in_foreign_element())
    args = [a.replace("{out}", str(tmp_path / "x.wav")) for a in command]
    rc = main([*args, forged, *STATION, "--require-signature", "--cert", ORIGINATOR,
               "--at", AT_ISO])
    out, err = capfd.readouterr()
    assert rc == 2, (out, err)
    assert forgeries.FORGED_LOCATION not in out + err and "Harris" not in out + err
    assert "root" in _one_line(err), err
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("command,shown", [
    (["cap", "to-same"], "006059"), (["cap", "to-wav", "--no-message", "-o", "{out}"], "006059"),
    (["wea"], "Orange, CA")])
def test_genuine_signed_alert_is_rendered(tmp_path: Path, capfd, command: list[str],
                                          shown: str) -> None:
    """The control: the genuine alert, signed by a leaf of the trusted CA, goes through."""
    good = _file(tmp_path, "signed.xml", forgeries.signed())
    args = [a.replace("{out}", str(tmp_path / "x.wav")) for a in command]
    rc = main([*args, good, *STATION, "--require-signature", *TRUST])
    out, err = capfd.readouterr()
    assert rc == 0, err
    assert shown in out + err


def test_self_signed_trusted_looking_cn_is_not_accepted(tmp_path: Path, capsys) -> None:
    """Issue 10: a self-signed certificate with a trusted-looking CN exited 0 (`valid,
    untrusted`) when no --cert was given. Valid but untrusted is a failure unless asked.
    """
    impostor = _file(tmp_path, "impostor.xml",
                     signature.sign(forgeries.amber(), pem("impostor.key"), pem("impostor.pem")))
    assert main(["cap", "verify", impostor, "--at", AT_ISO]) == 3
    out = capsys.readouterr().out
    assert "valid, untrusted" in out and "CN=IPAWSOPEN_120009" in out
    assert main(["cap", "verify", impostor, *TRUST]) == 3
    assert "untrusted" in capsys.readouterr().out
    assert main(["cap", "verify", impostor, "--allow-untrusted", "--at", AT_ISO]) == 0
    assert "valid, untrusted" in capsys.readouterr().out


@pytest.mark.parametrize("make,where", [
    (forgeries.empty_signature_value, "SignatureValue"),
    (forgeries.bad_base64_signature_value, "SignatureValue"),
    (forgeries.missing_key_info, "X509Certificate"),
])
def test_malformed_signature_is_a_clean_refusal(tmp_path: Path, capfd, make, where) -> None:
    """Issue 10: an empty ds:SignatureValue was an internal error. Each malformed signature
    is INVALID with the element named, and a one-line refusal where a command needs it.
    """
    doc = _file(tmp_path, "bad.xml", make())
    assert main(["cap", "verify", doc, *TRUST]) == 3
    out, err = capfd.readouterr()
    assert err == "" and "INVALID" in out and where in out, (out, err)
    assert main(["cap", "to-same", doc, *STATION, "--require-signature", *TRUST]) == 2
    out, err = capfd.readouterr()
    assert out == "" and where in _one_line(err)


def test_signature_budget_is_counted_before_any_crypto(monkeypatch) -> None:
    """Issue 10: 4,684 copies of a signature took 542 s in `cap verify`. The count is
    checked before any signature is verified (here 50 copies, so the old code fails fast).
    """
    calls = []
    monkeypatch.setattr(signxml.XMLVerifier, "verify",
                        lambda *a, **k: calls.append(1) or pytest.fail("crypto ran"))
    with pytest.raises(CapError, match=f"50 ds:Signature elements; at most {MAX_SIGNATURES}"):
        verify(forgeries.signature_copies(50), at=AT)
    assert calls == []


def test_signed_bytes_budget_is_counted_before_any_crypto(monkeypatch) -> None:
    """Signatures x document size is bounded too (a 10 MiB alert may carry two)."""
    doc = forgeries.signature_copies(3)
    monkeypatch.setattr(signature, "MAX_SIGNED_BYTES", 3 * len(doc) - 1)
    monkeypatch.setattr(signxml.XMLVerifier, "verify", lambda *a, **k: pytest.fail("crypto"))
    with pytest.raises(CapError, match="bytes \\(signatures x size\\)"):
        verify(doc, at=AT)


def test_signature_budget_allows_the_documented_number() -> None:
    checks = verify(forgeries.signature_copies(MAX_SIGNATURES), trust_store=[pem("root_ca.pem")],
                    at=AT).checks
    assert len(checks) == MAX_SIGNATURES and all(c.valid and c.trusted for c in checks)


# --- what a signature must cover --------------------------------------------------------------

@pytest.mark.parametrize("make,reason", [
    (forgeries.wrapped_in_foreign_element, "not the root"),
    (forgeries.wrapped_in_object, "not the root"),
    (forgeries.two_references, "2 References"),
    (forgeries.xpath_transform, "Transform"),
])
def test_reference_must_cover_the_whole_alert(make, reason) -> None:
    result = verify(make(), trusted_certs=[pem("originator.pem")], at=AT)
    [check] = result.checks
    assert not check.valid and reason in check.reason, check
    assert result.alert is None and not result.accepted()
    with pytest.raises(CapError, match=reason):
        verified_alert(make(), trusted_certs=[pem("originator.pem")], at=AT)


def test_duplicate_ids_refused() -> None:
    with pytest.raises(CapError, match="Id 'a1' appears 2 times"):
        verify(forgeries.duplicate_id(), trusted_certs=[pem("originator.pem")], at=AT)


def test_signature_outside_the_alert_children_refused() -> None:
    data = forgeries.signed().replace(b"<ds:Signature ", b"<info><ds:Signature ", 1) \
        .replace(b"</ds:Signature>", b"</ds:Signature></info>", 1)
    with pytest.raises(CapError, match="child of alert"):
        verify(data, at=AT)


def test_id_reference_to_the_root_is_accepted() -> None:
    result = verify(forgeries.signed_by_id(), trust_store=[pem("root_ca.pem")], at=AT)
    assert result.accepted() and result.checks[0].trusted
    assert result.alert == parse(forgeries.amber())


# --- the verified alert is what was signed -----------------------------------------------------

def test_verify_returns_the_alert_built_from_the_signed_bytes() -> None:
    result = verify(forgeries.signed(), trust_store=[pem("root_ca.pem")], at=AT)
    assert result.accepted()
    assert result.alert == parse(forgeries.amber())  # no ds:Signature among its extensions
    assert result.signed_data is not None and parse(result.signed_data) == result.alert


def test_commands_act_on_the_verified_alert(tmp_path: Path, monkeypatch, capsys) -> None:
    """to-same is handed the verified object (built from the signed bytes: it holds no
    ds:Signature), never a re-parse of the file (which would carry the signature).
    """
    import eas_encoder.cli.cap as cli_cap

    seen = []
    real = cli_cap.alert_to_same
    monkeypatch.setattr(cli_cap, "alert_to_same", lambda alert, **k: seen.append(alert)
                        or real(alert, **k))
    good = _file(tmp_path, "signed.xml", forgeries.signed())
    assert main(["cap", "to-same", good, *STATION, "--require-signature", *TRUST]) == 0
    [alert] = seen
    assert alert == parse(forgeries.amber()) and alert != parse(Path(good).read_bytes())


# --- trust decisions ------------------------------------------------------------------------

def test_trust_store_chain_and_dates() -> None:
    store = [pem("root_ca.pem")]
    [ok] = verify(forgeries.signed(), trust_store=store, at=AT).checks
    assert ok.valid and ok.trusted and ok.signer == "CN=Test Originator,O=eas-encoder tests"
    [late] = verify(forgeries.signed(), trust_store=store, at=datetime(2037, 1, 1, tzinfo=UTC)
                    ).checks
    assert late.valid and not late.trusted and "not valid at" in late.reason
    [old] = verify(forgeries.signed("expired"), trust_store=store, at=AT).checks
    assert old.valid and not old.trusted and "not valid at" in old.reason
    leaf_only = signature.sign(forgeries.amber(), pem("originator.key"), pem("originator.pem"))
    [partial] = verify(leaf_only, trust_store=store, at=AT).checks
    assert partial.valid and not partial.trusted and "trust store" in partial.reason
    # The issuing CA in the bundle completes the chain.
    [whole] = verify(leaf_only, trust_store=[pem("root_ca.pem") + pem("intermediate.pem")],
                     at=AT).checks
    assert whole.trusted


def test_pinned_certificate() -> None:
    [ok] = verify(forgeries.signed(), trusted_certs=[pem("originator.pem")], at=AT).checks
    assert ok.valid and ok.trusted
    [other] = verify(forgeries.signed(), trusted_certs=[pem("impostor.pem")], at=AT).checks
    assert other.valid and not other.trusted and "--cert" in other.reason
    [late] = verify(forgeries.signed(), trusted_certs=[pem("originator.pem")],
                    at=datetime(2036, 6, 1, tzinfo=UTC)).checks
    assert late.valid and not late.trusted and "not valid at" in late.reason


def test_untrusted_needs_allow_untrusted() -> None:
    doc = forgeries.signed()
    with pytest.raises(CapError, match="untrusted"):
        verified_alert(doc, at=AT)
    assert verified_alert(doc, at=AT, allow_untrusted=True) == parse(forgeries.amber())


def test_tampered_alert_is_invalid_even_when_untrusted_is_allowed() -> None:
    with pytest.raises(CapError, match="INVALID"):
        verified_alert(forgeries.tampered_location(), at=AT, allow_untrusted=True)


def test_cli_trust_store_and_dates(tmp_path: Path, capsys) -> None:
    good = _file(tmp_path, "signed.xml", forgeries.signed())
    assert main(["cap", "verify", good, *TRUST]) == 0
    assert "valid, trusted signer CN=Test Originator" in capsys.readouterr().out
    assert main(["cap", "verify", good, "--trust-store", ROOT_CA,
                 "--at", "2040-01-01T00:00:00Z"]) == 3
    assert "valid, untrusted" in capsys.readouterr().out
    chain_file = _file(tmp_path, "chain.pem", chain("originator"))
    assert main(["cap", "verify", good, "--cert", chain_file, "--at", AT_ISO]) == 0


def test_wea_reads_a_cap_document_within_the_size_limit(capsys) -> None:
    """The wea command read its CAP file whole (``wea /dev/zero`` never returned); now at
    most the CAP size limit plus one byte is read and the rest refused in one line.
    """
    assert main(["wea", "/dev/zero", "--require-signature", *TRUST]) == 2
    assert "larger than" in _one_line(capsys.readouterr().err)


def test_unchecked_signatures_are_said(tmp_path: Path, capsys) -> None:
    """Without --require-signature the forgery still translates (nothing was asked), but the
    operator is told its signature was not checked.
    """
    forged = _file(tmp_path, "forged.xml", forgeries.wrapped_in_foreign_element())
    assert main(["cap", "to-same", forged, *STATION]) == 0
    captured = capsys.readouterr()
    assert forgeries.FORGED_LOCATION in captured.out
    assert "1 ds:Signature element(s), not checked" in captured.err
    assert main(["wea", forged, *STATION]) == 0
    assert "note: the alert carries 1 ds:Signature" in capsys.readouterr().out
    assert main(["cap", "to-same", str(forgeries.AMBER), *STATION]) == 0
    assert capsys.readouterr().err == ""


def test_sign_output_replaces_a_symlink_without_following_it(tmp_path: Path) -> None:
    """Issue 10 item 7: `cap sign -o` followed a symlink at the destination (and wrote in
    place); through the atomic writer the link is replaced and its target left alone.
    """
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "signed.xml"
    link.symlink_to(target)
    alert = _file(tmp_path, "alert.xml", forgeries.amber())
    assert main(["cap", "sign", alert, "--key", str(PKI / "originator.key"),
                 "--cert", ORIGINATOR, "-o", str(link)]) == 0
    assert target.read_text() == "keep me" and not link.is_symlink()
    assert verify(link.read_bytes(), trusted_certs=[pem("originator.pem")], at=AT).accepted()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alert.xml", "precious.txt",
                                                          "signed.xml"]


def test_trust_store_refuses_a_signer_whose_key_usage_forbids_signing() -> None:
    """A certificate issued for key encipherment only is no signer, whatever chain it has."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.fixtures.pki import make_pki

    ca_key, leaf_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                        for _ in range(2))
    ca = make_pki._cert("Throwaway CA", ca_key, None, 2026, 2030, ca=True)
    usage = x509.KeyUsage(digital_signature=False, content_commitment=False,
                          key_encipherment=True, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    leaf = (x509.CertificateBuilder().subject_name(make_pki._name("Encipher Only"))
            .issuer_name(ca.subject).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(ca.not_valid_before_utc).not_valid_after(ca.not_valid_after_utc)
            .add_extension(usage, critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem_key = leaf_key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    doc = signature.sign(forgeries.amber(), pem_key,
                         leaf.public_bytes(serialization.Encoding.PEM))
    [check] = verify(doc, trust_store=[ca], at=AT).checks
    assert check.valid and not check.trusted and "KeyUsage" in check.reason, check


def test_bad_at_is_named(tmp_path: Path, capsys) -> None:
    good = _file(tmp_path, "signed.xml", forgeries.signed())
    assert main(["cap", "verify", good, "--cert", ORIGINATOR, "--at", "2026-06-01T00:00"]) == 2
    assert "--at '2026-06-01T00:00': has no time zone" in _one_line(capsys.readouterr().err)
