"""``cccd-bio doctor``: the versions of everything that can change a result, for a bug report."""

from __future__ import annotations

import argparse
import json

from . import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor", help="print the versions that can change a result (for bug reports)",
        description="Print Python, numpy, numba, OpenCV with the DNN engine the face networks run on, Pillow, "
                    "wsq and the sha256 of each bundled model. Exit code 2 if the face networks cannot run.")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..provenance import format_versions, runtime_versions

    versions = runtime_versions()
    print(json.dumps(versions, indent=2) if args.json else format_versions(versions))
    return EXIT_USAGE if versions["dnn_engine"].startswith("unavailable") else EXIT_OK
