"""Generate the hostile-input corpus deterministically.

Run ``python tests/corpus/make_corpus.py [DIR]``.

Every file named in ``MANIFEST.csv`` is made here from a formula (seeded noise, the project's
own encoder, hand-written bytes), so the corpus can be rebuilt and checked anywhere. Files up
to :data:`COMMIT_LIMIT` bytes are committed beside this script; larger ones (192 kHz audio,
the 10 MiB-plus XML) are listed in ``.gitignore`` and made at test time by
``tests/test_corpus.py``. The expected outcome of each file lives in ``MANIFEST.csv``, not
here: this script only makes inputs.
"""

from __future__ import annotations

import io
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":  # run as a script: make the project importable
    sys.path[:0] = [str(HERE.parents[1] / "src"), str(HERE.parents[1])]

from tests.fixtures.forgeries import CORPUS as SIGNED  # noqa: E402
from tests.fuzz.audio_gen import programme, transmission  # noqa: E402
from tests.fuzz.targets import HOSTILE_XML, cap_seed  # noqa: E402

__all__ = ["FILES", "COMMIT_LIMIT", "build", "make"]

COMMIT_LIMIT = 200_000
"""Largest file committed to the repository; bigger ones are generated when needed."""

TOR = "ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-"
CAE = "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -"


def _alert(fs: int = 8000, header: str = TOR, eom: bool = False) -> np.ndarray:
    return np.array(transmission(header, fs, eom=eom)[0], dtype=np.float32)


def _file(data: np.ndarray, fs: int, fmt: str = "WAV", subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, data, fs, format=fmt, subtype=subtype)
    return buf.getvalue()


