"""Header model: wire format, every 47 CFR 11.31(c) rule, lenient parsing, round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eas_encoder.errors import HeaderError
from eas_encoder.same.header import (
    EndOfMessage,
    Header,
    IssueTime,
    check_valid_time,
    parse_message,
    round_up_valid_time,
)

from .strategies import headers

CAE = "ZCZC-CIV-CAE-006037-006059+0130-3330800-KXYZ/FM -"


def test_wire_text_is_exact_and_ends_in_dash() -> None:
    h = Header("CIV", "CAE", ["006037", "006059"], "0130",
               datetime(2026, 11, 29, 8, 0, tzinfo=UTC), "KXYZ/FM")
    assert str(h) == CAE
    assert h.to_bytes() == CAE.encode("ascii")
    assert Header.parse(CAE) == h


@given(headers())
def test_parse_inverts_str(h: Header) -> None:
    text = str(h)
    assert text.startswith("ZCZC-") and text.endswith("-")
    assert Header.parse(text) == h
    assert str(Header.parse(text)) == text


@given(headers())
def test_lenient_parse_agrees_with_strict_on_valid_headers(h: Header) -> None:
    assert Header.parse(str(h), lenient=True) == h


def test_issue_time_converts_to_utc() -> None:
    chicago = timezone(timedelta(hours=-6))
    t = IssueTime.from_datetime(datetime(2026, 12, 31, 20, 30, tzinfo=chicago))
    assert (t.day, t.hour, t.minute) == (1, 2, 30)  # 2027-01-01 02:30 UTC


def test_naive_issue_time_is_refused() -> None:
    with pytest.raises(HeaderError, match="issued.*timezone-aware"):
        IssueTime.from_datetime(datetime(2026, 11, 29, 8, 0))  # noqa: DTZ001 - on purpose


@pytest.mark.parametrize(
    ("day", "reference", "expected_year"),
    [
        (365, datetime(2027, 1, 2, tzinfo=UTC), 2026),   # sent late December, read in January
        (1, datetime(2026, 12, 31, 23, 0, tzinfo=UTC), 2027),
        (366, datetime(2025, 1, 3, tzinfo=UTC), 2024),   # only 2024 has a day 366 nearby
        (333, datetime(2026, 11, 29, 9, 0, tzinfo=UTC), 2026),
    ],
)
def test_year_is_inferred_near_new_year(day: int, reference: datetime,
                                         expected_year: int) -> None:
    assert IssueTime(day, 0, 0).to_datetime(reference).year == expected_year


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31),  # noqa: DTZ001
                    timezones=st.just(UTC)))
def test_issue_time_round_trip_through_datetime(when: datetime) -> None:
    back = IssueTime.from_datetime(when).to_datetime(when)
    assert back == when.replace(second=0, microsecond=0)


@pytest.mark.parametrize("minutes", [15, 30, 45, 60, 90, 270, 360, 5970])
def test_legal_valid_times(minutes: int) -> None:
    assert check_valid_time(minutes) == minutes


@pytest.mark.parametrize("minutes", [0, 10, 17, 50, 75, 105, 361, 6000])
def test_illegal_valid_times_name_the_rule(minutes: int) -> None:
    with pytest.raises(HeaderError) as info:
        check_valid_time(minutes)
    assert info.value.field == "valid_time"
    assert info.value.spec == "47 CFR 11.31(c)"


def test_round_up_to_legal_valid_time() -> None:
    assert [round_up_valid_time(m) for m in (1, 15, 16, 59, 61, 91, 400)] == \
        [15, 15, 30, 60, 90, 120, 420]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("ZCZC-XYZ-RWT-006037+0015-3330800-KXYZ/FM -", "originator"),
        ("ZCZC-EAS-QQQ-006037+0015-3330800-KXYZ/FM -", "event"),
        ("ZCZC-EAS-RWT-+0015-3330800-KXYZ/FM -", "locations"),
        ("ZCZC-EAS-RWT-06037+0015-3330800-KXYZ/FM -", "location"),
        ("ZCZC-EAS-RWT-0060A7+0015-3330800-KXYZ/FM -", "location"),
        ("ZCZC-EAS-RWT-088037+0015-3330800-KXYZ/FM -", "location"),
        ("ZCZC-EAS-RWT-006037+0017-3330800-KXYZ/FM -", "valid_time"),
        ("ZCZC-EAS-RWT-006037+0015-3672400-KXYZ/FM -", "issued"),
        ("ZCZC-EAS-RWT-006037+0015-0000800-KXYZ/FM -", "issued"),
        ("ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM-", "station"),
        ("ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM ", "station"),
        ("ZCZC-EAS-RWT-006037+0015-3330800-kxyz/fm -", "station"),
        ("ZCZC-EAS-RWT-006037-006037+0015-3330800-KXYZ/FM -", "location"),
        ("ZCZC-EAS-RWT-006037+0015-3330800-KXYZ/FM -junk", "header"),
        ("ZCZX-EAS-RWT-006037+0015-3330800-KXYZ/FM -", "header"),
    ],
)
def test_each_bad_field_is_named(text: str, field: str) -> None:
    with pytest.raises(HeaderError) as info:
        Header.parse(text)
    assert info.value.field == field, str(info.value)


def test_thirty_one_locations_but_not_thirty_two() -> None:
    locs = [f"0{ss:02d}001" for ss in (1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18,
                                        19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                        32, 33, 34, 35)]
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    h = Header("EAS", "RMT", locs[:31], 60, issued, "KXYZ/TV")
    assert len(str(h)) == 252  # the longest header, 47 CFR 11.31(c)
    with pytest.raises(HeaderError, match="1 to 31"):
        Header("EAS", "RMT", locs[:32], 60, issued, "KXYZ/TV")


def test_station_rules() -> None:
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    assert Header("EAS", "RWT", ["006037"], 15, issued, "WTSP/TV").station == "WTSP/TV "
    with pytest.raises(HeaderError, match="use '/'"):
        Header("EAS", "RWT", ["006037"], 15, issued, "WTSP-TV")
    with pytest.raises(HeaderError, match="1 to 8"):
        Header("EAS", "RWT", ["006037"], 15, issued, "KXYZ/FM/X")


def test_unlisted_and_legacy_codes_need_permission() -> None:
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(HeaderError, match="legacy"):
        Header("EAN", "EAN", ["000000"], 15, issued, "KXYZ")
    assert Header("EAN", "ZZZ", ["000000"], 15, issued, "KXYZ", allow_unlisted=True)


# Vectors from ../shared/reference/same_eas_notes.md section 7 (sources listed there).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ZCZC-EAS-RWT-012057-012081-012101-012103-012115+0030-2780415-WTSP/TV-",
         "ZCZC-EAS-RWT-012057-012081-012101-012103-012115+0030-2780415-WTSP/TV-"),
        ("ZCZC-PEP-NPT-000000+0030-2771820-TEST    -",
         "ZCZC-PEP-NPT-000000+0030-2771820-TEST    -"),
        ("ZCZC-WXR-RWT-012345-567890-888990+0330-3662322-NOCALL00-@@@",
         "ZCZC-WXR-RWT-012345-567890-888990+0330-3662322-NOCALL00-"),
        ("ZCZC-WXR-RWT-031109+0030-0771800-KOAX/NWS",
         "ZCZC-WXR-RWT-031109+0030-0771800-KOAX/NWS-"),
        ("ZCZC-EAS-DMO-999000+0015-0011122-NOCALL00-",
         "ZCZC-EAS-DMO-999000+0015-0011122-NOCALL00-"),
    ],
)
def test_real_world_headers_read_leniently(text: str, expected: str) -> None:
    assert str(Header.parse(text, lenient=True)) == expected


def test_lenient_still_refuses_headers_without_locations() -> None:
    with pytest.raises(HeaderError):
        Header.parse("ZCZC-ORG-EEE-+0000-0001122-NOCALL00-", lenient=True)


def test_national_periodic_test_meaning() -> None:
    h = Header.parse("ZCZC-PEP-NPT-000000+0030-2771820-TEST    -")
    assert h.is_national
    assert h.issued_at(datetime(2023, 10, 5, tzinfo=UTC)) == \
        datetime(2023, 10, 4, 18, 20, tzinfo=UTC)
    assert h.expires_at(datetime(2023, 10, 5, tzinfo=UTC)) == \
        datetime(2023, 10, 4, 18, 50, tzinfo=UTC)


def test_end_of_message() -> None:
    assert str(EndOfMessage()) == "NNNN"
    assert parse_message("NNNN") == EndOfMessage()
    assert isinstance(parse_message(CAE), Header)
    with pytest.raises(HeaderError, match="NNNN"):
        EndOfMessage.parse("NNNX")


@given(st.text(max_size=80))
def test_parser_raises_only_header_errors(text: str) -> None:
    for lenient in (False, True):
        try:
            Header.parse(text, lenient=lenient)
        except HeaderError:
            pass
