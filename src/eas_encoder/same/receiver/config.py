"""Receiver options: one frozen value built once (by the caller or the CLI) and passed down to
every stage that needs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import DecodeError

__all__ = ["ReceiverConfig", "MIN_CONFIDENCE"]

MIN_CONFIDENCE = 0.99
"""Posterior probability below which a combined header is reported as invalid, not as an
alert (SAME has no checksum; see :mod:`.grammar`)."""


@dataclass(frozen=True)
class ReceiverConfig:
    """What the SAME receiver reports.

    Attributes:
        single_burst: also report a header heard in one burst only, flagged
            ``low_confidence``; by default two bursts must confirm it (47 CFR 11.33(a)(10)).
        bursts: also report every demodulated burst as a :class:`~.events.BurstEvent`.
        min_confidence: posterior probability (0 to 1) a header needs to be an alert.

    Raises:
        DecodeError: field ``min_confidence`` outside [0, 1] or not a number.
    """

    single_burst: bool = False
    bursts: bool = False
    min_confidence: float = MIN_CONFIDENCE

    def __post_init__(self) -> None:
        p = self.min_confidence
        if isinstance(p, bool) or not isinstance(p, int | float) or not (
                math.isfinite(p) and 0.0 <= p <= 1.0):
            raise DecodeError("must be a probability from 0 to 1", field="min_confidence",
                              value=p)
