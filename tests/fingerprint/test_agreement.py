"""align_templates (the comparison's fitted transform) and ridge_agreement (ridge images under it)."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.agreement import MIN_BLOCKS, ridge_agreement
from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
from cccd_biometrics.fingerprint.match import align_templates, compare_templates
from cccd_biometrics.fingerprint.match.align import Alignment

SYN = Path(__file__).resolve().parents[2] / "sample_data" / "fingerprints" / "synthetic"


def _rotated(pixels: np.ndarray, degrees: float, shift: tuple[float, float] = (0.0, 0.0)) -> tuple[np.ndarray,
                                                                                                   np.ndarray]:
    """The image turned counter-clockwise on screen by ``degrees`` about its centre and shifted, and the 2x3
    matrix taking its (column, row) points to the turned image's."""
    h, w = pixels.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    m[:, 2] += shift
    return cv2.warpAffine(pixels, m, (w, h), borderValue=255), m


@pytest.fixture(scope="module")
def prints():
    out = {}
    for name in ("good_2026_1", "good_2031_1"):
        img = cb.load_fingerprint(SYN / f"{name}.png", ppi=500)
        a = analyze_fingerprint(img)
        out[name] = (a, cb.extract_minutiae(a, with_quality=False))
    turned, m = _rotated(out["good_2026_1"][0].image.pixels, 15.0, (6.0, -4.0))
    a = analyze_fingerprint(cb.load_fingerprint(turned, ppi=500))
    out["turned"] = (a, cb.extract_minutiae(a, with_quality=False))
    out["matrix"] = m
    return out


def test_alignment_score_is_the_comparators(prints):
    names = ("good_2026_1", "good_2031_1", "turned")
    for x in names:
        for y in names:
            al = align_templates(prints[x][1], prints[y][1])
            assert al.score == compare_templates(prints[x][1], prints[y][1])


def test_alignment_recovers_a_known_rotation_both_ways(prints):
    a, t = prints["good_2026_1"]
    al = align_templates(t, prints["turned"][1])
    assert al.matrix is not None and al.mates > 10
    assert math.degrees(al.rotation) == pytest.approx(15.0, abs=2.0)
    # the fitted matrix moves the capture's foreground points where the true one does (within a few pixels)
    ys, xs = np.nonzero(a.mask[::16, ::16])
    pts = np.stack([xs * 16.0, ys * 16.0], axis=1)
    truth = pts @ prints["matrix"][:, :2].T + prints["matrix"][:, 2]
    fitted = pts @ al.matrix[:, :2].T + al.matrix[:, 2]
    assert float(np.median(np.hypot(*(truth - fitted).T))) < 4.0
    back = align_templates(prints["turned"][1], t)  # the other order: the inverse transform
    assert math.degrees(back.rotation) == pytest.approx(-math.degrees(al.rotation), abs=1e-6)
    np.testing.assert_allclose(back.matrix[:, :2] @ al.matrix[:, :2], np.eye(2), atol=1e-9)


def test_ridges_agree_for_one_finger_and_not_for_two(prints):
    a, t = prints["good_2026_1"]
    same = ridge_agreement(a, prints["turned"][0], align_templates(t, prints["turned"][1]))
    other = ridge_agreement(a, prints["good_2031_1"][0], align_templates(t, prints["good_2031_1"][1]))
    assert same is not None and same.blocks >= 2 * MIN_BLOCKS
    assert same.correlation > 0.7
    assert other is None or other.correlation < same.correlation - 0.2
    # symmetric up to the two directions' order
    again = ridge_agreement(prints["turned"][0], a, align_templates(prints["turned"][1], t))
    assert again is not None and again.correlation == pytest.approx(same.correlation, abs=1e-6)


def test_no_transform_no_evidence(prints):
    a = prints["good_2026_1"][0]
    assert ridge_agreement(a, a, Alignment(0.0, None, 0.0, 0)) is None
    far = Alignment(0.1, np.array([[1.0, 0.0, 5000.0], [0.0, 1.0, 0.0]]), 0.0, 5)  # no common area
    assert ridge_agreement(a, a, far) is None
