"""Issue 16 item 3, experiment: a per-minutia reliability learnt from OUR comparator's behaviour, leave-one-DB-out.

Label (``labels``): for every genuine pair of a DB, the comparator's own fitted transform
(:func:`~cccd_biometrics.fingerprint.match.align.align_candidates`, the best-mated anchor, i.e. the transform the
score uses) carries each minutia of one impression onto the other; the minutia is *eligible* in that impression
when it lands inside its foreground, at least ``EDGE_PERIODS`` ridge periods from its edge (nearer, the other
impression's own edge filter removes minutiae), and it *recurs* when a minutia of the other impression lies within
``RECUR_PX`` px and ``RECUR_DEG`` degrees. Only pairs the comparator accepts at the shipped FMR 1 % threshold are
used (a wrong transform labels nothing). Per minutia: (recurrences, eligible impressions), a binomial target.

Features (``features``): what the extractor knows at extraction time (working 500 ppi frame): smoothed and raw
block coherence, orientation certainty, the "crowd" (crossing-number candidates kept or rejected within 1 and 2
ridge periods), kept minutiae within 2 periods and the distance to the nearest one, the filtered ridge signal
(|enhanced| over 15x15 px, over the image's median), the raw ridge profile's amplitude / residual / LCS of its
block (over the image's medians), the shipped minutia quality, the distance to the mask edge (periods), the type,
the local period over the image's median, and the image's median coherence and minutia count.

``--survival`` adds two more (:func:`survival`): the distance to the nearest candidate of the skeleton re-drawn
from the enhanced image binarised at -/+0.3 of its standard deviation.

Model: L2-regularised logistic regression (numpy Newton steps) on standardised features (counts and ratios as
log1p, four squares), fitted on the other eight DBs' labels (``--balance``: each DB weighing the same); the
held-out DB's labels are never read. Uses, each value chosen on the eight training DBs (the lowest mean EER over
them; main's extractor is a candidate) and scored on the ninth, same pairs and metric as ``lodo.py``'s minutiae
section:

* ``drop``: minutiae with predicted reliability below ``t`` removed;
* ``drop-rel``: per image, minutiae below ``t`` x the image's median reliability removed;
* ``share``: the reliability ``r`` as the minutia's weight ``r ** g`` in the comparator's transform share (weighted
  mates / weighted overlaps); ``local``: each local cylinder similarity times ``(r_a r_b) ** (g / 2)``; ``both``;
  ``dropshare``: ``drop`` at ``t``, then ``share`` with ``g = 0.5``. These four need the comparator patch
  ``benchmarks/results/minutia_reliability_comparator.diff`` (``git apply`` it; weights off = main exactly).

Results: ``minutiae_gap.txt`` section 7. Per-image pass about 20 s, labels about 1 min, each variant 5-12 min.

    python benchmarks/minutia_reliability.py --balance --variant drop:0.25,0.3,0.35,0.4 [--variant share:0.5,1,2]
        [--recur-px 10 --recur-deg 30] [--cache /tmp/min_rel.pkl] [--out FILE]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.bench import metrics
from cccd_biometrics.fingerprint.fields import enhance as enh
from cccd_biometrics.fingerprint.match.align import align_candidates
from cccd_biometrics.fingerprint.match.mcc import (
    DECISION_THRESHOLDS,
    DEFAULT_MATCHER,
    MatcherConfig,
    compare_one_to_many,
    prepare_gallery,
    prepare_template,
)
from cccd_biometrics.fingerprint.minutiae import _kernels as _mk
from cccd_biometrics.fingerprint.minutiae.extract import (
    _block_values,
    _edge_distance,
    _edge_distance_map,
    _smoothed_coherence,
    minutiae_candidates,
)
from cccd_biometrics.fingerprint.template.types import Template
from lodo import (
    DBS,
    SHORT,
    _reference_templates,
    _template,
    all_pair_scores,
    cached_pass,
    db_images,
    identity_of,
)

RECUR_PX = 10.0
RECUR_DEG = 30.0
EDGE_PERIODS = 1.3
SHIFT = 0.3
SURVIVAL = False  # --survival: the two features of survival() added to the model
DROPSHARE_WEIGHT = 0.5  # "dropshare": minutiae below t dropped, the others weigh r ** 0.5 in the transform share


# --------------------------------------------------------------------------- features (extraction time)
FEATURES = ("coh_s", "coh", "certainty", "crowd1", "crowd2", "kept2", "nearest", "signal", "amplitude",
            "residual", "lcs", "quality", "margin", "kind", "period", "img_coh", "img_n")
# counts and ratios enter the model as log1p; these four also as squares (their effect is not monotone)
_LOG = ("crowd1", "crowd2", "kept2", "img_n", "residual", "amplitude", "signal", "period")
_SQUARED = ("coh_s", "margin", "signal", "crowd2")


def _block_at(field: np.ndarray, rows: np.ndarray, cols: np.ndarray, block_size: int) -> np.ndarray:
    by, bx = field.shape
    return np.asarray(field, np.float64)[np.minimum(rows // block_size, by - 1), np.minimum(cols // block_size,
                                                                                           bx - 1)]


def _median_over(field: np.ndarray, blocks: np.ndarray) -> float:
    values = np.asarray(field, np.float64)[blocks]
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else 1.0


def reliability_features(analysis: Any, all_rows: np.ndarray, all_cols: np.ndarray, rows: np.ndarray,
                         cols: np.ndarray, kinds: np.ndarray, smoothed_coherence: np.ndarray, margin: np.ndarray,
                         quality: np.ndarray, period: float) -> np.ndarray:
    """(N, len(FEATURES)) float64 features of the minutiae at skeleton pixels ``rows``/``cols``.

    ``all_rows``/``all_cols`` are every crossing-number candidate (kept or rejected); ``smoothed_coherence``,
    ``margin`` (px to the foreground edge) and ``quality`` (0-100) are the extractor's values for the minutiae;
    ``period`` is the print's median ridge period (px).
    """
    n = rows.size
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    bs = analysis.block_size
    blocks = np.asarray(analysis.block_mask, dtype=bool)
    d_all = np.hypot(rows[:, None] - all_rows[None, :], cols[:, None] - all_cols[None, :])
    d_kept = np.hypot(rows[:, None] - rows[None, :], cols[:, None] - cols[None, :])
    np.fill_diagonal(d_kept, np.inf)
    enhanced = np.abs(np.asarray(analysis.enhanced, np.float32))
    mask = np.asarray(analysis.mask, dtype=bool)
    signal = cv2.blur(enhanced, (15, 15))
    # the print's typical signal, on every 4th pixel of the mask (the median of a smooth field: no need for all)
    sampled = signal[::4, ::4][mask[::4, ::4]]
    typical = float(np.median(sampled)) if sampled.size else 1.0
    prof = analysis.ridge_profiles
    coherence = np.asarray(analysis.coherence)

    def block(field: np.ndarray, relative: bool) -> np.ndarray:
        v = _block_at(field, rows, cols, bs)
        if relative:
            v = v / max(_median_over(field, blocks), 1e-6)
        return np.nan_to_num(v, nan=0.0)

    values = {
        "coh_s": np.asarray(smoothed_coherence, np.float64),
        "coh": block(coherence, False),
        "certainty": block(analysis.orientation_certainty, False),
        "crowd1": (d_all <= period).sum(1) - 1.0,
        "crowd2": (d_all <= 2 * period).sum(1) - 1.0,
        "kept2": (d_kept <= 2 * period).sum(1).astype(np.float64),
        "nearest": np.minimum(d_kept.min(1), 10 * period) / period if n > 1 else np.full(n, 10.0),
        "signal": signal[rows, cols] / max(typical, 1e-6),
        "amplitude": block(prof["amplitude"], True),
        "residual": block(prof["residual"], True),
        "lcs": block(prof["lcs"], False),
        "quality": np.asarray(quality, np.float64),
        "margin": np.minimum(np.asarray(margin, np.float64) / period, 8.0),
        "kind": np.asarray(kinds, np.float64),
        "period": block(analysis.ridge_period, True),
        "img_coh": np.full(n, _median_over(coherence, blocks)),
        "img_n": np.full(n, float(n)),
    }
    return np.column_stack([values[f] for f in FEATURES]).astype(np.float64)


def design(features: np.ndarray) -> np.ndarray:
    """The model's inputs from :func:`reliability_features`: counts and ratios as log1p, four squares added."""
    z = features.copy()
    for name in _LOG:
        i = FEATURES.index(name)
        z[:, i] = np.log1p(np.maximum(z[:, i], 0.0))
    squares = z[:, [FEATURES.index(name) for name in _SQUARED]] ** 2
    return np.column_stack([z, squares])


