"""Rendering result rows on a stream: a readable table for people, JSON / JSONL / CSV for machines.

Rows are written as they come (:class:`StreamRowWriter`), so a run over a million files prints its first
rows at once and never holds them all. Durable result files are :mod:`cccd_biometrics.batch.results`' business.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..batch.results import CSV_COLUMNS

__all__ = ["CSV_COLUMNS", "STREAM_FORMATS", "StreamRowWriter", "csv_cell", "write_rows", "write_table"]

STREAM_FORMATS = ("table", "json", "jsonl", "csv")

_TABLE_HEADERS = ("file", "kind", "size", "ppi", "score", "status", "findings / error")
_TABLE_WIDTHS = (48, 11, 9, 5, 5, 7)


def csv_cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return "" if value is None else value


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ",".join(value) or "-"
    return str(value)


def _table_line(cells: Sequence[str]) -> str:
    parts = []
    for cell, width in zip(cells[:-1], _TABLE_WIDTHS, strict=True):
        if len(cell) > width:  # keep the end of a long path: the file name is what people look for
            cell = "…" + cell[-(width - 1):]
        parts.append(cell.ljust(width))
    return "  ".join(parts) + "  " + cells[-1]


def _table_cells(r: dict[str, Any]) -> tuple[str, ...]:
    size = f"{r['width']}x{r['height']}" if r.get("width") else "-"
    score = r.get("score")
    if score is None and r.get("compliant") is not None:
        score = "ICAO" if r["compliant"] else "non-ICAO"
    last = r.get("error") or _fmt(r.get("codes"))
    return (_fmt(r.get("path")), _fmt(r.get("kind")), size, _fmt(r.get("ppi")), _fmt(score),
            _fmt(r.get("status")), last)


class StreamRowWriter:
    """Writes batches of rows to a text stream in one of :data:`STREAM_FORMATS`, flushing each batch."""

    def __init__(self, fmt: str, out: TextIO | None = None) -> None:
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"unknown stream format {fmt!r}")
        self.fmt = fmt
        self.out = out or sys.stdout
        self._started = False
        self._counts = {"ok": 0, "flagged": 0, "error": 0}
        self._csv = csv.writer(self.out, lineterminator="\n") if fmt == "csv" else None

    def _start(self) -> None:
        self._started = True
        if self.fmt == "csv" and self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)
        elif self.fmt == "table":
            self.out.write(_table_line(_TABLE_HEADERS) + "\n")
        elif self.fmt == "json":
            self.out.write("[")

    def write_batch(self, rows: list[dict[str, Any]]) -> None:
        if not self._started:
            self._start()
        for row in rows:
            self._write_row(row)
        self.out.flush()

    def _write_row(self, row: dict[str, Any]) -> None:
        status = row.get("status", "error")
        self._counts[status if status in self._counts else "error"] += 1
        if self.fmt == "jsonl":
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            first = sum(self._counts.values()) == 1
            self.out.write(("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False))
        elif self._csv is not None:
            self._csv.writerow([csv_cell(row.get(c)) for c in CSV_COLUMNS])
        else:
            self.out.write(_table_line(_table_cells(row)) + "\n")

    def close(self) -> None:
        if not self._started:
            self._start()
        if self.fmt == "json":
            self.out.write("\n]\n" if sum(self._counts.values()) else "]\n")
        elif self.fmt == "table":
            c = self._counts
            total = sum(c.values())
            self.out.write(f"\n{total} checked: {c['ok']} passed, {c['flagged']} flagged, {c['error']} errors\n")
        self.out.flush()


def write_rows(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO | None = None) -> None:
    """Write all ``rows`` in ``fmt`` (``table``, ``json``, ``jsonl`` or ``csv``) to ``out`` (stdout)."""
    writer = StreamRowWriter(fmt, out)
    writer.write_batch(list(rows))
    writer.close()


def write_table(rows: Sequence[dict[str, Any]], out: TextIO | None = None) -> None:
    """A fixed-width table: one line per input, errors spelled out, a count line at the end."""
    write_rows(rows, "table", out)
