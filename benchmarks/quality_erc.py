"""Dataset evaluation of ``assess_fingerprint`` against the targets of issue 3, on ``../shared/data``.

Usage (project root)::

    python benchmarks/quality_erc.py [--csv out.csv] [--no-socofing]

Reports, with NFIQ 2.3 recomputed from ``reference/nfiq2/fvc.csv`` by the same code:

1. normalised ERC area (reject 0-20 %, threshold at FMR 1 % on BOZORTH3/MINDTCT scores) per FVC DB, their mean,
   and a pooled figure (all 2,240 genuine pairs ranked together, each judged at its own DB's threshold);
2. Spearman correlation with the NFIQ 2 score over the FVC dev images;
3. the flag: FNMR at FMR 1 % of genuine pairs with a flagged image versus pairs with none; share of
   FVC2002 DB1_B flagged; SOCOFing Altered-Hard ``_Obl`` versus ``Real`` flag rates;
plus the findings' codes per DB.
"""

from __future__ import annotations

import argparse
import collections
import csv
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

import cccd_biometrics as cb
from erc import FVC_DBS, erc_area, read_pairs, threshold_at_fmr
from quality_dataset import REFERENCE, fvc_images, load, nfiq2_scores, socofing_images


def assess_all(images: dict[str, Path]) -> dict[str, cb.FingerprintQuality]:
    return {key: cb.assess_fingerprint(load(path)) for key, path in images.items()}


def erc_report(quality: dict[str, float], label: str) -> dict[str, float]:
    """Per-DB and pooled normalised ERC areas for per-image ``quality``."""
    out = {}
    pooled_q, pooled_err = [], []
    for group in FVC_DBS:
        pairs, gen, imp = read_pairs(REFERENCE, group)
        errors = gen < threshold_at_fmr(imp)

        def q(key: str) -> float:
            v = float(quality.get(key, -np.inf))
            return v if np.isfinite(v) else -np.inf

        pq = np.array([min(q(a), q(b)) for a, b in pairs])
        out[group] = erc_area(pq, errors)
        pooled_q.append(pq)
        pooled_err.append(errors)
    out["mean"] = float(np.mean([out[g] for g in FVC_DBS]))
    out["pooled"] = erc_area(np.concatenate(pooled_q), np.concatenate(pooled_err))
    print(f"ERC {label:8s} " + " ".join(f"{out[g]:.3f}" for g in FVC_DBS)
          + f" | mean {out['mean']:.3f} | pooled {out['pooled']:.3f}")
    return out


def flag_report(results: dict[str, cb.FingerprintQuality]) -> None:
    flagged_err, clean_err = [], []
    for group in FVC_DBS:
        pairs, gen, imp = read_pairs(REFERENCE, group)
        errors = gen < threshold_at_fmr(imp)
        for (a, b), e in zip(pairs, errors, strict=True):
            (flagged_err if results[a].hard_to_read or results[b].hard_to_read else clean_err).append(e)
    f, c = np.mean(flagged_err), np.mean(clean_err)
    print(f"FNMR@FMR1%: pairs with a flagged image {f:.3f} (n={len(flagged_err)}), pairs with none {c:.3f} "
          f"(n={len(clean_err)}), ratio {f / max(c, 1e-9):.2f} (target >= 3)")
    db1 = [r.hard_to_read for k, r in results.items() if k.startswith("fvc2002/DB1_B/")]
    print(f"FVC2002 DB1_B flagged: {np.mean(db1):.3f} (target <= 0.15)")


def codes_report(results: dict[str, cb.FingerprintQuality]) -> None:
    groups = sorted({"/".join(k.split("/")[:2]) for k in results})
    for g in groups:
        rs = [r for k, r in results.items() if k.startswith(g + "/")]
        codes = collections.Counter(c for r in rs for c in r.codes)
        print(f"  {g:28s} n={len(rs):4d} flagged={np.mean([r.hard_to_read for r in rs]):.3f} "
              f"median score={np.median([r.score for r in rs]):5.1f}  {dict(codes.most_common())}")


def socofing_report(results: dict[str, cb.FingerprintQuality]) -> None:
    real = [r.hard_to_read for k, r in results.items() if k.startswith("socofing/Real/")]
    obl = [r.hard_to_read for k, r in results.items()
           if k.startswith("socofing/Altered-Hard/") and k.endswith("_Obl")]
    ratio = np.mean(obl) / max(np.mean(real), 1e-9)
    print(f"SOCOFing flagged: Real {np.mean(real):.3f} (n={len(real)}), Altered-Hard _Obl {np.mean(obl):.3f} "
          f"(n={len(obl)}), ratio {ratio:.2f} (target >= 2)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="evaluate assess_fingerprint on ../shared/data")
    parser.add_argument("--csv", type=Path, help="write per-image score, flag and codes here")
    parser.add_argument("--no-socofing", action="store_true")
    args = parser.parse_args(argv)
    results = assess_all(fvc_images())
    nfiq2 = nfiq2_scores()
    ours = {k: r.score for k, r in results.items()}
    erc_report(nfiq2, "NFIQ 2")
    erc_report(ours, "ours")
    keys = list(results)
    a = np.array([ours[k] for k in keys])
    b = np.array([nfiq2.get(k, np.nan) for k in keys])
    ok = np.isfinite(b)
    print(f"Spearman with NFIQ 2 over {ok.sum()} FVC images: {spearmanr(a[ok], b[ok]).statistic:.3f} (target >= 0.80)")
    flag_report(results)
    if not args.no_socofing:
        soc = assess_all(socofing_images())
        socofing_report(soc)
        results.update(soc)
    codes_report(results)
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["key", "score", "hard_to_read", "codes"])
            for k, r in results.items():
                w.writerow([k, f"{r.score:.3f}", int(r.hard_to_read), ";".join(r.codes)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
