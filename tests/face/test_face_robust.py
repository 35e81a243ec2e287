"""Issue 15 on real captures: no compression false alarm at full resolution, blocky JPEG still caught,
blur judged at the face's scale whatever the capture size. Uses ../shared/data/faces_dev (skipped without)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cccd_biometrics.face.capture import load_portrait
from cccd_biometrics.face.icao import check_portrait

# a few subjects of each fold; the full sets are measured by benchmarks/face_robustness.py
NAMES = ("002_03", "013_03", "024_03", "037_03", "064_03", "099_03")


def _jpeg(rgb: np.ndarray, q: int) -> np.ndarray:
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def captures(shared_data):
    folder = shared_data / "faces_dev" / "neutral"
    if not folder.is_dir():
        pytest.skip("faces_dev is not available")
    return [(n, load_portrait(folder / f"{n}.jpg").pixels) for n in NAMES]


def test_quality_100_captures_show_no_compression_artefacts(captures):
    for name, rgb in captures:
        assert "FACE_COMPRESSION_ARTIFACTS" not in check_portrait(rgb).codes, name


def test_blocky_recompression_is_caught_at_every_size(captures):
    for name, rgb in captures:
        for size in (1350, 640, 480):
            img = rgb if size == rgb.shape[0] else cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
            codes = check_portrait(_jpeg(img, 15)).codes
            assert "FACE_COMPRESSION_ARTIFACTS" in codes, (name, size)


def test_blur_is_relative_to_the_face(captures):
    from cccd_biometrics.face.icao import locate_face

    for name, rgb in captures:
        geo, _ = locate_face(rgb)
        ied = geo.inter_eye_distance
        for size in (1350, 640):
            k = size / rgb.shape[0]
            img = rgb if k == 1 else cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
            sharp = check_portrait(img).codes
            blurred = check_portrait(cv2.GaussianBlur(img, (0, 0), 0.035 * ied * k)).codes
            assert "FACE_BLURRED" not in sharp, (name, size)
            assert "FACE_BLURRED" in blurred, (name, size)
