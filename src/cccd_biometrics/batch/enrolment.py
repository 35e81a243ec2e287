"""Many enrolment records through the batch machinery: one row per record and one per image, resumable.

The unit of work is a record (its ``manifest.json`` path is the input's identity, so ``--resume`` skips the
records already in the output). :func:`check_record_chunk` is the chunk function :func:`~cccd_biometrics.batch.
run_batch` runs in its worker pool or on a Dask cluster; rows have the columns of every batch row
(:class:`~cccd_biometrics.batch.check.CheckRow`): a record row has ``kind="record"``, its record finding codes, and in
``details`` the verdict, the recapture list and the whole report (what the HTML ten-print card is drawn from);
an image row has ``kind`` ``"fingerprint"``, ``"slap"`` or ``"portrait"`` and in ``details`` the record and the
position it belongs to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .._shared.record_names import MANIFEST_NAME
from ..enrolment import EnrolmentRecord, EnrolmentReport, check_enrolment
from ..errors import CccdBiometricsError
from .check import CheckRow
from .run import BatchResult, run_batch

__all__ = ["check_record_chunk", "record_rows", "run_enrolment_batch"]

Row = dict[str, Any]


def _image_path(source: Any, record: str, position: int | str) -> str:
    return str(source) if isinstance(source, (str, os.PathLike)) else f"{record}#{position}"


def _finger_rows(rec: EnrolmentRecord, rep: EnrolmentReport, record: str) -> list[Row]:
    rows = []
    for pos, r in rep.fingers.items():
        details = {"record": record, "position": pos, "minutiae": r.minutiae}
        path = _image_path(rec.fingers[pos], record, pos)
        if r.quality is None:
            rows.append(CheckRow(path=path, kind="fingerprint", status="error", error=r.error,
                                 error_type="InvalidImageError", details=details).to_dict())
            continue
        q = r.quality
        rows.append(CheckRow(path=path, kind="fingerprint", status="flagged" if q.hard_to_read else "ok",
                             score=float(q.score), flagged=bool(q.hard_to_read), codes=q.codes,
                             findings=tuple(f.to_dict() for f in q.findings), details=details).to_dict())
    return rows


def _slap_rows(rec: EnrolmentRecord, rep: EnrolmentReport, record: str) -> list[Row]:
    rows = []
    for pos, seg in rep.slaps.items():
        path = _image_path(rec.slaps[pos], record, pos)
        if isinstance(seg, str):
            rows.append(CheckRow(path=path, kind="slap", status="error", error=seg, error_type="InvalidImageError",
                                 details={"record": record, "position": pos}).to_dict())
            continue
        d = seg.to_dict()
        rows.append(CheckRow(path=path, kind="slap", status="ok" if seg.complete else "flagged",
                             flagged=not seg.complete, codes=tuple(f.code for f in seg.findings),
                             findings=tuple(d["findings"]),
                             details={"record": record, "position": pos, "found": d["found"],
                                      "expected": d["expected"], "segments": d["segments"]}).to_dict())
    return rows


def _portrait_rows(rec: EnrolmentRecord, rep: EnrolmentReport, record: str) -> list[Row]:
    if rep.portrait is None:
        return []
    path = _image_path(rec.portrait, record, "portrait")
    if isinstance(rep.portrait, str):
        return [CheckRow(path=path, kind="portrait", status="error", error=rep.portrait,
                         error_type="InvalidImageError", details={"record": record}).to_dict()]
    p = rep.portrait
    return [CheckRow(path=path, kind="portrait", status="ok" if p.compliant else "flagged", compliant=p.compliant,
                     flagged=not p.compliant, codes=p.codes, findings=tuple(f.to_dict() for f in p.findings),
                     details={"record": record}).to_dict()]


def record_rows(manifest: str) -> list[Row]:
    """Check one record (its folder or ``manifest.json``): the record row first, then one row per image."""
    t0 = time.perf_counter()
    try:
        rec = EnrolmentRecord.load(manifest)
        rep = check_enrolment(rec)
    except CccdBiometricsError as exc:
        return [CheckRow(path=manifest, kind="record", status="error", error=str(exc),
                         error_type=type(exc).__name__, seconds=time.perf_counter() - t0).to_dict()]
    report = rep.to_dict()
    record_findings = [f for f in report["findings"] if f["code"].startswith("RECORD_")]
    row = CheckRow(path=manifest, kind="record", status="ok" if rep.verdict == "accept" else "flagged",
                   flagged=rep.verdict != "accept", codes=tuple(f["code"] for f in record_findings),
                   findings=tuple(record_findings), seconds=time.perf_counter() - t0,
                   details={"verdict": rep.verdict, "recapture": report["recapture"], "report": report}).to_dict()
    return [row, *_finger_rows(rec, rep, manifest), *_slap_rows(rec, rep, manifest),
            *_portrait_rows(rec, rep, manifest)]


def check_record_chunk(paths: list[str], kind: str = "auto", ppi: float | None = None) -> list[Row]:
    """The batch chunk function for records (``kind`` and ``ppi`` are those of the image checks; unused)."""
    return [row for p in paths for row in record_rows(p)]


def manifest_path(record: str | os.PathLike) -> str:
    """A record's input identity: its ``manifest.json`` path (a folder is taken to hold one)."""
    p = Path(record)
    return str(p / MANIFEST_NAME) if p.is_dir() else str(p)


def run_enrolment_batch(records: Iterable[str | os.PathLike], *, output: str | os.PathLike, fmt: str | None = None,
                        resume: bool = False, workers: int | None = None, executor: str = "process",
                        scheduler: Any = None, on_rows: Callable[[list[Row]], None] | None = None,
                        on_previous_row: Callable[[Row], None] | None = None) -> BatchResult:
    """Check many records into ``output`` (JSONL, CSV or a Parquet folder), resumable like any batch run.

    Parameters
    ----------
    records:
        Record folders or their ``manifest.json`` files.
    output, fmt, resume, workers, executor, scheduler, on_rows, on_previous_row:
        As for :func:`~cccd_biometrics.batch.run_batch`.
    """
    return run_batch([manifest_path(r) for r in records], output=output, fmt=fmt, resume=resume,
                     on_rows=on_rows, on_previous_row=on_previous_row, workers=workers, executor=executor,
                     scheduler=scheduler, check=check_record_chunk, chunk_size=1)
