"""The README is one session: its ``sh`` blocks run top to bottom in one scratch directory with
the installed CLI, each command finding the files the ones before it made, and its Python
examples run as written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

SKIP = {
    # A README command containing this is not run here, for this reason.
    "rtl_fm ": "needs an RTL-SDR receiver",
    "| play ": "needs a sound card",
    ". .venv/bin/activate": "PATH already points at the installed CLI",
    "pip install -q '.[plot]'": "installs an extra the test environment already has",
    "lab decoders": "minutes of decoding, and a decoder of your own (tests/lab covers the bench)",
    "--console ": "serves until Ctrl-C (tests/browser/test_console.py runs it, drives the pages)",
}
_INSTALL = re.compile(r"^python3 -m venv \.venv && \.venv/bin/pip install -q \S+ && (.*)$")


def sh_commands(text: str) -> list[str]:
    """The commands of every ``sh`` block, in order: continuation lines joined, comments and
    blank lines dropped.
    """
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
    return commands


def runnable(command: str) -> str | None:
    """The command as the test runs it, or ``None`` when it is skipped (see :data:`SKIP`).

    The installation lines of the quick start become their ``eas-encoder`` part (the package
    is installed already); the one that runs the test suite is skipped, as this test runs
    inside it.
    """
    if any(key in command for key in SKIP):
        return None
    install = _INSTALL.match(command)
    if install:
        rest = install.group(1)
        return rest.removeprefix(".venv/bin/") if rest.startswith(".venv/bin/eas-encoder") \
            else None
    return command


def expected_status(command: str) -> int:
    """0, or the status a README comment announces ("... exit status 3")."""
    said = re.search(r"#.*\bexit status (\d+)", command)
    return int(said.group(1)) if said else 0


def test_sh_parsing_and_skips() -> None:
    text = "```sh\n# c\na \\\n  b  # d\n\nrtl_fm x | y\n```\n```\nnot sh\n```\n"
    assert sh_commands(text) == ["a    b  # d", "rtl_fm x | y"]
    assert runnable("rtl_fm -f 1 - | eas-encoder decode -") is None
    assert expected_status("eas-encoder cap validate a.xml  # fails it, exit status 3") == 3
    assert expected_status("eas-encoder cap verify s.xml  # (exit 3 without the flag)") == 0
    assert runnable("python3 -m venv .venv && .venv/bin/pip install -q . && "
                    ".venv/bin/eas-encoder encode -o demo.wav") == "eas-encoder encode -o demo.wav"
    assert runnable("python3 -m venv .venv && .venv/bin/pip install -q '.[test]' && "
                    ".venv/bin/python -m pytest -q") is None


def test_ci_runs_quick_start_2() -> None:
    # .ci/run promises to run exactly the README's test command: the same line, linting and
    # type-checking before the tests, so neither can drift from what a reader runs.
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    ci_line = ci[ci.index("# README quick start, command 2 (keep the two identical):") + 1]
    readme = [c for c in sh_commands(README.read_text()) if "pytest" in c]
    assert readme == [ci_line]
    steps = ci_line.split(" && ")
    assert steps[-3:] == [".venv/bin/ruff check .", ".venv/bin/mypy src",
                          ".venv/bin/python -m pytest -q -p no:cacheprovider"]


@pytest.mark.skipif(shutil.which("eas-encoder", path=str(BIN)) is None,
                    reason="the eas-encoder command is not installed beside this Python")
@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="espeak-ng is not installed; the README's --tts examples need it")
@pytest.mark.skipif(shutil.which("openssl") is None,
                    reason="openssl is not installed; the README makes a key with it")
def test_readme_sh_session_runs_in_order(tmp_path: Path) -> None:
    commands = sh_commands(README.read_text("utf-8"))
    assert len(commands) > 30
    shutil.copytree(ROOT / "samples", tmp_path / "samples")  # a fresh clone has them
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    ran = []
    for command in commands:
        cmd = runnable(command)
        if cmd is None:
            continue
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        status = proc.returncode
        if status == 141 and "| head" in cmd:  # head closed the pipe early: the shell's normal
            status = 0
        assert status == expected_status(command), \
            (command, proc.stdout[-2000:], proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, (command, proc.stderr)
        ran.append((cmd, proc.stdout))
    assert len(ran) >= 0.8 * len(commands)  # SKIP stays the exception
    outputs = dict(ran)
    verify = next(out for cmd, out in ran if cmd.startswith("eas-encoder verify "))
    assert verify.rstrip().endswith("verified")
    assert any("ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -" in out
               for out in outputs.values())
    for made in ("demo.wav", "amber.wav", "tor.flac", "alert.xml", "signed.xml",
                 "report.json", "timeline.png"):
        assert (tmp_path / made).stat().st_size > 0, made


def test_readme_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:  # later examples use names the earlier ones define (tx, header)
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -" in out
    assert "header 0.50 s ZCZC-CIV-CAE" in out
    assert (tmp_path / "library.wav").exists()
