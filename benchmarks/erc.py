"""Error-versus-reject curves (ISO/IEC 29794-1) on the FVC protocol of ``../shared/data``.

Pairwise quality = min of the two images' qualities; the comparison threshold is fixed at FMR = 1 % on all
impostor scores of the DB; the FNMR of the genuine pairs that remain after rejecting the lowest-quality
fraction is integrated over rejection 0-20 % and divided by ``0.2 * FNMR(0)`` (1.0 = random rejection).
Ties in quality are rejected at random *in expectation* (a partly rejected tie group removes its share of
errors), and a missing quality counts as the lowest. The metrics are those of
:mod:`cccd_biometrics.bench.metrics` (``cccd-bio bench`` reports the same figures); this module adds the FVC
reference pairs of ``../shared/data/reference``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from cccd_biometrics.bench import metrics

FVC_DBS = tuple(f"{ds}_{db}" for ds in ("fvc2000", "fvc2002") for db in ("DB1_B", "DB2_B", "DB3_B", "DB4_B"))
MAX_REJECT = 0.2


def read_pairs(reference: Path, group: str) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    """(genuine key pairs, genuine scores, impostor scores) of one FVC DB (``group`` like ``fvc2002_DB1_B``)."""
    pairs, gen, imp = [], [], []
    with open(reference / "bozorth3_mindtct" / f"{group}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            score = float(row["score"])
            if row["genuine"] == "1":
                pairs.append((row["key_a"], row["key_b"]))
                gen.append(score)
            else:
                imp.append(score)
    return pairs, np.asarray(gen), np.asarray(imp)


def threshold_at_fmr(impostor: np.ndarray, fmr: float = 0.01) -> float:
    """Smallest score threshold t with FMR = P(impostor >= t) <= fmr (a comparison matches when score >= t)."""
    return metrics.threshold_at_fmr(impostor, fmr)


def erc_curve(pair_quality: np.ndarray, errors: np.ndarray, max_reject: float = MAX_REJECT) -> tuple[np.ndarray,
                                                                                                     np.ndarray]:
    """Expected FNMR after rejecting k = 0 .. floor(max_reject * N) lowest-quality genuine pairs."""
    return metrics.erc_from_errors(errors, pair_quality, max_reject)


def erc_area(pair_quality: np.ndarray, errors: np.ndarray, max_reject: float = MAX_REJECT) -> float:
    """Normalised ERC area over rejection 0..max_reject (1.0 = no better than random)."""
    return metrics.erc_area(*erc_curve(pair_quality, errors, max_reject), max_reject)


def db_erc(reference: Path, group: str, quality: Mapping[str, float]) -> float:
    """Normalised ERC area of one FVC DB for per-image ``quality`` (key -> value, higher is better)."""
    pairs, gen, imp = read_pairs(reference, group)
    t = threshold_at_fmr(imp)
    errors = gen < t
    def q(key: str) -> float:
        v = float(quality.get(key, -np.inf))
        return v if np.isfinite(v) else -np.inf

    pq = np.array([min(q(a), q(b)) for a, b in pairs], dtype=float)
    return erc_area(pq, errors)
