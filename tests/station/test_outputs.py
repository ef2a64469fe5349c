"""Station outputs: the relay transmission, the spool, command hooks and webhooks."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pytest

from eas_encoder.audio import write_audio
from eas_encoder.errors import EasError
from eas_encoder.same.decoder import HeaderEvent, decode
from eas_encoder.same.header import Header
from eas_encoder.station.actions import RelayPlan, RunHooks
from eas_encoder.station.outputs import (
    CommandOutput,
    PlayerOutput,
    Spool,
    WebhookOutput,
    hook_env,
    render_relay,
)

AT = datetime(2026, 11, 30, 18, 0, 31, tzinfo=UTC)
ON_AIR = Header.parse("ZCZC-WXR-TOR-006037+0030-3341800-KXYZ/FM -")
HOOK = RunHooks("relay", 7, {"header": str(ON_AIR), "event": "TOR", "note": "two\nlines"})


def test_relay_carries_header_attention_recording_and_eoms(tmp_path: Path) -> None:
    t = np.arange(22050 * 3) / 22050
    write_audio(tmp_path / "msg.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
                22050)
    plan = RelayPlan(ON_AIR, attention=True, attention_seconds=8.0,
                     audio=str(tmp_path / "msg.wav"))
    x = render_relay(plan, fs=22050)
    events = decode(x, 22050)
    assert [e.kind for e in events] == ["header", "attention", "eom"]
    assert events[0].text == str(ON_AIR)
    att, eom = events[1], events[2]
    assert abs(eom.start - att.end - 5.0) < 0.1      # 1 s pause, 3 s message, 1 s pause


def test_header_only_relay_has_no_attention_and_no_message() -> None:
    rwt = replace(ON_AIR, event="RWT")
    x = render_relay(RelayPlan(rwt, attention=False, attention_seconds=8.0), fs=22050)
    assert [e.kind for e in decode(x, 22050)] == ["header", "eom"]


def test_unreadable_recording_fails_the_relay_not_the_shell(tmp_path: Path) -> None:
    plan = RelayPlan(ON_AIR, attention=True, attention_seconds=8.0,
                     audio=str(tmp_path / "gone.wav"))
    with pytest.raises(EasError):
        asyncio.run(Spool(tmp_path / "relay").write(1, plan, AT))
    assert not (tmp_path / "relay").exists()      # nothing written, not even a partial file


def test_spool_file_name_and_content(tmp_path: Path) -> None:
    plan = RelayPlan(ON_AIR, attention=False, attention_seconds=8.0)
    path, samples = asyncio.run(Spool(tmp_path, fs=22050).write(12, plan, AT))
    assert path.name == "20261130T180031Z-r12-TOR.wav"
    assert [e.text for e in decode(samples, 22050) if isinstance(e, HeaderEvent)] == [
        str(ON_AIR)]


def test_hook_environment_is_clean() -> None:
    env = hook_env(HOOK, "KXYZ/FM ")
    assert env == {"EAS_HOOK": "relay", "EAS_STATION": "KXYZ/FM", "EAS_ALERT_ID": "7",
                   "EAS_HEADER": str(ON_AIR), "EAS_EVENT": "TOR", "EAS_NOTE": "two lines"}


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "hook.py"
    path.write_text(body)
    return f"{sys.executable} {path}"


def test_command_hook_gets_json_and_environment(tmp_path: Path) -> None:
    cmd = _script(tmp_path, "import json, os, sys\n"
                            "e = json.load(sys.stdin)\n"
                            "print(e['hook'], e['alert_id'], os.environ['EAS_EVENT'])\n")
    out = asyncio.run(CommandOutput("notify", cmd, on=["relay"]).send(HOOK, "KXYZ/FM "))
    assert out.ok and out.detail == "exit 0: relay 7 TOR"
    assert CommandOutput("x", cmd, on=["alert"]).wants(HOOK) is False


def test_command_hook_failure_timeout_and_absence_are_outcomes(tmp_path: Path) -> None:
    bad = _script(tmp_path, "import sys\nprint('nope')\nsys.exit(3)\n")
    out = asyncio.run(CommandOutput("bad", bad).send(HOOK, "KXYZ/FM "))
    assert not out.ok and out.detail == "exit 3: nope"
    slow = f"{sys.executable} -c 'import time; time.sleep(60)'"
    out = asyncio.run(CommandOutput("slow", slow, timeout=0.5).send(HOOK, "KXYZ/FM "))
    assert not out.ok and out.detail.startswith("timed out after 0.5 s")
    out = asyncio.run(CommandOutput("gone", "/nonexistent/hook").send(HOOK, "KXYZ/FM "))
    assert not out.ok


def test_command_output_is_capped(tmp_path: Path) -> None:
    chatty = _script(tmp_path, "print('x' * 100000)\n")
    out = asyncio.run(CommandOutput("chatty", chatty).send(HOOK, "KXYZ/FM "))
    assert out.ok and len(out.detail) <= 4096 + 20


def test_player_gets_the_relay_file(tmp_path: Path) -> None:
    cmd = _script(tmp_path, "import sys\nprint(open(sys.argv[1], 'rb').read(4))\n")
    out = asyncio.run(PlayerOutput("air", cmd).play(tmp_path / "hook.py", np.zeros(1), 8000))
    assert out.ok and "b'impo'" in out.detail


def _webhook(codes: list[int], bodies: list[dict], **kw) -> WebhookOutput:
    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        code = codes.pop(0)
        if code == 0:
            raise httpx.ConnectError("refused")
        return httpx.Response(code)
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return WebhookOutput("hook", "http://127.0.0.1:9/hook", client, first_delay=0.01, **kw)


def test_webhook_retries_server_errors_then_succeeds() -> None:
    bodies: list[dict] = []
    out = asyncio.run(_webhook([0, 503, 204], bodies).send(HOOK, "KXYZ/FM "))
    assert out.ok and out.detail == "HTTP 204" and len(bodies) == 3
    assert bodies[0] == {"hook": "relay", "station": "KXYZ/FM", "alert_id": 7,
                         "data": {k: str(v) for k, v in HOOK.data.items()}}


def test_webhook_gives_up_on_refusal_and_after_its_retries() -> None:
    bodies: list[dict] = []
    out = asyncio.run(_webhook([400, 200], bodies).send(HOOK, "KXYZ/FM "))
    assert not out.ok and out.detail == "attempt 1: HTTP 400" and len(bodies) == 1
    bodies.clear()
    out = asyncio.run(_webhook([500] * 3, bodies, retries=2).send(HOOK, "KXYZ/FM "))
    assert not out.ok and len(bodies) == 3


def test_cap_audio_that_is_not_inline_is_never_read_from_a_local_file(tmp_path: Path) -> None:
    from eas_encoder.cap.model import Resource

    secret = tmp_path / "secret.wav"
    write_audio(secret, np.full(8000, 0.5, np.float32), 8000)
    for uri in (f"file://{secret}", str(secret), "secret.wav"):
        plan = RelayPlan(ON_AIR, attention=False, attention_seconds=8.0,
                         cap_audio=Resource("audio", "audio/x-wav", uri=uri))
        x = render_relay(plan, fs=22050)        # header + EOMs only: nothing was read
        assert [e.kind for e in decode(x, 22050)] == ["header", "eom"]
        assert np.max(np.abs(x)) < 0.75 and len(x) / 22050 < 12


def test_card_output_without_portaudio_is_a_failed_outcome() -> None:
    from eas_encoder.station.outputs import CardOutput

    try:
        import sounddevice  # noqa: F401
        pytest.skip("sounddevice and PortAudio are present here")
    except (ImportError, OSError):
        pass
    out = asyncio.run(CardOutput("air", "").play(Path("x.wav"), np.zeros(10), 8000))
    assert not out.ok and ("PortAudio" in out.detail or "sounddevice" in out.detail)
