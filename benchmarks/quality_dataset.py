"""Shared helpers of the dataset scripts: image lists and per-image measures of ``../shared/data``.

Sample keys follow ``reference/README.md``: ``<dataset>/<db>/<stem>`` (``fvc2002/DB1_B/101_1``,
``socofing/Real/10__M_Left_index_finger``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.quality.measures import EXTRA_MEASURES, compute_measures

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the project (a CI clone) or beside a folder of worktrees (/work/wt/X -> /work/shared)
DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data")
REFERENCE = DATA / "reference"


def fvc_images(data: Path = DATA) -> dict[str, Path]:
    """key -> path of every FVC2000/2002 B image."""
    out = {}
    for ds in ("fvc2000", "fvc2002"):
        for path in sorted((data / f"{ds}_b").glob("DB*_B/*.tif")):
            out[f"{ds}/{path.parent.name}/{path.stem}"] = path
    return out


def socofing_images(data: Path = DATA) -> dict[str, Path]:
    """key -> path of every SOCOFing dev image (Real and Altered-*)."""
    out = {}
    root = data / "socofing_dev"
    for path in sorted(root.glob("Real/*.BMP")):
        out[f"socofing/Real/{path.stem}"] = path
    for path in sorted(root.glob("Altered/*/*.BMP")):
        out[f"socofing/{path.parent.name}/{path.stem}"] = path
    return out


def known_ppi(path: Path) -> float | None:
    """Resolution stated in ../shared/data/README.md where the files' own metadata is wrong."""
    posix = path.as_posix()
    if "fvc2002_b/DB2_B" in posix:
        return 569.0
    if "socofing_dev" in posix:
        from PIL import Image

        with Image.open(path) as im:
            return 170.0 if im.width < 150 else 500.0  # the 96x103 ones are downscaled (about 170 ppi)
    return None


def load(path: Path) -> cb.FingerImage:
    """Load at the resolution the data README states (FVC2002 DB2 569 ppi, small SOCOFing 170 ppi)."""
    return cb.load_fingerprint(path, ppi=known_ppi(path))


def nfiq2_scores(name: str = "fvc.csv") -> dict[str, float]:
    """key -> NFIQ 2 QualityScore (NaN on failure)."""
    out = {}
    with open(REFERENCE / "nfiq2" / name, newline="") as fh:
        for row in csv.DictReader(fh):
            v = row["QualityScore"]
            out[row["key"]] = float(v) if v not in ("", "NA") else float("nan")
    return out


def measure_all(images: dict[str, Path], extra: tuple[str, ...] = ()) -> dict[str, dict[str, float]]:
    """key -> native measures of every image (``extra``: names of ``EXTRA_MEASURES`` computed as well)."""
    out = {}
    for key, path in images.items():
        a = cb.analyze_fingerprint(load(path))
        out[key] = {**compute_measures(a), **{name: EXTRA_MEASURES[name](a) for name in extra}}
    return out


def write_table(rows: dict[str, dict[str, float]], path: Path) -> None:
    names = sorted(next(iter(rows.values())))
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", *names])
        for key, m in rows.items():
            w.writerow([key, *(f"{m[n]:.6g}" for n in names)])


def read_table(path: Path) -> dict[str, dict[str, float]]:
    with open(path, newline="") as fh:
        return {r.pop("key"): {k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)}


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    ra = np.argsort(np.argsort(a[ok])).astype(float)
    rb = np.argsort(np.argsort(b[ok])).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])
