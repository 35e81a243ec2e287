"""Do two fingers of ONE person look more alike to the comparator than fingers of two people?

    nice python benchmarks/within_person_impostors.py [--data ../shared/data]

The record check's composed test citizens are ten *different identities* of one database; a real citizen's ten
fingers share pattern types and skin, so the duplicate decision's null (two different fingers of one record)
could be heavier-tailed in the field than on composed records. U.are.U is the one dev set with several fingers of
one person (six people with ten fingers, one with five): its 133,120 impostor pairs split into 17,920 pairs of
two fingers of one person and 115,200 of two people. Scores are those of ``calibrate_duplicate_threshold.py``
(its cache, or rescored here): this library's extractor and comparator with default settings. Prints the
quantiles of both and the share of each at or above the record check's operating points.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from calibrate_duplicate_threshold import databases, scores_of, shared_data
from cccd_biometrics.enrolment import DUPLICATE_THRESHOLD
from cccd_biometrics.fingerprint.match import DECISION_THRESHOLDS


def split(impostor: np.ndarray, same: np.ndarray) -> np.ndarray:
    """The impostor scores that are not two fingers of one person (multiset difference)."""
    left = Counter(np.round(impostor, 9).tolist())
    left.subtract(Counter(np.round(same, 9).tolist()))
    return np.array(sorted(left.elements()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--rescore", action="store_true", help="score again instead of reading the calibration's cache")
    args = ap.parse_args()
    cache = Path(tempfile.gettempdir()) / "cccd_duplicate_scores.npz"
    if cache.is_file() and not args.rescore:
        flat = np.load(cache)
        imp, same = flat["neurotech_uareu|impostor"], flat["neurotech_uareu|same_person"]
    else:
        s = scores_of(databases(args.data or shared_data())["neurotech_uareu"], None)
        imp, same = s["impostor"], s["same_person"]
    other = split(imp, same)
    print(f"U.are.U impostor pairs: {imp.size}; two fingers of one person {same.size}, of two people {other.size}")
    print("quantile      one person   two people")
    for q in (0.5, 0.9, 0.99, 0.999):
        print(f"  {100 * q:6.1f} %   {np.quantile(same, q):10.5f}   {np.quantile(other, q):10.5f}")
    points = {"FMR 1 %": DECISION_THRESHOLDS["fmr_1%"], "FMR 0.1 %": DECISION_THRESHOLDS["fmr_0.1%"],
              "FMR 0.01 % (duplicate)": DUPLICATE_THRESHOLD}
    print("operating point               one person at or above        two people at or above")
    for name, t in points.items():
        a, b = int((same >= t).sum()), int((other >= t).sum())
        print(f"  {name:22s} {t:.4f}   {a:5d} = {100 * a / same.size:6.3f} %          "
              f"{b:5d} = {100 * b / other.size:6.3f} %")


if __name__ == "__main__":
    main()
