"""End to end: `eas-encoder monitor --once` as a process, with a CAP feed, a webhook and a
command hook served on 127.0.0.1, two audio sources, the SQLite log, and a kill -9 during a
relay followed by a restart (issue 12 items 3-6).

The audio and identities come from samples/make_station_samples.py (so that script is tested
too): LP1 holds a tornado warning for a county the station serves and an expired warning;
LP2 holds the same tornado warning (a duplicate) and a warning for a county in Texas. The
IPAWS-shaped feed holds a civil emergency message signed by the test CA (with its audio
inline), one unsigned and one signed by a CA the station does not trust.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from eas_encoder.audio import encode_audio_bytes, read_audio, resample, to_mono
from eas_encoder.cap.bridge import same_to_alert
from eas_encoder.cap.model import Resource
from eas_encoder.cap.signature import sign
from eas_encoder.cap.xml import serialize
from eas_encoder.same.decoder import HeaderEvent, decode
from eas_encoder.same.header import Header
from eas_encoder.station.log import LogError, StationLog
from eas_encoder.station.sources import _trim_silence
from tests.helpers import require_tool
from tests.station.sample_station import ROOT, ipaws_container, samples

START = samples.START
CAP_CEM = "ZCZC-CIV-CEM-006059+0100-3341755-LACOUNTY-"
CAP_UNSIGNED = "ZCZC-CIV-LAE-006037+0100-3341756-LACOUNTY-"
CAP_IMPOSTOR = "ZCZC-CIV-EVI-006037+0100-3341757-LACOUNTY-"
STATION = "KXYZ/FM "
RUN_TIMEOUT = 180           # s: a --once run takes a few seconds; this only bounds a hang


def _on_air(header: str) -> str:
    return str(replace(Header.parse(header), station=STATION))


class _Server:
    """The IPAWS feed (GET .../recent/{timestamp}) and a webhook (POST /hook) on 127.0.0.1."""

    def __init__(self, feed: bytes) -> None:
        self.feed = feed
        self.gets: list[str] = []
        self.posts: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.gets.append(self.path)
                if "/recent/" not in self.path:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(outer.feed)))
                self.end_headers()
                self.wfile.write(outer.feed)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.posts.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()




def _cap_with_audio(header: str, message: np.ndarray) -> bytes:
    alert = same_to_alert(Header.parse(header), sender="e2e@eas-encoder.invalid",
                          reference=START)
    wav = encode_audio_bytes(message, samples.FS)
    res = Resource("EAS Broadcast Content", "audio/x-wav", size=len(wav),
                   deref_uri=base64.b64encode(wav).decode("ascii"))
    info = replace(alert.infos[0], resources=(res,))
    return serialize(replace(alert, infos=(info,)))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("station-media")
    paths = samples.make(d)
    ca, key, cert = samples.make_identities(START - timedelta(days=30))
    _, other_key, other_cert = samples.make_identities(START - timedelta(days=30))
    (d / "trusted-ca.pem").write_bytes(ca)
    t = np.arange(2 * samples.FS) / samples.FS
    tone = (0.3 * np.sin(2 * np.pi * 523.25 * t)).astype(np.float32)
    feed = ipaws_container(sign(_cap_with_audio(CAP_CEM, tone), key, cert),
                      samples.cap_document(CAP_UNSIGNED),
                      samples.cap_document(CAP_IMPOSTOR, key=other_key, cert=other_cert))
    player = d / "player.py"
    player.write_text(
        "import pathlib, sys, time\n"
        "marker, hold = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
        "marker.write_text(sys.argv[-1])\n"
        "if hold.exists():\n"
        "    time.sleep(120)\n")
    hook = d / "hook.py"
    hook.write_text(
        "import json, os, pathlib, sys\n"
        "event = json.load(sys.stdin)\n"
        "env = {k: v for k, v in os.environ.items() if k.startswith('EAS_')}\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "out.write_text(out.read_text() + json.dumps([event, env]) + '\\n' "
        "if out.exists() else json.dumps([event, env]) + '\\n')\n"
        "print('hook ran for', env['EAS_HOOK'])\n")
    return {**paths, "dir": d, "feed": feed, "player": player, "hook": hook}


def _config(media: dict, work: Path, port: int, *, player: bool) -> Path:
    py = sys.executable
    text = f"""
