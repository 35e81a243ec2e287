"""Calibrate the enrolment duplicate check's slap-fused operating points on impostor triples only.

    nice python benchmarks/calibrate_duplicate_fusion.py [--out benchmarks/results]

When finger j of a record is finger i captured again, three comparisons are genuine: the pair (i, j), i against
its own slap segment, and j against i's segment. In a clean record only the middle one is; the pair and the
cross comparison are two impostor comparisons of the same two fingers (finger B's capture against two
impressions of finger A), and so correlated. :func:`cccd_biometrics.enrolment._slap_evidence` fuses them as

* ``fused`` = pair + min(i vs segment i, j vs segment i), and
* ``weakest`` = min(pair, i vs segment i, j vs segment i),

taking the larger over both readings ("j is a copy of i" and the reverse). In a clean record min(genuine,
impostor) <= impostor, so each is bounded by the same statistic with the genuine score left out; that bound is
sampled here on impostor triples: for two different fingers A, B of one citizen source, impressions a1 != a2
of A and b1 != b2 of B, ``pair = s(a1, b1)`` and the cross score ``s(a2, b1)`` (B the copy) or ``s(a1, b2)``
(A the copy). Sources: the 14 citizen sources of ``enrolment_rates.py`` (FVC2000/2002 DB1-4 B: ten fingers of ten
people; six U.are.U people: ten fingers of one person). The operating point is the lowest 4-decimal score above
all but a share 1e-4 of the triples (FMR <= 0.01 % per finger pair), pooled; leave-one-source-out fits and
held-out FMRs are reported beside it. No genuine comparison, no planted record is used.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cccd_biometrics.fingerprint.match import compare_one_to_many, prepare_gallery
from enrolment_rates import Images, shared_data, sources

ROOT = Path(__file__).resolve().parents[1]
TARGET_FMR = 1e-4


def score_matrix(images: Images, src: str) -> np.ndarray:
    """80 x 80 scores of every impression of the source's ten fingers (finger-major)."""
    templates = [images.template(src, f, i) for f in range(10) for i in range(8)]
    gallery = prepare_gallery(templates)
    return np.array([compare_one_to_many(t, gallery) for t in templates])


def triples(m: np.ndarray) -> dict[str, np.ndarray]:
    """Null statistics of every impostor triple of the source (both readings of the pair)."""
    off = ~np.eye(8, dtype=bool)
    keep = off[:, :, None, None] & off[None, None, :, :]  # a1 != a2, b1 != b2
    fused, weakest = [], []
    for a, b in itertools.combinations(range(10), 2):
        x = m[a * 8:a * 8 + 8, b * 8:b * 8 + 8]  # x[a_imp, b_imp]
        pair = x[:, None, :, None]  # [a1, a2, b1, b2]
        cross_b = x[None, :, :, None]  # s(a2, b1): B's capture against A's segment
        cross_a = x[:, None, None, :]  # s(a1, b2): A's capture against B's segment
        fused.append(np.maximum(pair + cross_b, pair + cross_a)[keep])
        weakest.append(np.maximum(np.minimum(pair, cross_b), np.minimum(pair, cross_a))[keep])
    return {"fused": np.concatenate(fused), "weakest": np.concatenate(weakest)}


def threshold_at(null: np.ndarray, fmr: float) -> float:
    """Lowest 4-decimal value t with (null >= t).mean() <= fmr."""
    allowed = math.floor(fmr * null.size)
    top = np.sort(null)[::-1]
    return math.floor(float(top[allowed]) * 1e4 + 1) / 1e4


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    images = Images(sources(shared_data()))
    per_src = {src: triples(score_matrix(images, src)) for src in images.srcs}
    result: dict[str, object] = {"target_fmr_per_pair": TARGET_FMR, "sources": list(per_src),
                                 "protocol": __doc__.split("\n\n")[2].strip() if __doc__ else ""}
    for kind in ("fused", "weakest"):
        pooled = np.concatenate([v[kind] for v in per_src.values()])
        fit = threshold_at(pooled, TARGET_FMR)
        loso = {}
        for src in per_src:
            rest = np.concatenate([v[kind] for k, v in per_src.items() if k != src])
            t = threshold_at(rest, TARGET_FMR)
            loso[src] = {"threshold": t, "held_out_fmr": float((per_src[src][kind] >= t).mean()),
                         "held_out_triples": int(per_src[src][kind].size)}
        result[kind] = {"threshold": fit, "triples": int(pooled.size),
                        "in_sample_fmr": float((pooled >= fit).mean()), "leave_one_source_out": loso,
                        "top_null_values": np.round(np.sort(pooled)[::-1][:25], 5).tolist()}
        fmrs = [v["held_out_fmr"] for v in loso.values()]
        worst = max(loso, key=lambda k: loso[k]["held_out_fmr"])
        print(f"{kind:8s} pooled {fit} over {pooled.size} triples; leave-one-source-out thresholds "
              f"{min(v['threshold'] for v in loso.values())}-{max(v['threshold'] for v in loso.values())}, "
              f"held-out FMR mean {100 * np.mean(fmrs):.4f} %, worst {100 * max(fmrs):.4f} % ({worst})")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "duplicate_fusion.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
