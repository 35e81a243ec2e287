"""``cccd-bio finger minutiae IMG... --format iso|ansi|xyt|json -o DIR [--overlay out.png]``.

Extracts each print's minutiae, writes one template per image into DIR (``<stem>.iso``, ``.ansi378``, ``.xyt``
or ``.json``) and prints one JSON line per image (path, minutiae count, template file or error). Exit code 0: all
templates written; 1: some image could not be read or gave no minutiae; 2: usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE

SUFFIXES = {"iso": ".iso", "ansi": ".ansi378", "xyt": ".xyt", "json": ".json"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("minutiae", help="extract minutiae templates (ISO/IEC 19794-2, ANSI 378, NIST xyt, JSON)",
                       description="Extract minutiae and write one template file per image.")
    p.add_argument("paths", nargs="+", metavar="IMG", help="fingerprint images or folders")
    p.add_argument("--format", choices=tuple(SUFFIXES), default="iso", help="template format (default: iso)")
    p.add_argument("-o", "--output", type=Path, default=Path("."), metavar="DIR",
                   help="folder for the templates (created if missing; default: current folder)")
    p.add_argument("--overlay", type=Path, default=None, metavar="PNG",
                   help="draw the minutiae on the print: a .png file for one image, else a folder")
    p.add_argument("--ppi", type=float, default=None, help="resolution of the images, overriding metadata")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.set_defaults(func=run)


def _overlay_path(overlay: Path | None, name: str, several: bool) -> Path | None:
    if overlay is None:
        return None
    if several or overlay.suffix.lower() != ".png":
        return overlay / f"{name}.minutiae.png"
    return overlay


def _one(path: str, args: argparse.Namespace, several: bool, used: set[str]) -> dict[str, Any]:
    import cv2

    import cccd_biometrics as cb
    from cccd_biometrics.errors import CccdBiometricsError
    from cccd_biometrics.fingerprint.minutiae.extract import visualize_minutiae

    row: dict[str, Any] = {"path": path}
    try:
        img = cb.load_fingerprint(path, ppi=args.ppi)
        template = cb.extract_minutiae(img)
    except CccdBiometricsError as exc:
        return {**row, "status": "error", "error": str(exc), "error_type": type(exc).__name__}
    # a.png and a.wsq in one run must not overwrite each other's template
    name = Path(path).stem if Path(path).stem not in used else Path(path).name
    used.add(name)
    out = args.output / f"{name}{SUFFIXES[args.format]}"
    out.write_bytes(template.to_bytes(args.format))
    row.update(status="ok" if len(template) else "flagged", n_minutiae=len(template), template=str(out),
               width=template.width, height=template.height, ppi=template.ppi, quality=template.quality)
    overlay = _overlay_path(args.overlay, name, several)
    if overlay is not None:
        overlay.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(overlay), visualize_minutiae(img, template))
        row["overlay"] = str(overlay)
    return row


def run(args: argparse.Namespace) -> int:
    from ..batch.inputs import iter_inputs

    paths = list(iter_inputs(args.paths, recursive=args.recursive))
    missing = [p for p in paths if not Path(p).is_file()]
    if not paths or len(missing) == len(paths):
        print("cccd-bio finger minutiae: no image files found", file=sys.stderr)
        return EXIT_USAGE
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"cccd-bio finger minutiae: cannot create {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    several = len(paths) > 1
    status = EXIT_OK
    used: set[str] = set()
    for path in paths:
        try:
            row = _one(path, args, several, used)
        except OSError as exc:
            print(f"cccd-bio finger minutiae: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(json.dumps(row, ensure_ascii=False), flush=True)
        if row["status"] != "ok":
            status = EXIT_FLAGGED
    return status
