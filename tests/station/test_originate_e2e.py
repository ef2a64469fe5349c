"""End to end (issue 13 item 2): an origination queued in the log, the monitor run with
``--once`` takes it, the relay file appears in the spool and our receiver decodes the header
with the station's own L-code; the station's own alert heard back on its monitoring source
is a duplicate, not a second relay.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile as sf

from eas_encoder.audio import read_audio, to_mono
from eas_encoder.same.decoder import AttentionSignalEvent, HeaderEvent, decode
from eas_encoder.same.header import Header
from eas_encoder.same.transmission import encode_transmission
from eas_encoder.station.config import load_config
from eas_encoder.station.log import StationLog
from eas_encoder.station.originate import OriginationForm, validate_origination
from eas_encoder.station.shell import run_monitor

START = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
FS = 16000


def _station(tmp_path: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(f"""
[station]
id = "KXYZ/FM"
locations = ["006037"]
database = "out/station.db"
spool = "out/relay"

[[source]]
name = "LP1"
audio = "lp1.wav"
start = {START:%Y-%m-%dT%H:%M:%SZ}

[[filter]]
locations = "station"
action = "forward"

[tests]
weekly_rwt = false
""")
    return path


def test_originated_alerts_go_out_through_the_spool_and_decode(tmp_path: Path) -> None:
    cfg = load_config(_station(tmp_path))
    message = tmp_path / "out" / "recordings" / "upload-1.wav"
    message.parent.mkdir(parents=True)
    t = np.arange(FS) / FS
    sf.write(message, (0.3 * np.sin(2 * np.pi * 500 * t)).astype(np.float32), FS)
    rwt = validate_origination(OriginationForm("RWT", ("006037",), user="alice"), cfg, START,
                               voices={})
    cae = validate_origination(OriginationForm("CAE", ("006037",), "CIV", "0030",
                                               audio_path=message, user="bob"), cfg,
                               START, voices={})
    # LP1 carries our own CAE back (a downstream station's relay of it, its L-code
    # rewritten) 20 s into the recording: a relay loop the duplicate rule must break.
    loop = encode_transmission(str(replace(cae.header, station="KABC/AM")), fs=FS,
                               attention="none")
    silence = np.zeros(FS * 20, np.float32)
    sf.write(tmp_path / "lp1.wav", np.concatenate([silence, loop.samples, silence]), FS)
    with StationLog.open(cfg.station.database, now=START) as log:
        assert log.request_origination(rwt, "alice", at=START) == 1
        assert log.request_origination(cae, "bob", at=START) == 2
        assert [r.status for r in log.origination_requests()] == ["queued", "queued"]
    out = io.StringIO()
    assert run_monitor(cfg, once=True, out=out, install_signals=False) == 0

    with contextlib.closing(StationLog.open(cfg.station.database, writer=False)) as log:
        rows = log.alerts()
        got = [(r.source, r.decision, r.reason, r.relay_status) for r in rows]
        assert got == [("operator:alice", "sent", "originated", "done"),
                       ("operator:bob", "sent", "originated", "done"),
                       ("LP1", "reject", f"duplicate:{rows[1].alert_id}", None)], out.getvalue()
        requests = {r.request_id: r for r in log.origination_requests()}
        assert (requests[1].status, requests[1].alert_id) == ("taken", rows[0].alert_id)
        assert (requests[2].status, requests[2].alert_id) == ("taken", rows[1].alert_id)
        assert [(o.user, o.verdict) for o in log.operator_actions()] == [
            ("alice", "originate"), ("bob", "originate")]
        files = [Path(r.relay_file) for r in rows[:2]]  # type: ignore[arg-type]
    assert sorted(p.name for p in cfg.station.spool.iterdir()) == sorted(p.name for p in files)
    for path, sent in zip(files, (rwt, cae), strict=True):
        samples, fs = read_audio(path)
        events = decode(to_mono(samples), fs)
        headers = {e.text for e in events if isinstance(e, HeaderEvent)}
        assert headers == {sent.header_text}
        assert Header.parse(sent.header_text).station == "KXYZ/FM "
        attention = [e for e in events if isinstance(e, AttentionSignalEvent)]
        # RWT: header and EOM only (47 CFR 11.61(a)(2)); CAE: attention, then the upload.
        assert bool(attention) == (sent is cae)
    assert sf.info(str(files[1])).duration > sf.info(str(files[0])).duration + 8.5


def test_a_live_monitor_takes_an_origination_queued_by_another_process(
        tmp_path: Path) -> None:
    """The console's path: the monitor runs (the log's one writer), the request is queued
    through a reader connection, and the next tick takes it (bounded wait, no time limit
    asserted).
    """
    import asyncio

    from eas_encoder.station.shell import Monitor

    from .test_shell import _station as station_with

    (tmp_path / "cap").mkdir()
    path = station_with(tmp_path, '[[source]]\nname = "DIR"\ncap = "cap"\n')
    cfg = load_config(path)
    monitor = Monitor(cfg, once=False, out=None)

    async def main() -> int:
        stop = asyncio.Event()
        task = asyncio.create_task(monitor.run(stop))
        for _ in range(200):     # bounded: until the monitor holds the log
            await asyncio.sleep(0.05)
            if cfg.station.database.exists() and getattr(monitor, "core", None):
                break
        now = datetime.now(UTC)
        o = validate_origination(OriginationForm("RWT", ("006037",), user="carol"), cfg, now,
                                 voices={})
        with StationLog.open(cfg.station.database, writer=False) as log:
            rid = log.request_origination(o, "carol", at=now)
            for _ in range(600):  # bounded: until the monitor has sent it
                await asyncio.sleep(0.05)
                [row] = log.origination_requests(request_id=rid)
                sent = row.alert_id is not None and [
                    r for r in log.alerts() if r.alert_id == row.alert_id
                    and r.relay_status == "done"]
                if sent:
                    break
        stop.set()
        await asyncio.wait_for(task, 60)
        return rid

    rid = asyncio.run(main())
    with contextlib.closing(StationLog.open(cfg.station.database, writer=False)) as log:
        [row] = log.origination_requests(request_id=rid)
        assert row.status == "taken" and row.alert_id is not None
        [alert] = [r for r in log.alerts() if r.alert_id == row.alert_id]
        assert (alert.source, alert.decision, alert.relay_status) == (
            "operator:carol", "sent", "done")
        assert Path(alert.relay_file or "").parent == cfg.station.spool
    samples, fs = read_audio(alert.relay_file or "")
    assert {e.text for e in decode(to_mono(samples), fs) if isinstance(e, HeaderEvent)} == {
        alert.header}
