"""``cccd-bio enrol check RECORD...``: check enrolment records (ten fingers, slaps, portrait) and give a verdict.

A RECORD is a folder with a ``manifest.json`` (see :meth:`cccd_biometrics.EnrolmentRecord.from_manifest`) or a
standard record file: an ANSI/NIST-ITL transaction (.an2, .eft, .nist), ISO/IEC 19794-4/-5 (.fir, .fac) or an ICAO
data group (.dg3, .dg2) (see :meth:`cccd_biometrics.EnrolmentRecord.load`); with ``--recursive`` every record
below the given folders is taken — folders holding a record manifest and standard record files — walked as
``cccd-bio check`` walks (:func:`cccd_biometrics.batch.inputs.iter_records`). One row per record: the
verdict (accept, recapture, supervisor), what to capture again in order, and the record's finding codes.

With ``--output`` the records go through the batch machinery (:mod:`cccd_biometrics.batch.enrolment`): a worker
pool, one row per record and one per image in JSONL / CSV / Parquet, ``--resume`` to continue a run.

Exit codes: 0 every record accepted, 1 some record needs a recapture or a supervisor (or could not be read),
2 usage error (no record found, output not writable).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._shared.record_names import MANIFEST_NAME
from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrol", help="check enrolment records (ten fingers + slaps + portrait)",
                       description="Enrolment records: ten fingers, the 4-4-2 slaps and the portrait checked "
                                   "together (missing, duplicated, swapped fingers, hand swap, slaps).")
    actions = p.add_subparsers(dest="enrol_command", metavar="ACTION")
    c = actions.add_parser("check", help="check enrolment records and print a verdict per record",
                           description="Check enrolment records: folders each with a manifest.json "
                                       '{"fingers": {"1": "file", ...}, "slaps": {"13": "file"}, '
                                       '"absent": {"7": "amputated"}, "portrait": "file"}, or ANSI/NIST-ITL '
                                       "transactions (.an2 .eft .nist), ISO/IEC 19794-4/-5 records (.fir .fac) or "
                                       "ICAO data groups (.dg3 .dg2).")
    c.add_argument("records", nargs="+", metavar="RECORD",
                   help="record folders (or their manifest.json) or standard record files")
    c.add_argument("-r", "--recursive", action="store_true",
                   help="take every record below RECORD: folders holding a record manifest.json and "
                        "standard record files")
    c.add_argument("--format", choices=("table", "json", "jsonl"), default=None,
                   help="output format (default: table on a terminal, jsonl otherwise)")
    c.add_argument("--profile", choices=("icao", "cccd"), default="icao", help="portrait profile (default icao)")
    c.add_argument("--scores", action="store_true", help="include the comparison scores in json/jsonl output")
    c.add_argument("--report", metavar="HTML", default=None,
                   help="write an HTML report: each record as a ten-print card with codes on failing positions")
    c.add_argument("--output", metavar="FILE", default=None,
                   help="batch run: rows per record and per image to FILE.jsonl|.csv or a .parquet folder")
    c.add_argument("--resume", action="store_true", help="with --output: skip the records already in it")
    c.add_argument("--workers", type=int, default=None, help="with --output: parallel worker processes")
    c.set_defaults(func=run_check)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _records(paths: list[str], recursive: bool) -> Iterator[Path]:
    for raw in paths:
        p = Path(raw)
        if recursive and p.is_dir():
            from ..batch.inputs import iter_records

            found = [Path(r) for r in iter_records(p, on_error=lambda path, exc: None)]
            # a record folder is named by the folder, as a user gives it; a folder with no record is an error row
            yield from (r.parent if r.name == MANIFEST_NAME else r for r in found) if found else (p,)
        else:
            yield p


def _row(path: Path, args: argparse.Namespace) -> tuple[dict[str, Any], Any]:
    from ..enrolment import EnrolmentRecord, EnrolmentThresholds, check_enrolment
    from ..errors import CccdBiometricsError

    try:
        record = EnrolmentRecord.load(path)
        report = check_enrolment(record, thresholds=EnrolmentThresholds(portrait_profile=args.profile))
    except CccdBiometricsError as exc:
        return {"record": str(path), "status": "error", "verdict": None, "error": str(exc),
                "error_type": type(exc).__name__}, None
    d = report.to_dict(include_scores=args.scores)
    row = {"record": str(path), "status": "ok" if report.verdict == "accept" else "flagged", **d}
    return row, report


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'record':40s}  {'verdict':10s}  recapture (in order)  /  record findings"]
    for r in rows:
        name = r["record"] if len(r["record"]) <= 40 else "…" + r["record"][-39:]
        if r["status"] == "error":
            lines.append(f"{name:40s}  {'error':10s}  {r['error']}")
            continue
        redo = ", ".join(f"{i['label']} [{'+'.join(i['codes'])}]" for i in r["recapture"]) or "-"
        codes = sorted({f["code"] for f in r["findings"] if f["code"].startswith("RECORD_")
                        and f["severity"] != "info"})
        lines.append(f"{name:40s}  {r['verdict']:10s}  {redo}")
        if codes:
            lines.append(f"{'':40s}  {'':10s}  findings: {', '.join(codes)}")
    counts = {v: sum(r.get("verdict") == v for r in rows) for v in ("accept", "recapture", "supervisor")}
    errors = sum(r["status"] == "error" for r in rows)
    lines.append(f"\n{len(rows)} records: {counts['accept']} accept, {counts['recapture']} recapture, "
                 f"{counts['supervisor']} supervisor, {errors} errors")
    thresholds = next((r["thresholds"] for r in rows if r.get("thresholds")), None)
    if thresholds:
        llr = (f"; with both slap segments, log-likelihood ratio >= {thresholds['duplicate_llr']}"
               if "duplicate_llr" in thresholds else "")
        lines.append(f"duplicates at comparator score >= {thresholds['duplicate']} (FMR <= 0.01 %{llr}), sequence "
                     f"confirmed >= {thresholds['sequence_confirm']} (FMR 1 %)")
    return "\n".join(lines) + "\n"


def _summary_row(row: dict[str, Any]) -> dict[str, Any]:
    """The printed row of a record from its batch row (the report it carries)."""
    record = str(Path(row["path"]).parent) if row["path"].endswith(MANIFEST_NAME) else row["path"]
    if row["status"] == "error":
        return {"record": record, "status": "error", "verdict": None, "error": row["error"],
                "error_type": row["error_type"]}
    report = row["details"]["report"]
    return {"record": record, "status": row["status"], **report}


def run_batch_check(args: argparse.Namespace, paths: list[Path]) -> int:
    from ..batch.enrolment import run_enrolment_batch
    from ..batch.results import OutputWriteError

    rows: list[dict[str, Any]] = []

    def collect(batch: list[dict[str, Any]]) -> None:
        rows.extend(_summary_row(r) for r in batch if r.get("kind") == "record")

    previous: list[dict[str, Any]] = []
    try:
        run_enrolment_batch([str(p) for p in paths], output=args.output, resume=args.resume, workers=args.workers,
                            on_rows=collect, on_previous_row=lambda r: previous.append(_summary_row(r))
                            if r.get("kind") == "record" else None)
    except OutputWriteError as exc:
        print(f"cccd-bio enrol check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print(rows, args)
    every = previous + rows  # with --resume, the exit code and the report cover the records of earlier runs too
    if args.report:
        from ..batch.enrolment_report import write_enrolment_report

        write_enrolment_report(args.report, [r for r in every if r["status"] != "error"],
                               errors=[r for r in every if r["status"] == "error"])
    return _exit_code(every)


def _print(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    if fmt == "table":
        sys.stdout.write(_table(rows))
    elif fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def _exit_code(rows: list[dict[str, Any]]) -> int:
    if rows and all(r["status"] == "error" and r.get("error_type") == "InputNotFoundError" for r in rows):
        return EXIT_USAGE
    return EXIT_OK if all(r["status"] == "ok" for r in rows) else EXIT_FLAGGED


def run_check(args: argparse.Namespace) -> int:
    paths = list(_records(args.records, args.recursive))
    if args.output is not None:
        return run_batch_check(args, paths)
    rows, reports = [], []
    for path in paths:
        row, report = _row(path, args)
        rows.append(row)
        if report is not None:
            reports.append(report)
    _print(rows, args)
    if args.report:
        from ..batch.enrolment_report import write_enrolment_report

        write_enrolment_report(args.report, reports, errors=[r for r in rows if r["status"] == "error"])
    return _exit_code(rows)
