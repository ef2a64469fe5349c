"""Fuzz every entry point with hypothesis: only the documented error classes may escape.

Each target (see :mod:`tests.fuzz.targets`) is driven three ways: raw random bytes (what a
network or a damaged disk delivers), inputs made by the target's own structure-aware
generator, and, for text-shaped entry points, arbitrary Unicode. A target catches its
documented errors itself, so any exception reaching hypothesis here is a finding.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .budget import FUZZ
from .targets import HEADER_SEEDS, TARGETS, audio_seeds, cap_seed, cbs_seeds

NAMES = sorted(TARGETS)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(name: str, data: bytes) -> None:
    """Unstructured bytes are refused with the documented error or accepted consistently."""
    TARGETS[name].run(data)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_generated_inputs(name: str, rng) -> None:  # type: ignore[no-untyped-def]
    """Mutated and structure-aware inputs reach past the first checks, still no crash."""
    target = TARGETS[name]
    target.run(target.generate(rng))


@FUZZ
@given(text=st.text(max_size=300))
def test_header_any_unicode(text: str) -> None:
    """Any Unicode text, including surrogates and controls, only ever gives HeaderError."""
    TARGETS["header"].run(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=st.text(alphabet="ZCN-+/ 0123456789ABCDEFKLMORSTWX", max_size=120))
def test_header_same_alphabet(text: str) -> None:
    """Text over the header's own alphabet, where a lax parser would most likely say yes."""
    TARGETS["header"].run(("ZCZC-" + text).encode("ascii"))


def test_seeds_are_accepted() -> None:
    """The valid seeds pass their target unrefused, so mutations start from a real input
    and the fuzz tests above are not merely re-testing the first length check.
    """
    assert not TARGETS["header"].run(HEADER_SEEDS[0].encode("ascii"))
    assert not TARGETS["cap"].run(cap_seed())
    assert all(not TARGETS["audio"].run(seed) for seed in audio_seeds())
    umts = [seed for seed in cbs_seeds() if len(seed) != 88]
    assert umts and all(not TARGETS["cbs"].run(seed) for seed in umts)
