"""Attention-signal detector: EAS two-tone (853 + 960 Hz) or NWR 1050 Hz.

47 CFR 11.31(a)(2): the two tones are sent together for 8 to 25 seconds (11.31(c)); the NOAA
Weather Radio warning alarm tone is 1050 Hz (NWSI 10-1712). Frames of about 50 ms are tested
for how much of their power sits in the probe tones (a pure two-tone signal puts half its power
in each); a run of such frames of at least :data:`MIN_SECONDS` is one attention signal. The
frequencies are measured from the phase advance of each tone's correlator from frame to frame,
good to a small fraction of a hertz over a second, enough to check the +/-0.5 Hz tolerance of
47 CFR 11.32(a)(9).

The power a frame's tones are compared with excludes what cannot be programme or tone: the
frame's DC offset (a cheap sound card or a biased ADC; 0.45 of full scale hid the signal) and,
in frames that hold some tone energy, everything below :data:`LOW_CUT_HZ` (mains hum at 50/60 Hz
and its harmonics), so hum does not dilute the tones' share.
"""

from __future__ import annotations

import numpy as np

from ..waveform import ATTENTION_EAS_HZ, ATTENTION_NWR_HZ
from .events import AttentionSignalEvent, Event
from .frontend import PROBE_TONES_HZ, BlockCorrelator

__all__ = ["AttentionDetector", "FRAME_SECONDS", "MIN_SECONDS"]

FRAME_SECONDS = 0.05
MIN_SECONDS = 1.0
"""Shortest run reported; real attention signals last 8 to 25 s (47 CFR 11.31(c))."""
_GAP_FRAMES = 4
_POWER_STRIDE = 4     # brief dropouts (fading, a click) do not split one signal
_EAS_EACH, _EAS_SUM, _NWR = 0.2, 0.6, 0.6
_TONES = (2, 3, 4)   # probe tones 853, 960, 1050 Hz
LOW_CUT_HZ = 450.0
"""Power below this (hum and its first harmonics) is left out of a frame's power."""
_CANDIDATE = 0.05    # tone share above which a frame's low band is measured and removed
assert tuple(float(PROBE_TONES_HZ[t]) for t in _TONES) == (*ATTENTION_EAS_HZ, ATTENTION_NWR_HZ)


class AttentionDetector:
    """``process(samples, first_block)`` -> events, per whole number of frames."""

    def __init__(self, correlator: BlockCorrelator) -> None:
        self._corr = correlator
        fs, d = correlator.fs, correlator.block
        self.frame_blocks = max(1, round(FRAME_SECONDS * fs / d))
        self._frame_seconds = self.frame_blocks * d / fs
        n = self.frame_blocks * d
        k = np.arange(n)
        # What a constant 1 adds to each tone's frame sum (phase referenced to the frame start).
        self._dc_leak = np.array([np.exp(-2j * np.pi * float(PROBE_TONES_HZ[t]) * k / fs).sum()
                                  for t in _TONES])
        sub = len(range(0, n, _POWER_STRIDE))
        # DFT bins of the subsampled frame from 1 up to LOW_CUT_HZ (bin width fs / n).
        self._low_bins = max(1, min(sub // 2 - 1, int(LOW_CUT_HZ * n / fs)))
        self.reset()

    def reset(self) -> None:
        """Forget any attention signal in progress."""
        self._run: tuple[str, int] | None = None   # (kind, first frame)
        self._misses = 0
        self._last_hit = 0
        self._phase_acc = np.zeros(3, dtype=np.complex128)
        self._prev: np.ndarray | None = None

    def process(self, samples: np.ndarray, first_block: int) -> list[Event]:
        """Test the whole frames in ``samples``, which start at block ``first_block``."""
        f = self.frame_blocks
        d = self._corr.block
        tone = self._corr.frame_sums(samples, f, _TONES).astype(np.complex128)
        n_frames = len(tone)
        if n_frames == 0:
            return []
        # Power from every 4th sample: unbiased for any tone that does not alias to 0 Hz at
        # fs / 4 (none of the attention tones can), at a quarter of the cost.
        x = samples[: n_frames * f * d].reshape(n_frames, f * d)[:, ::_POWER_STRIDE]
        scale = f * d / x.shape[1]
        mean = x.mean(axis=1, dtype=np.float64)
        total = np.einsum("ij,ij->i", x, x).astype(np.float64) * scale
        power = total - f * d * mean ** 2
        tone -= mean[:, None] * self._dc_leak[None, :]
        share = 2 * np.abs(tone) ** 2 / (f * d * np.maximum(power, 1e-30))[:, None]
        cand = np.flatnonzero((share[:, 0] + share[:, 1] > _CANDIDATE) | (share[:, 2] > _CANDIDATE))
        if len(cand):
            xc = x[cand].astype(np.float64) - mean[cand, None]
            low = np.fft.rfft(xc, axis=1)[:, 1:self._low_bins + 1]
            hum = 2 * np.sum(np.abs(low) ** 2, axis=1) / x.shape[1] * scale
            power[cand] -= hum
        # A floor 40 dB under the frame's power keeps a frame of pure DC or hum from dividing
        # rounding residue by rounding residue.
        power = np.maximum(power, np.maximum(1e-4 * total, 1e-30))
        ratio = 2 * np.abs(tone) ** 2 / (f * d * power)[:, None]
        eas = (ratio[:, 0] > _EAS_EACH) & (ratio[:, 1] > _EAS_EACH) & (
            ratio[:, 0] + ratio[:, 1] > _EAS_SUM)
        nwr = ratio[:, 2] > _NWR
        hit = np.where(eas, 1, np.where(nwr, 2, 0))
        first_frame = first_block // f
        events: list[Event] = []
        if self._run is None and not hit.any():
            self._prev = None
            return events
        blocks = first_block + np.arange(n_frames) * f
        absolute = tone * np.stack([self._corr.block_phasor(blocks, t) for t in _TONES], axis=1)
        for i in range(n_frames):
            kind = ("eas", "nwr")[hit[i] - 1] if hit[i] else None
            frame = first_frame + i
            if self._run is not None and kind == self._run[0]:
                self._misses = 0
                self._last_hit = frame
                if self._prev is not None:
                    self._phase_acc += absolute[i] * np.conj(self._prev)
                self._prev = absolute[i]
                continue
            if self._run is not None:
                self._misses += 1
                if self._misses <= _GAP_FRAMES and kind is None:
                    self._prev = None
                    continue
                events += self._close()
            if kind is not None:
                self._run = (kind, frame)
                self._last_hit = frame
                self._misses = 0
                self._phase_acc[:] = 0
                self._prev = absolute[i]
        return events

    def flush(self) -> list[Event]:
        """End of stream: report a signal still in progress."""
        return self._close() if self._run is not None else []

    def _close(self) -> list[Event]:
        if self._run is None:
            return []
        kind, first = self._run
        self._run = None
        self._prev = None
        duration = (self._last_hit - first + 1) * self._frame_seconds
        if duration < MIN_SECONDS:
            return []
        step = np.angle(self._phase_acc) / (2 * np.pi * self._frame_seconds)
        nominal = [float(PROBE_TONES_HZ[t]) for t in _TONES]
        freqs = [nominal[k] + float(step[k]) for k in ((0, 1) if kind == "eas" else (2,))]
        start = first * self._frame_seconds
        return [AttentionSignalEvent(start=start, end=start + duration, signal=kind,
                                     duration=duration, frequencies=tuple(freqs))]
