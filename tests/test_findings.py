"""One finding type for every checker (issue 11 item 1), and the outcomes it did not move.

``tests/fixtures/finding_outcomes.json`` was captured from main before
:mod:`eas_encoder.findings` existed (CAP validation then had its own ``Finding`` with
``Level`` error/warning/info; the audio and CBS checkers had another with verdict strings):
for every CAP sample under ``samples/``, ``tests/corpus/cap/`` and
``../shared/reference/cap/samples`` in each profile, every audio file under ``samples/`` and
``tests/corpus/audio/`` and the reference recordings, and the reference CBS vectors plus a few
encoded and damaged pages: each finding as (rule id, old verdict word, path) and the CLI's
exit status. The same rules must fire, at the same places, with the same outcome.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from eas_encoder.cap.rules import PROFILES, validate
from eas_encoder.cli import main
from eas_encoder.conformance import check_file
from eas_encoder.conformance.cbs import check_pdus
from eas_encoder.findings import FAIL, INFO, PASS, WARN, Finding, Verdict, counts, fails, worst

ROOT = Path(__file__).resolve().parents[1]
BEFORE = json.loads((ROOT / "tests" / "fixtures" / "finding_outcomes.json").read_text("utf-8"))
OLD_WORDS = {"error": "fail", "warning": "warn", "info": "info",   # cap.rules.Level
             "pass": "pass", "warn": "warn", "fail": "fail"}       # conformance strings


def _where(name: str, request: pytest.FixtureRequest) -> Path:
    if name.startswith("reference/"):
        return request.getfixturevalue("shared_reference") / name.removeprefix("reference/")
    return ROOT / name


def _rows(findings: list[Finding]) -> list[list[str]]:
    return [[f.rule_id, f.verdict.value, f.path] for f in findings]


def _old(rows: list[list[str]]) -> list[list[str]]:
    return [[rule, OLD_WORDS[word], path] for rule, word, path in rows]


CAP_FILES = sorted({key.split("|")[0] for key in BEFORE["cap"]})


@pytest.mark.parametrize("name", CAP_FILES)
def test_cap_validate_outcomes_unchanged(name: str, request: pytest.FixtureRequest,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = _where(name, request)
    for profile in PROFILES:
        before = BEFORE["cap"][f"{name}|{profile}"]
        findings = validate(path.read_bytes(), profile)
        assert _rows(findings) == _old(before["findings"]), profile
        assert (3 if fails(findings) else 0) == before["exit"], profile
        assert main(["cap", "validate", "--profile", profile, str(path)]) == before["exit"]
    capsys.readouterr()


@pytest.mark.parametrize("name", sorted(BEFORE["check"]))
def test_check_outcomes_unchanged(name: str, request: pytest.FixtureRequest) -> None:
    before = BEFORE["check"][name]
    rate = 22050 if name.endswith(".s16le.raw") else None
    if "raises" in before:
        with pytest.raises(Exception) as caught:
            check_file(str(_where(name, request)), rate=rate)
        assert type(caught.value).__name__ == before["raises"]
        return
    report, _ = check_file(str(_where(name, request)), rate=rate)
    assert _rows(report.findings) == _old(before["findings"])
    assert report.verdict == before["verdict"]
    assert (3 if fails(report.findings) else 0) == before["exit"]
    assert (3 if fails(report.findings, strict=True) else 0) == before["exit_strict"]


@pytest.mark.parametrize("name", sorted(BEFORE["cbs"]))
def test_cbs_check_outcomes_unchanged(name: str, request: pytest.FixtureRequest,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    before = BEFORE["cbs"][name]
    if name.startswith("reference/"):
        vectors = json.loads((request.getfixturevalue("shared_reference") / "cbs"
                              / "vectors.json").read_text("utf-8"))
        hexes = [v["pdu_hex"] for v in vectors["vectors"] if name.endswith("#" + v["id"])]
    else:
        hexes = BEFORE["cbs_pdus"][name]
    report = check_pdus([bytes.fromhex(h) for h in hexes])
    assert _rows(report.findings) == _old(before["findings"])
    assert report.verdict == before["verdict"]
    assert main(["cbs", "check", *hexes]) == before["exit"]
    capsys.readouterr()


def test_the_fixture_covers_every_verdict_and_both_exit_statuses() -> None:
    words = {row[1] for kind in ("cap", "check", "cbs") for v in BEFORE[kind].values()
             for row in v.get("findings", ())}
    assert words == set(OLD_WORDS)
    exits = {v["exit"] for kind in ("cap", "check", "cbs") for v in BEFORE[kind].values()
             if "exit" in v}
    assert exits == {0, 3}


def _f(verdict: str, **kw: object) -> Finding:
    return Finding("BURST.BIT_RATE", Verdict(verdict), "message[1].header[1]", "", "47 CFR 11.31",
                   **kw)  # type: ignore[arg-type]


def test_verdict_order_worst_counts_and_the_exit_rule() -> None:
    assert [v.rank for v in (PASS, INFO, WARN, FAIL)] == [0, 1, 2, 3]
    assert worst([]) is PASS and worst([], empty=FAIL) is FAIL
    assert worst([_f("info"), _f("pass")]) is INFO
    assert worst([_f("warn"), _f("fail"), _f("info")]) is FAIL
    assert counts([_f("warn"), _f("warn"), _f("pass")]) == \
        {"pass": 1, "info": 0, "warn": 2, "fail": 0}
    assert not fails([_f("warn"), _f("info")]) and fails([_f("warn")], strict=True)
    assert fails([_f("fail")]) and not fails([_f("info")], strict=True) and not fails([])


def test_one_json_shape_and_one_line() -> None:
    f = _f("warn", expected="520.83 bit/s +/- 521 ppm", measured="521.4 bit/s (+700 ppm)",
           value=700.0, unit="ppm")
    assert str(replace(f, message="fit over 80 bit edges")).startswith(
        "WARN BURST.BIT_RATE message[1].header[1]: measured 521.4 bit/s (+700 ppm) (fit over 80 "
        "bit edges); expected")
    assert f.to_dict() == {
        "rule_id": "BURST.BIT_RATE", "verdict": "warn", "path": "message[1].header[1]",
        "message": "", "spec": "47 CFR 11.31", "expected": "520.83 bit/s +/- 521 ppm",
        "measured": "521.4 bit/s (+700 ppm)", "value": 700.0, "unit": "ppm"}
    assert str(f) == ("WARN BURST.BIT_RATE message[1].header[1]: measured 521.4 bit/s "
                      "(+700 ppm); expected 520.83 bit/s +/- 521 ppm [47 CFR 11.31]")
    cap = validate((ROOT / "samples" / "cap_amber_ipaws.xml").read_bytes().replace(
        b"<scope>Public</scope>", b"<scope>Private</scope>"))
    line = str(next(c for c in cap if c.rule_id == "CAP-ADDRESSES"))
    assert line.startswith("FAIL CAP-ADDRESSES /alert") and line.endswith("[CAP 1.2 §3.2.1]")
    assert set(cap[0].to_dict()) == set(f.to_dict())


def test_a_verdict_must_be_one_of_the_four() -> None:
    with pytest.raises(ValueError):
        Finding("CAP-XSD", "error", "/alert", "x", "xsd")  # type: ignore[arg-type]
    assert Finding("CAP-XSD", "fail", "/alert", "x", "xsd").verdict is FAIL  # type: ignore[arg-type]
    assert _f("pass", value=math.nan).value is None
