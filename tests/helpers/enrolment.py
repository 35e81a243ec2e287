"""Helpers for the enrolment and slap tests: synthetic citizens (no dataset needed) and the shared data path."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]


def require_shared_data() -> Path:
    """../shared/data (found as tests/conftest.py finds it); skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@functools.lru_cache(maxsize=4)
def synthetic_fingers(seed: int = 4100, impressions: int = 3) -> tuple[tuple[np.ndarray, ...], ...]:
    """Ten synthetic fingers (project generator), ``impressions`` good-quality impressions each."""
    from cccd_biometrics.fingerprint.synthetic import generate_master, render_impression

    out = []
    for k in range(10):
        master = generate_master(seed + k, size=(420, 340))
        out.append(tuple(render_impression(master, i, noise=0.04).image.copy() for i in range(impressions)))
    return tuple(out)


def citizen(seed: int = 4100) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Position -> (individual, slap, spare) impressions of ten synthetic fingers."""
    fingers = synthetic_fingers(seed)
    ind = {p: fingers[p - 1][0] for p in range(1, 11)}
    slp = {p: fingers[p - 1][1] for p in range(1, 11)}
    spare = {p: fingers[p - 1][2] for p in range(1, 11)}
    return ind, slp, spare
