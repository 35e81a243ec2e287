"""The duplicate check: two positions of one record holding the same finger."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from .record import FINGER_NAMES
from .report import RecordFinding, _record_finding
from .thresholds import (
    _RIDGE_LLR_MAX,
    _RIDGE_LLR_MIN,
    _SEG_RIDGE_LLR_MAX,
    _SEG_RIDGE_LLR_MIN,
    DUPLICATE_LLR_PAIR,
    DUPLICATE_LLR_RIDGE,
    DUPLICATE_LLR_RIDGE_KNOTS,
    DUPLICATE_LLR_SEGMENT,
    DUPLICATE_LLR_SEGMENT_RIDGE,
    DUPLICATE_SEGMENT_RIDGE_WINDOW,
    EnrolmentThresholds,
    _llr,
    _table_value,
)


def _best_segments(sequence: Mapping[int, Mapping[int, float]], t: EnrolmentThresholds) -> dict[int, int]:
    """Finger position -> the slap segment it matches best, when that score reaches ``t.sequence_cross``."""
    out = {}
    for p, row in sequence.items():
        if row:
            q = max(row, key=lambda k: row[k])
            if row[q] >= t.sequence_cross:
                out[p] = q
    return out


def _distinct(i: int, j: int, best: Mapping[int, int], sequence: Mapping[int, Mapping[int, float]],
              t: EnrolmentThresholds) -> bool:
    """The slaps show two fingers: each matches a different segment best (at ``t.sequence_cross``), or each is
    confirmed by its own segment at ``t.distinct_own`` (FMR 0.1 %: a duplicate's own-segment score is an
    impostor's, so this vetoes at most 0.1 % of true duplicates)."""
    bi, bj = best.get(i), best.get(j)
    if bi is not None and bj is not None and bi != bj:
        return True
    return (sequence.get(i, {}).get(i, 0.0) >= t.distinct_own
            and sequence.get(j, {}).get(j, 0.0) >= t.distinct_own)


def _ridge_llr(correlation: float | None) -> float:
    """Tabulated log-likelihood ratio of a ridge correlation (:data:`DUPLICATE_LLR_RIDGE`); 0 without one."""
    if correlation is None:
        return 0.0
    return _table_value(correlation, DUPLICATE_LLR_RIDGE_KNOTS, DUPLICATE_LLR_RIDGE)


def _slap_llr(i: int, j: int, score: float, sequence: Mapping[int, Mapping[int, float]]) -> float | None:
    """Log-likelihood ratio "one finger captured twice" over "clean" and over "swapped" of the pair, from the slap.

    Reading "b is a captured again" (segments k of a, m of b): the pair, b against k and a against k are
    genuine if so; b against m and a against m impostors'. In a clean record b against k is an impostor's and b
    against m genuine (a against k, a against m alike under both), so the ratio over "clean" is
    ``L_pair(pair) + L_seg(b vs k) - L_seg(b vs m)``. If a and b were swapped, b against k and m would read as
    in a duplicate, but a against k would be an impostor's and a against m genuine: the ratio over "swapped" is
    ``L_pair(pair) + L_seg(a vs k) - L_seg(a vs m)``. The reading's value is the smaller (a duplicate must beat
    both); the pair's, the larger reading. None when a segment of the two is missing.
    """
    if not _has_segments(i, j, sequence):
        return None
    best = -math.inf
    for a, b in ((i, j), (j, i)):
        seg = {k: {m: _llr(v, DUPLICATE_LLR_SEGMENT) for m, v in sequence[k].items() if m in (a, b)} for k in (a, b)}
        best = max(best, _llr(score, DUPLICATE_LLR_PAIR) + min(seg[b][a] - seg[b][b], seg[a][a] - seg[a][b]))
    return best


def _has_segments(i: int, j: int, sequence: Mapping[int, Mapping[int, float]]) -> bool:
    """Both fingers were compared with both fingers' slap segments (what the ratio reads)."""
    ri, rj = sequence.get(i, {}), sequence.get(j, {})
    return i in ri and j in ri and i in rj and j in rj


class _Term:
    """One log-likelihood term of a pair's ratio: known, or bounded until its images are looked at."""

    __slots__ = ("base", "hi", "lo", "look", "seen")

    def __init__(self, base: float, look: Callable[[], float | None] | None = None,
                 span: tuple[float, float] = (0.0, 0.0)) -> None:
        self.base, self.look, self.seen = base, look, False
        self.lo, self.hi = (base + span[0], base + span[1]) if look is not None else (base, base)

    @property
    def value(self) -> float:
        """The term as far as it is known (a term not looked at counts its score's part alone)."""
        return self.base if self.look is not None else self.lo

    def resolve(self) -> None:
        """Look at the images (once)."""
        found = self.look() if self.look is not None else None
        self.look, self.seen = None, found is not None
        self.lo = self.hi = self.base + (found or 0.0)


def _segment_ridge_llr(correlation: float | None) -> float:
    """Tabulated ratio of a capture-versus-segment ridge correlation (:data:`DUPLICATE_LLR_SEGMENT_RIDGE`); 0
    without one."""
    if correlation is None:
        return 0.0
    return _table_value(correlation, DUPLICATE_LLR_RIDGE_KNOTS, DUPLICATE_LLR_SEGMENT_RIDGE)


def _looker(evidence: Callable[[int, int], float | None], a: int, b: int,
            table: Callable[[float | None], float]) -> Callable[[], float | None]:
    def look() -> float | None:
        found = evidence(a, b)
        return None if found is None else table(found)

    return look


def _bounds(pair: _Term, seg: Mapping[tuple[int, int], _Term], i: int, j: int) -> tuple[float, float, float]:
    """Lower bound, upper bound and current value of the ratio ``P + max(min(x, y), -max(x, y))``
    (:func:`_slap_llr`'s two readings in one: ``x = S(j vs i) - S(j vs j)``, ``y = S(i vs i) - S(i vs j)``, S a
    capture-versus-segment term, ``j vs i`` capture j against segment i)."""
    xl, xh = seg[j, i].lo - seg[j, j].hi, seg[j, i].hi - seg[j, j].lo
    yl, yh = seg[i, i].lo - seg[i, j].hi, seg[i, i].hi - seg[i, j].lo
    x, y = seg[j, i].value - seg[j, j].value, seg[i, i].value - seg[i, j].value
    return (pair.lo + max(min(xl, yl), -max(xh, yh)), pair.hi + max(min(xh, yh), -max(xl, yl)),
            pair.value + max(min(x, y), -max(x, y)))


def _with_ridges(i: int, j: int, score: float, sequence: Mapping[int, Mapping[int, float]],
                 t: EnrolmentThresholds, ridges: Callable[[int, int], float | None] | None,
                 segment_ridges: Callable[[int, int], float | None] | None = None) -> tuple[float, float, bool]:
    """The ratio of :func:`_slap_llr` with its ridge terms, the threshold it is held to, and whether ridge images
    gave evidence.

    The pair's ridge correlation (pairs scoring at least ``t.duplicate_ridge_bar``, :data:`DUPLICATE_LLR_RIDGE`)
    adds to the pair's term; each of the four capture-versus-segment comparisons scoring in
    :data:`DUPLICATE_SEGMENT_RIDGE_WINDOW` gains its own ridge term (``segment_ridges(capture, segment)``,
    :data:`DUPLICATE_LLR_SEGMENT_RIDGE`) inside the same "must beat clean and swapped" structure. A pair with the
    pair's ridge evidence is held to ``t.duplicate_llr``; without it, to ``t.duplicate_llr_slap`` (the lower
    ``t.duplicate_llr`` was bought by the pair term's negative evidence on impostor pairs). The images are looked
    at one comparison at a time, and only while the ratio's bounds over the terms not yet looked at leave the
    decision open (their cost is paid for a few comparisons a record); a term not looked at counts its score's
    part alone in the reported value.
    """
    pair = _Term(_llr(score, DUPLICATE_LLR_PAIR))
    if ridges is not None and score >= t.duplicate_ridge_bar:
        pair = _Term(pair.base, _looker(ridges, i, j, _ridge_llr), (_RIDGE_LLR_MIN, _RIDGE_LLR_MAX))
    lo_w, hi_w = DUPLICATE_SEGMENT_RIDGE_WINDOW
    seg = {}
    for c, q in ((j, i), (i, i), (i, j), (j, j)):  # the order the images are looked at: the cross comparisons first
        s, base = sequence[c][q], _llr(sequence[c][q], DUPLICATE_LLR_SEGMENT)
        seg[c, q] = (_Term(base, _looker(segment_ridges, c, q, _segment_ridge_llr),
                           (_SEG_RIDGE_LLR_MIN, _SEG_RIDGE_LLR_MAX))
                     if segment_ridges is not None and lo_w <= s < hi_w else _Term(base))
    terms = [pair, *seg.values()]
    while True:
        held_to = t.duplicate_llr if pair.seen else t.duplicate_llr_slap
        lo, hi, value = _bounds(pair, seg, i, j)
        pending = [term for term in terms if term.look is not None]
        if pair.look is None:
            decided = hi < held_to or lo >= held_to
        else:  # the pair's images give evidence (held to duplicate_llr) or none (its term 0, duplicate_llr_slap)
            lo0, hi0 = lo - pair.lo + pair.base, hi - pair.hi + pair.base
            decided = ((hi < t.duplicate_llr and hi0 < t.duplicate_llr_slap)
                       or (lo >= t.duplicate_llr and lo0 >= t.duplicate_llr_slap))
        if decided or not pending:
            return value, held_to, any(term.seen for term in terms)
        pending[0].resolve()


def _duplicate_findings(pairs: Mapping[tuple[int, int], float], sequence: Mapping[int, Mapping[int, float]],
                        t: EnrolmentThresholds, ridges: Callable[[int, int], float | None] | None = None,
                        segment_ridges: Callable[[int, int], float | None] | None = None) -> list[RecordFinding]:
    """Pairs of fingers that are one finger.

    With the slap segments of the two fingers, the pair score and the captures' comparisons with their own and
    each other's segments are combined into a log-likelihood ratio (:func:`_slap_llr`), plus, for pairs scoring
    at least ``t.duplicate_ridge_bar``, the ratio of the two captures' ridge-image agreement under their
    comparison's transform (``ridges(i, j)``: a correlation or None, :data:`DUPLICATE_LLR_RIDGE`): at least
    ``t.duplicate_llr`` is a duplicate (FMR <= 0.01 % per pair and <= 0.1 % of clean records, on clean-record
    configurations); a pair without ridge evidence is held to ``t.duplicate_llr_slap`` (:func:`_with_ridges`).
    The ratio holds the pair score's own evidence, so a high pair score whose copy is confirmed
    by its own segment is no longer called a duplicate on the score alone. Without those segments (no slaps, a
    finger missing from the slap): the two score at least ``t.duplicate`` (FMR <= 0.01 %). Neither fires when the
    slaps show two distinct fingers (:func:`_distinct`): the score is then an impostor's tail.
    """
    best = _best_segments(sequence, t)
    out = []
    for (i, j), score in sorted(pairs.items()):
        if sequence and _distinct(i, j, best, sequence, t):
            continue
        # the ratio of _slap_llr, with its ridge terms, computed once
        llr: float | None = None
        seen, held_to = False, t.duplicate_llr_slap
        if _has_segments(i, j, sequence):
            llr, held_to, seen = _with_ridges(i, j, score, sequence, t, ridges, segment_ridges)
        if llr is None and score >= t.duplicate:
            how, value, threshold = "", score, t.duplicate
        elif llr is not None and llr >= held_to:
            how, value, threshold = (f" (their score{', their ridge images' if seen else ''} and their slap segments"
                                     " combined: log-likelihood ratio)", llr, held_to)
        else:
            continue
        out.append(_record_finding(
            "RECORD_DUPLICATE_FINGER", (i, j),
            f"The fingers captured as {FINGER_NAMES[i]} ({i}) and {FINGER_NAMES[j]} ({j}) are the same "
            f"finger{how}.", value, threshold))
    return out
