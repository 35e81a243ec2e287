"""The duplicate check's capture-versus-segment ridge evidence (sixth round): its table, when the images are looked
at, what it decides, and the record check's wiring."""

from __future__ import annotations

import itertools
import json

import pytest

from cccd_biometrics import enrolment as en
from tests.helpers.enrolment import IMPOSTOR as _I
from tests.helpers.enrolment import ROOT
from tests.helpers.enrolment import AskedRidges as _Asked
from tests.helpers.enrolment import four_scores as _four

# a weak duplicate as the virtual records miss them (seed 2029, fifth round: median pair 0.0071, original and copy
# against the original's segment 0.0116 / 0.0113), whose pair images are neutral (0.6): only the segments' images
# can lift it
_WEAK = _four(0.0071, own1=0.0116, own2=_I, cross21=0.0113)
_NEUTRAL = 0.6
# the images of such a duplicate: the copy (2) and the original (1) agree with the original's segment, neither
# with the copy's position's segment
_DUPLICATE_RIDGES = {(2, 1): 0.8, (1, 1): 0.8, (2, 2): 0.3, (1, 2): 0.3}


def test_segment_ridge_table_rises_and_is_the_calibrations():
    table = en.DUPLICATE_LLR_SEGMENT_RIDGE
    assert len(table) == len(en.DUPLICATE_LLR_RIDGE_KNOTS)
    assert all(b >= a for a, b in itertools.pairwise(table)) and table[0] < 0 < table[-1]
    assert en.duplicates._segment_ridge_llr(None) == 0.0
    lo, hi = en.DUPLICATE_SEGMENT_RIDGE_WINDOW
    assert 0 < lo < hi
    stored = ROOT / "benchmarks" / "results" / "duplicate_fusion.json"
    if not stored.is_file():
        pytest.skip("no calibration result")
    data = json.loads(stored.read_text())
    assert tuple(data["knots"]["segridge"]) == table
    assert tuple(data["segment_ridge_window"]) == en.DUPLICATE_SEGMENT_RIDGE_WINDOW
    assert data["threshold"] == en.DUPLICATE_LLR_THRESHOLD


def test_segment_images_find_the_weak_duplicate_the_scores_miss():
    t = en.DEFAULT_THRESHOLDS
    pairs, seq = _WEAK
    assert en.duplicates._duplicate_findings(pairs, seq, t, _Asked(other=_NEUTRAL)) == []  # the pair's images alone
    found = en.duplicates._duplicate_findings(pairs, seq, t, _Asked(other=_NEUTRAL), _Asked(_DUPLICATE_RIDGES))
    assert [f.positions for f in found] == [(1, 2)]
    assert "ridge images" in found[0].message and found[0].threshold == t.duplicate_llr
    # the value is the slap ratio with each looked-at comparison's term in place
    x = (en.thresholds._llr(seq[2][1], en.DUPLICATE_LLR_SEGMENT) + en.duplicates._segment_ridge_llr(0.8)
         - en.thresholds._llr(seq[2][2], en.DUPLICATE_LLR_SEGMENT))
    assert found[0].value <= en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq) + 2 * max(en.DUPLICATE_LLR_SEGMENT_RIDGE)
    assert found[0].value >= en.thresholds._llr(pairs[(1, 2)], en.DUPLICATE_LLR_PAIR) + min(
        x, en.duplicates._segment_ridge_llr(0.8)) - 1e-9


def test_segment_images_of_two_fingers_keep_the_pair_clean():
    t = en.DEFAULT_THRESHOLDS
    pairs, seq = _WEAK
    # the copy's images agree with its own position's segment, not with the original's: two fingers
    two = {(2, 1): 0.3, (1, 1): 0.8, (2, 2): 0.8, (1, 2): 0.3}
    assert en.duplicates._duplicate_findings(pairs, seq, t, _Asked(other=_NEUTRAL), _Asked(two)) == []
    assert en.duplicates._duplicate_findings(pairs, seq, t, _Asked(other=_NEUTRAL), _Asked(other=None)) == []


def test_segment_images_are_looked_at_only_in_the_window_and_while_the_decision_is_open():
    t = en.DEFAULT_THRESHOLDS
    lo, hi = en.DUPLICATE_SEGMENT_RIDGE_WINDOW
    # a clean pair: each finger strongly confirmed by its own segment (above the window), the cross comparisons
    # impostors' below it: nothing to look at
    pairs, seq = _four(0.004, own1=0.08, own2=0.08, cross21=lo - 0.001, cross12=lo - 0.001)
    asked = _Asked(other=1.0)
    assert en.duplicates._duplicate_findings(pairs, seq, t, None, asked) == [] and asked.asked == []
    # the weak duplicate: only comparisons inside the window are asked, each once
    pairs, seq = _WEAK
    asked = _Asked(_DUPLICATE_RIDGES)
    en.duplicates._duplicate_findings(pairs, seq, t, _Asked(other=_NEUTRAL), asked)
    assert asked.asked and len(set(asked.asked)) == len(asked.asked)
    assert all(lo <= seq[c][q] < hi for c, q in asked.asked)
    # a duplicate clear on its scores alone: not looked at
    pairs, seq = _four(0.03, own1=0.05, own2=_I, cross21=0.05)
    asked, pair_asked = _Asked(other=0.0), _Asked(other=0.0)
    assert [f.positions for f in en.duplicates._duplicate_findings(pairs, seq, t, pair_asked, asked)] == [(1, 2)]
    assert asked.asked == [] and pair_asked.asked == []


