"""``cccd-bio synth``: write synthetic fingerprints (500 ppi PNG) with their ground-truth minutiae.

For finger ``i`` of ``--count`` the master seed is ``--seed + i``; its impressions are numbered from 1. Each
image ``<quality>_<master seed>_<impression>.png`` gets a ``.json`` beside it (the impression's ``to_dict()``:
capture parameters and ground-truth minutiae) and, when the template codecs are available, an ISO/IEC 19794-2
record ``.iso``. ``manifest.json`` lists everything written.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import EXIT_OK, EXIT_USAGE

_QUALITY_CHOICES = ("good", "dry", "wet", "smudged", "partial", "mixed")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="generate synthetic fingerprints with ground-truth minutiae",
                       description="Generate SFinGe-style synthetic fingerprints (500 ppi PNG) with ground-truth "
                                   "minutiae as JSON (and ISO/IEC 19794-2 templates when available).")
    p.add_argument("--count", type=int, required=True, help="number of fingers")
    p.add_argument("--seed", type=int, default=0, help="seed of the first finger (finger i uses seed + i)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--quality", choices=_QUALITY_CHOICES, default="good",
                   help="capture quality; 'mixed' cycles good, dry, wet, smudged, partial (default: good)")
    p.add_argument("--impressions", type=int, default=1, help="impressions per finger (default: 1)")
    p.add_argument("--pattern", default=None,
                   choices=("arch", "tented_arch", "left_loop", "right_loop", "whorl"),
                   help="pattern class of every finger (default: drawn with population frequencies)")
    p.add_argument("--size", default="500x400", metavar="HxW", help="image size in px (default: 500x400)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default: 1)")
    p.set_defaults(func=run)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise ValueError(f"--size must look like 500x400, got {text!r}") from exc
    return h, w


def _write_finger(job: tuple[int, str, int, str | None, tuple[int, int], str]) -> list[dict[str, Any]]:
    """Generate one finger's impressions and write them; returns manifest rows. Runs in a worker process."""
    from ..fingerprint.synthetic.generator import generate_master, quality_parameters, render_impression
    from ..io.encode import save_image

    master_seed, quality, impressions, pattern, size, out_dir = job
    master = generate_master(master_seed, pattern=pattern, size=size)
    rows = []
    for k in range(1, impressions + 1):
        imp = render_impression(master, k, **quality_parameters(quality, master_seed * 7919 + k))
        stem = Path(out_dir) / f"{quality}_{master_seed}_{k}"
        save_image(imp.image, stem.with_suffix(".png"), ppi=500)
        record = {"quality": quality, **imp.to_dict()}
        stem.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
        files = [stem.with_suffix(".png").name, stem.with_suffix(".json").name]
        encode = getattr(imp.template, "to_bytes", None)   # the ISO codec may not be built yet
        if encode is not None:
            stem.with_suffix(".iso").write_bytes(encode("iso19794-2"))
            files.append(stem.with_suffix(".iso").name)
        rows.append({"files": files, "quality": quality, "master_seed": master_seed, "impression": k,
                     "pattern": imp.pattern, "minutiae": len(imp.minutiae)})
    return rows


def run(args: argparse.Namespace) -> int:
    from ..fingerprint.synthetic.generator import QUALITY_LEVELS

    try:
        size = _parse_size(args.size)
        if args.count < 1 or args.impressions < 1 or args.workers < 1:
            raise ValueError("--count, --impressions and --workers must be at least 1")
        if args.seed < 0:
            raise ValueError("--seed must be >= 0")
        if min(size) < 128:
            raise ValueError("--size must be at least 128x128")
        out_dir = Path(args.output)
        out_dir.mkdir(parents=True, exist_ok=True)
    except (ValueError, OSError) as exc:
        print(f"cccd-bio synth: {exc}", file=sys.stderr)
        return EXIT_USAGE
    jobs = []
    for i in range(args.count):
        quality = QUALITY_LEVELS[i % len(QUALITY_LEVELS)] if args.quality == "mixed" else args.quality
        jobs.append((args.seed + i, quality, args.impressions, args.pattern, size, str(out_dir)))
    from tqdm import tqdm

    progress = {"total": len(jobs), "unit": "finger", "disable": not sys.stderr.isatty(), "file": sys.stderr}
    try:
        if args.workers == 1:
            results = [_write_finger(job) for job in tqdm(jobs, **progress)]
        else:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                results = list(tqdm(pool.map(_write_finger, jobs), **progress))
    except OSError as exc:
        print(f"cccd-bio synth: cannot write to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    rows = [row for finger in results for row in finger]
    manifest = {"generator": "cccd_biometrics.fingerprint.synthetic.generator", "seed": args.seed, "count": args.count,
                "quality": args.quality, "ppi": 500, "images": rows}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(rows)} images with ground truth to {out_dir}", file=sys.stderr)
    return EXIT_OK
