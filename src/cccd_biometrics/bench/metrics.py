"""Subject-level bootstrap confidence intervals for benchmark error rates (EER, FNMR at a fixed FMR).

A benchmark's error rates are decided by the identities (fingers, subjects) that happen to be in the data set:
on an FVC DB of 10 fingers, one difficult finger moves the EER by several points. The comparisons of one
identity are not independent (every genuine pair of a finger shares its skin, its sensor contact, its
impressions), so resampling *pairs* would understate the uncertainty badly. The unit resampled here is the
identity, as in the "subsets bootstrap" of Bolle, Ratha and Pankanti (2004):

* draw ``K`` identities with replacement from the ``K`` identities of the data set; identity ``k`` is drawn
  ``m_k`` times (``m_k`` = 0, 1, 2, ...);
* every genuine pair of identity ``k`` then counts ``m_k`` times, every impostor pair of identities
  ``(k, l)`` counts ``m_k * m_l`` times (pairs between two copies of the same identity are not formed);
* the metrics are computed on those integer weights: exactly what the metric functions of :mod:`.bench` give on
  the data set with every pair repeated by its weight, without materialising the repetitions.

The percentile interval of ``B`` such resamples estimates how much the figures would vary over *other sets of
identities* drawn from the same population, measured with the same protocol. It does not cover the variation
of impressions within an identity (a new session of the same fingers), nor the choice of sensor, population or
protocol, and with few identities (10 per FVC DB) it is itself rough: percentile intervals from small samples
tend to be too narrow. Conventions are those of :mod:`.bench`: a comparison accepts when ``score >= threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BootstrapInterval",
    "ErrorRates",
    "SubjectBootstrap",
    "det_curve",
    "eer",
    "erc_area",
    "erc_curve",
    "erc_from_errors",
    "error_rates",
    "fnmr_at_fmr",
    "identity_multiplicities",
    "pairwise_quality",
    "subject_bootstrap",
    "threshold_at_fmr",
    "weighted_error_metrics",
]

# elements of one (resamples x thresholds) block: bounds the memory of a chunk to some tens of MB
_CHUNK_ELEMENTS = 1 << 19


@dataclass(frozen=True)
class BootstrapInterval:
    """Bootstrap distribution of one error rate.

    Attributes
    ----------
    estimate:
        The error rate on the data set itself (all weights 1).
    lower, upper:
        Percentile interval of the bootstrap replicates at the level of the :class:`SubjectBootstrap`
        (2.5 % and 97.5 % quantiles, linear interpolation, for 95 %). NaN when no resample was usable.
    std:
        Standard deviation of the replicates (``ddof=1``), the bootstrap standard error.
    replicates:
        The ``B`` replicate values in resample order (NaN for a resample without genuine or without impostor
        pairs). Two bootstraps with the same identities and seed share their resamples, so their replicates
        can be compared pairwise.
    """

    estimate: float
    lower: float
    upper: float
    std: float
    replicates: np.ndarray = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "lower": self.lower, "upper": self.upper, "std": self.std}


@dataclass(frozen=True)
class SubjectBootstrap:
    """Identity-bootstrap intervals of EER and FNMR at FMR = 1 % and 0.1 % (see the module docstring).

    Attributes
    ----------
    eer, fnmr_at_fmr_1pct, fnmr_at_fmr_0_1pct:
        The intervals; the metrics are those of :func:`eer` and
        :func:`fnmr_at_fmr`.
    resamples:
        ``B``, the number of resamples drawn.
    valid_resamples:
        Resamples with at least one genuine and one impostor pair (the others, e.g. a draw of one identity
        ``K`` times, have no error rates and are left out of the intervals).
    identities:
        ``K``, the number of identities resampled.
    seed:
        Seed of :func:`numpy.random.default_rng` that drew the resamples.
    level:
        Coverage of the intervals (0.95).
    """

    eer: BootstrapInterval
    fnmr_at_fmr_1pct: BootstrapInterval
    fnmr_at_fmr_0_1pct: BootstrapInterval
    resamples: int
    valid_resamples: int
    identities: int
    seed: int
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": "identity",
            "resamples": self.resamples,
            "valid_resamples": self.valid_resamples,
            "identities": self.identities,
            "seed": self.seed,
            "level": self.level,
            "eer": self.eer.to_dict(),
            "fnmr_at_fmr_1pct": self.fnmr_at_fmr_1pct.to_dict(),
            "fnmr_at_fmr_0.1pct": self.fnmr_at_fmr_0_1pct.to_dict(),
        }


def _finite_scores(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"no {name} scores")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} scores must be finite")
    return arr


def _weights(values: Any, n: int, name: str) -> np.ndarray:
    w = np.asarray(values)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2 or w.shape[1] != n:
        raise ValueError(f"{name} weights must have shape ({n},) or (R, {n}), not {np.shape(values)}")
    if not np.issubdtype(w.dtype, np.integer):
        w = w.astype(np.float64)
        if not np.all(np.isfinite(w)):
            raise ValueError(f"{name} weights must be finite")
    if np.any(w < 0):
        raise ValueError(f"{name} weights must be non-negative")
    return w


def _first_true(pred: Callable[[np.ndarray], np.ndarray], rows: int, hi: int) -> np.ndarray:
    """Per row, the first index in ``[0, hi]`` where ``pred`` holds; ``pred`` must be monotone (false, then true)
    along the index in every row and true at ``hi`` (where it is not, e.g. NaN rates, the result is some index
    in ``[0, hi]``). Binary search of all rows at once: ~log2(hi) calls."""
    lo_idx = np.zeros(rows, dtype=np.int64)
    hi_idx = np.full(rows, hi, dtype=np.int64)
    active = lo_idx < hi_idx
    while np.any(active):
        mid = (lo_idx + hi_idx) // 2
        ok = pred(mid)
        hi_idx = np.where(active & ok, mid, hi_idx)
        lo_idx = np.where(active & ~ok, mid + 1, lo_idx)
        active = lo_idx < hi_idx
    return lo_idx


class _Levels:
    """Sort orders and threshold positions of one score set, shared by every block of weights.

    The thresholds are those of :func:`error_rates`: every distinct score, then +inf.
    For a row of weights, FNMR(t) and FMR(t) at threshold index t come from weighted cumulative sums over the
    sorted scores; FNMR is non-decreasing and FMR non-increasing in t (as floats too: a correctly rounded
    division is monotone), so the crossings and operating points are found by binary search, never evaluating
    a row at every threshold.
    """

    def __init__(self, genuine: np.ndarray, impostor: np.ndarray) -> None:
        self.gen_order = np.argsort(genuine, kind="stable")
        self.imp_order = np.argsort(impostor, kind="stable")
        gen, imp = genuine[self.gen_order], impostor[self.imp_order]
        thresholds = np.append(np.unique(np.concatenate([gen, imp])), np.inf)
        self.gen_below = np.searchsorted(gen, thresholds, side="left")  # genuine scores < each threshold
        self.imp_below = np.searchsorted(imp, thresholds, side="left")
        self.last = thresholds.size - 1  # index of +inf

    def metrics(self, wg: np.ndarray, wi: np.ndarray, targets: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """EER (R,) and FNMR at each target FMR (R, T) of R rows of weights, given in ascending score order
        (``gen_order`` / ``imp_order``)."""
        n = wg.shape[0]
        rows = np.arange(n)
        cum_g = np.zeros((n, wg.shape[1] + 1), dtype=np.result_type(wg.dtype, np.int64))
        np.cumsum(wg, axis=1, out=cum_g[:, 1:])
        cum_i = np.zeros((n, wi.shape[1] + 1), dtype=np.result_type(wi.dtype, np.int64))
        np.cumsum(wi, axis=1, out=cum_i[:, 1:])
        total_g, total_i = cum_g[:, -1], cum_i[:, -1]
        valid = (total_g > 0) & (total_i > 0)
        last = self.last

        def i_lt(t: np.ndarray) -> np.ndarray:  # weighted count of impostor scores < threshold t
            return cum_i[rows, self.imp_below[t]]

        def fnmr(t: np.ndarray) -> np.ndarray:  # the divisions of bench.error_rates: identical floats
            return cum_g[rows, self.gen_below[t]] / total_g

        def fmr(t: np.ndarray) -> np.ndarray:
            return (total_i - i_lt(t)) / total_i

        with np.errstate(divide="ignore", invalid="ignore"):
            # EER as bench.eer: i1 the last threshold with FNMR <= FMR (FNMR = 0 <= FMR at the lowest), i2 the first
            # with FNMR >= FMR (FNMR = 1 >= FMR = 0 at +inf). A threshold carrying no weight repeats the (FNMR, FMR)
            # point of the next one, so these points have the values they have on the data set with every pair
            # repeated by its weight.
            i1 = _first_true(lambda t: fnmr(t) > fmr(t), n, last) - 1
            i2 = _first_true(lambda t: fnmr(t) >= fmr(t), n, last)
            fnmr1, fmr1, fnmr2, fmr2 = fnmr(i1), fmr(i1), fnmr(i2), fmr(i2)
            first = fnmr1 + fmr1 <= fnmr2 + fmr2
            low = np.where(first, fnmr1, fmr2)
            high = np.where(first, fmr1, fnmr2)
            eer = np.where(valid, (low + high) / 2.0, np.nan)

            # FNMR at FMR as bench.fnmr_at_fmr: the threshold is the lowest *impostor* score with FMR <= target, or
            # +inf. The first threshold u with FMR <= target may be a genuine or a zero-weight impostor score; the
            # impostor threshold is then the first threshold >= u carrying impostor weight: the last t with the
            # impostor count below t equal to that below u (index last + 1 stands for "none": +inf).
            fnmrs = np.full((n, len(targets)), np.nan)
            for k, target in enumerate(targets):

                def reached(t: np.ndarray, target: float = target) -> np.ndarray:
                    return fmr(t) <= target

                u = _first_true(reached, n, last)
                below_u = i_lt(u)

                def more_impostors(t: np.ndarray, below_u: np.ndarray = below_u) -> np.ndarray:
                    return (t > last) | (i_lt(np.minimum(t, last)) > below_u)

                t = _first_true(more_impostors, n, last + 1) - 1
                fnmrs[:, k] = np.where(valid, fnmr(t), np.nan)
        return eer, fnmrs


def weighted_error_metrics(genuine: Any, impostor: Any, genuine_weights: Any, impostor_weights: Any,
                           fmr_targets: Sequence[float] = (0.01, 0.001)) -> tuple[np.ndarray, np.ndarray]:
    """EER and FNMR at fixed FMRs of comparison scores weighted by repetition counts, for many weightings at once.

    Parameters
    ----------
    genuine, impostor:
        Scores of the mated and non-mated pairs (higher = more similar), finite.
    genuine_weights, impostor_weights:
        Non-negative weights, shape ``(n,)`` for one weighting or ``(R, n)`` for R of them. With integer
        weights the results are exactly (to the bit) those of :func:`eer` and
        :func:`fnmr_at_fmr` on the scores repeated by their weights
        (``np.repeat(genuine, w)``); all weights 1 reproduce them on the scores as given. Real weights are
        accepted and treated as fractional counts.
    fmr_targets:
        FMRs at which the FNMR is reported (default 1 % and 0.1 %).

    Returns
    -------
    (eer, fnmr):
        Arrays of shape ``(R,)`` and ``(R, len(fmr_targets))``; NaN for a row whose genuine or impostor weights
        are all zero.

    Notes
    -----
    Weighted cumulative sums over the scores sorted once, and per row a binary search of the distinct scores for
    the crossing and the operating points; rows are processed in blocks to bound memory. Time and memory are
    O(R * (n_genuine + n_impostor)).
    """
    gen = _finite_scores(genuine, "genuine")
    imp = _finite_scores(impostor, "impostor")
    wg = _weights(genuine_weights, gen.size, "genuine")
    wi = _weights(impostor_weights, imp.size, "impostor")
    if wg.shape[0] != wi.shape[0]:
        raise ValueError("genuine and impostor weights have different numbers of rows")
    levels = _Levels(gen, imp)
    targets = [float(t) for t in fmr_targets]
    step = max(1, _CHUNK_ELEMENTS // (gen.size + imp.size))
    parts = [levels.metrics(np.take(wg[s:s + step], levels.gen_order, axis=1),
                            np.take(wi[s:s + step], levels.imp_order, axis=1), targets)
             for s in range(0, wg.shape[0], step)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# ------------------------------------------------------------------- error rates, DET and ERC (ISO/IEC 29794-1)

@dataclass(frozen=True)
class ErrorRates:
    """FMR and FNMR at every candidate threshold (increasing)."""

    thresholds: np.ndarray
    fmr: np.ndarray
    fnmr: np.ndarray


def error_rates(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float]) -> ErrorRates:
    """FMR(t) and FNMR(t) at every distinct score and at +inf (where everything is rejected).

    Parameters
    ----------
    genuine, impostor:
        Comparison scores of mated and non-mated pairs (higher = more similar).
    """
    gen = np.sort(_finite_scores(genuine, "genuine"))
    imp = np.sort(_finite_scores(impostor, "impostor"))
    thresholds = np.append(np.unique(np.concatenate([gen, imp])), np.inf)
    fnmr = np.searchsorted(gen, thresholds, side="left") / gen.size
    fmr = (imp.size - np.searchsorted(imp, thresholds, side="left")) / imp.size  # counts first: exact ratios
    return ErrorRates(thresholds, fmr, fnmr)


def eer(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float]) -> float:
    """Equal error rate as in the FVC competitions: the midpoint of the [EER_low, EER_high] interval
    around the crossing of the FMR and FNMR step curves."""
    r = error_rates(genuine, impostor)
    below = np.nonzero(r.fnmr <= r.fmr)[0]
    above = np.nonzero(r.fnmr >= r.fmr)[0]
    i1, i2 = below[-1], above[0]  # both exist: FNMR = 0 <= FMR at -inf side, FNMR = 1 >= FMR = 0 at +inf
    if r.fnmr[i1] + r.fmr[i1] <= r.fnmr[i2] + r.fmr[i2]:
        low, high = r.fnmr[i1], r.fmr[i1]
    else:
        low, high = r.fmr[i2], r.fnmr[i2]
    return float((low + high) / 2.0)


def threshold_at_fmr(impostor: np.ndarray | list[float], target_fmr: float) -> float:
    """The lowest threshold whose FMR does not exceed ``target_fmr`` (``score >= t`` accepts)."""
    imp = np.sort(_finite_scores(impostor, "impostor"))
    candidates = np.append(np.unique(imp), np.inf)
    fmr = (imp.size - np.searchsorted(imp, candidates, side="left")) / imp.size
    return float(candidates[np.argmax(fmr <= target_fmr)])


def fnmr_at_fmr(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float], target_fmr: float) -> float:
    """FNMR at the lowest threshold whose FMR is at most ``target_fmr``."""
    t = threshold_at_fmr(impostor, target_fmr)
    gen = _finite_scores(genuine, "genuine")
    return float(np.mean(gen < t))


def det_curve(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Points (FMR, FNMR) of the detection-error trade-off curve, thresholds increasing."""
    r = error_rates(genuine, impostor)
    return r.fmr, r.fnmr


