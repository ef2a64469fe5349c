"""Audio monitoring sources: buffers, level, backoff, and each adapter under its supervisor."""

from __future__ import annotations

import asyncio
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from eas_encoder.audio import read_audio, write_audio
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.station.events import HeardAttention, HeardEom, HeardHeader, SourceHealth
from eas_encoder.station.sources import (
    AudioMonitor,
    Backoff,
    CardInput,
    FileInput,
    LevelMeter,
    RawInput,
    RollingBuffer,
    StreamInput,
    input_kind,
    make_input,
)

FS = 22050
HEADER = "ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-"
START = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def _tone(seconds: float, hz: float = 440.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * FS)) / FS
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.fixture(scope="module")
def alert_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s silence, a transmission with a 4 s 440 Hz message, 3 s silence."""
    tx = encode_transmission(HEADER, fs=FS, message=_tone(4.0))
    x = np.concatenate([np.zeros(3 * FS, np.float32), tx.samples,
                        np.zeros(3 * FS, np.float32)])
    path = tmp_path_factory.mktemp("audio") / "alert.wav"
    write_audio(path, x, FS)
    return path


def _collector() -> tuple[list[object], object]:
    events: list[object] = []

    async def emit(event: object) -> None:
        events.append(event)
    return events, emit


def test_rolling_buffer_keeps_the_newest_samples_across_the_wrap() -> None:
    ring = RollingBuffer(1000, 1.0)          # 1000 samples
    x = (np.arange(2500) % 30000).astype(np.int16)
    for i in range(0, 2500, 300):
        ring.append(x[i:i + 300])
    assert (ring.start, ring.end) == (1500, 2500)
    got = np.round(ring.slice(1400, 2500) * 32768).astype(int)
    assert np.array_equal(got, np.arange(1500, 2500))     # what fell out is not invented
    ring.append(np.arange(5000, dtype=np.int16))           # longer than the ring
    assert ring.end == 7500
    assert np.array_equal(np.round(ring.slice(6500, 7500) * 32768).astype(int),
                          np.arange(4000, 5000))


def test_level_meter_counts_silence_and_resets_on_audio() -> None:
    meter = LevelMeter(FS, silence_dbfs=-50)
    meter.update(_tone(1.0))
    assert meter.level_dbfs == pytest.approx(-13.5, abs=1.0)   # 0.3 peak sine: -13.5 dBFS
    for _ in range(30):
        meter.update(np.zeros(FS // 2, np.int16))
    # The level falls about 8.7 dB a second (one-second average): silent after about 8 s.
    assert 5.0 <= meter.silent_seconds <= 10.0 and meter.level_dbfs < -50
    meter.update((_tone(1.0) * 32767).astype(np.int16))
    assert meter.silent_seconds == 0.0


def test_backoff_doubles_to_its_cap_and_resets() -> None:
    b = Backoff(1.0, 5.0)
    assert [b.next() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    b.reset()
    assert b.next() == 1.0


@pytest.mark.parametrize(("target", "kind"), [
    ("-", "stdin"), ("lp1.wav", "file"), ("card:hw:1,0", "card"),
    ("http://127.0.0.1:8000/stream", "stream"), ("icecast://host/mount", "stream")])
def test_input_kind_from_the_target(target: str, kind: str) -> None:
    assert input_kind(target) == kind
    assert input_kind(target, "file") == "file"


def test_file_source_reports_events_at_stream_time_and_records_the_message(
        alert_wav: Path, tmp_path: Path) -> None:
    events, emit = _collector()
    m = AudioMonitor("LP1", lambda: make_input(str(alert_wav), paced=False), emit,
                     recordings=tmp_path, start=START, clock=lambda: START)
    asyncio.run(m.run())
    kinds = [type(e) for e in events if not isinstance(e, SourceHealth)]
    assert kinds == [HeardHeader, HeardAttention, HeardEom]
    header, attention, eom = (e for e in events if not isinstance(e, SourceHealth))
    assert header.text == HEADER and header.source == "LP1"
    # Confirmed by the second burst (ends 6.28 s after the start: 3 s + 0.5 s lead-in +
    # burst + 1 s + burst) when the first two match exactly, else by the third (8.17 s).
    assert min(abs((header.at - START).total_seconds() - t) for t in (6.28, 8.17)) < 0.3
    assert attention.at > header.at and eom.at > attention.at
    audio, fs = read_audio(eom.recording)
    assert fs == FS and abs(len(audio) / FS - 4.0) < 0.1      # the message, nothing else
    spectrum = np.abs(np.fft.rfft(audio[:, 0]))
    assert abs(np.argmax(spectrum) * FS / len(audio) - 440) < 2
    assert m.finished and events[-1] == SourceHealth("LP1", True, events[-1].level_dbfs,
                                                     "end of input")


def test_recording_is_cut_at_record_seconds(tmp_path: Path) -> None:
    tx = encode_transmission(HEADER, fs=FS, message=_tone(6.0), attention="none")
    path = tmp_path / "long.wav"
    write_audio(path, tx.samples, FS)
    events, emit = _collector()
    m = AudioMonitor("LP1", lambda: FileInput(path, paced=False), emit, recordings=tmp_path,
                     record_seconds=2.0, start=START, clock=lambda: START)
    asyncio.run(m.run())
    eom = next(e for e in events if isinstance(e, HeardEom))
    audio, _ = read_audio(eom.recording)
    assert abs(len(audio) / FS - 2.0) < 0.05


def test_missing_file_is_reported_and_does_not_raise(tmp_path: Path) -> None:
    events, emit = _collector()
    m = AudioMonitor("LP9", lambda: FileInput(tmp_path / "nope.wav", paced=False), emit,
                     recordings=tmp_path, start=START, clock=lambda: START)
    asyncio.run(m.run())
    assert m.finished
    assert len(events) == 1 and not events[0].ok and "no such file" in events[0].detail


def test_raw_input_reads_s16le_with_an_odd_split(alert_wav: Path, tmp_path: Path) -> None:
    x, _ = read_audio(alert_wav)
    pcm = (np.clip(x[:, 0], -1, 1) * 32767).astype("<i2").tobytes()
    events, emit = _collector()
    m = AudioMonitor("STDIN", lambda: RawInput(FS, io.BufferedReader(io.BytesIO(pcm), 777)),
                     emit, recordings=tmp_path, clock=lambda: datetime.now(UTC))
    asyncio.run(m.run())
    assert [type(e) for e in events if not isinstance(e, SourceHealth)] == [
        HeardHeader, HeardAttention, HeardEom]


def test_paced_file_is_read_at_real_time(alert_wav: Path, tmp_path: Path) -> None:
    # Only the first half second, so the test stays short: the pace is what is checked.
    async def main() -> float:
        src = FileInput(alert_wav, paced=True)
        await src.open()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        n = 0
        while n < FS // 2:
            n += len(await src.read())
        took = loop.time() - t0
        await src.close()
        return took - n / FS
    ahead = asyncio.run(main())
    assert ahead > -0.15      # never more than a block ahead of real time


def test_stream_source_decodes_through_ffmpeg(alert_wav: Path, tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (CI installs it: apt-get install -y ffmpeg)")
    events, emit = _collector()

    async def main() -> None:
        m = AudioMonitor("STREAM", lambda: StreamInput(f"file:{alert_wav}", FS), emit,
                         recordings=tmp_path, clock=lambda: datetime.now(UTC),
                         backoff=Backoff(0.05, 0.05))
        task = asyncio.create_task(m.run())
        for _ in range(400):       # bounded: the file decodes in well under a second
            if m.connections >= 2:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asyncio.run(main())
    assert [type(e) for e in events if not isinstance(e, SourceHealth)][:3] == [
        HeardHeader, HeardAttention, HeardEom]
    # The file ends like a dropped stream: the supervisor reconnects instead of stopping.
    health = [e.detail for e in events if isinstance(e, SourceHealth)]
    assert any("reconnecting" in d for d in health)


def test_failing_stream_retries_with_backoff_until_cancelled(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (CI installs it: apt-get install -y ffmpeg)")
    events, emit = _collector()

    async def main() -> None:
        m = AudioMonitor("DEAD", lambda: StreamInput("http://127.0.0.1:9/none", FS), emit,
                         recordings=tmp_path, clock=lambda: datetime.now(UTC),
                         backoff=Backoff(0.01, 0.02))
        task = asyncio.create_task(m.run())
        for _ in range(400):
            if sum(not e.ok for e in events) >= 3:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asyncio.run(main())
    assert sum(not e.ok for e in events) >= 3
    assert all(isinstance(e, SourceHealth) for e in events)


def test_card_source_without_portaudio_is_reported_once(tmp_path: Path) -> None:
    try:
        import sounddevice  # noqa: F401
        pytest.skip("sounddevice and PortAudio are present here")
    except (ImportError, OSError):
        pass
    events, emit = _collector()
    m = AudioMonitor("CARD", lambda: CardInput(None, FS), emit, recordings=tmp_path,
                     clock=lambda: datetime.now(UTC), backoff=Backoff(0.01, 0.01))
    asyncio.run(asyncio.wait_for(m.run(), 10))
    assert m.finished and len(events) == 1 and not events[0].ok
    assert "sounddevice" in events[0].detail or "PortAudio" in events[0].detail


def test_live_event_times_follow_the_wall_clock(alert_wav: Path, tmp_path: Path) -> None:
    # Without a start time, an event is stamped from the wall time of the block that
    # completed it, minus the audio that followed the event within that block.
    now = [START]

    def clock() -> datetime:
        now[0] += timedelta(seconds=1)     # each block read "takes" one second
        return now[0]
    events, emit = _collector()
    m = AudioMonitor("LP1", lambda: FileInput(alert_wav, paced=False), emit,
                     recordings=tmp_path, clock=clock)
    asyncio.run(m.run())
    header = next(e for e in events if isinstance(e, HeardHeader))
    assert START < header.at <= now[0]
