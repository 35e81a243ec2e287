"""Calibrate the enrolment swap and hand-swap decisions (log-likelihood ratios) on clean-record samples only.

    nice python benchmarks/calibrate_swap_llr.py [--out benchmarks/results] [--scores /tmp/swap_scores.npz]

When the fingers captured as positions p and q were exchanged, the four comparisons of the pair with the slap
segments read:

========================================  ==================  ====================
comparison                                clean record (H0)   p and q swapped (H1)
========================================  ==================  ====================
capture p vs segment q (cross)            impostor            genuine
capture q vs segment p (cross)            impostor            genuine
capture p vs segment p (own)              genuine             impostor
capture q vs segment q (own)              genuine             impostor
========================================  ==================  ====================

(the pair's own score is an impostor's under both and cancels), so the log-likelihood ratio of H1 over H0 is ``L(p
vs q) + L(q vs p) - L(p vs p) - L(q vs q)`` with ``L(s) = log g(s) / f(s)`` of a capture-versus-segment score. A
hand swap (every finger p exchanged with p +- 5) is the sum of the five ratios of the pairs (p, p + 5), with at
least ``HAND_SWAP_MIN_PAIRS`` of them available (fewer, and one slap's pair cannot tell a hand swap from a finger
swap). A label shift (the segmenter lost a finger or counted an extra region, and the labels beyond it moved by one)
also shows a capture matching a neighbour's segment; a pair's swap ratio is taken over the better of "clean" and the
shifts that move p's or q's segment (``_shift_llrs``, ``_swap_evidence`` in ``enrolment.py``). A segment cut from a
slap the segmenter marked uncertain (fingers missing or extra regions: its labels may be shifted) has its own table
``L_u``, fitted on such segments: its "genuine" density holds the mislabelled ones, so a score against it weighs
less. The swap statistic of a record is checked on every pair of captured
fingers with both segments; the mirror property makes a swap configuration's statistic the negative of the clean
configuration with the same images.

Not modelled here: the swap's duplicate rival (``_beats_duplicate``: a swap must also beat "one finger captured
twice", which needs the pair score); it only removes alarms, so the clean-record point holds, and its cost to
detection is measured on records (``enrolment_rates.py``).

What the check sees. Slap segments are cut by :func:`~cccd_biometrics.fingerprint.slap.segment_slap` from slaps
composed (:func:`~cccd_biometrics.fingerprint.slap_compose.compose_slap`) of the sources' impressions, with
composition seeds ``COMPOSE_SEEDS`` (never the benchmark seeds 2026-2037); each round places one impression of
each of a source's ten fingers, at random positions, in the three slaps, eight rounds per seed so that every
impression is cut once per seed. A segment is uncertain when its slap has segmenter findings. Captures are the
raw impressions, as in ``enrolment_rates.py``'s records. Segment labels are taken as the check takes them.

The null (clean records only, no planted record): ``RECORDS_PER_SOURCE`` random clean records per source (per
finger a capture impression and another impression's segment, from one composition seed per record); per record the
largest pair statistic and the hand-swap sum. Operating points: the lowest 2-decimal value above all but
``TARGET_RECORDS`` of the clean records (swap: the record's largest pair; hand swap: its sum, but never below the
swap point: clean records' sums are far below zero, and a hand swap must be evidence of an exchange at least as
strong as one pair's), pooled over the 14 citizen sources of ``enrolment_rates.py``. Leave-one-source-out: tables
and thresholds fitted on 13 sources, clean records alarmed and simulated swaps (the same records with two fingers of
one hand exchanged; hand swaps: all five exchanged) found measured on the held-out one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cccd_biometrics.enrolment import HAND_SWAP_MIN_PAIRS
from cccd_biometrics.fingerprint.match import compare_one_to_many, prepare_gallery
from enrolment_rates import Images, shared_data, sources
from llr_calibration import llr_knots, segment_round, threshold_at

ROOT = Path(__file__).resolve().parents[1]
TARGET_RECORDS = 1e-3
COMPOSE_SEEDS = (7201, 7202, 7203)
KNOTS = (0.0, 0.002, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011, 0.012, 0.014, 0.016, 0.018, 0.020,
         0.024, 0.028, 0.033, 0.040, 0.050, 0.060, 0.080)
LLR_CLIP = 8.0
BANDWIDTH = 0.0015
RECORDS_PER_SOURCE = 20_000


# ------------------------------------------------------------------------------------------------ scores


def source_scores(images: Images, src: str) -> dict[str, np.ndarray]:
    """``seg`` [80, 80, R]: capture (finger-major: finger * 8 + impression) vs the segment labelled as that
    finger, cut from that impression in composition seed r (NaN where no segment was labelled); ``unc`` [80, R]:
    the segment's slap was marked uncertain."""
    caps = [images.template(src, f, i) for f in range(10) for i in range(8)]
    gallery = prepare_gallery(caps)
    seg = np.full((80, 80, len(COMPOSE_SEEDS)), np.nan)
    unc = np.zeros((80, len(COMPOSE_SEEDS)), bool)
    for r, seed in enumerate(COMPOSE_SEEDS):
        offsets = np.random.default_rng([seed, zlib.crc32(src.encode()), 99]).integers(0, 8, 10)
        for rnd in range(8):
            for f, (i, _, uncertain, tpl) in segment_round(images, src, seed, rnd, offsets).items():
                seg[:, f * 8 + i, r] = compare_one_to_many(tpl, gallery)
                unc[f * 8 + i, r] = uncertain
    return {"seg": seg, "unc": unc}


