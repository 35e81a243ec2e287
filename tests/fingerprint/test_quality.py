"""assess_fingerprint: result shape, determinism, degenerate inputs, native measures, findings, model table."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.findings import Severity
from cccd_biometrics.fingerprint.quality import measures as fm
from cccd_biometrics.fingerprint.quality.score import THRESHOLDS, gate_factor, model_score, quality_model
from tests.helpers.images import stripes

CODES = {"FINGER_LOW_CLARITY", "FINGER_TOO_DRY", "FINGER_TOO_WET", "FINGER_LOW_CONTRAST", "FINGER_SMALL_AREA",
         "FINGER_OFF_CENTER", "FINGER_BLURRED", "FINGER_NO_FINGER", "FINGER_WRONG_RESOLUTION"}


@pytest.fixture(scope="module")
def sd14(sample_data) -> cb.FingerImage:
    return cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd14_f0000001_rolled.png")


def test_result_is_frozen_json_safe_and_deterministic(sd14) -> None:
    q = cb.assess_fingerprint(sd14)
    assert isinstance(q, cb.FingerprintQuality)
    with pytest.raises(AttributeError):
        q.score = 1.0  # type: ignore[misc]
    d = q.to_dict(include_map=True)
    json.dumps(d, allow_nan=False)
    assert set(d) >= {"score", "hard_to_read", "findings", "measures", "local_quality"}
    assert 0.0 <= q.score <= 100.0
    again = cb.assess_fingerprint(cb.load_fingerprint(sd14.pixels.copy()))
    assert again.score == q.score and again.measures == q.measures and again.codes == q.codes


def test_good_print_scores_high_with_no_error(sd14) -> None:
    q = cb.assess_fingerprint(sd14)
    assert q.score > 60 and not q.hard_to_read
    assert all(np.isfinite(v) for v in q.measures.values())


def test_accepts_path_array_and_analysis(sample_data, sd14) -> None:
    path = sample_data / "fingerprints" / "nist_sd14_f0000001_rolled.png"
    by_path = cb.assess_fingerprint(path)
    by_analysis = cb.assess_fingerprint(cb.analyze_fingerprint(sd14))
    by_array = cb.assess_fingerprint(sd14.pixels)
    assert by_path.score == by_analysis.score == by_array.score


def test_local_quality_map(sd14) -> None:
    a = cb.analyze_fingerprint(sd14)
    q = cb.assess_fingerprint(a)
    assert q.local_quality.shape == a.block_shape and q.local_quality.dtype == np.float32
    assert np.all((q.local_quality >= 0) & (q.local_quality <= 1))
    assert np.all(q.local_quality[~a.block_mask] == 0)
    assert q.local_quality[a.block_mask].mean() > 0.4


def _degenerate() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    text = cv2.putText(np.full((300, 300), 255, np.uint8), "CCCD 0123", (5, 160), cv2.FONT_HERSHEY_SIMPLEX, 1.6,
                       0, 4)
    checker = (np.indices((300, 300)).sum(0) // 24 % 2 * 255).astype(np.uint8)
    return {
        "white": np.full((300, 300), 255, np.uint8),
        "black": np.zeros((300, 300), np.uint8),
        "grey": np.full((300, 300), 128, np.uint8),
        "uniform_noise": rng.integers(0, 256, (300, 300)).astype(np.uint8),
        "gaussian_noise": np.clip(rng.normal(128, 40, (300, 300)), 0, 255).astype(np.uint8),
        "smooth_noise": cv2.GaussianBlur(rng.integers(0, 256, (300, 300)).astype(np.uint8), (0, 0), 2.0),
        "gradient": np.tile(np.linspace(0, 255, 300), (300, 1)).astype(np.uint8),
        "text": text,
        "checkerboard": checker,
    }


@pytest.mark.parametrize("kind", list(_degenerate()))
def test_non_fingerprints_score_near_zero_with_no_finger(kind: str) -> None:
    q = cb.assess_fingerprint(cb.FingerImage(_degenerate()[kind]))
    assert q.score <= 2.0, (kind, q.score)
    assert "FINGER_NO_FINGER" in q.codes and q.hard_to_read
    assert all(np.isfinite(v) for v in q.measures.values())
    json.dumps(q.to_dict(include_map=True), allow_nan=False)


def test_portrait_is_not_a_fingerprint(sample_data) -> None:
    rgb = cv2.imread(str(sample_data / "portraits" / "nasa_astronaut_eileen_collins.jpg"))
    q = cb.assess_fingerprint(cb.FingerImage(cv2.cvtColor(rgb, cv2.COLOR_BGR2GRAY)))
    assert "FINGER_NO_FINGER" in q.codes and q.score <= 2.0


def test_every_finding_is_complete(sample_data, sd14) -> None:
    small = cv2.resize(sd14.pixels, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    q = cb.assess_fingerprint(cb.FingerImage(small))
    assert q.findings
    for f in q.findings:
        assert f.code in CODES
        assert f.message and f.action
        assert f.value is not None and f.threshold is not None
        assert isinstance(f.severity, Severity)
    assert [f.severity for f in q.findings] == sorted((f.severity for f in q.findings),
                                                      key=lambda s: s != Severity.ERROR)


@pytest.mark.parametrize("factor", [0.45, 1.6, 2.2])
def test_wrong_resolution_is_reported(sd14, factor: float) -> None:
    """A print resampled as if it had been declared at the wrong ppi (225, 800, 1100 ppi): ridges 5-23 px apart."""
    img = cv2.resize(sd14.pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else
                     cv2.INTER_CUBIC)
    q = cb.assess_fingerprint(cb.FingerImage(img))
    assert "FINGER_WRONG_RESOLUTION" in q.codes and q.hard_to_read


# ------------------------------------------------------------------------------------------ measures
@pytest.fixture(scope="module")
def clean_stripes() -> cb.Analysis:
    return cb.analyze_fingerprint(cb.FingerImage(stripes(50.0, 9.0, size=256)))


@pytest.fixture(scope="module")
def noisy_stripes() -> cb.Analysis:
    rng = np.random.default_rng(3)
    g = stripes(50.0, 9.0, size=256).astype(np.float32) + rng.normal(0, 60, (256, 256))
    return cb.analyze_fingerprint(cb.FingerImage(np.clip(g, 0, 255).astype(np.uint8)))


def test_measures_on_ideal_ridges(clean_stripes) -> None:
    m = fm.compute_measures(clean_stripes)
    assert set(fm.MEASURES) <= set(m)
    assert m["ocl"] > 0.9 and m["roi_coherence"] > 0.9
    assert m["lcs"] > 0.9
    assert m["fda"] > 0.35  # a sinusoid of 3.6 periods in the 32-sample window leaks into neighbouring bins
    assert m["ofl"] > 0.99
    # run lengths are whole samples: a 9 px period splits 4/5, so widths alternate 0.8 / 1.25
    assert m["rvu"] < 0.25 and m["ridge_width_imbalance"] < 0.25
    assert abs(m["ridge_period"] - 9.0) < 0.3
    assert abs(m["ridge_darkness"] - 0.5) < 0.05
    assert abs(m["mu"] - clean_stripes.image.pixels.mean()) < 1e-6
    assert abs(m["mmb"] - m["mu"]) < 2.0
    assert abs(m["roi_area"] - 256 * 256 * fm.MM2_PER_PX) < 1.0 and m["roi_fraction"] == 1.0
    assert m["center_offset"] < 0.01
    assert m["ridge_pattern"] > 0.95


@pytest.mark.parametrize("name,direction", [
    ("ocl", -1), ("lcs", -1), ("fda", -1), ("roi_coherence", -1), ("clear_area", -1),
    ("ridge_noise", +1), ("sharpness", +1),
])
def test_each_measure_reacts_to_noise(clean_stripes, noisy_stripes, name: str, direction: int) -> None:
    clean, noisy = fm.MEASURES[name](clean_stripes), fm.MEASURES[name](noisy_stripes)
    assert np.sign(noisy - clean) == direction, (name, clean, noisy)


@pytest.mark.parametrize("name", ["ofl", "ridge_pattern", "ocl", "lcs"])
def test_ridge_measures_separate_ridges_from_noise(clean_stripes, name: str) -> None:
    rng = np.random.default_rng(5)
    noise = cb.analyze_fingerprint(cb.FingerImage(rng.integers(0, 256, (256, 256)).astype(np.uint8)))
    assert fm.MEASURES[name](clean_stripes) > fm.MEASURES[name](noise) + 0.05


def test_sharpness_falls_with_blur() -> None:
    # square-profile ridges, like real ones: blur removes their edges (a sinusoid has none to lose)
    rng = np.random.default_rng(4)
    square = np.where(stripes(50.0, 9.0) > 128, 220.0, 40.0)
    g = np.clip(square + rng.normal(0, 8, (256, 256)), 0, 255).astype(np.uint8)
    sharp = fm.sharpness(cb.analyze_fingerprint(cb.FingerImage(g)))
    blurred = fm.sharpness(cb.analyze_fingerprint(cb.FingerImage(cv2.GaussianBlur(g, (0, 0), 2.0))))
    assert blurred < 0.5 * sharp


def test_center_offset_and_area_follow_the_finger(sd14) -> None:
    h, w = sd14.shape
    canvas = np.full((h, 2 * w), 255, np.uint8)
    canvas[:, w:] = sd14.pixels
    a = cb.analyze_fingerprint(cb.FingerImage(canvas))
    assert fm.center_offset(a) > 0.25
    assert fm.roi_area(a) == pytest.approx(fm.roi_area(cb.analyze_fingerprint(sd14)), rel=0.1)


# ------------------------------------------------------------------------------------------ model table
def test_model_table_is_readable_and_consistent() -> None:
    model = quality_model()
    assert 3 <= len(model["features"]) <= 12
    for f in model["features"]:
        assert f["name"] in fm.MEASURES
        assert f["transform"] in ("identity", "log") and f["scale"] > 0
    measures = {f["name"]: (np.exp(f["mean"]) if f["transform"] == "log" else f["mean"]) for f in model["features"]}
    mid = model_score(measures)
    assert 100 / (1 + np.exp(-(model["slope"] * model["intercept"] + model["offset"]))) == pytest.approx(mid)


def test_gates_are_within_unit_interval(sd14) -> None:
    m = fm.compute_measures(cb.analyze_fingerprint(sd14))
    assert gate_factor(m) == 1.0
    assert gate_factor({**m, "ridge_contrast": 0.0}) == 0.0
    assert 0.0 < gate_factor({**m, "sharpness": 0.2}) < 1.0


def test_thresholds_are_named_numbers() -> None:
    assert all(isinstance(v, float) for v in THRESHOLDS.values())


def test_dark_flat_area_marks_wet_and_smudged_prints(sample_data, sd14) -> None:
    """Merged ridges and filled valleys (independent degradations, synthetic smudge) raise FINGER_TOO_WET;
    a clean print and a lightened (dry) or flattened one have few dark, flat blocks, and on a blurred print the
    blur, not wetness, explains them."""
    from cccd_biometrics.fingerprint.synthetic import degrade

    clean = cb.assess_fingerprint(sd14)
    assert clean.measures["dark_flat_area"] < 0.1
    for wet in (degrade.wet(sd14, 0.75), degrade.smudge(sd14, 0.75)):
        q = cb.assess_fingerprint(cb.FingerImage(wet))
        assert q.measures["dark_flat_area"] > THRESHOLDS["wet_dark_flat_area"]
        assert "FINGER_TOO_WET" in q.codes
    smudged = cb.load_fingerprint(sample_data / "fingerprints" / "synthetic" / "smudged_2029_1.png")
    assert "FINGER_TOO_WET" in cb.assess_fingerprint(smudged).codes
    for other in (degrade.dry(sd14, 0.75), degrade.reduce_contrast(sd14, 1.0)):
        assert cb.assess_fingerprint(cb.FingerImage(other)).measures["dark_flat_area"] < 0.1
    blurred = cb.assess_fingerprint(cb.FingerImage(degrade.blur(sd14, 1.0)))
    assert "FINGER_BLURRED" in blurred.codes
    assert all(f.threshold != THRESHOLDS["wet_dark_flat_area"] for f in blurred.findings)


def _blotched(pixels: np.ndarray, share: float) -> np.ndarray:
    """A blurred-noise ellipse at the print's grey level over ``share`` of the image centre: obliterated skin."""
    h, w = pixels.shape
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.normal(0, 1, pixels.shape).astype(np.float32), (0, 0), 6)
    fill = np.clip(pixels.mean() + noise / noise.std() * pixels.std() * 0.7, 0, 255)
    blob = np.zeros(pixels.shape, np.float32)
    r = np.sqrt(share * h * w / np.pi)
    cv2.circle(blob, (w // 2, h // 2), int(r), 1.0, -1)
    return (pixels * (1 - blob) + fill * blob).astype(np.uint8)


def test_a_ridgeless_patch_inside_the_finger_is_low_clarity(sample_data):
    # the score hardly moves (75 -> 71 on this print): a patch of obliterated skin needs its own check
    good = cb.load_fingerprint(sample_data / "fingerprints" / "synthetic" / "good_2026_1.png")
    clean = cb.assess_fingerprint(good)
    assert clean.measures["ridgeless_patch"] < 0.05 and not clean.hard_to_read
    small = cb.assess_fingerprint(cb.FingerImage(pixels=_blotched(good.pixels, 0.05)))
    assert small.measures["ridgeless_patch"] < 0.15 and not small.hard_to_read
    damaged = cb.assess_fingerprint(cb.FingerImage(pixels=_blotched(good.pixels, 0.12)))
    assert damaged.hard_to_read and damaged.codes == ("FINGER_LOW_CLARITY",)
    finding = damaged.findings[0]
    assert "shows no ridges" in finding.message and finding.threshold == 0.15
    assert finding.value == pytest.approx(damaged.measures["ridgeless_patch"], abs=1e-3) and finding.value > 0.15


# ------------------------------------------------------------------------------------------ ridge breaks
def _dotted(theta_deg: float, gap_every: int) -> np.ndarray:
    """Ridges of :func:`stripes` lightened to paper level across a 4 px band every ``gap_every`` px along them."""
    g = stripes(theta_deg, 9.0, size=256).astype(np.float64)
    yy, xx = np.mgrid[0:256, 0:256]
    t = np.deg2rad(theta_deg)
    along = np.cos(t) * xx - np.sin(t) * yy  # distance along the ridges
    gap = np.mod(along, gap_every) < 4
    g[gap] = np.maximum(g[gap], 200)
    return g.astype(np.uint8)


@pytest.mark.parametrize("theta", [0.0, 50.0, 90.0])
def test_ridge_breaks_rise_as_ridges_break_up(theta: float) -> None:
    clean = fm.ridge_breaks(cb.analyze_fingerprint(cb.FingerImage(stripes(theta, 9.0, size=256))))
    sparse = fm.ridge_breaks(cb.analyze_fingerprint(cb.FingerImage(_dotted(theta, 24))))
    dense = fm.ridge_breaks(cb.analyze_fingerprint(cb.FingerImage(_dotted(theta, 12))))
    assert clean < 0.05 < sparse < dense, (clean, sparse, dense)


def test_ridge_breaks_ignore_filled_valleys(clean_stripes) -> None:
    # a wet print: valleys darkened to the ridges' level in bands; the ridges themselves stay whole
    g = stripes(50.0, 9.0, size=256).astype(np.float64)
    yy, xx = np.mgrid[0:256, 0:256]
    band = np.mod(np.cos(np.deg2rad(50.0)) * xx - np.sin(np.deg2rad(50.0)) * yy, 24) < 8
    g[band] = np.minimum(g[band], 60)
    wet = cb.analyze_fingerprint(cb.FingerImage(g.astype(np.uint8)))
    assert fm.ridge_breaks(wet) < 0.05
    assert fm.local_clarity(wet) < fm.local_clarity(clean_stripes) - 0.05  # LCS does count them


def test_ridge_breaks_without_ridges() -> None:
    blank = cb.analyze_fingerprint(cb.FingerImage(np.full((256, 256), 200, np.uint8)))
    assert fm.ridge_breaks(blank) == 0.5
    noise = cb.FingerImage(np.random.default_rng(5).integers(0, 256, (256, 256)).astype(np.uint8))
    assert 0.25 < fm.ridge_breaks(cb.analyze_fingerprint(noise)) < 0.5


def test_extra_measures_are_named_units_outside_the_shipped_set() -> None:
    assert set(fm.EXTRA_MEASURES).isdisjoint(fm.MEASURES)
    model_names = {f["name"] for f in quality_model()["features"]}
    assert model_names <= set(fm.MEASURES)
