"""Why our minutiae lose to MINDTCT's / FingerJet's under the SAME comparator (issue 16, item 3): a diagnosis.

For each DB: our comparator's scores of all i<j pairs with our, FingerJet's and MINDTCT's minutiae (as
``lodo.py``); the genuine pairs that fail at FMR 1 % with ours (score below the threshold at FMR 1 % of our own
impostor scores) but pass with a reference's (its own threshold); and, for the images of those pairs against all
images of the DB, how our minutiae relate to the references' (all in the 500 ppi top-left, ISO-angle frame the
reference tools were given):

* counts (ours, MINDTCT, FingerJet) and the share of ours paired with either reference (12 px, 30 degrees, one to
  one; :func:`minutiae_agreement.pairs`);
* our *unpaired* minutiae (paired with neither reference) by region: distance to the foreground edge (in ridge
  periods), smoothed block coherence (low-contrast / unclear areas);
* the *consensus* minutiae we miss (MINDTCT and FingerJet agree within 12 px / 30 degrees, none of ours there), by
  what our filters did with the nearest candidate (:func:`minutiae_candidates`' reject reasons, ``none`` if no
  candidate lies within 12 px);
* the angle error and the position offset of our minutiae paired with a consensus minutia.

``--oracles`` instead: the EER of our comparator on our minutiae edited with the references' help (unsupported ones
removed, missed consensus ones added, ...: :data:`ORACLES`), i.e. how much of the gap each kind of difference
explains. ``--drop-crowded K``: the diagnosis with our minutiae that have ``K`` or more candidates within 2 ridge
periods dropped (a local-noise reliability; measured, not shipped). Figures: ``results/minutiae_gap.txt``.

    python benchmarks/minutiae_gap.py [--dbs fvc2002/DB2_B neurotech/uareu ...] [--oracles | --drop-crowded K]
                                      [--out results/minutiae_gap_runs.txt]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.bench import metrics
from cccd_biometrics.fingerprint.minutiae.extract import (
    _edge_distance,
    _edge_distance_map,
    _smoothed_coherence,
    minutiae_candidates,
)
from cccd_biometrics.fingerprint.template.types import Template
from lodo import DBS, SHORT, TRUE_PPI, _reference_templates, all_pair_scores, db_images, identity_of
from minutiae_agreement import MAX_DIST, pairs, template_to_array

Extractor = Callable[[Path, float], tuple[Template, Any]]


def default_extractor(path: Path, ppi: float) -> tuple[Template, Any]:
    img = cb.load_fingerprint(path, ppi=ppi)
    a = cb.analyze_fingerprint(img)
    return cb.extract_minutiae(a, with_quality=False), a


def crowd(template: Template, analysis: Any, radius_periods: float = 2.0) -> np.ndarray:
    """Per minutia of ``template``: how many crossing-number candidates (kept or rejected by any filter) lie within
    ``radius_periods`` ridge periods: a local noise density (broken, dotted or smudged ridges give many)."""
    cand = minutiae_candidates(analysis)
    if not template.minutiae or not len(cand.rows):
        return np.zeros(len(template.minutiae), int)
    xy = template_to_array(template, 1.0 / analysis.image.scale_to_original)
    d = np.hypot(xy[:, None, 0] - cand.cols[None, :], xy[:, None, 1] - cand.rows[None, :])
    return (d <= radius_periods * cand.period).sum(axis=1)


def crowd_dropping_extractor(limit: int) -> Extractor:
    """Experiment: our minutiae without those with ``limit`` or more candidates within 2 ridge periods."""
    def extract(path: Path, ppi: float) -> tuple[Template, Any]:
        t, a = default_extractor(path, ppi)
        keep = crowd(t, a) < limit
        return Template(tuple(m for m, k in zip(t.minutiae, keep, strict=True) if k), width=t.width,
                        height=t.height, ppi=t.ppi), a
    return extract


class Gap:
    """One DB: our templates (+ analyses), the references', scores and the failing pairs."""

    def __init__(self, db: str, extractor: Extractor = default_extractor) -> None:
        self.db = db
        self.ppi = TRUE_PPI.get(db, 500.0)
        self.keys = [k for k, _ in db_images(db)]
        got = [extractor(p, self.ppi) for _, p in db_images(db)]
        self.ours = [g[0] for g in got]
        self.analyses = [g[1] for g in got]
        rows = {k: {"template": (None, t.width, t.height, t.ppi)} for k, t in zip(self.keys, self.ours, strict=True)}
        self.refs = _reference_templates(db, self.keys, rows)
        ident = np.array([identity_of(k) for k in self.keys])
        self.i, self.j = np.triu_indices(len(self.keys), 1)
        self.genuine = ident[self.i] == ident[self.j]
        self.scores = {"ours": all_pair_scores(self.ours), "fjfx": all_pair_scores(self.refs["fjfx"]),
                       "mindtct": all_pair_scores(self.refs["mindtct"])}

    def fails(self, source: str) -> np.ndarray:
        """bool over genuine pairs: below ``source``'s own threshold at FMR 1 %."""
        s = self.scores[source]
        t = metrics.threshold_at_fmr(s[~self.genuine], 0.01)
        return s[self.genuine] < t

    def eer(self, source: str) -> float:
        s = self.scores[source]
        return metrics.eer(s[self.genuine], s[~self.genuine])


