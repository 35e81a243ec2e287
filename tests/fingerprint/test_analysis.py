"""Analysis: lazy, cached, thread-safe intermediate products (orientation, coherence, mask, ridge period)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.analysis import Analysis
from tests.helpers.images import stripes


def angle_error_deg(a: np.ndarray, b_deg: float) -> np.ndarray:
    d = np.abs(np.rad2deg(a) - b_deg) % 180.0
    return np.minimum(d, 180.0 - d)


@pytest.mark.parametrize("theta", [0.0, 30.0, 45.0, 90.0, 120.0, 165.0])
def test_orientation_follows_screen_convention(theta: float) -> None:
    a = cb.analyze_fingerprint(cb.FingerImage(stripes(theta, 9.0)))
    assert a.orientation.dtype == np.float32
    assert np.all((a.orientation >= 0) & (a.orientation < np.pi))
    assert np.median(angle_error_deg(a.orientation, theta)) < 2.0
    assert float(angle_error_deg(np.asarray(a.orientation_at(128.0, 100.0)), theta)) < 2.0
    assert np.median(a.coherence) > 0.9


@pytest.mark.parametrize("period", [6.0, 9.0, 13.0])
def test_ridge_period_matches_synthetic_spacing(period: float) -> None:
    a = cb.analyze_fingerprint(cb.FingerImage(stripes(60.0, period)))
    assert a.block_mask.all()
    assert abs(float(np.nanmedian(a.ridge_period)) - period) < 0.05 * period
    assert np.allclose(a.frequency, 1.0 / a.ridge_period, equal_nan=True)


def test_orientation_at_accepts_arrays_and_matches_blocks() -> None:
    a = cb.analyze_fingerprint(cb.FingerImage(stripes(70.0, 9.0)))
    ys = np.array([7.5, 23.5, 100.0])
    xs = np.array([7.5, 39.5, 200.0])
    out = a.orientation_at(ys, xs)
    assert out.shape == (3,)
    assert np.isclose(out[0], a.orientation[0, 0], atol=1e-5)
    assert np.isclose(out[1], a.orientation[1, 2], atol=1e-5)


def test_products_are_cached_read_only_and_shaped(sample_data) -> None:
    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    a = cb.analyze_fingerprint(img)
    by, bx = a.block_shape
    assert a.block_mask.shape == a.orientation.shape == a.coherence.shape == a.ridge_period.shape == (by, bx)
    assert a.mask.shape == img.shape and a.mask.dtype == bool
    assert a.orientation is a.orientation
    with pytest.raises(ValueError):
        a.orientation[0, 0] = 1.0
    assert np.all(np.isnan(a.ridge_period[~a.block_mask]))
    assert np.all(np.isfinite(a.ridge_period[a.block_mask]))
    # this SD4 print has wide ridges (about 13 px): agree with the image-wide spectral estimate
    from cccd_biometrics.fingerprint.capture import estimate_ridge_period

    global_period = estimate_ridge_period(img.pixels)
    assert abs(float(np.nanmedian(a.ridge_period)) - global_period) < 0.1 * global_period
    assert 0.3 < a.mask.mean() <= 1.0
    assert np.all((a.coherence >= 0) & (a.coherence <= 1))


def test_analyze_accepts_a_path_and_rejects_garbage(sample_data) -> None:
    a = cb.analyze_fingerprint(sample_data / "fingerprints" / "nist_sd4_f0001_01.png")
    assert isinstance(a, Analysis)
    with pytest.raises(cb.errors.InvalidImageError):
        Analysis(np.zeros((100, 100), np.uint8))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["blank", "black", "noise"])
def test_degenerate_images_do_not_raise(kind: str) -> None:
    rng = np.random.default_rng(0)
    pixels = {
        "blank": np.full((200, 180), 255, np.uint8),
        "black": np.zeros((200, 180), np.uint8),
        "noise": rng.integers(0, 256, (200, 180), dtype=np.uint8),
    }[kind]
    a = cb.analyze_fingerprint(cb.FingerImage(pixels))
    assert a.orientation.shape == a.block_shape
    assert np.all(np.isfinite(a.orientation)) and np.all(np.isfinite(a.coherence))
    if kind != "noise":
        assert not a.block_mask.any()
        assert np.all(np.isnan(a.ridge_period))
    else:
        assert float(np.median(a.coherence)) < 0.5


def test_shared_analysis_is_thread_safe(sample_data) -> None:
    img = cb.load_fingerprint(sample_data / "fingerprints" / "nist_sd14_f0000001_rolled.png")
    reference = cb.analyze_fingerprint(img).ridge_period.copy()
    shared = cb.analyze_fingerprint(img)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: shared.ridge_period, range(8)))
    assert all(r is results[0] for r in results)
    np.testing.assert_array_equal(results[0], reference)


@pytest.mark.dataset
def test_fvc_mask_and_period_are_plausible(shared_data) -> None:
    for db in ("fvc2000_b/DB2_B", "fvc2002_b/DB1_B", "fvc2002_b/DB3_B"):
        a = cb.analyze_fingerprint(cb.load_fingerprint(shared_data / db / "102_3.tif"))
        assert 0.2 < a.mask.mean() < 1.0, db
        assert 6.5 < float(np.nanmedian(a.ridge_period)) < 12.5, db
