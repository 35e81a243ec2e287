"""The duplicate check: two positions of one record holding the same finger."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .record import FINGER_NAMES
from .report import RecordFinding, _record_finding
from .thresholds import (
    _RIDGE_LLR_MAX,
    _RIDGE_LLR_MIN,
    DUPLICATE_LLR_PAIR,
    DUPLICATE_LLR_RIDGE,
    DUPLICATE_LLR_RIDGE_KNOTS,
    DUPLICATE_LLR_SEGMENT,
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
    best: float | None = None
    for a, b in ((i, j), (j, i)):
        ra, rb = sequence.get(a, {}), sequence.get(b, {})
        if not (a in ra and b in ra and a in rb and b in rb):
            continue
        seg = {k: {m: _llr(v, DUPLICATE_LLR_SEGMENT) for m, v in row.items() if m in (a, b)}
               for k, row in ((a, ra), (b, rb))}
        value = _llr(score, DUPLICATE_LLR_PAIR) + min(seg[b][a] - seg[b][b], seg[a][a] - seg[a][b])
        best = value if best is None else max(best, value)
    return best


def _with_ridges(llr: float, i: int, j: int, score: float, t: EnrolmentThresholds,
                 ridges: Callable[[int, int], float | None] | None) -> tuple[float, float, bool]:
    """The ratio, the threshold it is held to, and whether the ridge images were looked at.

    With ridge evidence (pairs scoring at least ``t.duplicate_ridge_bar`` whose captures share enough area) the
    ratio gains the ridge term and is held to ``t.duplicate_llr``; without it, the slap-only ratio is held to
    ``t.duplicate_llr_slap``, the operating point calibrated for that ratio (the lower ``t.duplicate_llr`` was
    bought by the ridge term's negative evidence on impostor pairs, which a pair without it does not have). The
    images are looked at only when they could change the decision (their cost is paid for a few pairs a record).
    """
    if ridges is None or score < t.duplicate_ridge_bar:
        return llr, t.duplicate_llr_slap, False
    never = llr + _RIDGE_LLR_MAX < t.duplicate_llr and llr < t.duplicate_llr_slap
    always = llr + _RIDGE_LLR_MIN >= t.duplicate_llr and llr >= t.duplicate_llr_slap
    correlation = None if never or always else ridges(i, j)
    if correlation is None:
        return llr, t.duplicate_llr_slap, False
    return llr + _ridge_llr(correlation), t.duplicate_llr, True


def _duplicate_findings(pairs: Mapping[tuple[int, int], float], sequence: Mapping[int, Mapping[int, float]],
                        t: EnrolmentThresholds, ridges: Callable[[int, int], float | None] | None = None
                        ) -> list[RecordFinding]:
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
        llr = _slap_llr(i, j, score, sequence) if sequence else None
        seen, held_to = False, t.duplicate_llr_slap
        if llr is not None:
            llr, held_to, seen = _with_ridges(llr, i, j, score, t, ridges)
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
