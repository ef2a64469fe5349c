"""One audio-cleaning policy and one sample-rate rule per role (issue 11 item 1).

Before: audio.to_mono clipped +/-inf to +/-1 and kept 2e4 where the decoder zeroed them; the
checker read uint8 [0, 128, 255] as [0, 0.5, 1] where the decoder gave [-1, 0, 0.99]; four
sample-rate checks disagreed (1-384000 / 8000-192000 with 22050.0 / 8000-192000 /
>= 8000 without floats or an upper bound).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import pytest

from eas_encoder.audio import open_stream, resample, to_mono
from eas_encoder.conformance.checker import Checker, _blocks_of
from eas_encoder.errors import (
    AudioError,
    ConformanceError,
    DecodeError,
    EncodeError,
    SampleRateError,
)
from eas_encoder.pcm import MAX_ABS_SAMPLE, RATE_LIMITS, RateRole, check_rate, clean_mono
from eas_encoder.same.decoder import Receiver, as_mono_float, decode
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission

DAMAGED = np.array([0.25, np.nan, np.inf, -np.inf, 2e4, -3e38, 1.5, MAX_ABS_SAMPLE, -0.5],
                   dtype=np.float32)
CLEAN = np.array([0.25, 0, 0, 0, 0, 0, 1.5, MAX_ABS_SAMPLE, -0.5], dtype=np.float32)

INPUTS = [
    DAMAGED,
    DAMAGED.astype(np.float64),
    np.stack([DAMAGED, np.full(len(DAMAGED), 0.5, np.float32)], axis=1),
    np.array([0, 128, 255], dtype=np.uint8),
    np.array([[0, 255], [128, 128]], dtype=np.uint8),
    np.array([-32768, 0, 32767], dtype=np.int16),
    np.array([-(2 ** 31), 2 ** 30], dtype=np.int32),
    np.array([0, 65535], dtype=np.uint16),
    np.array([True, False]),
]


def _checker_view(x: np.ndarray) -> np.ndarray:
    return np.concatenate(list(_blocks_of(x)))


@pytest.mark.parametrize("x", INPUTS, ids=lambda x: f"{x.dtype}{list(x.shape)}")
def test_every_cleaner_applies_the_one_policy(x: np.ndarray) -> None:
    want = clean_mono(x)
    assert want.dtype == np.float32 and np.all(np.isfinite(want))
    for cleaner in (to_mono, as_mono_float, _checker_view):
        np.testing.assert_array_equal(cleaner(x), want, err_msg=cleaner.__name__)


def test_the_policy_itself() -> None:
    np.testing.assert_array_equal(clean_mono(DAMAGED), CLEAN)
    np.testing.assert_array_equal(clean_mono(np.array([0, 128, 255], np.uint8)),
                                  np.array([-1, 0, 127 / 128], np.float32))
    # damage in one channel is erased before the mix, so the other channel survives
    stereo = np.array([[np.nan, 0.5], [0.2, 0.4]], np.float32)
    np.testing.assert_allclose(clean_mono(stereo), [0.25, 0.3])


def test_cleaning_never_writes_into_the_callers_array() -> None:
    x = DAMAGED.copy()
    clean_mono(x)
    np.testing.assert_array_equal(np.isnan(x), np.isnan(DAMAGED))


HEADER = Header("WXR", "TOR", ("029095",), "0030", datetime(2026, 11, 29, 8, tzinfo=UTC),
                "KEAX/NWS")


def _texts(events: list) -> list[tuple[str, str]]:
    return [(e.kind, getattr(e, "text", "")) for e in events]


def test_receiver_feed_erases_damage_like_the_cleaner() -> None:
    """Receiver.feed has a copy-while-scaling fast path: damage becomes 0 there too."""
    x = encode_transmission(HEADER, fs=8000, attention="none").samples
    hole = slice(len(x) // 2, len(x) // 2 + 400)
    damaged, zeroed = x.copy(), x.copy()
    damaged[hole] = np.tile([np.nan, np.inf, -np.inf, 3e38], 100)
    zeroed[hole] = 0
    got = _texts(decode(damaged, 8000))
    assert got == _texts(decode(zeroed, 8000))
    assert ("header", str(HEADER)) in got


def test_receiver_reads_uint8_with_its_offset() -> None:
    x = encode_transmission(HEADER, fs=8000, attention="none", level_dbfs=-1).samples
    u8 = np.clip(np.round(x * 128 + 128), 0, 255).astype(np.uint8)
    rx = Receiver(8000)
    events = [e for i in range(0, len(u8), 4000) for e in rx.feed(u8[i:i + 4000])]
    events += rx.flush()
    assert ("header", str(HEADER)) in _texts(events)


# --- sample rates ----------------------------------------------------------------------------

def _entry_points() -> dict[RateRole, object]:
    tone = np.zeros(16, np.float32)
    return {
        RateRole.WRITING: lambda fs: resample(tone, fs, 8000),
        RateRole.MODULATING: lambda fs: encode_transmission(HEADER, fs=fs, attention="none"),
        RateRole.DECODING: lambda fs: Receiver(fs),
        RateRole.CHECKING: lambda fs: Checker(fs),
    }


ROLE_ERRORS = {RateRole.WRITING: AudioError, RateRole.MODULATING: EncodeError,
               RateRole.DECODING: DecodeError, RateRole.CHECKING: ConformanceError}


@pytest.mark.parametrize("role", list(RateRole))
def test_one_rule_per_role_one_error(role: RateRole) -> None:
    lo, hi = RATE_LIMITS[role]
    call = _entry_points()[role]
    for good in (lo, hi, np.int64(lo), float(max(lo, 22050))):
        call(good)
    messages = []
    for bad in (lo - 1, hi + 1, 22050.5, True, "48000"):
        with pytest.raises(SampleRateError) as info:
            call(bad)
        assert isinstance(info.value, ROLE_ERRORS[role])
        assert info.value.field == "rate"
        messages.append(info.value.rule)
    assert len(set(messages)) == 1
    assert messages[0].startswith(f"must be a whole number of Hz from {lo} to {hi} to ")


def test_old_disagreements_are_gone() -> None:
    Checker(22050.0)                      # the checker refused floats
    with pytest.raises(SampleRateError):
        Checker(10 ** 7)                  # and had no upper bound
    assert check_rate(22050.0, RateRole.WRITING) == 22050   # audio.py refused floats
    with pytest.raises(AudioError, match="from 1 to 384000"):
        open_stream(io.BytesIO(b""), rate=0)