# ------------------------------------------------------------------------------------- likelihood ratios


def genuine_impostor(sc: dict[str, np.ndarray], uncertain: bool) -> tuple[np.ndarray, np.ndarray]:
    """Genuine (same finger, other impression) and impostor (other finger) capture-vs-segment scores, of
    segments from uncertain slaps or from the others."""
    finger = np.arange(80) // 8
    same = (finger[:, None] == finger[None, :])[..., None]
    other_imp = (~np.eye(80, dtype=bool))[..., None]
    m = sc["seg"]
    sel = np.broadcast_to(sc["unc"][None, :, :] == uncertain, m.shape) & ~np.isnan(m)
    return m[sel & np.broadcast_to(same & other_imp, m.shape)], m[sel & np.broadcast_to(~same, m.shape)]


def fit_tables(per_src: dict[str, dict[str, np.ndarray]]) -> dict[str, list[float]]:
    out = {}
    for name, uncertain in (("certain", False), ("uncertain", True)):
        gi = [genuine_impostor(v, uncertain) for v in per_src.values()]
        out[name] = llr_knots(np.concatenate([g for g, _ in gi]), np.concatenate([f for _, f in gi]), KNOTS,
                              BANDWIDTH, LLR_CLIP)
    return out


# ------------------------------------------------------------------------------------------------ nulls


