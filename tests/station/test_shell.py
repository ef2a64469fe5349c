"""The monitor shell in-process: live run and clean stop, a failing source beside a working
one, and the per-source keys the shell validates.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from eas_encoder.audio import write_audio
from eas_encoder.errors import ConfigError
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.station.config import load_config
from eas_encoder.station.log import StationLog
from eas_encoder.station.shell import Monitor

FS = 22050
START = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
TORNADO = "ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-"


def _station(tmp_path: Path, sources: str, extra: str = "") -> Path:
    path = tmp_path / "station.toml"
    path.write_text(f"""
[station]
id = "KXYZ/FM"
locations = ["006037"]
{sources}
[[filter]]
locations = "station"
action = "forward"
[tests]
weekly_rwt = false
{extra}
""")
    return path


def test_a_failing_source_never_stops_the_others(tmp_path: Path) -> None:
    tx = encode_transmission(TORNADO, fs=FS, attention="none")
    write_audio(tmp_path / "good.wav", np.concatenate([tx.samples, np.zeros(FS)]), FS)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    cfg = load_config(_station(tmp_path, f"""
[[source]]
name = "BROKEN"
audio = "broken.wav"
start = {START:%Y-%m-%dT%H:%M:%SZ}
[[source]]
name = "GOOD"
audio = "good.wav"
start = {START:%Y-%m-%dT%H:%M:%SZ}
"""))
    out = io.StringIO()
    monitor = Monitor(cfg, once=True, out=out)
    code = asyncio.run(monitor.run())
    assert code == 2 and monitor.errors[0].startswith("source BROKEN: cannot open")
    assert "relay r2 done" in out.getvalue()
    with contextlib.closing(StationLog.open(tmp_path / "station.db", writer=False)) as log:
        assert [(r.source, r.decision) for r in log.alerts()] == [("GOOD", "relay")]
        bad = log.source_health("BROKEN")
        assert bad and not bad[0][1]


def test_live_run_stops_cleanly_and_releases_the_log(tmp_path: Path) -> None:
    write_audio(tmp_path / "quiet.wav", np.zeros(FS * 30, np.float32), FS)
    (tmp_path / "cap").mkdir()
    cfg = load_config(_station(tmp_path, """
[[source]]
name = "LP1"
audio = "quiet.wav"
[[source]]
name = "DIR"
cap = "cap"
poll = 1
"""))
    monitor = Monitor(cfg, once=False, out=None)

    async def main() -> int:
        stop = asyncio.Event()
        task = asyncio.create_task(monitor.run(stop))
        for _ in range(200):        # bounded: until both sources have reported
            await asyncio.sleep(0.05)
            if monitor.audio and monitor.audio[0].connections and monitor.cap \
                    and monitor.cap[0].last_success:
                break
        stop.set()
        return await asyncio.wait_for(task, 30)
    assert asyncio.run(main()) == 0
    # The writer lock is free again and the health of both sources is in the log.
    with contextlib.closing(StationLog.open(tmp_path / "station.db",
                                            now=datetime.now(UTC))) as log:
        assert {h[0] for h in log.source_health()} >= {"LP1", "DIR"}


@pytest.mark.parametrize(("line", "field"), [
    ('start = "yesterday"', "source[1].start"),
    ('start = "2026-11-30T18:00:00"', "source[1].start"),
    ('input = "tape"', "source[1].input"),
    ("silence_dbfs = 10", "source[1].silence_dbfs"),
    ("silence_seconds = 0", "source[1].silence_seconds"),
])
def test_shell_keys_are_validated_with_their_key_path(tmp_path: Path, line: str,
                                                       field: str) -> None:
    cfg = load_config(_station(tmp_path, f'[[source]]\nname = "LP1"\naudio = "a.wav"\n{line}\n'))
    with pytest.raises(ConfigError) as err:
        Monitor(cfg, once=True)
    assert err.value.field == field


def test_start_only_applies_to_files(tmp_path: Path) -> None:
    cfg = load_config(_station(tmp_path, '[[source]]\nname = "S"\naudio = "http://h/s"\n'
                                         "start = 2026-11-30T18:00:00Z\n"))
    with pytest.raises(ConfigError, match="file or stdin"):
        Monitor(cfg, once=True)


def test_operator_verdict_queued_in_the_log_releases_a_held_alert(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eas_encoder.station.shell as shell

    live = Header("WXR", "TOR", ("006037",), 30, datetime.now(UTC), "KLOX/NWS")
    tx = encode_transmission(live, fs=FS, attention="none")
    write_audio(tmp_path / "lp1.wav", np.concatenate([tx.samples, np.zeros(FS)]), FS)
    path = tmp_path / "station.toml"
    path.write_text("""
