"""Degradation helpers: identity at strength 0, determinism, typed errors, and the direction of each effect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cccd_biometrics.errors import InvalidImageError
from cccd_biometrics.fingerprint.synthetic import degrade
from cccd_biometrics.images import FingerImage

STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)


@pytest.fixture(scope="module")
def print_like() -> np.ndarray:
    """Concentric ridges (9 px period) in an elliptic finger on a white platen."""
    h, w = 300, 260
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot((xx - 130) / 1.0, (yy - 170) / 1.2)
    ridges = 0.5 + 0.5 * np.cos(2 * np.pi * r / 9.0)
    inside = ((xx - 130) / 110) ** 2 + ((yy - 150) / 135) ** 2 <= 1
    img = np.where(inside, 255 - 215 * ridges, 250)
    return np.clip(img, 0, 255).astype(np.uint8)


FUNCS_WITH_SEED = [degrade.dry, degrade.wet, degrade.smudge, degrade.add_noise, degrade.crop, degrade.shift]
FUNCS_NO_SEED = [degrade.blur, degrade.reduce_contrast]


@pytest.mark.parametrize("func", FUNCS_WITH_SEED + FUNCS_NO_SEED)
def test_zero_strength_is_identity_and_input_untouched(func, print_like):
    before = print_like.copy()
    out = func(print_like, 0.0)
    assert out.dtype == np.uint8 and out.shape == print_like.shape
    assert np.array_equal(out, print_like)
    out = func(print_like, 0.7)
    assert np.array_equal(print_like, before)
    assert not np.array_equal(out, print_like)


@pytest.mark.parametrize("func", FUNCS_WITH_SEED)
def test_deterministic_for_a_seed(func, print_like):
    a = func(print_like, 0.6, seed=3)
    b = func(print_like, 0.6, seed=3)
    c = func(print_like, 0.6, seed=4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_accepts_finger_image(print_like):
    out = degrade.blur(FingerImage(print_like.copy()), 0.5)
    assert out.shape == print_like.shape


@pytest.mark.parametrize("bad", [np.zeros((50, 50), np.float32), np.zeros((50, 50, 3), np.uint8),
                                 np.zeros((4, 50), np.uint8), [[1, 2], [3, 4]]])
def test_bad_image_is_typed_error(bad):
    with pytest.raises(InvalidImageError):
        degrade.dry(bad, 0.5)


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan")])
def test_bad_strength(print_like, strength):
    with pytest.raises(ValueError):
        degrade.wet(print_like, strength)


def _finger(print_like):
    return print_like < 250


def _monotone(values, increasing=True):
    diffs = np.diff(values)
    return bool(np.all(diffs > 0)) if increasing else bool(np.all(diffs < 0))


def test_dry_lightens_the_finger(print_like):
    means = [degrade.dry(print_like, s, seed=1)[_finger(print_like)].mean() for s in STRENGTHS]
    assert _monotone(means, increasing=True)


def test_wet_darkens_the_finger_but_not_the_platen(print_like):
    outs = [degrade.wet(print_like, s, seed=1) for s in STRENGTHS]
    means = [o[_finger(print_like)].mean() for o in outs]
    assert _monotone(means, increasing=False)
    corner = outs[-1][:20, :20]
    assert corner.mean() > 240


def test_blur_and_smudge_remove_ridge_detail(print_like):
    def detail(img):
        return float(np.abs(cv2.Laplacian(img.astype(np.float32), cv2.CV_32F)).mean())

    assert _monotone([detail(degrade.blur(print_like, s)) for s in STRENGTHS], increasing=False)
    assert detail(degrade.smudge(print_like, 1.0, seed=2)) < 0.6 * detail(print_like)


def test_noise_and_contrast(print_like):
    noise = [float((degrade.add_noise(print_like, s).astype(float) - print_like).std()) for s in STRENGTHS]
    assert _monotone(noise, increasing=True)
    assert noise[-1] == pytest.approx(60, rel=0.25)  # clipping at 0/255 removes part of it
    spread = [float(degrade.reduce_contrast(print_like, s).std()) for s in STRENGTHS]
    assert _monotone(spread, increasing=False)
    assert spread[-1] == pytest.approx(0.1 * spread[0], rel=0.1)


def test_crop_removes_the_requested_share_of_ridges(print_like):
    dark = (print_like < 128).sum()
    for s in (0.25, 0.5, 0.75):
        left = (degrade.crop(print_like, s, seed=5) < 128).sum() / dark
        assert left == pytest.approx(1 - 0.85 * s, abs=0.06)


def test_shift_moves_the_print(print_like):
    def centroid(img):
        ys, xs = np.nonzero(img < 128)
        return np.array([xs.mean(), ys.mean()])

    # 0.1 * 260 / 2 = 13 px to the east (angle 0), nothing leaves the image
    moved = centroid(degrade.shift(print_like, 0.1, angle=0.0)) - centroid(print_like)
    assert moved == pytest.approx([13.0, 0.0], abs=1.0)
    # angle 90 is "up" in the image (y decreases)
    moved = centroid(degrade.shift(print_like, 0.1, angle=90.0)) - centroid(print_like)
    assert moved == pytest.approx([0.0, -13.0], abs=1.0)


def test_degrade_combines_in_order(print_like):
    combined = degrade.degrade(print_like, dryness=0.5, blurring=0.3, seed=9)
    assert np.array_equal(combined, degrade.degrade(print_like, dryness=0.5, blurring=0.3, seed=9))
    assert np.array_equal(degrade.degrade(print_like), print_like)
    assert np.array_equal(degrade.degrade(print_like, blurring=0.4), degrade.blur(print_like, 0.4))
    with pytest.raises(ValueError):
        degrade.degrade(print_like, noise=2.0)
