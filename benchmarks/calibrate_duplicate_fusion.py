"""Calibrate the enrolment duplicate check's slap and ridge evidence (one log-likelihood ratio) on clean-record samples.

    nice python benchmarks/calibrate_duplicate_fusion.py [--out benchmarks/results] [--scores scores.npz]

When finger j of a record is finger i captured again, the record's comparisons of the two fingers read:

===========================================  ==================  ===================
comparison                                   clean record (H0)   j is i again (H1)
===========================================  ==================  ===================
pair: capture i vs capture j                 impostor            genuine
own: capture i vs segment i                  genuine             genuine
cross: capture j vs segment i                impostor            genuine
copy's own: capture j vs segment j           genuine             impostor
===========================================  ==================  ===================

so the log-likelihood ratio of H1 over H0 is ``L_pair(pair) + L_seg(cross) - L_seg(copy's own)`` (the second
row is alike under both and cancels). A swap of i and j (H2: capture i is finger j and j is i) makes the cross
and copy's own comparisons look as H1 does; against it the ratio is ``L_pair(pair) + L_seg(own) -
L_seg(capture i vs segment j)``. The statistic is the pair's term plus the smaller of the two segment parts (the
duplicate must beat both the clean record and the swap), so all four comparisons count; over both readings
("j is i again" and the reverse) the larger (:func:`cccd_biometrics.enrolment.duplicates._slap_llr`).
``L(s) = log g(s) / f(s)`` per comparison kind: capture vs capture (``pair``) and capture vs slap segment
(``seg``), from genuine and impostor scores of the calibration sources, smoothed, made non-decreasing, clipped to
+-``LLR_CLIP`` and stored as knots (linear interpolation between them).

The ridge images. For a pair scoring at least ``DUPLICATE_RIDGE_BAR`` the pair's term gains ``L_ridge(c)``, ``c``
the two captures' ridge correlation under their comparison's transforms
(:func:`cccd_biometrics.fingerprint.agreement.best_ridge_agreement` over
:func:`~cccd_biometrics.fingerprint.match.align_candidates`); genuine under H1, impostor under H0 and H2, so it
adds to both readings alike. ``L_ridge`` is tabulated at ``RIDGE_KNOTS`` from the weak genuine pairs (scores from
the bar to the direct rule's threshold) of all sources and the impostor candidates of the sources whose ten
fingers are ONE person's (``ONE_PERSON_PREFIX``: the six U.are.U people), because a real citizen's fingers agree
more than random fingers (``ridge_within_person.py``); clipped to +-``RIDGE_CLIP``.

The segments' ridge images (sixth round). Each capture-versus-segment comparison scoring in
``DUPLICATE_SEGMENT_RIDGE_WINDOW`` gains ``L_segridge(c)``, ``c`` the capture's and the cut segment's ridge
correlation under their comparison's transforms (the same measure; the segment's own analysis), inside
``L_seg``: so it enters the four comparisons' "must beat clean and swapped" structure exactly as their scores do.
``L_segridge`` has its own table (segments are another population: fingertips cut from a slap, upright, other
pressure), from the weak genuine comparisons (window's low end to the direct rule's threshold) of all sources and
the impostor ones in the window of the one-person sources, at ``RIDGE_KNOTS``, clipped to +-``RIDGE_CLIP``.

The check holds a pair with ridge evidence to this script's threshold and a pair without it (below the bar, too
little common area) to ``DUPLICATE_LLR_SLAP_THRESHOLD`` (6.82, this script's point before the ridge term, same pair
and segment tables); every pair that rule alarms the single threshold alarms too, so the null figures computed here
(one threshold for every pair) are upper bounds of the rule's.

What the check sees. Slap segments are cut by :func:`~cccd_biometrics.fingerprint.slap.segment_slap` from slaps
composed (:func:`~cccd_biometrics.fingerprint.slap_compose.compose_slap`) of the sources' impressions, with
composition seeds ``COMPOSE_SEEDS`` (never the benchmark seeds 2029-2033); each round places one impression of
each of a source's ten fingers, at random positions, in the three slaps, eight rounds per seed so that every
impression is cut once per seed. Captures are the raw impressions, as in ``enrolment_rates.py``'s records.
Segment labels are taken as the check takes them (the finger placed at the labelled position).

The null (clean records only, no genuine pair, no planted record; the pair's ridge term included): for two different
fingers A, B of one source, captures a1 of A and b1 of B, a segment of A cut from an impression a2 != a1 and one of
B from b2 != b1: pair = s(a1, b1), s(a1, seg a2), s(a1, seg b2), s(b1, seg a2), s(b1, seg b2), both readings.
Sources: the 14 citizen sources of ``enrolment_rates.py`` (FVC2000/2002 DB1-4 B; six U.are.U people with ten
fingers). Beside it, random clean records of the sources (``RECORDS_PER_SOURCE`` each; the 45 pairs' largest
statistic that ``_distinct`` does not veto, and the direct rule where a segment is missing). The operating point is
the higher of the lowest 2-decimal statistic above all but ``TARGET_FMR`` of the per-pair null, the one above all
but ``TARGET_RECORDS`` of the clean records (45 pairs a record make the latter the tighter), and the same for clean
records whose impostor candidates' ridge correlations are drawn from SOCOFing's different fingers of one person
(``with_drawn_ridges``: the null as it would be if every citizen's fingers agreed like those; SOCOFing gives null
pairs only, no genuine ones, and is no benchmark source); the impostor capture-versus-segment comparisons in the
window are drawn too, from ``--segment-pool`` (``segment_ridge_within_person.py``: SOCOFing's captures against
segments cut from slaps composed of the same person's other fingers) or else from the capture pairs' pool.
Leave-one-source-out: ratios and threshold fitted on 13 sources, the rates measured on the held-out one. The share
of duplicate configurations (pair, cross and original's own genuine, the rest impostors') above the threshold is
reported in sample and held out, for orientation only: it chooses nothing.

Time (sixth round, niced, machine shared with two other jobs): from a fifth-round ``--scores`` cache, 8 minutes to
recompose the segments and measure their scores and ridge correlations, then 1 minute for the fits (a refit from
the cache: 1 minute). From scratch (fifth round's measure, 16 minutes, plus the segments' ridge correlations): about
3.5 minutes for the scores (composing, segmenting and templating 672 slaps; 268,800 comparisons),
a few minutes for the ridge correlations of the candidate pairs and SOCOFing's within-person pool, and about
2 minutes for the fits, measured niced on the shared 2-core machine; ``--scores`` keeps the score matrices (and
the pool, beside them) for reruns of the fits.
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
from cccd_biometrics.enrolment import DEFAULT_THRESHOLDS, DUPLICATE_RIDGE_BAR, DUPLICATE_SEGMENT_RIDGE_WINDOW
from cccd_biometrics.fingerprint.agreement import ridge_correlation
from cccd_biometrics.fingerprint.match import compare_one_to_many, prepare_gallery
from enrolment_rates import Images, shared_data, sources
from llr_calibration import llr_knots, segment_round, threshold_at

ROOT = Path(__file__).resolve().parents[1]
TARGET_FMR = 1e-4
TARGET_RECORDS = 1e-3
T = DEFAULT_THRESHOLDS
COMPOSE_SEEDS = (7101, 7102)
KNOTS = (0.0, 0.006, 0.008, 0.010, 0.012, 0.014, 0.016, 0.018, 0.020, 0.022, 0.024, 0.026, 0.028, 0.030, 0.033,
         0.036, 0.040, 0.045, 0.050, 0.060, 0.080)
LLR_CLIP = 8.0
RIDGE_KNOTS = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.0)
RIDGE_CLIP = 4.0
RIDGE_BW = 0.03
ONE_PERSON_PREFIX = "uareu/"
STRESS_SEED = 2101
RECORDS_PER_SOURCE = 20_000


# ------------------------------------------------------------------------------------------------ scores


def source_scores(images: Images, src: str) -> dict[str, np.ndarray]:
    """``pair`` [80, 80]: capture vs capture (finger-major: finger * 8 + impression); ``seg`` [80, 80, R]:
    capture vs the segment cut from that impression in composition seed r (NaN where no segment was labelled);
    ``ridge`` and ``segridge``: their ridge correlations (:func:`ridge_scores`, :func:`segment_scores`)."""
    caps = [images.template(src, f, i) for f in range(10) for i in range(8)]
    gallery = prepare_gallery(caps)
    pair = np.array([compare_one_to_many(t, gallery) for t in caps])
    seg, segridge = segment_scores(images, src)
    return {"pair": pair, "seg": seg, "ridge": ridge_scores(images, src, pair), "segridge": segridge}


def segment_scores(images: Images, src: str) -> tuple[np.ndarray, np.ndarray]:
    """``seg`` [80, 80, R] (see :func:`source_scores`) and ``segridge`` [80, 80, R]: the ridge correlation of the
    capture and the segment under their comparison's transforms, for comparisons scoring in
    ``DUPLICATE_SEGMENT_RIDGE_WINDOW`` (NaN elsewhere, where they share too few blocks, and for a capture against
    the segment cut from its own impression, which no record holds)."""
    caps = [images.template(src, f, i) for f in range(10) for i in range(8)]
    gallery = prepare_gallery(caps)
    seg = np.full((80, 80, len(COMPOSE_SEEDS)), np.nan)
    segridge = np.full_like(seg, np.nan)
    lo, hi = DUPLICATE_SEGMENT_RIDGE_WINDOW
    for r, seed in enumerate(COMPOSE_SEEDS):
        offsets = np.random.default_rng([seed, zlib.crc32(src.encode()), 99]).integers(0, 8, 10)
        for rnd in range(8):
            cuts: dict[int, object] = {}
            for f, (i, _, _, tpl) in segment_round(images, src, seed, rnd, offsets, cuts).items():
                col = f * 8 + i
                seg[:, col, r] = compare_one_to_many(tpl, gallery)
                for x in np.nonzero((seg[:, col, r] >= lo) & (seg[:, col, r] < hi))[0]:
                    if x == col:
                        continue
                    key = (src, *divmod(int(x), 8))
                    found = ridge_correlation(images.ridge_images[key], cuts[f],  # type: ignore[arg-type]
                                              images.raw_templates[key], tpl)
                    segridge[x, col, r] = np.nan if found is None else found
    return seg, segridge


def ridge_scores(images: Images, src: str, pair: np.ndarray) -> np.ndarray:
    """``ridge`` [80, 80]: the ridge correlation of two captures under their comparison's transform, for pairs
    scoring at least ``DUPLICATE_RIDGE_BAR`` (NaN elsewhere and where the captures share too few blocks)."""
    out = np.full((80, 80), np.nan)
    for x in range(80):
        for y in range(x + 1, 80):
            if pair[x, y] >= DUPLICATE_RIDGE_BAR:
                c = images.ridge_correlation(src, divmod(x, 8), divmod(y, 8))
                out[x, y] = out[y, x] = np.nan if c is None else c
    return out


# ------------------------------------------------------------------------------------- likelihood ratios


def _finger(n: int = 80) -> np.ndarray:
    return np.arange(n) // 8


def genuine_impostor(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genuine (same finger, other impression) and impostor (other finger) scores of a source's matrix."""
    same = _finger()[:, None] == _finger()[None, :]
    other_imp = ~np.eye(80, dtype=bool)
    if m.ndim == 3:
        same, other_imp = same[..., None], other_imp[..., None]
        same, other_imp = np.broadcast_to(same, m.shape), np.broadcast_to(other_imp, m.shape)
    g, f = m[same & other_imp], m[~same]
    return g[~np.isnan(g)], f[~np.isnan(f)]


