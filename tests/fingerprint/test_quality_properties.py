"""Property tests: degrading clean prints raises the matching finding and lowers the score monotonically.

Clean prints: the public-domain NIST prints of ``sample_data/`` plus, when ``../shared/data`` is present,
FVC prints that the assessment itself finds clean (score > 60, no finding, balanced ridge/valley widths),
spread over four sensors.
Degradations live in ``tests/degradations.py``; strengths 0, 0.25, 0.5, 0.75, 1.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from benchmarks.degradations import DEGRADATIONS, FVC_CANDIDATES, STRENGTHS, is_clean

import cccd_biometrics as cb

STRONG = (0.75, 1.0)
"""Strengths at which the matching finding must be raised."""

SCORE_TOLERANCE = 1.0
"""Score points a stronger degradation may exceed a weaker one by (measurement noise of uint8 images)."""


def _clean_prints(sample_data, shared_data_or_none) -> list[np.ndarray]:
    paths = [sample_data / "fingerprints" / name
             for name in ("nist_sd4_f0001_01.png", "nist_sd14_f0000001_rolled.png")]
    if shared_data_or_none is not None:
        paths += [shared_data_or_none / f"{stem}.tif" for stem in FVC_CANDIDATES]
    images = [cb.load_fingerprint(p) for p in paths]
    return [img.pixels for img in images if is_clean(cb.assess_fingerprint(img))]


@pytest.fixture(scope="module")
def clean_prints(sample_data, request) -> list[np.ndarray]:
    from tests.conftest import SHARED_DATA

    prints = _clean_prints(sample_data, SHARED_DATA if SHARED_DATA.is_dir() else None)
    assert prints, "no clean print to degrade"
    return prints


@pytest.fixture(scope="module")
def degraded(clean_prints) -> dict[str, list[list[cb.FingerprintQuality]]]:
    """code -> per clean print, the assessments at every strength."""
    return {
        code: [[cb.assess_fingerprint(cb.FingerImage(fn(p, s, seed=i))) for s in STRENGTHS]
               for i, p in enumerate(clean_prints)]
        for code, fn in DEGRADATIONS.items()
    }


@pytest.mark.parametrize("code", list(DEGRADATIONS))
def test_matching_finding_fires(degraded, code: str) -> None:
    cases = [q for series in degraded[code] for s, q in zip(STRENGTHS, series, strict=True) if s in STRONG]
    hits = sum(code in q.codes for q in cases)
    assert hits / len(cases) >= 0.8, f"{code}: {hits}/{len(cases)}; got {[q.codes for q in cases]}"


@pytest.mark.parametrize("code", list(DEGRADATIONS))
def test_score_falls_monotonically(degraded, code: str) -> None:
    for series in degraded[code]:
        scores = [q.score for q in series]
        assert all(b <= a + SCORE_TOLERANCE for a, b in itertools.pairwise(scores)), (code, scores)
        assert scores[-1] < scores[0] - 15.0, (code, scores)


@pytest.mark.parametrize("code", list(DEGRADATIONS))
def test_clean_prints_do_not_raise_the_code(degraded, code: str) -> None:
    assert not any(code in series[0].codes for series in degraded[code])
