"""Decoders under test: a command that reads a file, and the headers it prints.

A decoder is a command line with ``{wav}`` (a 16-bit mono WAV) or ``{raw}`` (raw s16le at
``{rate}`` Hz) where the file goes, or ``stdin=True`` for a decoder that reads raw samples on
standard input. What it prints is searched for SAME headers (``ZCZC-...-``); nothing else
is assumed of its output format. A decoder that prints every burst it hears rather than the
headers it validated (``per_burst``) is scored by 2-of-3 agreement, as 47 CFR 11.33(a)(10)
asks of a decoder: a header counts once for every two identical prints.

Built in: multimon-ng, direwolf's ``atest``, minimodem and samedec, each used when its program
is installed; this project's own receiver runs in-process beside them.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import EasError
from ..same.decoder import HeaderEvent, decode

__all__ = ["Decoder", "BUILTIN", "OURS", "parse_decoder", "available_builtins",
           "HEADER_PATTERN", "DecoderRun"]

HEADER_PATTERN = re.compile(r"ZCZC-[A-Z]{3}-[A-Z]{3}(?:-\d{6}){1,31}\+\d{4}-\d{7}-[^-\n]{1,8}-")
"""A SAME header as a decoder prints it (47 CFR 11.31(c))."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
OURS = "eas-encoder"
"""Name of this project's receiver in every table."""


