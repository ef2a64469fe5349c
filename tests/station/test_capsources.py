"""CAP sources: feed shapes, signature status, repeats, bounded fetching, hostile input."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from eas_encoder.errors import CapError
from eas_encoder.station.capsources import (
    ATOM_NS,
    CapMonitor,
    FeedPoller,
    FolderPoller,
    SeenAlerts,
    check_signature,
    split_feed,
)
from eas_encoder.station.events import CapReceived, SignatureStatus, SourceHealth
from tests.station.sample_station import ipaws_container, samples

START = samples.START
H1 = "ZCZC-CIV-CEM-006059+0100-3341755-LACOUNTY-"
H2 = "ZCZC-CIV-LAE-006037+0100-3341756-LACOUNTY-"


@pytest.fixture(scope="module")
def pki() -> dict:
    ca, key, cert = samples.make_identities(START - timedelta(days=30))
    _, okey, ocert = samples.make_identities(START - timedelta(days=30))
    return {"ca": ca, "key": key, "cert": cert, "other_key": okey, "other_cert": ocert}




def test_ipaws_container_alerts_each_verify_as_their_own_document(pki: dict) -> None:
    a = samples.cap_document(H1, key=pki["key"], cert=pki["cert"])
    b = samples.cap_document(H2, key=pki["key"], cert=pki["cert"])
    docs = split_feed(ipaws_container(a, b))
    assert len(docs.alerts) == 2 and not docs.links
    for doc in docs.alerts:
        status, reason, alert = check_signature(doc, [pki["ca"]], at=START)
        assert (status, reason) == (SignatureStatus.VALID, "")
    assert alert.identifier.startswith("EAS-CIV-LAE")


def test_signature_statuses(pki: dict) -> None:
    good = samples.cap_document(H1, key=pki["key"], cert=pki["cert"])
    assert check_signature(good, [pki["ca"]], at=START)[0] is SignatureStatus.VALID
    assert check_signature(samples.alter(good), [pki["ca"]], at=START)[0] \
        is SignatureStatus.INVALID
    assert check_signature(samples.cap_document(H1), [pki["ca"]], at=START)[0] \
        is SignatureStatus.UNSIGNED
    impostor = samples.cap_document(H1, key=pki["other_key"], cert=pki["other_cert"])
    assert check_signature(impostor, [pki["ca"]], at=START)[0] is SignatureStatus.UNTRUSTED
    # The certificates were not valid yet a year earlier: the injected time decides.
    assert check_signature(good, [pki["ca"]], at=START - timedelta(days=365))[0] \
        is not SignatureStatus.VALID


def test_atom_feed_gives_its_http_links_only() -> None:
    feed = f"""<feed xmlns="{ATOM_NS}"><title>t</title>
      <entry><link rel="alternate" type="application/cap+xml" href="/cap/1.xml"/></entry>
      <entry><link href="https://alerts.example/cap/2.xml"/></entry>
      <entry><link href="file:///etc/passwd"/></entry>
      <entry><title>no link</title></entry></feed>""".encode()
    docs = split_feed(feed, base_url="http://127.0.0.1:9/feed.atom")
    assert docs.links == ["http://127.0.0.1:9/cap/1.xml", "https://alerts.example/cap/2.xml"]


def test_hostile_or_foreign_feeds_are_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]>'
            b'<alerts xmlns="http://gov.fema.ipaws.services/feed">&x;</alerts>')
    with pytest.raises(CapError):
        split_feed(bomb)
    with pytest.raises(CapError, match="neither"):
        split_feed(b"<html><body>maintenance</body></html>")
    assert split_feed(b'<a:alerts xmlns:a="http://gov.fema.ipaws.services/feed"/>').alerts \
        == []


def test_a_feed_listing_too_many_alerts_is_cut_and_says_so() -> None:
    one = samples.cap_document(H1)
    docs = split_feed(ipaws_container(*[one] * 5), limit=3)
    assert len(docs.alerts) == 3 and "took the first 3" in docs.note


def test_seen_alerts_only_verified_alerts_claim_their_identifier() -> None:
    seen = SeenAlerts()
    assert seen.add_document(b"x") and not seen.add_document(b"x")
    assert seen.add_alert("id", START) and not seen.add_alert("id", START)
    assert seen.add_alert("id", START + timedelta(seconds=1))


def _collector() -> tuple[list[object], object]:
    events: list[object] = []

    async def emit(event: object) -> None:
        events.append(event)
    return events, emit


def test_folder_monitor_hands_each_alert_over_once(pki: dict, tmp_path: Path) -> None:
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "a.xml").write_bytes(samples.cap_document(H1, key=pki["key"], cert=pki["cert"]))
    (folder / "b.xml").write_bytes(samples.cap_document(H2))
    (folder / "notes.txt").write_text("not CAP")
    (folder / "big.xml").write_bytes(b" " * 9000)
    events, emit = _collector()
    mon = CapMonitor("DIR", FolderPoller(folder, max_bytes=8000), emit, trust=[pki["ca"]],
                     store=tmp_path / "kept", seen=SeenAlerts(), clock=lambda: START,
                     interval=5)
    assert asyncio.run(mon.poll())
    got = [(e.signature, e.alert.identifier[:11]) for e in events
           if isinstance(e, CapReceived)]
    assert got == [(SignatureStatus.VALID, "EAS-CIV-CEM"), (SignatureStatus.UNSIGNED,
                                                            "EAS-CIV-LAE")]
    assert all(Path(e.document).read_bytes() for e in events if isinstance(e, CapReceived))
    health = [e for e in events if isinstance(e, SourceHealth)]
    assert "big.xml larger than 8000 bytes" in health[-1].detail
    events.clear()
    assert asyncio.run(mon.poll())                 # nothing new
    assert not [e for e in events if isinstance(e, CapReceived)]
    # The same alert copied under another name is the same alert: dropped.
    (folder / "c.xml").write_bytes((folder / "a.xml").read_bytes())
    asyncio.run(mon.poll())
    assert not [e for e in events if isinstance(e, CapReceived)]


def _poller(handler, **kw) -> FeedPoller:  # noqa: ANN001 - an httpx handler
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return FeedPoller("http://127.0.0.1:9/rest/eas/recent/{timestamp}", client, **kw)


def test_feed_url_gets_the_ipaws_timestamp_and_fetches_atom_links(pki: dict) -> None:
    asked: list[str] = []
    doc = samples.cap_document(H1)

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path.endswith(".xml"):
            return httpx.Response(200, content=doc)
        return httpx.Response(200, content=f'<feed xmlns="{ATOM_NS}"><entry>'
                              '<link href="/a.xml"/></entry></feed>'.encode())
    docs = asyncio.run(_poller(handler).poll(START))
    assert asked == ["http://127.0.0.1:9/rest/eas/recent/2026-11-30T18:00:00Z",
                     "http://127.0.0.1:9/a.xml"]
    assert docs.alerts == [doc]


def test_feed_answers_are_bounded_in_size_and_time() -> None:
    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<a>" + b" " * 5000 + b"</a>")
    with pytest.raises(OSError, match="limit"):
        asyncio.run(_poller(huge, max_bytes=1000).poll(START))

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)
    with pytest.raises(OSError, match="within 0.2 s"):
        asyncio.run(_poller(slow, timeout=0.2).poll(START))

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)
    with pytest.raises(OSError, match="HTTP 503"):
        asyncio.run(_poller(down).poll(START))


def test_a_failing_feed_is_reported_and_backs_off(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")
    events, emit = _collector()
    mon = CapMonitor("IPAWS", _poller(down), emit, trust=[], store=tmp_path,
                     seen=SeenAlerts(), clock=lambda: START, interval=120)
    assert not asyncio.run(mon.poll())
    assert isinstance(events[0], SourceHealth) and not events[0].ok
    assert "ConnectError" in events[0].detail
    assert [mon.backoff.next() for _ in range(3)] == [120, 240, 480]
