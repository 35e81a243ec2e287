"""Fault tests of batch runs: kill -9 and resume, bad files, vanishing files, unlistable folders, full disks.

Each fault must end with exactly one row per input, a clear message, and never a lost or torn row.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cccd_biometrics.batch import inputs as inputs_module
from cccd_biometrics.batch import results as results_module
from cccd_biometrics.batch.results import iter_result_rows
from cccd_biometrics.batch.run import run_batch
from cccd_biometrics.cli import main
from tests.helpers.captures import make_captures


def _cli(*args: str) -> subprocess.Popen:
    # a session of its own, so that kill -9 reaches the worker processes too (as a batch system's kill does)
    return subprocess.Popen([sys.executable, "-m", "cccd_biometrics", "check", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _assert_complete_text_file(out: Path, fmt: str) -> list[str]:
    data = out.read_bytes()
    assert data.endswith(b"\n"), "the file ends with a torn line"
    lines = data.decode().splitlines()
    if fmt == "jsonl":
        return [json.loads(line)["path"] for line in lines]  # every line is a complete row
    assert lines[0].startswith("path,kind,status")
    return [r["path"] for r in iter_result_rows(out)]


def _size(out: Path) -> int:
    if out.is_dir():
        return sum(p.stat().st_size for p in out.glob("part-*.parquet"))
    return out.stat().st_size if out.exists() else 0


def _wait_for_growth(proc: subprocess.Popen, out: Path, size: int, timeout: float = 60.0) -> None:
    """Until the run has written something new (or ended): the kill then lands in the middle of the work."""
    end = time.monotonic() + timeout
    while proc.poll() is None and _size(out) <= size and time.monotonic() < end:
        time.sleep(0.01)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_kill_9_at_random_moments_then_resume(tmp_path, fmt):
    files = make_captures(tmp_path / "in", 160)
    listing = tmp_path / "inputs.txt"
    listing.write_text("".join(f"{p}\n" for p in files))
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    out, fresh, kills, latest = tmp_path / f"results-0.{fmt}", 0, 0, 0.3
    for _attempt in range(12):
        if kills >= 2:
            break
        args = ["--from-list", str(listing), "-o", str(out), "--workers", "2",
                "--batch-rows", str(rng.choice([1, 3, 16])), "--flush-seconds", "0.1"]
        before = _size(out)
        proc = _cli(*args, *(["--resume"] if before else []))
        _wait_for_growth(proc, out, before)
        time.sleep(rng.uniform(0.0, latest))  # a random moment: between writes, during one, during a check
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        elif kills:
            break  # a resume after a kill finished the file: what the final run checks
        else:
            # a fast machine finished before the moment came: start over in a new file, with earlier moments,
            # so that the kills this test is about do happen
            fresh += 1
            out, latest = tmp_path / f"results-{fresh}.{fmt}", latest / 2
        proc.wait()
        proc.stderr.close()
    assert kills >= 1, f"seed {seed}: no run was killed in 12 attempts: the test did not test anything"
    final = _cli("--from-list", str(listing), "-o", str(out), "--workers", "2", "--resume")
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, (seed, err.decode())
    paths = [r["path"] for r in iter_result_rows(out)] if fmt == "parquet" else _assert_complete_text_file(out, fmt)
    assert sorted(paths) == sorted(str(p) for p in files), f"seed {seed}, {kills} kills"


def test_corrupt_files_among_good_ones_are_rows(tmp_path, capsys):
    good = make_captures(tmp_path, 6)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good[0].read_bytes()[:300])
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "empty.tif").write_bytes(b"")
    out = tmp_path / "r.jsonl"
    rc = main(["check", str(tmp_path), "-o", str(out), "--workers", "2"])
    rows = {Path(r["path"]).name: r for r in iter_result_rows(out)}
    assert rc == 1
    assert len(rows) == 9
    assert rows["text.png"]["error_type"] == "UnsupportedFormatError"
    assert rows["empty.tif"]["error_type"] == "InvalidImageError" and "empty" in rows["empty.tif"]["error"]
    assert rows["truncated.png"]["status"] == "error" and "truncated" in rows["truncated.png"]["error"]
    assert all(rows[p.name]["status"] == "ok" for p in good)


def test_file_deleted_mid_run_is_an_error_row(tmp_path):
    files = make_captures(tmp_path, 8)
    victim = files[5]

    def listing():
        for p in files:
            yield str(p)
            if p == files[6]:
                victim.unlink()  # listed, then gone before its chunk is checked

    out = tmp_path / "r.jsonl"
    result = run_batch(listing(), output=out, executor="inline", chunk_size=4)
    rows = {r["path"]: r for r in iter_result_rows(out)}
    assert len(rows) == 8 and result.stats.error == 1
    assert rows[str(victim)]["error_type"] == "InputNotFoundError"
    assert "no such file" in rows[str(victim)]["error"]


def test_unlistable_folder_is_an_error_row_and_the_walk_goes_on(tmp_path, monkeypatch):
    make_captures(tmp_path / "a", 2)
    make_captures(tmp_path / "locked", 2)
    make_captures(tmp_path / "z", 2)
    real_scandir = os.scandir

    def scandir(path):  # permissions do not stop root, so the refusal is simulated
        if isinstance(path, str) and Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(inputs_module.os, "scandir", scandir)
    out = tmp_path / "r.jsonl"
    result = run_batch([str(tmp_path)], recursive=True, output=out, executor="inline")
    rows = {r["path"]: r for r in iter_result_rows(out)}
    assert len(rows) == 5 and result.stats.ok == 4
    locked = rows[str(tmp_path / "locked")]
    assert locked["status"] == "error" and "cannot be listed (Permission denied)" in locked["error"]
    # resuming does not repeat the folder's row
    again = run_batch([str(tmp_path)], recursive=True, output=out, executor="inline", resume=True)
    assert again.stats.checked == 0 and len(list(iter_result_rows(out))) == 5


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_unreadable_folder_for_real(tmp_path):
    make_captures(tmp_path / "locked", 1)
    (tmp_path / "locked").chmod(0)
    try:
        out = tmp_path / "r.jsonl"
        run_batch([str(tmp_path)], recursive=True, output=out, executor="inline")
        (row,) = iter_result_rows(out)
        assert "cannot be listed" in row["error"]
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_full_disk_stops_cleanly_and_resume_completes(tmp_path, monkeypatch, capsys):
    files = make_captures(tmp_path / "in", 12)
    out = tmp_path / "r.jsonl"
    real_write = os.write
    calls = []

    def failing_write(fd, data):
        calls.append(len(data))
        if len(calls) == 3:
            return real_write(fd, bytes(data[: len(data) // 2]))  # a partial write...
        if len(calls) >= 4:
            raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full
        return real_write(fd, data)

    monkeypatch.setattr(results_module.os, "write", failing_write)
    rc = main(["check", str(tmp_path / "in"), "-o", str(out), "--executor", "inline",
               "--batch-rows", "2", "--chunk-size", "1"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "No space left on device" in err and "--resume" in err and str(out) in err
    written = _assert_complete_text_file(out, "jsonl")  # the half-written batch was cut back
    assert len(written) == 4  # the two batches before the failure are intact

    monkeypatch.setattr(results_module.os, "write", real_write)
    rc = main(["check", str(tmp_path / "in"), "-o", str(out), "--resume", "--executor", "inline"])
    assert rc == 0
    assert sorted(_assert_complete_text_file(out, "jsonl")) == sorted(str(p) for p in files)


def test_full_disk_with_parquet_keeps_finished_parts(tmp_path, monkeypatch, capsys):
    import pyarrow.parquet as pq

    files = make_captures(tmp_path / "in", 6)
    out = tmp_path / "r.parquet"
    real = pq.write_table
    parts = []

    def failing(table, where, **kw):
        parts.append(where)
        if len(parts) > 1:
            Path(where).write_bytes(b"PAR1")  # a few bytes landed before the disk filled
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", failing)
    rc = main(["check", str(tmp_path / "in"), "-o", str(out), "--executor", "inline",
               "--batch-rows", "4", "--chunk-size", "1"])
    assert rc == 2 and "No space left on device" in capsys.readouterr().err
    assert len(list(iter_result_rows(out))) == 4 and not list(out.glob(".*tmp"))
    monkeypatch.setattr(pq, "write_table", real)
    assert main(["check", str(tmp_path / "in"), "-o", str(out), "--executor", "inline", "--resume"]) == 0
    assert sorted(r["path"] for r in iter_result_rows(out)) == sorted(str(p) for p in files)


def test_output_that_cannot_be_opened_is_exit_2(tmp_path, capsys):
    make_captures(tmp_path, 1)
    rc = main(["check", str(tmp_path), "-o", str(tmp_path / "no" / "such" / "dir" / "r.jsonl")])
    assert rc == 2
    assert "cannot open for writing" in capsys.readouterr().err