# ------------------------------------------------------------------------------------------- per image
def features(analysis: Any) -> tuple[Template, np.ndarray, np.ndarray, float]:
    """The shipped template of ``analysis`` (``extract_minutiae``), the (N, F)
    :func:`reliability_features` of its minutiae (template order), the half-resolution edge-distance map of its
    mask and its median ridge period."""
    t = cb.extract_minutiae(analysis, with_quality=False)
    cand = minutiae_candidates(analysis)
    keep = np.flatnonzero(cand.kept)
    edge = _edge_distance_map(np.asarray(analysis.mask, dtype=np.bool_))
    r, c = cand.rows[keep], cand.cols[keep]
    coh = _block_values(_smoothed_coherence(analysis), r, c, analysis.block_size)
    X = reliability_features(analysis, cand.rows, cand.cols, r, c, cand.kinds[keep], coh,
                             _edge_distance(edge, r, c), cand.quality[keep], cand.period)
    return t, X, edge, cand.period


def survival(analysis: Any) -> np.ndarray:
    """(N, 2) per minutia of the shipped template (candidate order): distance (ridge periods, capped at 2) to the
    nearest crossing-number candidate of the skeleton re-drawn from the enhanced image binarised at -/+ SHIFT x its
    standard deviation instead of 0 (thinner / fatter ridges): a minutia of the ridge structure survives a
    shifted threshold, one drawn by noise tends to move or vanish. Sensor-invariant by construction."""
    cand = minutiae_candidates(analysis)
    keep = np.flatnonzero(cand.kept)
    r, c = cand.rows[keep], cand.cols[keep]
    mask = np.asarray(analysis.mask, dtype=np.bool_)
    e = np.asarray(analysis.enhanced, np.float32)
    sd = float(e[mask].std()) if mask.any() else 1.0
    out = np.full((keep.size, 2), 2.0)
    for col, shift in enumerate((-SHIFT * sd, SHIFT * sd)):
        binary = ((e < shift) & mask).astype(np.uint8)
        binary[[0, -1], :] = 0
        binary[:, [0, -1]] = 0
        rr, cc, _ = _mk.crossing_number_candidates(enh.skeletonize(binary), mask, _mk.CROSSING_NUMBER)
        if rr.size and keep.size:
            d = np.hypot(r[:, None] - rr[None, :], c[:, None] - cc[None, :]).min(1) / cand.period
            out[:, col] = np.minimum(d, 2.0)
    return out


