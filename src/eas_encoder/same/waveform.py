"""SAME/EAS physical-layer constants, each with its unit and spec clause.

47 CFR 11.31(a)(1): AFSK at 520.83 bit/s, mark 2083.3 Hz, space 1562.5 Hz, "mark and space time
must be 1.92 milliseconds". The exact values follow from that 1.92 ms bit: a mark bit is exactly
4 cycles and a space bit exactly 3 cycles, which is also what the NWS encoder (AWIPS II BMH) and
minimodem use. Exact rationals are kept beside the floats so the modulator can place every bit
edge without cumulative error at any sample rate.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = [
    "BAUD", "BAUD_EXACT", "BIT_SECONDS", "MARK_HZ", "SPACE_HZ", "MARK_CYCLES_PER_BIT",
    "SPACE_CYCLES_PER_BIT", "PREAMBLE_BYTE", "PREAMBLE_LENGTH", "PREAMBLE", "HEADER_PREFIX",
    "EOM_TEXT", "BURST_GAP_SECONDS", "BURST_GAP_TOLERANCE", "ATTENTION_EAS_HZ",
    "ATTENTION_NWR_HZ", "ATTENTION_MIN_SECONDS", "ATTENTION_MAX_SECONDS",
    "ATTENTION_DEFAULT_SECONDS", "ATTENTION_TONE_TOLERANCE_HZ", "MIN_SAMPLE_RATE",
    "MAX_SAMPLE_RATE", "MAX_BURST_BYTES", "SAME_CHARACTERS",
]

BAUD_EXACT = Fraction(3125, 6)
"""Bit rate, exactly 520 5/6 bit/s = 1 / 1.92 ms (47 CFR 11.31(a)(1))."""
BAUD = float(BAUD_EXACT)
"""Bit rate in bit/s as a float (520.8333...)."""
BIT_SECONDS = 1.92e-3
"""Duration of one bit in seconds (47 CFR 11.31(a)(1))."""
MARK_CYCLES_PER_BIT = 4
"""A mark (logic 1) bit is four whole cycles of the mark tone."""
SPACE_CYCLES_PER_BIT = 3
"""A space (logic 0) bit is three whole cycles of the space tone."""
MARK_HZ = float(BAUD_EXACT * MARK_CYCLES_PER_BIT)
"""Mark frequency, 2083 1/3 Hz, logic 1 (47 CFR 11.31(a)(1))."""
SPACE_HZ = float(BAUD_EXACT * SPACE_CYCLES_PER_BIT)
"""Space frequency, 1562.5 Hz, logic 0 (47 CFR 11.31(a)(1))."""

PREAMBLE_BYTE = 0xAB
"""Preamble byte, 10101011 binary, sent LSB first (47 CFR 11.31(c))."""
PREAMBLE_LENGTH = 16
"""Sixteen preamble bytes before every header and every EOM (47 CFR 11.31(c))."""
PREAMBLE = bytes([PREAMBLE_BYTE]) * PREAMBLE_LENGTH
HEADER_PREFIX = b"ZCZC"
EOM_TEXT = b"NNNN"
SAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/ ")
"""Characters a SAME header may contain (47 CFR 11.31(b)-(c); space only pads LLLLLLLL). The
receiver ends a burst at a run of characters outside this set; the checker flags them."""
MAX_BURST_BYTES = 16 + 252
"""Preamble plus the longest header (31 locations, 252 characters): 268 bytes, 4.116 s."""

BURST_GAP_SECONDS = 1.0
"""Silence between the three bursts, seconds (47 CFR 11.31(c))."""
BURST_GAP_TOLERANCE = 0.05
"""+/- 5 % on the one-second pause (NWSI 10-1712)."""

ATTENTION_EAS_HZ = (853.0, 960.0)
"""EAS attention signal: 853 Hz and 960 Hz together (47 CFR 11.31(a)(2), 11.32(a)(9))."""
ATTENTION_NWR_HZ = 1050.0
"""NOAA Weather Radio warning alarm tone (NWSI 10-1712)."""
ATTENTION_MIN_SECONDS = 8.0
"""Shortest attention signal, seconds (47 CFR 11.31(c))."""
ATTENTION_MAX_SECONDS = 25.0
"""Longest attention signal, seconds (47 CFR 11.31(c))."""
ATTENTION_DEFAULT_SECONDS = 8.0
ATTENTION_TONE_TOLERANCE_HZ = 0.5
"""Each attention tone within +/- 0.5 Hz (47 CFR 11.32(a)(9)(i))."""

MIN_SAMPLE_RATE = 8000
"""Lowest supported sample rate, Hz (mark 2083 Hz needs a Nyquist margin)."""
MAX_SAMPLE_RATE = 192000
"""Highest supported sample rate, Hz."""
