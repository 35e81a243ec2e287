"""Agreement of our minutiae with MINDTCT and FingerJet FX OSE (issue 4 target 1, until/besides the EER).

For every FVC B image: extract our minutiae, load the reference tools' minutiae from ``../shared/data/reference``
(MINDTCT ``.xyt``; FingerJet's ISO ``.ist``, decoded with our own codec),
bring everything to the 500 ppi frame the reference tools were given (FVC2002 DB2 is 569 ppi: our coordinates
are scaled by 500/569), origin top-left, ISO angles, and pair minutiae one-to-one (greedy, nearest first) within
12 px and 30 degrees. Reported per DB: mean minutiae counts, the share of the reference's minutiae that ours pair
with ("recall vs ref") and the share of ours that pair with the reference's ("precision vs ref"), averaged over
images. The same figures between MINDTCT and FingerJet give the level two established extractors reach.
(The SecuGen ``.iso`` templates beside FVC2002 are left out: their minutiae are in a 300x400 frame cropped around
each finger at an offset that varies per image, so they cannot be compared point by point.)

    python benchmarks/minutiae_agreement.py [--dbs fvc2002/DB1_B ...] [--limit N] [--csv out.csv] [--eer | --gt]

``--eer`` (needs the project's comparator, ``cccd_biometrics.fingerprint.match.mcc``): issue 4 target 1, the EER and
FNMR at FMR = 1 % of the same comparator fed our minutiae, MINDTCT's and FingerJet's, on all i<j pairs of each DB
(280 genuine, 2,880 impostor), per DB and pooled (one threshold over all DBs); then, per DB, 95 % intervals of each
source's EER from an identity bootstrap (``cccd_biometrics.bench.metrics.subject_bootstrap``: the 10 fingers of a DB
resampled with replacement, ``--bootstrap`` times, the same resamples for the three sources so the comparison is
paired, independent resamples across DBs), the bootstrap probability that our EER is <= both references' on each
DB, and the distribution of the number of DBs where it is.
``--gt``: issue 4 target 2, precision and recall against the manually marked minutiae of ``minutiae_gt_samples``.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import tarfile
import time
import zlib
from pathlib import Path

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.template.types import Template

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REF = DATA / "reference"
DBS = [f"{s}/DB{i}_B" for s in ("fvc2000", "fvc2002") for i in range(1, 5)]
TRUE_PPI = {"fvc2002/DB2_B": 569.0}
MAX_DIST, MAX_ANGLE = 12.0, 30.0


def _tar_members(path: Path, suffix: str) -> dict[str, bytes]:
    out = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.endswith(suffix):
                out[Path(m.name).stem] = tar.extractfile(m).read()
    return out


def _xyt_to_array(data: bytes, height500: int) -> np.ndarray:
    """MINDTCT xyt (origin bottom-left, theta = ISO + 180) -> (N, 3) x, y top-left, ISO angle."""
    rows = np.loadtxt(io.BytesIO(data), ndmin=2) if data.strip() else np.zeros((0, 4))
    if rows.size == 0:
        return np.zeros((0, 3))
    return np.stack([rows[:, 0], height500 - rows[:, 1], (rows[:, 2] + 180.0) % 360.0], axis=1)


def template_to_array(t: Template, scale: float = 1.0) -> np.ndarray:
    """(N, 3) x, y, angle; coordinates mapped by ``scale`` (pixel-centre convention)."""
    if not t.minutiae:
        return np.zeros((0, 3))
    a = t.as_array()[:, :3].copy()
    a[:, :2] = (a[:, :2] + 0.5) * scale - 0.5
    return a


def pairs(a: np.ndarray, b: np.ndarray, max_dist: float = MAX_DIST, max_angle: float = MAX_ANGLE
          ) -> list[tuple[int, int]]:
    """One-to-one pairs (greedy, nearest first) of rows of ``a`` and ``b`` ((N, 3) x, y, ISO angle) within
    ``max_dist`` px and ``max_angle`` degrees."""
    if len(a) == 0 or len(b) == 0:
        return []
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    da = np.abs(a[:, None, 2] - b[None, :, 2]) % 360.0
    da = np.minimum(da, 360.0 - da)
    ii, jj = np.nonzero((d <= max_dist) & (da <= max_angle))
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for k in np.argsort(d[ii, jj], kind="stable"):
        i, j = int(ii[k]), int(jj[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return out


def pair_count(a: np.ndarray, b: np.ndarray, max_dist: float = MAX_DIST, max_angle: float = MAX_ANGLE) -> int:
    """Number of :func:`pairs`."""
    return len(pairs(a, b, max_dist, max_angle))


def _shares(ours: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    n = pair_count(ours, ref)
    recall = n / len(ref) if len(ref) else float("nan")
    precision = n / len(ours) if len(ours) else float("nan")
    return recall, precision


def _xyt_template(data: bytes, height500: int) -> Template:
    arr = _xyt_to_array(data, height500)
    q = np.loadtxt(io.BytesIO(data), ndmin=2)[:, 3] if len(arr) else np.zeros(0)
    return Template(tuple(cb.Minutia(float(x), float(y), float(a), "other", int(qq))
                          for (x, y, a), qq in zip(arr, q, strict=True)), width=0, height=height500)


def eer_and_fnmr(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """EER (mean of FMR and FNMR where they cross) and FNMR at FMR = 1 %; higher scores = more similar."""
    thresholds = np.unique(np.concatenate([genuine, impostor]))
    fmr = np.array([(impostor >= t).mean() for t in thresholds])
    fnmr = np.array([(genuine < t).mean() for t in thresholds])
    k = int(np.argmin(np.abs(fmr - fnmr)))
    ok = fmr <= 0.01
    return float((fmr[k] + fnmr[k]) / 2), float(fnmr[ok].min()) if ok.any() else 1.0


def _all_pair_scores(templates: list[Template]) -> np.ndarray:
    from cccd_biometrics.fingerprint.match.mcc import compare_one_to_many, prepare_gallery, prepare_template

    prepared = [prepare_template(t) for t in templates]
    parts = [compare_one_to_many(prepared[i], prepare_gallery(prepared[i + 1:])) for i in range(len(prepared) - 1)]
    return np.concatenate(parts)


def eer_db(db: str) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Genuine and impostor scores of every minutiae source on all i<j pairs of ``db``, and the finger of each
    genuine pair ``(n_g,)`` and the two fingers of each impostor pair ``(n_i, 2)``."""
    ds, name = db.split("/")
    ppi = TRUE_PPI.get(db, 500.0)
    mindtct = _tar_members(REF / "mindtct" / f"xyt_{ds}_{name}.tar.gz", ".xyt")
    fjfx = _tar_members(REF / "fjfx" / f"fjfx_{ds}_{name}.tar.gz", ".ist")
    images = sorted((DATA / f"{ds}_b" / name).glob("*.tif"))
    sources: dict[str, list[Template]] = {"ours": [], "mindtct": [], "fjfx": []}
    empty = Template((), 0, 0)
    for path in images:
        ours = cb.extract_minutiae(cb.load_fingerprint(path, ppi=ppi), with_quality=False)
        sources["ours"].append(ours)
        h500 = round(ours.height * 500.0 / ppi)
        sources["mindtct"].append(_xyt_template(mindtct.get(path.stem, b""), h500))
        sources["fjfx"].append(Template.from_bytes(fjfx[path.stem]) if path.stem in fjfx else empty)
    finger = [p.stem.split("_")[0] for p in images]
    ii, jj = np.triu_indices(len(images), 1)
    genuine = np.array([finger[i] == finger[j] for i, j in zip(ii, jj, strict=True)])
    out = {}
    for src, templates in sources.items():
        scores = _all_pair_scores(templates)
        out[src] = (scores[genuine], scores[~genuine])
    fingers = np.array(finger)[np.stack([ii, jj], axis=1)]
    return out, fingers[genuine, 0], fingers[~genuine]


