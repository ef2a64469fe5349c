"""SAME message audio in a configured order of languages (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from eas_encoder.cap.xml import parse
from eas_encoder.cli import main
from eas_encoder.errors import CapError, EncodeError
from eas_encoder.multilingual import (
    multilingual_message,
    parse_voice_list,
    spoken_texts,
    voice_for,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EN_ES = parse((SAMPLES / "cap_child_abduction_en_es.xml").read_bytes())
ZH = parse((SAMPLES / "cap_child_abduction_zh.xml").read_bytes())

# Lines in the layout of `espeak-ng --voices` (espeak-ng 1.51).
VOICES = parse_voice_list(
    "Pty Language       Age/Gender VoiceName          File                 Other Languages\n"
    " 5  cmn             --/M      Chinese_(Mandarin) sit/cmn              (zh-cmn 5)(zh 5)\n"
    " 5  en-us           --/M      English_(America)  gmw/en-US            (en 2)\n"
    " 5  es              --/M      Spanish_(Spain)    roa/es               \n"
    " 5  yue             --/M      Chinese_(Cantonese) sit/yue             (zh-yue 5)(zh 8)\n")


def test_voice_lookup():
    assert voice_for("en-US", VOICES) == "en-us"
    assert voice_for("es-US", VOICES) == "es"
    assert voice_for("zh-CN", VOICES) == "cmn"  # priority 5 beats Cantonese's 8
    with pytest.raises(EncodeError) as err:
        voice_for("tlh", VOICES)
    assert err.value.field == "language" and err.value.value == "tlh"
    assert "no fallback to English" in str(err.value)
    with pytest.raises(EncodeError, match="not installed"):
        voice_for("en", {})


def _fake(calls):
    def synthesize(text, fs, *, voice):
        calls.append((voice, text))
        return np.full(fs // 10, 0.5, dtype=np.float32)
    return synthesize


def test_languages_are_spoken_in_the_configured_order():
    calls: list[tuple[str, str]] = []
    audio = multilingual_message(EN_ES, ["es-US", "en-US"], 8000, station="KXYZ/FM",
                                 synthesize=_fake(calls), voices=VOICES, pause_seconds=0.5)
    assert [v for v, _ in calls] == ["es", "en-us"]
    assert calls[0][1].startswith("Alerta AMBER: secuestro de menor")
    assert "has issued" in calls[1][1]  # English: the ECIG text with the header translation
    assert len(audio) == 800 + 4000 + 800 and audio.dtype == np.float32


def test_no_voice_is_an_error_before_any_synthesis():
    calls: list[tuple[str, str]] = []
    with pytest.raises(EncodeError) as err:
        multilingual_message(EN_ES, ["en-US", "tlh"], 8000, synthesize=_fake(calls),
                             voices=VOICES)
    assert err.value.value == "tlh" and calls == []


def test_missing_info_language_names_those_present():
    with pytest.raises(CapError, match="present: en-US, es-US"):
        spoken_texts(EN_ES, ["fr-CA"])
    assert spoken_texts(ZH, ["zh-CN"])[0][1].startswith("安珀警报")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_installed_espeak_has_the_sample_languages(capsys, tmp_path):
    assert voice_for("zh-CN") and voice_for("es-US") and voice_for("en-US")
    assert main(["cap", "to-wav", str(SAMPLES / "cap_child_abduction_en_es.xml"), "--station",
                 "KXYZ/FM", "--languages", "en-US,xx", "-o", str(tmp_path / "a.wav")]) == 2
    assert "language 'xx'" in capsys.readouterr().err
    assert not (tmp_path / "a.wav").exists()
