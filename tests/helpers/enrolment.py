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


IMPOSTOR = 0.005
"""An impostor's score on the comparator's scale (the duplicate-decision tests' filler)."""


def four_scores(pair: float, own1: float, own2: float, cross21: float, cross12: float = IMPOSTOR):
    """Fingers 1 and 2 (and an unrelated 3): the pair score and the four capture-versus-segment scores."""
    pairs = {(1, 2): pair, (1, 3): IMPOSTOR, (2, 3): IMPOSTOR}
    seq = {1: {1: own1, 2: cross12, 3: IMPOSTOR}, 2: {1: cross21, 2: own2, 3: IMPOSTOR},
           3: {1: IMPOSTOR, 2: IMPOSTOR, 3: 0.09}}
    return pairs, seq


class AskedRidges:
    """A ridge-evidence callable answering from a table (default ``other``), recording what it was asked."""

    def __init__(self, answers: dict[tuple[int, int], float | None] | None = None, other: float | None = None):
        self.answers, self.other = answers or {}, other
        self.asked: list[tuple[int, int]] = []

    def __call__(self, a: int, b: int) -> float | None:
        self.asked.append((a, b))
        return self.answers.get((a, b), self.other)
