"""Fuzz targets: one per entry point, shared by ``tests/fuzz`` and ``benchmarks/fuzz_long.py``.

A target is a function ``run(data: bytes) -> None`` that feeds one input to an entry point and
checks what comes back. It may raise only the error classes the entry point documents (listed
in :attr:`Target.allowed`); anything else escaping, including an ``AssertionError`` from a
broken invariant, is a finding. Each target also has ``generate(rng) -> bytes``, which makes
inputs a plain random byte string would rarely reach: mutated valid inputs and structure-aware
variants, so the checks past the first length test get exercised.
"""

from __future__ import annotations

import atexit
import io
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np

from eas_encoder.errors import AudioError, CapError, CbsError, DecodeError, HeaderError

from .mutate import mutate_bytes

__all__ = ["Target", "TARGETS", "target", "HEADER_SEEDS", "audio_seeds", "cap_seed",
           "cbs_seeds", "HOSTILE_XML", "receiver_input", "RATES", "DTYPES", "NO_HEADER"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Target:
    """One fuzzed entry point.

    Attributes:
        name: short id printed by the long run.
        run: feeds one input to the entry point (in each of its forms), catching the
            ``allowed`` errors; returns True when the primary call (listed first in the
            run) refused the input with one. Anything else escapes.
        generate: makes one structured or mutated input from a seeded ``Random``.
        allowed: the documented error classes of the entry point.
    """

    name: str
    run: Callable[[bytes], bool]
    generate: Callable[[random.Random], bytes]
    allowed: tuple[type[BaseException], ...]


# --- SAME header ----------------------------------------------------------------------------

HEADER_SEEDS = (
    "ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-",
    "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -",
    "ZCZC-EAS-RWT-000000+0015-0011200-WABC    -",
    "ZCZC-PEP-EAN-000000+0600-1231200-WHITEHSE-",
    "NNNN",
)
_HEADER_PIECES = {
    "org": ("WXR", "CIV", "EAS", "PEP", "XXX", "wxr", "EA", "EASS", "", "W-R"),
    "event": ("TOR", "CAE", "RWT", "DMO", "EAN", "ZZZ", "TO", "", "T0R", "SVR"),
    "loc": ("029095", "000000", "999000", "106037", "956000", "02909", "0290950", "AB1234",
            "", "9", "029-95"),
    "tttt": ("0015", "0030", "0130", "0017", "9930", "0000", "+015", "00 15", "", "9999"),
    "time": ("3330800", "0010000", "3662359", "3672400", "0000000", "3331260", "333080",
             "33308000", ""),
    "station": ("KEAX/NWS", "WABC    ", "KXYZ/FM ", "K", "", "TOOLONGID", "KE-X/NWS",
                "kxyz/fm ", "\t\t\t\t\t\t\t\t"),
    "tail": ("-", "", "--", "- ", "-ZCZC", "-\x00", "-\xff", "-\u00e9"),
}


_REFERENCE = datetime(2026, 6, 1, tzinfo=UTC)
"""The time near which fuzzed headers' years are inferred (the library reads no clock)."""

def _piece(rng: random.Random, kind: str) -> str:
    # The first entries of each list are legal (the tail's first only); favouring them keeps
    # most headers one fault away from valid, where the interesting decisions are.
    choices = _HEADER_PIECES[kind]
    legal = 1 if kind == "tail" else 3
    return rng.choice(choices[:legal] if rng.random() < 0.75 else choices)


def _header_generate(rng: random.Random) -> bytes:
    # Half the inputs keep the ZCZC-ORG-EEE-LOC+TTTT-JJJHHMM-STATION- shape with odd pieces, so
    # the per-field checks run; the other half are byte mutations of known-good headers.
    if rng.random() < 0.5:
        p = {k: _piece(rng, k) for k in _HEADER_PIECES}
        locs = "-".join(_piece(rng, "loc") for _ in range(rng.choice((1, 2, 3, 31, 32, 40))))
        text = (f"ZCZC-{p['org']}-{p['event']}-{locs}+{p['tttt']}-{p['time']}-"
                f"{p['station']}{p['tail']}")
        return text.encode("utf-8")
    seed = rng.choice(HEADER_SEEDS).encode("ascii")
    return mutate_bytes(seed, rng)


def _header_run(data: bytes) -> bool:
    from eas_encoder.same.describe import describe_header
    from eas_encoder.same.header import EndOfMessage, Header, parse_message

    # Both the bytes form (checked for ASCII) and a text form (any code point) are entry points.
    forms: list[str | bytes] = [data, data.decode("latin-1"), data.decode("utf-8", "replace")]
    refused: list[bool] = []
    for text in forms:
        for lenient in (False, True):
            try:
                header = Header.parse(text, lenient=lenient)
            except HeaderError:
                refused.append(True)
            else:
                refused.append(False)
                wire = str(header)
                # Nothing invented: an accepted header prints back as text that re-parses to
                # the same header; in strict mode it is the very text that came in.
                assert Header.parse(wire, lenient=lenient) == header, wire
                if not lenient:
                    as_text = text.decode("ascii") if isinstance(text, bytes) else text
                    assert wire == as_text, (wire, as_text)
                assert isinstance(describe_header(header, _REFERENCE), str)
            try:
                message = parse_message(text, lenient=lenient)
            except HeaderError:
                pass
            else:
                assert isinstance(message, Header | EndOfMessage)
    return refused[0]


# --- CAP ------------------------------------------------------------------------------------

HOSTILE_XML = {
    "billion_laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else
                                                     b"&lol;") * 10) for i in range(1, 10))
        + b']>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
          b"<identifier>&lol9;</identifier></alert>\n"),
    "xxe_file": (
        b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier>'
        b"</alert>\n"),
    "xxe_parameter": (
        b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY % p SYSTEM "file:///etc/passwd">'
        b' %p;]>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>\n'),
    "xinclude": (
        b'<?xml version="1.0"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2" '
        b'xmlns:xi="http://www.w3.org/2001/XInclude"><identifier>'
        b'<xi:include href="file:///etc/passwd" parse="text"/></identifier></alert>\n'),
    "deep_nesting": (
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + b"<a>" * 5000
        + b"</a>" * 5000 + b"</alert>"),
    "quadratic_blowup": (
        b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY a "' + b"x" * 50000 + b'">]>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>'
        + b"&a;" * 2000 + b"</identifier></alert>\n"),
}
"""Classic XML attacks, each of which a safe CAP reader must refuse without expanding or
fetching anything."""

