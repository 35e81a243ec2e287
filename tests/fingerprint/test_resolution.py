"""The ridge-period resolution estimator: accurate on gratings, consistent across scales, deterministic."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cccd_biometrics.fingerprint.capture import (
    REFERENCE_PERIOD_PX,
    SNAP_RANGE,
    estimate_ppi,
    estimate_ridge_period,
)
from tests.helpers.images import fingerprint


def grating(period: float, angle_deg: float, size: int = 300) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    theta = np.deg2rad(angle_deg)
    phase = 2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period
    return (128 + 100 * np.cos(phase)).astype(np.uint8)


@pytest.mark.parametrize("period", [2.8, 3.1, 5.0, 8.9, 12.0, 18.0])
@pytest.mark.parametrize("angle", [0, 30, 45, 90, 160])
def test_grating_period_is_measured_within_3_percent(period, angle):
    assert estimate_ridge_period(grating(period, angle)) == pytest.approx(period, rel=0.03)


def test_small_images_use_small_tiles():
    g = grating(3.1, 20, size=96)  # a SOCOFing-sized image
    assert estimate_ridge_period(g) == pytest.approx(3.1, rel=0.03)


def test_ppi_mapping_and_snapping():
    assert estimate_ppi(grating(REFERENCE_PERIOD_PX, 10)) == 500.0  # in the snap range
    assert estimate_ppi(grating(REFERENCE_PERIOD_PX * 1.1, 10)) == 500.0
    raw = estimate_ppi(grating(REFERENCE_PERIOD_PX * 1.1, 10), snap=False)
    assert raw == pytest.approx(550, abs=15)
    assert estimate_ppi(grating(REFERENCE_PERIOD_PX * 0.34, 10)) == pytest.approx(170, abs=10)
    assert estimate_ppi(grating(REFERENCE_PERIOD_PX * 2.0, 10)) == pytest.approx(1000, abs=30)
    assert SNAP_RANGE[0] < 500 < SNAP_RANGE[1]


def test_no_ridge_pattern_gives_none():
    assert estimate_ridge_period(np.full((200, 200), 128, np.uint8)) is None  # blank
    assert estimate_ridge_period(np.zeros((20, 20), np.uint8)) is None  # smaller than a tile
    with pytest.raises(ValueError):
        estimate_ridge_period(np.zeros((10, 10, 3), np.uint8))


def test_scale_consistency_on_a_real_print():
    fp = fingerprint(400)
    p500 = estimate_ridge_period(fp)
    assert p500 is not None
    for scale in (0.34, 0.5, 0.7, 1.4, 2.0):
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        scaled = cv2.resize(fp, None, fx=scale, fy=scale, interpolation=interp)
        assert estimate_ridge_period(scaled) == pytest.approx(p500 * scale, rel=0.10), scale


def test_deterministic_and_layout_independent():
    fp = fingerprint(300)
    first = estimate_ridge_period(fp)
    assert all(estimate_ridge_period(fp) == first for _ in range(3))
    assert estimate_ridge_period(np.asfortranarray(fp)) == first
    assert estimate_ridge_period(fp.astype(np.float64)) == pytest.approx(first, rel=1e-6)
    assert estimate_ridge_period(255 - fp) == pytest.approx(first, rel=1e-6)  # ridge polarity does not matter


@pytest.mark.dataset
def test_fvc_downscaled_to_170_ppi_reads_about_170(shared_data):
    files = sorted((shared_data / "fvc2002_b" / "DB1_B").glob("*.tif"))[::4]
    ratios = []
    for f in files:
        g = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
        full = estimate_ppi(g, snap=False)
        small = estimate_ppi(cv2.resize(g, None, fx=0.34, fy=0.34, interpolation=cv2.INTER_AREA), snap=False)
        ratios.append(small / full)
    assert len(ratios) == 20
    assert np.median(ratios) == pytest.approx(0.34, rel=0.06)
