"""Issue 16 item 3, experiment: a LOCAL shorter along-ridge smoothing in the enhancement, leave-one-DB-out.

The shipped enhancement (``fields/enhance.py``) averages each pixel along its ridge with a Gaussian of sigma 4 px
(+-8 px) before the across-ridge Gabor profile. On wet, blotchy, creased prints (U.are.U person 076,
``minutiae_gap.txt`` section 6) that draws long ridges across dark blotches and white creases, where both
reference extractors mark endings and bifurcations. A globally shorter smoothing lost (section 5h). Here the
short one (sigma 2 px, +-6 px) is used only where the filtered output DISAGREES with the raw ridge signal: the
local correlation (15x15 px window) between the shipped enhanced image and a band-passed copy of the grey image
(Gaussian sigma 1 minus sigma 4: ridges dark in both, so agreement is a positive correlation); below ``c`` the
short smoothing takes over (a linear ramp over 0.2 of correlation). Variant ``amp``: instead, where the block's
raw ridge amplitude is below ``k`` x the print's median (low ridge contrast).

Each variant re-extracts all images of the nine dev DBs and scores them with the project's comparator (same pairs
and metric as ``lodo.py``'s minutiae section); the LODO row picks, for each held-out DB, the variant (or main)
with the lowest mean EER over the other eight.

    python benchmarks/local_enhance.py [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

import cccd_biometrics as cb
import minutia_reliability
from cccd_biometrics.bench import metrics
from cccd_biometrics.fingerprint.fields import enhance as enh
from cccd_biometrics.fingerprint.template.types import Template
from lodo import DBS, SHORT, TRUE_PPI, all_pair_scores, db_images, identity_of

SHORT_SIGMA, SHORT_HALF = 2.0, 6


def enhance_with(sigma: float, half: int, a: Any) -> np.ndarray:
    """The shipped enhancement of analysis ``a`` with another along-ridge Gaussian (module constants swapped for
    the call: an experiment only, not thread-safe)."""
    saved = enh.ALONG_SIGMA, enh.ALONG_HALF
    enh.ALONG_SIGMA, enh.ALONG_HALF = sigma, half
    enh._offset_geometry.cache_clear()
    enh._filter_tables.cache_clear()
    try:
        return enh.enhance(a.gray, a.orientation, a.ridge_period, a.mask, a.block_size)
    finally:
        enh.ALONG_SIGMA, enh.ALONG_HALF = saved
        enh._offset_geometry.cache_clear()
        enh._filter_tables.cache_clear()


def agreement(a: Any) -> np.ndarray:
    """Local correlation (15x15 px) of the shipped enhanced image with the band-passed grey image."""
    g = np.asarray(a.gray, np.float32)
    band = cv2.GaussianBlur(g, (0, 0), 1.0) - cv2.GaussianBlur(g, (0, 0), 4.0)
    e = np.asarray(a.enhanced, np.float32)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.blur(x, (15, 15))

    me, mb = box(e), box(band)
    cov = box(e * band) - me * mb
    var = np.maximum(box(e * e) - me * me, 1e-6) * np.maximum(box(band * band) - mb * mb, 1e-6)
    return cov / np.sqrt(var)


def short_weight(kind: str, value: float, a: Any) -> np.ndarray:
    """Per pixel, the weight (0-1) of the short smoothing."""
    if kind == "corr":
        return np.clip((value - agreement(a)) / 0.2, 0.0, 1.0)
    amp = np.asarray(a.ridge_profiles["amplitude"], np.float64)
    blocks = np.asarray(a.block_mask, bool) & np.isfinite(amp)
    med = float(np.median(amp[blocks])) if blocks.any() else 1.0
    low = np.where(np.isfinite(amp), (amp < value * med).astype(np.float32), 0.0).astype(np.float32)
    return enh._upsample_blocks(low, a.block_size, a.shape)


def extractor(kind: str, value: float) -> Callable[[Any], Template]:
    def extract(path: Any, ppi: float) -> Template:
        a = cb.analyze_fingerprint(cb.load_fingerprint(path, ppi=ppi))
        if kind != "main":
            w = short_weight(kind, value, a)
            short = enhance_with(SHORT_SIGMA, SHORT_HALF, a)
            blend = (w * short + (1.0 - w) * np.asarray(a.enhanced, np.float32)).astype(np.float32)
            blend.setflags(write=False)
            a.__dict__["enhanced"] = blend  # binary and skeleton are derived from it when first read
        return cb.extract_minutiae(a, with_quality=False)
    return extract


def eers(extract: Callable[[Any, float], Template]) -> dict[str, float]:
    out = {}
    for db in DBS:
        keys, temps = [], []
        for key, path in db_images(db):
            keys.append(key)
            temps.append(extract(path, TRUE_PPI.get(db, 500.0)))
        s = all_pair_scores(temps)
        ident = np.array([identity_of(k) for k in keys])
        i, j = np.triu_indices(len(keys), 1)
        gen = ident[i] == ident[j]
        out[db] = float(metrics.eer(s[gen], s[~gen]))
    return out


def reference_eers() -> dict[str, dict[str, float]]:
    """FingerJet's and MINDTCT's EER per DB under our comparator (their minutiae need only each image's size)."""
    rows: dict[str, dict[str, Any]] = {}
    for db in DBS:
        for key, path in db_images(db):
            img = cb.load_fingerprint(path, ppi=TRUE_PPI.get(db, 500.0))
            oh, ow = img.original_shape or img.shape
            rows[key] = {"template": (np.zeros((0, 5)), ow, oh, None)}
    return minutia_reliability.reference_eers(rows)


def _row(emit: Callable[[str], None], label: str, e: dict[str, float], refs: dict[str, dict[str, float]]) -> None:
    wins = sum(e[d] <= min(refs[d].values()) for d in DBS)
    emit(f"{label:22}" + " ".join(f"{100 * e[d]:5.2f}" for d in DBS) + f"  mean {100 * np.mean(list(e.values())):.3f}"
         f"  {wins}/9")


def main(argv: list[str] | None = None) -> int:
    global SHORT_SIGMA, SHORT_HALF
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", default=[], metavar="KIND:VALUE",
                    help="corr:C (short where the agreement is below C) or amp:K (where amplitude < K x median)")
    ap.add_argument("--short", default=f"{SHORT_SIGMA:g},{SHORT_HALF}", metavar="SIGMA,HALF",
                    help="the short along-ridge Gaussian (px) and its half length (px)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    SHORT_SIGMA, SHORT_HALF = float(args.short.split(",")[0]), int(args.short.split(",")[1])
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    refs = reference_eers()
    emit(f"short along-ridge smoothing: sigma {SHORT_SIGMA:g} px, +-{SHORT_HALF} px")
    emit("EER % per DB: " + " ".join(SHORT[d] for d in DBS) + ", mean, DBs with ours <= FingerJet and MINDTCT")
    _row(emit, "FingerJet", {d: refs[d]["fjfx"] for d in DBS}, refs)
    _row(emit, "MINDTCT", {d: refs[d]["mindtct"] for d in DBS}, refs)
    table = {"main": eers(extractor("main", 0.0))}
    _row(emit, "main", table["main"], refs)
    t0 = time.perf_counter()
    for v in args.variant or ["corr:0.3", "corr:0.5", "amp:0.6"]:
        kind, value = v.split(":")
        table[v] = eers(extractor(kind, float(value)))
        _row(emit, v, table[v], refs)
        print(f"  {v} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    lodo, chosen = {}, {}
    for held in DBS:
        cost = {v: np.mean([e[d] for d in DBS if d != held]) for v, e in table.items()}
        best = min(cost, key=lambda v: cost[v])
        chosen[held], lodo[held] = best, table[best][held]
    _row(emit, "LODO choice", lodo, refs)
    emit("  chosen per held-out DB: " + " ".join(f"{SHORT[d]}={chosen[d]}" for d in DBS))
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
