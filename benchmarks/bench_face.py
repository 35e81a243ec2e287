"""Speed of check_portrait (issue 6 target: median <= 50 ms at 640x480, <= 80 ms at 1200x1600, warm).

    python -m pytest benchmarks/bench_face.py --benchmark-only

Inputs are the shipped compliant portrait resized into each frame size (border replicated), so the face
occupies a realistic share of the image. The first call (model loading) happens before timing.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from cccd_biometrics.face.capture import load_portrait
from cccd_biometrics.face.crop import crop_token_portrait
from cccd_biometrics.face.icao import check_portrait

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "portraits" / "frl_london_002_neutral.jpg"


def _fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    k = height / rgb.shape[0]
    scaled = cv2.resize(rgb, (round(rgb.shape[1] * k), height), interpolation=cv2.INTER_CUBIC if k > 1 else
                        cv2.INTER_AREA)
    pad = width - scaled.shape[1]
    if pad <= 0:
        x0 = -pad // 2
        return np.ascontiguousarray(scaled[:, x0 : x0 + width])
    return cv2.copyMakeBorder(scaled, 0, 0, pad // 2, pad - pad // 2, cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return load_portrait(SAMPLE).pixels


@pytest.mark.parametrize(("width", "height"), [(640, 480), (480, 640), (1200, 1600)])
def test_check_portrait(benchmark, portrait, width, height):
    img = _fit(portrait, width, height)
    assert check_portrait(img).geometry is not None  # warm: nets loaded, caches filled
    report = benchmark(check_portrait, img)
    assert report.geometry is not None


def test_crop_token_portrait(benchmark, portrait):
    img = _fit(portrait, 1200, 1600)
    crop_token_portrait(img)
    benchmark(crop_token_portrait, img)


def test_no_face(benchmark):
    img = np.full((1600, 1200, 3), 200, np.uint8)
    assert check_portrait(img).codes == ("FACE_NOT_FOUND",)
    benchmark(check_portrait, img)