def erc_curve(genuine_scores: np.ndarray | list[float], genuine_quality: np.ndarray | list[float],
              threshold: float, max_reject: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Error-versus-reject curve (ISO/IEC 29794-1): FNMR of the genuine pairs kept after rejecting the
    lowest-quality fraction.

    Parameters
    ----------
    genuine_scores:
        Comparison scores of the genuine pairs.
    genuine_quality:
        Pairwise quality of the same pairs (usually the min of the two samples' qualities; NaN = failed,
        counted as the lowest quality).
    threshold:
        Fixed decision threshold (typically at FMR = 1 % on all impostor scores).
    max_reject:
        Largest rejected fraction.

    Returns
    -------
    (fractions, fnmr):
        Rejected fraction k/n for k = 0 .. floor(max_reject * n), and the expected FNMR of the kept pairs.
        Pairs tied in quality at the cut are rejected at random in expectation.
    """
    scores = _finite_scores(genuine_scores, "genuine")
    return erc_from_errors(scores < threshold, genuine_quality, max_reject)


def erc_from_errors(errors: np.ndarray | list[bool], quality: np.ndarray | list[float], max_reject: float = 0.2
                    ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`erc_curve` for comparisons already classified: ``errors`` (True = false non-match at the fixed
    threshold) and their pairwise ``quality`` (NaN or -inf = failed, ranked lowest).

    Examples
    --------
    >>> x, y = erc_from_errors([True, False, False, False, True], [1.0, 2.0, 3.0, 4.0, 0.5], max_reject=0.4)
    >>> x.tolist(), y.tolist()
    ([0.0, 0.2, 0.4], [0.4, 0.25, 0.0])
    """
    errors = np.asarray(errors).ravel().astype(np.float64)
    quality = np.asarray(quality, dtype=np.float64).ravel()
    if quality.shape != errors.shape:
        raise ValueError("genuine_scores and genuine_quality differ in length")
    quality = np.where(np.isfinite(quality), quality, -np.inf)
    n = errors.size
    levels, inverse = np.unique(quality, return_inverse=True)
    group_n = np.bincount(inverse, minlength=levels.size).astype(np.float64)
    group_err = np.bincount(inverse, weights=errors, minlength=levels.size)
    cum_n = np.concatenate([[0.0], np.cumsum(group_n)])
    cum_err = np.concatenate([[0.0], np.cumsum(group_err)])
    rejected = np.arange(math.floor(max_reject * n + 1e-9) + 1, dtype=np.float64)
    # the group holding the cut: full groups below it are rejected, a share of it in expectation
    g = np.searchsorted(cum_n, rejected, side="right") - 1
    g = np.minimum(g, levels.size - 1)
    share = np.where(group_n[g] > 0, (rejected - cum_n[g]) / np.maximum(group_n[g], 1.0), 0.0)
    rejected_err = cum_err[g] + share * group_err[g]
    kept = n - rejected
    fnmr = np.where(kept > 0, (errors.sum() - rejected_err) / np.maximum(kept, 1.0), 0.0)
    return rejected / n, fnmr


def erc_area(fractions: np.ndarray, fnmr: np.ndarray, max_reject: float = 0.2) -> float:
    """Area under the error-versus-reject curve on [0, max_reject], divided by ``max_reject * FNMR(0)``:
    1.0 is no better than rejecting at random, lower is better. NaN when FNMR(0) is 0."""
    fractions = np.asarray(fractions, dtype=np.float64)
    fnmr = np.asarray(fnmr, dtype=np.float64)
    keep = fractions <= max_reject + 1e-12
    x, y = fractions[keep], fnmr[keep]
    if x[-1] < max_reject:  # close the interval with the last value
        x, y = np.append(x, max_reject), np.append(y, y[-1])
    if fnmr[0] <= 0:
        return float("nan")
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))
    return area / (max_reject * float(fnmr[0]))