_NASTY_TEXT = ("", " ", "\u202e", "\U0001F6A8" * 50, "<", "&amp;", "]]>", "x" * 70000, "0",
               "-1", "NaN", "1e999", "2026-02-30T00:00:00-00:00", "9999-12-31T23:59:59+14:00",
               "0001-01-01T00:00:00+00:00", "2026-03-14T19:05:00Z", "SAME", "EAS-ORG",
               "000000 999999", "1,2 3,4 1,2", "91,181 0,0 91,181 0,0", "a,b c,d",
               "33.9,-118.3 33.9,-118.3 33.9,-118.3 33.9,-118.3", "0,0 0", "\x7f", "ZCZC",
               "http://", "file:///etc/passwd", "Actual", "Test", "Cancel")


@cache
def cap_seed() -> bytes:
    """The project's synthetic IPAWS AMBER alert, the seed all CAP mutations start from."""
    return (PROJECT_ROOT / "samples" / "cap_amber_ipaws.xml").read_bytes()


def _cap_structural(rng: random.Random) -> bytes:
    from lxml import etree

    root = etree.fromstring(cap_seed())
    for _ in range(rng.randint(1, 4)):
        elements = list(root.iter())
        el = rng.choice(elements)
        action = rng.randrange(6)
        if action == 0:
            el.text = rng.choice(_NASTY_TEXT)
        elif action == 1 and el is not root:
            el.getparent().remove(el)
        elif action == 2 and el is not root:
            el.addnext(etree.fromstring(etree.tostring(el)))
        elif action == 3:
            etree.SubElement(el, rng.choice((el.tag, "{urn:x}foreign", "info", "area")))
        elif action == 4:
            el.set(rng.choice(("id", "{http://www.w3.org/XML/1998/namespace}lang")),
                   rng.choice(_NASTY_TEXT[:8]))
        elif el is not root:
            # Swap two siblings: breaks schema order without breaking well-formedness.
            nxt = el.getnext()
            if nxt is not None:
                nxt.addnext(el)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=rng.random() < 0.5)


