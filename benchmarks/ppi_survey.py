"""Distribution of the ridge-period ppi estimate per evaluation set in ../shared/data.

Loads every fingerprint image of the shared sets with :func:`cccd_biometrics.load_fingerprint` (no ``ppi=``)
and prints, per set, how the resolution was decided, percentiles of the raw (unsnapped) estimate, the share
inside the set's expected range, and the time per estimate. Run from the project root::

    python benchmarks/ppi_survey.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.errors import CccdBiometricsError
from cccd_biometrics.fingerprint.capture import REFERENCE_PERIOD_PX, estimate_ppi, estimate_ridge_period

# set name -> (glob under the data root, range the loaded ppi must fall in; 500 sets must load at exactly 500)
SETS: dict[str, tuple[str, tuple[float, float]]] = {
    "FVC2000 DB1-4 (500)": ("fvc2000_b/DB*/*.tif", (500, 500)),
    "FVC2002 DB1,3,4 (500)": ("fvc2002_b/DB[134]_B/*.tif", (500, 500)),
    "FVC2002 DB2 (569)": ("fvc2002_b/DB2_B/*.tif", (500, 500)),  # snapped: ridge spacing cannot tell 569
    "SOCOFing Real": ("socofing_dev/Real/*.BMP", (140, 220)),
    "SOCOFing Altered": ("socofing_dev/Altered/*/*.BMP", (140, 220)),
    "NIST samples (500)": ("nist_samples/*/*.bmp", (500, 500)),
}


def survey(root: Path) -> None:
    print(f"{'set':24s} {'n':>5s} {'err':>4s}  ppi_source        raw estimate p1 / p5 / p50 / p95 / p99"
          f"   loaded ppi right   ms/estimate")
    for name, (pattern, (lo, hi)) in SETS.items():
        files = sorted(root.glob(pattern))
        sources: collections.Counter[str] = collections.Counter()
        raw, loaded, errors, seconds = [], [], 0, 0.0
        for f in files:
            try:
                img = cb.load_fingerprint(f, estimate_resolution=False)
            except CccdBiometricsError:
                errors += 1
                continue
            gray = np.asarray(img.pixels)
            t0 = time.perf_counter()
            est = estimate_ppi(gray, snap=False)
            seconds += time.perf_counter() - t0
            final = cb.load_fingerprint(f)
            sources[final.ppi_source] += 1
            loaded.append(final.original_ppi)
            raw.append(np.nan if est is None else est)
        v = np.asarray(raw, dtype=float)
        q = np.nanpercentile(v, [1, 5, 50, 95, 99]) if np.isfinite(v).any() else [np.nan] * 5
        ppi = np.asarray(loaded, dtype=float)
        inside = float(np.mean((ppi >= lo) & (ppi <= hi))) * 100 if ppi.size else 0.0
        src = ",".join(f"{k}:{c}" for k, c in sorted(sources.items()))
        print(f"{name:24s} {len(files):5d} {errors:4d}  {src:16s}  "
              + " / ".join(f"{x:4.0f}" for x in q)
              + f"   {inside:5.1f}% load at {lo:.0f}-{hi:.0f}   {seconds / max(len(v), 1) * 1000:.2f}")


def calibration(root: Path) -> None:
    """Median period over the real-finger 500 ppi FVC sets: the estimator's REFERENCE_PERIOD_PX."""
    files = [*root.glob("fvc2000_b/DB[123]_B/*.tif"), *root.glob("fvc2002_b/DB[13]_B/*.tif")]
    periods = [estimate_ridge_period(np.asarray(cb.load_fingerprint(f, ppi=500).pixels)) for f in files]
    measured = float(np.median([p for p in periods if p is not None]))
    print(f"reference period on {len(files)} real 500 ppi FVC prints: {measured:.2f} px "
          f"(REFERENCE_PERIOD_PX = {REFERENCE_PERIOD_PX})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    root = ap.parse_args().data
    calibration(root)
    survey(root)


if __name__ == "__main__":
    main()
