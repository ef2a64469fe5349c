"""samples/make_station_samples.py loaded as a module (the e2e and CAP-source tests build their
media with it, so the sample script is tested too), and an IPAWS-OPEN feed container.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_station_samples",
                                               ROOT / "samples" / "make_station_samples.py")
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)  # type: ignore[union-attr]


def ipaws_container(*alerts: bytes) -> bytes:
    """The IPAWS-OPEN feed shape: CAP alerts (their XML declarations dropped) in one
    ``alerts`` element of namespace ``http://gov.fema.ipaws.services/feed``.
    """
    body = b"".join(a.split(b"?>", 1)[1] if a.startswith(b"<?xml") else a for a in alerts)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<ns1:alerts xmlns:ns1="http://gov.fema.ipaws.services/feed">' + body +
            b"</ns1:alerts>")
