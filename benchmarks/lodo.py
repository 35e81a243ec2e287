"""Leave-one-database-out (LODO) validation over the nine fingerprint dev DBs (issue 16, "What must hold" 1).

The nine DBs: the eight FVC2000/2002 B sets and the Neurotechnology U.are.U sample DB (``../shared/data``).
Everything fitted is fitted on eight DBs and scored on the ninth; the in-sample figure (fitted on all nine, or
the shipped table) stands beside it. Printed, and saved with ``--out`` (``benchmarks/results/lodo.txt``):

1. **Quality.** Per DB: error-versus-reject area at FMR 1 % (``erc.py``: pairwise quality = min, reject 0-20 %,
   1.0 = random) on the MINDTCT + BOZORTH3 scores of ``reference/`` and on OUR comparator's scores (our minutiae),
   for NFIQ 2, for the shipped score (:func:`cccd_biometrics.assess_fingerprint`) and for the quality model of
   ``fit_quality_model.py`` refit with each *target* below (LODO and in-sample); Spearman with NFIQ 2 per DB and
   pooled. Targets (``z``-standardised, equal weights of the parts):

   * ``nfiq2+boz`` (the shipped model's target): logit(NFIQ 2) and the per-DB rank-normal utility of each image's
     4 lowest genuine BOZORTH3 (MINDTCT) scores;
   * ``nfiq2+ours``: logit(NFIQ 2) and the same utility from OUR comparator's genuine scores (our minutiae);
   * ``nfiq2+boz+ours``: the three parts.

2. **Minutiae.** EER and FNMR at FMR 1 % of OUR comparator fed our, FingerJet's and MINDTCT's minutiae (as
   ``minutiae_agreement.py --eer``). Nothing in the extractor is fitted per DB here, so LODO = in-sample.
3. **End to end.** Our extraction + our comparator (what ``cccd-bio bench`` runs, with the true 569 ppi for FVC2002
   DB2) with identity-bootstrap 95 % intervals, against MINDTCT + BOZORTH3 and FingerJet + BOZORTH3; and the
   decision thresholds calibrated LODO (FMR 1 % / 0.1 % on the pooled impostors of the other eight DBs) with the
   FMR and FNMR they give on the held-out DB, beside the shipped ``DECISION_THRESHOLDS``.
4. **Hard-to-read flag** (``FingerprintQuality.hard_to_read``): share of SOCOFing dev Real and Altered-Hard
   ``_Obl`` prints flagged; on U.are.U, the FNMR at FMR 1 % (our comparator) of genuine pairs with a flagged
   image against the others.

    python benchmarks/lodo.py [--cache /tmp/lodo_cache.pkl] [--out benchmarks/results/lodo.txt]

The per-image pass (load, analysis, quality, minutiae: about 1,960 images) is cached in ``--cache``
(recomputed when the file is missing or ``--refresh`` is given).
"""

from __future__ import annotations

import argparse
import csv
import io
import pickle
import sys
import tarfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm, spearmanr

import cccd_biometrics as cb
from cccd_biometrics.bench import metrics
from cccd_biometrics.bench.run import run_benchmark
from cccd_biometrics.fingerprint.match.mcc import (
    DECISION_THRESHOLDS,
    compare_one_to_many,
    prepare_gallery,
    prepare_template,
)
from cccd_biometrics.fingerprint.quality.measures import EXTRA_MEASURES, compute_measures
from cccd_biometrics.fingerprint.template.types import Template
from erc import erc_area, threshold_at_fmr
from fit_quality_model import FEATURES, UPPER, design, fit_to_target, nfiq2_target, score
from quality_dataset import DATA, REFERENCE, known_ppi, nfiq2_scores

DBS = [f"{s}/DB{i}_B" for s in ("fvc2000", "fvc2002") for i in range(1, 5)] + ["neurotech/uareu"]
SHORT = {db: db.replace("fvc20", "").replace("/DB", "db").replace("_B", "").replace("neurotech/", "") for db in DBS}
TRUE_PPI = {"fvc2002/DB2_B": 569.0}
TARGETS = ("nfiq2+boz", "nfiq2+ours", "nfiq2+boz+ours")
BOOTSTRAP = 1000


# ------------------------------------------------------------------------------------------- per image
def db_images(db: str) -> list[tuple[str, Path]]:
    """(key, path) of every image of a DB, keys as in ``reference/`` (``neurotech/uareu/012_1_1``)."""
    if db == "neurotech/uareu":
        return [(f"{db}/{p.stem}", p) for p in sorted((DATA / "neurotech_uareu").glob("*.tif"))]
    ds, name = db.split("/")
    return [(f"{db}/{p.stem}", p) for p in sorted((DATA / f"{ds}_b" / name).glob("*.tif"))]


