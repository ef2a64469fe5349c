"""``eas-encoder cap``: validate CAP 1.2, translate CAP <-> SAME, render CAP to WAV, sign, verify.

Exit codes: 0 success (valid / verified), 3 the document is invalid or a signature fails,
2 bad input (unreadable file, hostile XML, an alert that cannot become EAS), as for every
subcommand (``eas_encoder.cli.exit_status_help``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import FORMATS, write_audio
from ..cap.bridge import DEFAULT_LANGUAGE, EasActivation, alert_to_same, same_to_alert
from ..cap.model import DSIG_NS, Alert
from ..cap.rules import PROFILES, validate
from ..cap.signature import MAX_SIGNATURES, sign, verified_alert, verify
from ..cap.xml import DEFAULT_MAX_BYTES, parse, serialize
from ..errors import CapError, HeaderError
from ..fileio import write_output
from ..findings import FAIL, counts, fails, worst
from ..message import DEFAULT_RESOURCE_BYTES, ResourcePolicy, alert_message, check_not_nested
from ..same.header import Header
from ..same.transmission import DEFAULT_LEVEL_DBFS, DEFAULT_SAMPLE_RATE, encode_transmission
from ..same.waveform import ATTENTION_DEFAULT_SECONDS
from . import EXIT_CHECK_FAILED
from .encode import NESTED_HINT, check_format_matches_name, parse_issued, warn_if_long
from .text import add_tz_option

_TRUST_SPEC = "47 CFR 11.56(c)"

EXAMPLES = """\
examples:
  eas-encoder cap validate alert.xml --profile ipaws
  eas-encoder cap validate feed/*.xml --json | jq .
  eas-encoder cap to-same alert.xml --station KXYZ/FM
  eas-encoder cap to-wav alert.xml --station KXYZ/FM -o alert.wav
  eas-encoder cap from-same 'ZCZC-CIV-CAE-006037+0200-0740205-KXYZ/FM -' -o amber.xml
  eas-encoder cap sign alert.xml --key key.pem --cert cert.pem -o signed.xml
  eas-encoder cap verify signed.xml --cert cert.pem
  eas-encoder cap verify signed.xml --trust-store ca-bundle.pem
  eas-encoder cap to-same signed.xml --require-signature --trust-store ca-bundle.pem
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``cap`` subcommand and its sub-subcommands."""
    p = sub.add_parser("cap", help="CAP 1.2: validate, CAP <-> SAME, to WAV, sign, verify",
                       description="OASIS CAP 1.2 alerts: validation (schema, CAP rules, "
                                   "IPAWS profile, ECIG), ECIG CAP-to-EAS translation, "
                                   "XML signatures.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    cap_sub = p.add_subparsers(dest="cap_command", metavar="ACTION")
    cap_sub.required = True

    v = cap_sub.add_parser("validate", help="check CAP files; exit 3 if any finding fails")
    v.add_argument("files", nargs="+", metavar="FILE", help="CAP XML file(s), - for stdin")
    v.add_argument("--profile", choices=PROFILES, default="cap",
                   help="cap (schema + CAP 1.2 rules), ipaws (cap + IPAWS v1.0), ecig (cap + "
                        "what an ECIG CAP-to-EAS device needs; not the IPAWS rules, so it can "
                        "report less than ipaws); default cap")
    v.add_argument("--json", action="store_true", help="one JSON object per file per line")
    v.add_argument("--quiet", action="store_true", help="print the failing findings only")
    v.set_defaults(func=run_validate)

    t = cap_sub.add_parser("to-same", help="print the SAME header an ECIG device would send")
    _translation_options(t)
    t.add_argument("--text", action="store_true", help="also print the message text")
    t.add_argument("--json", action="store_true", help="print header, text and notes as JSON")
    t.set_defaults(func=run_to_same)

    w = cap_sub.add_parser("to-wav", help="render the CAP alert as a whole EAS transmission")
    _translation_options(w)
    w.add_argument("-o", "--output", required=True, metavar="FILE|-", help="output audio")
    w.add_argument("--rate", type=int, default=DEFAULT_SAMPLE_RATE,
                   help=f"sample rate in Hz (default {DEFAULT_SAMPLE_RATE})")
    w.add_argument("--attention", choices=("eas", "nwr", "none"), default="eas",
                   help="attention signal (default eas)")
    w.add_argument("--attention-seconds", type=float, default=ATTENTION_DEFAULT_SECONDS,
                   metavar="S", help="attention signal length, 8 to 25 s (default 8)")
    w.add_argument("--level", type=float, default=DEFAULT_LEVEL_DBFS, metavar="DBFS",
                   help=f"peak level of tones in dBFS (default {DEFAULT_LEVEL_DBFS:g})")
    w.add_argument("--format", choices=FORMATS, help="default: from the file name, else wav")
    w.add_argument("--voice", help="espeak-ng voice for TTS (default from the info language)")
    w.add_argument("--languages", metavar="LL[,LL...]", default=None,
                   help="speak the info of each language in this order (e.g. en-US,es-US), "
                        "each with its own espeak-ng voice, instead of one language")
    w.add_argument("--allow-nested", action="store_true",
                   help="accept an audio resource that itself contains a SAME header or EOM")
    w.add_argument("--no-message", action="store_true",
                   help="header, attention signal and EOM only (no audio or TTS message)")
    w.add_argument("--resource-dir", metavar="DIR",
                   help="directory whose regular files the alert's relative or file: audio "
                        "resource may name (default: no local file is read)")
    w.add_argument("--fetch-resources", action="store_true",
                   help=f"fetch an http(s) audio resource (10 s timeout, "
                        f"{DEFAULT_RESOURCE_BYTES // 2**20} MiB cap; default: not fetched)")
    w.set_defaults(func=run_to_wav)

    f = cap_sub.add_parser("from-same", help="build an IPAWS-style CAP alert from a header")
    f.add_argument("header", metavar="'ZCZC-...-'", help="SAME header wire text")
    f.add_argument("--sender", default="eas-encoder@localhost", help="CAP sender")
    f.add_argument("--identifier", help="CAP identifier (default built from the header)")
    f.add_argument("--reference", metavar="ISO8601",
                   help="time near the issue time, to infer the year (default now)")
    f.add_argument("--status", default="Actual",
                   choices=("Actual", "Exercise", "System", "Test", "Draft"))
    f.add_argument("--language", default=DEFAULT_LANGUAGE)
    for name in ("headline", "description", "instruction"):
        f.add_argument(f"--{name}", help=f"CAP {name} text")
    f.add_argument("--eas-text", help="EASText parameter (text a device shows verbatim)")
    f.add_argument("-o", "--output", default="-", metavar="FILE|-", help="default stdout")
    f.set_defaults(func=run_from_same)

    s = cap_sub.add_parser("sign", help="add an enveloped RSA-SHA256 XML signature")
    s.add_argument("file", metavar="FILE", help="CAP XML file, - for stdin")
    s.add_argument("--key", required=True, metavar="PEM", help="RSA private key file")
    s.add_argument("--cert", metavar="PEM",
                   help="signer certificate to embed (X509Data), optionally followed by its "
                        "issuing CA certificates in the same file")
    s.add_argument("-o", "--output", default="-", metavar="FILE|-", help="default stdout")
    s.set_defaults(func=run_sign)

    c = cap_sub.add_parser(
        "verify", help="check every signature and the signer's trust; exit 3 unless accepted",
        description="Accepted (exit 0): at least one signature, every signature valid, and "
                    "one signer trusted by --cert or --trust-store (or --allow-untrusted). "
                    f"At most {MAX_SIGNATURES} signatures per document; see "
                    "docs/signatures.md for what a signature must cover.")
    c.add_argument("file", metavar="FILE", help="CAP XML file, - for stdin")
    _trust_options(c)
    c.add_argument("--require-trusted", action="store_true",
                   help="no effect: a trusted signer is required unless --allow-untrusted")
    c.set_defaults(func=run_verify)


def _trust_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("signature trust (47 CFR 11.56(c))")
    g.add_argument("--cert", action="append", default=[], metavar="PEM",
                   help="pinned signer certificate (repeatable): a signature made with its "
                        "key is trusted while it is valid")
    g.add_argument("--trust-store", action="append", default=[], metavar="PEM",
                   help="CA bundle (repeatable): a signer whose certificate chains to one of "
                        "these CAs, every certificate valid, is trusted")
    g.add_argument("--allow-untrusted", action="store_true",
                   help="accept valid signatures whose signer is not trusted (integrity "
                        "checked, identity not)")
    g.add_argument("--allow-sha1", action="store_true", help="accept legacy rsa-sha1/sha1")
    g.add_argument("--at", metavar="ISO8601",
                   help="time certificates must be valid at (default now)")


def _translation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="CAP XML file, - for stdin")
    p.add_argument("--station", metavar="LLLLLLLL",
                   help="this device's station id (default: the alert's EAS-STN-ID)")
    p.add_argument("--language", default=DEFAULT_LANGUAGE,
                   help=f"info language to use (default {DEFAULT_LANGUAGE})")
    p.add_argument("--allow-test", action="store_true",
                   help="translate Test/Exercise alerts with RWT, RMT, NPT or DMO")
    add_tz_option(p)
    add_signature_options(p)


def add_signature_options(p: argparse.ArgumentParser) -> None:
    """``--require-signature`` and the trust options, for a command that acts on an alert."""
    p.add_argument("--require-signature", action="store_true",
                   help="act only on what a valid signature of a trusted signer covers "
                        "(47 CFR 11.56(c)); see the trust options")
    _trust_options(p)


def _trust(args: argparse.Namespace) -> dict[str, Any]:
    return {"trusted_certs": [_pem_file(c, "cert") for c in args.cert],
            "trust_store": [_pem_file(c, "trust-store") for c in args.trust_store],
            "allow_sha1": args.allow_sha1,
            "at": _at(args.at)}


def _at(text: str | None) -> datetime:
    # The clock is read here, at the edge; the signature layer only ever gets a time.
    if not text:
        return datetime.now(UTC)
    try:
        return parse_issued(text)
    except HeaderError as exc:
        raise CapError(exc.rule, field="--at", value=text, spec=_TRUST_SPEC) from None


def load_alert(args: argparse.Namespace, data: bytes) -> Alert:
    """The alert a command acts on: with ``--require-signature``, the verified alert built
    from the bytes its signature covers (47 CFR 11.56(c)); without, the parsed document.

    Raises:
        CapError: the document is refused (unsigned, invalid or untrusted signature, hostile
            XML), or trust options were given without ``--require-signature``.
    """
    if not args.require_signature:
        given = [f"--{n.replace('_', '-')}" for n in ("cert", "trust_store", "allow_untrusted",
                                                      "allow_sha1", "at") if getattr(args, n)]
        if given:
            raise CapError("only apply with --require-signature", field=" ".join(given))
        return parse(data)
    return verified_alert(data, allow_untrusted=args.allow_untrusted, **_trust(args))


def unchecked_signatures(args: argparse.Namespace, alert: Alert) -> list[str]:
    """A note for each command's output when the alert carries signatures nobody checked
    (said, not refused: the operator did not ask for signatures, but learns that what goes out
    was not checked against them).
    """
    if args.require_signature:
        return []
    count = sum(_is_signature(e) for e in alert.extensions)
    if not count:
        return []
    return [f"the alert carries {count} ds:Signature element(s), not checked "
            "(--require-signature checks them and acts only on the signed content)"]


def _is_signature(extension: str) -> bool:
    # Extensions are the serialized foreign children; lxml declares each one's namespace on
    # its own start tag, so the start tag alone tells a ds:Signature.
    start = extension.split(">", 1)[0]
    name = start.lstrip("<").split(None, 1)[0] if start.strip("< ") else ""
    return name.rsplit(":", 1)[-1] == "Signature" and DSIG_NS in start


def read_document(name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of the CAP document ``name`` (``-``: standard input), at most ``max_bytes``.

    This is the edge where CAP files are opened; the CAP layer itself takes bytes. At most
    ``max_bytes + 1`` bytes are ever read, so ``/dev/zero`` or a huge file costs nothing.

    Raises:
        CapError: field ``file`` naming the file: unreadable, or larger than ``max_bytes``.
    """
    label = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(name, "rb") as fh:
                data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise CapError(f"cannot read file: {exc.strerror or exc}", field="file",
                       value=label) from None
    if len(data) > max_bytes:
        limit = (f"{max_bytes // 2**20} MiB" if max_bytes % 2**20 == 0
                 else f"{max_bytes}-byte")
        raise CapError(f"is larger than the {limit} limit for a CAP document", field="file",
                       value=label, spec="CAP 1.2 §3.3.4 (security)")
    return data


_read = read_document


def _write_bytes(dest: str, data: bytes) -> None:
    write_output(dest, data, field="output", error=CapError)


def run_validate(args: argparse.Namespace) -> int:
    """Validate each file; print findings; 3 if any finding of any file fails."""
    status = 0
    for name in args.files:
        findings = validate(_read(name), args.profile)
        invalid = fails(findings)
        status = max(status, EXIT_CHECK_FAILED if invalid else 0)
        tally = counts(findings)
        if args.json:
            print(json.dumps({"file": name, "profile": args.profile, "valid": not invalid,
                              "verdict": worst(findings).value, "counts": tally,
                              "findings": [f.to_dict() for f in findings]}))
            continue
        shown = [f for f in findings if f.verdict is FAIL] if args.quiet else findings
        print(f"{name}: {'invalid' if invalid else 'valid'} ({args.profile}; "
              + ", ".join(f"{tally[v]} {v}" for v in ("fail", "warn", "info")) + ")")
        for f in shown:
            print(f"  {f}")
    return status


def _activation(args: argparse.Namespace,
                alert: Alert | None = None) -> tuple[EasActivation, list[str]]:
    """The translation of the alert, and notes about its signatures."""
    alert = load_alert(args, _read(args.file)) if alert is None else alert
    return alert_to_same(alert, station=args.station, language=args.language,
                         allow_test=args.allow_test, tz=args.tz), \
        unchecked_signatures(args, alert)


def run_to_same(args: argparse.Namespace) -> int:
    """Print the SAME header (and optionally the text) the alert translates to."""
    act, signature_notes = _activation(args)
    notes = [*(str(n) for n in act.notes), *signature_notes]
    if args.json:
        print(json.dumps({"header": str(act.header), "text": act.text,
                          "language": act.language,
                          "audio": act.audio.resource_desc if act.audio else None,
                          "notes": notes}))
        return 0
    print(str(act.header))
    if args.text:
        print(act.text)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def run_to_wav(args: argparse.Namespace) -> int:
    """Translate the alert and render header x3, attention, message, EOM x3 to audio."""
    check_format_matches_name(args.output, args.format)
    alert = load_alert(args, _read(args.file))
    act, signature_notes = _activation(args, alert)
    if args.resource_dir is not None and not Path(args.resource_dir).is_dir():
        raise CapError("is not a directory", field="--resource-dir", value=args.resource_dir)
    policy = ResourcePolicy(resource_dir=None if args.resource_dir is None
                            else Path(args.resource_dir), fetch=args.fetch_resources)
    source, note = "none", ""
    message: np.ndarray | None
    if args.languages and not args.no_message:
        from ..multilingual import multilingual_message

        langs = [x.strip() for x in args.languages.split(",") if x.strip()]
        message = multilingual_message(alert, langs, args.rate, station=args.station,
                                       tz=args.tz)
        act = replace(act, audio=None)
    else:
        message = None
        if not args.no_message:
            spoken = alert_message(act, args.rate, policy=policy, voice=args.voice)
            message, source, note = spoken.samples, spoken.source, spoken.note
    if message is not None:
        if source == "audio resource" and act.audio is not None and not args.allow_nested:
            check_not_nested(message, args.rate, act.audio.resource_desc or "audio resource",
                             field="--message", hint=NESTED_HINT)
        warn_if_long(len(message) / args.rate)
    tx = encode_transmission(act.header, fs=args.rate, attention=args.attention,
                             attention_seconds=args.attention_seconds, message=message,
                             level_dbfs=args.level)
    write_audio(args.output, tx.samples, tx.fs, format=args.format)
    if args.languages and message is not None:
        source = "TTS"
    if note:
        print(f"note: {note}; text-to-speech used", file=sys.stderr)
    print(f"{'<stdout>' if args.output == '-' else args.output}: {tx.duration:.2f} s at "
          f"{tx.fs} Hz, message {source}, {act.header}", file=sys.stderr)
    for note in signature_notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def run_from_same(args: argparse.Namespace) -> int:
    """Write an IPAWS-style CAP alert for the header."""
    header = Header.parse(args.header)
    reference = parse_issued(args.reference if args.reference else "now")
    alert = same_to_alert(header, sender=args.sender, identifier=args.identifier,
                          reference=reference, status=args.status, language=args.language,
                          headline=args.headline, description=args.description,
                          instruction=args.instruction, eas_text=args.eas_text)
    _write_bytes(args.output, serialize(alert))
    return 0


def _pem_file(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CapError(f"cannot read {what} ({exc.strerror})", field=f"--{what}",
                       value=path) from None


def _without_links(text: str) -> str:
    """A library's message without its "See https://... for more details." pointers: the
    user needs what is wrong with the file, not a FAQ of a package they never chose.
    """
    return re.sub(r"\s*See https?://\S+ for more details\.?|\s*\(?https?://\S+\)?", "",
                  text).strip()


def run_sign(args: argparse.Namespace) -> int:
    """Sign the alert and write it."""
    key = _pem_file(args.key, "key")
    cert = _pem_file(args.cert, "cert") if args.cert else None
    try:
        signed = sign(_read(args.file), key, cert)
    except ValueError as exc:
        raise CapError(_without_links(str(exc)) + " (expected a PEM RSA private key and "
                       "certificate, e.g. made by openssl req -x509 -newkey rsa:2048 -nodes "
                       "-keyout key.pem -out cert.pem)", field="--key", value=args.key,
                       spec="CAP 1.2 §3.3.4") from None
    _write_bytes(args.output, signed)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Print one line per signature and the verdict; 0 only if the alert is accepted."""
    result = verify(_read(args.file), **_trust(args))
    if not result.checks:
        print(f"{args.file}: no signature")
        return EXIT_CHECK_FAILED
    for c in result.checks:
        label = ("valid, trusted" if c.trusted else "valid, untrusted") if c.valid \
            else "INVALID"
        who = f" signer {c.signer}" if c.signer else ""
        why = f": {c.reason}" if c.reason else ""
        name = f" {c.signature_id!r}" if c.signature_id else ""
        print(f"{args.file}: signature {c.index + 1}{name} {label}{who}{why}")
    refusal = result.refusal(allow_untrusted=args.allow_untrusted)
    print(f"{args.file}: {'accepted' if refusal is None else 'rejected'}")
    return 0 if refusal is None else EXIT_CHECK_FAILED
