"""The EAS visual crawl sentence (47 CFR 11.51(d), DASDEC/ECIG form)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eas_encoder.errors import EncodeError, HeaderError
from eas_encoder.text import article, crawl_text, location_name

REF = datetime(2018, 11, 13, tzinfo=UTC)


def test_dasdec_example_reproduced():
    # Capture quoted in same_eas_notes.md §3. Its header is not quoted, so the issue time is
    # chosen to give its 8:23 PM in Colorado (03:23 UTC on day 317 = 20:23 MST on NOV 12);
    # what is checked is the wording, punctuation, county name and clock format.
    text = crawl_text("ZCZC-EAS-RWT-008014+0015-3170323-WCOL    -", tz="America/Denver",
                      reference=REF, show_zone=False)
    assert text == ("A broadcast or cable system has issued A REQUIRED WEEKLY TEST for the "
                    "following counties/areas: Broomfield, CO; at 8:23 PM on NOV 12, 2018 "
                    "Effective until 8:38 PM. Message from WCOL.")


def test_default_zone_is_utc_and_end_on_next_day_shows_date():
    text = crawl_text("ZCZC-WXR-TOR-048113+0100-3172330-KDFW/NWS-", reference=REF)
    assert "at 11:30 PM UTC on NOV 13, 2018 Effective until 12:30 AM UTC on NOV 14, 2018." \
        in text
    assert text.startswith("The National Weather Service has issued A TORNADO WARNING")
    assert "Dallas, TX" in text


def test_location_names():
    assert location_name("022071") == "Orleans Parish, LA"
    assert location_name("048000") == "all of Texas"
    assert location_name("000000") == "the United States"
    assert location_name("106037") == "Northwest part of Los Angeles County, CA"


def test_article():
    assert article("EXTREME WIND WARNING") == "AN"
    assert article("Tornado Warning") == "a"
    assert article("911 TELEPHONE OUTAGE EMERGENCY") == "A"


def test_unknown_zone_is_an_error():
    with pytest.raises(EncodeError) as exc:
        crawl_text("ZCZC-EAS-RWT-008014+0015-3170123-WCOL    -", tz="Mars/Olympus",
                   reference=REF)
    assert exc.value.field == "tz"


def test_length_limit_error_and_truncation():
    locs = "-".join(f"0480{n:02d}" for n in range(1, 62, 2))
    header = f"ZCZC-WXR-TOR-{locs}+0045-3170123-KDFW/NWS-"
    full = crawl_text(header, reference=REF)
    assert len(full) > 500
    with pytest.raises(EncodeError, match="longer than the limit of 400"):
        crawl_text(header, reference=REF, max_length=400)
    cut = crawl_text(header, reference=REF, max_length=400, truncate=True)
    assert len(cut) <= 400 and "more areas; at" in cut and cut.endswith("Message from KDFW/NWS.")
    with pytest.raises(EncodeError):
        crawl_text(header, reference=REF, max_length=150, truncate=True)


def test_bad_header_is_a_header_error():
    with pytest.raises(HeaderError):
        crawl_text("ZCZC-nonsense", reference=REF)


def test_times_always_carry_their_zone():
    # Issue 16: a crawl with "until 9:30 AM" left viewers guessing the zone.
    header = "ZCZC-EAS-RWT-008014+0015-3170323-WCOL    -"
    assert "at 8:23 PM MST on NOV 12, 2018 Effective until 8:38 PM MST." in crawl_text(
        header, tz="America/Denver", reference=REF)
    assert "at 3:23 AM UTC on NOV 13, 2018 Effective until 3:38 AM UTC." in crawl_text(
        header, reference=REF)
