"""Identity-bootstrap intervals of the benchmark error rates (cccd_biometrics.bench.metrics)."""

from __future__ import annotations

import numpy as np
import pytest

from cccd_biometrics.bench import metrics
from cccd_biometrics.bench import metrics as bench_stats
from cccd_biometrics.bench.metrics import identity_multiplicities, subject_bootstrap, weighted_error_metrics


def _reference(gen: np.ndarray, imp: np.ndarray) -> tuple[float, float, float]:
    return metrics.eer(gen, imp), metrics.fnmr_at_fmr(gen, imp, 0.01), metrics.fnmr_at_fmr(gen, imp, 0.001)


def test_unit_weights_give_exactly_the_unweighted_metrics():
    rng = np.random.default_rng(3)
    for _ in range(200):
        ng, ni = int(rng.integers(1, 40)), int(rng.integers(1, 1500))
        # few distinct values: many ties within and across the genuine and impostor scores
        gen = rng.integers(0, 30, ng).astype(float) + float(rng.integers(0, 6))
        imp = rng.integers(0, 25, ni).astype(float)
        eer, fnmr = weighted_error_metrics(gen, imp, np.ones(ng, dtype=int), np.ones(ni, dtype=int))
        assert (eer[0], fnmr[0, 0], fnmr[0, 1]) == _reference(gen, imp)  # exact, not approximate
    gen, imp = rng.normal(1, 1, 300), rng.normal(0, 1, 3000)
    eer, fnmr = weighted_error_metrics(gen, imp, np.ones(300, dtype=int), np.ones(3000, dtype=int))
    assert (eer[0], fnmr[0, 0], fnmr[0, 1]) == _reference(gen, imp)


def test_integer_weights_equal_the_repeated_scores():
    rng = np.random.default_rng(4)
    for _ in range(60):
        ng, ni = int(rng.integers(2, 30)), int(rng.integers(2, 400))
        gen = rng.integers(0, 20, ng).astype(float)
        imp = rng.integers(0, 15, ni).astype(float)
        wg, wi = rng.integers(0, 4, (6, ng)), rng.integers(0, 4, (6, ni))  # zeros included: dropped pairs
        eer, fnmr = weighted_error_metrics(gen, imp, wg, wi)
        for r in range(6):
            g, i = np.repeat(gen, wg[r]), np.repeat(imp, wi[r])
            if g.size == 0 or i.size == 0:
                assert np.isnan(eer[r]) and np.isnan(fnmr[r]).all()
            else:
                assert (eer[r], fnmr[r, 0], fnmr[r, 1]) == _reference(g, i)


def test_weighted_metrics_reject_bad_weights():
    with pytest.raises(ValueError):
        weighted_error_metrics([0.5], [0.1], [-1], [1])
    with pytest.raises(ValueError):
        weighted_error_metrics([0.5, 0.6], [0.1], [1], [1])
    with pytest.raises(ValueError):
        weighted_error_metrics([0.5], [0.1], np.ones((2, 1), int), np.ones((3, 1), int))


def _three_identities():
    # genuine: a 0.9, b 0.3, c 0.8; impostor: (a, b) 0.4, (a, c) 0.1, (b, c) 0.7
    return (np.array([0.9, 0.3, 0.8]), np.array(["a", "b", "c"]),
            np.array([0.4, 0.1, 0.7]), np.array([["a", "b"], ["a", "c"], ["b", "c"]]))


def test_weighting_of_a_fixed_draw_by_hand(monkeypatch):
    draws = np.array([[2, 1, 0],   # a twice, b once: genuine 0.9, 0.9, 0.3; impostor (a, b) twice: 0.4, 0.4
                      [0, 3, 0],   # b only: no impostor pair, no error rates
                      [1, 1, 1]])  # the data set itself
    monkeypatch.setattr(bench_stats, "identity_multiplicities", lambda k, b, seed=0: draws)
    res = subject_bootstrap(*_three_identities(), resamples=3)
    # draw 1: a threshold in (0.4, 0.9] rejects 0.3 (FNMR 1/3) and both impostors (FMR 0), below it FMR = 1:
    # EER interval [0, 1/3], midpoint 1/6. (Genuine pairs counted m_k^2 times would give 1/10.)
    # draw 3: FNMR = FMR = 1/3 at t = 0.7, so EER 1/3; FMR <= 1 % needs t = +inf there and in draw 1: FNMR 1.
    np.testing.assert_allclose(res.eer.replicates, [1 / 6, np.nan, 1 / 3])
    np.testing.assert_allclose(res.fnmr_at_fmr_1pct.replicates, [1.0, np.nan, 1.0])
    assert res.eer.estimate == metrics.eer([0.9, 0.3, 0.8], [0.4, 0.1, 0.7]) == pytest.approx(1 / 3)
    assert res.valid_resamples == 2 and res.identities == 3 and res.resamples == 3
    assert res.eer.lower == pytest.approx(1 / 6 + 0.025 * (1 / 3 - 1 / 6))  # quantiles of the valid replicates


