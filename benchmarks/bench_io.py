"""Load time per format for a ~400x400 fingerprint, and the ridge-period resolution estimator.

``load_fingerprint(path, ppi=500)`` isolates reading, decoding and grey conversion; the ``default`` case adds
the resolution decision a caller gets without ``ppi=`` (metadata, else the estimator).
"""

from __future__ import annotations

import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.capture import estimate_ppi

FORMATS = ["PNG", "BMP", "TIFF", "JPEG", "JPEG2000", "WSQ"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_load_fingerprint(benchmark, fingerprint_files, fmt):
    path = fingerprint_files[fmt]
    img = benchmark(cb.load_fingerprint, path, ppi=500)
    assert img.shape == (400, 400)


def test_load_fingerprint_png_default_ppi(benchmark, fingerprint_files):
    img = benchmark(cb.load_fingerprint, fingerprint_files["PNG"])
    assert img.ppi_source == "metadata"


def test_load_fingerprint_array_with_estimation(benchmark, fingerprint_400):
    img = benchmark(cb.load_fingerprint, fingerprint_400)
    assert img.ppi_source == "estimated"


def test_estimate_ppi_400x400(benchmark, fingerprint_400):
    assert benchmark(estimate_ppi, fingerprint_400) is not None


def test_estimate_ppi_96x103(benchmark, fingerprint_400):
    import cv2

    small = cv2.resize(fingerprint_400, (96, 103), interpolation=cv2.INTER_AREA)
    assert benchmark(estimate_ppi, small) is not None
