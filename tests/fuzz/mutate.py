"""Byte- and structure-level mutators shared by the hypothesis tests and the long fuzz run.

Every mutator takes the input and a :class:`random.Random`, so a run is reproducible from its
seed; hypothesis supplies a seeded ``Random`` (``st.randoms()``) and can replay failures,
``benchmarks/fuzz_long.py`` supplies its own.
"""

from __future__ import annotations

import random
import struct

__all__ = ["mutate_bytes", "INTERESTING_INTS"]

INTERESTING_INTS = (0, 1, 2, 7, 8, 15, 16, 31, 32, 44, 88, 127, 128, 255, 256, 0x7FFF, 0x8000,
                    0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
"""Values that sit on boundaries parsers test against (sizes, signed limits, all ones)."""


def _flip_bit(data: bytearray, rng: random.Random) -> None:
    if data:
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)


def _set_byte(data: bytearray, rng: random.Random) -> None:
    if data:
        data[rng.randrange(len(data))] = rng.choice((0, 0x7F, 0x80, 0xFF, rng.randrange(256)))


def _set_int(data: bytearray, rng: random.Random) -> None:
    # Length and count fields are little-endian 16/32-bit in RIFF and big-endian in FLAC
    # and 3GPP PDUs; planting boundary values there reaches the size-handling code.
    fmt = rng.choice(("<H", "<I", ">H", ">I"))
    size = struct.calcsize(fmt)
    if len(data) >= size:
        value = rng.choice(INTERESTING_INTS) & ((1 << (8 * size)) - 1)
        i = rng.randrange(len(data) - size + 1)
        data[i:i + size] = struct.pack(fmt, value)


def _delete(data: bytearray, rng: random.Random) -> None:
    if data:
        i = rng.randrange(len(data))
        del data[i:i + rng.randint(1, 64)]


def _insert(data: bytearray, rng: random.Random) -> None:
    i = rng.randrange(len(data) + 1)
    data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))


def _duplicate(data: bytearray, rng: random.Random) -> None:
    if data:
        i = rng.randrange(len(data))
        chunk = data[i:i + rng.randint(1, 128)]
        j = rng.randrange(len(data) + 1)
        data[j:j] = chunk


def _truncate(data: bytearray, rng: random.Random) -> None:
    if data:
        del data[rng.randrange(len(data)):]


_MUTATORS = (_flip_bit, _set_byte, _set_int, _delete, _insert, _duplicate, _truncate)


def mutate_bytes(data: bytes, rng: random.Random, *, max_rounds: int = 4,
                 protect: int = 0) -> bytes:
    """Apply 1..``max_rounds`` random byte mutations to ``data``.

    Args:
        data: the seed input.
        rng: source of randomness (seeded by the caller for reproducibility).
        max_rounds: upper bound on stacked mutations.
        protect: leave the first ``protect`` bytes alone (e.g. keep a WAV header intact so the
            mutation reaches the sample data rather than being refused at the magic number).
    """
    head, body = bytes(data[:protect]), bytearray(data[protect:])
    for _ in range(rng.randint(1, max_rounds)):
        rng.choice(_MUTATORS)(body, rng)
    return head + bytes(body)
