"""EER / FNMR@FMR of our comparator on reference minutiae vs BOZORTH3 on the same minutiae, per FVC B DB.

    python benchmarks/matcher_eer.py [--minutiae mindtct|fjfx] [--set ns=8 --set nd=6 ...] [--json out.json]

Protocol: ../shared/data/README.md (all i<j pairs of each DB: 280 genuine, 2,880 impostor). Reference scores:
../shared/data/reference/bozorth3_<minutiae>/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from cccd_biometrics.bench import metrics
from cccd_biometrics.bench.datasets import (
    comparison_pairs,
    discover_dataset,
    read_reference_scores,
    read_reference_xyt,
)
from cccd_biometrics.fingerprint.match.mcc import DEFAULT_MATCHER, MatcherConfig, compare_one_to_many, prepare_gallery

# ../shared/data beside the project (a CI clone), or two levels up (a worktree under /work/wt)
DATA = next((base / "shared" / "data" for base in Path(__file__).resolve().parents[2:4]
             if (base / "shared" / "data").is_dir()), Path(__file__).resolve().parents[1].parent / "shared" / "data")
DBS = [f"fvc{y}_b/DB{d}_B" for y in (2000, 2002) for d in (1, 2, 3, 4)]


def parse_overrides(items: list[str]) -> MatcherConfig:
    types = {f.name: f.type for f in fields(MatcherConfig)}
    values = {}
    for item in items:
        name, value = item.split("=", 1)
        values[name] = int(value) if types[name] in ("int", int) else float(value)
    return replace(DEFAULT_MATCHER, **values)


def all_pair_scores(templates: list, config: MatcherConfig) -> tuple[np.ndarray, float, float]:
    """Scores of every i<j pair (row-major order), preparation seconds, comparison seconds."""
    t0 = time.perf_counter()
    gallery = prepare_gallery(templates, config)
    t1 = time.perf_counter()
    parts = []
    for i in range(len(templates) - 1):
        sub = prepare_gallery([gallery_item(gallery, j) for j in range(i + 1, len(templates))], config)
        parts.append(compare_one_to_many(gallery_item(gallery, i), sub, config))
    t2 = time.perf_counter()
    return np.concatenate(parts), t1 - t0, t2 - t1


def gallery_item(gallery, g):
    from cccd_biometrics.fingerprint.match.mcc import PreparedTemplate

    s, e = gallery.offsets[g], gallery.offsets[g + 1]
    return PreparedTemplate(gallery.geometry[s:e], gallery.bits[s:e], gallery.valid[s:e], int(gallery.keys[g]),
                            int(e - s), gallery.config)


def evaluate_db(db: str, minutiae: str, config: MatcherConfig) -> dict:
    ds = discover_dataset(DATA / db)
    refs = read_reference_xyt(DATA / "reference", minutiae, ds.samples)
    templates = [refs[s.key] for s in ds.samples]
    pairs, genuine = comparison_pairs(ds)
    scores, t_prep, t_cmp = all_pair_scores(templates, config)
    ref = read_reference_scores(DATA / "reference", f"bozorth3_{minutiae}", [s.key for s in ds.samples])
    keys = [s.key for s in ds.samples]
    ref_scores = np.array([ref[(keys[i], keys[j])] for i, j in pairs])
    row = {"db": db, "n_genuine": int(genuine.sum()), "n_impostor": int((~genuine).sum()),
           "prepare_ms_per_template": 1000 * t_prep / len(templates),
           "compare_us_per_pair": 1e6 * t_cmp / len(pairs),
           "mean_minutiae": float(np.mean([len(t) for t in templates]))}
    for name, s in (("ours", scores), ("bozorth3", ref_scores)):
        row[name] = {"eer": metrics.eer(s[genuine], s[~genuine]),
                     "fnmr_at_fmr_1pct": metrics.fnmr_at_fmr(s[genuine], s[~genuine], 0.01),
                     "fnmr_at_fmr_0.1pct": metrics.fnmr_at_fmr(s[genuine], s[~genuine], 0.001)}
    row["_scores"] = (scores, genuine)
    row["_ref"] = ref_scores
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutiae", default="mindtct", choices=("mindtct", "fjfx"))
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="MatcherConfig override")
    ap.add_argument("--db", action="append", default=None, help="subset of DBs (e.g. fvc2002_b/DB1_B)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    config = parse_overrides(args.set)
    rows = [evaluate_db(db, args.minutiae, config) for db in (args.db or DBS)]
    print(f"{'DB':18} {'ours EER':>9} {'FNMR1%':>7} {'FNMR.1%':>7} | {'boz EER':>8} {'FNMR1%':>7} {'FNMR.1%':>7}"
          f" | {'us/pair':>7} {'ms/prep':>7}")
    for r in rows:
        o, b = r["ours"], r["bozorth3"]
        print(f"{r['db']:18} {100*o['eer']:9.2f} {100*o['fnmr_at_fmr_1pct']:7.2f} {100*o['fnmr_at_fmr_0.1pct']:7.2f} |"
              f" {100*b['eer']:8.2f} {100*b['fnmr_at_fmr_1pct']:7.2f} {100*b['fnmr_at_fmr_0.1pct']:7.2f} |"
              f" {r['compare_us_per_pair']:7.1f} {r['prepare_ms_per_template']:7.2f}")
    mean_o = np.mean([r["ours"]["eer"] for r in rows])
    mean_b = np.mean([r["bozorth3"]["eer"] for r in rows])
    # pooled FNMR@1%: one threshold over all DBs' impostors (scores are comparable across DBs)
    gen = np.concatenate([r["_scores"][0][r["_scores"][1]] for r in rows])
    imp = np.concatenate([r["_scores"][0][~r["_scores"][1]] for r in rows])
    bgen = np.concatenate([r["_ref"][r["_scores"][1]] for r in rows])
    bimp = np.concatenate([r["_ref"][~r["_scores"][1]] for r in rows])
    print(f"pooled bozorth3 FNMR@1% {100*metrics.fnmr_at_fmr(bgen, bimp, 0.01):.2f}")
    print(f"mean EER ours {100*mean_o:.2f}  bozorth3 {100*mean_b:.2f};  pooled ours FNMR@1% "
          f"{100*metrics.fnmr_at_fmr(gen, imp, 0.01):.2f} thr1% {metrics.threshold_at_fmr(imp, 0.01):.4f} "
          f"thr0.1% {metrics.threshold_at_fmr(imp, 0.001):.4f}")
    if args.json:
        for r in rows:
            r.pop("_scores")
            r.pop("_ref")
        args.json.write_text(json.dumps({"config": config.to_dict(), "minutiae": args.minutiae, "rows": rows},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
