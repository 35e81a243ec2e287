"""Dataset benchmarks of comparators and quality measures: error rates, DET and error-versus-reject curves.

The metric functions are small and pure (numpy arrays in, numbers or arrays out) so that other modules and
users can reuse them. Conventions: a comparison *accepts* when ``score >= threshold``;
FMR(t) is the fraction of impostor scores ``>= t``, FNMR(t) the fraction of genuine scores ``< t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErrorRates",
    "det_curve",
    "eer",
    "erc_area",
    "erc_curve",
    "error_rates",
    "fnmr_at_fmr",
    "threshold_at_fmr",
]


@dataclass(frozen=True)
class ErrorRates:
    """FMR and FNMR at every candidate threshold (increasing)."""

    thresholds: np.ndarray
    fmr: np.ndarray
    fnmr: np.ndarray


def _scores(values: np.ndarray | list[float], name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"no {name} scores")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} scores must be finite")
    return arr


def error_rates(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float]) -> ErrorRates:
    """FMR(t) and FNMR(t) at every distinct score and at +inf (where everything is rejected).

    Parameters
    ----------
    genuine, impostor:
        Comparison scores of mated and non-mated pairs (higher = more similar).
    """
    gen = np.sort(_scores(genuine, "genuine"))
    imp = np.sort(_scores(impostor, "impostor"))
    thresholds = np.append(np.unique(np.concatenate([gen, imp])), np.inf)
    fnmr = np.searchsorted(gen, thresholds, side="left") / gen.size
    fmr = 1.0 - np.searchsorted(imp, thresholds, side="left") / imp.size
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
    imp = np.sort(_scores(impostor, "impostor"))
    candidates = np.append(np.unique(imp), np.inf)
    fmr = 1.0 - np.searchsorted(imp, candidates, side="left") / imp.size
    return float(candidates[np.argmax(fmr <= target_fmr)])


def fnmr_at_fmr(genuine: np.ndarray | list[float], impostor: np.ndarray | list[float], target_fmr: float) -> float:
    """FNMR at the lowest threshold whose FMR is at most ``target_fmr``."""
    t = threshold_at_fmr(impostor, target_fmr)
    gen = _scores(genuine, "genuine")
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
    scores = _scores(genuine_scores, "genuine")
    quality = np.asarray(genuine_quality, dtype=np.float64).ravel()
    if quality.shape != scores.shape:
        raise ValueError("genuine_scores and genuine_quality differ in length")
    quality = np.where(np.isfinite(quality), quality, -np.inf)
    n = scores.size
    errors = (scores < threshold).astype(np.float64)
    levels, inverse = np.unique(quality, return_inverse=True)
    group_n = np.bincount(inverse, minlength=levels.size).astype(np.float64)
    group_err = np.bincount(inverse, weights=errors, minlength=levels.size)
    cum_n = np.concatenate([[0.0], np.cumsum(group_n)])
    cum_err = np.concatenate([[0.0], np.cumsum(group_err)])
    rejected = np.arange(int(math.floor(max_reject * n + 1e-9)) + 1, dtype=np.float64)
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
