"""Result files of batch runs: durable, append-only JSONL / CSV files and Parquet part directories.

Durability contract (what ``--resume`` relies on)
    * Rows reach the file in batches. A batch is written with ``os.write`` on a file opened ``O_APPEND``,
      then ``fsync``-ed: once :meth:`RowFileWriter.write_batch` returns, the rows survive the process being
      killed (they are in the kernel) and a power cut (they are on disk).
    * Existing rows are never rewritten. The only bytes ever removed are a *torn tail*: the bytes after the
      last line break, left when a process died in the middle of a write. On resume they are cut off
      (``ftruncate`` to the end of the last complete line) before new rows are appended, so the file never
      holds a truncated line; the input of the torn row is simply checked again.
    * A failed write (disk full, I/O error) is undone the same way (the file is cut back to the end of the
      last complete batch) and raised as :class:`OutputWriteError`.
    * Parquet output is a directory of part files. Each part is written to a hidden temporary name, fsync-ed,
      then renamed: a part either exists complete or not at all. Leftover temporaries are ignored.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .._shared.record_names import container_of
from ..errors import CccdBiometricsError

__all__ = [
    "CSV_COLUMNS",
    "FILE_FORMATS",
    "OutputWriteError",
    "PathSet",
    "ResumeState",
    "RowFileWriter",
    "RowWriter",
    "format_from_suffix",
    "iter_part_rows",
    "iter_result_rows",
    "open_writer",
    "scan_output",
]

FILE_FORMATS = ("jsonl", "csv", "parquet")

CSV_COLUMNS = ("path", "kind", "status", "size_bytes", "width", "height", "ppi", "score", "compliant",
               "flagged", "codes", "error", "error_type", "seconds")
_INT_COLUMNS = frozenset({"size_bytes", "width", "height"})
_FLOAT_COLUMNS = frozenset({"ppi", "score", "seconds"})
_BOOL_COLUMNS = frozenset({"compliant", "flagged"})


class OutputWriteError(CccdBiometricsError, OSError):
    """The result file could not be written (disk full, permissions, I/O error)."""

    code = "OUTPUT_WRITE"


def format_from_suffix(path: str | os.PathLike) -> str | None:
    """``"jsonl"``, ``"csv"`` or ``"parquet"`` from a file name, ``None`` when the suffix says nothing."""
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(
        suffix
    )


# ---------------------------------------------------------------------------------------------- path set


class PathSet:
    """A set of paths that costs 16 bytes a path, for knowing which inputs are done.

    Paths are kept as 128-bit BLAKE2b digests (a collision among 10^12 paths has a probability below
    10^-14) in sorted numpy arrays, merged like a log-structured tree: adding is amortised
    O(log n), membership is a binary search per level.
    """

    _RECENT_MAX = 65_536

    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []
        self._recent: set[bytes] = set()
        self._size = 0

    @staticmethod
    def digest(path: str) -> bytes:
        return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=16).digest()

    def __len__(self) -> int:
        return self._size

    def __contains__(self, path: str) -> bool:
        return self._has(self.digest(path))

    def _has(self, key: bytes) -> bool:
        if key in self._recent:
            return True
        probe = np.frombuffer(key, dtype="V16")
        for level in self._levels:
            i = int(np.searchsorted(level, probe)[0])
            if i < level.size and level[i] == probe[0]:
                return True
        return False

    def add(self, path: str) -> bool:
        """Add ``path``; return ``False`` if it was already there."""
        key = self.digest(path)
        if self._has(key):
            return False
        self._recent.add(key)
        self._size += 1
        if len(self._recent) >= self._RECENT_MAX:
            self._compact()
        return True

    def _compact(self) -> None:
        fresh = np.sort(np.frombuffer(b"".join(self._recent), dtype="V16"))
        self._recent = set()
        self._levels.append(fresh)
        # merge while the newest level is as large as the one before: O(log n) levels, amortised O(n log n)
        while len(self._levels) > 1 and self._levels[-1].size >= self._levels[-2].size:
            top = self._levels.pop()
            self._levels[-1] = np.sort(np.concatenate([self._levels[-1], top]), kind="stable")


# ------------------------------------------------------------------------------------------ encoding rows


def _csv_text(value: Any) -> Any:
    """A CSV cell on one line: every record is one physical line, so a torn tail is easy to find."""
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        return value.replace("\r", "\\r").replace("\n", "\\n")
    return value


def csv_path_key(path: str) -> str:
    """The form a path takes in a CSV result file (line breaks escaped), used to match inputs on resume."""
    return _csv_text(path)


def _encode_jsonl(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8", "surrogateescape")


def _encode_csv(rows: Iterable[dict[str, Any]], header: bool = False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([_csv_text(r.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8", "surrogateescape")


def _decode_csv_row(cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, cell in zip(CSV_COLUMNS, cells, strict=False):
        if cell == "" and name not in ("path", "codes"):
            row[name] = None
        elif name in _INT_COLUMNS:
            row[name] = int(cell)
        elif name in _FLOAT_COLUMNS:
            row[name] = float(cell)
        elif name in _BOOL_COLUMNS:
            row[name] = cell == "True"
        elif name == "codes":
            row[name] = [c for c in cell.split(";") if c]
        else:
            row[name] = cell
    return row


# ----------------------------------------------------------------------------------------- scanning/resume


@dataclass
class ResumeState:
    """What an existing result file holds: which inputs are done, and where a torn tail starts."""

    done: PathSet = field(default_factory=PathSet)
    rows: int = 0
    torn_tail_at: int | None = None  # byte offset of a torn last line (None: the file ends cleanly)
    bad_lines: int = 0  # complete lines that do not parse (e.g. damage from a power cut without fsync)
    parts: int = 0  # Parquet part files found


def _complete_length(path: Path) -> tuple[int, int]:
    """(file size, length up to and including the last line break)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        pos = size
        while pos > 0:
            step = min(65_536, pos)
            f.seek(pos - step)
            block = f.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                return size, pos - step + nl + 1
            pos -= step
    return size, 0