def run_eer(dbs: list[str], resamples: int = 1000) -> None:
    from cccd_biometrics.bench.metrics import subject_bootstrap

    srcs = ("ours", "mindtct", "fjfx")
    print("db".ljust(14) + "".join(f"{s + ' EER':>13}{s + ' FNMR1%':>14}" for s in srcs))
    pooled: dict[str, list] = {s: [[], []] for s in srcs}
    eers: dict[str, list[float]] = {s: [] for s in srcs}
    boots: dict[str, list] = {s: [] for s in srcs}
    for db in dbs:
        res, gen_id, imp_id = eer_db(db)
        if resamples > 0:
            # one seed per DB (from its name): the three sources share the resamples, the DBs are independent
            seed = zlib.crc32(db.encode())
            for s in srcs:
                boots[s].append(subject_bootstrap(res[s][0], gen_id, res[s][1], imp_id, resamples=resamples,
                                                  seed=seed))
        cells = []
        for s in srcs:
            g, i = res[s]
            e, f = eer_and_fnmr(g, i)
            eers[s].append(e)
            pooled[s][0].append(g)
            pooled[s][1].append(i)
            cells.append(f"{100 * e:13.2f}{100 * f:14.2f}")
        print(db.ljust(14) + "".join(cells), flush=True)
    cells = []
    for s in srcs:
        e, f = eer_and_fnmr(np.concatenate(pooled[s][0]), np.concatenate(pooled[s][1]))
        cells.append(f"{100 * e:13.2f}{100 * f:14.2f}")
    print("pooled".ljust(14) + "".join(cells))
    print("mean".ljust(14) + "".join(f"{100 * np.mean(eers[s]):13.2f}{'':14}" for s in srcs))
    wins = sum(eers["ours"][k] <= min(eers["mindtct"][k], eers["fjfx"][k]) for k in range(len(dbs)))
    print(f"DBs where our EER <= both references: {wins} of {len(dbs)}")
    if resamples > 0:
        print_bootstrap(dbs, boots)


