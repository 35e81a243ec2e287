"""Calibrate the comparator's FMR <= 0.01 % operating point for the enrolment duplicate check, out of sample.

    nice python benchmarks/calibrate_duplicate_threshold.py [--data ../shared/data] [--out benchmarks/results]

A citizen's ten fingers are ten *different* fingers; a duplicate is one finger captured twice. So the duplicate
threshold is an operating point on impostor pairs (different fingers): the lowest score whose false-match rate
is at most 0.01 %. Impostor and genuine pairs are those of the all-pairs protocol within each dev database
(``../shared/data/README.md``): the eight FVC2000/2002 B sets (23,040 impostor, 2,240 genuine pairs) and
Neurotechnology's U.are.U sample set (133,120 impostor, 1,820 genuine pairs; six people with ten fingers each
and one with five, so 17,920 of its impostor pairs are two fingers of one person: the duplicate check's own case).

Reported out of sample: the threshold fitted on FVC is measured on U.are.U and vice versa; the shipped value is
fitted on both pooled (156,160 impostor pairs), rounded up to 4 decimals. With 156,160 pairs, FMR 0.01 % is
about 15 impostor pairs above the threshold: the estimate is coarse, and the report says so.
Writes ``duplicate_threshold.json`` (the operating point with the data it came from and the top impostor
scores) and prints a table.

The same scores also give the comparator's :data:`~cccd_biometrics.fingerprint.match.DECISION_THRESHOLDS`: FMR
1 % and 0.1 % on the 23,040 impostor pairs of the eight FVC B DBs pooled (rounded up as above), with the FMR and
FNMR they give on U.are.U (out of sample); written under ``decision_thresholds``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
from pathlib import Path

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.match import DECISION_THRESHOLDS

ROOT = Path(__file__).resolve().parents[1]
TARGET_FMR = 1e-4
PPI = {"fvc2002_b/DB2_B": 569.0}


def shared_data() -> Path:
    """../shared/data beside the project (a CI clone), or two levels up (a worktree under /work/wt)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def databases(data: Path) -> dict[str, list[tuple[Path, str, str]]]:
    """db name -> [(file, finger identity, person)]."""
    out: dict[str, list[tuple[Path, str, str]]] = {}
    for year in ("fvc2000_b", "fvc2002_b"):
        for db in sorted((data / year).glob("DB*_B")):
            files = sorted(db.glob("*.tif"))
            out[f"{year}/{db.name}"] = [(f, f.stem.split("_")[0], f"{db.name}:{f.stem.split('_')[0]}") for f in files]
    uru = data / "neurotech_uareu"
    rows = []
    for f in sorted(uru.glob("*.tif")):
        m = re.match(r"(\d+)_(\d+)_(\d+)$", f.stem)
        if m:
            rows.append((f, f"{m[1]}_{m[2]}", m[1]))
    out["neurotech_uareu"] = rows
    return out


def scores_of(rows: list[tuple[Path, str, str]], ppi: float | None) -> dict[str, np.ndarray]:
    templates = [cb.extract_minutiae(cb.load_fingerprint(f, ppi=ppi), with_quality=False) for f, _, _ in rows]
    gallery = cb.prepare_gallery(templates)
    ids = [r[1] for r in rows]
    people = [r[2] for r in rows]
    imp, gen, same_person = [], [], []
    for i in range(len(rows)):
        s = cb.compare_one_to_many(templates[i], gallery.subset(i + 1, len(rows))) if i + 1 < len(rows) else []
        for j, score in zip(range(i + 1, len(rows)), s, strict=True):
            if ids[i] == ids[j]:
                gen.append(score)
            else:
                imp.append(score)
                if people[i] == people[j]:
                    same_person.append(score)
    return {"impostor": np.array(imp), "genuine": np.array(gen), "same_person": np.array(same_person)}


def threshold_at(impostor: np.ndarray, fmr: float) -> float:
    """Lowest 4-decimal score t with (impostor >= t).mean() <= fmr."""
    allowed = math.floor(fmr * impostor.size)
    top = np.sort(impostor)[::-1]
    t = float(top[allowed]) if allowed < top.size else 0.0
    return math.floor(t * 1e4 + 1) / 1e4  # strictly above the (allowed+1)-th highest impostor score