@dataclass(frozen=True)
class Decoder:
    """One decoder under test.

    Attributes:
        name: short name for the tables.
        command: argv template; ``{wav}``, ``{raw}`` and ``{rate}`` are filled in.
        rate: the sample rate the decoder must be fed, Hz (multimon-ng reads 22050 only).
        per_burst: prints every burst, so headers are counted by 2-of-3 agreement.
        stdin: feed raw s16le on standard input instead of naming a file.
        version: argv that prints the decoder's version (first line that has a digit).
    """

    name: str
    command: tuple[str, ...]
    rate: int = 22050
    per_burst: bool = False
    stdin: bool = False
    version: tuple[str, ...] = ()

    @property
    def program(self) -> str:
        """The executable the command runs."""
        return self.command[0] if self.command else ""

    def installed(self) -> bool:
        """True when the program is on PATH (always for this project's receiver)."""
        return self.name == OURS or shutil.which(self.program) is not None

    def tool_version(self) -> str:
        """What the decoder says its version is, or ``"unknown"``."""
        if self.name == OURS:
            from importlib.metadata import PackageNotFoundError, version

            try:
                return f"eas-encoder {version('eas-encoder')}"
            except PackageNotFoundError:
                return "eas-encoder (source tree)"
        if not self.version or not self.installed():
            return "unknown"
        try:
            proc = subprocess.run(list(self.version), capture_output=True, timeout=10,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        text = _ANSI.sub("", (proc.stdout + proc.stderr).decode("utf-8", "replace"))
        for line in text.splitlines():
            if re.search(r"\d+\.\d+", line):
                return line.strip()[:80]
        return "unknown"


BUILTIN: dict[str, Decoder] = {d.name: d for d in (
    Decoder("multimon-ng", ("multimon-ng", "-q", "-c", "-a", "EAS", "-t", "raw", "{raw}"),
            version=("multimon-ng", "-h")),
    Decoder("direwolf", ("atest", "-B", "EAS", "{wav}"), per_burst=True,
            version=("dpkg-query", "-W", "-f", "direwolf ${Version}\n", "direwolf")),
    Decoder("minimodem", ("minimodem", "--rx", "-q", "same", "-f", "{wav}"), per_burst=True,
            version=("minimodem", "--version")),
    Decoder("samedec", ("samedec", "-r", "{rate}"), stdin=True,
            version=("samedec", "--version")),
)}
"""The built-in adapters, by name."""


def available_builtins() -> list[Decoder]:
    """The built-in decoders whose programs are installed here."""
    return [d for d in BUILTIN.values() if d.installed()]


def parse_decoder(spec: str) -> Decoder:
    """A decoder from ``NAME='COMMAND {wav}'`` (or ``{raw}``, or a built-in ``NAME``).

    Suffix the name with ``/burst`` (``NAME/burst=...``) for a decoder that prints every
    burst, and use ``{stdin}`` alone in the command to feed raw s16le on standard input.

    Raises:
        EasError: field ``decoder``, an unknown built-in name, a command without a
            placeholder, or a command that does not split as a shell line.
    """
    if "=" not in spec:
        if spec in BUILTIN:
            return BUILTIN[spec]
        raise EasError(f"not a built-in decoder ({', '.join(BUILTIN)}); give "
                       "NAME='COMMAND {wav}'", field="decoder", value=spec)
    name, _, command = spec.partition("=")
    per_burst = name.endswith("/burst")
    name = name.removesuffix("/burst").strip()
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise EasError(f"the command does not split as a shell line ({exc})",
                       field="decoder", value=spec) from None
    if not name or not argv:
        raise EasError("needs NAME='COMMAND {wav}'", field="decoder", value=spec)
    stdin = "{stdin}" in argv
    argv = tuple(a for a in argv if a != "{stdin}")
    if not stdin and not any("{wav}" in a or "{raw}" in a for a in argv):
        raise EasError("the command must name the file as {wav} or {raw}, or read {stdin}",
                       field="decoder", value=spec)
    return Decoder(name, argv, per_burst=per_burst, stdin=stdin)


@dataclass(frozen=True)
class DecoderRun:
    """What one decoder printed for one file: ``headers`` accepted (2-of-3 counted for a
    per-burst decoder), each as many times as it was reported, and ``error`` (``""`` when
    the command ran).
    """

    headers: tuple[str, ...]
    error: str = ""


def accepted(printed: list[str], per_burst: bool) -> list[str]:
    """Headers a decoder accepted: each print, or for a per-burst decoder one per two
    identical prints (47 CFR 11.33(a)(10)).
    """
    if not per_burst:
        return printed
    out = []
    for text, n in Counter(printed).items():
        out += [text] * (n // 2)
    return out


def run_decoder(decoder: Decoder, x: np.ndarray, fs: int, *, timeout: float = 600.0
                ) -> DecoderRun:
    """Run ``decoder`` on ``float32[n]`` samples at ``fs`` Hz (resampled to its rate).

    The subprocess gets a private temporary directory, a timeout and no standard input
    (unless it reads samples there); its output is searched for headers only.
    """
    if decoder.name == OURS:
        events = decode(x, fs)
        return DecoderRun(tuple(e.text for e in events if isinstance(e, HeaderEvent)))
    if fs != decoder.rate:
        from scipy.signal import resample_poly

        g = np.gcd(fs, decoder.rate)
        x = resample_poly(x, decoder.rate // g, fs // g).astype(np.float32)
    pcm = (np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2")
    with tempfile.TemporaryDirectory(prefix="eas-lab-") as tmp:
        wav, raw = Path(tmp) / "signal.wav", Path(tmp) / "signal.raw"
        argv = [a.replace("{wav}", str(wav)).replace("{raw}", str(raw))
                .replace("{rate}", str(decoder.rate)) for a in decoder.command]
        if any("{wav}" in a for a in decoder.command):
            sf.write(wav, pcm, decoder.rate, subtype="PCM_16")
        if any("{raw}" in a for a in decoder.command):
            pcm.tofile(raw)
        try:
            proc = subprocess.run(argv, input=pcm.tobytes() if decoder.stdin else None,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=None if decoder.stdin else subprocess.DEVNULL,
                                  timeout=timeout, cwd=tmp, check=False)
        except FileNotFoundError:
            return DecoderRun((), f"{decoder.program}: not installed")
        except subprocess.TimeoutExpired:
            return DecoderRun((), f"timed out after {timeout:g} s")
    text = _ANSI.sub("", proc.stdout.decode("latin-1"))
    printed = [m.group(0) for m in HEADER_PATTERN.finditer(text)]
    return DecoderRun(tuple(accepted(printed, decoder.per_burst)))