def print_bootstrap(dbs: list[str], boots: dict[str, list]) -> None:
    """Per-DB 95 % identity-bootstrap intervals of each source's EER, P(our EER <= both references) per DB and
    the distribution of the number of DBs won (resample r of every DB taken together; DBs resampled
    independently)."""
    srcs = list(boots)
    b = boots[srcs[0]][0]
    print(f"\nidentity bootstrap: {b.resamples} resamples of each DB's {b.identities} fingers, the same for the three"
          " sources; EER (%) as cccd_biometrics.bench.run.eer [95 % percentile interval]")
    print("db".ljust(14) + "".join(f"{s + ' EER [95 % CI]':>24}" for s in srcs) + f"{'P(ours<=both)':>15}")
    won = []
    for k, db in enumerate(dbs):
        ivs = [boots[s][k].eer for s in srcs]
        ours, refs = ivs[0].replicates, np.minimum.reduce([iv.replicates for iv in ivs[1:]])
        won.append(ours <= refs)  # a resample without error rates (NaN) counts as not won
        cells = "".join(f"{f'{100 * iv.estimate:.2f} [{100 * iv.lower:.2f}, {100 * iv.upper:.2f}]':>24}"
                        for iv in ivs)
        print(db.ljust(14) + cells + f"{won[-1].mean():15.3f}")
    n_won = np.sum(won, axis=0)
    need = 6 if len(dbs) == 8 else math.ceil(0.75 * len(dbs))
    print(f"DBs where our EER <= both references, over the resamples: mean {n_won.mean():.2f} of {len(dbs)}, "
          f"P(>= {need} of {len(dbs)}) = {(n_won >= need).mean():.3f}")


def _read_mnt(path: Path) -> np.ndarray:
    """FingerNet/MinutiaeNet ``.mnt``: name, ``count width height``, then ``x y angle_radians`` per line."""
    lines = path.read_text().split("\n")
    rows = [list(map(float, ln.split()[:3])) for ln in lines[2:] if ln.strip()]
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def run_gt() -> None:
    """Precision and recall against the manual minutiae of ``minutiae_gt_samples`` (latents; 500 ppi assumed).

    The .mnt angle convention is not documented: the figures with angles use whichever of
    ``degrees(a)``/``-degrees(a)`` (+0/180) agrees best, and location-only figures are given too.
    """
    root = DATA / "minutiae_gt_samples"
    pairs = sorted((m, img) for m in root.rglob("*.mnt")
                   for img in m.parent.parent.rglob(m.stem + ".bmp") if "image" in img.parent.name
                   or "img" in img.parent.name)
    print(f"{'sample':40} {'n_gt':>5} {'n_ours':>6} {'P(loc)':>7} {'R(loc)':>7} {'P(+ang)':>8} {'R(+ang)':>8}")
    for mnt, img_path in pairs:
        gt = _read_mnt(mnt)
        ours = template_to_array(cb.extract_minutiae(cb.load_fingerprint(img_path, ppi=500), with_quality=False))
        n_loc = pair_count(ours, gt, max_angle=360.0)
        best = 0
        for sign in (1.0, -1.0):
            for offset in (0.0, 180.0):
                g = gt.copy()
                g[:, 2] = (sign * np.degrees(gt[:, 2]) + offset) % 360.0
                best = max(best, pair_count(ours, g))
        n_gt, n_ours = len(gt), max(len(ours), 1)
        print(f"{mnt.relative_to(root)!s:40} {n_gt:5d} {len(ours):6d} {n_loc / n_ours:7.3f} {n_loc / n_gt:7.3f}"
              f" {best / n_ours:8.3f} {best / n_gt:8.3f}")