def test_lazy_decision_equals_looking_at_everything():
    """The bounds only spare looks: the decision is the one all four comparisons and the pair would give."""
    t = en.DEFAULT_THRESHOLDS
    grid = (0.004, 0.0075, 0.0115, 0.016, 0.03)
    corr = (None, 0.3, 0.55, 0.65, 0.85)
    import random

    rnd = random.Random(6)
    for _ in range(400):
        pairs, seq = _four(rnd.choice(grid), own1=rnd.choice(grid), own2=rnd.choice(grid),
                           cross21=rnd.choice(grid), cross12=rnd.choice(grid))
        answers = {(c, q): rnd.choice(corr) for c in (1, 2) for q in (1, 2)}
        pair_c = rnd.choice(corr)
        lazy = en.duplicates._with_ridges(1, 2, pairs[(1, 2)], seq, t, _Asked(other=pair_c), _Asked(answers))
        # everything looked at: the same ratio with every term in place
        pair_term = (en.duplicates._ridge_llr(pair_c) if pairs[(1, 2)] >= t.duplicate_ridge_bar else 0.0)
        lo_w, hi_w = en.DUPLICATE_SEGMENT_RIDGE_WINDOW

        def s(c, q, seq=seq, answers=answers, lo_w=lo_w, hi_w=hi_w):
            v = en.thresholds._llr(seq[c][q], en.DUPLICATE_LLR_SEGMENT)
            return v + (en.duplicates._segment_ridge_llr(answers[c, q]) if lo_w <= seq[c][q] < hi_w else 0.0)

        x, y = s(2, 1) - s(2, 2), s(1, 1) - s(1, 2)
        full = en.thresholds._llr(pairs[(1, 2)], en.DUPLICATE_LLR_PAIR) + pair_term + max(min(x, y), -max(x, y))
        held = (t.duplicate_llr if pairs[(1, 2)] >= t.duplicate_ridge_bar and pair_c is not None
                else t.duplicate_llr_slap)
        assert (lazy[0] >= lazy[1]) == (full >= held)


def test_record_check_reads_the_segments_ridge_images():
    import cv2

    import cccd_biometrics as cb
    from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
    from cccd_biometrics.fingerprint.match import prepare_template

    syn = ROOT / "sample_data" / "fingerprints" / "synthetic"
    base = cb.load_fingerprint(syn / "good_2026_1.png", ppi=500).pixels
    h, w = base.shape
    turned = cv2.warpAffine(base, cv2.getRotationMatrix2D((w / 2, h / 2), -9.0, 1.0), (w, h), borderValue=255)
    other = cb.load_fingerprint(syn / "good_2031_1.png", ppi=500).pixels
    caps = {p: analyze_fingerprint(cb.load_fingerprint(px, ppi=500)) for p, px in {1: base, 2: other}.items()}
    segs = {p: analyze_fingerprint(cb.load_fingerprint(px, ppi=500)) for p, px in {1: turned, 2: other}.items()}
    prepared = {p: prepare_template(cb.extract_minutiae(a, with_quality=False)) for p, a in caps.items()}
    seg_t = {p: prepare_template(cb.extract_minutiae(a, with_quality=False)) for p, a in segs.items()}
    ridges = en.stages._segment_ridge_evidence(caps, prepared, segs, seg_t)
    same, crossed = ridges(1, 1), ridges(1, 2)
    assert same is not None and en.duplicates._segment_ridge_llr(same) == max(en.DUPLICATE_LLR_SEGMENT_RIDGE)
    assert crossed is None or en.duplicates._segment_ridge_llr(crossed) < 0
    assert ridges(1, 1) == same  # measured once
    assert en.stages._segment_ridge_evidence(caps, prepared, {}, {})(1, 1) is None  # no segment there


def test_score_table_keeps_the_prepared_templates():
    import cccd_biometrics as cb

    syn = ROOT / "sample_data" / "fingerprints" / "synthetic"
    fingers = {p: en.FingerResult(p, str(p), template=cb.extract_minutiae(syn / f))
               for p, f in ((1, "good_2026_1.png"), (2, "good_2031_1.png"))}
    kept: dict[int, object] = {}
    pairs, _ = en.stages._score_table(fingers, {}, kept)
    assert set(kept) == {1, 2} and pairs[(1, 2)] == pytest.approx(cb.compare_templates(kept[1], kept[2]))


def test_check_enrolment_hands_the_duplicate_check_both_kinds_of_ridge_evidence(monkeypatch):
    import cccd_biometrics as cb
    from cccd_biometrics.enrolment import check

    seen = {}
    real = check._duplicate_findings

    def spy(pairs, sequence, t, ridges=None, segment_ridges=None):
        seen["pair"] = None if ridges is None else ridges(2, 3)
        seen["own"] = None if segment_ridges is None else segment_ridges(2, 2)
        seen["cross"] = None if segment_ridges is None else segment_ridges(2, 3)
        return real(pairs, sequence, t, ridges, segment_ridges)

    monkeypatch.setattr(check, "_duplicate_findings", spy)
    record = cb.EnrolmentRecord.from_manifest(ROOT / "sample_data" / "enrolment" / "citizen_clean")
    record = cb.EnrolmentRecord(fingers=record.fingers, slaps=record.slaps, ppi=record.ppi)  # no portrait: faster
    assert cb.check_enrolment(record).findings_of("RECORD_DUPLICATE_FINGER") == ()
    # the right index against its own segment: the same finger's ridges; against the middle's: another finger's
    assert seen["own"] is not None and en.duplicates._segment_ridge_llr(seen["own"]) > 0
    assert seen["cross"] is None or seen["cross"] < seen["own"]
