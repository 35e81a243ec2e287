"""Batch runs: the per-file check over many inputs, in parallel, with bounded memory.

The unit of work is :func:`check_chunk` (a few paths in, their row dictionaries out). It runs

* locally in a pool of worker processes (default) or threads (``executor="thread"``), or
* on a Dask distributed cluster (``scheduler="tcp://host:8786"``), the same function submitted with
  ``Client.submit`` and collected with ``as_completed``.

Either way at most ``max_in_flight`` chunks are submitted at a time and inputs are pulled from a generator
as chunks complete, so a run over a hundred million files holds only a few thousand paths and rows in
memory (plus 16 bytes per input for the set of done inputs, see :class:`~cccd_biometrics.batch.results.PathSet`).
Rows come back in completion order, not input order.

An input is identified by its path string: a path given twice (in two lists, or a folder named twice) is
one input, checked once. To check the same file twice, give it two paths (e.g. two symbolic links).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .._shared.gc import cyclic_gc_paused
from ..fingerprint.params import DEFAULT_RIDGE_PERIOD_PX
from .check import CheckRow, check_path, check_record_file, is_record_file
from .inputs import iter_inputs
from .results import (
    BatchBuffer,
    OutputWriteError,
    PathSet,
    ResumeState,
    RowWriter,
    csv_path_key,
    format_from_suffix,
    open_writer,
    scan_output,
)

__all__ = ["BatchResult", "BatchStats", "check_chunk", "iter_batch_rows", "run_batch", "warm_up_worker"]

Row = dict[str, Any]
DASK_CONNECT_TIMEOUT = "20s"
ChunkCheck = Callable[[list[str], str, "float | None"], list[Row]]


def check_chunk(paths: list[str], kind: str = "auto", ppi: float | None = None) -> list[Row]:
    """Check ``paths`` one after the other and return their rows as dictionaries (the unit of work).

    A standard record file (:func:`~cccd_biometrics.batch.check.is_record_file`) gives one row per image it
    carries, all in this chunk's rows, so they reach the result file together."""
    rows: list[Row] = []
    for p in paths:
        if is_record_file(p):
            rows.extend(r.to_dict() for r in check_record_file(p, ppi=ppi))
        else:
            rows.append(check_path(p, kind=kind, ppi=ppi).to_dict())
    return rows


def warm_up_worker(kind: str = "auto") -> None:
    """Import the checks and load their compiled kernels before the first real file, once per worker.

    Without it the first file a worker checks would carry the import and JIT-cache load time. It is only
    an optimisation: if it fails (no writable temporary folder...), the worker starts cold.
    """
    try:
        with cyclic_gc_paused():
            _warm_up(kind)
    except Exception:  # a failed warm-up must not break the pool: the first file then pays the load time
        return


def _warm_up(kind: str) -> None:
    yy, xx = np.mgrid[0:320, 0:320]
    ridges = (127 + 100 * np.sin(2 * np.pi * (xx * 0.8 + yy * 0.6) / DEFAULT_RIDGE_PERIOD_PX)).astype(np.uint8)
    portrait = np.dstack([ridges, np.roll(ridges, 7, axis=1), 255 - ridges])
    samples = [("f.png", ridges, "fingerprint"), ("p.png", portrait, "portrait")]
    with tempfile.TemporaryDirectory(prefix="cccd-warm-") as tmp:
        for name, pixels, sample_kind in samples:
            if kind not in ("auto", sample_kind):
                continue  # only what the run will use: a fingerprint run does not load the face models
            path = os.path.join(tmp, name)
            cv2.imwrite(path, pixels)
            check_path(path, kind=kind)  # with "auto": detection, then the fingerprint or the portrait check


@dataclass
class BatchStats:
    """Counts of a run (rows produced by this run; skipped = already in the output)."""

    ok: int = 0
    flagged: int = 0
    error: int = 0
    skipped: int = 0
    check_seconds: float = 0.0

    @property
    def checked(self) -> int:
        return self.ok + self.flagged + self.error

    def add(self, row: Row) -> None:
        status = row.get("status")
        if status == "ok":
            self.ok += 1
        elif status == "flagged":
            self.flagged += 1
        else:
            self.error += 1
        self.check_seconds += float(row.get("seconds") or 0.0)


