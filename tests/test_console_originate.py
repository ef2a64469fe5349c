"""/originate over HTTP: counties by name, the preview (header, crawl, WEA text), the
confirmation queuing the origination with the user's name, field errors beside their fields,
and uploads refused (not audio, too long, a SAME header inside, too big, a forged token), with
nothing queued from a failed form and no refused upload left on disk.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the console extra is not installed")
pytest.importorskip("eas_encoder.station.originate", reason="originate is not in this tree")

import soundfile as sf  # noqa: E402

from eas_encoder.station.log import StationLog  # noqa: E402

from .test_console_app import _csrf, login_client, make_station  # noqa: E402


@pytest.fixture()
def station(tmp_path: Path) -> dict:
    return make_station(tmp_path)


@pytest.fixture()
def logged_in(station: dict):
    return login_client(station)


def _requests(station: dict) -> list:
    with StationLog.open(station["config"].station.database, writer=False) as log:
        return log.origination_requests()


def _uploads(station: dict) -> list[str]:
    return sorted(p.name for p in station["config"].station.recordings.glob("upload-*"))


def _wav(seconds: float, fs: int = 8000, samples: np.ndarray | None = None) -> bytes:
    out = io.BytesIO()
    if samples is None:
        t = np.arange(int(seconds * fs)) / fs
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    sf.write(out, samples, fs, format="WAV")
    return out.getvalue()


FIELDS = {"event": "RWT", "originator": "EAS", "locations": ["006037"], "duration": "0015"}


def _preview(client, **changes):
    files = changes.pop("files", None)
    token = _csrf(client.get("/originate").text)
    return client.post("/originate", data={"csrf_token": token, **FIELDS, **changes},
                       files=files)


def test_form_offers_counties_by_name(logged_in) -> None:
    page = logged_in.get("/originate").text
    assert '<option value="006037"' in page and "Los Angeles County, CA" in page
    assert '<option value="006000"' in page            # the whole state
    assert 'name="duration"' in page and 'value="0015"' in page
    events = re.search(r'<select name="event".*?</select>', page, re.S).group(0)
    originators = re.search(r'<select name="originator".*?</select>', page, re.S).group(0)
    assert 'value="RWT"' in events and 'value="EAN"' not in events   # national: FEMA only
    assert 'value="CIV"' in originators and 'value="PEP"' not in originators
    # The legacy EAN originator is always refused by validation: not offered either.
    assert 'value="EAN"' not in originators
    assert ">Preview</button>" in page


def test_preview_then_send_queues_it_with_the_user(station: dict,
                                                   logged_in) -> None:
    preview = _preview(logged_in)
    assert preview.status_code == 200
    header = re.search(r'<pre id="header-text">([^<]+)</pre>', preview.text).group(1)
    assert header == "ZCZC-EAS-RWT-006037+0015-3341802-KXYZ/FM -"
    assert "REQUIRED WEEKLY TEST" in preview.text and 'id="wea"' in preview.text
    assert ">Send</button>" in preview.text
    assert _requests(station) == []                   # the preview queues nothing
    hidden = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', preview.text)
    data: dict = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)
    sent = logged_in.post("/originate/confirm", data=data, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/originate?queued=")
    (row,) = _requests(station)
    assert (row.user, row.header, row.status) == ("alice", header, "queued")
    page = logged_in.get(sent.headers["location"]).text
    assert "queued for the monitor" in page and f'id="origination-{row.request_id}"' in page


def test_field_errors_beside_each_field_and_nothing_queued(station: dict,
                                                           logged_in) -> None:
    r = _preview(logged_in, event="TOR", originator="XYZ", locations=["099999"],
                 duration="0017")
    assert r.status_code == 400
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]*)<', r.text))
    assert set(errors) >= {"originator", "locations", "duration", "message_text"}
    assert "next legal" in errors["duration"]
    assert 'value="0017"' in r.text                   # what was typed is kept
    assert _requests(station) == []


def test_a_forged_confirmation_is_validated_again(station: dict,
                                                  logged_in) -> None:
    token = _csrf(logged_in.get("/originate").text)
    r = logged_in.post("/originate/confirm", data={
        "csrf_token": token, **FIELDS, "event": "EAN", "upload": "../../etc/passwd"})
    assert r.status_code == 400 and 'id="event-error"' in r.text
    r = logged_in.post("/originate/confirm", data={
        "csrf_token": token, **FIELDS, "upload": "A" * 32})
    assert r.status_code == 400 and 'id="audio-error"' in r.text
    assert _requests(station) == []


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"hello", "not an audio file"),
    ("fake.wav", b"RIFF this is not a wave file", "not an audio file"),
    ("long.wav", None, "long"),
    ("nested.wav", "nested", "SAME header"),
])
def test_upload_refused_and_removed(station: dict, logged_in,
                                    name: str, content: bytes | str | None,
                                    message: str) -> None:
    if content is None:
        content = _wav(125.0)
    elif content == "nested":
        from eas_encoder.same.transmission import encode_transmission

        tx = encode_transmission("ZCZC-WXR-TOR-006037+0030-3341800-KLOX/NWS-", fs=22050,
                                 attention="none")
        content = _wav(0, 22050, tx.samples)
    r = _preview(logged_in, event="TOR", originator="WXR",
                 files={"audio": (name, content, "audio/wav")})
    assert r.status_code == 400
    error = re.search(r'id="audio-error">([^<]*)<', r.text)
    assert error and message in error.group(1), r.text[-3000:]
    assert _uploads(station) == [] and _requests(station) == []


def test_upload_over_the_body_limit_is_413(station: dict, logged_in) -> None:
    r = _preview(logged_in, event="TOR", originator="WXR",
                 files={"audio": ("big.wav", b"\0" * (21 * 1024 * 1024), "audio/wav")})
    assert r.status_code == 413
    assert _uploads(station) == [] and _requests(station) == []


def test_audio_upload_is_kept_for_the_monitor(station: dict, logged_in) -> None:
    r = _preview(logged_in, event="TOR", originator="WXR",
                 files={"audio": ("message.wav", _wav(3.0), "audio/wav")})
    assert r.status_code == 200 and "Uploaded audio, 3.0 s" in r.text
    hidden = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', r.text)
    data: dict = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)
    sent = logged_in.post("/originate/confirm", data=data, follow_redirects=False)
    assert sent.status_code == 303
    (row,) = _requests(station)
    kept = Path(row.audio_path)
    assert kept.parent == station["config"].station.recordings and kept.is_file()
    assert kept.name.startswith("upload-") and kept.suffix == ".wav"
