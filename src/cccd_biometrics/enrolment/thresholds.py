"""The operating points of the record check, in one place: comparator scores and log-likelihood ratio
tables with the data each was calibrated on and the script that refits it, and how a table is read.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

__all__ = ["DUPLICATE_THRESHOLD", "EnrolmentThresholds"]


DUPLICATE_THRESHOLD = 0.0163
"""Comparator score at FMR <= 0.01 %, for the duplicate check (two fingers of one record at or above it are one
finger). Fitted on the 156,160 impostor pairs of the eight FVC2000/2002 B dev DBs (23,040) and the U.are.U sample
DB (133,120; 17,920 of them two fingers of one person) pooled, all-pairs protocol within each DB, this library's
extractor and comparator with default settings: the lowest 4-decimal score above all but 15 impostor scores
(in-sample FMR 0.0096 %, TMR 94.29 % of 4,060 genuine pairs). Out of sample: fitted on FVC alone (0.0180) it
gives FMR 0.0038 % (5 / 133,120) and TMR 97.20 % on U.are.U; fitted on U.are.U alone (0.0159) FMR 0.0217 %
(5 / 23,040) and TMR 91.79 % on FVC.
``benchmarks/calibrate_duplicate_threshold.py`` writes ``benchmarks/results/duplicate_threshold.json`` with the
data it came from; recalibrate when the extractor or comparator changes."""

DUPLICATE_LLR_SCORES: tuple[float, ...] = (
    0.0, 0.006, 0.008, 0.01, 0.012, 0.014, 0.016, 0.018, 0.02, 0.022, 0.024, 0.026, 0.028, 0.03, 0.033, 0.036, 0.04,
    0.045, 0.05, 0.06, 0.08,
)
"""Comparator scores at which the per-comparison log-likelihood ratios below are tabulated (linear in between,
constant beyond the ends)."""

DUPLICATE_LLR_PAIR: tuple[float, ...] = (
    -5.05, -3.46, -2.21, 0.36, 1.76, 3.06, 4.39, 5.82, 7.13, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0,
    8.0,
)
"""``log g(s) / f(s)`` of a capture-versus-capture score ``s`` at :data:`DUPLICATE_LLR_SCORES`: ``g`` the genuine
(same finger, other impression), ``f`` the impostor (another finger of the same citizen source) density, from
the 14 citizen sources of ``benchmarks/enrolment_rates.py`` (kernel densities, the impostor tail past its 99th
percentile exponential; non-decreasing, clipped to +-8). ``benchmarks/calibrate_duplicate_fusion.py``."""

DUPLICATE_LLR_SEGMENT: tuple[float, ...] = (
    -2.9, -2.39, -1.3, 1.76, 2.12, 2.47, 2.83, 3.18, 3.53, 3.87, 4.23, 4.62, 4.99, 5.33, 5.89, 6.5, 7.19, 8.0, 8.0,
    8.0, 8.0,
)
"""As :data:`DUPLICATE_LLR_PAIR`, for a capture against a slap segment: segments cut by ``segment_slap`` from
slaps composed of the sources' impressions (composition seeds 7101, 7102)."""