def _chunks(paths: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for p in paths:
        chunk.append(p)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _crash_row(path: str, reason: str) -> Row:
    return CheckRow(path=path, status="error", error=f"{path}: {reason}", error_type="WorkerCrashed").to_dict()


def failed_task_rows(chunk: list[str], exc: BaseException) -> list[Row]:
    return [_crash_row(p, f"the task checking this file failed ({type(exc).__name__}: {exc})") for p in chunk]


# ---------------------------------------------------------------------------------------------- local


def _process_context() -> multiprocessing.context.BaseContext:
    """``fork`` when this process runs no other thread (fastest start: workers inherit the imports), else
    ``forkserver`` (forking a process with threads can deadlock a child on a lock held by another thread)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["cccd_biometrics.batch.check", "cccd_biometrics.io.decode"])
        return ctx
    return multiprocessing.get_context("spawn")


def _init_worker_process(warm: bool, kind: str, opencv_threads: int) -> None:
    # Ctrl-C reaches the whole process group: only the coordinator should act on it, so that it can stop
    # the pool and write the rows it has before exiting
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if opencv_threads:  # a started (not forked) worker: see _opencv_threads_for_workers
        _set_opencv_threads(opencv_threads)
    if warm:
        warm_up_worker(kind)


def _opencv_threads_per_worker(workers: int) -> int:
    """OpenCV threads for each of ``workers`` worker processes: the cores shared out between them (at least 1).

    OpenCV starts a thread per core in every process. With as many workers as cores those threads only compete
    with the other workers, and on fingerprint-sized images they cost more than they give even alone (FVC set,
    one process: 8.6 CPU-ms and 7.8 ms a file with 2 threads, 6.8 and 6.8 with 1; the rows are identical).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def _set_opencv_threads(n: int) -> None:
    try:
        cv2.setNumThreads(n)
    except Exception:  # pragma: no cover - an optimisation only
        return


@contextlib.contextmanager
def _opencv_threads_for_workers(n: int) -> Iterator[None]:
    """This process's OpenCV thread count set to ``n`` while its worker pools run, then restored.

    Forked workers inherit it. They must not set it themselves: OpenCV would wait for the thread pool it had
    in the parent, whose threads a forked child does not have (a deadlock). Started workers (spawn,
    forkserver) set it in their initializer. Nothing changes when ``n`` is the current value.
    """
    try:
        previous = cv2.getNumThreads()
    except Exception:  # pragma: no cover - an optimisation only
        yield
        return
    if previous == n:
        yield
        return
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


def _new_pool(executor: str, workers: int, kind: str, opencv_threads: int = 0) -> cf.Executor:
    if executor == "thread":
        return cf.ThreadPoolExecutor(max_workers=workers, initializer=warm_up_worker, initargs=(kind,))
    ctx = _process_context()
    forked = ctx.get_start_method() == "fork"
    if forked:
        # warm up once here: forked workers inherit the imported modules and loaded kernels, so N workers
        # do not pay N times the import and JIT-cache load (measured: ~0.5 CPU-s each)
        warm_up_worker(kind)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker_process,
                                  initargs=(not forked, kind, 0 if forked else opencv_threads))


def _iter_local(chunks: Iterator[list[str]], check: ChunkCheck, kind: str, ppi: float | None, *,
                executor: str, workers: int, max_in_flight: int) -> Iterator[list[Row]]:
    """Run chunks in a local pool, ``max_in_flight`` at a time, yielding each chunk's rows as it completes.

    A worker process that dies (a decoder crash, the OOM killer) breaks the pool: the pool is replaced and
    the chunks that were in flight are re-run one file at a time, alone, so that only the file that kills
    a worker again gets an error row and every other file its normal row.
    """
    threads = _opencv_threads_per_worker(workers) if executor == "process" else 0
    with _opencv_threads_for_workers(threads) if threads else contextlib.nullcontext():
        yield from _iter_pool(chunks, check, kind, ppi, executor=executor, workers=workers,
                              max_in_flight=max_in_flight, opencv_threads=threads)


def _iter_pool(chunks: Iterator[list[str]], check: ChunkCheck, kind: str, ppi: float | None, *,
               executor: str, workers: int, max_in_flight: int, opencv_threads: int) -> Iterator[list[Row]]:
    pool = _new_pool(executor, workers, kind, opencv_threads)
    in_flight: dict[cf.Future, list[str]] = {}
    suspects: deque[str] = deque()
    try:
        while True:
            if suspects:
                path = suspects.popleft()
                fut = pool.submit(check, [path], kind, ppi)
                try:
                    rows = fut.result()
                except cf.process.BrokenProcessPool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _new_pool(executor, workers, kind, opencv_threads)
                    rows = [_crash_row(path, "the worker process died while checking this file")]
                except Exception as exc:
                    rows = failed_task_rows([path], exc)
                yield rows
                continue
            while len(in_flight) < max_in_flight:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                in_flight[pool.submit(check, chunk, kind, ppi)] = chunk
            if not in_flight:
                return
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in done:
                chunk = in_flight.pop(fut)
                try:
                    rows = fut.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    suspects.extend(chunk)
                    continue
                except Exception as exc:  # a custom check that raised, a row that cannot be pickled...
                    rows = failed_task_rows(chunk, exc)
                yield rows
            if broken:
                for pending_chunk in in_flight.values():
                    suspects.extend(pending_chunk)
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(executor, workers, kind, opencv_threads)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------------------------- dask


