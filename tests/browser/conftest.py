"""Fixtures for the real-browser tests: Debian's chromium + chromidriver through selenium, and
the console started from the README's commands (see :mod:`tests.browser.harness`).

Skipped with the reason when chromium, chromedriver, selenium or the console are absent
(``.ci/run`` installs chromium and chromium-driver; the ``test`` extra has selenium).
Screenshots of every page go to ``$EAS_TEST_ARTIFACTS/browser/`` (``.ci/run`` sets it to
``artifacts/`` in the clone), else to pytest's temporary directory; the run's summary names it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import harness
from tests.helpers import require_tool

PAGE_LOAD_TIMEOUT = 30      # s: bounds a page that never finishes loading
IMPLICIT_WAIT = 2           # s: how long a lookup waits for an element to appear
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-extensions", "--window-size=1280,1400",
)

_artifacts: list[Path] = []


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are kept: ``$EAS_TEST_ARTIFACTS/browser`` or a pytest temp dir."""
    base = os.environ.get("EAS_TEST_ARTIFACTS")
    where = Path(base) / "browser" if base else tmp_path_factory.mktemp("browser-artifacts")
    where.mkdir(parents=True, exist_ok=True)
    _artifacts.append(where)
    return where


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name the screenshot directory at the end of the run."""
    for where in _artifacts:
        shots = sorted(where.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"browser screenshots: {len(shots)} in {where}")


class Browser:
    """A selenium Chrome driver on one console, with screenshots numbered per module."""

    def __init__(self, driver: Any, base: str, artifacts: Path, prefix: str) -> None:
        self.driver = driver
        self.base = base
        self.artifacts = artifacts
        self.prefix = prefix
        self.count = 0

    def get(self, path: str) -> None:
        """Open ``path`` (e.g. ``/alerts``) on the console."""
        self.driver.get(self.base + path)

    @property
    def path(self) -> str:
        """The path of the page shown (no scheme, host or query)."""
        from urllib.parse import urlsplit
        return urlsplit(self.driver.current_url).path

    def text(self) -> str:
        """The visible text of the page."""
        return self.driver.find_element("tag name", "body").text

    def shot(self, name: str) -> Path:
        """Save a screenshot of the page as ``<module>-<nn>-<name>.png``."""
        self.count += 1
        out = self.artifacts / f"{self.prefix}-{self.count:02d}-{name}.png"
        assert self.driver.save_screenshot(str(out)), out
        return out


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium through Debian's chromedriver, with a fresh profile; quit after."""
    chromium = require_tool("chromium")
    chromedriver = require_tool("chromedriver")
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install '.[test]')")
    # The driver and browser are named, so Selenium Manager has nothing to look up; offline
    # makes sure it never downloads one.
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = webdriver.ChromeService(executable_path=chromedriver)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
        driver.implicitly_wait(IMPLICIT_WAIT)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Console]:
    """The README's console session on a copy of the sample station (plus the held LP3
    recording), served on a free port of 127.0.0.1; stopped after the module.
    """
    pytest.importorskip("eas_encoder.console", reason="the console package is not installed")
    if shutil.which("eas-encoder", path=str(harness.BIN)) is None:
        pytest.skip("the eas-encoder command is not installed beside this Python")
    root = tmp_path_factory.mktemp("clone")
    harness.copy_samples(root)
    harness.run_sh(harness.readme_once_command(), root)
    before, server = harness.split_console_block(harness.readme_console_commands())
    for command in before:
        harness.run_sh(command, root)
    username, password = harness.readme_login(before)
    held = harness.add_held_source(root)
    port = harness.free_port()
    proc, output = harness.start_console(root, server, port)
    try:
        yield harness.Console(root, f"http://127.0.0.1:{port}", username, password, held,
                              proc, output)
    finally:
        harness.stop(proc)


@pytest.fixture(scope="module")
def browser(console: harness.Console, chrome: Any, artifacts: Path,
            request: pytest.FixtureRequest) -> Browser:
    """The module's browser on the module's console."""
    prefix = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    return Browser(chrome, console.url, artifacts, prefix)