DUPLICATE_LLR_THRESHOLD = 5.67
"""Duplicate evidence from the slap and the ridge images (:func:`_slap_llr`, :func:`_with_ridges`): the
log-likelihood ratio "one finger captured twice" over "a clean record" and over "the two swapped" of the pair
score, the pair's ridge-image agreement (:data:`DUPLICATE_LLR_RIDGE`, pairs scoring at least
:data:`DUPLICATE_RIDGE_BAR`) and the two captures' comparisons with their own and each other's slap segments, each
with its capture-versus-segment ridge-image agreement (:data:`DUPLICATE_LLR_SEGMENT_RIDGE`, comparisons scoring in
:data:`DUPLICATE_SEGMENT_RIDGE_WINDOW`; sixth round). Calibrated on clean-record configurations alone (pair and
cross comparisons impostors', own comparisons genuine; no genuine pair, no planted record): the 14 citizen
sources, 7,832,650 finger-pair configurations (both readings) and 280,000 random clean records, with the
comparator's global-transform stage and the fifth round's slap segmenter and compositor. The highest of three
points: FMR <= 0.01 % per pair (1.88), at most 0.1 % of clean records alarmed (4.29), and at most 0.1 % of clean
records alarmed when every impostor pair's ridge correlation is drawn from SOCOFing's different fingers of one
person (399 pairs) and every impostor capture-versus-segment comparison's from SOCOFing's captures against
segments of the same person's other fingers cut from composed slaps (583 comparisons,
``benchmarks/segment_ridge_within_person.py``): 5.67, the binding one (a real citizen's fingers agree more than
random fingers). Pooled: in-sample FMR 0.0009 % per pair, 0.048 % of clean records (0.099 % with within-person
draws). Leave-one-source-out (all four ratio tables and the threshold fitted on 13 sources): thresholds
5.11-6.05, held-out FMR per pair mean 0.0011 %, worst 0.0060 % (FVC2002 DB4_B); held-out clean records alarmed
mean 0.061 %, worst 0.305 % (FVC2002 DB4_B, synthetic look-alike fingers); with within-person draws mean 0.137 %,
worst 0.890 % (FVC2002 DB4_B). In sample, 97.18 % of duplicate configurations of the same sources reach it (held
out: mean 97.12 %, lowest 92.15 %, FVC2000 DB3_B); fifth round (pair images only, 5.82) 96.92 %, fourth round (no
images, 6.82) 94.95 %. It holds pairs WITH the pair's ridge evidence; a pair without it keeps
:data:`DUPLICATE_LLR_SLAP_THRESHOLD` (so the figures above are upper bounds of the rule's false alarms). The fifth
round's fit (pair images only) was 5.82.
``benchmarks/calibrate_duplicate_fusion.py --segment-pool POOL.npy`` writes ``benchmarks/results/duplicate_fusion.json``
(from its ``--scores`` cache of the fifth round: 8 minutes for the segments' scores and ridge correlations, then
1 minute a refit; from scratch add the fifth round's 16 minutes); recalibrate when the extractor,
comparator, segmenter or :mod:`~cccd_biometrics.fingerprint.agreement` changes."""

DUPLICATE_LLR_SLAP_THRESHOLD = 6.82
"""The operating point of the ratio without the ridge term (the fourth round's calibration of the pair and segment
tables, on the fourth round's segmenter: FMR <= 0.01 % per pair, <= 0.1 % of clean records; leave-one-source-out
held-out clean records alarmed mean 0.112 %; not refitted since, the calibration script fits the ratio with the
ridge term only), for pairs that have no ridge evidence (scoring below :data:`DUPLICATE_RIDGE_BAR`, or too little
common area). :data:`DUPLICATE_LLR_THRESHOLD` is calibrated for the ratio with the ridge term: its lower value is
bought by that term's negative evidence on impostor pairs, so a pair without it keeps this point. Every pair this
rule alarms, the single threshold would alarm too, so the calibrated null figures of :data:`DUPLICATE_LLR_THRESHOLD`
are upper bounds of the rule's. Found necessary on composed clean records of seed 2036 (a test seed: six of 1,008
alarmed with 5.63 for every pair; three of them by pairs below the ridge bar whose slap-only ratio, 6.29-6.75, came
from a composed slap's wrong segment labels, which 6.82 passes; two alarm at either point; one by the ridge term)."""

DUPLICATE_RIDGE_BAR = 0.006
"""Pairs of fingers scoring at least this (comparator score; 8.1 % of the FVC B sets' and 10.6 % of the six
U.are.U people's impostor pairs of different fingers, 8 per finger, reach it) are candidates for the ridge-image
evidence (:func:`~cccd_biometrics.fingerprint.agreement.ridge_agreement`); below it the evidence is not looked
at (its log-likelihood ratio is 0), nor when the pair's ratio could not reach the threshold whatever it shows."""

DUPLICATE_LLR_RIDGE_KNOTS: tuple[float, ...] = (
    0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.0,
)
"""Ridge correlations at which :data:`DUPLICATE_LLR_RIDGE` is tabulated."""

DUPLICATE_LLR_RIDGE: tuple[float, ...] = (
    -4.0, -4.0, -4.0, -4.0, -2.68, -2.64, -1.88, -1.0, 0.09, 1.44, 4.0, 4.0, 4.0, 4.0, 4.0,
)
"""``log g(c) / f(c)`` of the ridge correlation ``c`` of two captures laid on each other by their comparison's
transform: ``g`` of genuine pairs scoring between :data:`DUPLICATE_RIDGE_BAR` and :data:`DUPLICATE_THRESHOLD`
(the weak genuine comparisons the evidence is for; 185 pairs of the 14 citizen sources), ``f`` of impostor pairs
above the bar of the sources whose ten fingers are one person's (the six U.are.U people: a real
citizen's fingers agree more than random fingers, so the null comes from such fingers); kernel densities
(bandwidth 0.03), the impostor tail past its 99th percentile exponential, non-decreasing, clipped to +-4. The
correlation is the best of the comparison's three anchor transforms
(:func:`~cccd_biometrics.fingerprint.agreement.best_ridge_agreement`). Neutral (0) near a correlation of 0.6; -4
at 0.35 and below, +4 at 0.7 and above. On SOCOFing's ten fingers of 40 people the within-person null is compared
with the between-person one and the calibration's by ``benchmarks/ridge_within_person.py``.
``benchmarks/calibrate_duplicate_fusion.py``."""

