"""Maximum a posteriori header text from soft bits, with a calibrated confidence.

SAME has no checksum, so the header grammar of 47 CFR 11.31(c) is the only redundancy:
``ZCZC-ORG-EEE-PSSCCC(-PSSCCC)*+TTTT-JJJHHMM-LLLLLLLL-``. For every layout hypothesis
(1 to 31 locations, a station id of 1 to 8 characters) each character position has a class
(a fixed character, a letter, a digit, a restricted digit such as the tens of the minutes, a
station character). The receiver scores each layout by the likelihood ratio of its classes
against random bytes, takes the best layout, then the most likely character of each class.

The confidence is the posterior probability that the whole text is right under the
per-bit log-likelihood ratios: ``P(layout) * prod_i P(char_i | class_i)``. It is calibrated as
far as the LLRs are (the burst demodulator estimates amplitude and noise per burst), which
``tests/same/test_receiver_grammar.py`` checks empirically.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..header import MAX_LOCATIONS, STATION_ID_LENGTH

__all__ = ["GrammarResult", "decode_header", "char_log_likelihoods", "CLASSES"]

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
CLASSES: tuple[str, ...] = (
    _UPPER, _DIGITS, "012345", "0123", "012", _UPPER + _DIGITS + "/ ", "Z", "C", "-", "+",
)
"""Character classes by id: letter, digit, 0-5, 0-3, 0-2, station, then fixed characters."""
_LETTER, _DIGIT, _D05, _D03, _D02, _STATION, _Z, _C, _DASH, _PLUS = range(len(CLASSES))
_CHAR_BITS = np.array([[1.0 if (c >> b) & 1 else -1.0 for b in range(7)] for c in range(128)])
_MEMBERS = [np.frombuffer(cls.encode("ascii"), dtype=np.uint8).astype(np.int64)
            for cls in CLASSES]
_STATION_PRIOR = 0.9
"""Prior that the station id uses all 8 characters (47 CFR 11.31(b) pads with spaces)."""


@dataclass(frozen=True)
class GrammarResult:
    """Best header text and its posterior probability (0..1)."""

    text: str
    confidence: float
    locations: int
    station_length: int


def _fixed_score(padded: np.ndarray, ids: np.ndarray, start: int) -> float:
    return float(padded[start + np.arange(len(ids)), ids].sum())


@cache
def _layout(n_loc: int, station: int) -> np.ndarray:
    ids = [_Z, _C, _Z, _C, _DASH, _LETTER, _LETTER, _LETTER, _DASH, _LETTER, _LETTER, _LETTER,
           _DASH]
    for i in range(n_loc):
        ids += [_DIGIT] * 6 + [_DASH if i < n_loc - 1 else _PLUS]
    ids += [_DIGIT, _DIGIT, _D05, _DIGIT, _DASH]                    # TTTT (HHMM)
    ids += [_D03, _DIGIT, _DIGIT, _D02, _DIGIT, _D05, _DIGIT, _DASH]  # JJJHHMM
    ids += [_STATION] * station + [_DASH]
    return np.array(ids, dtype=np.int64)


def char_log_likelihoods(llr: np.ndarray) -> np.ndarray:
    """``float64[chars, 128]``: log P(soft bits | char) minus log P(soft bits | random char).

    ``llr`` is ``float64[chars, 7]`` (positive favours 1), bit 8 already dropped.
    """
    half = np.asarray(llr, dtype=np.float64) / 2
    norm = np.logaddexp(half, -half).sum(axis=1, keepdims=True)
    return half @ _CHAR_BITS.T - norm + 7 * np.log(2)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    return (m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))).squeeze(axis)


def decode_header(llr: np.ndarray) -> GrammarResult:
    """Most probable header for soft bits ``float64[chars, 7]`` aligned on the first ``Z``."""
    ll = char_log_likelihoods(llr)
    n = len(ll)
    # class_score[i, k]: log mean over class k of the likelihood ratio at position i.
    class_score = np.stack([_logsumexp(ll[:, m], axis=1) - np.log(len(m)) for m in _MEMBERS],
                           axis=1)
    # Score every layout from running sums: locations are 7-character units, then a fixed
    # 13-character tail (+TTTT-JJJHHMM-), then the station id and its final '-'.
    padded = np.zeros((_MAX_LEN + 1, len(CLASSES)))
    padded[: min(n, _MAX_LEN)] = class_score[:_MAX_LEN]
    cum = np.zeros((_MAX_LEN + 2, len(CLASSES)))
    np.cumsum(padded, axis=0, out=cum[1:])
    head = _fixed_score(padded, _layout(1, 1)[:13], 0)
    loc_unit = np.array([_fixed_score(padded, _UNIT, 13 + 7 * i) for i in range(MAX_LOCATIONS)])
    n_locs = np.arange(1, MAX_LOCATIONS + 1)
    locs = np.concatenate([[0.0], np.cumsum(loc_unit)])[n_locs - 1]  # all but the last unit
    last = np.array([_fixed_score(padded, _LAST_UNIT, 13 + 7 * (int(k) - 1)) for k in n_locs])
    tail = np.array([_fixed_score(padded, _TAIL, 13 + 7 * int(k)) for k in n_locs])
    st0: np.ndarray = 26 + 7 * n_locs                      # first station character
    stations: np.ndarray = np.arange(1, STATION_ID_LENGTH + 1)
    station = cum[st0[:, None] + stations[None, :], _STATION] - cum[st0[:, None], _STATION]
    dash = padded[st0[:, None] + stations[None, :], _DASH]
    prior = np.asarray(np.where(stations == STATION_ID_LENGTH, np.log(_STATION_PRIOR),
                                np.log((1 - _STATION_PRIOR) / (STATION_ID_LENGTH - 1))))
    total = (head + locs + last + tail)[:, None] + station + dash + prior[None, :]
    hyps = [(int(k), int(st)) for k in n_locs for st in stations]
    scores = list(total.ravel())
    scores_arr = np.array(scores)
    best = int(np.argmax(scores_arr))
    p_layout = float(np.exp(scores_arr[best] - _logsumexp(scores_arr, axis=0)))
    n_loc, station = hyps[best]
    ids = _layout(n_loc, station)
    # Per position, the best character of its class and its posterior; done one class at a
    # time (a handful of classes) rather than one position at a time (up to 250).
    codes = np.empty(len(ids), dtype=np.int64)
    terms = np.empty(len(ids))
    for k in np.unique(ids):
        members = np.asarray(_MEMBERS[k])
        pos = np.flatnonzero(ids == k)
        seen, unseen = pos[pos < n], pos[pos >= n]
        codes[unseen] = members[0]
        terms[unseen] = -np.log(len(members))
        if len(seen):
            rows = ll[seen][:, members]
            j = np.argmax(rows, axis=1)
            codes[seen] = members[j]
            terms[seen] = rows[np.arange(len(seen)), j] - _logsumexp(rows, axis=1)
    log_conf = np.log(max(p_layout, 1e-300)) + float(np.sum(terms))
    chars = bytes(codes.astype(np.uint8)).decode("ascii")
    return GrammarResult(chars, float(np.exp(log_conf)), n_loc, station)


_UNIT = np.array([_DIGIT] * 6 + [_DASH])
_LAST_UNIT = np.array([_DIGIT] * 6 + [_PLUS])
_TAIL = _layout(1, 1)[20:33]
_MAX_LEN = len(_layout(MAX_LOCATIONS, STATION_ID_LENGTH))
