"""The operator console as a newcomer starts it: the README's console commands, run on a copy of
the sample station, and a headless Chromium driven by selenium (issue 13 item 5).

The README is the source of the commands (so the page a newcomer opens is the page tested):
its ``monitor ... --once`` line fills the log with the sample alerts, then its console block
(``user add``, then ``monitor ... --console 127.0.0.1:8080``) runs with the port replaced by a
free one. Before the console starts, the copy gets one more recording, ``LP3`` (a civil
emergency message issued now), which a ``manual`` filter placed before the sample's ``local``
filter holds for an operator, so the queue has something to forward.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.test_readme import README, ROOT, sh_commands

BIN = Path(sys.executable).parent
README_ADDRESS = "127.0.0.1:8080"
"""The address the README's console command listens on (the harness swaps the port)."""
START_TIMEOUT = 90.0        # s: bounds a console that never answers (it takes ~2 s)
STOP_TIMEOUT = 20.0         # s: SIGTERM, then SIGKILL
HELD_EVENT = "CEM"          # what LP3 carries: a civil emergency message for Los Angeles


def readme_console_commands(text: str | None = None) -> list[str]:
    """The commands of the README's one ``sh`` block holding ``--console``, in order.

    Raises:
        AssertionError: no such block, or more than one.
    """
    text = README.read_text("utf-8") if text is None else text
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", text, re.S) if "--console" in b]
    assert len(blocks) == 1, f"the README should have one sh block with --console: {blocks}"
    return sh_commands(f"```sh\n{blocks[0]}```")


def readme_once_command(text: str | None = None) -> str:
    """The README's ``eas-encoder monitor samples/station.toml --once`` line."""
    text = README.read_text("utf-8") if text is None else text
    found = [c for c in sh_commands(text)
             if c.startswith("eas-encoder monitor samples/station.toml --once")]
    assert found, "the README should run the sample station with --once"
    return found[0]


def split_console_block(commands: list[str]) -> tuple[list[str], str]:
    """``(commands run before the server, the server command)``; the server is the last
    command and the only one with ``--console``.
    """
    servers = [c for c in commands if "--console" in c]
    assert len(servers) == 1 and commands[-1] == servers[0], commands
    return commands[:-1], servers[0]


def readme_login(commands: list[str]) -> tuple[str, str]:
    """``(username, password)`` the README's ``user add`` line creates (its password piped in
    with ``echo '...' |``).
    """
    for c in commands:
        m = re.match(r"echo '([^']+)' \| eas-encoder user add \S+ (\S+) "
                     r"--password-stdin", c)
        if m:
            return m.group(2), m.group(1)
    raise AssertionError(f"no 'user add ... --password-stdin' with a piped password in {commands}")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one README line with bash (pipefail) in ``cwd``, the installed CLI first on PATH."""
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (command, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def add_held_source(root: Path) -> str:
    """Give the station copy under ``root`` a third recording, ``LP3``, holding a civil
    emergency message for Los Angeles issued now, and a ``manual`` filter for it before the
    sample's ``local`` filter (the first matching filter decides). Returns its header.
    """
    config = root / "samples" / "station.toml"
    wav = root / "samples" / "station" / "held.wav"
    proc = run_sh(f"eas-encoder encode --org CIV --event {HELD_EVENT} --location 006037 "
                  f"--duration 0100 --issued now --station LACOUNTY -o {shlex.quote(str(wav))}",
                  root)
    header = re.search(r"ZCZC-\S+-", proc.stderr + proc.stdout)
    assert header, proc.stderr
    text = config.read_text("utf-8")
    local = '[[filter]]\nname = "local"'
    assert local in text, "the sample station's filter is no longer named 'local'"
    hold = ('[[source]]\nname = "LP3"\naudio = "station/held.wav"\n\n'
            '[[filter]]\nname = "operator"\nsources = ["LP3"]\nevents = ["*"]\n'
            'locations = "station"\naction = "manual"\ntimeout = 3600\n\n')
    config.write_text(text.replace(local, hold + local), "utf-8")
    return header.group(0)


@dataclass
class Console:
    """A running ``monitor --console`` on the station copy under ``root``."""

    root: Path
    url: str
    username: str
    password: str
    held_header: str
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def config(self) -> Path:
        """The station configuration the console serves."""
        return self.root / "samples" / "station.toml"

    @property
    def spool(self) -> Path:
        """Where the station writes its relays (``[station] spool``)."""
        return self.root / "samples" / "station" / "out" / "relay"

    def tail(self) -> str:
        """The end of the monitor's output, for assertion messages."""
        with contextlib.suppress(OSError):
            return self.output.read_text("utf-8", "replace")[-3000:]
        return ""


def start_console(root: Path, server: str, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the README's server command with ``port``; wait (bounded) until it answers.

    Raises:
        AssertionError: it exited, or did not answer within :data:`START_TIMEOUT`.
    """
    assert README_ADDRESS in server, server
    argv = shlex.split(server.replace(README_ADDRESS, f"127.0.0.1:{port}"), comments=True)
    output = root / "console.out"
    with output.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=root, env=_env(), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{server!r} exited with {proc.returncode}: "
                                 f"{output.read_text('utf-8', 'replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return proc, output
        if time.monotonic() > deadline:
            stop(proc)
            raise AssertionError(f"{server!r} did not answer on port {port} within "
                                 f"{START_TIMEOUT:g} s: {output.read_text('utf-8')[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the monitor's clean stop), then SIGKILL if it has not gone in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def copy_samples(root: Path) -> None:
    """``samples/`` as a fresh clone has it (no ``station/out`` left by a local run)."""
    shutil.copytree(ROOT / "samples", root / "samples",
                    ignore=lambda d, names: ["out"] if Path(d).name == "station" else [])