def image_stats(g: Gap, n: int) -> dict[str, Any]:
    """Per image ``n``: counts, pairing with the references, unpaired and missed minutiae by region/reason."""
    scale = 500.0 / g.ppi
    ours = template_to_array(g.ours[n], scale)
    mt, fj = template_to_array(g.refs["mindtct"][n]), template_to_array(g.refs["fjfx"][n])
    a = g.analyses[n]
    pm, pf = pairs(ours, mt), pairs(ours, fj)
    paired = {i for i, _ in pm} | {i for i, _ in pf}
    cons = pairs(mt, fj)
    consensus = mt[[i for i, _ in cons]] if cons else np.zeros((0, 3))
    pc = pairs(ours, consensus)
    got = {j for _, j in pc}
    # our geometry in the working (500 ppi) frame of the analysis
    edge = _edge_distance_map(np.asarray(a.mask, dtype=np.uint8))
    coh = _smoothed_coherence(a)
    cand = minutiae_candidates(a)
    period = cand.period
    bs = a.block_size

    def region(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = np.clip(np.rint(xy[:, 1]).astype(int), 0, a.shape[0] - 1)
        c = np.clip(np.rint(xy[:, 0]).astype(int), 0, a.shape[1] - 1)
        e = _edge_distance(edge, r, c) / period
        ch = coh[np.minimum(r // bs, coh.shape[0] - 1), np.minimum(c // bs, coh.shape[1] - 1)]
        return e, ch

    un = np.array(sorted(set(range(len(ours))) - paired), int)
    un_e, un_c = region(ours[un]) if un.size else (np.zeros(0), np.zeros(0))
    all_e, all_c = region(ours) if len(ours) else (np.zeros(0), np.zeros(0))
    miss = np.array(sorted(set(range(len(consensus))) - got), int)
    reasons: list[str] = []
    cxy = np.stack([cand.cols, cand.rows], axis=1).astype(float) if len(cand.rows) else np.zeros((0, 2))
    for m in miss:
        if not len(cxy):
            reasons.append("none")
            continue
        d = np.hypot(cxy[:, 0] - consensus[m, 0], cxy[:, 1] - consensus[m, 1])
        k = int(np.argmin(d))
        reasons.append((cand.reasons[k] or "kept(angle/pos)") if d[k] <= MAX_DIST else "none")
    miss_e, miss_c = region(consensus[miss]) if miss.size else (np.zeros(0), np.zeros(0))
    if miss.size:
        mr = np.clip(np.rint(consensus[miss, 1]).astype(int), 0, a.shape[0] - 1)
        mc = np.clip(np.rint(consensus[miss, 0]).astype(int), 0, a.shape[1] - 1)
        outside = int((~np.asarray(a.mask)[mr, mc]).sum())
    else:
        outside = 0
    ang, off = [], []
    for i, j in pc:
        dd = (ours[i, 2] - consensus[j, 2] + 180.0) % 360.0 - 180.0
        ang.append(dd)
        off.append(np.hypot(*(ours[i, :2] - consensus[j, :2])))
    return {"n_ours": len(ours), "n_mindtct": len(mt), "n_fjfx": len(fj), "n_consensus": len(consensus),
            "paired": len(paired), "unpaired_edge": un_e, "unpaired_coh": un_c, "all_edge": all_e, "all_coh": all_c,
            "missed": len(miss), "miss_outside_mask": outside, "miss_reasons": reasons, "miss_edge": miss_e,
            "miss_coh": miss_c,
            "ang": np.array(ang), "off": np.array(off), "period": period,
            "cons_found": len(pc)}


def summarise(stats: list[dict[str, Any]]) -> dict[str, float | str]:
    def cat(name: str) -> np.ndarray:
        return np.concatenate([s[name] for s in stats]) if stats else np.zeros(0)

    n_ours = sum(s["n_ours"] for s in stats)
    un_e, un_c = cat("unpaired_edge"), cat("unpaired_coh")
    all_e, all_c = cat("all_edge"), cat("all_coh")
    ang, off = cat("ang"), cat("off")
    reasons = Counter(r for s in stats for r in s["miss_reasons"])
    n_cons = sum(s["n_consensus"] for s in stats)
    n_miss = sum(s["missed"] for s in stats)
    return {
        "images": len(stats),
        "n_ours": n_ours / max(len(stats), 1),
        "n_mindtct": np.mean([s["n_mindtct"] for s in stats]),
        "n_fjfx": np.mean([s["n_fjfx"] for s in stats]),
        "n_consensus": n_cons / max(len(stats), 1),
        "paired_share": sum(s["paired"] for s in stats) / max(n_ours, 1),
        "unpaired_per_img": (n_ours - sum(s["paired"] for s in stats)) / max(len(stats), 1),
        "unp_edge<2T": float(np.mean(un_e < 2.0)) if un_e.size else np.nan,
        "all_edge<2T": float(np.mean(all_e < 2.0)) if all_e.size else np.nan,
        "unp_coh<0.4": float(np.mean(un_c < 0.4)) if un_c.size else np.nan,
        "all_coh<0.4": float(np.mean(all_c < 0.4)) if all_c.size else np.nan,
        "cons_recall": 1 - n_miss / max(n_cons, 1),
        "miss_per_img": n_miss / max(len(stats), 1),
        "miss_outside_mask": sum(s["miss_outside_mask"] for s in stats) / max(n_miss, 1),
        "miss_edge<1.3T": float(np.mean(cat("miss_edge") < 1.3)) if n_miss else np.nan,
        "miss_reasons": ", ".join(f"{k} {v / max(n_miss, 1):.0%}" for k, v in reasons.most_common()),
        "ang_med_abs": float(np.median(np.abs(ang))) if ang.size else np.nan,
        "ang_mean": float(np.mean(ang)) if ang.size else np.nan,
        "off_med": float(np.median(off)) if off.size else np.nan,
        "period": float(np.median([s["period"] for s in stats])) if stats else np.nan,
    }


def diagnose(g: Gap, emit: Callable[[str], None]) -> None:
    emit(f"\n== {g.db}: EER ours {100 * g.eer('ours'):.2f} %, FingerJet {100 * g.eer('fjfx'):.2f} %, MINDTCT "
         f"{100 * g.eer('mindtct'):.2f} % (our comparator)")
    ours_f = g.fails("ours")
    gi, gj = g.i[g.genuine], g.j[g.genuine]
    for ref in ("mindtct", "fjfx"):
        lost = ours_f & ~g.fails(ref)
        won = ~ours_f & g.fails(ref)
        emit(f"genuine pairs failing at FMR 1 %: ours {ours_f.sum()}, {ref} {g.fails(ref).sum()}; ours fail & "
             f"{ref} pass: {lost.sum()}; the reverse: {won.sum()}")
        imgs = sorted(set(gi[lost]) | set(gj[lost]))
        emit(f"  pairs lost to {ref}: " + ", ".join(f"{g.keys[a].rsplit('/', 1)[1]}~{g.keys[b].rsplit('/', 1)[1]}"
                                                   for a, b in zip(gi[lost], gj[lost], strict=True))[:600])
        per_img = Counter(list(gi[lost]) + list(gj[lost]))
        emit("  images in most lost pairs: " + ", ".join(f"{g.keys[k].rsplit('/', 1)[1]} ({c})"
                                                         for k, c in per_img.most_common(8)))
        g.__dict__.setdefault("lost_imgs", set()).update(imgs)
    lost_imgs = sorted(g.__dict__["lost_imgs"])
    stats = [image_stats(g, n) for n in range(len(g.keys))]
    rows = {"lost-pair images": summarise([stats[n] for n in lost_imgs]),
            "other images": summarise([stats[n] for n in range(len(g.keys)) if n not in set(lost_imgs)])}
    for name, s in rows.items():
        emit(f"  {name}: " + "; ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()))


def _consensus(mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    """MINDTCT's minutiae that FingerJet also has (12 px, 30 degrees)."""
    return mt[[i for i, _ in pairs(mt, fj)]] if len(mt) and len(fj) else mt[:0]


def _supported(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    keep = sorted({i for i, _ in pairs(o, mt)} | {i for i, _ in pairs(o, fj)})
    return o[keep]


def _plus_missed(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    cons = _consensus(mt, fj)
    got = {j for _, j in pairs(o, cons)}
    return np.vstack([o, cons[[j for j in range(len(cons)) if j not in got]]])


def _both(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    return _plus_missed(_supported(o, mt, fj), mt, fj)


def _consensus_geometry(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    cons, out = _consensus(mt, fj), o.copy()
    for i, j in pairs(o, cons):
        out[i] = cons[j]
    return out


def _plus_missed_fjfx(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    got = {j for _, j in pairs(o, fj)}
    return np.vstack([o, fj[[j for j in range(len(fj)) if j not in got]]])


def _supported_mindtct(o: np.ndarray, mt: np.ndarray, fj: np.ndarray) -> np.ndarray:
    return mt[sorted({i for i, _ in pairs(mt, o)} | {i for i, _ in pairs(mt, fj)})]


ORACLES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "ours": lambda o, mt, fj: o,
    "ours, unsupported removed": _supported,
    "ours + missed consensus": _plus_missed,
    "both of the above": _both,
    "ours, consensus x/y/angle": _consensus_geometry,
    "ours + missed FingerJet": _plus_missed_fjfx,
    "FingerJet": lambda o, mt, fj: fj,
    "MINDTCT": lambda o, mt, fj: mt,
    "MINDTCT, unsupported removed": _supported_mindtct,
}
"""Oracle edits of our minutiae (500 ppi frame, (N, 3) x, y, angle) with the references' help: how much of the
gap each kind of difference explains. "Supported" = paired with MINDTCT's or FingerJet's (12 px, 30 degrees);
"consensus" = MINDTCT's minutiae that FingerJet also has."""


def oracles(g: Gap) -> dict[str, float]:
    """EER (%) of our comparator on each :data:`ORACLES` edit of the DB's minutiae."""
    ours = [template_to_array(t, 500.0 / g.ppi) for t in g.ours]
    mt = [template_to_array(t) for t in g.refs["mindtct"]]
    fj = [template_to_array(t) for t in g.refs["fjfx"]]
    out = {}
    for name, edit in ORACLES.items():
        templates = [Template(tuple(cb.Minutia(float(x), float(y), float(a) % 360.0, "other", 50)
                                    for x, y, a in edit(o, m, f)), width=0, height=0, ppi=500.0)
                     for o, m, f in zip(ours, mt, fj, strict=True)]
        s = all_pair_scores(templates)
        out[name] = 100 * metrics.eer(s[g.genuine], s[~g.genuine])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dbs", nargs="*", default=DBS)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--oracles", action="store_true", help="instead: the EER of the ORACLES edits per DB")
    ap.add_argument("--drop-crowded", type=int, default=None, metavar="K",
                    help="experiment: drop our minutiae with K or more candidates within 2 ridge periods")
    args = ap.parse_args(argv)
    extractor = default_extractor if args.drop_crowded is None else crowd_dropping_extractor(args.drop_crowded)
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    if args.oracles:
        emit(f"{'db':8}" + "".join(f"{name:>{len(name) + 2}}" for name in ORACLES))
    for db in args.dbs:
        g = Gap(db, extractor)
        if args.oracles:
            emit(f"{SHORT[db]:8}" + "".join(f"{v:{len(k) + 2}.2f}" for k, v in oracles(g).items()))
        else:
            diagnose(g, emit)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
