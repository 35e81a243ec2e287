"""Speed of slap segmentation and of a whole enrolment record check (issue 17), warm, single-threaded.

    pytest benchmarks/bench_enrolment.py --benchmark-only

Targets: ``segment_slap`` <= 50 ms on a 1600x1500 slap at 500 ppi; a whole record (10 fingers + 3 slaps + a
portrait) <= 400 ms. The record is ``sample_data/enrolment/citizen_clean`` (synthetic fingers, composed slaps,
a 467x600 studio portrait), read from its PNG/JPEG files on every round as an intake station would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.slap import segment_slap

CITIZEN = Path(__file__).resolve().parents[1] / "sample_data" / "enrolment" / "citizen_clean"


@pytest.fixture(scope="module")
def slap() -> np.ndarray:
    img = cb.load_fingerprint(CITIZEN / "slap_13.png", ppi=500)
    assert img.shape == (1500, 1600)
    segment_slap(img, 13)  # JIT warm-up
    return img


@pytest.fixture(scope="module")
def record() -> cb.EnrolmentRecord:
    rec = cb.EnrolmentRecord.from_manifest(CITIZEN)
    assert len(rec.fingers) == 10 and len(rec.slaps) == 3 and rec.portrait is not None
    cb.check_enrolment(rec)  # warm-up: numba caches, face model
    return rec


def test_segment_slap(benchmark, slap):
    seg = benchmark(segment_slap, slap, 13)
    assert len(seg.segments) == 4


def test_segment_slap_boxes_only(benchmark, slap):
    seg = benchmark(segment_slap, slap, 13, assess=False)
    assert len(seg.segments) == 4


def test_check_enrolment_whole_record(benchmark, record):
    rep = benchmark.pedantic(cb.check_enrolment, args=(record,), rounds=15, iterations=1, warmup_rounds=1)
    assert rep.verdict == "accept"
    benchmark.extra_info["timings_ms"] = {k: round(v, 1) for k, v in rep.timings.items()}
