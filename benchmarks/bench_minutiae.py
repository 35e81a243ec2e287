"""Speed of minutiae extraction (issue 4 target 3) on a 388x374 FVC2002 DB1 image, warm, single-threaded.

    pytest benchmarks/bench_minutiae.py --benchmark-only

Targets: median ``extract_minutiae`` <= 10 ms; assess + extract on one shared Analysis <= 12 ms. The stage
benchmarks (analysis fields, enhancement, thinning, detection) say where the time goes. Each round starts from a
fresh Analysis of an already loaded image, so nothing cached is reused between rounds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.fields import enhance
from cccd_biometrics.fingerprint.minutiae.extract import minutiae_from_analysis

# ../shared/data beside the project (a CI clone) or beside a folder of worktrees (/work/wt/X -> /work/shared)
_ROOT = Path(__file__).resolve().parents[1]
_DATA = next((p / "shared" / "data" for p in _ROOT.parents if (p / "shared" / "data").is_dir()),
             _ROOT.parent / "shared" / "data")
IMAGE = _DATA / "fvc2002_b" / "DB1_B" / "101_1.tif"


@pytest.fixture(scope="module")
def image():
    if not IMAGE.is_file():
        pytest.skip("../shared/data is not available")
    img = cb.load_fingerprint(IMAGE, ppi=500)
    assert img.shape == (374, 388)
    cb.extract_minutiae(img)  # JIT warm-up
    return img


def _fields(img):
    a = cb.analyze_fingerprint(img)
    a.mask, a.orientation, a.ridge_period, a.coherence  # noqa: B018 - computing the cached products
    return a


def test_extract_minutiae(benchmark, image):
    # extraction alone (target <= 10 ms): the image quality score is the assess target's, measured below
    t = benchmark(cb.extract_minutiae, image, with_quality=False)
    assert 10 <= len(t) <= 80


def test_extract_minutiae_with_quality_score(benchmark, image):
    # the default call also fills Template.quality, i.e. assess + extract on one Analysis (target <= 12 ms)
    t = benchmark(cb.extract_minutiae, image)
    assert t.quality is not None


def test_assess_and_extract(benchmark, image):
    try:
        from cccd_biometrics.fingerprint.quality.score import assess_fingerprint
    except ImportError:
        pytest.skip("quality module not merged yet")

    def both():
        a = cb.analyze_fingerprint(image)
        return assess_fingerprint(a), cb.extract_minutiae(a, with_quality=False)

    benchmark(both)


def test_stage_analysis_fields(benchmark, image):
    benchmark(_fields, image)


def test_stage_enhance(benchmark, image):
    a = _fields(image)
    benchmark(enhance.enhance, a.gray, a.orientation, a.ridge_period, a.mask, a.block_size)


def test_stage_binarize_and_thin(benchmark, image):
    a = _fields(image)
    benchmark(lambda: enhance.skeletonize(enhance.binarize(a.enhanced, a.mask)))


def test_stage_detect_and_filter(benchmark, image):
    a = _fields(image)
    a.skeleton  # noqa: B018
    benchmark(minutiae_from_analysis, a)
