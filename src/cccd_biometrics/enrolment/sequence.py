"""The sequence check: each captured finger against the slap segments (mismatch, swap, hand swap)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..findings import Severity
from ..fingerprint.slap import SLAP_FINGERS
from .record import FINGER_NAMES
from .report import RecordFinding, _record_finding
from .thresholds import (
    _HAND_ORDER,
    DUPLICATE_LLR_PAIR,
    HAND_SWAP_MIN_PAIRS,
    SWAP_LLR_SCORES,
    SWAP_LLR_SEGMENT,
    SWAP_LLR_UNCERTAIN,
    EnrolmentThresholds,
    _llr,
    _table_value,
)


def _uncertain_segments(slaps: Mapping[int, Any]) -> set[int]:
    """Finger positions of the slaps whose segment labels are uncertain (fingers missing or extra regions)."""

    out: set[int] = set()
    for pos, seg in slaps.items():
        if isinstance(seg, str) or seg.findings:
            out.update(SLAP_FINGERS[pos])
    return out


def _mismatches(sequence: Mapping[int, Mapping[int, float]], t: EnrolmentThresholds, uncertain: set[int]
                ) -> tuple[dict[int, int], list[int]]:
    """p -> the other segment q that finger p matches (and its own does not); and the unconfirmed fingers.

    A match with a segment of a slap whose labels are uncertain (fingers missing or extra) is no evidence of a
    wrong position: the finger is only unconfirmed."""
    matches: dict[int, int] = {}
    unconfirmed: list[int] = []
    for p, row in sequence.items():
        own = row.get(p, 0.0)
        others = {q: v for q, v in row.items() if q != p}
        q = max(others, key=lambda k: others[k]) if others else None
        if q is not None and others[q] >= t.sequence_cross and others[q] > own and own < t.sequence_cross:
            if q in uncertain and (p in uncertain or p not in row):
                unconfirmed.append(p)
            else:
                matches[p] = q
        elif own < t.sequence_confirm:
            unconfirmed.append(p)
    return matches, unconfirmed


def _seg_llr(score: float, uncertain: bool) -> float:
    """Tabulated log-likelihood ratio of a capture-versus-segment score (:data:`SWAP_LLR_SCORES`), from the table
    of uncertain segments when ``uncertain``."""
    return _table_value(score, SWAP_LLR_SCORES, SWAP_LLR_UNCERTAIN if uncertain else SWAP_LLR_SEGMENT)


def _swap_llr(p: int, q: int, sequence: Mapping[int, Mapping[int, float]], uncertain: set[int]) -> float | None:
    """Log-likelihood ratio "the captures of p and q were exchanged" over "clean".

    Swapped, each capture matches the other's segment (genuine) and not its own (impostor); clean, the reverse.
    The pair's own score is an impostor's under both, so the ratio is ``L(p vs q) + L(q vs p) - L(p vs p) -
    L(q vs q)``: all four comparisons count, a capture too poor to match anything weighs little either way, and
    a strong cross match whose own segment fails is evidence. Segments of uncertain slaps weigh less
    (:data:`SWAP_LLR_UNCERTAIN`). None when a capture or a segment of the two is missing.

    Examples
    --------
    >>> from cccd_biometrics.enrolment import SWAP_LLR_THRESHOLD
    >>> seq = {2: {2: 0.003, 3: 0.06}, 3: {2: 0.05, 3: 0.002}}
    >>> _swap_llr(2, 3, seq, set()) > SWAP_LLR_THRESHOLD
    True
    """
    sp, sq = sequence.get(p, {}), sequence.get(q, {})
    if not (p in sp and q in sp and p in sq and q in sq):
        return None
    return (_seg_llr(sp[q], q in uncertain) + _seg_llr(sq[p], p in uncertain)
            - _seg_llr(sp[p], p in uncertain) - _seg_llr(sq[q], q in uncertain))


def _shift_llrs(sequence: Mapping[int, Mapping[int, float]], uncertain: set[int]
                ) -> list[tuple[frozenset[int], float]]:
    """Label shifts of the four-finger slaps, each with its log-likelihood ratio over "clean".

    A finger the segmenter lost, two it merged or an extra region it counted move the labels beyond it by one: the
    segment labelled k holds finger k + 1 for every label from some k to the little finger (or k - 1 from some k to
    the index), the label at the end holding no finger of the slap. Under a shift, capture k + 1 against segment k
    is genuine and capture k against it an impostor's; the ratio sums ``L(k + 1 vs k) - L(k vs k)`` over the run.
    """
    labels = {q for row in sequence.values() for q in row}
    out = []
    for fingers in _HAND_ORDER:
        for delta in (1, -1):
            order = fingers if delta == 1 else fingers[::-1]
            for start in range(len(order) - 1):
                run = [k for k in order[start:] if k in labels]
                if len(run) < 2:
                    continue
                total, shown = 0.0, 0
                for k in run:
                    if k + delta in fingers and k in sequence.get(k + delta, {}):
                        moved = _seg_llr(sequence[k + delta][k], k in uncertain)
                        total += moved
                        shown += moved > 0
                    if k in sequence.get(k, {}):
                        total -= _seg_llr(sequence[k][k], k in uncertain)
                # the run's last label holds no finger of the slap: absent (the finger the segmenter lost), or an
                # extra region, which then moved at least three labels, two of them seen holding their neighbour
                # (one is a swap's shape, with poor captures scoring low everywhere)
                if order[-1] not in labels or (len(run) >= 3 and shown >= 2):
                    out.append((frozenset(run), total))
    return out


def _swap_evidence(p: int, q: int, sequence: Mapping[int, Mapping[int, float]], uncertain: set[int],
                   shifts: list[tuple[frozenset[int], float]]) -> float | None:
    """The swap ratio of p and q over the better of "clean" and the label shifts that move p's or q's segment.

    A swap whose one capture is too poor to match anything and a slap whose labels moved by one both show one
    capture matching a neighbour's segment; the shift also predicts the next capture along the hand matching the
    next segment, the swap does not. Ratios subtract: swap over shift = swap over clean - shift over clean.
    """
    value = _swap_llr(p, q, sequence, uncertain)
    if value is None:
        return None
    rival = max((v for run, v in shifts if p in run or q in run), default=0.0)
    return value - max(rival, 0.0)


def _hand_swap_llr(sequence: Mapping[int, Mapping[int, float]], uncertain: set[int]) -> tuple[float, int]:
    """The hand-swap ratio (the swap ratios of the pairs (p, p + 5) summed) and how many pairs it holds."""
    values = [v for p in range(1, 6) if (v := _swap_llr(p, p + 5, sequence, uncertain)) is not None]
    return float(sum(values)), len(values)


def _beats_duplicate(p: int, q: int, sequence: Mapping[int, Mapping[int, float]], uncertain: set[int],
                     pairs: Mapping[tuple[int, int], float] | None) -> bool:
    """The swap of p and q explains the scores better than either finger captured twice.

    Swapped, the pair score is an impostor's and each capture matches the other's segment; if q were p captured
    again, the pair would be genuine and p would match its own segment, not q's (q's comparisons read alike under
    both). So swap over "q is p again" is ``L(p vs q) - L(p vs p) - L_pair(pair)`` (and alike with p, q
    exchanged); both must be positive. A duplicate the duplicate check misses (its comparisons at the FMR 1 %
    point) otherwise reads as a one-sided swap. Without the pair score (no pair table given) it holds.
    """
    score = None if pairs is None else pairs.get((min(p, q), max(p, q)))
    if score is None:
        return True
    pair = _llr(score, DUPLICATE_LLR_PAIR)
    sp, sq = sequence[p], sequence[q]
    return (_seg_llr(sp[q], q in uncertain) - _seg_llr(sp[p], p in uncertain) - pair > 0
            and _seg_llr(sq[p], p in uncertain) - _seg_llr(sq[q], q in uncertain) - pair > 0)


def _sequence_findings(sequence: Mapping[int, Mapping[int, float]], t: EnrolmentThresholds,
                       uncertain: set[int] | None = None, pairs: Mapping[tuple[int, int], float] | None = None
                       ) -> tuple[list[RecordFinding], dict[int, int]]:
    """Hand swap, swaps, mismatches and unconfirmed fingers from the finger-versus-segment scores.

    ``uncertain`` holds the segment positions of slaps whose labelling is uncertain. A hand swap is the hand-swap
    ratio at ``t.hand_swap_llr`` (:func:`_hand_swap_llr`); a swap, a pair's ratio at ``t.swap_llr``
    (:func:`_swap_evidence`) that also beats "one finger captured twice" (:func:`_beats_duplicate`, with the
    pair scores ``pairs``), the strongest pairs first; what neither explains is a mismatch (a finger matching
    another segment at FMR <= 0.01 % and not its own) or unconfirmed. Returns the findings and p -> the segment
    finger p matches instead of its own.
    """
    uncertain = uncertain or set()
    matches, unconfirmed = _mismatches(sequence, t, uncertain)
    findings: list[RecordFinding] = []
    explained: set[int] = set()
    hand, n_pairs = _hand_swap_llr(sequence, uncertain)
    if n_pairs >= HAND_SWAP_MIN_PAIRS and hand >= t.hand_swap_llr:
        findings.append(_record_finding(
            "RECORD_HAND_SWAPPED", tuple(range(1, 11)),
            f"The fingers of each hand match the other hand's slap segments ({n_pairs} finger pairs, "
            "log-likelihood ratio): the left and right hands were exchanged.", hand, t.hand_swap_llr))
        explained.update(p for p in range(1, 11) if p in sequence)
    shifts = _shift_llrs(sequence, uncertain)
    ratios = {(p, q): v for p in sequence for q in sequence
              if p < q and (v := _swap_evidence(p, q, sequence, uncertain, shifts)) is not None}
    for (p, q), value in sorted(ratios.items(), key=lambda kv: (-kv[1], kv[0])):
        if value < t.swap_llr or p in explained or q in explained or not _beats_duplicate(p, q, sequence,
                                                                                          uncertain, pairs):
            continue
        findings.append(_record_finding(
            "RECORD_FINGERS_SWAPPED", (p, q),
            f"The fingers captured as {FINGER_NAMES[p]} ({p}) and {FINGER_NAMES[q]} ({q}) match each other's "
            "slap segments (log-likelihood ratio of their four comparisons).", value, t.swap_llr))
        explained.update((p, q))
    for p, q in sorted(matches.items()):
        if p in explained:
            continue
        findings.append(_record_finding(
            "RECORD_SEQUENCE_MISMATCH", (p, q),
            f"The finger captured as {FINGER_NAMES[p]} ({p}) matches the slap segment of {FINGER_NAMES[q]} ({q}), "
            "not its own.", sequence[p][q], t.sequence_cross))
        explained.add(p)
    for p in unconfirmed:
        if p not in explained:
            findings.append(_record_finding(
                "RECORD_SEQUENCE_UNCONFIRMED", (p,),
                f"The {FINGER_NAMES[p]} ({p}) does not match its slap segment clearly.", sequence[p].get(p),
                t.sequence_confirm))
    return findings, matches


def _drop_duplicate_swaps(seq_findings: list[RecordFinding], duplicates: list[RecordFinding]
                          ) -> list[RecordFinding]:
    """Without the ``RECORD_FINGERS_SWAPPED`` of a pair the duplicate check calls one finger.

    A finger captured twice whose original matches its own segment poorly reads, in the four comparisons alone,
    like a swap with one poor capture; the duplicate decision also weighs the pair's own score (genuine for a
    duplicate, an impostor's for a swap) and already holds "swapped" as its rival, so it explains the pair.
    """
    one_finger = {tuple(sorted(f.positions)) for f in duplicates}
    return [f for f in seq_findings if f.code != "RECORD_FINGERS_SWAPPED"
            or tuple(sorted(f.positions)) not in one_finger]


def _drop_explained(seq_findings: list[RecordFinding], others: list[RecordFinding],
                   slap_positions: Iterable[int] = (13, 14, 15)) -> list[RecordFinding]:
    """Without the ``RECORD_SEQUENCE_UNCONFIRMED`` warnings another error already explains and redoes.

    A finger whose own image fails a quality check (an error: it is on the recapture list) or whose slap lacks
    fingers (``RECORD_SLAP_INCOMPLETE``) cannot be expected to match its segment; the warning would repeat that
    error, and the check runs again on the recaptured image. Nor is a finger whose slap was not captured at all
    (slaps are optional: nothing to confirm it against). It stays for a finger that passed its own checks and
    still matches no segment: the case of a finger that belongs to no one in the slap.
    """
    in_a_slap = {p for s in slap_positions for p in SLAP_FINGERS[s]}
    failed = {f.positions[0] for f in others if f.severity == Severity.ERROR and len(f.positions) == 1
              and f.positions[0] <= 10 and f.code != "RECORD_FINGER_MISSING"}
    incomplete = {p for f in others if f.code == "RECORD_SLAP_INCOMPLETE" for p in SLAP_FINGERS[f.positions[0]]}
    return [f for f in seq_findings if f.code != "RECORD_SEQUENCE_UNCONFIRMED"
            or (f.positions[0] in in_a_slap and not ({f.positions[0]} & (failed | incomplete)))]