def test_impostor_pairs_count_the_product_of_multiplicities(monkeypatch):
    # a drawn 3 times, b once, c once: impostor (a, b) x3, (a, c) x3, (b, c) x1 — compare with the repeated scores
    draws = np.array([[3, 1, 1]])
    monkeypatch.setattr(bench_stats, "identity_multiplicities", lambda k, b, seed=0: draws)
    gen, gid, imp, iid = _three_identities()
    res = subject_bootstrap(gen, gid, imp, iid, resamples=1)
    expect = metrics.eer(np.repeat(gen, [3, 1, 1]), np.repeat(imp, [3, 3, 1]))
    assert res.eer.replicates[0] == expect
    assert expect != metrics.eer(np.repeat(gen, [3, 1, 1]), np.repeat(imp, [4, 4, 2]))  # not m_k + m_l


def test_identity_multiplicities():
    m = identity_multiplicities(10, 500, seed=1)
    assert m.shape == (500, 10) and (m.sum(axis=1) == 10).all() and m.min() >= 0
    np.testing.assert_array_equal(m, identity_multiplicities(10, 500, seed=1))
    assert not np.array_equal(m, identity_multiplicities(10, 500, seed=2))
    # every identity is drawn 1 time on average, and sometimes not at all (P = 0.9^10 = 0.35)
    assert abs(m.mean() - 1) < 1e-12 and 0.3 < (m == 0).mean() < 0.4


def _synthetic(n_id: int, per_id: int, between: float, seed: int = 0, shuffle: bool = False):
    """FVC-like protocol: ``per_id`` impressions per identity, all pairs; genuine scores carry an identity effect
    of spread ``between`` (or the same genuine scores shuffled across identities)."""
    rng = np.random.default_rng(seed)
    ident = np.repeat(np.arange(n_id), per_id)
    i, j = np.triu_indices(ident.size, 1)
    same = ident[i] == ident[j]
    effect = rng.normal(0, between, n_id)
    scores = np.where(same, 1.0 + effect[ident[i]] + rng.normal(0, 0.3, i.size), rng.normal(0, 0.3, i.size))
    gen = scores[same]
    if shuffle:
        gen = rng.permutation(gen)
    return gen, ident[i][same], scores[~same], np.stack([ident[i], ident[j]], axis=1)[~same]


def test_interval_contains_the_estimate_and_reflects_identity_effects():
    strong = subject_bootstrap(*_synthetic(20, 8, between=0.5))
    for iv in (strong.eer, strong.fnmr_at_fmr_1pct):
        assert iv.lower <= iv.estimate <= iv.upper and iv.lower < iv.upper and iv.std > 0
    assert strong.eer.estimate == metrics.eer(*_synthetic(20, 8, between=0.5)[::2])
    assert strong.valid_resamples == strong.resamples == 1000 and strong.identities == 20
    # the same genuine scores, shuffled across identities: no identity effect left, a much narrower interval
    # (a bootstrap of pairs rather than identities would not tell the two apart)
    shuffled = subject_bootstrap(*_synthetic(20, 8, between=0.5, shuffle=True))
    assert shuffled.eer.estimate == strong.eer.estimate
    assert strong.eer.std > 1.5 * shuffled.eer.std


def test_bootstrap_is_deterministic_and_reports():
    data = _synthetic(12, 6, between=0.3, seed=5)
    a = subject_bootstrap(*data, resamples=200, seed=7)
    b = subject_bootstrap(*data, resamples=200, seed=7)
    c = subject_bootstrap(*data, resamples=200, seed=8)
    np.testing.assert_array_equal(a.eer.replicates, b.eer.replicates)
    assert a == b and a.eer.replicates.shape == (200,)
    assert not np.array_equal(a.eer.replicates, c.eer.replicates)
    d = a.to_dict()
    assert d["unit"] == "identity" and d["resamples"] == 200 and d["seed"] == 7 and d["level"] == 0.95
    assert set(d["eer"]) == {"estimate", "lower", "upper", "std"} and "fnmr_at_fmr_0.1pct" in d
    assert "replicates" not in repr(a)
    with pytest.raises(ValueError):
        subject_bootstrap(*data, resamples=0)
    with pytest.raises(ValueError):
        subject_bootstrap(data[0], data[1][:-1], data[2], data[3])