def records(sc: dict[str, np.ndarray], tables: dict[str, list[float]], n: int, seed: int
            ) -> dict[str, np.ndarray]:
    """``n`` random records of the source (position p holds finger perm[p]; per finger a capture impression and
    another impression's segment from one composition seed per record), clean and with planted errors:
    ``clean_max`` the largest pair statistic of the clean record, ``clean_hand`` its hand-swap sum,
    ``swap`` the statistic of a random same-hand pair after exchanging their captures, ``swap_max_other`` the
    largest statistic of the other pairs of that record, ``hand`` the hand-swap sum after exchanging hands."""
    rng = np.random.default_rng(seed)
    cap = rng.integers(0, 8, (n, 10))
    segi = (cap + rng.integers(1, 8, (n, 10))) % 8
    r = rng.integers(0, sc["seg"].shape[2], n)
    perm = np.argsort(rng.random((n, 10)), axis=1)  # position p (0-based) holds finger perm[:, p]
    ci = perm * 8 + np.take_along_axis(cap, perm, 1)  # capture index per position
    si = perm * 8 + np.take_along_axis(segi, perm, 1)  # segment index per position
    seg_raw = sc["seg"][ci[:, :, None], si[:, None, :], r[:, None, None]]  # [n, capture pos, segment pos]
    unc = sc["unc"][si, r[:, None]]  # [n, segment pos]
    lc, lu = (np.interp(seg_raw, KNOTS, tables[k]) for k in ("certain", "uncertain"))
    L = np.where(unc[:, None, :], lu, lc)  # NaN where the segment is missing

    def pair_stats(Lm: np.ndarray) -> np.ndarray:
        own = np.diagonal(Lm, axis1=1, axis2=2)
        return Lm + Lm.transpose(0, 2, 1) - own[:, :, None] - own[:, None, :]  # [n, p, q]

    def evidence(Lm: np.ndarray) -> np.ndarray:
        """The pair ratios less the best label shift moving p's or q's segment (``_swap_evidence``)."""
        stats = pair_stats(Lm)
        own = np.diagonal(Lm, axis1=1, axis2=2)
        present = ~np.isnan(own)
        rival = np.zeros((Lm.shape[0], 10))
        for fingers in ((1, 2, 3, 4), (6, 7, 8, 9)):  # 0-based positions 2-5 and 7-10
            for delta in (1, -1):
                order = fingers if delta == 1 else fingers[::-1]
                for start in range(len(order) - 1):
                    run = order[start:]
                    count = present[:, list(run)].sum(axis=1)
                    value = np.zeros(Lm.shape[0])
                    shown = np.zeros(Lm.shape[0], int)
                    for k in run:
                        if k + delta in fingers:
                            moved = np.nan_to_num(Lm[:, k + delta, k], nan=0.0)
                            value += moved
                            shown += moved > 0
                        value -= np.nan_to_num(own[:, k], nan=0.0)
                    valid = (count >= 2) & (~present[:, order[-1]] | ((count >= 3) & (shown >= 2)))
                    value = np.where(valid, value, 0.0)
                    for k in run:
                        rival[:, k] = np.maximum(rival[:, k], value)
        return stats - np.maximum(rival[:, :, None], rival[:, None, :])

    iu = np.triu_indices(10, 1)
    clean = pair_stats(L)
    clean_ev = evidence(L)
    hand_pairs = (np.arange(5), np.arange(5) + 5)
    def hand_sum(stats: np.ndarray) -> np.ndarray:
        pairs = stats[:, hand_pairs[0], hand_pairs[1]]
        enough = (~np.isnan(pairs)).sum(axis=1) >= HAND_SWAP_MIN_PAIRS
        return np.where(enough, np.nan_to_num(pairs, nan=0.0).sum(axis=1), -np.inf)

    clean_hand = hand_sum(clean)
    # a swap of two fingers of one hand: exchange the captures at positions a, b
    hand = rng.integers(0, 2, n) * 5
    ab = np.sort(np.array([rng.choice(5, 2, replace=False) for _ in range(n)]), axis=1) + hand[:, None]
    rows = np.arange(n)
    sw = L.copy()
    sw[rows, ab[:, 0], :], sw[rows, ab[:, 1], :] = L[rows, ab[:, 1], :], L[rows, ab[:, 0], :]
    swapped = evidence(sw)
    swap = swapped[rows, ab[:, 0], ab[:, 1]]
    swapped[rows, ab[:, 0], ab[:, 1]] = -np.inf
    swapped[rows, ab[:, 1], ab[:, 0]] = -np.inf
    order = np.r_[5:10, 0:5]
    hs = pair_stats(L[:, order, :])  # capture at p is the finger of p +- 5
    return {"clean_max": np.nan_to_num(clean_ev[:, iu[0], iu[1]], nan=-np.inf).max(axis=1),
            "clean_hand": clean_hand, "swap": swap,
            "swap_max_other": np.nan_to_num(swapped[:, iu[0], iu[1]], nan=-np.inf).max(axis=1),
            "hand": hand_sum(hs)}


def fit_point(per_src: dict[str, dict[str, np.ndarray]]) -> tuple[dict[str, list[float]], float, float]:
    tables = fit_tables(per_src)
    recs = [records(sc, tables, RECORDS_PER_SOURCE, zlib.crc32(s.encode())) for s, sc in per_src.items()]
    swap_t = threshold_at(np.concatenate([v["clean_max"] for v in recs]), TARGET_RECORDS)
    # the clean records' sums are far below zero (five pairs of clean evidence), so their 0.1 % point is
    # negative; a hand swap must at least be evidence for an exchange, as strong as one pair's swap
    hand_t = max(threshold_at(np.concatenate([v["clean_hand"] for v in recs]), TARGET_RECORDS), swap_t)
    return tables, swap_t, hand_t