def llr(s: np.ndarray, knots: list[float]) -> np.ndarray:
    return np.interp(s, KNOTS, knots)


def segment_ridge_genuine_impostor(sc: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ridge correlations of weak genuine capture-versus-segment comparisons (scoring from the window's low end to
    the direct rule's threshold) and of impostor comparisons in the window."""
    same = np.broadcast_to((_finger()[:, None] == _finger()[None, :])[..., None], sc["seg"].shape)
    r, s = sc["segridge"], sc["seg"]
    ok = ~np.isnan(r)
    return r[ok & same & (s < T.duplicate)], r[ok & ~same]


def seg_llr(sc: dict[str, np.ndarray], tables: dict[str, list[float]]) -> np.ndarray:
    """The capture-versus-segment terms: the score's ratio plus the ridge correlation's (0 where there is none)."""
    ridge = np.interp(np.nan_to_num(sc["segridge"], nan=0.0), RIDGE_KNOTS, tables["segridge"])
    return llr(sc["seg"], tables["seg"]) + np.where(np.isnan(sc["segridge"]), 0.0, ridge)


def ridge_genuine_impostor(sc: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ridge correlations of weak genuine pairs (scoring from the bar to the direct rule's threshold: the ones
    the evidence is for) and of impostor pairs above the bar."""
    same = _finger()[:, None] == _finger()[None, :]
    upper = np.triu(np.ones((80, 80), bool), 1)
    r, p = sc["ridge"], sc["pair"]
    ok = upper & ~np.isnan(r)
    g = r[ok & same & (p < T.duplicate)]
    f = r[ok & ~same]
    return g, f


def fit_tables(per_src: dict[str, dict[str, np.ndarray]]) -> dict[str, list[float]]:
    out = {}
    for kind in ("pair", "seg"):
        gi = [genuine_impostor(v[kind]) for v in per_src.values()]
        out[kind] = llr_knots(np.concatenate([g for g, _ in gi]), np.concatenate([f for _, f in gi]), KNOTS,
                              0.002, LLR_CLIP)
    gi = {s: ridge_genuine_impostor(v) for s, v in per_src.items()}
    # the impostor density from the fingers of ONE person only: a real citizen's fingers share pattern types and
    # ridge width, and their ridge images agree more often than random fingers' (benchmarks/ridge_within_person.py)
    null = [f for s, (_, f) in gi.items() if s.startswith(ONE_PERSON_PREFIX)] or [f for _, f in gi.values()]
    out["ridge"] = llr_knots(np.concatenate([g for g, _ in gi.values()]), np.concatenate(null), RIDGE_KNOTS,
                             RIDGE_BW, RIDGE_CLIP)
    gi = {s: segment_ridge_genuine_impostor(v) for s, v in per_src.items()}
    null = [f for s, (_, f) in gi.items() if s.startswith(ONE_PERSON_PREFIX)] or [f for _, f in gi.values()]
    out["segridge"] = llr_knots(np.concatenate([g for g, _ in gi.values()]), np.concatenate(null), RIDGE_KNOTS,
                                RIDGE_BW, RIDGE_CLIP)
    return out


def with_drawn_ridges(sc: dict[str, np.ndarray], pool: np.ndarray, rng: np.random.Generator,
                      seg_pool: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The source's matrices with every impostor candidate's ridge correlation (different fingers, score at
    least the bar) replaced by a draw from ``pool``: the null as it would be if the source's fingers agreed
    like ``pool``'s pairs (SOCOFing's different fingers of one person)."""
    finger = _finger()
    other = (finger[:, None] != finger[None, :]) & np.triu(np.ones((80, 80), bool), 1)
    r = sc["ridge"].copy()
    cand = other & (sc["pair"] >= DUPLICATE_RIDGE_BAR)
    r[cand] = rng.choice(pool, int(cand.sum()))
    r.T[cand] = r[cand]
    # the capture-versus-segment comparisons of different fingers in the window: drawn from the same pool
    sr = sc["segridge"].copy()
    lo, hi = DUPLICATE_SEGMENT_RIDGE_WINDOW
    seg_cand = np.broadcast_to((finger[:, None] != finger[None, :])[..., None], sr.shape) & (sc["seg"] >= lo) & (
        sc["seg"] < hi)
    sr[seg_cand] = rng.choice(seg_pool if seg_pool is not None else pool, int(seg_cand.sum()))
    return {**sc, "ridge": r, "segridge": sr}


def pair_llr(sc: dict[str, np.ndarray], tables: dict[str, list[float]]) -> np.ndarray:
    """The pair's terms: its score's ratio plus its ridge correlation's (0 where there is none)."""
    ridge = np.interp(np.nan_to_num(sc["ridge"], nan=0.0), RIDGE_KNOTS, tables["ridge"])
    return llr(sc["pair"], tables["pair"]) + np.where(np.isnan(sc["ridge"]), 0.0, ridge)


# ------------------------------------------------------------------------------------------------ nulls


def null_pairs(sc: dict[str, np.ndarray], tables: dict[str, list[float]]) -> np.ndarray:
    """The statistic over every clean configuration of every finger pair of the source (both readings)."""
    lp = pair_llr(sc, tables)
    ls = seg_llr(sc, tables)  # [capture, segment impression, seed]
    raw = sc["seg"]
    out = []
    for a in range(10):
        for b in range(a + 1, 10):
            A, B = slice(a * 8, a * 8 + 8), slice(b * 8, b * 8 + 8)
            p = lp[A, B][:, :, None, None, None, None]  # [a1, b1, a2, ra, b2, rb]
            cross_b = ls[B, A][None, :, :, :, None, None]  # s(b1, seg a2)
            own_b = ls[B, B][None, :, None, None, :, :]  # s(b1, seg b2)
            cross_a = ls[A, B][:, None, None, None, :, :]  # s(a1, seg b2)
            own_a = ls[A, A][:, None, :, :, None, None]  # s(a1, seg a2)
            stat = np.maximum(p + np.minimum(cross_b - own_b, own_a - cross_a),
                              p + np.minimum(cross_a - own_a, own_b - cross_b))
            # _distinct's veto: both captures confirmed by their own segments (the best-segment half needs the
            # whole record, so this null is an upper bound of the rule's)
            both_own = ((raw[A, A][:, None, :, :, None, None] >= T.distinct_own)
                        & (raw[B, B][None, :, None, None, :, :] >= T.distinct_own))
            stat = np.where(both_own, -np.inf, stat)
            ia, ib = np.arange(8), np.arange(8)
            keep = ((ia[:, None, None, None, None, None] != ia[None, None, :, None, None, None])
                    & (ib[None, :, None, None, None, None] != ib[None, None, None, None, :, None]))
            keep = np.broadcast_to(keep, stat.shape) & ~np.isnan(stat)
            out.append(stat[keep])
    return np.concatenate(out)


def null_records(sc: dict[str, np.ndarray], tables: dict[str, list[float]], n: int, seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random clean records of the source (capture and segment impressions drawn per finger, one
    composition seed per record): the largest statistic of the 45 pairs that ``_distinct`` does not veto, and
    whether the direct rule alarms where it still applies (a pair without a reading: a segment missing)."""
    lp = pair_llr(sc, tables)
    ls = seg_llr(sc, tables)
    rng = np.random.default_rng(seed)
    cap = rng.integers(0, 8, (n, 10))
    seg = (cap + rng.integers(1, 8, (n, 10))) % 8
    r = rng.integers(0, ls.shape[2], n)
    ci = np.arange(10) * 8 + cap  # [n, 10] capture index per finger
    si = np.arange(10) * 8 + seg
    pair = lp[ci[:, :, None], ci[:, None, :]]  # [n, a, b]
    cs = ls[ci[:, :, None], si[:, None, :], r[:, None, None]]  # [n, capture finger, segment finger]
    own = np.diagonal(cs, axis1=1, axis2=2)  # [n, finger]
    # b copy of a: pair + min(s(b, seg a) - s(b, seg b), s(a, seg a) - s(a, seg b))
    stat = pair + np.minimum(cs.transpose(0, 2, 1) - own[:, None, :], own[:, :, None] - cs)
    stat = np.fmax(stat, stat.transpose(0, 2, 1))
    raw = np.nan_to_num(sc["seg"][ci[:, :, None], si[:, None, :], r[:, None, None]], nan=-1.0)
    raw_own = np.diagonal(raw, axis1=1, axis2=2)
    best, best_ok = raw.argmax(axis=2), raw.max(axis=2) >= T.sequence_cross
    distinct = ((best_ok[:, :, None] & best_ok[:, None, :] & (best[:, :, None] != best[:, None, :]))
                | ((raw_own[:, :, None] >= T.distinct_own) & (raw_own[:, None, :] >= T.distinct_own)))
    no_reading = np.isnan(stat)  # a segment missing: the check falls back on the direct rule
    stat = np.where(distinct | no_reading, -np.inf, stat)
    direct = (sc["pair"][ci[:, :, None], ci[:, None, :]] >= T.duplicate) & no_reading & ~distinct
    iu = np.triu_indices(10, 1)
    return stat[:, iu[0], iu[1]].max(axis=1), direct[:, iu[0], iu[1]].any(axis=1)


def duplicate_configs(sc: dict[str, np.ndarray], tables: dict[str, list[float]]) -> np.ndarray:
    """The statistic of duplicate configurations (reading "copy of the original" only): pair s(a1, a3) and cross
    s(a3, seg a2) genuine, copy's own s(a3, seg b2) an impostor's, over fingers A != B, distinct a1, a2, a3."""
    lp = pair_llr(sc, tables)
    ls = seg_llr(sc, tables)
    out = []
    for a in range(10):
        for b in range(10):
            if a == b:
                continue
            A, B = slice(a * 8, a * 8 + 8), slice(b * 8, b * 8 + 8)
            p = lp[A, A][:, :, None, None, None, None]  # [a1, a3, a2, ra, b2, rb]
            cross = ls[A, A][None, :, :, :, None, None]  # s(a3, seg a2)
            own = ls[A, B][None, :, None, None, :, :]  # s(a3, seg b2)
            orig_own = ls[A, A][:, None, :, :, None, None]  # s(a1, seg a2)
            orig_other = ls[A, B][:, None, None, None, :, :]  # s(a1, seg b2)
            stat = p + np.minimum(cross - own, orig_own - orig_other)
            i = np.arange(8)
            keep = ((i[:, None, None] != i[None, :, None]) & (i[:, None, None] != i[None, None, :])
                    & (i[None, :, None] != i[None, None, :]))[:, :, :, None, None, None]
            keep = np.broadcast_to(keep, stat.shape) & ~np.isnan(stat)
            out.append(stat[keep][::7])  # thinned: orientation only
    return np.concatenate(out)


def records_alarmed_at(per_src: dict[str, dict[str, np.ndarray]], tables: dict[str, list[float]],
                       pool: np.ndarray | None = None, seg_pool: np.ndarray | None = None) -> np.ndarray:
    """Each random clean record's largest statistic (inf where the direct fallback alarms), the impostor
    candidates' ridge correlations drawn from ``pool`` when given."""
    out = []
    for s, sc in per_src.items():
        if pool is not None:
            sc = with_drawn_ridges(sc, pool, np.random.default_rng([STRESS_SEED, zlib.crc32(s.encode())]), seg_pool)
        v, d = null_records(sc, tables, RECORDS_PER_SOURCE, zlib.crc32(s.encode()))
        out.append(np.where(d, np.inf, v))  # a record the direct fallback alarms is alarmed whatever the threshold
    return np.concatenate(out)


def fit_point(per_src: dict[str, dict[str, np.ndarray]], pool: np.ndarray | None = None,
              seg_pool: np.ndarray | None = None) -> tuple[dict[str, list[float]], float, tuple[float, float, float]]:
    """Knots and operating point on these sources: the highest of the FMR <= TARGET_FMR point per finger pair,
    the point where at most TARGET_RECORDS of random clean records alarm (45 pairs a record; the direct rule's
    fallback alarms included), and the same for clean records whose impostor ridge correlations are drawn from
    ``pool`` (SOCOFing's within-person pairs: real citizens' fingers agree more than random fingers)."""
    tables = fit_tables(per_src)
    per_pair = threshold_at(np.concatenate([null_pairs(sc, tables) for sc in per_src.values()]), TARGET_FMR)
    per_record = threshold_at(records_alarmed_at(per_src, tables), TARGET_RECORDS)
    within = (threshold_at(records_alarmed_at(per_src, tables, pool, seg_pool), TARGET_RECORDS)
              if pool is not None else -np.inf)
    return tables, max(per_pair, per_record, within), (per_pair, per_record, within)


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--scores", type=Path, default=None,
                    help="cache of the score matrices (.npz): read when it exists, written otherwise")
    ap.add_argument("--segment-pool", type=Path, default=None,
                    help="segment_ridge_within_person.py --pool: SOCOFing's within-person capture-versus-segment "
                         "ridge correlations, drawn for the impostor segment comparisons of the within-person point "
                         "(default: the capture pairs' pool)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.scores is not None and args.scores.is_file():
        z = np.load(args.scores)
        srcs = sorted({k.rsplit(":", 1)[0] for k in z.files})
        per_src = {s: {k: z[f"{s}:{k}"] for k in ("pair", "seg", "ridge", "segridge") if f"{s}:{k}" in z.files}
                   for s in srcs}
        if any("ridge" not in v or "segridge" not in v for v in per_src.values()):  # a cache from an earlier round
            images = Images(sources(shared_data()))
            for src, v in per_src.items():
                if "ridge" not in v:
                    v["ridge"] = ridge_scores(images, src, v["pair"])
                if "segridge" not in v:
                    seg, v["segridge"] = segment_scores(images, src)
                    if not np.array_equal(seg, v["seg"], equal_nan=True):
                        raise SystemExit(f"{src}: the cached segment scores differ from today's: drop the cache")
                print(f"  {src}: ridge correlations in {time.perf_counter() - t0:.0f} s", flush=True)
            np.savez_compressed(args.scores, **{f"{s}:{k}": v for s, d in per_src.items() for k, v in d.items()})
    else:
        images = Images(sources(shared_data()))
        per_src = {}
        for src in images.srcs:
            per_src[src] = source_scores(images, src)
            print(f"  {src}: scores in {time.perf_counter() - t0:.0f} s", flush=True)
        if args.scores is not None:
            np.savez_compressed(args.scores, **{f"{s}:{k}": v for s, d in per_src.items() for k, v in d.items()})
    pool_file = None if args.scores is None else args.scores.with_suffix(".socofing_within.npy")
    if pool_file is not None and pool_file.is_file():
        pool = np.load(pool_file)
    else:
        from ridge_within_person import within_person_pool

        pool = within_person_pool()
        if pool_file is not None:
            np.save(pool_file, pool)
    print(f"  SOCOFing within-person ridge correlations: {pool.size} candidate pairs", flush=True)
    seg_pool = np.load(args.segment_pool) if args.segment_pool is not None else None
    if seg_pool is not None:
        print(f"  SOCOFing within-person capture-versus-segment ridge correlations: {seg_pool.size}", flush=True)
    tables, fit, parts = fit_point(per_src, pool, seg_pool)
    stressed_all = records_alarmed_at(per_src, tables, pool, seg_pool)
    pooled = np.concatenate([null_pairs(sc, tables) for sc in per_src.values()])
    recs = {s: null_records(sc, tables, RECORDS_PER_SOURCE, zlib.crc32(s.encode())) for s, sc in per_src.items()}
    rec_all = np.concatenate([v[0] for v in recs.values()])
    direct_all = np.concatenate([v[1] for v in recs.values()])
    dup = np.concatenate([duplicate_configs(sc, tables) for sc in per_src.values()])
    loso = {}
    for src in per_src:
        tb, t, p = fit_point({s: v for s, v in per_src.items() if s != src}, pool, seg_pool)
        held = null_pairs(per_src[src], tb)
        held_rec, held_direct = null_records(per_src[src], tb, RECORDS_PER_SOURCE, zlib.crc32(src.encode()))
        held_dup = duplicate_configs(per_src[src], tb)
        held_stressed = records_alarmed_at({src: per_src[src]}, tb, pool, seg_pool)
        loso[src] = {"threshold": t, "per_pair_point": p[0], "per_record_point": p[1],
                     "per_record_within_person_point": p[2],
                     "held_out_records_alarmed_within_person_draws": float((held_stressed >= t).mean()),
                     "held_out_fmr_per_pair": float((held >= t).mean()), "held_out_pair_samples": int(held.size),
                     "held_out_records_alarmed": float((held_rec >= t).mean()),
                     "held_out_records_alarmed_any_rule": float(((held_rec >= t) | held_direct).mean()),
                     "held_out_records": int(held_rec.size),
                     "held_out_duplicate_configs_above": float((held_dup >= t).mean()), "knots": tb}
        v = loso[src]
        print(f"  leave out {src}: threshold {t} (per pair {p[0]}, per record {p[1]}, within-person draws {p[2]});"
              f" held-out records alarmed with within-person draws "
              f"{100 * v['held_out_records_alarmed_within_person_draws']:.3f} %; held-out FMR per pair "
              f"{100 * v['held_out_fmr_per_pair']:.4f} %, clean records alarmed "
              f"{100 * v['held_out_records_alarmed']:.3f} % (with the direct rule "
              f"{100 * v['held_out_records_alarmed_any_rule']:.3f} %); duplicate "
              f"configurations above {100 * v['held_out_duplicate_configs_above']:.2f} %", flush=True)
    fmrs = [v["held_out_fmr_per_pair"] for v in loso.values()]
    rec_rates = [v["held_out_records_alarmed"] for v in loso.values()]
    stressed_rates = [v["held_out_records_alarmed_within_person_draws"] for v in loso.values()]
    any_rates = [v["held_out_records_alarmed_any_rule"] for v in loso.values()]
    dup_rates = [v["held_out_duplicate_configs_above"] for v in loso.values()]
    result = {"target_fmr_per_pair": TARGET_FMR, "target_records_alarmed": TARGET_RECORDS,
              "sources": list(per_src), "compose_seeds": list(COMPOSE_SEEDS),
              "knot_scores": list(KNOTS), "llr_clip": LLR_CLIP, "ridge_knots": list(RIDGE_KNOTS),
              "ridge_clip": RIDGE_CLIP, "ridge_bar": DUPLICATE_RIDGE_BAR,
              "segment_ridge_window": list(DUPLICATE_SEGMENT_RIDGE_WINDOW),
              "segment_ridge_genuine_impostor_counts": [
                  int(sum(segment_ridge_genuine_impostor(v)[0].size for v in per_src.values())),
                  int(sum(segment_ridge_genuine_impostor(v)[1].size for v in per_src.values()))],
              "ridge_genuine_impostor_counts": [
                  int(sum(ridge_genuine_impostor(v)[0].size for v in per_src.values())),
                  int(sum(ridge_genuine_impostor(v)[1].size for v in per_src.values()))],
              "knots": tables, "threshold": fit,
              "per_pair_point": parts[0], "per_record_point": parts[1], "per_record_within_person_point": parts[2],
              "socofing_within_person_pool": int(pool.size),
              "socofing_within_person_segment_pool": None if seg_pool is None else int(seg_pool.size),
              "in_sample_records_alarmed_within_person_draws": float((stressed_all >= fit).mean()),
              "null_pair_samples": int(pooled.size), "in_sample_fmr_per_pair": float((pooled >= fit).mean()),
              "null_records": int(rec_all.size), "in_sample_records_alarmed": float((rec_all >= fit).mean()),
              "in_sample_records_alarmed_any_rule": float(((rec_all >= fit) | direct_all).mean()),
              "in_sample_duplicate_configs_above": float((dup >= fit).mean()),
              "duplicate_configs": int(dup.size),
              "genuine_impostor_counts": {k: [int(sum(genuine_impostor(v[k])[0].size for v in per_src.values())),
                                              int(sum(genuine_impostor(v[k])[1].size for v in per_src.values()))]
                                          for k in ("pair", "seg")},
              "leave_one_source_out": loso,
              "top_null_values": np.round(np.sort(pooled)[::-1][:25], 3).tolist(),
              "protocol": next((p for p in (__doc__ or "").split("\n\n") if p.startswith("The null")), ""), "minutes":
              round((time.perf_counter() - t0) / 60, 1)}
    print(f"knots pair {tables['pair']}\nknots seg  {tables['seg']}\nknots ridge {tables['ridge']}\n"
          f"knots segridge {tables['segridge']}")
    print(f"pooled threshold {fit} (per pair {parts[0]}, per record {parts[1]}, within-person draws {parts[2]}; "
          "records alarmed with within-person draws "
          f"{100 * result['in_sample_records_alarmed_within_person_draws']:.3f} %) over {pooled.size} clean pair "
          f"configurations (in-sample FMR {100 * result['in_sample_fmr_per_pair']:.4f} %); clean records alarmed in "
          f"sample {100 * result['in_sample_records_alarmed']:.3f} % of {rec_all.size} (with the direct rule "
          f"{100 * result['in_sample_records_alarmed_any_rule']:.3f} %); duplicate configurations above (in "
          f"sample) {100 * result['in_sample_duplicate_configs_above']:.2f} % of {dup.size}")
    print(f"leave-one-source-out thresholds {min(v['threshold'] for v in loso.values())}-"
          f"{max(v['threshold'] for v in loso.values())}; held-out FMR per pair mean {100 * np.mean(fmrs):.4f} %, "
          f"worst {100 * max(fmrs):.4f} % ({max(loso, key=lambda k: loso[k]['held_out_fmr_per_pair'])}); "
          f"held-out clean records alarmed mean {100 * np.mean(rec_rates):.3f} %, worst {100 * max(rec_rates):.3f} %"
          f" (with the direct rule mean {100 * np.mean(any_rates):.3f} %; with within-person draws mean "
          f"{100 * np.mean(stressed_rates):.3f} %, worst {100 * max(stressed_rates):.3f} %); held-out duplicate "
          "configurations above "
          f"mean {100 * np.mean(dup_rates):.2f} %, lowest {100 * min(dup_rates):.2f} %")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "duplicate_fusion.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
