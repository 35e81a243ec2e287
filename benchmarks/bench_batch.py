"""Speed of the batch machinery around the checks (pytest-benchmark).

What the main process does per row must stay far below what a worker spends checking a file (~10 ms),
or the coordinator, not the checks, would bound throughput:

    pytest benchmarks/bench_batch.py --benchmark-only
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cccd_biometrics.batch.report import ReportBuilder
from cccd_biometrics.batch.results import PathSet, RowFileWriter, scan_output
from cccd_biometrics.batch.run import check_chunk

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _rows(n: int) -> list[dict]:
    return [{"path": f"/archive/district_{i % 50}/{i:09d}.wsq", "kind": "fingerprint", "status": "ok",
             "size_bytes": 31_000, "width": 388, "height": 374, "ppi": 500.0, "score": float(i % 100),
             "compliant": None, "flagged": False, "codes": ["FINGER_TOO_DRY"] if i % 7 == 0 else [],
             "findings": [], "error": None, "error_type": None, "seconds": 0.012,
             "details": {"ppi_source": "metadata", "format": "WSQ"}} for i in range(n)]


def test_check_chunk_fvc(benchmark):
    """The unit of work itself: 8 FVC2002 DB1 fingerprints (per-file cost = mean / 8)."""
    files = sorted(DATA.glob("fvc2002_b/DB1_B/*.tif"))[:8]
    if not files:
        pytest.skip("../shared/data is not available")
    paths = [str(p) for p in files]
    check_chunk(paths, "fingerprint")
    benchmark(check_chunk, paths, "fingerprint")


def test_pathset_add_10k(benchmark):
    """Deduplication and resume bookkeeping: 10,000 new paths (per-row cost = mean / 10,000)."""
    paths = [r["path"] for r in _rows(10_000)]

    def add_all() -> None:
        s = PathSet()
        for p in paths:
            s.add(p)

    benchmark(add_all)


def test_write_jsonl_batch_256(benchmark, tmp_path):
    """Encoding, appending and fsync-ing one 256-row batch."""
    writer = RowFileWriter(tmp_path / "r.jsonl", "jsonl")
    rows = _rows(256)
    benchmark(writer.write_batch, rows)
    writer.close()


def test_report_add_10k_rows(benchmark):
    rows = _rows(10_000)
    benchmark(lambda: ReportBuilder(worst=25).add_rows(rows))


def test_resume_scan_20k_rows(benchmark, tmp_path):
    """Reading an interrupted run's 20,000 rows back on --resume."""
    out = tmp_path / "r.jsonl"
    writer = RowFileWriter(out, "jsonl", fsync=False)
    writer.write_batch(_rows(20_000))
    writer.close()
    state = benchmark(scan_output, out, "jsonl")
    assert state.rows == 20_000
