"""Refit the unified fingerprint quality score and write ``fingerprint/quality/quality_model.json``.

Usage (from the project root, with ../shared/data present)::

    python benchmarks/fit_quality_model.py            # fit, report leave-one-DB-out figures, write the table
    python benchmarks/fit_quality_model.py --dry-run  # report only
    python benchmarks/fit_quality_model.py --dry-run --extra ridge_breaks  # the same with an extra measure

Model
    ``z = sum_i w_i * (x_i - mean_i) / scale_i + intercept`` over a handful of native measures ``x_i``
    (:data:`FEATURES`, with ``log`` applied to areas and :data:`UPPER` clipping), then
    ``score = 100 * sigmoid(slope * z + offset)``.

Fit (on the 640 FVC2000/2002 B dev images only)
    The weights are a ridge regression (L2 = 1 on standardised measures) onto an equal blend of two
    standardised targets:

    * agreement with the standard: ``logit(NFIQ 2 score / 100)`` (failed NFIQ 2 images left out);
    * comparison utility: for each image, the mean of its 4 lowest genuine BOZORTH3 (MINDTCT) scores, each as
      ``log1p(score) / log1p(threshold at FMR 1 %)``, turned into a normal score by its rank within the DB.

    ``slope`` and ``offset`` then map ``z`` onto NFIQ 2's 0-100 scale (least squares in the logit domain).
    Leave-one-DB-out cross-validation (fit on 7 FVC DBs, predict the 8th) is reported with the in-sample
    figures; both must hold before a refit is shipped.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from scipy.stats import norm, spearmanr

from cccd_biometrics.fingerprint.quality.measures import EXTRA_MEASURES
from erc import FVC_DBS, db_erc, read_pairs, threshold_at_fmr
from quality_dataset import REFERENCE, ROOT, fvc_images, measure_all, nfiq2_scores

MODEL_PATH = ROOT / "src" / "cccd_biometrics" / "fingerprint" / "quality" / "quality_model.json"

FEATURES: dict[str, str] = {
    "lcs": "identity",
    "ridge_noise": "identity",
    "roi_area": "log",
    "sharpness": "identity",
    "mu": "identity",
    "center_offset": "identity",
    "ridge_width_imbalance": "identity",
    "ridge_period": "identity",
}
UPPER: dict[str, float] = {"mu": 200.0}
"""Measures clipped from above before use: NFIQ 2 prefers light prints, but a print lightened beyond this
(dryness) must not gain score."""
UTILITY_WEIGHT = 0.5
L2 = 1.0
NFIQ2_ERC = dict(zip(FVC_DBS, (0.721, 0.577, 0.859, 0.711, 0.756, 0.557, 0.968, 0.967), strict=True))


def design(rows: dict[str, dict[str, float]], keys: list[str], features: dict[str, str] | None = None) -> np.ndarray:
    cols = []
    for name, transform in (FEATURES if features is None else features).items():
        x = np.minimum(np.array([rows[k][name] for k in keys], dtype=float), UPPER.get(name, np.inf))
        cols.append(np.log(np.maximum(x, 1.0)) if transform == "log" else x)
    return np.array(cols).T


def utility_target(keys: list[str]) -> np.ndarray:
    """Per-image comparison utility as a normal score of its rank within its DB (NaN if never compared)."""
    util: dict[str, float] = {}
    for group in FVC_DBS:
        pairs, gen, imp = read_pairs(REFERENCE, group)
        t = threshold_at_fmr(imp)
        acc: dict[str, list[float]] = {}
        for (a, b), s in zip(pairs, gen, strict=True):
            v = float(np.log1p(s) / np.log1p(t))
            acc.setdefault(a, []).append(v)
            acc.setdefault(b, []).append(v)
        ks = list(acc)
        vals = np.array([np.mean(sorted(acc[k])[:4]) for k in ks])
        ranks = (np.argsort(np.argsort(vals, kind="stable")) + 0.5) / len(vals)
        util.update(zip(ks, norm.ppf(ranks), strict=True))
    return np.array([util.get(k, np.nan) for k in keys])


def nfiq2_target(nfiq2: np.ndarray) -> np.ndarray:
    p = np.clip(nfiq2, 1, 99) / 100.0
    t = np.log(p / (1 - p))
    return (t - np.nanmean(t)) / np.nanstd(t)


def fit_linear(X: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray | float]:
    mean, scale = X.mean(0), X.std(0) + 1e-12
    Z = np.c_[(X - mean) / scale, np.ones(len(X))]
    reg = L2 * np.eye(Z.shape[1])
    reg[-1, -1] = 0.0
    w = np.linalg.solve(Z.T @ Z + reg, Z.T @ t)
    return {"mean": mean, "scale": scale, "weights": w[:-1], "intercept": float(w[-1])}


def predict_z(model: dict, X: np.ndarray) -> np.ndarray:
    return ((X - model["mean"]) / model["scale"]) @ model["weights"] + model["intercept"]


def fit(X: np.ndarray, nfiq2: np.ndarray, util: np.ndarray) -> dict:
    return fit_to_target(X, nfiq2, (1 - UTILITY_WEIGHT) * nfiq2_target(nfiq2) + UTILITY_WEIGHT * util)


def fit_to_target(X: np.ndarray, nfiq2: np.ndarray, target: np.ndarray) -> dict:
    """Linear model of ``target`` (images without one left out), put onto NFIQ 2's scale by a logit fit."""
    ok = np.isfinite(target)
    model = fit_linear(X[ok], target[ok])
    z = predict_z(model, X)
    good = np.isfinite(nfiq2)
    p = np.clip(nfiq2[good], 1, 99) / 100.0
    slope, offset = np.polyfit(z[good], np.log(p / (1 - p)), 1)
    model["slope"], model["offset"] = float(slope), float(offset)
    return model