def _iter_dask(chunks: Iterator[list[str]], check: ChunkCheck, kind: str, ppi: float | None, *,
               scheduler: Any, max_in_flight: int | None) -> Iterator[list[Row]]:
    """Submit chunks to a Dask cluster (``scheduler``: an address or a ``Client``) and stream rows back.

    The paths must be readable at the same names on the workers (shared storage).
    """
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("--scheduler needs Dask: pip install 'cccd_biometrics[dask]'") from exc

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, set_as_default=False, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise OSError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    else:
        client = scheduler
    try:
        client.run(warm_up_worker, kind)
        max_in_flight = max_in_flight or 4 * max(1, sum(client.nthreads().values()))
        futures = as_completed(loop=client.loop)  # our client is not the default one: name its loop
        submitted: dict[Any, list[str]] = {}

        def submit() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            fut = client.submit(check, chunk, kind, ppi, pure=False)
            submitted[fut.key] = chunk
            futures.add(fut)
            return True

        for _ in range(max_in_flight):
            if not submit():
                break
        for fut in futures:
            chunk = submitted.pop(fut.key)
            try:
                rows = fut.result()
            except Exception as exc:  # KilledWorker after Dask's own retries, lost data, ...
                rows = failed_task_rows(chunk, exc)
            fut.release()
            yield rows
            submit()
    finally:
        if own:
            client.close()


# ---------------------------------------------------------------------------------------------- entry


def iter_batch_rows(
    paths: Iterable[str],
    *,
    kind: str = "auto",
    ppi: float | None = None,
    workers: int | None = None,
    executor: str = "process",
    scheduler: Any = None,
    chunk_size: int = 4,
    max_in_flight: int | None = None,
    check: ChunkCheck = check_chunk,
) -> Iterator[list[Row]]:
    """Check every path and yield the rows, one completed chunk (list of row dicts) at a time.

    Parameters
    ----------
    paths:
        The inputs, consumed lazily (a generator over a huge list is fine).
    kind, ppi:
        Passed to :func:`~cccd_biometrics.batch.check.check_path`.
    workers:
        Local pool size (default: the number of cores); ignored with ``scheduler``.
    executor:
        ``"process"`` (default: see the README for the measurements), ``"thread"``, or ``"inline"`` (in this
        process, one file after the other, no pool: for debugging; a crashing decoder ends the run).
    scheduler:
        A Dask scheduler address (``"tcp://host:8786"``) or a ``dask.distributed.Client``.
    chunk_size:
        Files per task: amortises the cost of a task while keeping the work evenly spread.
    max_in_flight:
        Chunks submitted and not yet collected (default: 4 per worker or Dask worker thread).
    check:
        The chunk function (a picklable module-level function); tests substitute it.
    """
    chunks = _chunks(paths, max(1, chunk_size))
    if scheduler is not None:
        yield from _iter_dask(chunks, check, kind, ppi, scheduler=scheduler, max_in_flight=max_in_flight)
        return
    if executor == "inline":
        warm_up_worker(kind)
        for chunk in chunks:
            yield check(chunk, kind, ppi)
        return
    workers = workers or os.cpu_count() or 1
    yield from _iter_local(chunks, check, kind, ppi, executor=executor, workers=workers,
                           max_in_flight=max_in_flight or 4 * workers)


# ------------------------------------------------------------------------------------- run into output


@dataclass
class BatchResult:
    """What :func:`run_batch` did: this run's counts, the rows found on resume, the wall time."""

    stats: BatchStats
    previous: BatchStats
    wall_seconds: float
    torn_tail_dropped: bool = False
    bad_lines: int = 0

    @property
    def all_passed(self) -> bool:
        return (self.stats.flagged + self.stats.error + self.previous.flagged + self.previous.error) == 0




def _pending(paths: Iterable[str], done: PathSet, key: Callable[[str], str], stats: BatchStats,
             on_skipped: Callable[[int], None] | None) -> Iterator[str]:
    """Inputs not in ``done``; each new one is added, so a path given twice is checked once."""
    for path in paths:
        if done.add(key(path)):
            yield path
        else:
            stats.skipped += 1
            if on_skipped is not None:
                on_skipped(1)


