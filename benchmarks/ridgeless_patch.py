"""The ridgeless-patch branch of FINGER_LOW_CLARITY (issue 16, hard-to-read flag): what it flags and what it costs.

    nice python benchmarks/ridgeless_patch.py | tee benchmarks/results/ridgeless_patch.txt

``ridgeless_patch`` (fingerprint/quality/measures.py) is the largest connected patch of the finger's interior
with grey structure but no readable ridges; above ``QualityThresholds.max_ridgeless_patch`` the print gets
FINGER_LOW_CLARITY ("a patch of N % of the finger shows no ridges") and is hard to read.

How the threshold was set, and where it is reported:

* chosen on the **odd-numbered SOCOFing dev subjects** only (Real vs Altered-Hard ``_Obl``), as the value with
  the highest Obl/Real flag ratio there that keeps the existing guard on FVC2002 DB1_B (<= 15 % flagged,
  tests/fingerprint/test_quality_dataset.py) with one image to spare; the even-numbered subjects are held out;
* its cost on every dev database: flagged share with and without the branch;
* its use on U.are.U: FNMR at FMR 1 % (our extractor and comparator, all pairs) of genuine pairs with a flagged
  image against the others;
* defects it was not tuned on, rendered here on U.are.U prints by other means than SOCOFing's: a blotch
  (a blurred-noise ellipse over 12-25 % of the finger, at the local grey level) and a scar (a light band 2-3
  ridge periods wide across the finger, with noise); detection = the branch fires.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.fingerprint.params import DEFAULT_QUALITY_THRESHOLDS
from erc import threshold_at_fmr
from lodo import DBS, TRUE_PPI, all_pair_scores, db_images, identity_of
from quality_dataset import DATA, known_ppi

OFF = dataclasses.replace(DEFAULT_QUALITY_THRESHOLDS, max_ridgeless_patch=float("inf"))
LIMIT = DEFAULT_QUALITY_THRESHOLDS.max_ridgeless_patch


def _flags(img: cb.FingerImage) -> tuple[bool, bool, float]:
    a = cb.analyze_fingerprint(img)
    on = cb.assess_fingerprint(a)
    off = cb.assess_fingerprint(a, thresholds=OFF)
    return on.hard_to_read, off.hard_to_read, on.measures["ridgeless_patch"]


def socofing() -> None:
    root = DATA / "socofing_dev"
    kinds = ("Real", "Obl", "CR", "Zcut")
    rates: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
    for real in sorted(root.glob("Real/*.BMP")):
        subject = int(real.stem.split("__")[0])
        fold = "odd (tuning)" if subject % 2 else "even (held out)"
        for kind in kinds:
            path = real if kind == "Real" else root / "Altered" / "Altered-Hard" / f"{real.stem}_{kind}.BMP"
            if path.is_file():
                on, off, _ = _flags(cb.load_fingerprint(path, ppi=known_ppi(path)))
                rates.setdefault((fold, kind), []).append((on, off))
    print(f"SOCOFing dev, hard-to-read share (with the branch / without), max_ridgeless_patch {LIMIT}")
    for fold in ("odd (tuning)", "even (held out)"):
        share = {k: np.mean(rates[(fold, k)], axis=0) for k in kinds if (fold, k) in rates}
        cells = "  ".join(f"{k} {100 * v[0]:5.1f} / {100 * v[1]:5.1f} % (n={len(rates[(fold, k)])})"
                          for k, v in share.items())
        ratio = share["Obl"] / share["Real"]
        print(f"  {fold:16} {cells}   Obl/Real x{ratio[0]:.2f} (without x{ratio[1]:.2f})")
    pooled = {k: np.mean([r for f in ("odd (tuning)", "even (held out)") for r in rates[(f, k)]], axis=0)
              for k in ("Real", "Obl")}
    print(f"  pooled           Real {100 * pooled['Real'][0]:.1f} %, Obl {100 * pooled['Obl'][0]:.1f} %: "
          f"x{pooled['Obl'][0] / pooled['Real'][0]:.2f} (without x{pooled['Obl'][1] / pooled['Real'][1]:.2f})")


def databases() -> dict[str, tuple[bool, bool]]:
    out = {}
    print("\nDev databases, hard-to-read share with the branch / without")
    for db in DBS:
        flags = []
        for key, path in db_images(db):
            on, off, _ = _flags(cb.load_fingerprint(path, ppi=TRUE_PPI.get(db, 500.0)))
            out[key] = (on, off)
            flags.append((on, off))
        f = np.mean(flags, axis=0)
        print(f"  {db:18} {100 * f[0]:5.1f} / {100 * f[1]:5.1f} %  (n={len(flags)})")
    return out


def uareu_failures(flags: dict[str, tuple[bool, bool]]) -> None:
    items = db_images("neurotech/uareu")
    keys = [k for k, _ in items]
    ident = np.array([identity_of(k) for k in keys])
    i, j = np.triu_indices(len(keys), 1)
    genuine = ident[i] == ident[j]
    scores = all_pair_scores([cb.extract_minutiae(cb.load_fingerprint(p, ppi=500.0)) for _, p in items])
    gen, imp = scores[genuine], scores[~genuine]
    t = threshold_at_fmr(imp, 0.01)
    fail = gen < t
    print(f"\nU.are.U: {len(gen)} genuine / {len(imp)} impostor pairs, threshold at FMR 1 % {t:.4f}")
    for col, label in ((0, "with the branch"), (1, "without")):
        hard = np.array([flags[k][col] for k in keys])
        flagged = (hard[i] | hard[j])[genuine]
        print(f"  {label:16} flagged pairs {flagged.sum():4d}: FNMR {100 * fail[flagged].mean():5.2f} % vs "
              f"{100 * fail[~flagged].mean():5.2f} % unflagged = x{fail[flagged].mean() / fail[~flagged].mean():.1f}")


def _blotch(px: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean() + rng.normal(0, 0.1) * np.ptp(ys), xs.mean() + rng.normal(0, 0.1) * np.ptp(xs)
    area = rng.uniform(0.12, 0.25) * len(ys)
    ratio = rng.uniform(0.6, 1.0)
    a = np.sqrt(area / (np.pi * ratio))
    blob = np.zeros(px.shape, np.uint8)
    cv2.ellipse(blob, (int(cx), int(cy)), (int(a), int(a * ratio)), float(rng.uniform(0, 180)), 0, 360, 255, -1)
    noise = cv2.GaussianBlur(rng.normal(0, 1, px.shape).astype(np.float32), (0, 0), rng.uniform(4, 8))
    noise = noise / (noise.std() + 1e-6) * float(px[mask].std()) * rng.uniform(0.5, 0.9)
    fill = np.clip(float(px[mask].mean()) + noise, 0, 255)
    weight = cv2.GaussianBlur(blob.astype(np.float32) / 255, (0, 0), 3)
    return np.clip(px * (1 - weight) + fill * weight, 0, 255).astype(np.uint8)


def _scar(px: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    angle = rng.uniform(0, np.pi)
    half = np.hypot(np.ptp(ys), np.ptp(xs))
    width = int(rng.uniform(2, 3) * 9)
    band = np.zeros(px.shape, np.uint8)
    p0 = (int(cx - half * np.cos(angle)), int(cy - half * np.sin(angle)))
    p1 = (int(cx + half * np.cos(angle)), int(cy + half * np.sin(angle)))
    cv2.line(band, p0, p1, 255, width)
    band &= mask.astype(np.uint8) * 255
    noise = rng.normal(0, 12, px.shape)
    fill = np.clip(float(np.percentile(px[mask], 85)) + noise, 0, 255)
    weight = cv2.GaussianBlur(band.astype(np.float32) / 255, (0, 0), 2)
    return np.clip(px * (1 - weight) + fill * weight, 0, 255).astype(np.uint8)


def rendered() -> None:
    rng = np.random.default_rng(16)
    items = db_images("neurotech/uareu")[::4]
    print(f"\nRendered on {len(items)} U.are.U prints (one impression in four), share where the branch fires / "
          "hard to read:")
    for name, render in (("clean", None), ("blotch", _blotch), ("scar", _scar)):
        fired, hard = [], []
        for _, path in items:
            img = cb.load_fingerprint(path, ppi=500.0)
            if render is not None:
                a = cb.analyze_fingerprint(img)
                mask = cv2.resize(a.mask.astype(np.uint8), img.pixels.shape[::-1]) > 0
                img = cb.FingerImage(pixels=render(img.pixels, mask, rng))
            on, _, value = _flags(img)
            fired.append(value > LIMIT)
            hard.append(on)
        print(f"  {name:7} {100 * np.mean(fired):5.1f} % / {100 * np.mean(hard):5.1f} %")


def main() -> None:
    if not Path(DATA).is_dir():
        raise SystemExit(f"no dev data at {DATA}")
    socofing()
    flags = databases()
    uareu_failures(flags)
    rendered()


if __name__ == "__main__":
    main()