def feats(rows: dict[str, dict[str, Any]], key: str) -> np.ndarray:
    """The model's features of an image: the 17, plus the two of :func:`survival` with ``--survival``."""
    x = rows[key]["X"]
    return np.column_stack([x, rows[key]["S"]]) if SURVIVAL else x


def per_image(cache: Path, refresh: bool) -> dict[str, dict[str, Any]]:
    def row(key: str, path: Path, ppi: float) -> dict[str, Any]:
        a = cb.analyze_fingerprint(cb.load_fingerprint(path, ppi=ppi))
        t, X, edge, period = features(a)
        return {"template": (t.as_array(), t.width, t.height, t.ppi), "X": X, "S": survival(a),
                "edge": edge.astype(np.float16), "period": period}

    return cached_pass(cache, refresh, row)


# ---------------------------------------------------------------------------------------------- labels
def _xy500(t: Template) -> np.ndarray:
    arr = t.as_array()
    return arr[:, :2] * (500.0 / float(t.ppi)) if arr.size else np.zeros((0, 2))


def _recur(ta: Template, tb: Template, matrix: np.ndarray, rot: float, edge_b: np.ndarray, period_b: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """(eligible, recurs) per minutia of ``ta`` carried onto ``tb`` by ``matrix`` (500 ppi pixels)."""
    a, b = ta.as_array(), tb.as_array()
    n = a.shape[0]
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    p = _xy500(ta) @ matrix[:, :2].T + matrix[:, 2]
    ang = (a[:, 2] + np.degrees(rot)) % 360.0
    h2, w2 = edge_b.shape
    ci = np.rint(p[:, 0]).astype(int)
    ri = np.rint(p[:, 1]).astype(int)
    inside = (ci >= 0) & (ri >= 0) & (ci < 2 * (w2 - 3)) & (ri < 2 * (h2 - 3))
    dist = np.zeros(n)
    dist[inside] = _edge_distance(edge_b.astype(np.float32), ri[inside], ci[inside])
    eligible = inside & (dist >= EDGE_PERIODS * period_b)
    if b.shape[0] == 0:
        return eligible, np.zeros(n, bool)
    q = _xy500(tb)
    d = np.hypot(p[:, None, 0] - q[None, :, 0], p[:, None, 1] - q[None, :, 1])
    da = np.abs((ang[:, None] - b[None, :, 2]) % 360.0)
    da = np.minimum(da, 360.0 - da)
    recurs = ((d <= RECUR_PX) & (da <= RECUR_DEG)).any(1)
    return eligible, recurs & eligible


def labels(db: str, rows: dict[str, dict[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """key -> (recurrences, eligible impressions) per minutia, over the accepted genuine pairs of ``db``."""
    keys = [k for k, _ in db_images(db)]
    temps = {k: _template(rows[k]["template"]) for k in keys}
    out = {k: (np.zeros(len(temps[k])), np.zeros(len(temps[k]))) for k in keys}
    ident = [identity_of(k) for k in keys]
    thr = DECISION_THRESHOLDS["fmr_1%"]
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if ident[i] != ident[j]:
                continue
            ka, kb = keys[i], keys[j]
            found = align_candidates(temps[ka], temps[kb])
            if not found or found[0].score < thr:
                continue
            al = found[0]
            inv = np.linalg.inv(np.vstack([al.matrix, [0, 0, 1]]))[:2]
            for src, dst, m, rot in ((ka, kb, al.matrix, al.rotation), (kb, ka, inv, -al.rotation)):
                e, rc = _recur(temps[src], temps[dst], m, rot, rows[dst]["edge"], rows[dst]["period"])
                out[src][0][:] += rc
                out[src][1][:] += e
    return out


# ----------------------------------------------------------------------------------------------- model
def fit(X: np.ndarray, k: np.ndarray, n: np.ndarray, l2: float = 1.0, iters: int = 30) -> dict[str, np.ndarray]:
    """Binomial logistic regression (k successes of n) by Newton steps, L2 on the standardised weights."""
    Z = design(X)
    mu, sd = Z.mean(0), Z.std(0) + 1e-9
    A = np.column_stack([np.ones(len(Z)), (Z - mu) / sd])
    w = np.zeros(A.shape[1])
    reg = np.full(A.shape[1], l2)
    reg[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-A @ w))
        g = A.T @ (k - n * p) - reg * w
        H = (A * (n * p * (1 - p))[:, None]).T @ A + np.diag(reg)
        step = np.linalg.solve(H, g)
        w += step
        if np.abs(step).max() < 1e-8:
            break
    return {"mu": mu, "sd": sd, "w": w}


def predict(model: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    if X.shape[0] == 0:
        return np.zeros(0)
    A = np.column_stack([np.ones(len(X)), (design(X) - model["mu"]) / model["sd"]])
    return 1.0 / (1.0 + np.exp(-A @ model["w"]))


def auc(score: np.ndarray, pos: np.ndarray, w: np.ndarray) -> float:
    """Weighted AUC of ``score`` for the positive fraction ``pos`` (weights ``w``: eligible counts)."""
    order = np.argsort(score, kind="stable")
    p, ww = pos[order], w[order]
    wp, wn = ww * p, ww * (1 - p)
    cum_n = np.cumsum(wn) - wn
    return float((wp * (cum_n + 0.5 * wn)).sum() / max(wp.sum() * wn.sum(), 1e-12))


# ---------------------------------------------------------------------------------------------- scoring
def eer_of(db: str, rows: dict[str, dict[str, Any]], use: tuple[str, float, dict[str, np.ndarray]] | None) -> float:
    """Our comparator's EER on ``db`` with the templates changed as ``use`` says (None: as extracted)."""
    keys = [k for k, _ in db_images(db)]
    config = DEFAULT_MATCHER
    temps = []
    for k in keys:
        t = _template(rows[k]["template"])
        if use is not None:
            name, value, rel = use
            r = rel[k]
            keep = _keep(name, r, value)
            if name in ("share", "local", "both", "dropshare"):
                t = Template(tuple(cb.Minutia(m.x, m.y, m.angle, m.kind, round(100 * float(ri)))
                                   for m, ri, ok in zip(t.minutiae, r, keep, strict=True) if ok),
                             width=t.width, height=t.height, ppi=t.ppi)
            else:
                t = Template(tuple(m for m, ok in zip(t.minutiae, keep, strict=True) if ok), width=t.width,
                             height=t.height, ppi=t.ppi)
        temps.append(t)
    if use is not None and use[0] in ("share", "local", "both", "dropshare"):
        if "minutia_weight" not in MatcherConfig.__dataclass_fields__:
            raise SystemExit("the share / local / both variants need the comparator patch: "
                             "git apply benchmarks/results/minutia_reliability_comparator.diff")
        kw = {"share": {"minutia_weight": use[1]}, "local": {"local_weight": use[1]},
              "both": {"minutia_weight": use[1], "local_weight": use[1]},
              "dropshare": {"minutia_weight": DROPSHARE_WEIGHT}}[use[0]]
        config = MatcherConfig(**kw)
    prepared = [prepare_template(t, config) for t in temps]
    gallery = prepare_gallery(prepared, config)
    s = np.concatenate([compare_one_to_many(prepared[i], gallery.subset(i + 1, len(prepared)), config)
                        for i in range(len(prepared) - 1)])
    ident = np.array([identity_of(k) for k in keys])
    i, j = np.triu_indices(len(keys), 1)
    gen = ident[i] == ident[j]
    return float(metrics.eer(s[gen], s[~gen]))


def reference_eers(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for db in DBS:
        keys = [k for k, _ in db_images(db)]
        refs = _reference_templates(db, keys, rows)
        ident = np.array([identity_of(k) for k in keys])
        i, j = np.triu_indices(len(keys), 1)
        gen = ident[i] == ident[j]
        out[db] = {}
        for tool in ("fjfx", "mindtct"):
            s = all_pair_scores(refs[tool])
            out[db][tool] = float(metrics.eer(s[gen], s[~gen]))
    return out


def main(argv: list[str] | None = None) -> int:
    global RECUR_PX, RECUR_DEG, SURVIVAL
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/min_rel.pkl"))
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--stage", choices=("prepare", "all"), default="all")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:V1,V2",
                    help="drop | drop-rel | share | local | both | dropshare, with the values to choose from "
                         "(repeatable)")
    ap.add_argument("--recur-px", type=float, default=RECUR_PX, help="recurrence distance (px at 500 ppi)")
    ap.add_argument("--recur-deg", type=float, default=RECUR_DEG, help="recurrence angle (degrees)")
    ap.add_argument("--survival", action="store_true", help="add the two features of survival() to the model")
    ap.add_argument("--balance", action="store_true", help="every training DB weighs the same in the fit")
    args = ap.parse_args(argv)
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    rows = per_image(args.cache, args.refresh)
    RECUR_PX, RECUR_DEG, SURVIVAL = args.recur_px, args.recur_deg, args.survival
    lab_cache = args.cache.with_suffix(f".labels_{RECUR_PX:g}_{RECUR_DEG:g}.pkl")
    if lab_cache.is_file() and not args.refresh:
        with lab_cache.open("rb") as fh:
            labs, refs = pickle.load(fh)
    else:
        labs = {}
        for db in DBS:
            labs.update(labels(db, rows))
            print(f"  labels: {db}", file=sys.stderr, flush=True)
        refs = reference_eers(rows)
        with lab_cache.open("wb") as fh:
            pickle.dump((labs, refs), fh)
    if args.stage == "prepare":
        return 0
    variants = {v.split(":")[0]: [float(x) for x in v.split(":")[1].split(",")] for v in args.variant}
    run(rows, labs, refs, emit, variants, args.balance)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


def _stack(rows: dict[str, dict[str, Any]], labs: dict[str, tuple[np.ndarray, np.ndarray]], dbs: list[str],
           balance: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, recurrences and eligible counts of the labelled minutiae of ``dbs``; ``balance``: the counts of
    each DB scaled so that every DB carries the same total weight."""
    X, k, n = [], [], []
    for db in dbs:
        xd = np.concatenate([feats(rows, key) for key, _ in db_images(db)])
        kd = np.concatenate([labs[key][0] for key, _ in db_images(db)])
        nd = np.concatenate([labs[key][1] for key, _ in db_images(db)])
        ok = nd > 0
        scale = 10000.0 / nd[ok].sum() if balance else 1.0
        X.append(xd[ok])
        k.append(kd[ok] * scale)
        n.append(nd[ok] * scale)
    return np.concatenate(X), np.concatenate(k), np.concatenate(n)


def run(rows: dict[str, dict[str, Any]], labs: dict[str, tuple[np.ndarray, np.ndarray]],
        refs: dict[str, dict[str, float]], emit: Any, variants: dict[str, list[float]], balance: bool) -> None:
    emit(f"label: recurs within {RECUR_PX} px / {RECUR_DEG} deg under the comparator's transform, eligible inside "
         f"the other impression's foreground >= {EDGE_PERIODS} periods from its edge; pairs scoring >= FMR 1 % thr")
    for db in DBS:
        _, k, n = _stack(rows, labs, [db])
        emit(f"  {SHORT[db]:6} minutiae labelled {k.size:6d}, recurrence rate {k.sum() / n.sum():.3f}")
    models = {}
    emit(f"training DBs weighted {'equally' if balance else 'by their minutiae'}; AUC of the LODO reliability "
         "(held-out DB) vs the shipped quality and the crowd alone:")
    for db in DBS:
        train = [d for d in DBS if d != db]
        models[db] = fit(*_stack(rows, labs, train, balance))
        X, k, n = _stack(rows, labs, [db])
        pos = k / n
        emit(f"  {SHORT[db]:6} model {auc(predict(models[db], X), pos, n):.3f}  quality "
             f"{auc(X[:, FEATURES.index('quality')], pos, n):.3f}  -crowd2 "
             f"{auc(-X[:, FEATURES.index('crowd2')], pos, n):.3f}"
             + (f"  -survival {auc(-X[:, -2], pos, n):.3f} {auc(-X[:, -1], pos, n):.3f}" if SURVIVAL else ""))
    base = {db: eer_of(db, rows, None) for db in DBS}
    _row(emit, "main", base, refs)
    for name, grid in variants.items():
        table: dict[str, dict[float, dict[str, float]]] = {}
        for held in DBS:
            table[held] = {t: {db: eer_of(db, rows, _use(name, models[held], rows, db, t)) for db in DBS if db != held}
                           for t in grid}
            print(f"  {name}: fold {SHORT[held]} done", file=sys.stderr, flush=True)
        lodo_row: dict[str, float] = {}
        chosen: dict[str, Any] = {}
        for held in DBS:
            costs = {t: float(np.mean(list(table[held][t].values()))) for t in grid}
            best = min(costs, key=lambda t: costs[t])
            base_cost = float(np.mean([base[d] for d in DBS if d != held]))
            if base_cost <= costs[best]:
                chosen[held], lodo_row[held] = "main", base[held]
            else:
                chosen[held], lodo_row[held] = best, eer_of(held, rows, _use(name, models[held], rows, held, best))
        _row(emit, f"{name} LODO", lodo_row, refs)
        emit("  chosen per held-out DB: " + " ".join(f"{SHORT[d]}={chosen[d]}" for d in DBS))
        for t in grid:  # every value, each DB scored with the model that did not see it (no choice made)
            row = {db: eer_of(db, rows, _use(name, models[db], rows, db, t)) for db in DBS}
            _row(emit, f"  {name} {t}", row, refs)


def _use(name: str, model: dict[str, np.ndarray], rows: dict[str, dict[str, Any]], db: str, t: float
         ) -> tuple[str, float, dict[str, np.ndarray]]:
    """How ``db``'s templates are changed: the variant, its value and each image's predicted reliabilities."""
    return name, t, {key: predict(model, feats(rows, key)) for key, _ in db_images(db)}


def _keep(name: str, r: np.ndarray, t: float) -> np.ndarray:
    if r.size == 0 or name not in ("drop", "drop-rel", "dropshare"):
        return np.ones(r.size, bool)
    if name in ("drop", "dropshare"):
        return r >= t
    return r >= t * np.median(r)


def _row(emit: Any, label: str, eers: dict[str, float], refs: dict[str, dict[str, float]]) -> None:
    wins = sum(eers[d] <= min(refs[d].values()) for d in DBS)
    emit(f"{label:18}" + " ".join(f"{100 * eers[d]:5.2f}" for d in DBS)
         + f"  mean {100 * np.mean(list(eers.values())):.3f}  {wins}/9")


if __name__ == "__main__":
    raise SystemExit(main())
