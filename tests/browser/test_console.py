"""The operator console in a real browser (issue 13 item 5), as the README starts it: the sample
station's log after ``monitor --once``, then ``user add`` and ``monitor --console``, driven by
headless Chromium through selenium. One console and one browser for the module; the tests run
in file order on the same session (log in, read, act, log out). A screenshot of each page is
kept (see :mod:`tests.browser.conftest`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from eas_encoder.audio import read_audio
from eas_encoder.same.decoder import HeaderEvent, decode
from tests.browser import harness

T = TypeVar("T")
WAIT = 90.0     # s: bounds every wait for the monitor (it acts within a second or two)
STATION = "KXYZ/FM "

pytestmark = pytest.mark.slow


def until(what: str, probe: Callable[[], T | None], console: harness.Console,
          timeout: float = WAIT) -> T:
    """Call ``probe`` until it returns something truthy; fail naming ``what`` after
    ``timeout`` s (a hang bound, not a speed requirement).
    """
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s; monitor "
                                 f"output:\n{console.tail()}")
        time.sleep(0.5)


def submit_button(form: Any, value: str | None = None) -> Any:
    """The form's submit button (the one with ``value`` when given)."""
    css = "button, input[type=submit]"
    buttons = form.find_elements("css selector", css)
    if value is not None:
        buttons = [b for b in buttons if b.get_attribute("value") == value]
    assert buttons, (value, form.get_attribute("outerHTML")[:2000])
    return buttons[0]


def submit(browser: Any, element: Any) -> None:
    """Click a submit button or link and wait until the next page has replaced this one
    (a click returns before a form's navigation ends).
    """
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.wait import WebDriverWait

    page = browser.driver.find_element("tag name", "html")
    element.click()
    WebDriverWait(browser.driver, WAIT).until(staleness_of(page))


def log_in(browser: Any, username: str, password: str) -> None:
    """Fill and send the login form (fields ``username`` and ``password``)."""
    browser.get("/login")
    form = browser.driver.find_element("css selector", "form[action='/login']")
    form.find_element("name", "username").clear()
    form.find_element("name", "username").send_keys(username)
    form.find_element("name", "password").send_keys(password)
    submit(browser, submit_button(form))


def ensure_logged_in(browser: Any, console: harness.Console, path: str) -> None:
    """Open ``path``; log in first if the console sends us to /login (a test run alone)."""
    browser.get(path)
    if browser.path == "/login":
        log_in(browser, console.username, console.password)
        browser.get(path)
    assert browser.path == path.split("?")[0], browser.path


def choose(form: Any, name: str, value: str) -> None:
    """Pick ``value`` in the form's field ``name`` (a select, or type it)."""
    from selenium.webdriver.support.select import Select

    field = form.find_element("name", name)
    if field.tag_name == "select":
        Select(field).select_by_value(value)
    else:
        field.clear()
        field.send_keys(value)


def relay_files(console: harness.Console, event: str) -> list[Path]:
    """Relay files for ``event`` in the station's spool, oldest first."""
    return sorted(console.spool.glob(f"*-{event}.wav"))


def decoded_headers(path: Path) -> list[Any]:
    """The headers our receiver hears in a relay file."""
    x, fs = read_audio(path)
    return [e.header for e in decode(x, fs) if isinstance(e, HeaderEvent)]


def fetch(browser: Any, url: str, *, binary: bool = False) -> tuple[int, str, Any]:
    """``(status, content type, text or byte count)`` of ``url`` fetched by the browser with
    its session cookie.
    """
    return browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => (arguments[1] ? r.arrayBuffer().then(b => b.byteLength)"
        " : r.text()).then(b => done([r.status, r.headers.get('content-type') || '', b])));",
        url, binary)


def assert_audio_served(browser: Any, element_id: str) -> None:
    """The page's ``<audio id=element_id>`` source answers 200 with audio, fetched by the
    browser with the session (the players load nothing until played).
    """
    src = browser.driver.find_element("id", element_id).get_attribute("src")
    status, kind, size = fetch(browser, src, binary=True)
    assert status == 200 and kind.startswith("audio/") and size > 1000, (src, status, kind)


# -- access ---------------------------------------------------------------------------------
def test_a_page_without_a_session_goes_to_login(browser, console):
    browser.get("/alerts")
    assert browser.path == "/login"
    browser.shot("login")


