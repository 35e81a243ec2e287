"""Batch runs: the done-set, durable result files, resume, parallel and Dask execution."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import pytest

from cccd_biometrics.batch.results import (
    OutputWriteError,
    PathSet,
    RowFileWriter,
    iter_result_rows,
    open_writer,
    scan_output,
)
from cccd_biometrics.batch.run import check_chunk, iter_batch_rows, run_batch
from tests.helpers.captures import make_captures, stable

# ------------------------------------------------------------------------------------------- PathSet


def test_pathset_membership_across_compactions(monkeypatch):
    monkeypatch.setattr(PathSet, "_RECENT_MAX", 64)
    s = PathSet()
    paths = [f"/archive/{i // 100}/{i}.wsq" for i in range(5000)]
    assert all(s.add(p) for p in paths)
    assert len(s) == 5000
    assert len(s._levels) < 12  # merged: logarithmically many sorted levels
    assert all(p in s for p in paths[::37])
    assert not any(f"/archive/x/{i}.wsq" in s for i in range(500))
    assert not s.add(paths[1234])
    assert len(s) == 5000


def test_pathset_non_utf8_and_unicode_paths():
    s = PathSet()
    odd = "/data/\udcff-broken-\u1ea0.png"  # surrogate-escaped byte from a non-UTF-8 file name
    assert s.add(odd) and odd in s and "/data/other.png" not in s


# ----------------------------------------------------------------------------------- result files


def _rows(n, prefix="/x/"):
    return [{"path": f"{prefix}{i}.png", "kind": "fingerprint", "status": "ok" if i % 3 else "flagged",
             "size_bytes": 1000 + i, "width": 300, "height": 300, "ppi": 500.0, "score": float(i),
             "compliant": None, "flagged": not i % 3, "codes": ["A", "B"] if i % 3 == 0 else [],
             "findings": [], "error": None, "error_type": None, "seconds": 0.01, "details": {}} for i in range(n)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_text_results_round_trip(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    w = RowFileWriter(out, fmt)
    w.write_batch(_rows(5))
    w.write_batch(_rows(3, prefix="/y/"))
    w.close()
    back = list(iter_result_rows(out))
    assert [r["path"] for r in back] == [r["path"] for r in _rows(5) + _rows(3, prefix="/y/")]
    assert back[0]["flagged"] is True and back[0]["codes"] == ["A", "B"] and back[1]["codes"] == []
    assert back[4]["score"] == 4.0 and back[4]["size_bytes"] == 1004 and back[4]["compliant"] is None


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_torn_tail_is_cut_and_its_input_redone(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    w = RowFileWriter(out, fmt)
    w.write_batch(_rows(4))
    w.close()
    good = out.read_bytes()
    torn_line = (json.dumps(_rows(5)[4]) if fmt == "jsonl" else "/x/4.png,fingerprint,ok,10")[:23]
    with out.open("ab") as f:
        f.write(torn_line.encode())  # a kill in the middle of a write
    state = scan_output(out, fmt)
    assert state.rows == 4 and state.torn_tail_at == len(good)
    assert "/x/3.png" in state.done and "/x/4.png" not in state.done
    w = open_writer(out, fmt, state)
    w.write_batch(_rows(5)[4:])
    w.close()
    data = out.read_bytes()
    assert data.startswith(good)  # the complete rows were not touched
    assert [r["path"] for r in iter_result_rows(out)] == [f"/x/{i}.png" for i in range(5)]
    assert data.endswith(b"\n")


def test_csv_cells_stay_on_one_line(tmp_path):
    out = tmp_path / "r.csv"
    rows = _rows(2)
    rows[0]["path"] = '/odd,dir/"quoted"\nname.png'
    rows[1]["error"] = "line one\nline two"
    w = RowFileWriter(out, "csv")
    w.write_batch(rows)
    w.close()
    assert out.read_text().count("\n") == 3  # header + 2 rows
    back = list(iter_result_rows(out))
    assert back[0]["path"] == '/odd,dir/"quoted"\\nname.png' and back[1]["error"] == "line one\\nline two"


def test_csv_with_other_columns_is_refused(tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(OutputWriteError, match="other columns"):
        scan_output(out, "csv")


def test_parquet_parts_are_complete_or_absent(tmp_path):
    out = tmp_path / "r.parquet"
    w = open_writer(out, "parquet")
    w.write_batch(_rows(3))
    w.write_batch(_rows(2, prefix="/y/"))
    (out / ".part-000002.parquet.tmp").write_bytes(b"PAR1 half a part")  # a kill during a part write
    state = scan_output(out, "parquet")
    assert state.rows == 5 and state.parts == 2
    w = open_writer(out, "parquet", state)
    w.write_batch(_rows(1, prefix="/z/"))
    assert sorted(p.name for p in out.glob("part-*.parquet")) == [f"part-00000{i}.parquet" for i in range(3)]
    rows = list(iter_result_rows(out))
    assert len(rows) == 6 and rows[0]["codes"] == ["A", "B"] and rows[0]["findings"] == []


# ----------------------------------------------------------------------------------------- run_batch


def test_run_batch_resume_and_duplicates(tmp_path):
    files = make_captures(tmp_path / "in", 6, 2)
    out = tmp_path / "r.jsonl"
    first = run_batch([str(p) for p in files[:3]], output=out, executor="inline")
    assert first.stats.checked == 3
    with pytest.raises(OutputWriteError, match="--resume"):
        run_batch([str(tmp_path / "in")], output=out, executor="inline")
    # the folder again, plus a file listed twice: each input once
    again = run_batch([str(tmp_path / "in"), str(files[5])], output=out, resume=True, executor="inline")
    assert again.stats.skipped == 4 and again.stats.checked == 5 and again.previous.checked == 3
    rows = list(iter_result_rows(out))
    assert sorted(r["path"] for r in rows) == sorted(str(p) for p in files)
    kinds = {Path(r["path"]).name.split("_")[0]: r["kind"] for r in rows}
    assert kinds == {"finger": "fingerprint", "portrait": "portrait"}
    assert all(r["status"] == ("ok" if r["kind"] == "fingerprint" else "flagged") for r in rows)
    assert all(r["codes"] == ["FACE_NOT_FOUND"] for r in rows if r["kind"] == "portrait")


def test_process_pool_matches_inline(tmp_path):
    files = [str(p) for p in make_captures(tmp_path, 10, 3)] + [str(tmp_path / "missing.png")]
    inline = [r for rows in iter_batch_rows(files, executor="inline") for r in rows]
    pooled = [r for rows in iter_batch_rows(files, workers=2, chunk_size=2) for r in rows]
    threads = [r for rows in iter_batch_rows(files, workers=2, executor="thread") for r in rows]
    assert len(pooled) == len(files)
    assert stable(pooled) == stable(inline) == stable(threads)


def crash_on_marked_files(paths, kind, ppi):
    """A chunk check whose worker process dies on files named 'crash*' (like a segfault in a decoder)."""
    if any(Path(p).name.startswith("crash") for p in paths):
        os._exit(11)
    return check_chunk(paths, kind, ppi)


def test_a_crashing_worker_costs_only_its_file(tmp_path):
    files = [str(p) for p in make_captures(tmp_path, 9)]
    crash = tmp_path / "crash.png"
    crash.write_bytes(Path(files[0]).read_bytes())
    inputs = [*files[:4], str(crash), *files[4:]]
    rows = [r for rows in iter_batch_rows(inputs, workers=2, chunk_size=3, check=crash_on_marked_files)
            for r in rows]
    by_path = {r["path"]: r for r in rows}
    assert len(rows) == len(inputs) == len(by_path)
    assert by_path[str(crash)]["error_type"] == "WorkerCrashed"
    assert "worker process died" in by_path[str(crash)]["error"]
    assert all(by_path[f]["status"] == "ok" for f in files)


def test_dask_local_cluster_gives_the_local_rows(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    files = [str(p) for p in make_captures(tmp_path, 8, 2)] + [str(tmp_path / "missing.png")]
    local = [r for rows in iter_batch_rows(files, executor="inline") for r in rows]
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                       host="127.0.0.1", dashboard_address=None)
    with cluster:  # no Client here: run_batch must connect on its own, as the CLI does
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "dask.jsonl"
        result = run_batch(files, output=out, scheduler=cluster.scheduler_address, chunk_size=3)
    assert result.stats.checked == len(files)
    assert stable(iter_result_rows(out)) == stable(local)


def raise_on_marked_files(paths, kind, ppi):
    if any(Path(p).name.startswith("crash") for p in paths):
        raise RuntimeError("boom")
    return check_chunk(paths, kind, ppi)


def test_a_task_that_raises_gives_error_rows_not_a_crashed_run(tmp_path):
    files = [str(p) for p in make_captures(tmp_path, 3)] + [str(tmp_path / "crash.png")]
    rows = [r for rows in iter_batch_rows(files, workers=2, executor="thread", chunk_size=1,
                                          check=raise_on_marked_files) for r in rows]
    by_path = {r["path"]: r for r in rows}
    assert len(by_path) == 4 and by_path[files[-1]]["error_type"] == "WorkerCrashed"
    assert "RuntimeError: boom" in by_path[files[-1]]["error"]


def test_walk_order_and_huge_folders_stream(tmp_path, monkeypatch):
    from cccd_biometrics.batch import inputs

    for name in ("b", "a", "a/z", "a/c"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
    for name in ("a/2.png", "a/1.png", "a/z/x.tif", "a/c/y.bmp", "b/3.jpg", "top.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    found = [os.path.relpath(p, tmp_path) for p in inputs.iter_inputs([tmp_path], recursive=True)]
    assert found == ["top.png", "a/1.png", "a/2.png", "a/c/y.bmp", "a/z/x.tif", "b/3.jpg"]
    assert [os.path.relpath(p, tmp_path) for p in inputs.iter_inputs([tmp_path])] == ["top.png"]
    monkeypatch.setattr(inputs, "SORT_LIMIT", 2)  # past the limit files stream unsorted, none lost
    found = [os.path.relpath(p, tmp_path) for p in inputs.iter_inputs([tmp_path], recursive=True)]
    assert sorted(found) == ["a/1.png", "a/2.png", "a/c/y.bmp", "a/z/x.tif", "b/3.jpg", "top.png"]


def test_warm_up_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from cccd_biometrics.batch.run import warm_up_worker

    assert gc.isenabled()
    warm_up_worker("fingerprint")  # pauses the collector while it imports and loads kernels
    assert gc.isenabled()
    gc.disable()
    try:
        warm_up_worker("fingerprint")
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


def opencv_threads_check(paths, kind, ppi):
    """A chunk check that reports how many threads OpenCV may use in the worker that ran it."""
    return [{"path": p, "status": "ok", "opencv_threads": cv2.getNumThreads()} for p in paths]


def test_worker_processes_share_the_cores_for_opencv():
    from cccd_biometrics.batch.run import _opencv_threads_per_worker

    cores = len(os.sched_getaffinity(0))
    assert _opencv_threads_per_worker(1) == cores
    assert _opencv_threads_per_worker(cores) == 1
    assert _opencv_threads_per_worker(cores + 3) == 1
    before = cv2.getNumThreads()
    rows = [r for rows in iter_batch_rows(["a", "b", "c"], workers=cores, check=opencv_threads_check) for r in rows]
    assert {r["opencv_threads"] for r in rows} == {1}
    assert cv2.getNumThreads() == before  # the coordinating process keeps its own setting
