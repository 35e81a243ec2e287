"""How real are the synthetic prints? Measures the targets of issue 8 and writes them as JSON.

* minutiae count of good impressions (target: 25-80 on a plain-sized print);
* image statistics of good impressions next to FVC2002 DB1_B (optical, 500 ppi) from the shared data: median
  orientation coherence and ridge period in the foreground (``analyze_fingerprint``), foreground share,
  grey levels;
* when ``assess_fingerprint`` exists: quality score distribution of each quality level vs FVC2002 DB1_B;
* when ``extract_minutiae`` exists: precision / recall of its minutiae against the ground truth (one-to-one,
  within 12 px and 30 degrees) per quality level.

Usage::

    python benchmarks/synthetic_realism.py [--fingers 20] [--seed 5000] [--workers 2] [--out results.json]

benchmarks/results/synthetic_realism.json holds the run with ``--fingers 40 --seed 6000``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from cccd_biometrics.fingerprint.synthetic.generator import (
    QUALITY_LEVELS,
    generate_master,
    quality_parameters,
    render_impression,
)
from cccd_biometrics.images import FingerImage

ROOT = Path(__file__).resolve().parents[1]
FVC_DB1 = ROOT.parent / "shared" / "data" / "fvc2002_b" / "DB1_B"


def _impressions(seed: int) -> list[dict[str, Any]]:
    """All quality levels of one finger: image and ground truth (picklable)."""
    master = generate_master(seed)
    rows = []
    for quality in QUALITY_LEVELS:
        imp = render_impression(master, 1, **quality_parameters(quality, seed))
        rows.append({"quality": quality, "seed": seed, "pattern": imp.pattern, "image": imp.image,
                     "truth": np.array([(m.x, m.y, m.angle) for m in imp.minutiae]).reshape(-1, 3)})
    return rows


def _image_stats(pixels: np.ndarray) -> dict[str, float]:
    from cccd_biometrics.fingerprint.analysis import analyze_fingerprint

    analysis = analyze_fingerprint(FingerImage(np.ascontiguousarray(pixels)))
    blocks = analysis.block_mask
    period = analysis.ridge_period[blocks]
    fg = analysis.mask
    return {
        "coherence": float(np.median(analysis.coherence[blocks])) if blocks.any() else float("nan"),
        "ridge_period": float(np.nanmedian(period)) if period.size else float("nan"),
        "foreground_share": float(fg.mean()),
        "fg_grey_p10": float(np.percentile(pixels[fg], 10)) if fg.any() else float("nan"),
        "fg_grey_median": float(np.median(pixels[fg])) if fg.any() else float("nan"),
    }


def _match(truth: np.ndarray, found: np.ndarray, dist: float = 12.0, angle: float = 30.0) -> int:
    """One-to-one greedy matching by distance among pairs within ``dist`` px and ``angle`` degrees."""
    if len(truth) == 0 or len(found) == 0:
        return 0
    d = np.hypot(truth[:, None, 0] - found[None, :, 0], truth[:, None, 1] - found[None, :, 1])
    da = np.abs((truth[:, None, 2] - found[None, :, 2] + 180.0) % 360.0 - 180.0)
    pairs = np.argwhere((d <= dist) & (da <= angle))
    pairs = pairs[np.argsort(d[pairs[:, 0], pairs[:, 1]])]
    used_t, used_f, n = set(), set(), 0
    for i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            n += 1
    return n


def _summary(values: list[float]) -> dict[str, float]:
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if arr.size == 0:
        return {"n": 0}
    q = np.percentile(arr, [0, 10, 25, 50, 75, 90, 100])
    return {"n": int(arr.size), "min": q[0], "p10": q[1], "p25": q[2], "median": q[3], "p75": q[4], "p90": q[5],
            "max": q[6], "mean": float(arr.mean())}


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fingers", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    seeds = list(range(args.seed, args.seed + args.fingers))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = [row for finger in pool.map(_impressions, seeds) for row in finger]
    assess = _optional("cccd_biometrics.fingerprint.quality.score", "assess_fingerprint")
    extract = _optional("cccd_biometrics.fingerprint.minutiae.extract", "extract_minutiae")
    report: dict[str, Any] = {"fingers": args.fingers, "seed": args.seed, "levels": {}}

    for quality in QUALITY_LEVELS:
        level = [r for r in rows if r["quality"] == quality]
        entry: dict[str, Any] = {"minutiae_count": _summary([len(r["truth"]) for r in level])}
        stats = [_image_stats(r["image"]) for r in level]
        entry["image"] = {k: _summary([s[k] for s in stats]) for k in stats[0]}
        if quality == "good":
            counts = [len(r["truth"]) for r in level]
            entry["share_count_in_25_80"] = float(np.mean([25 <= c <= 80 for c in counts]))
        if assess is not None:
            entry["quality_score"] = _summary([float(assess(FingerImage(r["image"])).score) for r in level])
        if extract is not None:
            matched = truth_n = found_n = 0
            for r in level:
                template = extract(FingerImage(r["image"]))
                found = np.array([(m.x, m.y, m.angle) for m in template.minutiae]).reshape(-1, 3)
                matched += _match(r["truth"], found)
                truth_n += len(r["truth"])
                found_n += len(found)
            entry["extract_minutiae"] = {"precision": matched / max(found_n, 1), "recall": matched / max(truth_n, 1),
                                         "matched": matched, "truth": truth_n, "found": found_n}
        report["levels"][quality] = entry

    if FVC_DB1.is_dir():
        import cv2

        fvc = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(FVC_DB1.glob("*.tif"))]
        stats = [_image_stats(p) for p in fvc]
        ref: dict[str, Any] = {"images": len(fvc), "image": {k: _summary([s[k] for s in stats]) for k in stats[0]}}
        if assess is not None:
            ref["quality_score"] = _summary([float(assess(FingerImage(p)).score) for p in fvc])
        report["fvc2002_db1_b"] = ref
    text = json.dumps(report, indent=1, default=float)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
