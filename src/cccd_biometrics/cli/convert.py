"""``cccd-bio convert IN OUT``: move an enrolment record between ANSI/NIST-ITL, ISO/IEC 19794-4/-5 record files,
ICAO DG2/DG3 and a folder of images with a ``manifest.json``.

The kinds follow the names (see :mod:`cccd_biometrics.records.files`). Prints one JSON line: what was read,
what was written and what the target kind could not hold. Exit 0 on success, 1 when the input cannot be read
or the output cannot hold anything of it, 2 on a usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_OK, EXIT_USAGE, report_error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="convert an enrolment record between standard formats",
                       description="Convert between ANSI/NIST-ITL transactions (.an2, .eft, .nist), ISO/IEC "
                                   "19794-4/-5 records (.fir, .fac), ICAO DG2/DG3 (.dg2, .dg3) and a folder of "
                                   "images with a manifest.json.")
    p.add_argument("input", metavar="IN", help="record file, or folder (or its manifest.json)")
    p.add_argument("output", metavar="OUT", help="record file to write, or folder (created) for the folder form")
    p.add_argument("--tot", default="CAR", help="1.004 type of transaction for new ANSI/NIST files (default CAR)")
    p.add_argument("--ori", default="NONE", help="1.008 originating agency for new ANSI/NIST files")
    p.add_argument("--date", default=None, help="1.005 date YYYYMMDD for new ANSI/NIST files (default: today)")
    p.add_argument("--fir-edition", choices=("2005", "2011"), default="2005",
                   help="ISO/IEC 19794-4 edition of .fir output (default 2005)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import CccdBiometricsError, InputNotFoundError, UnsupportedFormatError
    from ..records.files import read_record_file, record_kind, write_record_file

    try:
        kinds = record_kind(args.input), record_kind(args.output, for_writing=True)
    except (InputNotFoundError, UnsupportedFormatError) as exc:
        print(f"cccd-bio convert: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        rec = read_record_file(args.input)
        options = {"tot": args.tot, "ori": args.ori, "date": args.date} if kinds[1] == "ansi_nist" else \
            {"fir_edition": args.fir_edition} if kinds[1] == "iso19794_4" else {}
        dropped = write_record_file(rec, args.output, **options)
    except (CccdBiometricsError, OSError) as exc:
        return report_error("convert", exc)
    print(json.dumps({"input": str(args.input), "input_kind": kinds[0], "output": str(args.output),
                      "output_kind": kinds[1], "fingers": sorted(rec.fingers), "slaps": sorted(rec.slaps),
                      "absent": {str(k): v for k, v in sorted(rec.absent.items())},
                      "portrait": rec.portrait is not None, "dropped": dropped}))
    return EXIT_OK