def _iter_complete_lines(path: Path, end: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        read = 0
        for line in f:
            if read + len(line) > end:
                return
            read += len(line)
            yield line


def _iter_text_rows(path: Path, fmt: str, end: int, state: ResumeState | None) -> Iterator[dict[str, Any]]:
    lines = _iter_complete_lines(path, end)
    if fmt == "csv":
        header = next(lines, None)
        if header is not None and header.decode("utf-8", "replace").rstrip("\n").split(",") != list(CSV_COLUMNS):
            raise OutputWriteError(
                "is a CSV file with other columns than this version writes; choose another output",
                source=str(path),
            )
    for line in lines:
        text = line.decode("utf-8", "surrogateescape")
        try:
            row = json.loads(text) if fmt == "jsonl" else _decode_csv_row(next(csv.reader([text])))
            if not isinstance(row, dict) or not isinstance(row.get("path"), str):
                raise ValueError("not a row")
        except (ValueError, StopIteration):
            if state is not None:
                state.bad_lines += 1
            continue
        yield row


def _part_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("part-*.parquet") if not p.name.startswith("."))


def iter_part_rows(part: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """The rows of one Parquet part file."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(part).iter_batches(batch_size=8192):
        for row in batch.to_pylist():
            for key in ("findings", "details"):
                if isinstance(row.get(key), str):
                    row[key] = json.loads(row[key])
            yield row


def _iter_parquet_rows(folder: Path) -> Iterator[dict[str, Any]]:
    for part in _part_files(folder):
        yield from iter_part_rows(part)


def iter_result_rows(path: str | os.PathLike, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Stream the rows of a result file (complete lines / complete parts only)."""
    p = Path(path)
    fmt = fmt or format_from_suffix(p)
    if fmt == "parquet":
        yield from _iter_parquet_rows(p)
        return
    if not p.exists():
        return
    _, end = _complete_length(p)
    yield from _iter_text_rows(p, fmt or "jsonl", end, None)


def scan_output(path: str | os.PathLike, fmt: str, on_row: Any = None) -> ResumeState:
    """Read an existing result file for ``--resume``: the done inputs, and a torn tail to cut.

    ``on_row`` (optional) is called with every complete row, so that summaries and reports cover rows
    written by earlier runs without reading the file twice.
    """
    p = Path(path)
    state = ResumeState()
    if fmt == "parquet":
        if p.is_dir():
            state.parts = len(_part_files(p))
            rows: Iterable[dict[str, Any]] = _iter_parquet_rows(p)
        else:
            rows = ()
    elif p.exists():
        size, end = _complete_length(p)
        state.torn_tail_at = end if end < size else None
        rows = _iter_text_rows(p, fmt, end, state)
    else:
        rows = ()
    for row in rows:
        state.done.add(row["path"])
        container = container_of(row["path"])
        if container is not None:  # a row of an image inside a record file: the record file is done
            state.done.add(container)
        state.rows += 1
        if on_row is not None:
            on_row(row)
    return state


# ------------------------------------------------------------------------------------------------ writers


class RowFileWriter:
    """Appends batches of rows to a JSONL or CSV file, durably (see the module notes)."""

    def __init__(self, path: str | os.PathLike, fmt: str, *, torn_tail_at: int | None = None,
                 fsync: bool = True) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self._fsync = fsync
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            if torn_tail_at is not None:
                os.ftruncate(self._fd, torn_tail_at)
            self._good_size = os.fstat(self._fd).st_size
        except OSError as exc:
            raise OutputWriteError(f"cannot open for writing ({exc.strerror or exc})", source=str(path)) from exc
        self._needs_header = fmt == "csv" and self._good_size == 0

    def write_batch(self, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` and make them durable; on failure cut the file back and raise OutputWriteError."""
        if not rows:
            return
        data = _encode_csv(rows, header=self._needs_header) if self.fmt == "csv" else _encode_jsonl(rows)
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            if self._fsync:
                os.fsync(self._fd)
        except OSError as exc:
            self._undo_partial_write()
            raise OutputWriteError(
                f"cannot write results ({exc.strerror or exc}); the rows written before are intact, "
                "free space and run again with --resume",
                source=str(self.path),
            ) from exc
        self._good_size += len(data)
        self._needs_header = False

    def _undo_partial_write(self) -> None:
        with contextlib.suppress(OSError):  # if this fails too, the torn tail is cut on the next --resume
            os.ftruncate(self._fd, self._good_size)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class ParquetPartWriter:
    """Writes each batch of rows as one complete Parquet part file in a directory."""

    def __init__(self, folder: str | os.PathLike, *, first_part: int = 0) -> None:
        self.path = Path(folder)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputWriteError(f"cannot create the folder ({exc.strerror or exc})", source=str(folder)) from exc
        self._next = first_part

    @staticmethod
    def _table(rows: list[dict[str, Any]]) -> Any:
        import pyarrow as pa

        columns: dict[str, list[Any]] = {c: [r.get(c) for r in rows] for c in CSV_COLUMNS}
        columns["findings"] = [json.dumps(r.get("findings") or [], ensure_ascii=False) for r in rows]
        columns["details"] = [json.dumps(r.get("details") or {}, ensure_ascii=False) for r in rows]
        return pa.table(columns, schema=_parquet_schema())

    def write_batch(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        final = self.path / f"part-{self._next:06d}.parquet"
        tmp = self.path / f".part-{self._next:06d}.parquet.tmp"
        try:
            write_part_file(rows, tmp, final)
            _fsync_path(self.path)
        except OSError as exc:
            raise OutputWriteError(
                f"cannot write a result part ({exc.strerror or exc}); the parts written before are intact, "
                "free space and run again with --resume",
                source=str(final),
            ) from exc
        self._next += 1

    def close(self) -> None:
        return None


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_part_file(rows: list[dict[str, Any]], tmp: Path, final: Path) -> None:
    """Write ``rows`` as one complete Parquet file: to ``tmp``, fsync, then an atomic rename to ``final``.

    A reader never sees a half-written part. On failure ``tmp`` is removed and the ``OSError`` propagates.
    """
    import pyarrow.parquet as pq

    try:
        pq.write_table(ParquetPartWriter._table(rows), tmp)
        _fsync_path(tmp)
        os.replace(tmp, final)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _parquet_schema() -> Any:
    import pyarrow as pa

    return pa.schema([
        ("path", pa.string()), ("kind", pa.string()), ("status", pa.string()), ("size_bytes", pa.int64()),
        ("width", pa.int32()), ("height", pa.int32()), ("ppi", pa.float64()), ("score", pa.float64()),
        ("compliant", pa.bool_()), ("flagged", pa.bool_()), ("codes", pa.list_(pa.string())),
        ("error", pa.string()), ("error_type", pa.string()), ("seconds", pa.float64()),
        ("findings", pa.string()), ("details", pa.string()),
    ])


def open_writer(
    path: str | os.PathLike, fmt: str, state: ResumeState | None = None
) -> RowFileWriter | ParquetPartWriter:
    """The writer for ``fmt``, continuing after what ``state`` (from :func:`scan_output`) found."""
    if fmt == "parquet":
        first = 0
        folder = Path(path)
        if folder.is_dir():
            numbers = [int(p.stem.split("-")[1]) for p in _part_files(folder) if p.stem.split("-")[1].isdigit()]
            first = max(numbers, default=-1) + 1
        return ParquetPartWriter(folder, first_part=first)
    return RowFileWriter(path, fmt, torn_tail_at=state.torn_tail_at if state else None)


class RowWriter(Protocol):
    """Where batches of rows go: a result file, a Parquet folder, or a stream (``cli.output``)."""

    def write_batch(self, rows: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class BatchBuffer:
    """Collects rows and hands them to a writer in batches: every ``max_rows`` rows or ``max_seconds``."""

    def __init__(self, writer: RowWriter, *, max_rows: int, max_seconds: float) -> None:
        self.writer = writer
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._rows: list[dict[str, Any]] = []
        self._last = time.monotonic()
        self.written = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= self.max_rows or time.monotonic() - self._last >= self.max_seconds:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self.writer.write_batch(self._rows)
            self.written += len(self._rows)
            self._rows = []
        self._last = time.monotonic()
