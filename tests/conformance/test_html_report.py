"""check --report: one self-contained HTML file a lab hands over."""

import re
import shutil
import subprocess

import pytest

from eas_encoder.cli import main
from eas_encoder.conformance import check
from eas_encoder.conformance.html import render_html_report

from .signals import header_burst, transmission


def test_report_leads_with_verdict_and_failing_rules(slow_wav, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["check", str(slow_wav), "--report", str(out)]) == 3
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    verdict, failing = text.index(">FAIL</p>"), text.index("<h2>Failing rules</h2>")
    every = text.index("<h2>Every rule</h2>")
    assert verdict < failing < text.index("<h2>Timeline</h2>") < every
    assert "BURST.BIT_RATE" in text[failing:every]
    assert "42 at 22050 Hz" in text  # the fingerprint's evidence
    assert re.search(r"eas-encoder [0-9][^,<]*, report made \d{4}-\d\d-\d\d", text)
    assert "report: " in capsys.readouterr().err


def test_report_has_no_external_references(slow_wav):
    fs = 22050
    x = transmission(fs, headers=[header_burst(fs, samples_per_bit=42)] * 3)
    text = render_html_report(check(x, fs))
    refs = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert all(r.startswith("data:") for r in refs), refs
    assert "<script" not in text and "@import" not in text and "url(" not in text
    # the SVG namespace is an identifier, not a fetch
    assert set(re.findall(r"https?://[^\"' )]+", text)) <= {"http://www.w3.org/2000/svg"}


def test_report_escapes_what_the_audio_says(tmp_path):
    from eas_encoder.conformance.report import Event, Report

    rep = Report(fs=22050, duration=1.0, source="<img src=x onerror=alert(1)>.wav",
                 events=[Event("header", 0.1, 0.9, "ZCZC-<script>-")])
    text = render_html_report(rep)
    assert "<script>" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in text


def test_bit_timing_pictures_when_matplotlib_is_installed(slow_wav, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.html"
    main(["check", str(slow_wav), "--report", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "<h2>Bit timing per burst</h2>" in text and "<h2>Spectrogram</h2>" in text
    assert text.count('src="data:image/png;base64,') >= 4  # spectrogram + 3 bursts


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_report_opens_in_a_browser(slow_wav, tmp_path):
    out = tmp_path / "r.html"
    main(["check", str(slow_wav), "--report", str(out)])
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'ud'}",
                    f"--screenshot={shot}", "--window-size=1200,900", out.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000