def rates(s: dict[str, np.ndarray], t: float) -> dict[str, float | int]:
    return {"impostor_pairs": int(s["impostor"].size), "false_matches": int((s["impostor"] >= t).sum()),
            "fmr": float((s["impostor"] >= t).mean()) if s["impostor"].size else float("nan"),
            "genuine_pairs": int(s["genuine"].size), "tmr": float((s["genuine"] >= t).mean()),
            "same_person_pairs": int(s["same_person"].size),
            "same_person_false_matches": int((s["same_person"] >= t).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--reuse", action="store_true", help="reuse the scores of the last run (cache file)")
    args = ap.parse_args()
    args.data = args.data or shared_data()
    t0 = time.perf_counter()
    # scores stay outside the repository (derived from datasets that must not be shipped); --reuse redoes the
    # report without rescoring
    cache = Path(tempfile.gettempdir()) / "cccd_duplicate_scores.npz"
    if args.reuse and cache.is_file():
        flat = np.load(cache)
        per_db = {}
        for key in flat.files:
            db, kind = key.rsplit("|", 1)
            per_db.setdefault(db, {})[kind] = flat[key]
    else:
        per_db = {name: scores_of(rows, PPI.get(name)) for name, rows in databases(args.data).items()}
        np.savez_compressed(cache, **{f"{db}|{k}": v for db, d in per_db.items() for k, v in d.items()})

    def pool(names: list[str]) -> dict[str, np.ndarray]:
        return {k: np.concatenate([per_db[n][k] for n in names]) for k in ("impostor", "genuine", "same_person")}

    fvc = [n for n in per_db if n.startswith("fvc")]
    sets = {"fvc": pool(fvc), "uareu": pool(["neurotech_uareu"]), "pooled": pool(list(per_db))}
    fitted = {name: threshold_at(s["impostor"], TARGET_FMR) for name, s in sets.items()}
    decision = {key: threshold_at(sets["fvc"]["impostor"], fmr) for key, fmr in (("fmr_1%", 0.01),
                                                                                ("fmr_0.1%", 0.001))}
    result = {
        "operating_point": "fmr_0.01%",
        "threshold": fitted["pooled"],
        "fitted_on": "impostor pairs of the 8 FVC2000/2002 B dev DBs and neurotech_uareu pooled (all-pairs protocol "
                     "within each DB), this library's extractor and comparator with default settings",
        "cccd_biometrics_version": cb.__version__,
        "existing_thresholds": dict(DECISION_THRESHOLDS),
        "fits": fitted,
        "out_of_sample": {
            "fit_fvc_measure_uareu": rates(sets["uareu"], fitted["fvc"]),
            "fit_uareu_measure_fvc": rates(sets["fvc"], fitted["uareu"]),
        },
        "in_sample": {name: rates(s, fitted["pooled"]) for name, s in sets.items()},
        "per_db_at_threshold": {n: rates(per_db[n], fitted["pooled"]) for n in per_db},
        "top_impostor_scores": {name: np.round(np.sort(s["impostor"])[::-1][:25], 5).tolist()
                                for name, s in sets.items()},
        "genuine_quantiles": {name: np.round(np.quantile(s["genuine"], [0.01, 0.05, 0.1, 0.5]), 5).tolist()
                              for name, s in sets.items()},
        "decision_thresholds": {
            "fitted_on": "impostor pairs of the 8 FVC2000/2002 B dev DBs pooled (23,040), this library's extractor "
                         "(FVC2002 DB2 at 569 ppi) and comparator with default settings",
            "thresholds": decision,
            "in_sample_fvc": {key: rates(sets["fvc"], t) for key, t in decision.items()},
            "out_of_sample_uareu": {key: rates(sets["uareu"], t) for key, t in decision.items()},
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "duplicate_threshold.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"FMR <= 0.01 % thresholds: fitted on FVC {fitted['fvc']}, on U.are.U {fitted['uareu']}, "
          f"pooled {fitted['pooled']} (shipped)")
    for name, r in result["out_of_sample"].items():
        print(f"{name:24s} FMR {100 * r['fmr']:.4f} % ({r['false_matches']}/{r['impostor_pairs']}), "
              f"TMR {100 * r['tmr']:.2f} % of {r['genuine_pairs']} genuine pairs, same-person false matches "
              f"{r['same_person_false_matches']}/{r['same_person_pairs']}")
    for name, r in result["in_sample"].items():
        print(f"in sample {name:14s} FMR {100 * r['fmr']:.4f} % ({r['false_matches']}/{r['impostor_pairs']}), "
              f"TMR {100 * r['tmr']:.2f} %")
    print(f"DECISION_THRESHOLDS (FVC impostors pooled): {decision} (shipped: {dict(DECISION_THRESHOLDS)})")
    for key, t in decision.items():
        dt = result["decision_thresholds"]
        r, u = dt["in_sample_fvc"][key], dt["out_of_sample_uareu"][key]
        print(f"  {key} {t}: FVC FMR {100 * r['fmr']:.3f} % TMR {100 * r['tmr']:.2f} %; U.are.U (out of sample) FMR "
              f"{100 * u['fmr']:.3f} % ({u['false_matches']}/{u['impostor_pairs']}) TMR {100 * u['tmr']:.2f} %")


if __name__ == "__main__":
    main()