[station]
id = "KXYZ/FM"
locations = ["006037", "006059"]
database = "out/station.db"
spool = "out/relay"
recordings = "out/recordings"

[[source]]
name = "LP1"
audio = "{media['lp1']}"
start = {START:%Y-%m-%dT%H:%M:%SZ}

[[source]]
name = "LP2"
audio = "{media['lp2']}"
start = {START:%Y-%m-%dT%H:%M:%SZ}

[[source]]
name = "IPAWS"
cap = "http://127.0.0.1:{port}/IPAWSOPEN_EAS_SERVICE/rest/eas/recent/{{timestamp}}"

[[filter]]
name = "local"
locations = "station"
action = "forward"

[cap]
trust = ["{media['dir'] / 'trusted-ca.pem'}"]

[tests]
weekly_rwt = false

[[output]]
kind = "webhook"
target = "http://127.0.0.1:{port}/hook"
on = ["relay"]

[[output]]
kind = "command"
target = "{py} {media['hook']} {work / 'hooks.jsonl'}"
on = ["relay"]
"""
    if player:
        text += f"""
[[output]]
kind = "player"
target = "{py} {media['player']} {work / 'playing'} {work / 'hold'}"
"""
    path = work / "station.toml"
    path.write_text(text)
    return path


def _monitor(config: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "eas_encoder", "monitor", str(config),
                             "--once"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=config.parent)


@pytest.fixture(scope="module")
def run(media: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("station-run")
    server = _Server(media["feed"])
    try:
        proc = _monitor(_config(media, work, server.port, player=False))
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        server.close()
    assert proc.returncode == 0, err
    with contextlib.closing(StationLog.open(work / "out" / "station.db", writer=False)) as log:
        rows, relays, outputs = log.alerts(), log.relays(), log.outputs()
    return {"work": work, "out": out, "server": server, "rows": rows, "relays": relays,
            "outputs": outputs, "spool": sorted((work / "out" / "relay").glob("*.wav"))}


def test_one_log_row_per_alert_with_its_reason(run: dict) -> None:
    rows = run["rows"]
    assert len(rows) == 7, [(r.source, r.header, r.reason) for r in rows]
    got = {(r.source, r.event, r.decision, r.reason.split(":")[0], r.relay_status)
           for r in rows}
    assert got == {
        ("IPAWS", "CEM", "relay", "filter", "done"),
        ("IPAWS", None, "reject", "unsigned", None),
        ("IPAWS", None, "reject", "signature-untrusted", None),
        ("LP1", "TOR", "relay", "filter", "done"),
        ("LP2", "TOR", "reject", "duplicate", None),
        ("LP1", "SVR", "reject", "expired", None),
        ("LP2", "FFW", "ignore", "no-filter", None),
    }
    assert [r["status"] for r in run["relays"]] == ["done", "done"]
    # The feed was asked with the IPAWS-OPEN timestamp form, from the stream clock.
    assert any("/recent/2026-11-30T17:00:00Z" in g for g in run["server"].gets)


def test_exactly_the_expected_relays_decode_to_the_header_with_our_l_code(run: dict) -> None:
    spool = run["spool"]
    assert [p.name.split("-", 2)[-1] for p in spool] == ["CEM.wav", "TOR.wav"]
    assert not list((run["work"] / "out" / "relay").glob(".*"))     # no partial files
    for path, header in zip(spool, (CAP_CEM, samples.TORNADO), strict=True):
        x, fs = read_audio(path)
        events = decode(x, fs)
        headers = [e.text for e in events if isinstance(e, HeaderEvent)]
        assert headers == [_on_air(header)]
        assert [e.kind for e in events].count("eom") == 1
        assert "attention" in [e.kind for e in events]


def test_relays_decode_with_multimon_ng(run: dict) -> None:
    multimon = require_tool("multimon-ng")
    for path, header in zip(run["spool"], (CAP_CEM, samples.TORNADO), strict=True):
        x, fs = read_audio(path)
        pcm = (np.clip(resample(to_mono(x), fs, 22050), -1, 1) * 32767).astype("<i2")
        res = subprocess.run([multimon, "-q", "-t", "raw", "-a", "EAS", "-"],
                             input=pcm.tobytes(), capture_output=True, timeout=60)
        lines = [ln.strip() for ln in res.stdout.decode().splitlines() if ln.startswith("EAS:")]
        assert lines[0] == f"EAS: {_on_air(header)}"
        assert lines.count("EAS: NNNN") >= 1


def test_relay_message_audio_is_what_was_heard(run: dict) -> None:
    # The TOR relay carries the recorded message between its attention signal and its EOMs:
    # as long as the sample's message without its leading and trailing silence.
    tor = next(p for p in run["spool"] if p.name.endswith("TOR.wav"))
    x, fs = read_audio(tor)
    events = decode(x, fs)
    attention = next(e for e in events if e.kind == "attention")
    eom = next(e for e in events if e.kind == "eom")
    heard = eom.start - attention.end - 2.0          # the one-second pauses either side
    message = _trim_silence(samples.spoken(samples.MESSAGE), samples.FS)
    assert abs(heard - len(message) / samples.FS) < 0.15
    middle = x[int((attention.end + 1.5) * fs):int((eom.start - 1.5) * fs)]
    assert np.sqrt(np.mean(middle ** 2)) > 0.01      # speech, not silence


def test_hooks_received_the_event(run: dict) -> None:
    posts = run["server"].posts
    assert len(posts) == 2 and {p["hook"] for p in posts} == {"relay"}
    lines = (run["work"] / "hooks.jsonl").read_text().splitlines()
    assert len(lines) == 2
    event, env = json.loads(lines[0])
    assert env["EAS_HOOK"] == "relay" and env["EAS_STATION"] == "KXYZ/FM"
    assert env["EAS_ALERT_ID"] == str(event["alert_id"])
    logged = [o for o in run["outputs"] if o["output"] == "output2"]
    assert len(logged) == 2 and all(o["ok"] for o in logged)
    assert all("hook ran for relay" in o["detail"] for o in logged)


def test_kill_9_during_a_relay_then_restart_leaves_a_whole_log(media: dict,
                                                               tmp_path: Path) -> None:
    server = _Server(media["feed"])
    try:
        config = _config(media, tmp_path, server.port, player=True)
        (tmp_path / "hold").write_text("hold the first relay until killed")
        proc = _monitor(config)
        try:
            for _ in range(RUN_TIMEOUT * 10):       # bounded: until the player starts
                if (tmp_path / "playing").exists() or proc.poll() is not None:
                    break
                time.sleep(0.1)
            assert (tmp_path / "playing").exists(), proc.communicate(timeout=5)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        db = tmp_path / "out" / "station.db"
        with contextlib.closing(StationLog.open(db, writer=False)) as log:
            before = log.relays()
            assert [r["status"] for r in before] == ["started"]
        (tmp_path / "hold").unlink()
        again = _monitor(config)
        out, err = again.communicate(timeout=RUN_TIMEOUT)
        assert again.returncode == 0, err
    finally:
        server.close()
    with contextlib.closing(StationLog.open(db, writer=False)) as log:
        assert log.integrity() == "ok"
        relays = log.relays()
        rows = log.alerts()
    first = relays[0]
    assert first["relay_id"] == before[0]["relay_id"]
    assert first["status"] == "failed" and "interrupted" in first["reason"]
    assert all(r["status"] in ("done", "failed") for r in relays)
    # Every alert the killed run logged is still there, with a decision.
    assert all(r.decision and r.reason for r in rows)
    assert "interrupted" in out or any("interrupted" in r.reason for r in rows)


def test_sigterm_stops_a_live_monitor_cleanly(tmp_path: Path) -> None:
    (tmp_path / "cap").mkdir()
    config = tmp_path / "station.toml"
    config.write_text('[station]\nid = "KXYZ/FM"\nlocations = ["006037"]\n'
                      '[[source]]\nname = "DIR"\ncap = "cap"\npoll = 1\n'
                      '[[filter]]\nlocations = "station"\naction = "forward"\n'
                      '[tests]\nweekly_rwt = false\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "eas_encoder", "monitor", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(RUN_TIMEOUT * 10):       # bounded: until the source has been polled
            if (tmp_path / "station.db").exists() and proc.poll() is None:
                with contextlib.suppress(LogError), contextlib.closing(
                        StationLog.open(tmp_path / "station.db", writer=False)) as log:
                    if log.source_health("DIR"):
                        break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 0, err
    assert err == ""
    with contextlib.closing(StationLog.open(tmp_path / "station.db",   # lock free
                                            now=datetime.now(UTC))) as log:
        assert log.integrity() == "ok"
