"""``cccd-bio finger quality IMG...``: fingerprint quality score, hard-to-read flag and findings per image."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE
from .output import write_rows


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quality", help="quality score (0-100), hard-to-read flag and reasons",
                       description="Assess fingerprint captures: a 0-100 score, whether the print is hard to "
                                   "read, and why (finding codes with operator actions).")
    p.add_argument("paths", nargs="+", metavar="IMG", help="fingerprint images or folders")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--ppi", type=float, default=None, help="resolution of the captures, overriding metadata")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default=None,
                   help="output format (default: table on a terminal, jsonl otherwise)")
    p.add_argument("--overlay", metavar="OUT", default=None,
                   help="write the local-quality overlay: a file for one image, else a folder "
                        "(<name>_quality.png per image)")
    p.add_argument("--measures", action="store_true", help="include every native measure in json/jsonl output")
    p.set_defaults(func=run)


def _overlay_path(out: str, src: str, many: bool) -> Path:
    return Path(out) / f"{Path(src).stem}_quality.png" if many else Path(out)


def _row(path: str, args: argparse.Namespace, many: bool) -> dict[str, Any]:
    from ..errors import CccdBiometricsError
    from ..fingerprint.analysis import analyze_fingerprint
    from ..fingerprint.capture import load_fingerprint
    from ..fingerprint.quality.score import assess_fingerprint

    row: dict[str, Any] = {"path": path, "kind": "fingerprint"}
    try:
        img = load_fingerprint(path, ppi=args.ppi)
        analysis = analyze_fingerprint(img)
        q = assess_fingerprint(analysis)
        if args.overlay:
            from ..fingerprint.quality.overlay import save_quality_overlay

            save_quality_overlay(_overlay_path(args.overlay, path, many), analysis, q)
    except CccdBiometricsError as exc:
        return {**row, "status": "error", "error": str(exc), "error_type": type(exc).__name__, "codes": []}
    info = img.to_dict()
    d = q.to_dict()
    row.update(status="flagged" if q.hard_to_read else "ok", width=info["width"], height=info["height"],
               ppi=info["ppi"], score=d["score"], flagged=q.hard_to_read, codes=list(q.codes),
               findings=d["findings"])
    if args.measures:
        row["measures"] = d["measures"]
    return row


def run(args: argparse.Namespace) -> int:
    from ..batch.inputs import iter_inputs

    paths = list(iter_inputs(args.paths, recursive=args.recursive))
    if not paths:
        print("cccd-bio finger quality: no image files found", file=sys.stderr)
        return EXIT_USAGE
    many = len(paths) > 1
    rows = [_row(p, args, many) for p in paths]
    write_rows(rows, args.format or ("table" if sys.stdout.isatty() else "jsonl"))
    if all(r["status"] == "error" and r.get("error_type") == "InputNotFoundError" for r in rows):
        return EXIT_USAGE
    return EXIT_OK if all(r["status"] == "ok" for r in rows) else EXIT_FLAGGED
