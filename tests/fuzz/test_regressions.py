"""Smallest inputs that reproduce what the long fuzz run found (see FUZZ_FINDINGS.md), kept
as plain tests so a fix is confirmed and a regression caught without a long run.
"""

from __future__ import annotations

import pytest

from eas_encoder.cap import rules, xml
from eas_encoder.errors import CapError
from eas_encoder.findings import fails

from .targets import cap_seed

CAP12 = b'xmlns="urn:oasis:names:tc:emergency:cap:1.2"'
FOREIGN_WITH_TAIL = [
    b"<alert " + CAP12 + b"><identifier>x</identifier><foo/>tail</alert>",
    # The shape the fuzzer found: text after an unknown element inside <eventCode>.
    cap_seed().replace(b"<value>CAE</value>", b"<value>CAE</value><x/>junk", 1),
]


@pytest.mark.parametrize("data", FOREIGN_WITH_TAIL, ids=["minimal", "in-eventCode"])
def test_unknown_element_followed_by_text_is_a_cap_error_at_most(data: bytes) -> None:
    """Text after an unknown element must not leak lxml's XMLSyntaxError out of parse()."""
    try:
        xml.parse(data)
    except CapError:
        pass


@pytest.mark.parametrize("data", FOREIGN_WITH_TAIL, ids=["minimal", "in-eventCode"])
@pytest.mark.parametrize("profile", ("cap", "ipaws", "ecig"))
def test_validate_reports_unknown_element_followed_by_text(data: bytes, profile: str) -> None:
    """validate() documents that content problems are findings, never exceptions."""
    assert fails(rules.validate(data, profile))


def test_serialized_year_before_1000_reads_back() -> None:
    """parse(serialize(a)) == a also for a four-digit year below 1000 (0341), which the
    serializer must write as 0341, not 341 (CAP 1.2 §3.3.2 / xs:dateTime).
    """
    alert = xml.parse(cap_seed().replace(b"<expires>2026-", b"<expires>0341-"))
    assert xml.parse(xml.serialize(alert)) == alert


@pytest.mark.parametrize("reference", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00"])
def test_issue_time_near_the_ends_of_the_calendar(reference: str) -> None:
    """A reference time in year 1 or 9999 (a CAP <sent> of 0001-01-01 reaches here through
    the CAP->SAME bridge) gives a date in range, not datetime's ValueError.
    """
    from datetime import datetime

    from eas_encoder.same.header import IssueTime

    ref = datetime.fromisoformat(reference)
    assert abs(IssueTime(1, 0, 0).to_datetime(ref) - ref).days <= 366
    assert abs(IssueTime(365, 0, 0).to_datetime(ref) - ref).days <= 366


def test_cap_sent_in_year_one_translates_or_refuses() -> None:
    """The fuzz input itself: CAP->SAME for an alert sent 0001-01-01 must not crash."""
    from eas_encoder.cap.bridge import alert_to_same
    from eas_encoder.errors import EasError

    seed = cap_seed()
    start = seed.index(b"<sent>") + len(b"<sent>")
    alert = xml.parse(seed[:start] + b"0001-01-01T00:00:00+00:00" + seed[seed.index(b"</sent>"):])
    try:
        alert_to_same(alert, station="KXYZ/FM")
    except EasError:
        pass