[station]
id = "KXYZ/FM"
locations = ["006037"]
[[source]]
name = "LP1"
audio = "lp1.wav"
[[filter]]
locations = "station"
action = "manual"
timeout = 3600
[cap]
window = 10
[tests]
weekly_rwt = false
""")
    real = shell.make_input
    # A live run, but the file read at once: the held alert comes without waiting 8 s.
    monkeypatch.setattr(shell, "make_input", lambda *a, **k: real(*a, **{**k, "paced": False}))
    out = io.StringIO()
    monitor = Monitor(load_config(path), once=False, out=out)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(monitor.run(stop))
        for _ in range(400):        # bounded: until the alert is held
            await asyncio.sleep(0.05)
            if " hold: " in out.getvalue():
                break
        with contextlib.closing(StationLog.open(tmp_path / "station.db",
                                                writer=False)) as reader:
            held = [r for r in reader.alerts() if r.decision == "hold"]
            reader.request_operator(held[0].alert_id, "ops", "forward", "checked",
                                    at=datetime.now(UTC))   # live: the wall clock
        for _ in range(600):        # the relay waits out the CAP window (10 s) first
            await asyncio.sleep(0.05)
            if "relay r" in out.getvalue():
                break
        stop.set()
        await asyncio.wait_for(task, 30)
    asyncio.run(main())
    assert "done" in out.getvalue().splitlines()[-1], out.getvalue()
    with contextlib.closing(StationLog.open(tmp_path / "station.db", writer=False)) as log:
        assert [(r.decision, r.reason) for r in log.alerts()] == [("relay", "operator:ops")]
        assert [a.user for a in log.operator_actions()] == ["ops"]


def test_remote_cap_audio_is_fetched_bounded_and_checked_against_its_digest(
        tmp_path: Path) -> None:
    import base64
    import hashlib

    import httpx

    from eas_encoder.cap.model import Resource
    from eas_encoder.station.actions import RelayPlan

    audio = b"RIFF-pretend-audio"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=audio)
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    cfg = load_config(_station(tmp_path, '[[source]]\nname = "DIR"\ncap = "cap"\n'))
    monitor = Monitor(cfg, once=True, out=None, client=client)
    header = Header.parse(TORNADO)

    def plan(**kw: object) -> RelayPlan:
        return RelayPlan(header, attention=True, attention_seconds=8.0, text="words",
                         cap_audio=Resource("audio", "audio/x-wav", **kw))
    good = asyncio.run(monitor._cap_audio(plan(uri="https://ipaws.example/a.wav",
                                               digest=hashlib.sha1(audio).hexdigest())))
    assert base64.b64decode(good.cap_audio.deref_uri) == audio
    bad = asyncio.run(monitor._cap_audio(plan(uri="https://ipaws.example/a.wav",
                                              digest="00" * 20)))
    assert bad.cap_audio is None and bad.text == "words"     # spoken instead
    local = plan(uri="file:///etc/passwd")
    assert asyncio.run(monitor._cap_audio(local)) == local   # left for render_relay to drop
