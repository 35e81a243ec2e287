"""EnrolmentRecord, its manifest, and check_enrolment on synthetic citizens with planted errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics import enrolment as en
from cccd_biometrics.errors import EnrolmentRecordError, InputNotFoundError
from cccd_biometrics.findings import Severity
from cccd_biometrics.fingerprint.match import DECISION_THRESHOLDS
from cccd_biometrics.fingerprint.slap_compose import compose_record
from cccd_biometrics.io.encode import save_image
from tests.helpers.enrolment import ROOT, citizen, require_shared_data

REQUIRED_CODES = ("RECORD_FINGER_MISSING", "RECORD_DUPLICATE_FINGER", "RECORD_SEQUENCE_MISMATCH",
                  "RECORD_HAND_SWAPPED", "RECORD_SLAP_INCOMPLETE", "RECORD_PORTRAIT_NONCOMPLIANT")


def _check(error: str, seed: int = 5, **record_kwargs):
    ind, slp, spare = citizen()
    comp = compose_record(ind, slp, spare, error, seed=seed)
    rec = cb.EnrolmentRecord(fingers=comp.fingers, slaps={k: s.image for k, s in comp.slaps.items()}, ppi=500,
                             **record_kwargs)
    return comp, cb.check_enrolment(rec)


def _record_codes(rep) -> set[tuple[str, tuple[int, ...]]]:
    return {(f.code, f.positions) for f in rep.findings if f.code.startswith("RECORD_")
            and f.code != "RECORD_SEQUENCE_UNCONFIRMED"}


# ------------------------------------------------------------------------------------------ the record


def test_record_validation():
    img = np.full((300, 300), 255, np.uint8)
    rec = cb.EnrolmentRecord(fingers={"1": img, 2: img}, absent={3: "XX", "4": "Unable to print"})
    assert list(rec.fingers) == [1, 2]
    assert dict(rec.absent) == {3: "amputated", 4: "unable_to_print"}
    assert rec.missing == (5, 6, 7, 8, 9, 10)
    for bad in ({"fingers": {11: img}}, {"fingers": {"x": img}}, {"slaps": {12: img}}, {"fingers": {1: None}},
                {"fingers": {1: img}, "absent": {1: "amputated"}}, {"absent": {2: ""}},
                {"absent": {2: "on holiday"}}, {"ppi": 5}):
        with pytest.raises(EnrolmentRecordError):
            cb.EnrolmentRecord(**bad)
    with pytest.raises(TypeError):
        rec.fingers[5] = img  # read-only mapping
    json.dumps(rec.to_dict())


def test_manifest_round_trip_and_errors(tmp_path: Path):
    ind, _, _ = citizen()
    folder = tmp_path / "citizen"
    folder.mkdir()
    for p in range(1, 10):
        save_image(cb.load_fingerprint(ind[p], ppi=500), folder / f"f{p}.png", ppi=500)
    manifest = {"fingers": {str(p): f"f{p}.png" for p in range(1, 10)}, "absent": {"10": "bandaged"},
                "slaps": {}, "portrait": None, "id": "test"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    rec = cb.EnrolmentRecord.from_manifest(folder)
    assert list(rec.fingers) == list(range(1, 10)) and rec.absent == {10: "bandaged"}
    assert rec.source == str(folder)
    assert cb.EnrolmentRecord.from_manifest(folder / "manifest.json").fingers.keys() == rec.fingers.keys()

    def broken(text: str, exc: type[Exception]) -> None:
        (folder / "manifest.json").write_text(text)
        with pytest.raises(exc):
            cb.EnrolmentRecord.from_manifest(folder)

    broken("{not json", EnrolmentRecordError)
    broken("[1, 2]", EnrolmentRecordError)
    broken(json.dumps({"finger": {"1": "f1.png"}}), EnrolmentRecordError)
    broken(json.dumps({"fingers": {"1": 5}}), EnrolmentRecordError)
    broken(json.dumps({"fingers": {"1": "nope.png"}}), InputNotFoundError)
    broken(json.dumps({"fingers": {"1": "f1.png"}, "absent": {"1": "amputated"}}), EnrolmentRecordError)
    with pytest.raises(InputNotFoundError):
        cb.EnrolmentRecord.from_manifest(tmp_path / "nowhere")


def test_codes_table_and_thresholds():
    for code in REQUIRED_CODES:
        severity, route, action = en.RECORD_CODES[code]
        assert severity == Severity.ERROR and route in ("recapture", "supervisor") and action
    # the module keeps copies of the comparator's operating points (to stay light to import)
    assert DECISION_THRESHOLDS["fmr_1%"] == en.thresholds._FMR_1
    assert DECISION_THRESHOLDS["fmr_0.1%"] == en.thresholds._FMR_01
    assert DECISION_THRESHOLDS["fmr_0.1%"] < en.DUPLICATE_THRESHOLD
    stored = ROOT / "benchmarks" / "results" / "duplicate_threshold.json"
    assert json.loads(stored.read_text())["threshold"] == en.DUPLICATE_THRESHOLD


# ------------------------------------------------------------------------------------------- the checks


def test_clean_record_is_accepted():
    _, rep = _check("clean")
    assert rep.verdict == "accept", rep.codes
    assert not any(f.severity == Severity.ERROR for f in rep.findings)
    assert rep.recapture == ()
    assert all(rep.sequence[p][p] >= en.DEFAULT_THRESHOLDS.sequence_confirm for p in range(1, 11))
    assert len(rep.duplicates) == 45
    d = rep.to_dict(include_scores=True, include_timings=True)
    json.dumps(d)
    assert d["thresholds"]["duplicate"] == en.DUPLICATE_THRESHOLD
    assert set(d["timings_ms"]) >= {"fingers", "slaps", "comparisons"}


def test_duplicate_finger():
    comp, rep = _check("duplicate")
    i, j = comp.positions
    dup = rep.findings_of("RECORD_DUPLICATE_FINGER")
    assert [f.positions for f in dup] == [(min(i, j), max(i, j))]
    f = dup[0]
    assert f.value >= f.threshold and f.action and f.route == "recapture"
    assert rep.verdict == "recapture"
    # the slap shows which of the two is wrong: only the duplicate (j) is to be captured again
    assert [(r.target, r.position) for r in rep.recapture] == [("finger", j)]


def test_swapped_fingers():
    comp, rep = _check("swap")
    assert ("RECORD_FINGERS_SWAPPED", comp.positions) in _record_codes(rep)
    assert not rep.findings_of("RECORD_DUPLICATE_FINGER")
    assert {r.position for r in rep.recapture} == set(comp.positions)


def test_hand_swap_goes_to_a_supervisor():
    _, rep = _check("hand_swap")
    assert [f.positions for f in rep.findings_of("RECORD_HAND_SWAPPED")] == [tuple(range(1, 11))]
    assert rep.verdict == "supervisor"
    assert not rep.findings_of("RECORD_SEQUENCE_MISMATCH") and not rep.findings_of("RECORD_FINGERS_SWAPPED")


def test_missing_and_declared_absent():
    comp, rep = _check("missing")
    (p,) = comp.positions
    assert _record_codes(rep) == {("RECORD_FINGER_MISSING", (p,))}
    assert rep.recapture[0].position == p and rep.recapture[0].codes == ("RECORD_FINGER_MISSING",)
    # the same finger declared amputated: no error, the slap does not expect it either
    ind, slp, spare = citizen()
    fingers = {q: ind[q] for q in range(1, 11) if q != 3}
    comp = compose_record(ind, slp, spare, "clean", seed=5)
    rec = cb.EnrolmentRecord(fingers=fingers, slaps={k: s.image for k, s in comp.slaps.items()},
                             absent={3: "amputated"}, ppi=500)
    rep = cb.check_enrolment(rec)
    assert [f.positions for f in rep.findings_of("RECORD_FINGER_DECLARED_ABSENT")] == [(3,)]
    assert not rep.findings_of("RECORD_FINGER_MISSING")


def test_incomplete_slap():
    comp, rep = _check("incomplete_slap")
    slap, _ = comp.positions
    assert [f.positions for f in rep.findings_of("RECORD_SLAP_INCOMPLETE")] == [(slap,)]
    assert ("slap", slap) in [(r.target, r.position) for r in rep.recapture]
    # labels of an incomplete slap are uncertain: no mismatch is claimed from it
    assert not rep.findings_of("RECORD_SEQUENCE_MISMATCH")


def test_without_slaps_duplicates_are_still_found():
    ind, _, spare = citizen()
    fingers = dict(ind)
    fingers[7] = spare[2]
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers=fingers, ppi=500))
    # the generator's fingers are more alike than real ones (impostor scores up to 0.044 among one synthetic
    # citizen's 45 pairs, against 0.037 over 156,160 real impostor pairs): without slaps to tell two fingers
    # apart, a synthetic pair may pass the threshold too, so only the planted pair is asserted
    assert (2, 7) in [f.positions for f in rep.findings_of("RECORD_DUPLICATE_FINGER")]
    assert {2, 7} <= {r.position for r in rep.recapture}  # no slap to tell which one is wrong
    assert rep.sequence == {}


def test_unreadable_images_are_findings(tmp_path: Path):
    ind, _, _ = citizen()
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    fingers = dict(ind)
    fingers[4] = bad
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers=fingers, slaps={13: bad}, ppi=500))
    codes = _record_codes(rep)
    assert ("RECORD_IMAGE_UNREADABLE", (4,)) in codes and ("RECORD_IMAGE_UNREADABLE", (13,)) in codes
    assert rep.verdict == "recapture"
    assert rep.fingers[4].error and rep.fingers[4].to_dict()["error"]


def test_recapture_order_and_single_image_findings():
    ind, _, _ = citizen()
    fingers = dict(ind)
    fingers[8] = np.full((400, 340), 250, np.uint8)  # a blank capture: FINGER_NO_FINGER at position 8
    del fingers[2]
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers=fingers, ppi=500))
    assert ("FINGER_NO_FINGER", (8,)) in {(f.code, f.positions) for f in rep.findings}
    order = [r.position for r in rep.recapture]
    assert {2, 8} <= set(order) and order == sorted(order, key=en.report._CAPTURE_ORDER.index)
    assert rep.findings[0].severity == Severity.ERROR


def test_portrait_checked_with_the_record():
    portrait = ROOT / "sample_data" / "portraits" / "frl_london_024_neutral.jpg"
    try:
        cb.check_portrait(cb.load_portrait(portrait))
    except AttributeError as exc:  # OpenCV DNN engine API missing (issue 13): not this module's concern
        pytest.skip(f"portrait checks unavailable here: {exc}")
    ind, _, _ = citizen()
    good = cb.check_enrolment(cb.EnrolmentRecord(fingers=ind, portrait=portrait, ppi=500))
    assert good.portrait is not None and not good.findings_of("RECORD_PORTRAIT_NONCOMPLIANT")
    blank = np.full((600, 467, 3), 200, np.uint8)
    bad = cb.check_enrolment(cb.EnrolmentRecord(fingers=ind, portrait=blank, ppi=500))
    (f,) = bad.findings_of("RECORD_PORTRAIT_NONCOMPLIANT")
    assert f.positions == () and f.value >= 1 and "FACE_NOT_FOUND" in f.message
    assert bad.recapture[-1].target == "portrait"


def test_finger_images_and_paths_are_accepted(tmp_path: Path):
    ind, _, _ = citizen()
    path = tmp_path / "f1.png"
    save_image(cb.load_fingerprint(ind[1], ppi=500), path, ppi=500)
    fingers = {p: cb.load_fingerprint(ind[p], ppi=500) for p in range(2, 11)}
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers={1: path, **fingers}))
    assert set(rep.fingers) == set(range(1, 11)) and all(r.error is None for r in rep.fingers.values())
    assert rep.fingers[1].source == str(path)


def test_not_a_record():
    with pytest.raises(EnrolmentRecordError):
        cb.check_enrolment({"fingers": {}})


def test_dev_database_citizen_with_planted_duplicate():
    data = require_shared_data()
    folder = data / "neurotech_uareu"

    def load(finger: int, imp: int) -> np.ndarray:
        return cb.load_fingerprint(folder / f"012_{finger}_{imp}.tif").pixels

    ind = {p: load(p, 1) for p in range(1, 11)}
    slp = {p: load(p, 2) for p in range(1, 11)}
    spare = {p: load(p, 3) for p in range(1, 11)}
    comp = compose_record(ind, slp, spare, "duplicate", seed=1)
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers=comp.fingers,
                                                slaps={k: s.image for k, s in comp.slaps.items()}, ppi=500))
    i, j = comp.positions
    assert (min(i, j), max(i, j)) in [f.positions for f in rep.findings_of("RECORD_DUPLICATE_FINGER")]


# ------------------------------------------------------------------------------ duplicate rule on scores


def _scores(pair: float, own: dict[int, float], cross: dict[tuple[int, int], float]):
    """A 3-finger score table: impostor background 0.004 (below the comparator's FMR 1 % point), own segments and
    chosen cross scores set."""
    pairs = {(1, 2): pair, (1, 3): 0.004, (2, 3): 0.004}
    seq = {p: {q: (own[p] if p == q else cross.get((p, q), 0.004)) for q in (1, 2, 3)} for p in (1, 2, 3)}
    return pairs, seq


def test_duplicate_found_from_slap_evidence_below_the_direct_threshold():
    t = en.DEFAULT_THRESHOLDS
    # finger 2 is finger 1 captured again: weak pair score, both match segment 1, segment 2 matches nobody
    pairs, seq = _scores(0.012, {1: 0.05, 2: 0.005, 3: 0.09}, {(2, 1): 0.05})
    assert pairs[(1, 2)] < t.duplicate
    found = en.duplicates._duplicate_findings(pairs, seq, t)
    assert [f.positions for f in found] == [(1, 2)]
    # no ridge images given: the slap-only ratio's operating point
    assert found[0].threshold == t.duplicate_llr_slap and found[0].value >= t.duplicate_llr_slap
    # the same pair score without the slap's support is no duplicate
    pairs, seq = _scores(0.012, {1: 0.05, 2: 0.005, 3: 0.09}, {})
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []


def test_duplicate_vetoed_when_both_fingers_match_their_own_segments():
    t = en.DEFAULT_THRESHOLDS
    # an impostor pair above the direct threshold, but each finger is confirmed by its own segment
    pairs, seq = _scores(t.duplicate + 0.002, {1: 0.05, 2: 0.04, 3: 0.09}, {})
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []
    # no slaps: the pair score alone decides
    assert [f.positions for f in en.duplicates._duplicate_findings(pairs, {}, t)] == [(1, 2)]


def test_duplicate_fusion_thresholds_match_their_calibration():
    stored = ROOT / "benchmarks" / "results" / "duplicate_fusion.json"
    if not stored.is_file():
        pytest.skip("no calibration result")
    data = json.loads(stored.read_text())
    assert data["threshold"] == en.DUPLICATE_LLR_THRESHOLD == en.DEFAULT_THRESHOLDS.duplicate_llr
    assert tuple(data["knot_scores"]) == en.DUPLICATE_LLR_SCORES
    assert tuple(data["knots"]["pair"]) == en.DUPLICATE_LLR_PAIR
    assert tuple(data["knots"]["seg"]) == en.DUPLICATE_LLR_SEGMENT


# Scores of the hand-made cases below, on the comparator's scale (global-transform stage: FMR 1 % 0.0091,
# FMR 0.1 % 0.0126, FMR 0.01 % 0.0163): an impostor's 0.005, a genuine's 0.03-0.06
_IMPOSTOR = 0.005


def _four(pair: float, own1: float, own2: float, cross21: float, cross12: float = _IMPOSTOR):
    """Fingers 1 and 2 (and an unrelated 3): the pair score and the four capture-versus-segment scores."""
    i = _IMPOSTOR
    pairs = {(1, 2): pair, (1, 3): i, (2, 3): i}
    seq = {1: {1: own1, 2: cross12, 3: i}, 2: {1: cross21, 2: own2, 3: i}, 3: {1: i, 2: i, 3: 0.09}}
    return pairs, seq


def test_llr_tables_interpolate_and_rise():
    xs, pair, seg = en.DUPLICATE_LLR_SCORES, en.DUPLICATE_LLR_PAIR, en.DUPLICATE_LLR_SEGMENT
    assert len(xs) == len(pair) == len(seg)
    assert all(b >= a for a, b in itertools.pairwise(pair)) and all(b >= a for a, b in itertools.pairwise(seg))
    assert en.thresholds._llr(xs[3], pair) == pytest.approx(pair[3], abs=1e-12)  # at a knot (interpolated: rounding)
    mid = en.thresholds._llr((xs[9] + xs[10]) / 2, seg)
    assert mid == pytest.approx((seg[9] + seg[10]) / 2)
    assert en.thresholds._llr(-1.0, pair) == pair[0] and en.thresholds._llr(2.0, pair) == pair[-1]


def test_duplicate_found_from_all_four_comparisons_that_the_fused_rules_missed():
    t = en.DEFAULT_THRESHOLDS
    # finger 2 is finger 1 again: the pair and both captures against segment 1 near the FMR 0.1 % point, and
    # neither capture matching segment 2 (the real finger 2 was never captured). The fused rules of the earlier
    # version missed this shape (on the LSS-R scale: pair + weaker 0.056 < 0.0581; weakest 0.026 < 0.0272)
    pair = en.thresholds._FMR_01
    pairs, seq = _four(pair, own1=0.014, own2=_IMPOSTOR, cross21=0.014)
    found = en.duplicates._duplicate_findings(pairs, seq, t)
    assert [f.positions for f in found] == [(1, 2)]
    assert found[0].value == pytest.approx(en.duplicates._slap_llr(1, 2, pair, seq), abs=1e-4)  # reported to 4 decimals
    # the same scores, but finger 2 matches its own segment: two fingers
    pairs, seq = _four(pair, own1=0.014, own2=0.014, cross21=0.014)
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []


def test_weak_own_segment_match_keeps_two_lookalike_fingers_apart():
    t = en.DEFAULT_THRESHOLDS
    # a clean record's look-alike pair (the composed seed-2029 alarm's shape): pair between the FMR 0.1 % and
    # 0.01 % points, both captures at least that against segment 1, finger 2 confirmed by its own segment only
    # weakly (below the veto's FMR 0.1 % point). The earlier "weakest" rule called it a duplicate
    pairs, seq = _four(0.014, own1=0.0145, own2=0.0115, cross21=0.0143)
    assert en.thresholds._FMR_01 < 0.014 < t.duplicate and t.distinct_own > 0.0115
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []


def test_a_swap_is_not_a_duplicate():
    t = en.DEFAULT_THRESHOLDS
    # fingers 1 and 2 swapped: each capture matches the other's segment, not its own; the pair is an impostor's
    pairs, seq = _four(en.thresholds._FMR_01, own1=_IMPOSTOR, own2=_IMPOSTOR, cross21=0.03, cross12=0.03)
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []
    assert en.duplicates._slap_llr(1, 2, en.thresholds._FMR_01, seq) < 0


def test_high_pair_score_needs_the_slap_when_segments_exist():
    t = en.DEFAULT_THRESHOLDS
    # pair at FMR < 0.01 %, but capture 2 does not match segment 1 and does match its own weakly: with both
    # segments the ratio decides (the earlier version alarmed on the pair score alone)
    pairs, seq = _four(t.duplicate + 0.003, own1=0.05, own2=0.0115, cross21=_IMPOSTOR)
    assert t.distinct_own > 0.0115  # not the distinct-fingers veto: the ratio decides
    assert en.duplicates._duplicate_findings(pairs, seq, t) == []
    # finger 2's segment missing (cut out of the slap): the direct rule decides
    seq_missing = {p: {q: v for q, v in row.items() if q != 2} for p, row in seq.items()}
    assert [f.positions for f in en.duplicates._duplicate_findings(pairs, seq_missing, t)] == [(1, 2)]
    assert en.duplicates._slap_llr(1, 2, pairs[(1, 2)], seq_missing) is None


def test_unconfirmed_warning_dropped_when_another_error_explains_it():
    unconfirmed = [en.report._record_finding("RECORD_SEQUENCE_UNCONFIRMED", (p,), "x", 0.01, 0.0208) for p in (2, 4, 6)]
    low_quality = en.RecordFinding(code="FINGER_LOW_CLARITY", severity=Severity.ERROR, message="x", value=1.0,
                                   threshold=2.0, action="x", positions=(2,), route="recapture")
    incomplete = en.report._record_finding("RECORD_SLAP_INCOMPLETE", (15,), "x", 1.0, 2.0)
    kept = en.sequence._drop_explained(unconfirmed, [low_quality, incomplete])
    # 2: its own image fails; 6: the thumbs slap lacks a finger; 4 passed its checks and stays unconfirmed
    assert [f.positions for f in kept] == [(4,)]
    assert en.sequence._drop_explained(unconfirmed, []) == unconfirmed
    # slaps are optional: a finger whose slap was not captured has nothing to be confirmed against
    assert [f.positions for f in en.sequence._drop_explained(unconfirmed, [], slap_positions=(13,))] == [(2,), (4,)]


def test_fingers_whose_slap_was_not_captured_get_no_sequence_warning():
    ind, slp, spare = citizen()
    comp = compose_record(ind, slp, spare, "clean", seed=5)
    rep = cb.check_enrolment(cb.EnrolmentRecord(fingers=comp.fingers, slaps={13: comp.slaps[13].image}, ppi=500))
    flagged = {p for code in ("RECORD_SEQUENCE_UNCONFIRMED", "RECORD_SEQUENCE_MISMATCH")
               for f in rep.findings_of(code) for p in f.positions}
    assert not flagged - {2, 3, 4, 5}  # only the right four have a slap to be checked against
