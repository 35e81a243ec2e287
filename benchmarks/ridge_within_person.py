"""Does the duplicate check's ridge-image evidence hold its null for fingers of ONE person?

    nice python benchmarks/ridge_within_person.py [--calibration benchmarks/results/duplicate_fusion.json] \
        [--scores scores.npz] [--out benchmarks/results/ridge_within_person.json]

Composed records make a "citizen" of ten fingers of ten people (FVC) or of one person (six U.are.U persons). A real
citizen's ten fingers share pattern types and ridge width, so evidence that compares two captures' images could
be higher between DIFFERENT fingers of one person than between random fingers, and a null calibrated on random
fingers would then not hold for real records. SOCOFing (``../shared/data/socofing_dev/Real``) has the ten fingers
of each of 40 people, one impression each; its 96x103 images are about 170 ppi (the data README), loaded with the
library's resolution estimate (ridge period) and resampled to 500 ppi.

For every pair of different fingers: within one person (40 x 45 = 1,800 pairs) and of two people (78,000 pairs),
the comparator's score and, for pairs at or above ``DUPLICATE_RIDGE_BAR``, the ridge correlation under the
comparison's transforms (:func:`cccd_biometrics.fingerprint.agreement.best_ridge_agreement`) and its
log-likelihood ratio in the shipped table (``DUPLICATE_LLR_RIDGE``; or ``--calibration``'s). Printed: the share of
candidates, the correlation's quantiles, the ratio's mean and its upper tail, within versus between; a shift of the
within-person ratio upwards is what would break the null. No genuine pairs exist here (one impression per finger).
With ``--scores`` (``calibrate_duplicate_fusion.py``'s cache) the same figures for the calibration sources'
impostor candidates (U.are.U: one person's fingers; FVC: ten people's), and the stress test: the calibration's
clean-record null with every impostor candidate's ridge correlation drawn from SOCOFing's within-person (or
between-person) pairs, at the shipped threshold (the calibration holds this at <= 0.1 % of clean records too).
Since the sixth round the impostor capture-versus-segment comparisons are drawn as well: from the same pool, and
with ``--segment-pool`` (``segment_ridge_within_person.py --pool``) once more from SOCOFing's own within-person
capture-versus-segment comparisons (the pool the calibration's third point draws from).
Time: about 3 minutes niced on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.enrolment import DUPLICATE_LLR_RIDGE, DUPLICATE_LLR_RIDGE_KNOTS, DUPLICATE_RIDGE_BAR
from cccd_biometrics.fingerprint.agreement import ridge_correlation
from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
from cccd_biometrics.fingerprint.match import compare_one_to_many, prepare_gallery

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def shared_data() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    raise SystemExit("../shared/data not found")


def socofing_pairs() -> tuple[dict[str, list[tuple[float, float]]], dict[str, float]]:
    """Every pair of different fingers of SOCOFing's Real set, within one person and of two people: (comparator
    score, ridge correlation or NaN), and what was loaded (images, people, estimated ppi median)."""
    folder = shared_data() / "socofing_dev" / "Real"
    files = sorted(f for f in folder.glob("*.BMP") if re.match(r"\d+__[MF]_", f.name))
    person = [int(f.name.split("__")[0]) for f in files]
    analyses, templates, ppis = [], [], []
    for f in files:
        img = cb.load_fingerprint(f)
        ppis.append(img.original_ppi)
        a = analyze_fingerprint(img)
        analyses.append(a)
        templates.append(cb.extract_minutiae(a, with_quality=False))
    n = len(files)
    gallery = prepare_gallery(templates)
    scores = np.array([compare_one_to_many(t, gallery) for t in templates])
    rows: dict[str, list[tuple[float, float]]] = {"within": [], "between": []}
    for i in range(n):
        for j in range(i + 1, n):
            kind = "within" if person[i] == person[j] else "between"
            c = np.nan
            if scores[i, j] >= DUPLICATE_RIDGE_BAR:
                found = ridge_correlation(analyses[i], analyses[j], templates[i], templates[j])
                c = np.nan if found is None else found
            rows[kind].append((float(scores[i, j]), c))
    return rows, {"images": n, "people": len(set(person)), "ppi_median": float(np.median(ppis)),
                  "ppi_q25": float(np.quantile(ppis, 0.25)), "ppi_q75": float(np.quantile(ppis, 0.75))}


def within_person_pool() -> np.ndarray:
    """Ridge correlations of SOCOFing's within-person candidate pairs (score at least the bar)."""
    rows, _ = socofing_pairs()
    return np.array([c for s, c in rows["within"] if s >= DUPLICATE_RIDGE_BAR and not np.isnan(c)])