def run_batch(
    paths: Iterable[str | os.PathLike] = (),
    *,
    recursive: bool = False,
    from_lists: Iterable[str] = (),
    output: str | os.PathLike | None = None,
    fmt: str | None = None,
    resume: bool = False,
    writer: RowWriter | None = None,
    batch_rows: int = 256,
    flush_seconds: float = 2.0,
    on_rows: Callable[[list[Row]], None] | None = None,
    on_previous_row: Callable[[Row], None] | None = None,
    on_skipped: Callable[[int], None] | None = None,
    **check_options: Any,
) -> BatchResult:
    """Check every input and write one row per input to ``output`` (or to ``writer``).

    Parameters
    ----------
    paths, recursive, from_lists:
        The inputs, as for :func:`~cccd_biometrics.batch.inputs.iter_inputs`. A folder that cannot be listed
        becomes an error row.
    output, fmt:
        Result file (``jsonl``, ``csv``) or Parquet folder (``parquet``); the format defaults to the suffix.
    resume:
        Skip the inputs already in ``output`` (rows of earlier runs are kept; a torn last line is dropped).
        Without it, ``output`` must not exist or be empty.
    writer:
        Where rows go when there is no ``output`` (an object with ``write_batch(rows)`` and ``close()``).
    batch_rows, flush_seconds:
        A batch is written (and fsync-ed) every ``batch_rows`` rows or ``flush_seconds`` seconds, whichever
        comes first: a killed run loses at most that much work (it is redone on resume), never a written row.
    on_rows, on_previous_row, on_skipped:
        Callbacks for progress and reports: rows of this run, rows found in ``output`` on resume, and the
        number of inputs skipped.
    check_options:
        Passed to :func:`iter_batch_rows` (``kind``, ``ppi``, ``workers``, ``executor``, ``scheduler``, ...).

    Raises
    ------
    OutputWriteError
        The output cannot be read, opened or written. Rows written before stay intact; ``resume`` continues.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = run_batch(["sample_data/fingerprints/synthetic"], output=f"{tmp}/rows.jsonl", workers=1)
    >>> result.stats.checked, result.stats.flagged, result.stats.error
    (10, 3, 0)
    """
    t0 = time.perf_counter()
    previous = BatchStats()
    fmt = fmt or (format_from_suffix(output) if output is not None else None) or "jsonl"
    key: Callable[[str], str] = csv_path_key if (output is not None and fmt == "csv") else str

    def seen(row: Row) -> None:
        previous.add(row)
        if on_previous_row is not None:
            on_previous_row(row)

    if output is not None:
        if not resume and _has_content(output):
            raise OutputWriteError("already exists; pass --resume to continue it, or choose a new name",
                                   source=os.fspath(output))
        state = scan_output(output, fmt, on_row=seen) if resume else ResumeState()
        writer = open_writer(output, fmt, state)
    elif writer is None:
        raise ValueError("run_batch needs an output path or a writer")
    else:
        state = ResumeState()

    stats = BatchStats()
    input_errors: deque[Row] = deque()

    def unreadable(path: str, exc: OSError) -> None:
        if key(path) in state.done:
            return
        state.done.add(key(path))
        reason = exc.strerror or str(exc)
        input_errors.append(CheckRow(path=path, status="error", error=f"{path}: cannot be listed ({reason})",
                                     error_type="InputNotFoundError").to_dict())

    inputs = iter_inputs(paths, recursive=recursive, from_lists=from_lists, on_error=unreadable)
    pending = _pending(inputs, state.done, key, stats, on_skipped)
    buffer = BatchBuffer(writer, max_rows=batch_rows, max_seconds=flush_seconds)

    def accept(rows: list[Row]) -> None:
        for row in rows:
            stats.add(row)
        buffer.add(rows)
        if on_rows is not None:
            on_rows(rows)

    try:
        for rows in iter_batch_rows(pending, **check_options):
            accept(rows)
            while input_errors:
                accept([input_errors.popleft()])
        while input_errors:
            accept([input_errors.popleft()])
    finally:
        # rows already computed reach the file even when the run is interrupted (Ctrl-C, SIGTERM, an error)
        try:
            buffer.flush()
        finally:
            writer.close()
    return BatchResult(stats=stats, previous=previous, wall_seconds=time.perf_counter() - t0,
                       torn_tail_dropped=state.torn_tail_at is not None, bad_lines=state.bad_lines)


def _has_content(output: str | os.PathLike) -> bool:
    p = Path(output)
    if p.is_dir():
        return any(p.iterdir())
    return p.exists() and p.stat().st_size > 0
