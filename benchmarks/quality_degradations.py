"""Cross-check of the quality findings against two independent sets of controlled degradations.

Usage (project root)::

    python benchmarks/quality_degradations.py

Set "tests" is ``tests/degradations.py`` (the property tests' own, whose thresholds the tests enforce);
set "degrade" is ``cccd_biometrics.fingerprint.synthetic.degrade`` (written by another engineer and not used to tune
anything, except that ``dark_flat_area`` and its FINGER_TOO_WET threshold were chosen looking at its wet and
smudge cases as well as at the FVC/SOCOFing flag targets: for wetness it is no longer a hold-out). For each
degradation it prints the share of (clean print, strength) cases where the matching finding code is raised,
at every strength, and the prints whose score is not monotone (1 point tolerance).
Clean prints are chosen as in ``tests/test_quality_properties.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import cccd_biometrics as cb
import degradations as own
from cccd_biometrics.fingerprint.synthetic import degrade as shared
from degradations import FVC_CANDIDATES, STRENGTHS, is_clean

ROOT = Path(__file__).resolve().parents[1]

SHARED = {
    "FINGER_TOO_DRY": shared.dry,
    "FINGER_TOO_WET": shared.wet,
    "FINGER_TOO_WET (smudge)": shared.smudge,
    "FINGER_BLURRED": lambda g, s, seed=0: shared.blur(g, s),
    "FINGER_LOW_CLARITY (noise)": shared.add_noise,
    "FINGER_LOW_CONTRAST": lambda g, s, seed=0: shared.reduce_contrast(g, s),
    "FINGER_SMALL_AREA": shared.crop,
    "FINGER_OFF_CENTER": shared.shift,
}


def clean_prints() -> list:
    paths = [ROOT / "sample_data" / "fingerprints" / n for n in ("nist_sd4_f0001_01.png",
                                                                  "nist_sd14_f0000001_rolled.png")]
    data = ROOT.parent / "shared" / "data"
    if data.is_dir():
        paths += [data / f"{stem}.tif" for stem in FVC_CANDIDATES]
    images = [cb.load_fingerprint(p) for p in paths]
    return [img.pixels for img in images if is_clean(cb.assess_fingerprint(img))]


def run(label: str, functions: dict, prints: list) -> None:
    print(f"== {label} ({len(prints)} clean prints); hit rate at strengths {STRENGTHS}")
    for name, fn in functions.items():
        code = name.split(" ")[0]
        hits = [0] * len(STRENGTHS)
        not_monotone = []
        for i, p in enumerate(prints):
            scores = []
            for j, s in enumerate(STRENGTHS):
                q = cb.assess_fingerprint(cb.FingerImage(fn(p, s, seed=i)))
                scores.append(q.score)
                hits[j] += code in q.codes
            if not all(b <= a + 1.0 for a, b in itertools.pairwise(scores)):
                not_monotone.append([round(x, 1) for x in scores])
        rates = " ".join(f"{h / len(prints):.2f}" for h in hits)
        strong = (hits[-2] + hits[-1]) / (2 * len(prints))
        print(f"  {name:28s} {rates}  | strong (0.75, 1): {strong:.2f} | not monotone: {not_monotone}")


def main() -> int:
    prints = clean_prints()
    run("tests/degradations.py", dict(own.DEGRADATIONS), prints)
    run("cccd_biometrics.fingerprint.synthetic.degrade", SHARED, prints)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