def _cap_generate(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.5:
        return _cap_structural(rng)
    if roll < 0.6:
        return rng.choice(list(HOSTILE_XML.values()))
    return mutate_bytes(cap_seed(), rng, max_rounds=3)


def _cap_run(data: bytes) -> bool:
    from eas_encoder.cap import rules, xml

    for profile in ("cap", "ipaws", "ecig"):
        # validate() documents no content exception at all: hostile XML becomes a finding.
        findings = rules.validate(data, profile)
        assert all(isinstance(str(f), str) for f in findings)
    try:
        alert = xml.parse(data)
    except CapError:
        return True
    # Nothing invented or lost: the documented round trip parse(serialize(a)) == a.
    again = xml.parse(xml.serialize(alert))
    assert again == alert, "CAP parse(serialize(a)) != a"
    try:
        from eas_encoder.cap.bridge import alert_to_same
    except ImportError:  # the bridge is optional in a partial build
        return False
    try:
        activation = alert_to_same(alert, station="KXYZ/FM", allow_test=True)
    except (CapError, HeaderError):
        return False
    assert str(activation.header).startswith("ZCZC-")
    return False


# --- cell broadcast -------------------------------------------------------------------------

@cache
def cbs_seeds() -> tuple[bytes, ...]:
    """Valid GSM pages and UMTS messages in GSM 7-bit and UCS-2, built by the encoder."""
    from eas_encoder.cbs.pdu import CbsMessage

    seeds: list[bytes] = []
    for text, ident, lang in (("Presidential Alert: test of the system.", 4370, None),
                              ("Extreme alert " * 12, 4371, "en"),
                              ("Alerta: prueba \u00e1\u00e9\u00ed\u00f3\u00fa \u20ac", 4383,
                               "es"),
                              ("\u8b66\u5831 \u6e2c\u8a66", 4370, None)):
        msg = CbsMessage.from_text(text, ident, language=lang)
        seeds.extend(msg.to_gsm_pdus())
        seeds.append(msg.to_umts_pdu())
    return tuple(seeds)


def _cbs_generate(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.15:
        # Right sizes, random content: reaches DCS and page-parameter handling.
        size = rng.choice((88, 7 + 83, 7 + 2 * 83, 7 + 15 * 83))
        return bytes(rng.randrange(256) for _ in range(size))
    seed = rng.choice(cbs_seeds())
    if roll < 0.6:
        # Same length, a few octets changed: the length check passes, the fields do not.
        data = bytearray(seed)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    return mutate_bytes(seed, rng)


def _cbs_run(data: bytes) -> bool:
    from eas_encoder.cbs import pdu

    refused: list[bool] = []
    for call in (lambda: pdu.decode(data), lambda: pdu.decode_umts(data),
                 lambda: pdu.decode_gsm_page(data)):
        try:
            message = call()
        except CbsError:
            refused.append(True)
            continue
        refused.append(False)
        assert isinstance(message.text, str)
    if len(data) >= 88 and len(data) % 88 == 0:
        # Several GSM pages in one list, the multi-page reassembly path.
        pages = [data[i:i + 88] for i in range(0, len(data), 88)]
        try:
            pdu.decode(pages)
        except CbsError:
            pass
    return refused[0]


# --- audio reader ---------------------------------------------------------------------------

@cache
def audio_seeds() -> tuple[bytes, ...]:
    """Short valid files in the formats and sample types the reader meets in practice."""
    import soundfile as sf

    t = np.arange(800) / 8000.0
    tone = (0.5 * np.sin(2 * np.pi * 1562.5 * t)).astype(np.float32)
    stereo = np.stack([tone, np.zeros_like(tone)], axis=1)
    out = []
    for data, fs, fmt, subtype in ((tone, 8000, "WAV", "PCM_16"), (tone, 8000, "WAV", "PCM_U8"),
                                   (tone, 8000, "WAV", "FLOAT"), (stereo, 8000, "WAV", "PCM_24"),
                                   (tone, 8000, "FLAC", "PCM_16"), (stereo, 8000, "FLAC",
                                                                    "PCM_24")):
        buf = io.BytesIO()
        sf.write(buf, data, fs, format=fmt, subtype=subtype)
        out.append(buf.getvalue())
    return tuple(out)


_scratch_dir: Path | None = None


def _scratch() -> Path:
    # One private directory per process, removed at exit, so the long run does not create a
    # hundred thousand temporary files and parallel runs do not collide.
    global _scratch_dir
    if _scratch_dir is None:
        _scratch_dir = Path(tempfile.mkdtemp(prefix="eas-fuzz-"))
        atexit.register(shutil.rmtree, _scratch_dir, True)
    return _scratch_dir


def _audio_generate(rng: random.Random) -> bytes:
    seed = rng.choice(audio_seeds())
    # Sometimes keep the 12-byte RIFF/fLaC preamble so the mutation reaches chunk parsing.
    return mutate_bytes(seed, rng, protect=12 if rng.random() < 0.5 else 0)


def _audio_run(data: bytes) -> bool:
    from eas_encoder.audio import read_audio, to_mono

    path = _scratch() / f"in-{os.getpid()}.wav"
    path.write_bytes(data)
    try:
        samples, fs = read_audio(path)
    except AudioError:
        return True
    assert isinstance(fs, int) and fs >= 1, fs
    assert samples.ndim == 2 and samples.dtype == np.float32, (samples.shape, samples.dtype)
    mono = to_mono(samples)
    assert mono.shape == (len(samples),)
    assert np.all(np.isfinite(mono)), "to_mono let NaN or infinity through"
    return False


# --- receiver -------------------------------------------------------------------------------

RATES = (8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000)
DTYPES = ("<f4", "<i2", "u1", "<f8", "<i4")
NO_HEADER = 255
"""Receiver inputs are ``[rate index, dtype index, true-header index] + sample bytes``: the
prefix tells the target how to read the samples and which header, if any, may be reported
(``NO_HEADER``: none may)."""


def receiver_input(samples: np.ndarray, fs: int, dtype: str = "<f4",
                   header_index: int = NO_HEADER) -> bytes:
    """Pack samples into the receiver targets' input format (see ``NO_HEADER``)."""
    return (bytes((RATES.index(fs), DTYPES.index(dtype), header_index))
            + np.asarray(samples).astype(dtype).tobytes())


def _receiver_random_generate(rng: random.Random) -> bytes:
    # Programme-like garbage a receiver meets: extremes, NaN/inf, DC, clipping square waves,
    # pure SAME tones, denormals; short, since decoding time scales with length.
    nrng = np.random.default_rng(rng.getrandbits(32))
    fs = rng.choice(RATES[:6])
    n = rng.choice((0, 1, 2, 100, fs // 10, fs, 3 * fs))
    pick = rng.randrange(7)
    if pick == 0:
        x = nrng.normal(0, rng.choice((1e-6, 0.1, 1.0, 100.0)), n)
    elif pick == 1:
        x = nrng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0, 1e30, 5e-324]), n)
    elif pick == 2:
        x = np.full(n, rng.choice((0.0, 1.0, -1.0, 0.5)))
    elif pick == 3:
        x = np.sign(np.sin(2 * np.pi * rng.uniform(50, 4000) * np.arange(n) / fs))
    elif pick == 4:
        f = rng.choice((1562.5, 2083.333, 853.0, 960.0, 1050.0))
        x = np.sin(2 * np.pi * f * np.arange(n) / fs)
    elif pick == 5:
        from .audio_gen import programme
        kind = rng.choice(("noise", "speech", "music"))
        x = next(programme(kind, max(n, 1) / fs, fs, rng.getrandbits(32)), np.zeros(0))
    else:
        return bytes((RATES.index(fs), rng.randrange(len(DTYPES)), NO_HEADER)) + bytes(
            rng.getrandbits(8) for _ in range(rng.choice((0, 1, 7, 4000))))
    dtype = rng.choice(("<f4", "<f8")) if pick in (0, 1) else rng.choice(DTYPES)
    if dtype[-2] in "iu":
        info = np.iinfo(np.dtype(dtype))
        x = np.clip(np.nan_to_num(x) * info.max, info.min, info.max)
        if dtype == "u1":
            x = x / 2 + 128
    return receiver_input(x, fs, dtype)


def _receiver_mutated_generate(rng: random.Random) -> bytes:
    from .audio_gen import TRUE_HEADERS, corrupt

    fs = rng.choice((8000, 8000, 22050, 48000))
    c = corrupt(np.random.default_rng(rng.getrandbits(32)), fs)
    data = receiver_input(c.samples, fs, "<f4", TRUE_HEADERS.index(c.header))
    if rng.random() < 0.3:
        # Byte damage on top (a dropped or garbled stretch of file, NaN from a flipped
        # exponent); the three-byte prefix stays, so the true header is still known.
        data = mutate_bytes(data, rng, max_rounds=3, protect=3)
    return data


def _receiver_run(data: bytes) -> bool:
    from eas_encoder.same.decoder import HeaderEvent, decode

    from .audio_gen import TRUE_HEADERS

    if len(data) < 3:
        data = data + bytes(3 - len(data))
    fs = RATES[data[0] % len(RATES)]
    dtype = np.dtype(DTYPES[data[1] % len(DTYPES)])
    body = data[3:]
    samples = np.frombuffer(body[: len(body) - len(body) % dtype.itemsize], dtype=dtype)
    allowed = {TRUE_HEADERS[data[2]]} if data[2] < len(TRUE_HEADERS) else set()
    try:
        events = decode(samples, fs)
    except DecodeError:
        return True
    starts = [e.start for e in events]
    assert starts == sorted(starts), "events out of time order"
    invented = [e.text for e in events if isinstance(e, HeaderEvent) and e.text not in allowed]
    # Nothing invented: random audio yields no header, a corrupted transmission only its own.
    assert not invented, f"receiver invented header(s) {invented}"
    return False


# --- registry -------------------------------------------------------------------------------

TARGETS: dict[str, Target] = {
    "header": Target("header", _header_run, _header_generate, (HeaderError,)),
    "cap": Target("cap", _cap_run, _cap_generate, (CapError, HeaderError)),
    "cbs": Target("cbs", _cbs_run, _cbs_generate, (CbsError,)),
    "audio": Target("audio", _audio_run, _audio_generate, (AudioError,)),
    "receiver-random": Target("receiver-random", _receiver_run, _receiver_random_generate,
                              (DecodeError,)),
    "receiver-mutated": Target("receiver-mutated", _receiver_run, _receiver_mutated_generate,
                               (DecodeError,)),
}
"""Every fuzzed entry point by name."""

def target(name: str) -> Target:
    """Look up a target by name (KeyError lists the known ones)."""
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"unknown target {name!r}; known: {', '.join(TARGETS)}") from None
