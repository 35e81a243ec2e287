"""The comparator's global-transform stage, chosen leave-one-database-out over the nine dev DBs (issue 16 #1).

    nice python benchmarks/matcher_transform.py [--cache /tmp/cccd_matcher_transform.pkl] [--out FILE]

Our minutiae (``extract_minutiae``, FVC2002 DB2 at its true 569 ppi as in ``lodo.py``) of the eight FVC2000/2002
B DBs and the U.are.U sample DB, all i<j pairs of each DB. For every comparison the compiled comparator gives the
LSS-R score and the global-transform stage's counts (``_kernels.pair_components``: ``m`` minutiae brought onto a
mate by the best rigid transform, within a distance that may grow away from the transform's centre; ``oA``/``oB``
in the other template's hull) for each distance / angle / growth tolerance of the grid; the floor, the power and
the cap are applied afterwards (``score = LSS-R * share ** power``, ``transform_share``), so the whole grid costs
one comparison pass per tolerance. The grid is searched with the
shipped cap on the overlap counts; the cap itself is chosen on MINDTCT's and FingerJet's minutiae of the same
images (last table), where some templates are crowded with false minutiae.

A setting's cost on a set of DBs: their mean EER plus the FNMR at FMR 0.01 % of their pooled scores (the
duplicate check's operating point). Printed (and written with ``--out``):

* the grid's best settings on all nine DBs (in-sample) and the shipped ``DEFAULT_MATCHER``;
* leave-one-DB-out: the setting chosen on the other eight, and on the held-out DB its EER, its FNMR at FMR 0.1 %
  (the DB's own impostors), and the FNMR / FMR at thresholds calibrated at FMR 0.1 % and 0.01 % on the other
  eight DBs' pooled impostors; the same for the plain LSS-R score (``transform_power = 0``, the previous
  comparator) and for the shipped setting.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numba import njit

import cccd_biometrics as cb
from cccd_biometrics.bench import metrics
from cccd_biometrics.fingerprint.match import _kernels as k
from cccd_biometrics.fingerprint.match.mcc import DEFAULT_MATCHER, prepare_gallery
from cccd_biometrics.fingerprint.template.types import Template
from lodo import DBS, SHORT, TRUE_PPI, _reference_templates, db_images, identity_of

# (distance px, angle deg, growth of the distance per px from the transform's centre)
TOLERANCES = ((8.0, 15.0, 0.0), (10.0, 15.0, 0.0), (10.0, 20.0, 0.0), (12.0, 15.0, 0.0), (12.0, 20.0, 0.0),
              (14.0, 20.0, 0.0), (12.0, 25.0, 0.0), (6.0, 15.0, 0.08), (6.0, 20.0, 0.04), (6.0, 20.0, 0.08),
              (8.0, 20.0, 0.04), (8.0, 20.0, 0.08), (10.0, 20.0, 0.04))
FLOORS = (8.0, 10.0, 12.0, 16.0)
POWERS = (0.5, 1.0, 1.5, 2.0)


def templates(cache: Path) -> dict[str, list[Template]]:
    """Our minutiae of every image of the nine DBs (cached: about 20 s to redo)."""
    if cache.is_file():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    out = {db: [cb.extract_minutiae(cb.load_fingerprint(path, ppi=TRUE_PPI.get(db, 500.0)))
                for _key, path in db_images(db)] for db in DBS}
    with cache.open("wb") as fh:
        pickle.dump(out, fh)
    return out


@njit(cache=False, nogil=True)
def _all_components(offsets, gg, gbits, gvalid, gkeys, nd, min_matchable, p):  # pragma: no cover - numba
    """(LSS-R score, m, oA, oB) of every i<j pair in ``np.triu_indices`` order, canonical order as the API."""
    n = offsets.size - 1
    max_n = 1
    for g in range(n):
        max_n = max(max_n, offsets[g + 1] - offsets[g])
    ws = k.make_workspace(max_n, gbits.shape[1])
    out = np.zeros((n * (n - 1) // 2, 4))
    t = 0
    for a0 in range(n):
        for b0 in range(a0 + 1, n):
            a, b = (a0, b0) if gkeys[a0] <= gkeys[b0] else (b0, a0)
            sa, ea, sb, eb = offsets[a], offsets[a + 1], offsets[b], offsets[b + 1]
            s, m, o_a, o_b = k.pair_components(gg[sa:ea], gbits[sa:ea], gvalid[sa:ea], gg[sb:eb], gbits[sb:eb],
                                               gvalid[sb:eb], nd, min_matchable, p, ws)
            out[t, 0], out[t, 1], out[t, 2], out[t, 3] = s, m, o_a, o_b
            t += 1
    return out


def components(tpls: dict[str, list[Template]], dist: float, angle: float, grow: float) -> dict[str, np.ndarray]:
    config = dataclasses.replace(DEFAULT_MATCHER, transform_power=1.0, transform_dist=dist,
                                 transform_angle_deg=angle, transform_grow=grow)
    out = {}
    for db, ts in tpls.items():
        g = prepare_gallery(ts, config)
        out[db] = _all_components(g.offsets, g.geometry, g.bits, g.valid, g.keys, config.nd,
                                  config.min_matchable_bits(), config.score_params())
    return out


def score(parts: np.ndarray, floor: float, power: float, cap: float = DEFAULT_MATCHER.transform_cap) -> np.ndarray:
    """``_kernels.pair_score`` from the parts: LSS-R score x ``transform_share`` ** power."""
    if power == 0.0:
        return parts[:, 0]
    o_a, o_b = np.clip(parts[:, 2], floor, max(cap, floor)), np.clip(parts[:, 3], floor, max(cap, floor))
    share = np.minimum(1.0, parts[:, 1] / np.sqrt(o_a * o_b))
    return np.where(parts[:, 0] > 0.0, parts[:, 0] * share ** power, 0.0)


def reference_templates(tpls: dict[str, list[Template]]) -> dict[str, dict[str, list[Template]]]:
    """MINDTCT's and FingerJet's minutiae of the same images (``lodo._reference_templates``)."""
    out: dict[str, dict[str, list[Template]]] = {"mindtct": {}, "fjfx": {}}
    for db, ts in tpls.items():
        keys = [key for key, _ in db_images(db)]
        rows = {key: {"template": (t.as_array(), t.width, t.height, t.ppi)} for key, t in zip(keys, ts, strict=True)}
        refs = _reference_templates(db, keys, rows)
        for tool in out:
            out[tool][db] = refs[tool]
    return out


def cap_table(tpls: dict[str, list[Template]], genuine: dict[str, np.ndarray], emit: Callable[[str], None]) -> None:
    """The cap on the overlap counts, chosen on the other extractors' minutiae (not on ours): mean EER and pooled
    FNMR at FMR 0.01 % of the shipped tolerances, floor and power for each cap, per minutiae source."""
    sources = {"ours": tpls, **reference_templates(tpls)}
    parts = {name: components(ts, DEFAULT_MATCHER.transform_dist, DEFAULT_MATCHER.transform_angle_deg,
                              DEFAULT_MATCHER.transform_grow) for name, ts in sources.items()}
    emit("\nCap on the overlap counts (shipped tolerances, floor, power), per minutiae source: mean EER % over the "
         "nine DBs / pooled FNMR % at FMR 0.01 %; the cap is chosen on MINDTCT's and FingerJet's minutiae "
         "(their sum of the two figures), where false minutiae crowd some templates")
    emit(f"{'cap':>8}" + "".join(f"{name:>22}" for name in sources) + f"{'MINDTCT+FJFX cost':>20}")
    for cap in (np.inf, 60.0, 50.0, 45.0, 40.0, 30.0):
        cells, cost = "", 0.0
        for name in sources:
            s = Setting((0.0, 0.0, 0.0, 0.0, 1.0), {db: score(parts[name][db], DEFAULT_MATCHER.transform_floor,
                                                         DEFAULT_MATCHER.transform_power, cap) for db in DBS}, genuine)
            gen, imp = s.pooled(DBS)
            mean_eer, f01 = float(np.mean(list(s.eer.values()))), metrics.fnmr_at_fmr(gen, imp, 1e-4)
            cells += f"{100 * mean_eer:>12.2f} / {100 * f01:6.2f}"
            cost += (mean_eer + f01) if name != "ours" else 0.0
        emit(f"{cap:>8g}{cells}{100 * cost:>20.2f}")
    base = {name: Setting((0.0, 0.0, 0.0, 0.0, 0.0), {db: parts[name][db][:, 0] for db in DBS}, genuine)
            for name in sources}
    emit(f"{'LSS-R':>8}" + "".join(
        f"{100 * np.mean(list(b.eer.values())):>12.2f} / {100 * metrics.fnmr_at_fmr(*b.pooled(DBS), 1e-4):6.2f}"
        for b in base.values()))


class Setting:
    """One grid point's scores on every DB, and the figures the choice and the report need."""

    def __init__(self, key: tuple[float, ...], scores: dict[str, np.ndarray],
                 genuine: dict[str, np.ndarray]) -> None:
        self.key, self.scores, self.genuine = key, scores, genuine
        self.eer = {db: metrics.eer(*self.split(db)) for db in scores}

    def split(self, db: str) -> tuple[np.ndarray, np.ndarray]:
        s, g = self.scores[db], self.genuine[db]
        return s[g], s[~g]

    def pooled(self, dbs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.split(db) for db in dbs]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def cost(self, dbs: list[str]) -> float:
        gen, imp = self.pooled(dbs)
        return float(np.mean([self.eer[db] for db in dbs]) + metrics.fnmr_at_fmr(gen, imp, 1e-4))

    def held_out(self, db: str) -> list[float]:
        """EER, FNMR at FMR 0.1 % (own impostors), and FNMR, FMR at the other DBs' 0.1 % and 0.01 % thresholds."""
        gen, imp = self.split(db)
        others = self.pooled([d for d in self.scores if d != db])[1]
        row = [self.eer[db], metrics.fnmr_at_fmr(gen, imp, 1e-3)]
        for fmr in (1e-3, 1e-4):
            t = metrics.threshold_at_fmr(others, fmr)
            row += [float((gen < t).mean()), float((imp >= t).mean())]
        return row