def socofing_flag_images() -> list[tuple[str, Path]]:
    root = DATA / "socofing_dev"
    real = [(f"socofing/Real/{p.stem}", p) for p in sorted(root.glob("Real/*.BMP"))]
    obl = [(f"socofing/Altered-Hard/{p.stem}", p) for p in sorted(root.glob("Altered/Altered-Hard/*_Obl.BMP"))]
    return real + obl


def _one_image(key: str, path: Path, ppi: float | None, with_template: bool) -> dict[str, Any]:
    img = cb.load_fingerprint(path, ppi=ppi)
    analysis = cb.analyze_fingerprint(img)
    q = cb.assess_fingerprint(analysis)
    row: dict[str, Any] = {"measures": compute_measures(analysis), "score": float(q.score),
                           "hard": bool(q.hard_to_read), "template": None}
    if with_template:
        t = cb.extract_minutiae(img)
        row["template"] = (t.as_array(), t.width, t.height, t.ppi)
    return row


def cached_pass(cache: Path, refresh: bool, row: Callable[[str, Path, float], dict[str, Any]],
                extra: Callable[[], dict[str, dict[str, Any]]] | None = None) -> dict[str, dict[str, Any]]:
    """``row(key, path, ppi)`` of every image of the nine DBs (``extra()``'s rows added), read from the pickle
    ``cache`` unless it is missing or ``refresh``; computed rows are written to it."""
    if cache.is_file() and not refresh:
        with cache.open("rb") as fh:
            return pickle.load(fh)
    out: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    for db in DBS:
        for key, path in db_images(db):
            out[key] = row(key, path, TRUE_PPI.get(db, 500.0))
        print(f"  per-image pass: {db} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    if extra is not None:
        out.update(extra())
    with cache.open("wb") as fh:
        pickle.dump(out, fh)
    return out


def per_image(cache: Path, refresh: bool) -> dict[str, dict[str, Any]]:
    def socofing() -> dict[str, dict[str, Any]]:
        return {key: _one_image(key, path, known_ppi(path), False) for key, path in socofing_flag_images()}

    return cached_pass(cache, refresh, lambda key, path, ppi: _one_image(key, path, ppi, True), socofing)


def _template(entry: tuple[np.ndarray, int, int, float | None]) -> Template:
    arr, width, height, ppi = entry
    kinds = ("ending", "bifurcation", "other")
    return Template(tuple(cb.Minutia(float(x), float(y), float(a), kinds[int(k)], int(q)) for x, y, a, k, q in arr),
                    width=width, height=height, ppi=ppi)


# ----------------------------------------------------------------------------------------- comparisons
def _reference_templates(db: str, keys: list[str], rows: dict[str, dict[str, Any]]) -> dict[str, list[Template]]:
    """MINDTCT (.xyt) and FingerJet (.ist) minutiae in the 500 ppi frame the tools were given."""
    stem = db.replace("/", "_")
    archives = {"mindtct": REFERENCE / "mindtct" / f"xyt_{stem}.tar.gz",
                "fjfx": REFERENCE / "fjfx" / f"fjfx_{stem}.tar.gz"}
    members: dict[str, dict[str, bytes]] = {}
    for tool, path in archives.items():
        suffix = ".xyt" if tool == "mindtct" else ".ist"
        with tarfile.open(path) as tar:
            members[tool] = {Path(m.name).stem: tar.extractfile(m).read()  # type: ignore[union-attr]
                             for m in tar.getmembers() if m.isfile() and m.name.endswith(suffix)}
    ppi = TRUE_PPI.get(db, 500.0)
    out: dict[str, list[Template]] = {"mindtct": [], "fjfx": []}
    for key in keys:
        name = key.rsplit("/", 1)[1]
        h500 = round(rows[key]["template"][2] * 500.0 / ppi)
        out["mindtct"].append(_xyt_template(members["mindtct"].get(name, b""), h500))
        data = members["fjfx"].get(name)
        out["fjfx"].append(Template.from_bytes(data) if data else Template((), 0, 0))
    return out


def _xyt_template(data: bytes, height500: int) -> Template:
    """MINDTCT xyt (origin bottom-left, theta = ISO + 180) as a top-left, ISO-angle template at 500 ppi."""
    rows = np.loadtxt(io.BytesIO(data), ndmin=2) if data.strip() else np.zeros((0, 4))
    minutiae = tuple(cb.Minutia(float(x), float(height500 - y), float((t + 180.0) % 360.0), "other", int(q))
                     for x, y, t, q in rows[:, :4])
    return Template(minutiae, width=0, height=height500)


def all_pair_scores(templates: list[Template]) -> np.ndarray:
    """Our comparator's scores of all i<j pairs, in ``np.triu_indices`` order."""
    prepared = [prepare_template(t) for t in templates]
    gallery = prepare_gallery(prepared)
    return np.concatenate([compare_one_to_many(prepared[i], gallery.subset(i + 1, len(prepared)))
                           for i in range(len(prepared) - 1)])


def identity_of(key: str) -> str:
    name = key.rsplit("/", 1)[1]
    return name.rsplit("_", 1)[0]


class DB:
    """One DB's keys, pairs, identities and scores of every source."""

    def __init__(self, db: str, rows: dict[str, dict[str, Any]]) -> None:
        self.name = db
        self.keys = [k for k, _ in db_images(db)]
        ident = np.array([identity_of(k) for k in self.keys])
        self.i, self.j = np.triu_indices(len(self.keys), 1)
        self.genuine = ident[self.i] == ident[self.j]
        self.ident = ident
        ours = [_template(rows[k]["template"]) for k in self.keys]
        refs = _reference_templates(db, self.keys, rows)
        self.scores = {"ours": all_pair_scores(ours), "fjfx": all_pair_scores(refs["fjfx"]),
                       "mindtct": all_pair_scores(refs["mindtct"])}
        for tool in ("mindtct", "fjfx"):
            self.scores[f"{tool}+boz3"] = _align(self.keys, self.i, self.j, _bozorth(db, tool))

    def split(self, source: str) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores[source]
        return s[self.genuine], s[~self.genuine]

    def erc(self, source: str, quality: dict[str, float]) -> float:
        """ERC area at FMR 1 % of ``source``'s scores for per-image ``quality`` (missing = lowest)."""
        gen, imp = self.split(source)
        t = threshold_at_fmr(imp)
        q = np.array([_finite(quality.get(k)) for k in self.keys])
        pq = np.minimum(q[self.i], q[self.j])[self.genuine]
        return erc_area(pq, gen < t)


def _finite(v: float | None) -> float:
    return float(v) if v is not None and np.isfinite(v) else -np.inf


def _bozorth(db: str, tool: str) -> dict[tuple[str, str], float]:
    table: dict[tuple[str, str], float] = {}
    with open(REFERENCE / f"bozorth3_{tool}" / f"{db.replace('/', '_')}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            table[(row["key_a"], row["key_b"])] = table[(row["key_b"], row["key_a"])] = float(row["score"])
    return table


def _align(keys: list[str], i: np.ndarray, j: np.ndarray, table: dict[tuple[str, str], float]) -> np.ndarray:
    return np.array([table[(keys[a], keys[b])] for a, b in zip(i, j, strict=True)], dtype=np.float64)


# ------------------------------------------------------------------------------------------ quality fit
def utility(dbs: dict[str, DB], source: str) -> dict[str, float]:
    """Per image: the mean of its 4 lowest genuine scores of ``source`` over the DB's threshold at FMR 1 %
    (BOZORTH3: in log1p), as a normal score of its rank within its DB (as ``fit_quality_model.utility_target``)."""
    out: dict[str, float] = {}
    for d in dbs.values():
        gen, imp = d.split(source)
        t = threshold_at_fmr(imp)
        vals = np.log1p(gen) / np.log1p(t) if "boz3" in source else gen / max(t, 1e-9)
        acc: dict[str, list[float]] = {}
        for a, b, v in zip(d.i[d.genuine], d.j[d.genuine], vals, strict=True):
            acc.setdefault(d.keys[a], []).append(float(v))
            acc.setdefault(d.keys[b], []).append(float(v))
        ks = list(acc)
        v = np.array([np.mean(sorted(acc[k])[:4]) for k in ks])
        ranks = (np.argsort(np.argsort(v, kind="stable")) + 0.5) / len(v)
        out.update(zip(ks, norm.ppf(ranks), strict=True))
    return out


def _std(x: np.ndarray) -> np.ndarray:
    return (x - np.nanmean(x)) / np.nanstd(x)


def _fit_target(X: np.ndarray, keys: list[str], nfiq2: np.ndarray, utils: dict[str, dict[str, float]],
                name: str, within_db: bool = False) -> dict:
    """``fit_quality_model.fit`` with the target ``name``: the mean of its standardised parts (an image
    lacking a part is left out of the regression; ``part:w`` weighs a part ``w``, default 1); slope and offset
    onto NFIQ 2's scale as there. ``within_db``: the NFIQ 2 part standardised within each DB (the ranking within
    a sensor, not across)."""
    n2 = nfiq2_target(nfiq2)
    if within_db:
        group = np.array([k.rsplit("/", 1)[0] for k in keys])
        for g in np.unique(group):
            m = group == g
            n2[m] = (n2[m] - np.nanmean(n2[m])) / np.nanstd(n2[m])
    cols = {"nfiq2": n2, "boz": np.array([utils["boz"].get(k, np.nan) for k in keys]),
            "ours": np.array([utils["ours"].get(k, np.nan) for k in keys])}
    parts = [(p.partition(":")[0], float(p.partition(":")[2] or 1.0)) for p in name.split("+")]
    target = sum(w * cols[part] for part, w in parts) / sum(w for _, w in parts)
    return fit_to_target(X, nfiq2, target)


def _design(rows: dict[str, dict[str, Any]], keys: list[str], features: dict[str, str] | None) -> np.ndarray:
    """``fit_quality_model.design`` with another feature set (name -> "identity" | "log")."""
    if features is None:
        return design({k: rows[k]["measures"] for k in keys}, keys)
    cols = []
    for name, transform in features.items():
        x = np.minimum(np.array([rows[k]["measures"][name] for k in keys], dtype=float), UPPER.get(name, np.inf))
        cols.append(np.log(np.maximum(x, 1.0)) if transform == "log" else x)
    return np.array(cols).T


def quality_variants(rows: dict[str, dict[str, Any]], dbs: dict[str, DB], targets: tuple[str, ...] = TARGETS,
                     features: dict[str, str] | None = None, within_db: bool = False, in_sample: bool = True,
                     label: str = "") -> dict[str, dict[str, float]]:
    """name -> per-image quality: NFIQ 2, the shipped score, and each target fitted in-sample and LODO."""
    keys = [k for d in dbs.values() for k in d.keys]
    X = _design(rows, keys, features)
    nfiq = {**nfiq2_scores("fvc.csv"), **nfiq2_scores("neurotech_uareu.csv")}
    n2 = np.array([nfiq.get(k, np.nan) for k in keys])
    utils = {"boz": utility(dbs, "mindtct+boz3"), "ours": utility(dbs, "ours")}
    group = np.array([k.rsplit("/", 1)[0] for k in keys])
    out: dict[str, dict[str, float]] = {"NFIQ 2": dict(zip(keys, n2, strict=True)),
                                        "shipped": {k: rows[k]["score"] for k in keys}}
    for name in targets:
        if in_sample:
            model = _fit_target(X, keys, n2, utils, name, within_db)
            out[f"{name}{label} in-sample"] = dict(zip(keys, score(model, X), strict=True))
        cv = np.empty(len(keys))
        for db in dbs:
            test = group == db
            train_keys = [k for k, t in zip(keys, test, strict=True) if not t]
            cv[test] = score(_fit_target(X[~test], train_keys, n2[~test], utils, name, within_db), X[test])
        out[f"{name}{label} LODO"] = dict(zip(keys, cv, strict=True))
    return out


def experiments(rows: dict[str, dict[str, Any]], dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    """Quality mechanisms tried for the per-DB Spearman and for our comparator's failures, all LODO, and
    extraction at the capture's native scale on FVC2002 DB2 (569 ppi)."""
    for row in rows.values():
        if row["template"] is not None:
            row["measures"]["n_minutiae"] = float(len(row["template"][0]))
    for db in DBS:
        for key, path in db_images(db):
            a = cb.analyze_fingerprint(cb.load_fingerprint(path, ppi=TRUE_PPI.get(db, 500.0)))
            rows[key]["measures"].update({name: fn(a) for name, fn in EXTRA_MEASURES.items()})
    nfiq2_family = {n: "identity" for n in ("ocl", "fda", "rvu", "ofl", "mmb", "roi_coherence")}
    runs: list[tuple[str, dict[str, Any]]] = [
        ("shipped features, target nfiq2+boz (the shipped recipe)", {}),
        ("target nfiq2+ours (our comparator's genuine scores)", {"targets": ("nfiq2+ours",)}),
        ("target nfiq2+boz+ours", {"targets": ("nfiq2+boz+ours",)}),
        ("target NFIQ 2 only", {"targets": ("nfiq2",)}),
        ("NFIQ 2 part standardised within each DB", {"within_db": True}),
        ("+ NFIQ 2 family measures (ocl fda rvu ofl mmb roi_coherence)",
         {"features": {**FEATURES, **nfiq2_family}}),
        ("+ our minutiae count (log)", {"features": {**FEATURES, "n_minutiae": "log"}}),
        ("+ ridge_breaks (issue 16: broken, dotted ridges; EXTRA_MEASURES)",
         {"features": {**FEATURES, "ridge_breaks": "identity"}}),
        ("+ ridge_breaks, target NFIQ 2 only", {"features": {**FEATURES, "ridge_breaks": "identity"},
                                                "targets": ("nfiq2",)}),
        ("target 3/4 NFIQ 2 + 1/4 BOZORTH3 utility (less utility: the per-DB agreement bought with ERC)",
         {"targets": ("nfiq2:3+boz",)}),
    ]
    emit("\nQuality mechanisms, each fitted leave-one-DB-out (LODO only; per-DB Spearman with NFIQ 2 in DB order)")
    for title, kwargs in runs:
        v = quality_variants(rows, dbs, **{"targets": ("nfiq2+boz",), "in_sample": False, **kwargs})
        emit(f"* {title}")
        v = {k: q for k, q in v.items() if k == "NFIQ 2" or "LODO" in k}
        quality_summary(dbs, v, lambda line: emit("  " + line) if not line.startswith("\nQuality") else None)
        name = next(k for k in v if "LODO" in k)
        emit("  per-DB Spearman " + " ".join(
            f"{_spearman([v[name][k] for k in d.keys], [v['NFIQ 2'][k] for k in d.keys]):.2f}" for d in dbs.values()))
    nfiq2_own_features(dbs, emit)
    nfiq = {**nfiq2_scores("fvc.csv"), **nfiq2_scores("neurotech_uareu.csv")}
    for source, label in (("mindtct+boz3", "MINDTCT + BOZORTH3"), ("ours", "our comparator")):
        util = utility(dbs, source)
        emit(f"* Spearman of NFIQ 2 with the per-image utility of {label} (the utility part of the targets)")
        per = [_spearman([nfiq.get(k, np.nan) for k in d.keys], [util.get(k, np.nan) for k in d.keys])
               for d in dbs.values()]
        emit("  per DB " + " ".join(f"{r:.2f}" for r in per))
    fitted_on_itself(rows, dbs, emit)
    d = dbs["fvc2002/DB2_B"]
    emit("\nMinutiae at the capture's native scale, fvc2002 DB2 (569 ppi): extracted on the image as captured "
         "(loaded as 500 ppi, no resampling) and compared at 569 ppi, vs resampled to 500 ppi (shipped)")
    native = []
    for _key, path in db_images(d.name):
        t = cb.extract_minutiae(cb.load_fingerprint(path, ppi=500.0))
        native.append(Template(t.minutiae, width=t.width, height=t.height, ppi=TRUE_PPI[d.name]))
    s = all_pair_scores(native)
    for label, (g, i) in (("resampled (shipped)", d.split("ours")), ("native", (s[d.genuine], s[~d.genuine]))):
        emit(f"  {label:20} EER {_pct(metrics.eer(g, i))} %, FNMR@1 % {_pct(metrics.fnmr_at_fmr(g, i, 0.01))} %")
    emit(f"  FingerJet {_pct(metrics.eer(*d.split('fjfx')))} %, MINDTCT {_pct(metrics.eer(*d.split('mindtct')))} % "
         "(our comparator)")


def nfiq2_own_features(dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    """How far NFIQ 2's ranking within a DB can be learnt from the other eight DBs at all: NFIQ 2's own native
    features (``reference/nfiq2``, the constant ones left out) in the same linear model, target logit(NFIQ 2),
    fitted LODO. A DB where this stays low is not missing one of OUR measures."""
    table: dict[str, dict[str, str]] = {}
    for name in ("fvc.csv", "neurotech_uareu.csv"):
        with open(REFERENCE / "nfiq2" / name, newline="") as fh:
            table.update({r["key"]: r for r in csv.DictReader(fh)})
    first = next(iter(table.values()))
    names = [c for c in first if c.split("_")[0] in ("FDA", "FingerJetFX", "FJFXPos", "ImgProcROIArea", "LCS", "MMB",
                                                    "Mu", "OCL", "OF", "OrientationMap", "RVUP")]
    keys = [k for d in dbs.values() for k in d.keys
            if table[k]["QualityScore"] not in ("", "NA") and all(table[k][c] not in ("", "NA") for c in names)]
    X = np.array([[float(table[k][c]) for c in names] for k in keys])
    X = X[:, X.std(0) > 0]
    n2 = np.array([float(table[k]["QualityScore"]) for k in keys])
    group = np.array([k.rsplit("/", 1)[0] for k in keys])
    per = []
    for db in dbs:
        test = group == db
        model = fit_to_target(X[~test], n2[~test], nfiq2_target(n2[~test]))
        per.append(_spearman(list(score(model, X[test])), list(n2[test])))
    emit(f"* NFIQ 2's own {X.shape[1]} non-constant native features, same linear model, target NFIQ 2 only "
         "(how much of NFIQ 2's per-DB ranking a linear model fitted on the other eight DBs can learn at all)")
    emit("  per-DB Spearman " + " ".join(f"{r:.2f}" for r in per))


def fitted_on_itself(rows: dict[str, dict[str, Any]], dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    """The shipped features fitted on each DB alone (in-sample) with the shipped target, and with NFIQ 2 alone:
    the per-DB agreement the features and the target give when nothing has to carry across DBs (a reference, not
    a bound: the fit minimises squared error, not rank disagreement)."""
    utils = {"boz": utility(dbs, "mindtct+boz3"), "ours": utility(dbs, "ours")}
    nfiq = {**nfiq2_scores("fvc.csv"), **nfiq2_scores("neurotech_uareu.csv")}
    for target in ("nfiq2+boz", "nfiq2"):
        per = []
        for d in dbs.values():
            X = _design(rows, d.keys, None)
            n2 = np.array([nfiq.get(k, np.nan) for k in d.keys])
            model = _fit_target(X, d.keys, n2, utils, target)
            per.append(_spearman(list(score(model, X)), list(n2)))
        emit(f"* shipped features fitted on each DB itself (in-sample: nothing to carry across DBs), target {target}")
        emit("  per-DB Spearman " + " ".join(f"{r:.2f}" for r in per))


# ---------------------------------------------------------------------------------------------- tables
def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def quality_table(dbs: dict[str, DB], variants: dict[str, dict[str, float]], emit: Callable[[str], None]) -> None:
    nfiq = variants["NFIQ 2"]
    for source, title in (("mindtct+boz3", "MINDTCT + BOZORTH3 scores"), ("ours", "OUR comparator's scores")):
        emit(f"\nERC area at FMR 1 % on {title} (lower is better; 1.0 = random); "
             f"'<=N2' = DBs no worse than NFIQ 2")
        emit(f"{'quality':24}" + "".join(f"{SHORT[d]:>8}" for d in dbs) + f"{'mean':>8}{'<=N2':>6}")
        base = {d: dbs[d].erc(source, nfiq) for d in dbs}
        for name, q in variants.items():
            vals = {d: dbs[d].erc(source, q) for d in dbs}
            wins = sum(vals[d] <= base[d] for d in dbs)
            emit(f"{name:24}" + "".join(f"{vals[d]:8.3f}" for d in dbs) + f"{np.mean(list(vals.values())):8.3f}"
                 + (f"{wins:4d}/9" if name != "NFIQ 2" else ""))
        oracle = {d: _oracle(dbs[d], source) for d in dbs}
        emit(f"{'oracle':24}" + "".join(f"{oracle[d]:8.3f}" for d in dbs) + f"{np.mean(list(oracle.values())):8.3f}")
    emit("\nSpearman with NFIQ 2 (per DB, pooled over the nine DBs' images)")
    emit(f"{'quality':24}" + "".join(f"{SHORT[d]:>8}" for d in dbs) + f"{'pooled':>8}{'min':>8}")
    for name, q in variants.items():
        if name == "NFIQ 2":
            continue
        per = {d: _spearman([q[k] for k in dbs[d].keys], [nfiq[k] for k in dbs[d].keys]) for d in dbs}
        keys = [k for d in dbs.values() for k in d.keys]
        pooled = _spearman([q[k] for k in keys], [nfiq[k] for k in keys])
        emit(f"{name:24}" + "".join(f"{per[d]:8.3f}" for d in dbs) + f"{pooled:8.3f}{min(per.values()):8.3f}")


def quality_summary(dbs: dict[str, DB], variants: dict[str, dict[str, float]], emit: Callable[[str], None]
                    ) -> None:
    """Issue 16 "What must hold" 2, per quality variant."""
    nfiq = variants["NFIQ 2"]
    keys = [k for d in dbs.values() for k in d.keys]
    emit("\nQuality targets (issue 16 #2): ERC on MINDTCT+BOZORTH3 <= NFIQ 2 on >= 7 of 9 and on the mean; Spearman "
         ">= 0.80 pooled and >= 0.70 per DB; ERC on our scores <= 0.80 mean")
    for name, q in variants.items():
        if name == "NFIQ 2":
            continue
        boz = {d: dbs[d].erc("mindtct+boz3", q) for d in dbs}
        ref = {d: dbs[d].erc("mindtct+boz3", nfiq) for d in dbs}
        wins = sum(boz[d] <= ref[d] for d in dbs)
        ours = float(np.mean([dbs[d].erc("ours", q) for d in dbs]))
        per = [_spearman([q[k] for k in dbs[d].keys], [nfiq[k] for k in dbs[d].keys]) for d in dbs]
        pooled = _spearman([q[k] for k in keys], [nfiq[k] for k in keys])
        checks = [wins >= 7 and np.mean(list(boz.values())) <= np.mean(list(ref.values())), pooled >= 0.80,
                  min(per) >= 0.70, ours <= 0.80]
        emit(f"{name:24} ERC<=N2 {wins}/9, mean {np.mean(list(boz.values())):.3f} vs {np.mean(list(ref.values())):.3f}"
             f"; Spearman pooled {pooled:.3f}, per-DB min {min(per):.3f} ({sum(r >= 0.70 for r in per)}/9 >= 0.70); "
             f"ERC ours mean {ours:.3f}  -> " + " ".join("ok" if c else "MISS" for c in checks))


def _oracle(d: DB, source: str) -> float:
    gen, imp = d.split(source)
    return erc_area(gen, gen < threshold_at_fmr(imp))


def _spearman(a: list[float], b: list[float]) -> float:
    x, y = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(spearmanr(x[ok], y[ok]).statistic)


def minutiae_table(dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    emit("\nMinutiae: OUR comparator fed each source's minutiae, EER % / FNMR % at FMR 1 % "
         "(nothing fitted per DB: LODO = in-sample)")
    srcs = ("ours", "fjfx", "mindtct")
    emit(f"{'db':10}" + "".join(f"{s + ' EER':>13}{s + ' FNMR1':>13}" for s in srcs) + f"{'ours<=both':>12}")
    wins = 0
    for d in dbs.values():
        cells, eers = [], {}
        for s in srcs:
            g, i = d.split(s)
            eers[s] = metrics.eer(g, i)
            cells.append(f"{_pct(eers[s]):>13}{_pct(metrics.fnmr_at_fmr(g, i, 0.01)):>13}")
        won = eers["ours"] <= min(eers["fjfx"], eers["mindtct"])
        wins += won
        emit(f"{SHORT[d.name]:10}" + "".join(cells) + f"{'yes' if won else 'no':>12}")
    emit(f"our minutiae's EER <= both FingerJet's and MINDTCT's: {wins} of {len(dbs)} DBs")


def end_to_end_table(dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    emit(f"\nEnd to end: our extraction + our comparator (cccd-bio bench; identity bootstrap, {BOOTSTRAP} resamples,"
         " 95 % intervals) vs BOZORTH3 on MINDTCT / FingerJet minutiae; EER % and FNMR % at FMR 1 % / 0.1 %")
    emit(f"{'db':10}{'ours EER [95 % CI]':>24}{'FNMR@1% [CI]':>24}{'FNMR@0.1% [CI]':>24}"
         f"{'MINDTCT+B3':>12}{'FJFX+B3':>10}{'ours<both':>10}")
    wins = 0
    for d in dbs.values():
        g, i = d.split("ours")
        ident = d.ident[np.stack([d.i, d.j], axis=1)]
        res = metrics.subject_bootstrap(g, ident[d.genuine, 0], i, ident[~d.genuine], resamples=BOOTSTRAP,
                                        seed=zlib.crc32(d.name.encode()))
        refs = [metrics.eer(*d.split(s)) for s in ("mindtct+boz3", "fjfx+boz3")]
        e = metrics.eer(g, i)
        won = e < min(refs)
        wins += won
        cells = [f"{_pct(iv.estimate)} [{_pct(iv.lower)}, {_pct(iv.upper)}]"
                 for iv in (res.eer, res.fnmr_at_fmr_1pct, res.fnmr_at_fmr_0_1pct)]
        emit(f"{SHORT[d.name]:10}" + "".join(f"{c:>24}" for c in cells) + f"{_pct(refs[0]):>12}{_pct(refs[1]):>10}"
             + f"{'yes' if won else 'no':>10}")
    emit(f"our EER below both MINDTCT + BOZORTH3 and FingerJet + BOZORTH3: {wins} of {len(dbs)} DBs")
    emit("(an FNMR@0.1 % upper bound of 100 % on an FVC DB: resamples that repeat a finger repeat its impostor "
         "scores, and with 2,880 impostor pairs a tie group above 0.1 % leaves no threshold with FMR <= 0.1 %)")
    emit("`cccd-bio bench DB` with default options (resolution from the loader: metadata, else the ridge-period "
         "estimate with the sensor rule, so FVC2002 DB2 runs at 500 ppi, not its true 569), EER % / FNMR@1 % / "
         "FNMR@0.1 %:")
    for d in dbs.values():
        folder = DATA / "neurotech_uareu" if d.name == "neurotech/uareu" else DATA / (
            d.name.split("/")[0] + "_b") / d.name.split("/")[1]
        m = run_benchmark(folder, quality="none", bootstrap=0, progress=False).summary["metrics"]
        refs = min(metrics.eer(*d.split(s)) for s in ("mindtct+boz3", "fjfx+boz3"))
        emit(f"  {SHORT[d.name]:8}{_pct(m['eer']):>7}{_pct(m['fnmr_at_fmr_1pct']):>7}"
             f"{_pct(m['fnmr_at_fmr_0.1pct']):>7}   below both references: {'yes' if m['eer'] < refs else 'no'}")
    emit("\nDecision thresholds, LODO: threshold at FMR 1 % / 0.1 % on the pooled impostor scores of the other eight "
         "DBs, the FMR / FNMR it gives on the held-out DB; shipped DECISION_THRESHOLDS "
         f"{DECISION_THRESHOLDS} beside (in-sample for FVC)")
    emit(f"{'db':10}{'thr1% LODO':>12}{'FMR':>7}{'FNMR':>7}{'thr.1% LODO':>12}{'FMR':>7}{'FNMR':>7}"
         f"{'| shipped: FMR1':>16}{'FNMR':>7}{'FMR.1':>7}{'FNMR':>7}")
    for d in dbs.values():
        others = np.concatenate([o.split("ours")[1] for o in dbs.values() if o is not d])
        g, i = d.split("ours")
        cells = ""
        for fmr in (0.01, 0.001):
            t = metrics.threshold_at_fmr(others, fmr)
            cells += f"{t:12.4f}{_pct((i >= t).mean()):>7}{_pct((g < t).mean()):>7}"
        shipped = ""
        for key in ("fmr_1%", "fmr_0.1%"):
            t = DECISION_THRESHOLDS[key]
            shipped += f"{_pct((i >= t).mean()):>7}{_pct((g < t).mean()):>7}"
        emit(f"{SHORT[d.name]:10}{cells}{'|':>2}{shipped:>28}")


def flag_table(rows: dict[str, dict[str, Any]], dbs: dict[str, DB], emit: Callable[[str], None]) -> None:
    emit("\nHard-to-read flag (assess_fingerprint().hard_to_read; its thresholds are fixed, not refit here)")
    real = [v["hard"] for k, v in rows.items() if k.startswith("socofing/Real/")]
    obl = [v["hard"] for k, v in rows.items() if k.startswith("socofing/Altered-Hard/")]
    r, o = float(np.mean(real)), float(np.mean(obl))
    emit(f"SOCOFing dev: Real flagged {100 * r:.1f} % of {len(real)}, Altered-Hard _Obl {100 * o:.1f} % of "
         f"{len(obl)}: ratio {o / r if r > 0 else float('inf'):.2f} (target >= 4)")
    d = dbs["neurotech/uareu"]
    g, i = d.split("ours")
    t = threshold_at_fmr(i)
    hard = np.array([rows[k]["hard"] for k in d.keys])
    flagged = (hard[d.i] | hard[d.j])[d.genuine]
    fail = g < t
    a = fail[flagged].mean() if flagged.any() else float("nan")
    b = fail[~flagged].mean()
    ratio = a / b if b > 0 else float("inf")
    emit(f"U.are.U: {hard.sum()} of {hard.size} images flagged; genuine pairs with a flagged image: {flagged.sum()}, "
         f"FNMR at FMR 1 % {100 * a:.2f} % vs {100 * b:.2f} % for the others: ratio {ratio:.2f} (target >= 3)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cccd_lodo_cache.pkl"))
    ap.add_argument("--refresh", action="store_true", help="recompute the per-image pass")
    ap.add_argument("--out", type=Path, default=None, help="also write the tables to this file")
    ap.add_argument("--experiments", action="store_true",
                    help="instead: the quality and minutiae mechanisms tried, each measured LODO")
    args = ap.parse_args(argv)
    if not REFERENCE.is_dir():
        print("../shared/data/reference is not available", file=sys.stderr)
        return 2
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    rows = per_image(args.cache, args.refresh)
    dbs = {db: DB(db, rows) for db in DBS}
    if args.experiments:
        emit("Mechanisms tried for issue 16 (benchmarks/lodo.py --experiments)")
        experiments(rows, dbs, emit)
        if args.out:
            args.out.write_text("\n".join(lines) + "\n")
        return 0
    emit("Leave-one-database-out validation over the nine dev DBs (benchmarks/lodo.py)")
    emit("DBs: " + ", ".join(f"{SHORT[d]} = {d}" for d in DBS))
    variants = quality_variants(rows, dbs)
    quality_table(dbs, variants, emit)
    quality_summary(dbs, variants, emit)
    minutiae_table(dbs, emit)
    end_to_end_table(dbs, emit)
    flag_table(rows, dbs, emit)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