DUPLICATE_SEGMENT_RIDGE_WINDOW: tuple[float, float] = (0.006, 0.045)
"""Capture-versus-segment comparisons scoring in ``[low, high)`` (comparator score) are candidates for the
segment ridge evidence (:data:`DUPLICATE_LLR_SEGMENT_RIDGE`): from the pair's ridge bar up to the score whose
ratio :data:`DUPLICATE_LLR_SEGMENT` already reaches its clip (8), where the images could add nothing the score does
not say. Outside the window the term is 0."""

DUPLICATE_LLR_SEGMENT_RIDGE: tuple[float, ...] = (
    -3.81, -2.62, -2.62, -2.62, -2.3, -1.88, -1.34, -0.82, 0.02, 1.32, 4.0, 4.0, 4.0, 4.0, 4.0,
)
"""``log g(c) / f(c)`` of the ridge correlation ``c`` of a capture and a slap segment laid on each other by their
comparison's transforms (the best of its three anchor fits, :func:`~cccd_biometrics.fingerprint.agreement.
best_ridge_agreement`; the segment's own analysis), at :data:`DUPLICATE_LLR_RIDGE_KNOTS`: ``g`` of genuine
comparisons (the finger against a segment cut from another impression of it) scoring from the window's low end to
:data:`DUPLICATE_THRESHOLD` (the weak ones the evidence is for; 1,525 comparisons of the 14 citizen sources),
``f`` of impostor comparisons in :data:`DUPLICATE_SEGMENT_RIDGE_WINDOW` of the sources whose ten fingers are one
person's (the six U.are.U people; 13,735 comparisons of all sources in the window); segments cut by
``segment_slap`` from slaps composed of the sources' impressions (composition seeds 7101, 7102). Kernel densities
(bandwidth 0.03), the impostor tail past its 99th percentile exponential, non-decreasing, clipped to +-4. Its own
table, not :data:`DUPLICATE_LLR_RIDGE`'s: segments are another population (fingertips cut from a slap, upright,
other pressure). Neutral near 0.6, -2.6 at 0.35, +4 from 0.7. On SOCOFing (one impression of ten fingers of 40
people, their slaps composed and cut) the share of impostor comparisons in the window with a positive ratio is
14.2 % within one person against 7.9 % between people (``benchmarks/segment_ridge_within_person.py``): the
within-person null is held by :data:`DUPLICATE_LLR_THRESHOLD`'s third point.
``benchmarks/calibrate_duplicate_fusion.py``."""

_RIDGE_LLR_MIN, _RIDGE_LLR_MAX = min(0.0, *DUPLICATE_LLR_RIDGE), max(0.0, *DUPLICATE_LLR_RIDGE)
_SEG_RIDGE_LLR_MIN = min(0.0, *DUPLICATE_LLR_SEGMENT_RIDGE)
_SEG_RIDGE_LLR_MAX = max(0.0, *DUPLICATE_LLR_SEGMENT_RIDGE)

# cccd_biometrics.fingerprint.match.DECISION_THRESHOLDS (kept equal by a test; not imported, so that importing
# this module stays light)
_FMR_1 = 0.0091
_FMR_01 = 0.0126

SWAP_LLR_SCORES: tuple[float, ...] = (
    0.0, 0.002, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011, 0.012, 0.014, 0.016, 0.018, 0.02, 0.024,
    0.028, 0.033, 0.04, 0.05, 0.06, 0.08,
)
"""Capture-versus-segment scores at which the swap decision's log-likelihood ratios are tabulated (linear in
between, constant beyond the ends)."""