def rates(v: dict[str, np.ndarray], swap_t: float, hand_t: float) -> dict[str, float]:
    return {"clean_records_alarmed_swap": float((v["clean_max"] >= swap_t).mean()),
            "clean_records_alarmed_hand": float((v["clean_hand"] >= hand_t).mean()),
            "swaps_found": float((v["swap"] >= swap_t).mean()),
            "swap_records_with_another_pair_alarmed": float((v["swap_max_other"] >= swap_t).mean()),
            "hand_swaps_found": float((v["hand"] >= hand_t).mean())}


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--scores", type=Path, default=None,
                    help="cache of the score matrices (.npz): read when it exists, written otherwise")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.scores is not None and args.scores.is_file():
        z = np.load(args.scores)
        srcs = sorted({k.rsplit(":", 1)[0] for k in z.files})
        per_src = {s: {"seg": z[f"{s}:seg"], "unc": z[f"{s}:unc"]} for s in srcs}
    else:
        images = Images(sources(shared_data()))
        per_src = {}
        for src in images.srcs:
            per_src[src] = source_scores(images, src)
            print(f"  {src}: scores in {time.perf_counter() - t0:.0f} s", flush=True)
        if args.scores is not None:
            np.savez_compressed(args.scores, **{f"{s}:{k}": v for s, d in per_src.items() for k, v in d.items()})
    tables, swap_t, hand_t = fit_point(per_src)
    recs = {s: records(sc, tables, RECORDS_PER_SOURCE, zlib.crc32(s.encode())) for s, sc in per_src.items()}
    pooled = {s: rates(v, swap_t, hand_t) for s, v in recs.items()}
    hand_clean_point = threshold_at(np.concatenate([v["clean_hand"] for v in recs.values()]), TARGET_RECORDS)
    loso = {}
    for src in per_src:
        tb, st, ht = fit_point({s: v for s, v in per_src.items() if s != src})
        held = rates(records(per_src[src], tb, RECORDS_PER_SOURCE, zlib.crc32(src.encode()) + 1), st, ht)
        loso[src] = {"swap_threshold": st, "hand_threshold": ht, **held}
        print(f"  leave out {src}: swap threshold {st}, hand {ht}; held out: "
              + ", ".join(f"{k} {100 * v:.3f} %" for k, v in held.items()), flush=True)

    def summary(d: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        keys = [k for k in next(iter(d.values())) if not k.endswith("threshold")]
        return {k: {"mean": float(np.mean([v[k] for v in d.values()])),
                    "worst": float(max(v[k] for v in d.values()) if "alarmed" in k
                                   else min(v[k] for v in d.values())),
                    "worst_source": (max if "alarmed" in k else min)(d, key=lambda s, k=k: d[s][k])} for k in keys}

    n_unc = {k: int(sum(genuine_impostor(v, k == "uncertain")[0].size for v in per_src.values()))
             for k in ("certain", "uncertain")}
    result = {"target_records_alarmed": TARGET_RECORDS, "sources": list(per_src),
              "compose_seeds": list(COMPOSE_SEEDS), "knot_scores": list(KNOTS), "llr_clip": LLR_CLIP,
              "bandwidth": BANDWIDTH, "knots": tables, "swap_threshold": swap_t, "hand_threshold": hand_t,
              "hand_clean_records_point": hand_clean_point,
              "genuine_counts": n_unc,
              "uncertain_segment_share": float(np.mean([v["unc"].mean() for v in per_src.values()])),
              "records_per_source": RECORDS_PER_SOURCE, "in_sample": {"per_source": pooled, **summary(pooled)},
              "leave_one_source_out": {"per_source": loso, **summary(loso),
                                       "swap_thresholds": [min(v["swap_threshold"] for v in loso.values()),
                                                           max(v["swap_threshold"] for v in loso.values())],
                                       "hand_thresholds": [min(v["hand_threshold"] for v in loso.values()),
                                                           max(v["hand_threshold"] for v in loso.values())]},
              "protocol": next((p for p in (__doc__ or "").split("\n\n") if p.startswith("The null")), ""),
              "minutes": round((time.perf_counter() - t0) / 60, 1)}
    print(f"knots certain   {tables['certain']}\nknots uncertain {tables['uncertain']}")
    print(f"genuine comparisons: {n_unc}; swap threshold {swap_t}, hand-swap threshold {hand_t} (clean records' "
          f"0.1 % point {hand_clean_point})")
    print("in sample (pooled fit):", json.dumps({k: v for k, v in result["in_sample"].items()
                                                 if k != "per_source"}))
    print("leave-one-source-out:", json.dumps({k: v for k, v in result["leave_one_source_out"].items()
                                               if k != "per_source"}))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "swap_llr.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
