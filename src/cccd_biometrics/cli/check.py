"""``cccd-bio check PATH...``: check captures (fingerprints and portraits) and report one row each."""

from __future__ import annotations

import argparse
import sys

from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE
from .output import write_rows


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check captures: one row per file",
                       description="Check fingerprint and portrait captures; a bad file is a row with its error.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--kind", choices=("auto", "fingerprint", "portrait"), default="auto",
                   help="what the inputs are (default: detect from the content)")
    p.add_argument("--ppi", type=float, default=None, help="fingerprint resolution, overriding metadata")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default=None,
                   help="output format (default: table on a terminal, jsonl otherwise)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..checks import check_path
    from ..inputs import iter_inputs

    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    paths = list(iter_inputs(args.paths, recursive=args.recursive))
    if not paths:
        print("cccd-bio check: no image files found", file=sys.stderr)
        return EXIT_USAGE
    rows = [check_path(p, kind=args.kind, ppi=args.ppi).to_dict() for p in paths]
    write_rows(rows, fmt)
    if all(r["status"] == "error" and r["error_type"] == "InputNotFoundError" for r in rows):
        return EXIT_USAGE
    return EXIT_OK if all(r["status"] == "ok" for r in rows) else EXIT_FLAGGED
