"""``cccd-bio check PATH...``: check captures (fingerprints and portraits) and report one row each.

Small runs print a table; archive runs write a result file (``--output``), in parallel (``--workers``,
``--scheduler``), resumably (``--resume``), with an HTML report (``--report``).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import Any

from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE
from .output import STREAM_FORMATS, StreamRowWriter

FORMATS = ("table", "json", "jsonl", "csv", "parquet")


class UsageError(Exception):
    """A bad combination of options (exit code 2)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="check captures: one row per file",
        description="Check fingerprint and portrait captures; a bad file is a row with its error. "
                    "Exit code 0: all passed; 1: some flagged or unreadable; 2: usage or I/O error.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="image files or folders; '-' reads paths from stdin")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--from-list", action="append", default=[], metavar="FILE",
                   help="text file of paths, one a line ('-' for stdin); may be repeated")
    p.add_argument("--kind", choices=("auto", "fingerprint", "portrait"), default="auto",
                   help="what the inputs are (default: detect from the content)")
    p.add_argument("--ppi", type=float, default=None, help="fingerprint resolution, overriding metadata")
    out = p.add_argument_group("output")
    out.add_argument("-o", "--output", metavar="FILE",
                     help="result file: .jsonl, .csv or .parquet (a folder of part files)")
    out.add_argument("--format", choices=FORMATS, default=None,
                     help="output format (default: from the --output suffix; on stdout a table on a terminal, "
                          "jsonl otherwise)")
    out.add_argument("--resume", action="store_true",
                     help="continue an interrupted run: skip the inputs already in --output")
    out.add_argument("--batch-rows", type=int, default=256, metavar="N",
                     help="rows per written (fsync-ed) batch of the result file (256)")
    out.add_argument("--flush-seconds", type=float, default=2.0, metavar="S",
                     help="write a batch at least this often (2 s): a kill loses at most this much work")
    out.add_argument("--report", metavar="HTML", help="write a self-contained HTML report of the results")
    out.add_argument("--worst", type=int, default=25, metavar="N", help="captures listed in the report (25)")
    out.add_argument("--thumbnails", action="store_true",
                     help="show thumbnails of the worst captures in the report (biometric data: off by default)")
    run_group = p.add_argument_group("execution")
    run_group.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                           help="local worker processes (default: all cores)")
    run_group.add_argument("--executor", choices=("process", "thread", "inline"), default="process",
                           help="local pool type (default: process: a crash stays in one worker, no GIL; see README)")
    run_group.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                           help="run the checks on this Dask distributed cluster instead of locally")
    run_group.add_argument("--parts-on-workers", action="store_true",
                           help="with --scheduler and a .parquet output on shared storage: each task writes its "
                                "rows as one Parquet part, nothing streams back (for large clusters)")
    run_group.add_argument("--chunk-size", type=int, default=None, metavar="N",
                           help="files per task (4; 1000 with --parts-on-workers)")
    p.set_defaults(func=run)


def _resolve_format(args: argparse.Namespace) -> str:
    from ..batch.results import format_from_suffix

    if args.output is None:
        if args.format == "parquet":
            raise UsageError("--format parquet needs --output (a folder of part files)")
        if args.resume:
            raise UsageError("--resume needs --output")
        return args.format or ("table" if sys.stdout.isatty() else "jsonl")
    fmt = args.format or format_from_suffix(args.output)
    if fmt is None:
        raise UsageError(f"cannot tell the format of {args.output!r}: use .jsonl, .csv or .parquet, or --format")
    if fmt in ("table", "json"):
        raise UsageError(f"--format {fmt} is for the terminal; result files are jsonl, csv or parquet")
    return fmt


