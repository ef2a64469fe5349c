"""Streaming segmentation: 10 ms frames labelled silence / AFSK / tone / other audio.

The scanner reads any length of audio block by block and hands each finished run of AFSK or
tone frames, with a few frames of margin either side, to a callback that measures it at once;
only the run being collected is held in memory, so memory is bounded by the longest run kept
(:data:`MAX_RUN_SECONDS`) plus a fixed-size overview for the timeline picture, not by the
length of the file.

Labels come from where a frame's energy lies, not from a decoder: AFSK energy sits between
1300 and 2600 Hz (space 1562.5 Hz, mark 2083.3 Hz), the attention signals between 650 and
1300 Hz (853, 960, 1050 Hz). Short flickers (up to :data:`HOLD_FRAMES` frames) inside a run do
not end it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Run", "Scanner", "Overview", "FRAME_SECONDS", "SILENCE_DBFS", "MAX_RUN_SECONDS",
           "SILENT", "AFSK", "TONE", "OTHER", "LABEL_NAMES"]

FRAME_SECONDS = 0.010
"""Frame length and hop, seconds: fine enough to place a 1 s gap within 1 %."""
SILENCE_DBFS = -50.0
"""Frames quieter than this RMS level are silence (a studio capture or a file)."""
SILENT, AFSK, TONE, OTHER = 0, 1, 2, 3
LABEL_NAMES = ("silence", "afsk", "tone", "other")
HOLD_FRAMES = 3
"""A run survives up to this many frames of another label (e.g. the splatter of a click)."""
MARGIN_FRAMES = 3
"""Frames of context kept before and after an AFSK or tone run, for edge measurement."""
MAX_RUN_SECONDS = {AFSK: 8.0, TONE: 40.0}
"""Samples kept per run, seconds: the longest header burst is 4.1 s and the longest legal
attention signal 25 s. Longer runs are measured on their first part; their length still comes
from the frame labels."""
_AFSK_BAND = (1300.0, 2600.0)
_TONE_BAND = (650.0, 1300.0)
_BAND_SHARE = 0.75


@dataclass
class Run:
    """A run of frames with one label.

    Attributes:
        label: :data:`AFSK`, :data:`TONE`, :data:`OTHER` or :data:`SILENT`.
        start, end: first and one-past-last sample of the labelled frames in the stream.
        offset: stream index of ``samples[0]`` (``start`` minus the margin).
        samples: ``float32[m]`` kept for AFSK and tone runs (empty for the others).
        truncated: more than :data:`MAX_RUN_SECONDS` of samples were dropped.
        rms_dbfs: mean RMS level of the run's frames.
    """

    label: int
    start: int
    end: int
    offset: int
    samples: np.ndarray
    truncated: bool
    rms_dbfs: float


class Overview:
    """A fixed-size picture of the whole stream: per column min/max and a coarse spectrum.

    When the column count reaches twice ``columns``, neighbouring columns are merged in pairs,
    so memory stays ``O(columns * bins)`` for any length.
    """

    def __init__(self, fs: int, columns: int = 2048) -> None:
        self.fs = fs
        self.columns = columns
        frame = max(8, int(round(FRAME_SECONDS * fs)))
        # the frame's own FFT bins (100 Hz apart) up to 5 kHz or Nyquist
        self.bins = int(min(fs / 2, 5000.0) * frame / fs) + 1
        self.top_hz = self.bins * fs / frame
        self.frames_per_column = 1
        self._lo = np.zeros(0)
        self._hi = np.zeros(0)
        self._spec = np.zeros((0, self.bins))
        self._pending = (np.zeros(0), np.zeros(0), np.zeros((0, self.bins)))

    def add(self, lo: np.ndarray, hi: np.ndarray, spec: np.ndarray) -> None:
        """Add per-frame minima, maxima and spectra (``float[k]``, ``float[k]``,
        ``float[k, bins]`` power).
        """
        plo, phi, pspec = self._pending
        plo, phi = np.concatenate([plo, lo]), np.concatenate([phi, hi])
        pspec = np.concatenate([pspec, spec])
        fpc = self.frames_per_column
        m = len(plo) // fpc * fpc
        if m:
            self._lo = np.concatenate([self._lo, plo[:m].reshape(-1, fpc).min(axis=1)])
            self._hi = np.concatenate([self._hi, phi[:m].reshape(-1, fpc).max(axis=1)])
            self._spec = np.concatenate(
                [self._spec, pspec[:m].reshape(-1, fpc, self.bins).mean(axis=1)])
        self._pending = (plo[m:], phi[m:], pspec[m:])
        while len(self._lo) >= 2 * self.columns:
            n = len(self._lo) // 2 * 2
            self._lo = self._lo[:n].reshape(-1, 2).min(axis=1)
            self._hi = self._hi[:n].reshape(-1, 2).max(axis=1)
            self._spec = self._spec[:n].reshape(-1, 2, self.bins).mean(axis=1)
            self.frames_per_column *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """``(lo[c], hi[c], power[c, bins], seconds_per_column)``; frames not yet making up
        a whole column are left out.
        """
        return self._lo, self._hi, self._spec, self.frames_per_column * FRAME_SECONDS


class Scanner:
    """Label 10 ms frames of a mono stream and emit runs to ``on_run`` as they end.

    Args:
        fs: sample rate, Hz.
        on_run: called with each finished :class:`Run`, in stream order.
        overview: optional :class:`Overview` to feed for the timeline picture.
    """

    def __init__(self, fs: int, on_run: Callable[[Run], None],
                 overview: Overview | None = None) -> None:
        self.fs = fs
        self.frame = max(8, int(round(FRAME_SECONDS * fs)))
        self.on_run = on_run
        self.overview = overview
        self.samples_seen = 0
        self.peak = 0.0
        self._leftover = np.zeros(0, dtype=np.float32)
        self._index = 0  # next frame number
        freqs = np.fft.rfftfreq(self.frame, 1.0 / fs)
        self._window = np.hanning(self.frame).astype(np.float32)
        self._afsk = (freqs >= _AFSK_BAND[0]) & (freqs <= _AFSK_BAND[1])
        self._tone = (freqs >= _TONE_BAND[0]) & (freqs <= _TONE_BAND[1])
        self._ac = freqs > 0
        self._history: deque[np.ndarray] = deque(maxlen=MARGIN_FRAMES + HOLD_FRAMES + 1)
        self._run: dict | None = None

    # -- input -------------------------------------------------------------------------
    def feed(self, block: np.ndarray) -> None:
        """Consume ``float32[n]`` mono samples (any ``n``)."""
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        if len(x) == 0:
            return
        self.samples_seen += len(x)
        self.peak = max(self.peak, float(np.max(np.abs(x))))
        if len(self._leftover):
            x = np.concatenate([self._leftover, x])
        n_frames = len(x) // self.frame
        self._leftover = x[n_frames * self.frame:].copy()
        if n_frames:
            self._frames(x[: n_frames * self.frame].reshape(n_frames, self.frame))

    def finish(self) -> None:
        """Flush the last partial frame (zero padded) and the run in progress."""
        if len(self._leftover):
            pad = np.zeros(self.frame, dtype=np.float32)
            pad[: len(self._leftover)] = self._leftover
            self._leftover = np.zeros(0, dtype=np.float32)
            self._frames(pad[None, :])
        while self._run is not None:
            self._end_run()

    # -- labelling ---------------------------------------------------------------------
    def _frames(self, frames: np.ndarray) -> None:
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        total = power[:, self._ac].sum(axis=1) + 1e-30
        afsk_share = power[:, self._afsk].sum(axis=1) / total
        tone_share = power[:, self._tone].sum(axis=1) / total
        db = 20 * np.log10(rms + 1e-12)
        labels = np.full(len(frames), OTHER, dtype=np.int8)
        labels[afsk_share >= _BAND_SHARE] = AFSK
        labels[tone_share >= _BAND_SHARE] = TONE
        labels[db < SILENCE_DBFS] = SILENT
        if self.overview is not None:
            self.overview.add(frames.min(axis=1), frames.max(axis=1),
                              power[:, : self.overview.bins] / self.frame ** 2)
        # Ends (exclusive) of the stretches of equal labels, to take long stretches of
        # silence or other audio in one step instead of frame by frame.
        ends = np.concatenate([np.flatnonzero(np.diff(labels)) + 1, [len(labels)]])
        i = 0
        while i < len(frames):
            run = self._run
            if run is not None and not run["keep"] and not run["misses"] \
                    and labels[i] == run["label"]:
                j = int(ends[np.searchsorted(ends, i, side="right")])
                self._index += j - i
                run["end_frame"] = self._index
                run["db_sum"] += float(db[i:j].sum())
                keep = self._history.maxlen or 0  # a bounded deque: maxlen is set
                self._history.extend(frames[max(i, j - keep): j])
                i = j
                continue
            self._step(int(labels[i]), frames[i], float(db[i]))
            i += 1

    def _step(self, label: int, frame: np.ndarray, db: float) -> None:
        idx = self._index
        self._index += 1
        run = self._run
        if run is not None and label != run["label"]:
            run["misses"].append((label, frame, db))
            if run["keep"]:
                self._append(run, frame)
            self._history.append(frame)
            if len(run["misses"]) > HOLD_FRAMES:
                self._end_run()
            return
        if run is None:
            keep = label in (AFSK, TONE)
            margin = list(self._history)[-MARGIN_FRAMES:] if keep else []
            run = self._run = {
                "label": label, "start_frame": idx, "end_frame": idx, "keep": keep,
                "chunks": [m.copy() for m in margin], "margin": len(margin), "kept": 0,
                "truncated": False, "misses": [], "db_sum": 0.0,
            }
            run["kept"] = sum(len(c) for c in run["chunks"])
        else:
            # Frames absorbed from a flicker belong to the run.
            for _, _, d in run["misses"]:
                run["db_sum"] += d
            run["misses"] = []
        if run["keep"] and not run["misses"]:
            self._append(run, frame)
        run["end_frame"] = idx + 1
        run["db_sum"] += db
        self._history.append(frame)

    def _end_run(self) -> None:
        # The run really ended at its first miss: close it, then replay the missed frames as
        # the start of whatever comes next. Those frames are already in the history; take
        # them out so the replay puts them back once, in order.
        run = self._run
        assert run is not None
        misses = run["misses"]
        self._close(run, run["end_frame"])
        self._run = None
        for _ in range(min(len(misses), len(self._history))):
            self._history.pop()
        self._index = run["end_frame"]
        for lab, fr, d in misses:
            self._step(lab, fr, d)

    def _append(self, run: dict, frame: np.ndarray) -> None:
        limit = int(MAX_RUN_SECONDS[run["label"]] * self.fs)
        if run["kept"] + len(frame) > limit:
            run["truncated"] = True
            return
        run["chunks"].append(frame.copy())
        run["kept"] += len(frame)

    def _close(self, run: dict, end_frame: int) -> None:
        n = end_frame - run["start_frame"]
        if run["keep"]:
            # Margin after the run: the missed frames already appended (up to HOLD_FRAMES).
            samples = np.concatenate(run["chunks"]) if run["chunks"] else np.zeros(0, np.float32)
        else:
            samples = np.zeros(0, dtype=np.float32)
        self.on_run(Run(
            label=run["label"], start=run["start_frame"] * self.frame,
            end=end_frame * self.frame,
            offset=(run["start_frame"] - run["margin"]) * self.frame,
            samples=samples, truncated=run["truncated"],
            rms_dbfs=run["db_sum"] / max(n, 1),
        ))
