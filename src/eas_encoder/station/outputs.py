"""Station outputs: one small adapter per kind of sink.

- :func:`render_relay` / :class:`Spool`: the relay transmission built from the core's
  :class:`~eas_encoder.station.actions.RelayPlan` with :mod:`eas_encoder.same.transmission`
  (header with the station's own identifier, attention signal, the recorded message audio or
  the CAP version's audio/text, three EOMs; 47 CFR 11.31, 11.33(a)(3)(i), 11.51) and written
  atomically into the spool directory.
- :class:`CardOutput`: airs each relay on a sound card (sounddevice; optional).
- :class:`PlayerOutput`: airs each relay through a command (``play -q`` + the file).
- :class:`CommandOutput`: a command per hook, with ``EAS_*`` environment variables and the
  event as JSON on standard input; bounded time, output captured for the log.
- :class:`WebhookOutput`: an HTTP POST of the event as JSON, retried with backoff.

Every adapter reports an :class:`Outcome` instead of raising, so one failing sink never stops
the others; the shell turns a failed relay into ``relay_failed`` for the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..audio import read_audio, resample, to_mono, write_audio
from ..cap.bridge import EasActivation
from ..errors import EasError
from ..message import alert_message
from ..same.transmission import encode_transmission
from .actions import RelayPlan, RunHooks

if TYPE_CHECKING:  # imported at run time only by a webhook (start-up time)
    import httpx

__all__ = ["RELAY_SAMPLE_RATE", "Outcome", "render_relay", "relay_file_name", "Spool",
           "CardOutput", "PlayerOutput", "CommandOutput", "WebhookOutput", "hook_env",
           "MAX_CAPTURE_BYTES"]

RELAY_SAMPLE_RATE = 48000
"""Sample rate of relay audio, Hz (what broadcast playout chains take)."""
MAX_CAPTURE_BYTES = 4096
"""Output of a hook command kept for the log, bytes (the rest is cut)."""
DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Outcome:
    """How one output did: ``ok``, and ``detail`` for the log (exit code and output, HTTP
    status, or the error).
    """

    output: str
    ok: bool
    detail: str = ""


def _recorded(path: str, fs: int) -> np.ndarray:
    samples, rate = read_audio(path)
    return resample(to_mono(samples), rate, fs)


def _voice(language: str) -> str:
    from ..multilingual import voice_for

    return voice_for(language)


def render_relay(plan: RelayPlan, *, fs: int = RELAY_SAMPLE_RATE, language: str = "en-US"
                 ) -> np.ndarray:
    """Build the relay transmission for ``plan``.

    The message is, in order of preference: the recorded message audio (``plan.audio``; an
    operator's checked upload for an origination), the CAP version's inline audio resource
    (``derefUri``), text-to-speech of ``plan.text`` (in ``plan.language`` when set); none for
    a header-only relay (RWT, 47 CFR 11.61(a)(2)).

    Args:
        plan: from a :class:`~eas_encoder.station.actions.Relay` action.
        fs: output sample rate, Hz.
        language: for text-to-speech of CAP text when ``plan.language`` is not set.

    Returns:
        float32[n] mono samples at ``fs``.

    Raises:
        EasError: the recording cannot be read, the CAP audio is unusable and there is no
            text, or text-to-speech is needed and espeak-ng is missing.
    """
    message = None
    if plan.audio:
        message = _recorded(plan.audio, fs)
    elif plan.cap_audio is not None or plan.text:
        res = plan.cap_audio
        if res is not None and res.deref_uri is None:
            # Only inline audio is played: a URI in an alert must not make the station read
            # a local file, and remote audio is fetched (bounded) by the shell beforehand.
            res = None
        language = plan.language or language
        # The voice an originating operator's language was checked against (voice_for).
        voice = _voice(plan.language) if plan.language and plan.text else None
        act = EasActivation(plan.header, plan.text or "", res, 0, language)
        try:
            message = (alert_message(act, fs, voice=voice).samples
                       if res is not None or plan.text else None)
        except EasError:
            if res is None or not plan.text:
                raise
            message = alert_message(EasActivation(plan.header, plan.text, None, 0, language),
                                    fs, voice=voice).samples
    tx = encode_transmission(plan.header, fs=fs,
                             attention="eas" if plan.attention else "none",
                             attention_seconds=plan.attention_seconds, message=message)
    return tx.samples


def relay_file_name(relay_id: int, plan: RelayPlan, at: datetime) -> str:
    """``20261201T120005Z-r12-TOR.wav``: sortable, unique per relay, says what it is."""
    return f"{at:%Y%m%dT%H%M%S}Z-r{relay_id}-{plan.header.event}.wav"


class Spool:
    """The spool directory relays are written into, each file whole or not at all.

    Args:
        directory: created if missing.
        fs: sample rate of relay files, Hz.
    """

    def __init__(self, directory: Path, *, fs: int = RELAY_SAMPLE_RATE,
                 language: str = "en-US") -> None:
        self.directory = Path(directory)
        self.fs = fs
        self.language = language

    async def write(self, relay_id: int, plan: RelayPlan, at: datetime
                    ) -> tuple[Path, np.ndarray]:
        """Render and write one relay; return its path and samples.

        Raises:
            EasError: as :func:`render_relay`, or the file cannot be written.
        """
        samples = await asyncio.to_thread(render_relay, plan, fs=self.fs,
                                          language=self.language)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / relay_file_name(relay_id, plan, at)
        await asyncio.to_thread(write_audio, path, samples, self.fs)
        return path, samples


class CardOutput:
    """Airs relays on a sound card through sounddevice (the ``card`` extra).

    Args:
        name: the output name (for the log).
        device: PortAudio device name or index; ``None`` or ``""`` for the default.
    """

    def __init__(self, name: str, device: str | int | None) -> None:
        self.name = name
        self.device = device if device not in ("", None) else None

    async def play(self, path: Path, samples: np.ndarray, fs: int) -> Outcome:
        """Play ``samples`` to the end; the outcome says whether it worked."""
        from .sources import SourceUnavailable, load_sounddevice

        try:
            sd = load_sounddevice()
        except SourceUnavailable as exc:
            return Outcome(self.name, False, str(exc))

        def play() -> None:
            sd.play(samples, fs, device=self.device, blocking=True)

        try:
            await asyncio.to_thread(play)
        except Exception as exc:  # noqa: BLE001 - PortAudio has its own error classes
            return Outcome(self.name, False, f"sound card: {exc}")
        return Outcome(self.name, True, "played")


async def _run(argv: Sequence[str], *, stdin: bytes, env: Mapping[str, str],
               timeout: float) -> tuple[int | None, bytes]:
    """Run ``argv`` with ``stdin``; return (exit code or None on timeout, captured output)."""
    exe = shutil.which(argv[0]) if os.sep not in argv[0] else argv[0]
    if exe is None:
        raise FileNotFoundError(f"{argv[0]}: command not found")
    proc = await asyncio.create_subprocess_exec(
        exe, *argv[1:], stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
    try:
        async with asyncio.timeout(timeout):
            out, _ = await proc.communicate(stdin)
        return proc.returncode, out[:MAX_CAPTURE_BYTES]
    except TimeoutError:
        # The whole process group: a shell script's children must not outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, 9)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await proc.wait()
        return None, b""
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, 9)
        raise


def _describe(code: int | None, out: bytes, timeout: float) -> str:
    text = out.decode("utf-8", errors="replace").strip()
    head = f"timed out after {timeout:g} s" if code is None else f"exit {code}"
    return f"{head}: {text}" if text else head


class PlayerOutput:
    """Airs relays through a command: ``argv`` plus the relay file path (``play -q``).

    Args:
        name: the output name.
        command: argv string (shell words, no shell run).
        timeout: longest a relay may take to play, s.
    """

    def __init__(self, name: str, command: str, *, timeout: float = 600.0) -> None:
        self.name = name
        self.argv = shlex.split(command)
        self.timeout = timeout

    async def play(self, path: Path, samples: np.ndarray, fs: int) -> Outcome:
        """Run the player on ``path``; ``ok`` when it exits 0."""
        try:
            code, out = await _run([*self.argv, str(path)], stdin=b"",
                                   env={"EAS_RELAY_FILE": str(path)}, timeout=self.timeout)
        except OSError as exc:
            return Outcome(self.name, False, str(exc))
        return Outcome(self.name, code == 0, _describe(code, out, self.timeout))


def hook_env(hook: RunHooks, station: str) -> dict[str, str]:
    """``EAS_*`` environment variables for a hook: ``EAS_HOOK``, ``EAS_STATION``,
    ``EAS_ALERT_ID`` and one ``EAS_<KEY>`` per data item (key upper-cased, non-alphanumerics
    as ``_``; control characters in values replaced by spaces).
    """
    env = {"EAS_HOOK": hook.name, "EAS_STATION": station.strip(),
           "EAS_ALERT_ID": "" if hook.alert_id is None else str(hook.alert_id)}
    for key, value in hook.data.items():
        name = "EAS_" + "".join(c if c.isalnum() else "_" for c in str(key).upper())
        env[name] = "".join(c if c.isprintable() else " " for c in str(value))
    return env


def hook_json(hook: RunHooks, station: str) -> dict[str, Any]:
    """The event as the JSON object given to commands (stdin) and webhooks (body)."""
    return {"hook": hook.name, "station": station.strip(), "alert_id": hook.alert_id,
            "data": {str(k): str(v) for k, v in hook.data.items()}}


class CommandOutput:
    """Runs a command per hook: ``EAS_*`` environment, the event as JSON on stdin.

    Args:
        name: the output name.
        command: argv string (shell words; no shell is run).
        on: hook names it runs for (``"*"``: all).
        timeout: longest run, s; the process group is killed after it.
    """

    def __init__(self, name: str, command: str, *, on: Sequence[str] = ("*",),
                 timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.name = name
        self.argv = shlex.split(command)
        self.on = tuple(on)
        self.timeout = timeout

    def wants(self, hook: RunHooks) -> bool:
        """Whether this output runs for ``hook``."""
        return "*" in self.on or hook.name in self.on

    async def send(self, hook: RunHooks, station: str) -> Outcome:
        """Run the command once for ``hook``."""
        body = json.dumps(hook_json(hook, station)).encode() + b"\n"
        try:
            code, out = await _run(self.argv, stdin=body, env=hook_env(hook, station),
                                   timeout=self.timeout)
        except OSError as exc:
            return Outcome(self.name, False, str(exc))
        return Outcome(self.name, code == 0, _describe(code, out, self.timeout))


class WebhookOutput:
    """POSTs each hook as JSON to a URL, retrying with exponential backoff.

    Args:
        name: the output name.
        url: ``http://`` or ``https://`` endpoint.
        client: a shared ``httpx.AsyncClient``.
        on: hook names (``"*"``: all).
        timeout: per attempt, s.
        retries: attempts after the first (network errors, 5xx, 408, 429).
        first_delay: wait before the first retry, s (doubling).
    """

    def __init__(self, name: str, url: str, client: httpx.AsyncClient, *,
                 on: Sequence[str] = ("*",),
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, retries: int = 3,
                 first_delay: float = 1.0) -> None:
        self.name = name
        self.url = url
        self.client = client
        self.on = tuple(on)
        self.timeout = timeout
        self.retries = retries
        self.first_delay = first_delay

    def wants(self, hook: RunHooks) -> bool:
        """Whether this output runs for ``hook``."""
        return "*" in self.on or hook.name in self.on

    async def send(self, hook: RunHooks, station: str) -> Outcome:
        """Deliver ``hook``; ``ok`` on a 2xx answer."""
        import httpx  # noqa: PLC0415 - only webhooks and feeds need it

        body = hook_json(hook, station)
        delay = self.first_delay
        detail = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(delay)
                delay *= 2
            try:
                async with asyncio.timeout(self.timeout):
                    response = await self.client.post(self.url, json=body)
            except (TimeoutError, httpx.HTTPError) as exc:
                detail = f"attempt {attempt + 1}: {type(exc).__name__} {exc}".strip()
                continue
            code = response.status_code
            if 200 <= code < 300:
                return Outcome(self.name, True, f"HTTP {code}")
            detail = f"attempt {attempt + 1}: HTTP {code}"
            if code < 500 and code not in (408, 429):
                break     # the receiver refuses this request; repeating will not help
        return Outcome(self.name, False, detail)
