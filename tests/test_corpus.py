"""The hostile-input corpus: every file gives its expected outcome (``tests/corpus/MANIFEST.csv``)
through the library and through the CLI, where a failure is one line on stderr, a non-zero
exit status and no traceback.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from eas_encoder.audio import read_audio
from eas_encoder.cap import rules, xml
from eas_encoder.cap.bridge import alert_to_same
from eas_encoder.cap.signature import verified_alert
from eas_encoder.cli import main
from eas_encoder.errors import EasError
from eas_encoder.findings import fails
from eas_encoder.same.decoder import HeaderEvent, decode
from eas_encoder.same.header import Header
from tests.corpus import make_corpus
from tests.fixtures.pki import AT, AT_ISO, PKI

CORPUS = Path(__file__).resolve().parent / "corpus"
ROWS = list(csv.DictReader((CORPUS / "MANIFEST.csv").open(encoding="utf-8")))
STATION = "KXYZ/FM"


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Path of a corpus file: the committed one, or one made now when it is too large to
    commit.
    """
    made = tmp_path_factory.mktemp("corpus")

    def path(name: str) -> Path:
        committed = CORPUS / name
        if committed.exists():
            return committed
        generated = made / name
        if not generated.exists():
            generated.parent.mkdir(parents=True, exist_ok=True)
            generated.write_bytes(make_corpus.make(name))
        return generated

    return path


def library_outcome(entry_point: str, path: Path) -> str:
    """Run one file through the library and describe the outcome as the manifest does."""
    try:
        if entry_point == "decode":
            samples, fs = read_audio(path)
            events = decode(samples, fs)
            alerts = [e for e in events if e.kind in ("header", "eom")]
            texts = [e.text for e in alerts if isinstance(e, HeaderEvent)]
            if not alerts:
                return "ok:no-alerts"
            return "ok:header=" + "|".join(texts) if texts else f"ok:{len(alerts)} eom"
        if entry_point == "cap":
            activation = alert_to_same(xml.parse(path.read_bytes()), station=STATION)
            return f"ok:header={activation.header}"
        if entry_point == "header":
            return f"ok:header={Header.parse(path.read_bytes())}"
        if entry_point == "signed":  # 47 CFR 11.56(c): only a trusted signature's content
            alert = verified_alert(path.read_bytes(),
                                   trust_store=[(PKI / "root_ca.pem").read_bytes()], at=AT)
            return f"ok:header={alert_to_same(alert, station=STATION).header}"
    except EasError as exc:
        return f"error:{type(exc).__name__}"
    raise AssertionError(f"unknown entry point {entry_point!r}")


def cli_args(entry_point: str, path: Path) -> list[str]:
    """The CLI command that exercises the same entry point."""
    if entry_point == "decode":
        return ["decode", str(path)]
    if entry_point == "cap":
        return ["cap", "to-same", str(path), "--station", STATION]
    if entry_point == "signed":
        return ["cap", "to-same", str(path), "--station", STATION, "--require-signature",
                "--trust-store", str(PKI / "root_ca.pem"), "--at", AT_ISO]
    # A header arrives as an argument; bytes that are not UTF-8 reach Python the way the
    # interpreter decodes argv (surrogate escapes).
    return ["describe", "--strict", path.read_bytes().decode("utf-8", "surrogateescape")]


def test_manifest_and_generator_agree() -> None:
    """Every manifest row has a generator and every generated file a manifest row."""
    assert sorted(r["file"] for r in ROWS) == sorted(make_corpus.FILES)
    assert all(r["expected"].startswith(("ok:", "error:")) for r in ROWS)


def test_committed_files_are_the_generated_ones() -> None:
    """The committed corpus is what make_corpus.py makes (so it can be rebuilt and trusted),
    and nothing over the size limit is committed. FLAC files carry the libsndfile version in
    their metadata, so those are compared by decoded content only.
    """
    for name in make_corpus.FILES:
        committed = CORPUS / name
        data = make_corpus.make(name)
        if len(data) > make_corpus.COMMIT_LIMIT:
            assert not committed.exists(), f"{name} is over the commit limit"
            continue
        assert committed.exists(), f"{name} missing: run python tests/corpus/make_corpus.py"
        if data[:4] == b"fLaC":
            assert committed.read_bytes()[:4] == b"fLaC", name
        else:
            assert committed.read_bytes() == data, f"{name} differs from make_corpus.py"


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_library_outcome(row: dict[str, str], corpus_file) -> None:  # type: ignore[no-untyped-def]
    """The library gives exactly the manifest's outcome, and only documented errors."""
    assert library_outcome(row["entry_point"], corpus_file(row["file"])) == row["expected"], \
        row["why"]


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_cli_outcome(row: dict[str, str], corpus_file, capfd) -> None:  # type: ignore[no-untyped-def]
    """Through the CLI: errors are one stderr line and a non-zero exit with no traceback;
    successes exit 0 and print the expected header. The capture is at file-descriptor level,
    so C libraries writing to stderr behind Python's back are caught too.
    """
    rc = main(cli_args(row["entry_point"], corpus_file(row["file"])))
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert "root:" not in out + err, "a file outside the input was read (XXE/XInclude)"
    assert "Content error" not in out + err, "libxml2 parsed a local file as a DTD"
    assert "XML_PARSE_HUGE" not in out + err, "libxml2's limit leaked instead of ours"
    expected = row["expected"]
    if expected.startswith("error:"):
        assert rc != 0, (out, err)
        assert len(err.splitlines()) == 1, f"stderr is not one line: {err!r}"
        assert out == "", out
    else:
        assert rc == 0, err
        if expected.startswith("ok:header=") and row["entry_point"] != "header":
            assert expected.removeprefix("ok:header=") in out, out
        if expected == "ok:no-alerts":
            assert "HEADER" not in out and "EOM" not in out, out


@pytest.mark.parametrize("row", [r for r in ROWS if r["entry_point"] == "cap"],
                         ids=[r["file"] for r in ROWS if r["entry_point"] == "cap"])
def test_cap_validator_reports_instead_of_raising(row: dict[str, str], corpus_file) -> None:  # type: ignore[no-untyped-def]
    """validate() turns hostile XML into an error finding; it never raises on content."""
    findings = rules.validate(corpus_file(row["file"]).read_bytes(), "ipaws")
    if row["expected"].startswith("error:"):
        assert fails(findings), findings