def test_a_wrong_password_shows_an_error(browser, console):
    log_in(browser, console.username, console.password + "-wrong")
    assert browser.path == "/login"
    text = browser.text().lower()
    assert any(w in text for w in ("wrong", "incorrect", "invalid", "not match")), text
    assert browser.driver.find_element("name", "username").get_attribute("value") \
        == console.username
    browser.shot("login-wrong-password")


def test_log_in_lands_on_the_alerts(browser, console):
    log_in(browser, console.username, console.password)
    assert browser.path == "/alerts"


# -- what came in ---------------------------------------------------------------------------
def test_alerts_lists_the_sample_alerts_and_their_decisions(browser, console):
    ensure_logged_in(browser, console, "/alerts")
    text = browser.text()
    browser.shot("alerts")
    # What the README says the sample station decides, each with its reason.
    assert "ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-" in text
    for word in ("relay", "duplicate", "expired", "no-filter", "unsigned",
                 "signature-invalid"):
        assert word in text, word
    for source in ("LP1", "LP2", "CAP-folder"):
        assert source in text, source


def test_an_alert_page_explains_the_relayed_tornado_warning(browser, console):
    ensure_logged_in(browser, console, "/alerts?source=LP1&event=TOR&decision=relay")
    links = [a for a in browser.driver.find_elements("css selector", "a[href]")
             if re.search(r"/alerts/\d+$", a.get_attribute("href") or "")]
    assert links, browser.text()
    submit(browser, links[0])
    assert re.fullmatch(r"/alerts/\d+", browser.path), browser.path
    text = browser.text()
    assert "Tornado Warning" in text and "filter:local" in text, text
    assert_audio_served(browser, "received-audio")
    assert_audio_served(browser, "relayed-audio")
    timeline = browser.driver.find_element("id", "timeline")
    until("the timeline picture", lambda: browser.driver.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", timeline), console)
    browser.shot("alert-tor")


def test_sources_shows_each_source(browser, console):
    ensure_logged_in(browser, console, "/sources")
    text = browser.text()
    for source in ("LP1", "LP2", "LP3", "CAP-folder"):
        assert source in text, source
    browser.shot("sources")


# -- acting ---------------------------------------------------------------------------------
def test_forward_a_held_alert_from_the_queue(browser, console):
    def held() -> list[Any]:
        ensure_logged_in(browser, console, "/queue")
        return [f for f in browser.driver.find_elements("css selector", "form")
                if re.search(r"/queue/\d+$", f.get_attribute("action") or "")]

    forms = until("the LP3 alert held for an operator on /queue", held, console)
    assert len(forms) == 1, browser.text()
    assert harness.HELD_EVENT in browser.text() and "LP3" in browser.text()
    browser.shot("queue-held")
    alert_id = re.search(r"/queue/(\d+)$", forms[0].get_attribute("action")).group(1)
    submit(browser, submit_button(forms[0], "forward"))
    assert "forward" in browser.text().lower()
    browser.shot("queue-forwarded")

    def relayed() -> bool:
        browser.get(f"/alerts/{alert_id}")
        return bool(re.search(r"^Relay\s+done", browser.text(), re.M))

    until(f"alert {alert_id} relayed after the forward", relayed, console)
    text = browser.text()
    assert browser.driver.find_element("id", "decision").text == "relay"
    assert f"operator:{console.username}" in text, text     # who forwarded it, in the log
    assert_audio_served(browser, "relayed-audio")
    browser.shot("alert-forwarded")
    browser.get("/alerts?source=LP3")       # and in the log's list, as relayed by the operator
    row = browser.driver.find_element("xpath", f"//tr[.//a[@href='/alerts/{alert_id}']]").text
    assert " relay " in f" {row} " and f"operator:{console.username}" in row, row
    browser.shot("alerts-forwarded")
    on_air = str(decoded_headers(relay_files(console, harness.HELD_EVENT)[-1])[0])
    assert on_air.startswith(console.held_header.rsplit("-", 2)[0]), on_air
    assert on_air.endswith(f"-{STATION}-"), on_air


def test_a_bad_origination_shows_the_error_beside_the_field_and_sends_nothing(
        browser, console):
    ensure_logged_in(browser, console, "/originate")
    form = browser.driver.find_element("css selector", "form[action='/originate']")
    choose(form, "event", "RWT")
    choose(form, "locations", "006037")
    choose(form, "duration", "0017")        # not a legal valid time period (47 CFR 11.31(c))
    submit(browser, submit_button(form))
    assert browser.path == "/originate"
    error = browser.driver.find_element("id", "duration-error").text
    assert "15-minute steps" in error and "11.31" in error, error
    assert browser.driver.find_element("name", "duration").get_attribute("value") == "0017"
    browser.shot("originate-field-error")
    assert not relay_files(console, "RWT")


def test_originate_a_required_weekly_test(browser, console):
    ensure_logged_in(browser, console, "/originate")
    browser.shot("originate")
    form = browser.driver.find_element("css selector", "form[action='/originate']")
    choose(form, "event", "RWT")
    choose(form, "originator", "EAS")
    choose(form, "locations", "006037")     # picked by name: "Los Angeles County, CA"
    assert "Los Angeles" in form.find_element(
        "css selector", "select[name=locations] option:checked").text
    choose(form, "duration", "0015")
    submit(browser, submit_button(form))
    header = browser.driver.find_element("id", "header-text").text
    assert re.fullmatch(r"ZCZC-EAS-RWT-006037\+0015-\d{7}-KXYZ/FM -", header), header
    assert "Required Weekly Test" in browser.text()
    browser.shot("originate-preview")
    confirm = browser.driver.find_element("css selector", "form[action='/originate/confirm']")
    submit(browser, submit_button(confirm))
    browser.shot("originate-queued")

    files = until("the RWT relay file in the spool", lambda: relay_files(console, "RWT"),
                  console)
    assert len(files) == 1, files
    headers = decoded_headers(files[0])
    # The issue time is the moment Send was pressed, so only it may differ from the preview.
    assert len(headers) == 1 and str(headers[0]).startswith("ZCZC-EAS-RWT-006037+0015-"), headers
    assert headers[0].station == STATION

    def listed() -> bool:
        ensure_logged_in(browser, console, "/alerts?source=operator:" + console.username)
        return "RWT" in browser.text() and "sent" in browser.text()

    until("the originated RWT on /alerts, sent", listed, console)
    browser.shot("alerts-after-originate")


def test_record_a_missed_test_reason(browser, console):
    ensure_logged_in(browser, console, "/tests?week=2026-W49")
    browser.shot("tests")
    form = browser.driver.find_element("css selector", "form[action='/tests/reason']")
    choose(form, "source", "LP2")
    reason = "receiver off for repair (browser test)"
    form.find_element("name", "reason").send_keys(reason)
    submit(browser, submit_button(form))
    text = browser.text()
    assert reason in text and console.username in text, text
    browser.shot("tests-reason-recorded")
    browser.get("/tests?week=2026-W49")     # and it stays in the report, and its CSV export
    assert reason in browser.text()
    link = browser.driver.find_element("css selector", "a[href^='/tests.csv']")
    status, kind, body = fetch(browser, link.get_attribute("href"))
    assert status == 200 and kind.startswith("text/csv"), (status, kind)
    assert "LP2,RWT" in body and reason in body and console.username in body, body


def test_logout_ends_the_session(browser, console):
    ensure_logged_in(browser, console, "/alerts")
    form = browser.driver.find_element("css selector", "form[action='/logout']")
    submit(browser, submit_button(form))
    assert browser.path == "/login"
    browser.get("/queue")
    assert browser.path == "/login"
    browser.shot("logged-out")


def test_the_session_left_files_only_where_git_ignores_them(console):
    # A newcomer runs these commands in a clone: users.db and everything else the console
    # and the monitor write belong under samples/station/out/ (.gitignore), nothing beside
    # the committed samples.
    made = {p.relative_to(console.root / "samples") for p in
            (console.root / "samples").rglob("*") if p.is_file()}
    committed = {p.relative_to(harness.ROOT / "samples") for p in
                 (harness.ROOT / "samples").rglob("*") if p.is_file()}
    new = {p for p in made - committed if p.parts[:2] != ("station", "out")}
    assert new == {Path("station/held.wav")}, new     # the one file this harness adds
    assert (console.root / "samples" / "station" / "out" / "users.db").is_file()
    ignored = (harness.ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "/samples/station/out/" in ignored
