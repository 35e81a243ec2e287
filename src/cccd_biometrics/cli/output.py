"""Rendering result rows: a readable table for people, JSON / JSONL / CSV for machines."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

CSV_COLUMNS = ("path", "kind", "status", "width", "height", "ppi", "score", "flagged", "codes",
               "error", "error_type", "seconds")


def csv_cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return "" if value is None else value


def write_rows(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "json":
        json.dump(list(rows), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        w = csv.writer(out)
        w.writerow(CSV_COLUMNS)
        for row in rows:
            w.writerow([csv_cell(row.get(c)) for c in CSV_COLUMNS])
    else:
        write_table(list(rows), out)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ",".join(value) or "-"
    return str(value)


def write_table(rows: Sequence[dict[str, Any]], out: TextIO | None = None) -> None:
    """A fixed-width table: one line per input, errors spelled out."""
    out = out or sys.stdout
    headers = ("file", "kind", "size", "ppi", "score", "status", "findings / error")
    lines = []
    for r in rows:
        size = f"{r['width']}x{r['height']}" if r.get("width") else "-"
        last = r.get("error") or _fmt(r.get("codes"))
        lines.append((_fmt(r.get("path")), _fmt(r.get("kind")), size, _fmt(r.get("ppi")),
                      _fmt(r.get("score")), _fmt(r.get("status")), last))
    widths = [len(h) for h in headers]
    for line in lines:
        for i, cell in enumerate(line[:-1]):
            widths[i] = min(max(widths[i], len(cell)), 60)
    def render(cells: Sequence[str]) -> str:
        head = "  ".join(c[: widths[i]].ljust(widths[i]) for i, c in enumerate(cells[:-1]))
        return f"{head}  {cells[-1]}"
    out.write(render(headers) + "\n")
    for line in lines:
        out.write(render(line) + "\n")
    n_err = sum(1 for r in rows if r.get("status") == "error")
    n_flag = sum(1 for r in rows if r.get("status") == "flagged")
    out.write(f"\n{len(rows)} checked: {len(rows) - n_err - n_flag} passed, {n_flag} flagged, {n_err} errors\n")
