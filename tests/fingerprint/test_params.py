"""Parameters live in fingerprint/params.py, are documented field by field, and are injectable."""

from __future__ import annotations

import dataclasses

import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.params import (
    DEFAULT_MINUTIAE,
    DEFAULT_QUALITY_THRESHOLDS,
    MinutiaeParams,
    QualityThresholds,
)
from cccd_biometrics.fingerprint.quality.score import THRESHOLDS


@pytest.mark.parametrize("cls", [MinutiaeParams, QualityThresholds])
def test_every_field_has_unit_origin_and_meaning(cls):
    for f in dataclasses.fields(cls):
        assert f.metadata.get("unit") and f.metadata.get("origin") and f.metadata.get("doc"), f.name


def test_params_are_frozen_and_serialisable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_MINUTIAE.cluster_size = 4  # type: ignore[misc]
    assert MinutiaeParams(**DEFAULT_MINUTIAE.to_dict()) == DEFAULT_MINUTIAE
    assert dict(THRESHOLDS) == DEFAULT_QUALITY_THRESHOLDS.to_dict()


def test_minutiae_params_are_injected(sample_data):
    analysis = cb.analyze_fingerprint(cb.load_fingerprint(sample_data / "fingerprints" / "synthetic" /
                                                          "good_2026_1.png"))
    default = cb.extract_minutiae(analysis, with_quality=False)
    assert cb.extract_minutiae(analysis, with_quality=False, params=MinutiaeParams()) == default
    strict = cb.extract_minutiae(analysis, with_quality=False, params=MinutiaeParams(min_coherence=0.99))
    assert len(strict) < len(default)


def test_quality_thresholds_are_injected(sample_data):
    dry = cb.analyze_fingerprint(cb.load_fingerprint(sample_data / "fingerprints" / "synthetic" / "dry_2027_1.png"))
    assert "FINGER_TOO_DRY" in cb.assess_fingerprint(dry).codes
    lenient = QualityThresholds(dry_darkness=0.0, dry_very_light=255.0, dry_noise=99.0)
    assert "FINGER_TOO_DRY" not in cb.assess_fingerprint(dry, thresholds=lenient).codes