def score(model: dict, X: np.ndarray) -> np.ndarray:
    return 100.0 / (1.0 + np.exp(-(model["slope"] * predict_z(model, X) + model["offset"])))


def report(name: str, keys: list[str], s: np.ndarray, nfiq2: np.ndarray) -> None:
    q = dict(zip(keys, s, strict=True))
    ercs = {g: db_erc(REFERENCE, g, q) for g in FVC_DBS}
    wins = sum(ercs[g] <= NFIQ2_ERC[g] for g in FVC_DBS)
    ok = np.isfinite(nfiq2)
    rho = spearmanr(s[ok], nfiq2[ok]).statistic
    print(f"{name}: Spearman vs NFIQ 2 = {rho:.3f}; ERC mean = {np.mean(list(ercs.values())):.3f} "
          f"(NFIQ 2 {np.mean(list(NFIQ2_ERC.values())):.3f}); DBs no worse than NFIQ 2: {wins}/8")
    print("   " + "  ".join(f"{g.replace('_B', '')}={v:.3f}" for g, v in ercs.items()))
    dbs = np.array(["_".join(k.split("/")[:2]) for k in keys])
    per_db = {g: spearmanr(s[ok & (dbs == g)], nfiq2[ok & (dbs == g)]).statistic for g in FVC_DBS}
    print("   Spearman per DB " + "  ".join(f"{g.replace('_B', '')}={v:.3f}" for g, v in per_db.items()))


def to_json(model: dict) -> dict:
    return {
        "description": "Unified fingerprint quality score: score = 100 * sigmoid(slope * z + offset), "
                       "z = intercept + sum(weight * (T(min(value, upper)) - mean) / scale), T = identity or "
                       "natural log (log of max(value, 1)); upper = null means no clipping. Fitted by "
                       "benchmarks/fit_quality_model.py on FVC2000/2002 B dev images (see its docstring).",
        "target": f"{1 - UTILITY_WEIGHT:.2f} * standardised logit(NFIQ 2.3 score) + {UTILITY_WEIGHT:.2f} * "
                  "per-DB rank-normal comparison utility (BOZORTH3 on MINDTCT minutiae)",
        "ridge_l2": L2,
        "features": [
            {"name": name, "transform": transform, "upper": UPPER.get(name), "mean": round(float(m), 6),
             "scale": round(float(s), 6), "weight": round(float(w), 6)}
            for (name, transform), m, s, w in zip(FEATURES.items(), model["mean"], model["scale"],
                                                 model["weights"], strict=True)
        ],
        "intercept": round(model["intercept"], 6),
        "slope": round(model["slope"], 6),
        "offset": round(model["offset"], 6),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="report only, do not write the model table")
    parser.add_argument("--extra", action="append", default=[], choices=sorted(EXTRA_MEASURES),
                        help="add this measure of EXTRA_MEASURES to the features (report only; repeatable)")
    args = parser.parse_args(argv)
    if args.extra and not args.dry_run:
        parser.error("--extra reports only: add a measure to FEATURES (and MEASURES) to ship it")
    images = fvc_images()
    keys = list(images)
    rows = measure_all(images, tuple(args.extra))
    X = design(rows, keys, {**FEATURES, **dict.fromkeys(args.extra, "identity")})
    nfiq2_map = nfiq2_scores()
    nfiq2 = np.array([nfiq2_map.get(k, np.nan) for k in keys])
    util = utility_target(keys)
    model = fit(X, nfiq2, util)
    report("in-sample", keys, score(model, X), nfiq2)
    dbs = np.array(["_".join(k.split("/")[:2]) for k in keys])
    s_cv = np.empty(len(keys))
    for group in FVC_DBS:
        test = dbs == group
        s_cv[test] = score(fit(X[~test], nfiq2[~test], util[~test]), X[test])
    report("leave-one-DB-out", keys, s_cv, nfiq2)
    if not args.dry_run:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(to_json(model), indent=2) + "\n")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