def ratio_table(calibration: Path | None, name: str, shipped: tuple[float, ...]
                ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(knots, values) of a ridge ratio table: ``name`` ("ridge", "segridge") of a ``duplicate_fusion.json``, or
    the shipped table on :data:`DUPLICATE_LLR_RIDGE_KNOTS` without one."""
    if calibration is None:
        return DUPLICATE_LLR_RIDGE_KNOTS, shipped
    cal = json.loads(calibration.read_text())
    return tuple(cal["ridge_knots"]), tuple(cal["knots"][name])


def correlation_stats(c: np.ndarray, knots: tuple[float, ...], table: tuple[float, ...]) -> dict[str, object]:
    """Quantiles of ridge correlations ``c`` and the mean, share above 0/1/2 and maximum of their tabulated
    log-likelihood ratio (``knots``, ``table``); empty lists and None without any correlation."""
    llr = np.interp(c, knots, table)
    return {"correlation_q10_50_90_99": np.quantile(c, [0.1, 0.5, 0.9, 0.99]).round(3).tolist() if c.size else [],
            "llr_mean": float(llr.mean()) if llr.size else None,
            "llr_share_above_0_1_2": [float((llr > v).mean()) for v in (0, 1, 2)] if llr.size else [],
            "llr_max": float(llr.max()) if llr.size else None}


def reference(scores: Path, knots: tuple[float, ...], table: tuple[float, ...]) -> dict[str, object]:
    """The same figures for the calibration's impostor candidates (``calibrate_duplicate_fusion.py --scores``):
    the U.are.U sources (ten fingers of one person: the null the ridge table's impostor density comes from) and
    the FVC ones (ten people)."""
    z = np.load(scores)
    finger = np.arange(80) // 8
    other = (finger[:, None] != finger[None, :]) & np.triu(np.ones((80, 80), bool), 1)
    out: dict[str, object] = {}
    for group in ("uareu", "fvc"):
        keys = sorted({k.rsplit(":", 1)[0] for k in z.files if k.startswith(group)})
        c = np.concatenate([z[f"{k}:ridge"][other] for k in keys])
        c = c[~np.isnan(c)]
        out[group] = {"candidates_with_correlation": int(c.size), **correlation_stats(c, knots, table)}
        print(f"calibration {group:5s} impostor candidates {c.size}; correlation q10/50/90/99 "
              f"{out[group]['correlation_q10_50_90_99']}; ridge LLR mean {out[group]['llr_mean']:.3f}, share > 0/1/2 "
              f"{out[group]['llr_share_above_0_1_2']}")
    return out


def stress(scores: Path, cal: dict[str, Any], draws: dict[str, np.ndarray], seed: int = 2101,
           seg_pool: np.ndarray | None = None) -> dict[str, object]:
    """The calibration's clean-record null with every impostor candidate's ridge correlation replaced by a draw
    from ``draws`` (SOCOFing's within-person or between-person candidates): how many clean records would alarm,
    and the FMR per pair, at the shipped threshold if real citizens' fingers agreed like those."""
    import calibrate_duplicate_fusion as cdf

    z = np.load(scores)
    srcs = sorted({k.rsplit(":", 1)[0] for k in z.files})
    tables = {k: list(v) for k, v in cal["knots"].items()}
    threshold = float(cal["threshold"])
    out: dict[str, object] = {}
    for name, pool in {"as measured": None, **draws}.items():
        rng = np.random.default_rng(seed)
        alarmed, pairs_above, pair_n = [], 0, 0
        for src in srcs:
            sc = {k: z[f"{src}:{k}"] for k in ("pair", "seg", "ridge", "segridge") if f"{src}:{k}" in z.files}
            if pool is not None:
                sc = cdf.with_drawn_ridges(sc, pool, rng, seg_pool)
            rec, direct = cdf.null_records(sc, tables, cdf.RECORDS_PER_SOURCE, zlib.crc32(src.encode()))
            alarmed.append((rec >= threshold) | direct)
            null = cdf.null_pairs(sc, tables)
            pairs_above += int((null >= threshold).sum())
            pair_n += int(null.size)
        a = np.concatenate(alarmed)
        out[name] = {"records_alarmed": float(a.mean()), "records": int(a.size),
                     "fmr_per_pair": pairs_above / pair_n, "pair_samples": pair_n}
        print(f"clean-record null, impostor ridge correlations {name}: records alarmed {100 * a.mean():.3f} % of "
              f"{a.size}; FMR per pair {100 * pairs_above / pair_n:.4f} %", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", type=Path, default=None,
                    help="duplicate_fusion.json whose ridge table to use (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--scores", type=Path, default=None,
                    help="calibrate_duplicate_fusion.py's score cache (.npz): the same figures for its sources")
    ap.add_argument("--segment-pool", type=Path, default=None,
                    help="segment_ridge_within_person.py --pool: in the stress test, the impostor capture-versus-"
                         "segment comparisons draw from it (default: from the same pool as the capture pairs)")
    args = ap.parse_args()
    knots, table = ratio_table(args.calibration, "ridge", DUPLICATE_LLR_RIDGE)
    t0 = time.perf_counter()
    rows, info = socofing_pairs()
    out: dict[str, object] = {**info, "ridge_bar": DUPLICATE_RIDGE_BAR, "knots": list(knots), "table": list(table)}
    print(f"{info['images']} images of {info['people']} people; estimated ppi median {info['ppi_median']:.0f} "
          f"(quartiles {info['ppi_q25']:.0f}-{info['ppi_q75']:.0f})")
    for kind, r in rows.items():
        arr = np.array(r)
        s, c = arr[:, 0], arr[:, 1]
        cand = s >= DUPLICATE_RIDGE_BAR
        have = cand & ~np.isnan(c)
        res = {"pairs": int(s.size), "score_q50_q99": np.quantile(s, [0.5, 0.99]).round(4).tolist(),
               "score_at_or_above_fmr_1pct_point": float((s >= 0.0091).mean()),
               "candidates": int(cand.sum()), "candidate_share": float(cand.mean()),
               "with_correlation": int(have.sum()), **correlation_stats(c[have], knots, table)}
        out[kind] = res
        print(f"{kind:8s} {res['pairs']} pairs; score median/99th {res['score_q50_q99']}, share >= FMR 1 % point "
              f"{100 * res['score_at_or_above_fmr_1pct_point']:.2f} %; candidates (score >= {DUPLICATE_RIDGE_BAR}) "
              f"{res['candidates']} ({100 * res['candidate_share']:.2f} %), with a correlation "
              f"{res['with_correlation']}; correlation q10/50/90/99 {res['correlation_q10_50_90_99']}; ridge LLR "
              f"mean {res['llr_mean']}, share > 0/1/2 {res['llr_share_above_0_1_2']}, max {res['llr_max']}")
    if args.scores is not None:
        out["calibration_sources"] = reference(args.scores, knots, table)
        cal = (json.loads(args.calibration.read_text()) if args.calibration is not None
               else json.loads((ROOT / "benchmarks" / "results" / "duplicate_fusion.json").read_text()))
        pools = {kind: np.array([c for s, c in r if s >= DUPLICATE_RIDGE_BAR and not np.isnan(c)])
                 for kind, r in rows.items()}
        named = {f"drawn from SOCOFing {k}-person": v for k, v in pools.items()}
        out["stress"] = stress(args.scores, cal, named)
        if args.segment_pool is not None:  # the segments' comparisons from their own within-person pool
            seg_pool = np.load(args.segment_pool)
            within = {"drawn from SOCOFing within-person": pools["within"]}
            out["stress_segment_pool"] = stress(args.scores, cal, within, seg_pool=seg_pool)
    out["minutes"] = round((time.perf_counter() - t0) / 60, 1)
    if args.out is not None:
        args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