def _validate(args: argparse.Namespace) -> str:
    if not args.paths and not args.from_list:
        raise UsageError("give image files or folders, '-' or --from-list FILE")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if (args.chunk_size is not None and args.chunk_size < 1) or args.batch_rows < 1:
        raise UsageError("--chunk-size and --batch-rows must be at least 1")
    if args.parts_on_workers and not (args.scheduler and args.output):
        raise UsageError("--parts-on-workers needs --scheduler and --output FOLDER.parquet")
    if args.thumbnails and not args.report:
        raise UsageError("--thumbnails goes with --report")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
        raise UsageError("--scheduler takes a Dask scheduler address such as tcp://10.0.0.5:8786")
    fmt = _resolve_format(args)
    if args.parts_on_workers and fmt != "parquet":
        raise UsageError("--parts-on-workers writes Parquet parts: use --output FOLDER.parquet")
    return fmt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a batch system's stop) unwinds like Ctrl-C, so computed rows are written before exiting."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """tqdm on stderr when it is a terminal (rate and, once the inputs are counted, ETA); else nothing.

    Nothing starts before the first update: the worker pool is created before any thread of ours exists,
    so it can use the fast ``fork`` start (see :mod:`cccd_biometrics.batch.run`).
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self._count: cf.Future | None = None
        self._pool: cf.ThreadPoolExecutor | None = None

    def _start(self) -> None:
        from tqdm import tqdm

        from ..batch.inputs import count_inputs, readable_twice

        self.bar = tqdm(total=None, unit="file", file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
        if readable_twice(self.args.paths, self.args.from_list):
            # counting walks the inputs a second time in a thread, so checking does not wait for it
            self._pool = cf.ThreadPoolExecutor(1)
            self._count = self._pool.submit(count_inputs, self.args.paths, recursive=self.args.recursive,
                                            from_lists=self.args.from_list)

    def update(self, n: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self._start()
        if self._count is not None and self._count.done():
            with contextlib.suppress(Exception):
                self.bar.total = self._count.result()
                self.bar.refresh()
            self._count = None
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _run(args: argparse.Namespace, fmt: str, stream: Any, on_rows: Any, progress: _Progress,
         on_previous_row: Any) -> Any:
    """Run the checks; ``on_rows`` sees every row of this run, the progress bar counts inputs as they finish."""
    common = {"recursive": args.recursive, "from_lists": args.from_list, "resume": args.resume,
              "on_previous_row": on_previous_row, "kind": args.kind, "ppi": args.ppi}
    if args.parts_on_workers:
        from ..batch.cluster import run_partitioned

        return run_partitioned(args.paths, output=args.output, scheduler=args.scheduler, on_rows=on_rows,
                               shard_size=args.chunk_size or 1000, on_progress=progress.update, **common)
    from ..batch.run import run_batch

    def rows_done(rows: list[dict[str, Any]]) -> None:
        on_rows(rows)
        progress.update(len(rows))

    return run_batch(args.paths, output=args.output, fmt=fmt, writer=stream, batch_rows=args.batch_rows,
                     on_rows=rows_done,
                     flush_seconds=args.flush_seconds, on_skipped=progress.update, workers=args.workers,
                     executor=args.executor, scheduler=args.scheduler, chunk_size=args.chunk_size or 4, **common)


def run(args: argparse.Namespace) -> int:
    from ..batch.results import OutputWriteError

    try:
        fmt = _validate(args)
    except UsageError as exc:
        print(f"cccd-bio check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = None
    if args.report:
        from ..batch.report import ReportBuilder

        report = ReportBuilder(worst=args.worst, thumbnails=args.thumbnails)
    if args.kind != "fingerprint":
        failed = _face_models_unavailable()
        if failed:
            print(f"cccd-bio check: {failed}; pass --kind fingerprint to check fingerprints only", file=sys.stderr)
            return EXIT_USAGE
    if args.output is not None:
        try:
            _record_run(args)
        except OSError as exc:  # the run itself says so if the output cannot be written either
            print(f"cccd-bio check: warning: cannot record the run's environment in {args.output}.runs.jsonl: "
                  f"{exc.strerror or exc}", file=sys.stderr)
    progress = _Progress(args)
    not_found = [0]

    def on_rows(rows: list[dict[str, Any]]) -> None:
        not_found[0] += sum(1 for r in rows if r.get("error_type") == "InputNotFoundError")
        if report is not None:
            report.add_rows(rows)

    stream = StreamRowWriter(fmt) if fmt in STREAM_FORMATS and args.output is None else None
    try:
        with _sigterm_as_interrupt():
            result = _run(args, fmt, stream, on_rows, progress,
                          on_previous_row=report.add_row if report is not None else None)
    except OutputWriteError as exc:
        progress.close()
        print(f"cccd-bio check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. the scheduler cannot be reached
        progress.close()
        print(f"cccd-bio check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress.close()
    return _finish(args, result, report, not_found[0])


def _face_models_unavailable() -> str | None:
    """Load the face networks once before the run: an OpenCV that cannot run them fails here, once,
    instead of in every portrait row."""
    from ..errors import ModelLoadError
    from ..face.detect import dnn_engine

    try:
        dnn_engine()
    except ModelLoadError as exc:
        return str(exc)
    return None


def _record_run(args: argparse.Namespace) -> None:
    """Append this run's environment to ``OUTPUT.runs.jsonl``: once per run (a resumed run adds a line),
    so the versions that made the rows are known without repeating them in every row."""
    import datetime as dt
    import json

    from ..provenance import runtime_versions

    entry = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "resume": args.resume,
             "kind": args.kind, "ppi": args.ppi, "environment": runtime_versions()}
    with open(f"{args.output}.runs.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def _finish(args: argparse.Namespace, result: Any, report: Any, not_found: int) -> int:
    stats, previous = result.stats, result.previous
    total = stats.checked + previous.checked
    if args.output is not None:
        rate = stats.checked / result.wall_seconds if result.wall_seconds > 0 else 0.0
        resumed = f" (+{previous.checked} from the earlier run)" if args.resume else ""
        print(f"cccd-bio check: {stats.checked} checked{resumed} in {result.wall_seconds:.1f} s "
              f"({rate:.1f} files/s): {stats.ok + previous.ok} passed, {stats.flagged + previous.flagged} flagged, "
              f"{stats.error + previous.error} errors -> {args.output}", file=sys.stderr)
        if result.bad_lines:
            print(f"cccd-bio check: {result.bad_lines} damaged line(s) of {args.output} were not rows; their "
                  "inputs were checked again", file=sys.stderr)
        if result.torn_tail_dropped:
            print("cccd-bio check: the last line of the earlier run was incomplete; it was dropped and its "
                  "input checked again", file=sys.stderr)
    if report is not None:
        try:
            report.write(args.report, title=f"cccd-bio check: {total} captures")
        except OSError as exc:
            print(f"cccd-bio check: cannot write the report {args.report}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    if total == 0:
        if stats.skipped == 0:
            print("cccd-bio check: no image files found", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    if previous.checked == 0 and not_found == stats.checked:
        return EXIT_USAGE  # nothing named on the command line exists
    return EXIT_OK if result.all_passed else EXIT_FLAGGED
