"""``cccd-bio finger compare A B``: similarity of two fingerprints (images or minutiae templates).

Prints the score in [0, 1] and the decision at a documented threshold. Exit code 0: match, 1: no match,
2: an input could not be read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from . import EXIT_FLAGGED, EXIT_OK, report_error

TEMPLATE_SUFFIXES = {".xyt", ".json", ".iso", ".ist", ".ansi", ".fmr", ".bir", ".min"}


# keys of fingerprint.match.DECISION_THRESHOLDS, spelled out so that building the parser imports no numba
OPERATING_POINTS = ("fmr_0.1%", "fmr_1%")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="compare two fingerprints (images or templates): score and decision",
        description="Compare two fingerprints. Images go through minutiae extraction; templates may be "
                    "ISO/IEC 19794-2, ANSI INCITS 378, NIST .xyt or the library's JSON. Exit code 0 = match, "
                    "1 = no match, 2 = unreadable input.")
    p.add_argument("a", metavar="A", help="first image or template")
    p.add_argument("b", metavar="B", help="second image or template")
    p.add_argument("--ppi", type=float, default=None, help="image resolution, overriding metadata")
    p.add_argument("--fmr", choices=OPERATING_POINTS, default="fmr_0.1%",
                   help="operating point of the decision threshold (default: fmr_0.1%%)")
    p.add_argument("--threshold", type=float, default=None, help="explicit score threshold (overrides --fmr)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def load_template(path: str, ppi: float | None) -> Any:
    """A template from a template file, or extracted from an image."""
    import cccd_biometrics as cb

    from ..errors import InputNotFoundError

    p = Path(path)
    if not p.is_file():
        raise InputNotFoundError("no such file", source=path)
    suffix = p.suffix.lower()
    if suffix not in TEMPLATE_SUFFIXES:
        return _extractor()(cb.load_fingerprint(path, ppi=ppi))
    data = p.read_bytes()
    if suffix == ".xyt":
        # the format does not carry the height its y axis is flipped by: read at height 0 (y = -y_xyt), then
        # again at the smallest height that holds the lowest minutia
        flipped = cb.Template.from_bytes(data, "xyt", height=0)
        height = int(max((-m.y for m in flipped.minutiae), default=0)) + 1
        return cb.Template.from_bytes(data, "xyt", height=height, ppi=ppi or 500.0)
    return cb.Template.from_bytes(data, "json" if suffix == ".json" else None)


def _extractor() -> Any:
    from ..errors import TemplateFormatError

    try:
        from ..fingerprint.minutiae.extract import extract_minutiae
    except ImportError as exc:
        raise TemplateFormatError("minutiae extraction is not available in this build: compare templates "
                                  "(.xyt, .json, ISO/ANSI) instead") from exc
    return extract_minutiae


def run(args: argparse.Namespace) -> int:
    from ..errors import CccdBiometricsError
    from ..fingerprint.match.mcc import DECISION_THRESHOLDS, compare_templates

    try:
        a, b = load_template(args.a, args.ppi), load_template(args.b, args.ppi)
    except CccdBiometricsError as exc:
        return report_error("finger compare", exc)
    score = compare_templates(a, b)
    threshold = args.threshold if args.threshold is not None else DECISION_THRESHOLDS[args.fmr]
    match = score >= threshold
    operating = "explicit" if args.threshold is not None else args.fmr.replace("fmr_", "FMR ")
    if args.format == "json":
        print(json.dumps({"a": args.a, "b": args.b, "score": score, "threshold": threshold,
                          "operating_point": operating, "match": bool(match),
                          "minutiae": [len(a), len(b)]}))
    else:
        print(f"score {score:.4f}  {'MATCH' if match else 'no match'}  (threshold {threshold:.4f}, {operating}; "
              f"{len(a)} and {len(b)} minutiae)")
    return EXIT_OK if match else EXIT_FLAGGED
