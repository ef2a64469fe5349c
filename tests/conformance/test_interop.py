"""Third-party encoder: minimodem's SAME output, checked. minimodem 0.24 rounds the bit to a
whole number of samples (42 at 22050 Hz, 92 at 48000 Hz) and sends 2 extra bits after each
burst; the checker must name both, with the measured error.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.conformance import FAIL, PASS, WARN, check
from eas_encoder.same.waveform import BAUD
from tests.helpers import require_tool

pytestmark = pytest.mark.interop

RWT = "ZCZC-EAS-RWT-999000+0015-0011200-EASENCDR-"  # RWT: no attention signal needed


def minimodem_burst(tool: str, text: str, fs: int, path) -> np.ndarray:
    subprocess.run([tool, "--tx", "same", "-f", str(path), "-R", str(fs)], input=text.encode(),
                   check=True, timeout=60, capture_output=True)
    x, rate = sf.read(path, dtype="float32")
    assert rate == fs
    return x


@pytest.mark.parametrize(("fs", "samples_per_bit"), [(22050, 42), (48000, 92)])
def test_minimodem_message_names_its_bit_rate_fault(tmp_path, fs, samples_per_bit):
    tool = require_tool("minimodem")
    header = minimodem_burst(tool, RWT, fs, tmp_path / "h.wav")
    eom = minimodem_burst(tool, "NNNN", fs, tmp_path / "e.wav")
    gap = np.zeros(fs, np.float32)
    x = np.concatenate([gap, header, gap, header, gap, header, gap, eom, gap, eom, gap, eom,
                        gap])
    report = check(x, fs)
    assert {f.rule_id for f in report.failures} == {"BURST.BIT_RATE"}
    expected_ppm = (fs / samples_per_bit / BAUD - 1) * 1e6
    ppm = [f.value for f in report.by_rule("BURST.BIT_RATE")]
    assert len(ppm) == 6 and all(abs(v - expected_ppm) < 10 for v in ppm)
    assert {f.verdict for f in report.by_rule("BURST.JUNK_AFTER")} == {WARN}
    assert {f.value for f in report.by_rule("BURST.JUNK_AFTER")} == {2}
    # everything else minimodem does is right: tones, preamble, text, header fields
    for rule in ("BURST.MARK_FREQ", "BURST.SPACE_FREQ", "BURST.PREAMBLE", "HEADER.FIELD",
                 "MESSAGE.HEADERS_IDENTICAL", "ATTENTION.PRESENT"):
        assert {f.verdict for f in report.by_rule(rule)} == {PASS}, rule
    assert report.verdict == FAIL
