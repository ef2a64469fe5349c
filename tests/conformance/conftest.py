"""Recordings shared by the checker's CLI and report tests."""

import pytest

from eas_encoder.audio import write_audio

from .signals import header_burst, transmission


@pytest.fixture(scope="module")
def slow_wav(tmp_path_factory):
    """Three headers at 42 samples per bit at 22050 Hz (+8000 ppm), as minimodem sends."""
    path = tmp_path_factory.mktemp("slow") / "slow.wav"
    fs = 22050
    write_audio(path, transmission(fs, headers=[header_burst(fs, samples_per_bit=42)] * 3), fs)
    return path