SWAP_LLR_SEGMENT: tuple[float, ...] = (
    -3.3, -3.3, -3.04, -2.71, -2.25, -1.66, -0.98, -0.26, 1.08, 1.57, 2.04, 2.96, 3.92, 4.86, 5.8, 7.71, 8.0, 8.0,
    8.0, 8.0, 8.0, 8.0,
)
"""``log g(s) / f(s)`` of a capture-versus-segment score ``s`` at :data:`SWAP_LLR_SCORES`: ``g`` the genuine
(the finger against its own segment, another impression), ``f`` the impostor (another finger of the same citizen
source) density; segments cut by ``segment_slap`` from slaps composed of the 14 citizen sources' impressions
(composition seeds 7201-7203), of slaps the segmenter did not mark uncertain. Kernel densities, the impostor tail
past its 99th percentile exponential; non-decreasing, clipped to +-8. ``benchmarks/calibrate_swap_llr.py``."""

SWAP_LLR_UNCERTAIN: tuple[float, ...] = (
    -1.33, -1.33, -1.33, -1.33, -1.31, -1.08, -0.78, -0.55, -0.26, 0.41, 1.15, 1.99, 2.04, 2.04, 2.04, 2.04, 2.04,
    2.04, 2.04, 2.04, 2.04, 2.04,
)
"""As :data:`SWAP_LLR_SEGMENT`, for segments of slaps the segmenter marked uncertain (fingers missing or extra
regions): their labels may be shifted, so the "genuine" density holds the mislabelled segments and a score
against such a segment weighs less."""

SWAP_LLR_THRESHOLD = 6.82
"""Swap evidence of two positions p, q (:func:`_swap_llr`): the log-likelihood ratio "p and q exchanged" over
"clean" of the four comparisons of the two captures with the two segments, over the better of "clean" and the
label shifts that move their segments (:func:`_swap_evidence`). Calibrated on clean-record configurations alone
(no swap was looked at to choose it): the 14 citizen sources, 280,000 random clean records (per finger a capture
and another impression's segment), all 45 pairs of each: the lowest 2-decimal value above all but 0.1 % of the
records' largest pair value (in sample 0.099 % of clean records alarmed; the same records with two fingers of
one hand exchanged found 97.12 %), refitted on the fifth round's slap segmenter and compositor (the swap round's
own fit, on the fourth round's segmenter, was 5.78). Leave-one-source-out (tables and threshold fitted on 13
sources): thresholds 4.7-7.38; held-out clean records alarmed mean 0.144 %, worst 1.45 % (FVC2002 DB4_B,
synthetic look-alike fingers); held-out swaps found mean 97.14 %, lowest 87.48 % (FVC2002 DB3_B: both captures
of the pair too poor to match anything; the comparator's genuine scores bound it).
``benchmarks/calibrate_swap_llr.py`` writes ``benchmarks/results/swap_llr.json``; recalibrate when the extractor,
comparator or segmenter changes."""

HAND_SWAP_MIN_PAIRS = 3
"""A hand swap needs the ratios of at least this many of the five pairs (p, p + 5): one slap's pairs alone cannot
tell a hand swap from fingers swapped across the hands."""

HAND_SWAP_LLR_THRESHOLD = 6.82
"""Hand-swap evidence (:func:`_hand_swap_llr`): the sum of the swap ratios of the five pairs (p, p + 5). The clean
records' sums lie far below zero (their 0.1 % point on the calibration's clean records is -43.18), so the operating
point is the swap point: a hand swap must be evidence of an exchange at least as strong as one pair's. On the same
records, in sample 0 of 280,000 clean records alarmed, hand swaps found 100 %; leave-one-source-out held-out
clean records alarmed 0 %, hand swaps found 100 % on every source (fifth round's segmenter)."""




