"""The README's console commands are the ones the browser test runs, and the README session
test does not hang on the server (no browser needed here).
"""

from __future__ import annotations

from tests import test_readme
from tests.browser import harness

SAMPLE = """\
```sh
eas-encoder monitor samples/station.toml --once     # read both recordings
```
text
```sh
echo 'pw 1' | eas-encoder user add samples/station.toml admin --password-stdin
eas-encoder monitor samples/station.toml --console 127.0.0.1:8080   # until Ctrl-C
```
"""


def test_harness_reads_the_console_block():
    commands = harness.readme_console_commands(SAMPLE)
    before, server = harness.split_console_block(commands)
    assert server.startswith("eas-encoder monitor samples/station.toml --console 127.0.0.1:8080")
    assert harness.readme_login(before) == ("admin", "pw 1")
    assert harness.readme_once_command(SAMPLE).endswith("--once     # read both recordings")


def test_the_readme_console_commands_are_the_browser_tests_and_skipped_by_the_session():
    commands = harness.readme_console_commands()
    before, server = harness.split_console_block(commands)
    username, password = harness.readme_login(before)
    assert username and password
    assert harness.README_ADDRESS in server and "samples/station.toml" in server
    # The server runs until Ctrl-C: the README session test leaves it to tests/browser,
    # and runs everything before it (user add) like any other line.
    assert test_readme.runnable(server) is None
    assert all(test_readme.runnable(c) == c for c in before)
    text = harness.README.read_text("utf-8")
    assert f"http://{harness.README_ADDRESS}/" in text
    # The console block comes after the --once run that fills the log it shows.
    session = test_readme.sh_commands(text)
    assert session.index(harness.readme_once_command()) < session.index(server)
