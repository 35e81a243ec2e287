"""The duplicate check's ridge-image evidence: its ratio table, when it is looked at, and what it decides."""

from __future__ import annotations

import itertools
import json

import pytest

from cccd_biometrics import enrolment as en
from tests.helpers.enrolment import IMPOSTOR as _I
from tests.helpers.enrolment import ROOT, AskedRidges
from tests.helpers.enrolment import four_scores as _four

# the median missed duplicate of the virtual records before the ridge evidence (seed 2029): pair, original vs its
# segment and copy vs that segment near the FMR 1-0.1 % points, the copy's own segment an impostor's
_MISSED = _four(0.0092, own1=0.0129, own2=0.003, cross21=0.0133)


def test_ridge_table_rises_and_is_the_calibrations():
    xs, table = en.DUPLICATE_LLR_RIDGE_KNOTS, en.DUPLICATE_LLR_RIDGE
    assert len(xs) == len(table) and all(b >= a for a, b in itertools.pairwise(table))
    assert table[0] < 0 < table[-1]
    assert en.duplicates._ridge_llr(None) == 0.0
    stored = ROOT / "benchmarks" / "results" / "duplicate_fusion.json"
    if not stored.is_file():
        pytest.skip("no calibration result")
    data = json.loads(stored.read_text())
    assert tuple(data["ridge_knots"]) == xs and tuple(data["knots"]["ridge"]) == table
    assert data["ridge_bar"] == en.DUPLICATE_RIDGE_BAR == en.DEFAULT_THRESHOLDS.duplicate_ridge_bar


def test_agreeing_ridges_find_the_duplicate_the_scores_alone_miss():
    t = en.DEFAULT_THRESHOLDS
    pairs, seq = _MISSED
    assert en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq) < t.duplicate_llr
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []  # without the images: missed
    ridges = AskedRidges(other=0.8)
    found = en.duplicates._duplicate_findings(pairs, seq, t, ridges)
    assert [f.positions for f in found] == [(1, 2)] and ridges.asked == [(1, 2)]
    expected = en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq) + en.duplicates._ridge_llr(0.8)
    assert found[0].value == pytest.approx(expected, abs=1e-4)
    assert "ridge images" in found[0].message
    # ridges that disagree (two fingers), or no common area: no duplicate
    assert en.duplicates._duplicate_findings(pairs, seq, t, AskedRidges(other=0.35)) == []
    assert en.duplicates._duplicate_findings(pairs, seq, t, AskedRidges(other=None)) == []


def test_disagreeing_ridges_clear_a_borderline_pair():
    t = en.DEFAULT_THRESHOLDS
    # a pair the slap evidence alone puts just over the threshold, whose images show two different fingers
    pairs, seq = _four(0.0125, own1=0.015, own2=_I, cross21=0.015)
    llr = en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq)
    assert t.duplicate_llr_slap <= llr < t.duplicate_llr - en.thresholds._RIDGE_LLR_MIN
    assert [f.positions for f in en.duplicates._duplicate_findings(pairs, seq, t)] == [(1, 2)]
    assert en.duplicates._duplicate_findings(pairs, seq, t, AskedRidges(other=0.3)) == []


def test_images_are_looked_at_only_where_they_can_change_the_decision():
    t = en.DEFAULT_THRESHOLDS
    # below the pair-score bar: never
    pairs, seq = _four(t.duplicate_ridge_bar - 0.001, own1=0.05, own2=_I, cross21=0.05)
    ridges = AskedRidges(other=0.9)
    en.duplicates._duplicate_findings(pairs, seq, t, ridges)
    assert ridges.asked == []
    # a clear duplicate (the ratio beyond the threshold whatever the images show): not looked at, still found
    pairs, seq = _four(0.03, own1=0.05, own2=_I, cross21=0.05)
    ridges = AskedRidges(other=0.0)
    assert [f.positions for f in en.duplicates._duplicate_findings(pairs, seq, t, ridges)] == [(1, 2)]
    assert ridges.asked == []
    # a clean pair the images could not lift to the threshold: not looked at
    pairs, seq = _four(0.007, own1=0.05, own2=0.04, cross21=_I)
    ridges = AskedRidges(other=1.0)
    assert en.duplicates._duplicate_findings(pairs, seq, t, ridges) == [] and ridges.asked == []


def test_the_operating_point_is_stated():
    d = en.DEFAULT_THRESHOLDS.to_dict()
    assert d["duplicate_llr"] == en.DUPLICATE_LLR_THRESHOLD
    assert "ridge images" in d["duplicate_llr_operating_point"]
    assert d["duplicate_ridge_bar"] == en.DUPLICATE_RIDGE_BAR


def test_record_check_reads_the_fingers_ridge_images():
    import cv2

    import cccd_biometrics as cb
    from cccd_biometrics.fingerprint.analysis import analyze_fingerprint

    syn = ROOT / "sample_data" / "fingerprints" / "synthetic"
    base = cb.load_fingerprint(syn / "good_2026_1.png", ppi=500).pixels
    h, w = base.shape
    turned = cv2.warpAffine(base, cv2.getRotationMatrix2D((w / 2, h / 2), 12.0, 1.0), (w, h), borderValue=255)
    images = {1: base, 2: turned, 3: cb.load_fingerprint(syn / "good_2031_1.png", ppi=500).pixels}
    analyses = {p: analyze_fingerprint(cb.load_fingerprint(px, ppi=500)) for p, px in images.items()}
    fingers = {p: en.FingerResult(p, str(p), template=cb.extract_minutiae(a, with_quality=False))
               for p, a in analyses.items()}
    ridges = en.stages._ridge_evidence(fingers, analyses)
    same, other = ridges(1, 2), ridges(1, 3)
    assert same is not None and en.duplicates._ridge_llr(same) == max(en.DUPLICATE_LLR_RIDGE)
    assert other is None or en.duplicates._ridge_llr(other) < 0
    assert en.stages._ridge_evidence(fingers, {1: analyses[1]})(1, 2) is None  # an image that could not be analysed


def test_a_pair_without_ridge_evidence_keeps_the_slap_only_operating_point():
    t = en.DEFAULT_THRESHOLDS
    assert t.duplicate_llr < t.duplicate_llr_slap == en.DUPLICATE_LLR_SLAP_THRESHOLD
    # a slap-only ratio between the two points: a duplicate only where the images were looked at and agree
    pairs, seq = _four(0.011, own1=0.0135, own2=_I, cross21=0.013)
    llr = en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq)
    assert t.duplicate_llr <= llr < t.duplicate_llr_slap
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []  # no images: the slap-only point
    assert en.duplicates._duplicate_findings(pairs, seq, t, AskedRidges(other=None)) == []  # no common area: the same
    found = en.duplicates._duplicate_findings(pairs, seq, t, AskedRidges(other=0.62))
    assert [f.positions for f in found] == [(1, 2)] and found[0].threshold == t.duplicate_llr
    # below the ridge bar the images are never asked, whatever the slap says
    low = {**pairs, (1, 2): t.duplicate_ridge_bar - 0.0005}
    ridges = AskedRidges(other=0.9)
    assert all(f.value >= t.duplicate_llr_slap for f in en.duplicates._duplicate_findings(low, seq, t, ridges))
    assert ridges.asked == []
