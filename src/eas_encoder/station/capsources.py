"""CAP monitoring sources: a feed URL polled with httpx, or a watched folder.

Feed shapes recognised by their root element:

- **IPAWS-OPEN**: an XML container (namespace ``http://gov.fema.ipaws.services/feed``) holding
  CAP 1.2 ``alert`` elements, fetched as ``.../recent/{timestamp}`` (a ``{timestamp}`` in the
  configured URL is replaced by the ISO 8601 time of the last successful poll). FEMA asks
  clients to poll no more often than every 120 s (the configuration enforces it).
- **Atom** (RFC 4287): entries whose ``link`` elements point to CAP documents, each fetched.
- A single CAP ``alert`` document.

Each alert is verified as its own document (47 CFR 11.56(c): a CAP message whose signature is
invalid is rejected) against the configured trust store; the result travels with the alert to
the core, which rejects and logs everything that is not ``valid``. An alert already seen
(same ``identifier`` and ``sent``, CAP 1.2 §3.2.1) is dropped here: feeds repeat alerts on
every poll. Everything fetched is bounded: response size, document count, and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..cap.model import CAP11_NS, CAP12_NS, Alert
from ..cap.signature import verify
from ..cap.xml import DEFAULT_MAX_BYTES, parse, parse_tree
from ..errors import CapError, EasError
from ..fileio import write_output
from .events import CapReceived, SignatureStatus, SourceHealth
from .sources import Backoff

if TYPE_CHECKING:  # imported at run time only where a feed is fetched (start-up time)
    import httpx

__all__ = ["IPAWS_FEED_NS", "ATOM_NS", "FeedDocuments", "split_feed", "check_signature",
           "SeenAlerts", "FolderPoller", "FeedPoller", "CapMonitor", "MAX_DOCUMENTS",
           "fetch_bounded", "FETCH_TIMEOUT_SECONDS"]

IPAWS_FEED_NS = "http://gov.fema.ipaws.services/feed"
"""Namespace of the IPAWS-OPEN feed container."""
ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_DOCUMENTS = 200
"""Most alerts taken from one poll (a feed listing more is cut, and the cut reported)."""
FETCH_TIMEOUT_SECONDS = 20.0
"""Longest one HTTP request may take, connection to last byte, s."""
MAX_FEED_BYTES = 4 * DEFAULT_MAX_BYTES
"""Largest feed container accepted (an IPAWS "recent" answer holds many alerts), bytes."""
FIRST_LOOKBACK = timedelta(hours=1)
"""The first poll of an IPAWS-OPEN ``recent/{timestamp}`` feed asks this far back."""
SEEN_LIMIT = 10000
"""Alerts remembered for the identifier + sent duplicate check."""
_CAP_NS = (CAP12_NS, CAP11_NS)


class FeedDocuments:
    """What one feed answer holds: alert documents (``bytes``, each to be verified on its
    own) and links to fetch (Atom), plus a note when the answer was cut to the limit.
    """

    def __init__(self) -> None:
        self.alerts: list[bytes] = []
        self.links: list[str] = []
        self.note = ""


def _is_alert(el: etree._Element) -> bool:
    return isinstance(el.tag, str) and etree.QName(el).localname == "alert" \
        and etree.QName(el).namespace in _CAP_NS


def split_feed(data: bytes, *, base_url: str = "", limit: int = MAX_DOCUMENTS
               ) -> FeedDocuments:
    """Split a feed answer into alert documents and CAP links.

    Args:
        data: the response body (bounded by the caller).
        base_url: resolves relative Atom links.
        limit: most documents taken.

    Returns:
        :class:`FeedDocuments`. Only ``http``/``https`` links are kept (a feed must not make
        the monitor read local files).

    Raises:
        CapError: not well-formed or hostile XML, or neither a CAP alert, an IPAWS container
            nor an Atom feed.
    """
    root = parse_tree(data, max_bytes=MAX_FEED_BYTES).getroot()
    out = FeedDocuments()
    if _is_alert(root):
        out.alerts.append(data)
        return out
    qname = etree.QName(root)
    if qname.namespace == ATOM_NS and qname.localname == "feed":
        for entry in root.iter(f"{{{ATOM_NS}}}entry"):
            embedded = [el for el in entry.iter() if _is_alert(el)]
            if embedded:   # some feeds carry the alert inside <content>
                out.alerts.append(etree.tostring(embedded[0]))
                continue
            href = _cap_link(entry)
            if href is None:
                continue
            url = urljoin(base_url, href)
            if urlsplit(url).scheme in ("http", "https"):
                out.links.append(url)
    else:
        # IPAWS-OPEN (and other containers): every CAP alert element, each re-serialized on
        # its own; exclusive C14N signatures do not depend on the container around them.
        out.alerts.extend(etree.tostring(el) for el in root.iter() if _is_alert(el))
        if not out.alerts and qname.namespace != IPAWS_FEED_NS:
            raise CapError("is neither a CAP alert, an IPAWS-OPEN feed nor an Atom feed",
                           field="feed", value=f"<{qname.localname}>")
    total = len(out.alerts) + len(out.links)
    if total > limit:
        out.note = f"feed listed {total} alerts; took the first {limit}"
        out.alerts = out.alerts[:limit]
        out.links = out.links[:max(0, limit - len(out.alerts))]
    return out


def _cap_link(entry: etree._Element) -> str | None:
    links = entry.findall(f"{{{ATOM_NS}}}link")
    for link in links:   # a link typed as CAP wins
        if "cap" in (link.get("type") or "").lower() and link.get("href"):
            return link.get("href")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def check_signature(document: bytes, trust: Sequence[bytes], *, at: datetime
                    ) -> tuple[SignatureStatus, str, Alert]:
    """Verify a CAP alert's enveloped signatures against the trust store (47 CFR 11.56(c)).

    Args:
        document: the alert exactly as received.
        trust: PEM certificates: pinned signer certificates or CAs the signer chains to.
        at: the time certificates must be valid at (the shell's clock).

    Returns:
        ``(status, reason, alert)``: ``valid`` when every signature verifies and one signer
        is trusted, and then ``alert`` is built from exactly the signed bytes; ``untrusted``
        when they verify but no signer is trusted; ``unsigned``; ``invalid`` (``reason``
        says why). For all but ``valid`` the alert is parsed from the document as received,
        for the log only.

    Raises:
        CapError: the document is not a safe, well-formed CAP alert.
    """
    result = verify(document, at=at, trusted_certs=tuple(trust), trust_store=tuple(trust))
    why = result.refusal()
    if why is None and result.alert is not None:
        return SignatureStatus.VALID, "", result.alert
    alert = parse(document)
    if not result.checks:
        return SignatureStatus.UNSIGNED, why or "no signature", alert
    if all(c.valid for c in result.checks) and result.alert is not None:
        return SignatureStatus.UNTRUSTED, why or "no trusted signer", alert
    return SignatureStatus.INVALID, why or "the signature does not verify", alert


class SeenAlerts:
    """What was received already, most recent :data:`SEEN_LIMIT` of each kind kept:
    documents by SHA-256 (a feed repeats them on every poll) and verified alerts by
    ``(identifier, sent)`` (CAP 1.2 §3.2.1).

    Only a *verified* alert claims its identifier: were unverified ones to, a forged copy
    sent first would shadow the genuine alert.
    """

    def __init__(self, alerts: Iterable[tuple[str, datetime]] = ()) -> None:
        self._seen: OrderedDict[tuple[object, ...], None] = OrderedDict()
        for identifier, sent in alerts:
            self.add_alert(identifier, sent)

    def _add(self, key: tuple[object, ...]) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > 2 * SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def add_document(self, data: bytes) -> bool:
        """Remember a document; ``False`` when these exact bytes came before."""
        return self._add(("document", hashlib.sha256(data).digest()))

    def add_alert(self, identifier: str, sent: datetime) -> bool:
        """Remember a verified alert; ``False`` when it came before."""
        return self._add(("alert", identifier, sent.astimezone(UTC)))


class FolderPoller:
    """A folder of CAP files (``*.xml``, ``*.cap``): each new or changed file is a document.

    Args:
        folder: the directory watched.
        max_bytes: larger files are skipped (reported).
    """

    SUFFIXES = (".xml", ".cap")

    def __init__(self, folder: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._known: dict[str, tuple[int, int]] = {}

    async def poll(self, since: datetime | None) -> FeedDocuments:
        """The documents added or changed since the last poll, by name (``since`` is not
        needed: the folder itself shows what is new).

        Raises:
            OSError: the folder cannot be listed.
        """
        out = FeedDocuments()
        entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        skipped = []
        for entry in entries:
            if not entry.name.lower().endswith(self.SUFFIXES) or entry.name.startswith("."):
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            if not entry.is_file():
                continue
            stamp = (st.st_mtime_ns, st.st_size)
            if self._known.get(entry.name) == stamp:
                continue
            self._known[entry.name] = stamp
            if st.st_size > self.max_bytes:
                skipped.append(f"{entry.name} larger than {self.max_bytes} bytes")
                continue
            if len(out.alerts) >= MAX_DOCUMENTS:
                del self._known[entry.name]       # taken on the next poll
                out.note = f"more than {MAX_DOCUMENTS} new files; the rest next poll"
                break
            try:
                with open(entry.path, "rb") as fh:
                    out.alerts.append(fh.read(self.max_bytes + 1))
            except OSError as exc:
                skipped.append(f"{entry.name}: {exc.strerror}")
        if skipped:
            out.note = "; ".join([out.note, *skipped][1 if not out.note else 0:])
        return out

    async def close(self) -> None:
        """Nothing to release."""


async def fetch_bounded(client: httpx.AsyncClient, url: str, max_bytes: int,
                        timeout: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    """GET ``url``; the body, at most ``max_bytes``, complete within ``timeout`` seconds.

    Args:
        client: an ``httpx.AsyncClient``.
        url: ``http``/``https`` only (anything else is refused: a feed or an alert must
            not make the monitor read local files).
        max_bytes: largest body accepted.
        timeout: whole-request limit, s.

    Raises:
        OSError: another scheme, network failure, non-2xx status, too large, too slow.
    """
    import httpx  # noqa: PLC0415 - only feeds, CAP audio and webhooks need it

    if urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"{url}: only http and https are fetched")

    async def get() -> bytes:
        async with client.stream("GET", url) as response:
            if not 200 <= response.status_code < 300:
                raise OSError(f"{url}: HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise OSError(f"{url}: answer of {declared} bytes is over the "
                              f"{max_bytes}-byte limit")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise OSError(f"{url}: answer over the {max_bytes}-byte limit")
                chunks.append(chunk)
            return b"".join(chunks)

    try:
        async with asyncio.timeout(timeout):
            return await get()
    except TimeoutError:
        raise OSError(f"{url}: no complete answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise OSError(f"{url}: {type(exc).__name__}: {exc}") from None


class FeedPoller:
    """A feed URL fetched with httpx: IPAWS-OPEN container, Atom feed or one CAP alert.

    Args:
        url: the feed; ``{timestamp}`` is replaced by the ISO 8601 UTC time of the last
            successful poll (IPAWS-OPEN ``recent/{timestamp}``).
        client: an ``httpx.AsyncClient`` (shared; the caller closes it).
        timeout: whole-request limit, s.
        max_bytes: largest feed answer accepted.

    Raises:
        OSError: from :meth:`poll` for any network failure, HTTP error status, oversize or
            slow answer (the supervisor retries with backoff).
    """

    def __init__(self, url: str, client: httpx.AsyncClient, *,
                 timeout: float = FETCH_TIMEOUT_SECONDS,
                 max_bytes: int = MAX_FEED_BYTES) -> None:
        self.url = url
        self.client = client
        self.timeout = timeout
        self.max_bytes = max_bytes

    async def poll(self, since: datetime | None) -> FeedDocuments:  # noqa: D102
        url = self.url
        if "{timestamp}" in url and since is not None:
            url = url.replace("{timestamp}", since.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"))
        body = await self.fetch(url, self.max_bytes)
        try:
            docs = split_feed(body, base_url=url)
        except CapError as exc:
            raise OSError(f"feed answer unusable: {exc}") from None
        for link in docs.links:
            try:
                docs.alerts.append(await self.fetch(link, DEFAULT_MAX_BYTES))
            except OSError as exc:
                docs.note = f"{docs.note}; {exc}".lstrip("; ")
        docs.links = []
        return docs

    async def fetch(self, url: str, max_bytes: int) -> bytes:
        """GET ``url`` with :func:`fetch_bounded` and this poller's client and timeout."""
        return await fetch_bounded(self.client, url, max_bytes, self.timeout)

    async def close(self) -> None:
        """The shared client is closed by its owner."""


Emit = Callable[[object], Awaitable[None]]


class CapMonitor:
    """Supervise one CAP source: poll, verify, drop repeats, store, hand alerts to the core.

    Args:
        name: the source name.
        poller: a :class:`FolderPoller` or :class:`FeedPoller`.
        emit: ``async emit(event)`` receives :class:`CapReceived` and :class:`SourceHealth`.
        trust: PEM certificates of the trust store.
        store: directory where each alert document is kept as received (for the log).
        seen: the shared :class:`SeenAlerts` (one per station: a repeat on another CAP
            source is the same alert).
        clock: the shell's clock (UTC).
        interval: time between polls, s.
    """

    def __init__(self, name: str, poller: FolderPoller | FeedPoller, emit: Emit, *,
                 trust: Sequence[bytes], store: Path, seen: SeenAlerts,
                 clock: Callable[[], datetime], interval: float) -> None:
        self.name = name
        self.poller = poller
        self._emit = emit
        self.trust = tuple(trust)
        self.store = Path(store)
        self.seen = seen
        self._clock = clock
        self.interval = float(interval)
        self.backoff = Backoff(first=self.interval, cap=max(self.interval * 16, 900.0))
        self.last_success: datetime | None = None
        self._wake = asyncio.Event()
        self._healthy: bool | None = None

    def trigger(self) -> None:
        """Poll now (triggered CAP polling, FCC 22-75: an alert was heard on audio)."""
        self._wake.set()

    async def run(self) -> None:
        """Poll until cancelled; never raises for a failing source."""
        while True:
            ok = await self.poll()
            delay = self.interval if ok else self.backoff.next()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def poll(self) -> bool:
        """One poll: fetch, verify and hand over every new alert. ``False`` on failure
        (reported as a health event).
        """
        started = self._clock()
        try:
            docs = await self.poller.poll(self.last_success or started - FIRST_LOOKBACK)
        except (OSError, EasError) as exc:
            await self._health(False, f"poll failed: {exc}")
            return False
        # The next "recent/{timestamp}" asks from the start of this poll, so nothing
        # published while it ran is missed (repeats are dropped below).
        self.last_success = started
        self.backoff.reset()
        notes = [docs.note] if docs.note else []
        for data in docs.alerts:
            note = await self._accept(data)
            if note:
                notes.append(note)
        await self._health(True, "; ".join(notes)[:500] or "polled", force=bool(notes))
        return True

    async def _accept(self, data: bytes) -> str:
        if not self.seen.add_document(data):
            return ""
        now = self._clock()
        try:
            status, reason, alert = await asyncio.to_thread(check_signature, data, self.trust,
                                                            at=now)
        except CapError as exc:
            return f"rejected a document: {exc}"
        if status is SignatureStatus.VALID and not self.seen.add_alert(alert.identifier,
                                                                      alert.sent):
            return ""      # the same alert again (re-serialized by a feed, or another source)
        path = self._keep(data, alert)
        await self._emit(CapReceived(source=self.name, alert=alert, signature=status,
                                     at=now, document=path, reason=reason))
        return ""

    def _keep(self, data: bytes, alert: Alert) -> str | None:
        digest = hashlib.sha256(data).hexdigest()[:16]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in alert.identifier)[:80]
        path = self.store / f"{alert.sent.astimezone(UTC):%Y%m%dT%H%M%S}Z-{safe}-{digest}.xml"
        try:
            self.store.mkdir(parents=True, exist_ok=True)
            write_output(path, data, field="cap document")
        except (OSError, EasError):
            return None   # the alert still goes to the core; only the copy is missing
        return str(path)

    async def _health(self, ok: bool, detail: str, *, force: bool = False) -> None:
        if not force and ok == self._healthy:
            return
        self._healthy = ok
        await self._emit(SourceHealth(source=self.name, ok=ok, detail=detail))