def pairwise_quality(quality_a: np.ndarray, quality_b: np.ndarray) -> np.ndarray:
    """Quality of a comparison: the lower of its two samples' qualities; NaN (failed) stays NaN, which
    :func:`erc_curve` ranks lowest."""
    return np.minimum(np.asarray(quality_a, dtype=np.float64), np.asarray(quality_b, dtype=np.float64))


def identity_multiplicities(n_identities: int, resamples: int, seed: int = 0) -> np.ndarray:
    """How many times each identity is drawn in each resample: ``(resamples, n_identities)`` integers, every row
    summing to ``n_identities`` (``n_identities`` draws with replacement, uniform). Deterministic in ``seed``."""
    if n_identities < 1 or resamples < 0:
        raise ValueError("need at least one identity and a non-negative number of resamples")
    draws = np.random.default_rng(seed).integers(0, n_identities, size=(resamples, n_identities))
    offsets = (np.arange(resamples) * n_identities)[:, None]
    counts = np.bincount((draws + offsets).ravel(), minlength=resamples * n_identities)
    return counts.reshape(resamples, n_identities)


def _interval(estimate: float, replicates: np.ndarray, level: float) -> BootstrapInterval:
    ok = replicates[np.isfinite(replicates)]
    if ok.size == 0:
        return BootstrapInterval(estimate, float("nan"), float("nan"), float("nan"), replicates)
    alpha = (1.0 - level) / 2.0
    lower, upper = np.quantile(ok, [alpha, 1.0 - alpha])
    std = float(np.std(ok, ddof=1)) if ok.size > 1 else 0.0
    return BootstrapInterval(estimate, float(lower), float(upper), std, replicates)


