"""Cluster runs that write their results where they run: one Parquet part per shard of inputs, on the workers.

Streaming every row back to one client tops out at the rate one process can take rows in (about 13,000 rows/s
measured, see the README). For a large cluster each Dask task instead checks a *shard* of inputs and writes the
rows itself as one Parquet part in the output folder (shared storage), returning only counts.

A shard's part is named after the hash of the shard's paths, and the shards are cut from the full, ordered,
de-duplicated input list (not from what is left to do), so that

* ``resume`` skips every shard whose part exists;
* a task that runs twice (a retry after a worker was lost, or a task still running when its client was killed
  and the run resumed) writes the same part under the same name with an atomic rename: one copy, never a
  duplicate row;
* a kill at any moment leaves complete parts only (temporaries are hidden and ignored).

The inputs must therefore be given the same way (same folders or lists, same order) when resuming.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .check import CheckRow
from .inputs import iter_inputs
from .results import OutputWriteError, PathSet, iter_part_rows, iter_result_rows, write_part_file
from .run import DASK_CONNECT_TIMEOUT, BatchResult, BatchStats, check_chunk, failed_task_rows, warm_up_worker

__all__ = ["check_shard_to_part", "run_partitioned", "shard_part_name"]

Row = dict[str, Any]


def shard_part_name(paths: list[str]) -> str:
    """The part file of a shard: ``part-<hash of its paths>.parquet``."""
    digest = hashlib.blake2b("\n".join(paths).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return f"part-{digest}.parquet"


def _write_part(rows: list[Row], folder: str, name: str) -> None:
    target = Path(folder) / name
    tmp = Path(folder) / f".{name}.{uuid.uuid4().hex}.tmp"  # unique: two runs of a task never share one
    try:
        write_part_file(rows, tmp, target)
    except OSError as exc:
        raise OutputWriteError(f"cannot write a result part ({exc.strerror or exc})", source=str(target)) from exc


def _counts(rows: Iterable[Row]) -> dict[str, float]:
    stats = BatchStats()
    not_found = 0
    for row in rows:
        stats.add(row)
        not_found += row.get("error_type") == "InputNotFoundError"
    return {"ok": stats.ok, "flagged": stats.flagged, "error": stats.error, "seconds": stats.check_seconds,
            "not_found": not_found}


def check_shard_to_part(paths: list[str], kind: str, ppi: float | None, folder: str) -> dict[str, float]:
    """Check a shard and write its rows as its part in ``folder`` (runs on a worker); return the counts."""
    rows = check_chunk(paths, kind, ppi)
    _write_part(rows, folder, shard_part_name(paths))
    return _counts(rows)


def _shards(inputs: Iterable[str], size: int) -> Iterator[list[str]]:
    seen = PathSet()
    shard: list[str] = []
    for path in inputs:
        if seen.add(path):
            shard.append(path)
            if len(shard) >= size:
                yield shard
                shard = []
    if shard:
        yield shard


def _add(stats: BatchStats, counts: dict[str, float]) -> None:
    stats.ok += int(counts["ok"])
    stats.flagged += int(counts["flagged"])
    stats.error += int(counts["error"])
    stats.check_seconds += float(counts["seconds"])


def _open_output(folder: Path, resume: bool) -> set[str]:
    """Create the output folder (refusing one that holds parts, unless resuming); the names of its parts."""
    if folder.exists() and not folder.is_dir():
        raise OutputWriteError("exists and is not a folder of Parquet parts", source=str(folder))
    if not resume and folder.is_dir() and any(folder.glob("part-*.parquet")):
        raise OutputWriteError("already holds parts; pass --resume to continue it", source=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(f"cannot create the folder ({exc.strerror or exc})", source=str(folder)) from exc
    return {p.name for p in folder.glob("part-*.parquet")}


def _previous_rows(folder: Path, on_previous_row: Callable[[Row], None] | None) -> BatchStats:
    previous = BatchStats()
    for row in iter_result_rows(folder, "parquet"):
        previous.add(row)
        if on_previous_row is not None:
            on_previous_row(row)
    return previous


class _ShardRun:
    """The shards of one run on a Dask client: at most ``limit`` tasks in flight, each shard whose part exists
    skipped, a task that failed for good turned into error rows written from here."""

    def __init__(self, client: Any, shards: Iterator[list[str]], existing: set[str], folder: Path, kind: str,
                 ppi: float | None, stats: BatchStats, on_progress: Callable[[int], None] | None) -> None:
        from dask.distributed import as_completed

        self.client, self.shards, self.existing, self.folder = client, shards, existing, folder
        self.kind, self.ppi, self.stats, self.on_progress = kind, ppi, stats, on_progress
        self.futures = as_completed(loop=client.loop)
        self.pending: dict[Any, list[str]] = {}
        self.written: list[str] = []

    def _progress(self, n: int) -> None:
        if self.on_progress is not None:
            self.on_progress(n)

    def submit(self) -> bool:
        """Submit the next shard that has no part yet; False when none is left."""
        for shard in self.shards:
            if shard_part_name(shard) in self.existing:
                self.stats.skipped += len(shard)
                self._progress(len(shard))
                continue
            fut = self.client.submit(check_shard_to_part, shard, self.kind, self.ppi, str(self.folder), pure=False)
            self.pending[fut.key] = shard
            self.futures.add(fut)
            return True
        return False

    def run(self, limit: int) -> list[str]:
        """Run every shard; the names of the parts this run wrote."""
        for _ in range(limit):
            if not self.submit():
                break
        for fut in self.futures:
            shard = self.pending.pop(fut.key)
            try:
                counts = fut.result()
            except Exception as exc:  # the task failed for good: its files get error rows, written from here
                rows = failed_task_rows(shard, exc)
                _write_part(rows, str(self.folder), shard_part_name(shard))
                counts = _counts(rows)
            fut.release()
            _add(self.stats, counts)
            self.written.append(shard_part_name(shard))
            self._progress(len(shard))
            self.submit()
        return self.written


def run_partitioned(
    paths: Iterable[str | os.PathLike] = (),
    *,
    output: str | os.PathLike,
    scheduler: Any,
    recursive: bool = False,
    from_lists: Iterable[str] = (),
    resume: bool = False,
    kind: str = "auto",
    ppi: float | None = None,
    shard_size: int = 1000,
    max_in_flight: int | None = None,
    on_rows: Callable[[list[Row]], None] | None = None,
    on_previous_row: Callable[[Row], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Check every input on a Dask cluster, the workers writing one Parquet part per shard into ``output``.

    ``output`` must be reachable at the same path from the workers and from here. Rows of this run are read
    back from the new parts at the end (streamed) for ``on_rows`` (reports); ``on_previous_row`` gets the
    rows of the parts found on ``resume``. ``on_progress`` is called with the number of inputs done or skipped.
    """
    from dask.distributed import Client

    t0 = time.perf_counter()
    folder = Path(output)
    existing = _open_output(folder, resume)
    previous, stats = _previous_rows(folder, on_previous_row), BatchStats()
    unlisted: list[Row] = []

    def unreadable(path: str, exc: OSError) -> None:
        unlisted.append(CheckRow(path=path, status="error", error=f"{path}: cannot be listed ({exc.strerror or exc})",
                                 error_type="InputNotFoundError").to_dict())

    shards = _shards(iter_inputs(paths, recursive=recursive, from_lists=from_lists, on_error=unreadable),
                     max(1, shard_size))
    try:
        client = Client(scheduler, set_as_default=False, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise OSError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        client.run(warm_up_worker, kind)
        limit = max_in_flight or 2 * max(1, sum(client.nthreads().values()))
        written = _ShardRun(client, shards, existing, folder, kind, ppi, stats, on_progress).run(limit)
    finally:
        client.close()
    if unlisted:  # folders that could not be listed: one part of error rows, written from here
        name = shard_part_name([r["path"] for r in unlisted])
        if name not in existing:
            _write_part(unlisted, str(folder), name)
            _add(stats, _counts(unlisted))
            written.append(name)
    if on_rows is not None:
        for name in written:
            on_rows(list(iter_part_rows(folder / name)))
    return BatchResult(stats=stats, previous=previous, wall_seconds=time.perf_counter() - t0)