def run_db(db: str, limit: int | None, writer) -> dict[str, float]:
    ds, name = db.split("/")
    ppi = TRUE_PPI.get(db, 500.0)
    mindtct = _tar_members(REF / "mindtct" / f"xyt_{ds}_{name}.tar.gz", ".xyt")
    fjfx = _tar_members(REF / "fjfx" / f"fjfx_{ds}_{name}.tar.gz", ".ist")
    images = sorted((DATA / f"{ds}_b" / name).glob("*.tif"))[:limit]
    acc: dict[str, list[float]] = {}
    times = []
    for path in images:
        img = cb.load_fingerprint(path, ppi=ppi)
        t0 = time.perf_counter()
        ours_t = cb.extract_minutiae(img, with_quality=False)
        times.append(time.perf_counter() - t0)
        h500 = round(ours_t.height * 500.0 / ppi)
        ours = template_to_array(ours_t, 500.0 / ppi)
        refs = {"mindtct": _xyt_to_array(mindtct.get(path.stem, b""), h500)}
        if path.stem in fjfx:
            refs["fjfx"] = template_to_array(Template.from_bytes(fjfx[path.stem]))
        row = {"key": f"{db}/{path.stem}", "n_ours": len(ours)}
        for ref_name, ref in refs.items():
            r, p = _shares(ours, ref)
            row.update({f"n_{ref_name}": len(ref), f"recall_{ref_name}": r, f"precision_{ref_name}": p})
        if "fjfx" in refs:
            row["recall_fjfx_by_mindtct"] = _shares(refs["mindtct"], refs["fjfx"])[0]
            row["recall_mindtct_by_fjfx"] = _shares(refs["fjfx"], refs["mindtct"])[0]
        if writer is not None:
            writer.writerow(row)
        for k, v in row.items():
            if k != "key":
                acc.setdefault(k, []).append(float(v))
    summary = {k: float(np.nanmean(v)) for k, v in acc.items()}
    summary["median_ms"] = 1000 * float(np.median(times)) if times else float("nan")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dbs", nargs="*", default=DBS)
    ap.add_argument("--limit", type=int, default=None, help="images per DB")
    ap.add_argument("--csv", type=Path, default=None, help="per-image rows")
    ap.add_argument("--eer", action="store_true", help="EER with the project's comparator instead of agreement")
    ap.add_argument("--gt", action="store_true", help="precision/recall on minutiae_gt_samples instead")
    ap.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                    help="with --eer: identity-bootstrap resamples per DB for the intervals (0 = none)")
    args = ap.parse_args(argv)
    if not REF.is_dir():
        print("../shared/data/reference is not available", file=sys.stderr)
        return 2
    if args.eer:
        run_eer(args.dbs, args.bootstrap)
        return 0
    if args.gt:
        run_gt()
        return 0
    fields = ["key", "n_ours"] + [f"{k}_{r}" for r in ("mindtct", "fjfx") for k in ("n", "recall", "precision")]
    fields += ["recall_fjfx_by_mindtct", "recall_mindtct_by_fjfx"]
    handle = args.csv.open("w", newline="") if args.csv else None
    writer = csv.DictWriter(handle, fields, restval="") if handle else None
    if writer:
        writer.writeheader()
    cols = ["n_ours", "n_mindtct", "n_fjfx", "recall_mindtct", "precision_mindtct", "recall_fjfx", "precision_fjfx",
"recall_fjfx_by_mindtct", "recall_mindtct_by_fjfx", "median_ms"]
    print("db".ljust(14) + "".join(c.replace("recall_", "R_").replace("precision_", "P_")[:12].rjust(13)
                                   for c in cols))
    pooled: dict[str, list[float]] = {}
    for db in args.dbs:
        s = run_db(db, args.limit, writer)
        print(db.ljust(14) + "".join(f"{s.get(c, float('nan')):13.3f}" for c in cols), flush=True)
        for c in cols:
            pooled.setdefault(c, []).append(s.get(c, float("nan")))
    print("mean".ljust(14) + "".join(f"{np.nanmean(pooled[c]):13.3f}" for c in cols))
    if handle:
        handle.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