def subject_bootstrap(genuine: Any, genuine_identity: Any, impostor: Any, impostor_identities: Any, *,
                      resamples: int = 1000, seed: int = 0, level: float = 0.95) -> SubjectBootstrap:
    """Percentile bootstrap intervals of EER and FNMR at FMR = 1 % / 0.1 %, resampling identities.

    Parameters
    ----------
    genuine:
        Scores of the genuine (mated) pairs, shape ``(n_g,)``.
    genuine_identity:
        The identity of each genuine pair (any labels: strings, integers), shape ``(n_g,)``.
    impostor:
        Scores of the impostor (non-mated) pairs, shape ``(n_i,)``.
    impostor_identities:
        The identities of the two samples of each impostor pair, shape ``(n_i, 2)``; they should differ.
    resamples:
        ``B``, the number of bootstrap resamples (at least 1).
    seed:
        Seed of the draws. The resamples depend only on the seed and the set of identity labels (their sorted
        order), so bootstraps of several comparators or extractors on the same pairs with the same seed are
        paired: replicate ``r`` of each is computed on the same draw of identities.
    level:
        Coverage of the percentile intervals.

    Returns
    -------
    SubjectBootstrap
        Point estimates (identical to :func:`eer` and
        :func:`fnmr_at_fmr`),
        intervals, bootstrap standard deviations and the replicates.

    Notes
    -----
    In each resample, ``K`` identities are drawn with replacement from the ``K`` identities found in the pairs;
    a genuine pair of identity ``k`` counts ``m_k`` times and an impostor pair of identities ``(k, l)``
    ``m_k * m_l`` times, ``m_k`` being the number of times ``k`` was drawn. The interval reflects the sampling of
    identities only: it is conditional on the impressions recorded for each identity (it says nothing of a
    new session of the same fingers) and on the protocol. Resamples without a genuine or an impostor pair (e.g.
    all draws of one identity) are left out; :attr:`SubjectBootstrap.valid_resamples` counts the others.

    Repeated pairs are tied scores, and ties are not split (as in :func:`threshold_at_fmr`).
    With a few thousand impostor pairs, FMR = 0.1 % allows only the two or three highest impostor scores; a
    resample that repeats one of them too often reaches that FMR only by rejecting everything (FNMR = 1), so the
    upper bound of that interval can be 1: the operating point is then not measurable on so few impostor pairs.

    Raises
    ------
    ValueError
        If scores are empty or not finite, the shapes disagree, or ``resamples < 1`` or ``level`` is not in (0, 1).
    """
    gen = _finite_scores(genuine, "genuine")
    imp = _finite_scores(impostor, "impostor")
    gen_id = np.asarray(genuine_identity).ravel()
    imp_id = np.asarray(impostor_identities)
    if gen_id.shape != gen.shape:
        raise ValueError("genuine_identity must give one identity per genuine score")
    if imp_id.shape != (imp.size, 2):
        raise ValueError("impostor_identities must give two identities per impostor score (shape (n, 2))")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    labels, index = np.unique(np.concatenate([gen_id, imp_id.ravel()]), return_inverse=True)
    index = index.ravel()
    g_idx, i_idx = index[:gen.size], index[gen.size:].reshape(-1, 2)

    targets = (0.01, 0.001)
    levels = _Levels(gen, imp)
    point_eer, point_fnmr = levels.metrics(np.ones((1, gen.size), np.int64), np.ones((1, imp.size), np.int64),
                                           targets)
    counts = identity_multiplicities(labels.size, resamples, seed)
    # identities in ascending score order, so the gathered weights need no further sorting
    g_idx, i_a, i_b = g_idx[levels.gen_order], i_idx[levels.imp_order, 0], i_idx[levels.imp_order, 1]
    step = max(1, _CHUNK_ELEMENTS // (gen.size + imp.size))
    eers, fnmrs = [], []
    for s in range(0, resamples, step):
        m = counts[s:s + step]
        # np.take along axis 1 is several times faster than m[:, index] here
        e, f = levels.metrics(np.take(m, g_idx, axis=1), np.take(m, i_a, axis=1) * np.take(m, i_b, axis=1), targets)
        eers.append(e)
        fnmrs.append(f)
    eer_r, fnmr_r = np.concatenate(eers), np.concatenate(fnmrs)
    return SubjectBootstrap(
        eer=_interval(float(point_eer[0]), eer_r, level),
        fnmr_at_fmr_1pct=_interval(float(point_fnmr[0, 0]), fnmr_r[:, 0], level),
        fnmr_at_fmr_0_1pct=_interval(float(point_fnmr[0, 1]), fnmr_r[:, 1], level),
        resamples=int(resamples), valid_resamples=int(np.isfinite(eer_r).sum()), identities=int(labels.size),
        seed=int(seed), level=float(level))