@dataclass(frozen=True)
class EnrolmentThresholds:
    """Decision thresholds of :func:`check_enrolment` (comparator scores, see the module docstring).

    Attributes
    ----------
    duplicate:
        Two fingers of the record scoring at least this are the same finger (FMR <= 0.01 %).
    sequence_confirm:
        A finger scoring at least this against its own slap segment is confirmed (FMR 1 %).
    sequence_cross:
        A finger scoring at least this against another position's segment (and more than against its own)
        matches that segment (FMR <= 0.01 %).
    swap_llr:
        The log-likelihood ratio "exchanged" over "clean" of two fingers' four comparisons with their slap
        segments (:func:`_swap_llr`): at least this is a swap (:data:`SWAP_LLR_THRESHOLD`: at most 0.1 % of clean
        records alarmed, composed slap segments).
    duplicate_llr:
        The log-likelihood ratio "one finger captured twice" over "clean" of a pair's score and its comparisons
        with the slap segments (:func:`_slap_llr`) and, above ``duplicate_ridge_bar``, their ridge images'
        agreement: at least this is a duplicate (FMR <= 0.01 % per pair and <= 0.1 % of clean records on
        clean-record configurations with composed slap segments, :data:`DUPLICATE_LLR_THRESHOLD`).
    distinct_own:
        Two fingers each confirmed by their own segment at least this well are distinct (FMR 0.1 %).
    duplicate_ridge_bar:
        Pairs scoring at least this get the ridge-image term in their ratio (:data:`DUPLICATE_RIDGE_BAR`).
    duplicate_llr_slap:
        The slap-only ratio's operating point, for pairs without ridge evidence
        (:data:`DUPLICATE_LLR_SLAP_THRESHOLD`).
    hand_swap_llr:
        The sum of the swap ratios of the five pairs (p, p + 5): at least this is a hand swap
        (:data:`HAND_SWAP_LLR_THRESHOLD`: at most 0.1 % of clean records alarmed, composed slap segments).
    portrait_profile:
        Profile of :func:`~cccd_biometrics.face.icao.check_portrait`.
    """

    duplicate: float = DUPLICATE_THRESHOLD
    sequence_confirm: float = _FMR_1
    sequence_cross: float = DUPLICATE_THRESHOLD
    swap_llr: float = SWAP_LLR_THRESHOLD
    duplicate_llr: float = DUPLICATE_LLR_THRESHOLD
    distinct_own: float = _FMR_01
    duplicate_ridge_bar: float = DUPLICATE_RIDGE_BAR
    duplicate_llr_slap: float = DUPLICATE_LLR_SLAP_THRESHOLD
    hand_swap_llr: float = HAND_SWAP_LLR_THRESHOLD
    portrait_profile: str = "icao"

    def to_dict(self) -> dict[str, Any]:
        return {"duplicate": self.duplicate, "duplicate_operating_point": "FMR <= 0.01 %",
                "sequence_confirm": self.sequence_confirm, "sequence_confirm_operating_point": "FMR 1 %",
                "sequence_cross": self.sequence_cross, "sequence_cross_operating_point": "FMR <= 0.01 %",
                "swap_llr": self.swap_llr,
                "swap_llr_operating_point": "<= 0.1 % of clean records (composed slap segments)",
                "duplicate_llr": self.duplicate_llr,
                "duplicate_llr_operating_point":
                    "FMR <= 0.01 % per pair, <= 0.1 % of clean records (composed slap segments, ridge images of the "
                    "pair and of the captures against the segments)",
                "duplicate_ridge_bar": self.duplicate_ridge_bar,
                "duplicate_llr_slap": self.duplicate_llr_slap,
                "duplicate_llr_slap_operating_point":
                    "pairs without ridge evidence: FMR <= 0.01 % per pair, <= 0.1 % of clean records (fourth round)",
                "distinct_own": self.distinct_own, "distinct_own_operating_point": "FMR 0.1 %",
                "hand_swap_llr": self.hand_swap_llr,
                "hand_swap_llr_operating_point": "<= 0.1 % of clean records (composed slap segments)",
                "portrait_profile": self.portrait_profile}


DEFAULT_THRESHOLDS = EnrolmentThresholds()


def _table_value(x: float, xs: tuple[float, ...], table: tuple[float, ...]) -> float:
    """``table`` read at ``x`` over the knots ``xs``: linear between knots, constant beyond the ends, as
    ``np.interp`` (which the calibration scripts use) to the last bit of a float; a scalar ``np.interp`` costs more
    than the rest of a record's decisions, hence the bisection.

    Examples
    --------
    >>> _table_value(0.5, (0.0, 1.0), (2.0, 4.0)), _table_value(-1.0, (0.0, 1.0), (2.0, 4.0))
    (3.0, 2.0)
    """
    if x <= xs[0]:
        return table[0]
    if x >= xs[-1]:
        return table[-1]
    i = bisect_right(xs, x)
    return table[i - 1] + (table[i] - table[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])


_HAND_ORDER: tuple[tuple[int, ...], ...] = ((2, 3, 4, 5), (7, 8, 9, 10))
"""The fingers of the four-finger slaps, index to little."""


def _llr(score: float, table: tuple[float, ...]) -> float:
    """Tabulated log-likelihood ratio at ``score`` (:data:`DUPLICATE_LLR_SCORES`, :func:`_table_value`)."""
    return _table_value(score, DUPLICATE_LLR_SCORES, table)