def _float_wav(x: np.ndarray, fs: int) -> bytes:
    """Mono IEEE-float WAV written by hand: libsndfile's float WAVs carry a PEAK chunk with
    the time of writing, which would make the corpus differ on every rebuild.
    """
    data = np.asarray(x, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", 3, 1, fs, 4 * fs, 4, 32, 0)
    fact = struct.pack("<I", len(x))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact"
            + struct.pack("<I", 4) + fact + b"data" + struct.pack("<I", len(data)) + data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _wav16(fs: int = 8000, header: str = TOR) -> bytes:
    return _file(_alert(fs, header), fs)


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    out[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


# --- audio ----------------------------------------------------------------------------------

def _float_nan_inf() -> bytes:
    # NaN and +/-inf in the silences between bursts and one NaN run inside the lead-in: a
    # reader must pass them on and the receiver must not let them poison its filters.
    x = _alert()
    _, segments = transmission(TOR, 8000, eom=False)
    x[10:400] = np.nan
    for a, b in zip(segments, segments[1:], strict=False):
        gap = np.arange(a.end + 100, b.start - 100, 37)
        x[gap] = np.where(gap % 2, np.inf, -np.inf)
        x[gap + 1] = np.nan
    return _float_wav(x, 8000)


def _stereo_one_channel() -> bytes:
    x = _alert()
    return _file(np.stack([np.zeros_like(x), x], axis=1), 8000)


def _two_gb_claim() -> bytes:
    # A real five-second file whose RIFF and data sizes claim 2 GiB: the reader must read
    # what is there rather than allocate what is claimed.
    data = _wav16()
    return _patch(_patch(data, 4, "<I", 0xFFFFFFF0), 40, "<I", 0x7FFFFFF0)


def _programme_wav(kind: str) -> Callable[[], bytes]:
    def make() -> bytes:
        return _file(next(programme(kind, 5.0, 8000, seed=7)), 8000)
    return make


AUDIO: dict[str, Callable[[], bytes]] = {
    "audio/zero_length.wav": lambda: b"",
    "audio/riff_only.wav": lambda: _wav16()[:12],
    "audio/truncated_header.wav": lambda: _wav16()[:30],
    "audio/truncated_in_third_burst.wav": lambda: _wav16()[: 44 + 2 * 36000],
    "audio/truncated_in_first_burst.wav": lambda: _wav16()[: 44 + 2 * 4000],
    "audio/header_no_samples.wav": lambda: _file(np.zeros(0, np.float32), 8000),
    "audio/text_named_wav.wav": lambda: b"This is not audio, whatever its name says.\n" * 20,
    "audio/flac_named_wav.wav": lambda: _file(_alert(), 8000, "FLAC"),
    "audio/wav_named_flac.flac": lambda: _wav16(),
    "audio/damaged_mp3.mp3": lambda: b"\xff\xfb\x90\x00" * 300,
    "audio/pcm_u8.wav": lambda: _file(_alert(), 8000, subtype="PCM_U8"),
    "audio/float_nan_inf.wav": _float_nan_inf,
    "audio/float_all_nan.wav": lambda: _float_wav(np.full(8000, np.nan), 8000),
    "audio/float_huge.wav": lambda: _float_wav(3e38 * np.sign(np.sin(np.arange(8000.0))),
                                               8000),
    "audio/stereo_signal_right_only.wav": _stereo_one_channel,
    "audio/rate_8000.wav": lambda: _wav16(8000, CAE),
    "audio/rate_192000.wav": lambda: _wav16(192000, CAE),
    "audio/rate_1hz_claim.wav": lambda: _patch(_patch(_wav16(), 24, "<I", 1), 28, "<I", 2),
    "audio/rate_zero_claim.wav": lambda: _patch(_wav16(), 24, "<I", 0),
    "audio/channels_65535_claim.wav": lambda: _patch(_wav16(), 22, "<H", 65535),
    "audio/data_size_2gb_claim.wav": _two_gb_claim,
    "audio/noise.wav": _programme_wav("noise"),
    "audio/speech_like.wav": _programme_wav("speech"),
    "audio/music_like.wav": _programme_wav("music"),
}

# --- CAP XML --------------------------------------------------------------------------------

def _oversize() -> bytes:
    # Just over the parser's 10 MiB limit, made of harmless padding inside a comment.
    seed = cap_seed()
    return seed.replace(b"<alert", b"<!--" + b"x" * (10 * 1024 * 1024) + b"-->\n<alert", 1)


_PE_DOCTYPE = ('<!DOCTYPE alert [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
               '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>\n')


def _utf7_doctype() -> bytes:
    # '<', '>', '!' and '%' written as UTF-7 base64 runs: no byte reads "<!DOCTYPE".
    coded = {"<": "+ADw-", ">": "+AD4-", "!": "+ACE-", "%": "+ACU-"}
    body = "".join(coded.get(c, c) for c in _PE_DOCTYPE)
    return b'<?xml version="1.0" encoding="UTF-7"?>\n' + body.encode("ascii")


def _declared(encoding: str, codec: str) -> bytes:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{_PE_DOCTYPE}'.encode(codec)


def _nested(depth: int) -> bytes:
    return (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + b"<a>" * depth
            + b"</a>" * depth + b"</alert>")


CAP: dict[str, Callable[[], bytes]] = {
    **{f"cap/{name}.xml": (lambda data=data: data) for name, data in HOSTILE_XML.items()},
    "cap/empty.xml": lambda: b"",
    "cap/not_xml.xml": lambda: b"ZCZC-WXR-TOR-029095+0030-3330800-KEAX/NWS-\n",
    "cap/unclosed.xml": lambda: cap_seed()[: len(cap_seed()) // 2],
    "cap/wrong_namespace.xml": lambda: cap_seed().replace(b"emergency:cap:1.2",
                                                          b"emergency:cap:9.9"),
    "cap/nul_byte.xml": lambda: cap_seed().replace(b"<status>", b"<status>\x00", 1),
    "cap/oversize.xml": _oversize,
    "cap/utf7_doctype.xml": _utf7_doctype,
    "cap/utf32_bom_doctype.xml": lambda: _declared("UTF-32", "utf-32"),
    "cap/utf32le_no_bom_doctype.xml": lambda: _declared("UTF-32", "utf-32-le"),
    "cap/utf32be_no_bom_doctype.xml": lambda: _declared("UTF-32BE", "utf-32-be"),
    "cap/ebcdic_doctype.xml": lambda: _declared("IBM037", "cp037"),
    "cap/utf16le_no_bom_doctype.xml": lambda: _declared("UTF-16LE", "utf-16-le"),
    "cap/deep_100000.xml": lambda: _nested(100_000),
    "cap/html_open_tag_200k_spaces.xml": lambda: cap_seed().replace(
        b"</description>", b"&lt;a" + b" " * 200_000 + b"</description>", 1),
    "cap/polygon_digit_run.xml": lambda: cap_seed().replace(
        b"<areaDesc>", b"<polygon>" + b"1" * 250_000 + b" 0,0 0,1 1,1</polygon><areaDesc>", 1),
    "cap/nodes_over_budget.xml": lambda: cap_seed().replace(
        b"</info>", b"<parameter/>" * 100_001 + b"</info>", 1),
    "cap/valid_amber.xml": cap_seed,
}

# --- SAME header text -----------------------------------------------------------------------

# Whole-state codes of 32 real states (FIPS 03, 07 and 14 are unassigned, hence the gaps).
_STATES = ("01 02 04 05 06 08 09 10 11 12 13 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 "
           "31 32 33 34 35").split()
_LOC31 = "-".join(f"0{s}000" for s in _STATES[:31])
_LOC32 = "-".join(f"0{s}000" for s in _STATES)

HEADERS: dict[str, Callable[[], bytes]] = {
    "headers/valid.txt": lambda: TOR.encode(),
    "headers/locations_31.txt": lambda: f"ZCZC-WXR-TOR-{_LOC31}+0030-3330800-KEAX/NWS-".encode(),
    "headers/locations_32.txt": lambda: f"ZCZC-WXR-TOR-{_LOC32}+0030-3330800-KEAX/NWS-".encode(),
    "headers/non_ascii_station.txt": lambda: TOR.replace("KEAX", "K\u00c9AX").encode("utf-8"),
    "headers/non_ascii_bytes.txt": lambda: TOR.encode().replace(b"KEAX", b"K\xc9AX"),
    "headers/control_bell.txt": lambda: TOR.replace("TOR", "T\x07R").encode(),
    "headers/control_nul.txt": lambda: TOR.replace("+", "\x00+").encode(),
    "headers/embedded_newline.txt": lambda: TOR.replace("-KEAX", "\n-KEAX").encode(),
    "headers/right_to_left_override.txt": lambda: TOR.replace("TOR", "\u202eROT").encode(),
    "headers/missing_valid_time.txt": lambda: TOR.replace("+0030", "").encode(),
    "headers/missing_station.txt": lambda: TOR.replace("KEAX/NWS-", "").encode(),
    "headers/missing_event.txt": lambda: TOR.replace("TOR-", "").encode(),
    "headers/missing_locations.txt": lambda: TOR.replace("029095", "").encode(),
    "headers/missing_zczc.txt": lambda: TOR.replace("ZCZC-", "").encode(),
    "headers/empty.txt": lambda: b"",
}

FILES: dict[str, Callable[[], bytes]] = {**AUDIO, **CAP, **HEADERS, **SIGNED}
"""Every corpus file, by path relative to this folder, with the function that makes it."""


def make(name: str) -> bytes:
    """The bytes of one corpus file."""
    return FILES[name]()


def build(dest: Path, *, small_only: bool = False) -> list[Path]:
    """Write the corpus under ``dest``; with ``small_only`` skip files over the limit.

    Returns:
        The paths written.
    """
    written = []
    for name, maker in FILES.items():
        data = maker()
        if small_only and len(data) > COMMIT_LIMIT:
            continue
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in build(target, small_only=target == HERE):
        print(f"{p.stat().st_size:>9}  {p.relative_to(target)}")