def label(key: tuple[float, ...]) -> str:
    dist, angle, grow, floor, power = key
    if power == 0.0:
        return "LSS-R alone (power 0)"
    return f"{dist:g}+{grow:g}r px {angle:g} deg floor {floor:g} power {power:g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cccd_matcher_transform.pkl"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    t0 = time.perf_counter()
    tpls = templates(args.cache)
    genuine = {}
    for db in DBS:
        ident = np.array([identity_of(key) for key, _ in db_images(db)])
        i, j = np.triu_indices(ident.size, 1)
        genuine[db] = ident[i] == ident[j]
    settings: dict[tuple[float, ...], Setting] = {}
    for dist, angle, grow in TOLERANCES:
        parts = components(tpls, dist, angle, grow)
        for floor, power in itertools.product(FLOORS, POWERS):
            key = (dist, angle, grow, floor, power)
            settings[key] = Setting(key, {db: score(parts[db], floor, power) for db in DBS}, genuine)
        if (dist, angle, grow) == TOLERANCES[0]:
            base = Setting((0.0, 0.0, 0.0, 0.0, 0.0), {db: parts[db][:, 0] for db in DBS}, genuine)
        print(f"  tolerance {dist:g}+{grow:g}r px {angle:g} deg done ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr)
    shipped_key = (DEFAULT_MATCHER.transform_dist, DEFAULT_MATCHER.transform_angle_deg, DEFAULT_MATCHER.transform_grow,
                   DEFAULT_MATCHER.transform_floor, DEFAULT_MATCHER.transform_power)
    shipped = settings[shipped_key]
    emit("Global-transform stage of the comparator, our minutiae, all i<j pairs of the nine dev DBs "
         "(benchmarks/matcher_transform.py)")
    emit(f"grid: tolerances {TOLERANCES} (px, deg, px per px), floors {FLOORS}, powers {POWERS}; anchors "
         f"{DEFAULT_MATCHER.transform_anchors}; cost = mean EER + pooled FNMR at FMR 0.01 %")
    emit("\nIn-sample (all nine DBs), the 6 lowest costs, the shipped setting and LSS-R alone; EER % per DB")
    emit(f"{'setting':40}{'cost %':>8}" + "".join(f"{SHORT[d]:>7}" for d in DBS) + f"{'mean':>7}")
    ranked = sorted(settings.values(), key=lambda s: s.cost(DBS))
    for s in [*ranked[:6], shipped, base]:
        emit(f"{label(s.key):40}{100 * s.cost(DBS):8.2f}" + "".join(f"{100 * s.eer[d]:7.2f}" for d in DBS)
             + f"{100 * np.mean(list(s.eer.values())):7.2f}")
    for name, s in (("LSS-R alone", base), ("shipped", shipped)):
        gen, imp = s.pooled(DBS)
        emit(f"{name:12} pooled over the nine DBs: FNMR at FMR 1 % {100 * metrics.fnmr_at_fmr(gen, imp, 1e-2):.2f} %,"
             f" 0.1 % {100 * metrics.fnmr_at_fmr(gen, imp, 1e-3):.2f} %, 0.01 % "
             f"{100 * metrics.fnmr_at_fmr(gen, imp, 1e-4):.2f} % ({gen.size} genuine, {imp.size} impostor pairs)")
    emit("\nLeave-one-DB-out: setting chosen on the other eight; on the held-out DB: EER %, FNMR % at FMR 0.1 % (own"
         " impostors), FNMR % / FMR % at the other eight DBs' pooled FMR 0.1 % and 0.01 % thresholds")
    head = f"{'EER':>6}{'FNMR.1':>7}{'F@.1':>6}{'FMR':>6}{'F@.01':>6}{'FMR':>6}"
    emit(f"{'db':7}{'chosen on the other eight':40}| chosen{head} | LSS-R{head} | shipped{head}")
    totals: dict[str, list[list[float]]] = {"chosen": [], "base": [], "shipped": []}
    for db in DBS:
        others = [d for d in DBS if d != db]
        chosen = min(settings.values(), key=lambda s: s.cost(others))
        cells = ""
        for name, s in (("chosen", chosen), ("base", base), ("shipped", shipped)):
            row = s.held_out(db)
            totals[name].append(row)
            cells += " |       " + "".join(f"{100 * v:6.2f}" if n == 0 else f"{100 * v:7.2f}" if n == 1 else
                                           f"{100 * v:6.2f}" for n, v in enumerate(row))
        emit(f"{SHORT[db]:7}{label(chosen.key):40}{cells}")
    cells = ""
    for name in ("chosen", "base", "shipped"):
        mean = np.mean(np.array(totals[name]), axis=0)
        cells += " |       " + "".join(f"{100 * v:6.2f}" if n == 0 else f"{100 * v:7.2f}" if n == 1 else
                                       f"{100 * v:6.2f}" for n, v in enumerate(mean))
    emit(f"{'mean':7}{'':40}{cells}")
    wins = sum(c[0] < b[0] for c, b in zip(totals["chosen"], totals["base"], strict=True))
    ties = sum(c[0] == b[0] for c, b in zip(totals["chosen"], totals["base"], strict=True))
    emit(f"held-out EER below LSS-R alone on {wins} of 9 DBs ({ties} equal)")
    cap_table(tpls, genuine, emit)
    emit(f"({time.perf_counter() - t0:.0f} s)")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
