"""CAP audio resources at the edge (issue 10 item 4): read from ``derefUri``, from a local file
only inside a named resource directory, from the network only on request, each bounded.
"""

from __future__ import annotations

import base64
import io
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eas_encoder.cap.bridge import alert_to_same
from eas_encoder.cap.model import Resource
from eas_encoder.cap.xml import parse
from eas_encoder.cli import main
from eas_encoder.errors import CapError
from eas_encoder.message import ResourcePolicy, alert_message, resource_content
from tests.helpers import require_tool

AMBER = Path(__file__).resolve().parents[1] / "samples" / "cap_amber_ipaws.xml"


def _wav(seconds: float = 0.25, fs: int = 8000, hz: float = 440.0) -> bytes:
    t = np.arange(int(seconds * fs)) / fs
    buf = io.BytesIO()
    sf.write(buf, (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32), fs, format="WAV")
    return buf.getvalue()


def _alert_with(resource_xml: str) -> bytes:
    doc = AMBER.read_bytes()
    return doc.replace(b"<area>", b"<resource><resourceDesc>EAS Broadcast Content</resourceDesc>"
                       + resource_xml.encode() + b"</resource><area>", 1)


def _res(uri: str) -> Resource:
    return Resource(resource_desc="EAS Broadcast Content", mime_type="audio/wav", uri=uri)


def test_inband_audio_is_the_message() -> None:
    doc = _alert_with("<mimeType>audio/x-ipaws-audio-wav</mimeType><derefUri>"
                      f"{base64.b64encode(_wav()).decode()}</derefUri>")
    msg = alert_message(alert_to_same(parse(doc), station="KXYZ/FM"), 16000)
    assert msg.source == "audio resource" and abs(len(msg.samples) - 4000) <= 2
    spectrum = np.abs(np.fft.rfft(msg.samples))
    assert abs(np.argmax(spectrum) * 16000 / len(msg.samples) - 440) < 8


@pytest.mark.parametrize("uri", ["{secret}", "file://{secret}", "../../../../{secret}",
                                 "secret.wav", "/dev/stdin"])
def test_local_path_not_read_without_a_resource_dir(tmp_path: Path, uri: str) -> None:
    """Issue 10: `cap to-wav` aired any local path named in <uri>; now nothing is read."""
    secret = tmp_path / "secret.wav"
    secret.write_bytes(_wav())
    content, why = resource_content(_res(uri.format(secret=secret)), ResourcePolicy())
    assert content is None and "--resource-dir" in why


def test_resource_dir_grants_regular_files_inside_only(tmp_path: Path) -> None:
    granted = tmp_path / "audio"
    granted.mkdir()
    (granted / "msg.wav").write_bytes(_wav())
    (tmp_path / "secret.wav").write_bytes(_wav(hz=1000))
    policy = ResourcePolicy(resource_dir=granted)
    for uri in ("msg.wav", f"file://{granted / 'msg.wav'}", "./msg.wav"):
        assert resource_content(_res(uri), policy)[0] == _wav(), uri
    (granted / "out.wav").symlink_to(tmp_path / "secret.wav")
    os.mkfifo(granted / "fifo.wav")
    refusals = {"../secret.wav": "'..'", str(tmp_path / "secret.wav"): "outside",
                "out.wav": "outside", "fifo.wav": "regular file", "/dev/stdin": "outside",
                "missing.wav": "cannot be read"}
    for uri, words in refusals.items():
        with pytest.raises(CapError, match=words):
            resource_content(_res(uri), policy)
    (granted / "big.wav").write_bytes(b"\0" * 2000)
    with pytest.raises(CapError, match="at most 1000"):
        resource_content(_res("big.wav"), ResourcePolicy(resource_dir=granted, max_bytes=1000))


class _Server:
    """A throwaway HTTP server on 127.0.0.1 serving fixed paths (and one that stalls)."""

    def __init__(self, routes: dict[str, bytes]) -> None:
        self.requests: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.requests.append(self.path)
                if self.path == "/stall":
                    outer.release.wait(5)
                    return
                body = routes.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def test_fetch_only_on_request_with_timeout_and_size_cap() -> None:
    with _Server({"/a.wav": _wav(), "/big.wav": b"\0" * 9000}) as srv:
        assert resource_content(_res(srv.url + "/a.wav"), ResourcePolicy())[0] is None
        assert srv.requests == []  # not asked: not fetched
        fetch = ResourcePolicy(fetch=True, timeout=0.5, max_bytes=8000)
        assert resource_content(_res(srv.url + "/a.wav"), fetch)[0] == _wav()
        with pytest.raises(CapError, match="at most 8000"):
            resource_content(_res(srv.url + "/big.wav"), fetch)
        with pytest.raises(CapError, match="HTTP 404"):
            resource_content(_res(srv.url + "/none.wav"), fetch)
        with pytest.raises(CapError, match="Timeout"):
            resource_content(_res(srv.url + "/stall"), fetch)


def test_to_wav_cli_resources(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Through `cap to-wav`: a local secret is not aired (TTS instead, with a note), a file in
    --resource-dir is, and a FIFO there is refused at once instead of hanging.
    """
    require_tool("espeak-ng")
    secret = tmp_path / "secret.wav"
    secret.write_bytes(_wav(0.5))
    alert = tmp_path / "alert.xml"
    alert.write_bytes(_alert_with(f"<mimeType>audio/wav</mimeType><uri>file://{secret}</uri>"))
    out = tmp_path / "out.wav"
    args = ["cap", "to-wav", str(alert), "--station", "KXYZ/FM", "--rate", "8000", "-o",
            str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "message TTS" in err and "--resource-dir" in err
    assert main([*args, "--resource-dir", str(tmp_path)]) == 0
    assert "message audio resource" in capsys.readouterr().err
    os.mkfifo(tmp_path / "fifo.wav")
    alert.write_bytes(_alert_with("<mimeType>audio/wav</mimeType><uri>fifo.wav</uri>"))
    assert main([*args, "--resource-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "regular file" in err
