"""The enrolment record: ten fingers, the slaps and a portrait checked together, with one verdict.

Each single-image check exists elsewhere; a record adds the errors no single image shows:

* a finger missing with no reason declared (amputated and bandaged fingers must be declared);
* the same finger captured twice (``RECORD_DUPLICATE_FINGER``): all 45 pairs of the ten fingers are compared
  with the comparator at its FMR <= 0.01 % operating point (:data:`DUPLICATE_THRESHOLD`); when slaps are
  present, the pair score and the two captures' comparisons with their own and each other's slap segments are
  combined into a log-likelihood ratio with an operating point calibrated on clean records (FMR <= 0.01 % per
  pair, <= 0.1 % of clean records), and two fingers the slap shows to be distinct are never called one; for a
  pair scoring above a low bar the two captures' images add their own evidence: laid on each other by the
  comparison's fitted transform, one finger's two impressions show the same ridges
  (:func:`~cccd_biometrics.fingerprint.agreement.ridge_agreement`), two fingers rarely do;
* fingers stored under the wrong position: the *sequence check* compares each individually captured finger
  with the slap segments (:func:`~cccd_biometrics.fingerprint.slap.segment_slap`): a finger that matches
  another position's segment rather than its own is a ``RECORD_SEQUENCE_MISMATCH``; two positions whose
  captures and segments read as exchanged are ``RECORD_FINGERS_SWAPPED`` and the two hands read as exchanged
  ``RECORD_HAND_SWAPPED``: both are log-likelihood ratios of the four comparisons of each pair of captures with
  their segments, with operating points calibrated on clean records (<= 0.1 % of them alarmed);
* incomplete slaps and a non-compliant portrait.

Every record finding has a stable code, the positions it concerns, the measured value, the threshold, and an
operator action (:data:`RECORD_CODES`); the report lists what to capture again in the order an operator redoes it
and gives one verdict: ``accept``, ``recapture`` or ``supervisor``.

>>> import cccd_biometrics as cb
>>> rec = cb.EnrolmentRecord.from_manifest("sample_data/enrolment/citizen_clean")   # doctest: +SKIP
>>> rep = cb.check_enrolment(rec)                                                  # doctest: +SKIP
>>> rep.verdict, [(f.code, f.positions) for f in rep.findings]                    # doctest: +SKIP
('accept', [])
"""

from __future__ import annotations

from .check import check_enrolment
from .record import ABSENCE_REASONS, FINGER_NAMES, SLAP_NAMES, EnrolmentRecord
from .report import RECORD_CODES, EnrolmentReport, FingerResult, RecaptureItem, RecordFinding
from .thresholds import (
    DEFAULT_THRESHOLDS,
    DUPLICATE_LLR_PAIR,
    DUPLICATE_LLR_RIDGE,
    DUPLICATE_LLR_RIDGE_KNOTS,
    DUPLICATE_LLR_SCORES,
    DUPLICATE_LLR_SEGMENT,
    DUPLICATE_LLR_SEGMENT_RIDGE,
    DUPLICATE_LLR_SLAP_THRESHOLD,
    DUPLICATE_LLR_THRESHOLD,
    DUPLICATE_RIDGE_BAR,
    DUPLICATE_SEGMENT_RIDGE_WINDOW,
    DUPLICATE_THRESHOLD,
    HAND_SWAP_LLR_THRESHOLD,
    HAND_SWAP_MIN_PAIRS,
    SWAP_LLR_SCORES,
    SWAP_LLR_SEGMENT,
    SWAP_LLR_THRESHOLD,
    SWAP_LLR_UNCERTAIN,
    EnrolmentThresholds,
)

__all__ = [
    "ABSENCE_REASONS",
    "DEFAULT_THRESHOLDS",
    "DUPLICATE_LLR_PAIR",
    "DUPLICATE_LLR_RIDGE",
    "DUPLICATE_LLR_RIDGE_KNOTS",
    "DUPLICATE_LLR_SCORES",
    "DUPLICATE_LLR_SEGMENT",
    "DUPLICATE_LLR_SEGMENT_RIDGE",
    "DUPLICATE_LLR_SLAP_THRESHOLD",
    "DUPLICATE_LLR_THRESHOLD",
    "DUPLICATE_RIDGE_BAR",
    "DUPLICATE_SEGMENT_RIDGE_WINDOW",
    "DUPLICATE_THRESHOLD",
    "FINGER_NAMES",
    "HAND_SWAP_LLR_THRESHOLD",
    "HAND_SWAP_MIN_PAIRS",
    "RECORD_CODES",
    "SLAP_NAMES",
    "SWAP_LLR_SCORES",
    "SWAP_LLR_SEGMENT",
    "SWAP_LLR_THRESHOLD",
    "SWAP_LLR_UNCERTAIN",
    "EnrolmentRecord",
    "EnrolmentReport",
    "EnrolmentThresholds",
    "FingerResult",
    "RecaptureItem",
    "RecordFinding",
    "check_enrolment",
]
