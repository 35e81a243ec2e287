"""Speed of the synthetic-fingerprint generator (target: <= 200 ms per 400x500 impression).

Run: ``python -m pytest benchmarks/bench_synthetic.py --benchmark-only``.
"""

from __future__ import annotations

import pytest

from cccd_biometrics.fingerprint.synthetic.generator import generate_master, quality_parameters, render_impression


@pytest.fixture(scope="module")
def master():
    return generate_master(1234, "right_loop")


def test_render_impression_good(benchmark, master):
    imp = benchmark(render_impression, master, 1)
    assert imp.image.shape == (500, 400)


@pytest.mark.parametrize("quality", ["dry", "wet", "smudged", "partial"])
def test_render_impression_degraded(benchmark, master, quality):
    params = quality_parameters(quality, 1)
    imp = benchmark(render_impression, master, 1, **params)
    assert imp.image.shape == (500, 400)


def test_generate_master(benchmark):
    # seconds per finger: run a few rounds only
    m = benchmark.pedantic(generate_master, args=(99,), kwargs={"pattern": "whorl"}, rounds=3, iterations=1)
    assert m.minutiae
