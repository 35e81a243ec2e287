"""``cccd-bio check`` as an archive tool: inputs, formats, resume, reports, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from cccd_biometrics.batch.results import iter_result_rows
from cccd_biometrics.cli import main
from tests.helpers.captures import make_captures


@pytest.fixture()
def captures(tmp_path):
    """4 synthetic fingerprints (they pass) and 2 colour images without a face (flagged FACE_NOT_FOUND)."""
    return make_captures(tmp_path / "in", 4, 2)


def test_from_list_and_stdin(tmp_path, captures, monkeypatch, capsys):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{captures[0]}\n\n{captures[1]}\r\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{captures[2]}\n{captures[0]}\n"))
    rc = main(["check", "-", "--from-list", str(listing), "--format", "jsonl", "--executor", "inline"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 0
    assert sorted(r["path"] for r in rows) == sorted(str(p) for p in captures[:3])  # captures[0] once


def test_stdin_list_through_the_console_script(captures):
    proc = subprocess.run([sys.executable, "-m", "cccd_biometrics", "check", "--from-list", "-", "--format", "csv"],
                          input="".join(f"{p}\n" for p in captures), capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # the two portraits are flagged
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("path,kind,status") and len(lines) == 1 + len(captures)
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_output_formats_from_suffix_and_resume(tmp_path, captures, fmt, capsys):
    out = tmp_path / f"results.{fmt}"
    assert main(["check", str(captures[0].parent), "-o", str(out), "--workers", "2"]) == 1
    assert main(["check", str(captures[0].parent), "-o", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["check", str(captures[0].parent), "-o", str(out), "--resume"]) == 1
    assert "4 passed, 2 flagged, 0 errors" in capsys.readouterr().err
    rows = list(iter_result_rows(out))
    assert len(rows) == 6 and {r["kind"] for r in rows} == {"fingerprint", "portrait"}


def test_report_from_a_resumed_run_covers_all_rows(tmp_path, captures):
    out, html = tmp_path / "r.jsonl", tmp_path / "r.html"
    assert main(["check", str(captures[0]), str(tmp_path / "in" / "missing.png"), "-o", str(out),
                 "--executor", "inline"]) == 1
    rc = main(["check", *map(str, captures), "-o", str(out), "--resume", "--report", str(html),
               "--executor", "inline"])
    assert rc == 1  # the missing file of the first run still counts
    page = html.read_text()
    assert "cccd-bio check: 7 captures" in page and "InputNotFoundError" in page


@pytest.mark.parametrize("argv, message", [
    (["--resume"], "--resume needs --output"),
    (["--format", "parquet"], "--format parquet needs --output"),
    (["-o", "r.txt"], "cannot tell the format"),
    (["-o", "r.jsonl", "--format", "table"], "for the terminal"),
    (["--thumbnails"], "--thumbnails goes with --report"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--scheduler", "localhost:8786"], "Dask scheduler address"),
])
def test_usage_errors_exit_2(tmp_path, captures, argv, message, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(captures[0]), *argv]) == 2
    assert message in capsys.readouterr().err


def test_no_inputs_is_exit_2(tmp_path, capsys):
    assert main(["check"]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty"), "--format", "jsonl"]) == 2
    assert "no image files found" in capsys.readouterr().err


def test_streamed_table_on_stdout(captures, capsys):
    assert main(["check", *map(str, captures), "--format", "table", "--executor", "inline"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("file") and "6 checked: 4 passed, 2 flagged, 0 errors" in out
    assert "FACE_NOT_FOUND" in out


def test_unreachable_scheduler_is_exit_2(tmp_path, captures, capsys, monkeypatch):
    pytest.importorskip("dask.distributed")
    from cccd_biometrics.batch import run as batch

    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT", "1s")
    out = tmp_path / "r.jsonl"
    rc = main(["check", str(captures[0]), "-o", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    assert rc == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert main(["check", str(captures[0]), "-o", str(out), "--executor", "inline"]) == 0  # nothing half-made


def test_resume_reports_a_torn_tail_and_damaged_lines(tmp_path, captures, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["check", str(captures[0]), str(captures[1]), "-o", str(out), "--executor", "inline"]) == 0
    lines = out.read_text().splitlines()
    out.write_text(lines[0] + "\n" + "{garbage\n" + lines[1][:40])  # damage, then a torn last line
    capsys.readouterr()
    assert main(["check", *map(str, captures), "-o", str(out), "--resume", "--executor", "inline"]) == 1
    err = capsys.readouterr().err
    assert "1 damaged line(s)" in err and "the last line of the earlier run was incomplete" in err
    rows = list(iter_result_rows(out))
    assert sorted(r["path"] for r in rows) == sorted(map(str, captures))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_with_rate_and_eta_on_a_terminal(tmp_path, captures, monkeypatch):
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    rc = main(["check", str(captures[0].parent), "-o", str(tmp_path / "r.jsonl"), "--executor", "inline",
               "--chunk-size", "1"])
    assert rc == 1
    assert "file/s" in err.getvalue()  # a rate


def test_progress_total_counted_in_the_background_gives_an_eta(captures, monkeypatch):
    import argparse

    from cccd_biometrics.cli.check import _Progress

    monkeypatch.setattr(sys, "stderr", _Terminal())
    progress = _Progress(argparse.Namespace(paths=[str(captures[0].parent)], from_list=[], recursive=False))
    progress.update(1)  # the first rows start the bar and the count
    if progress._count is not None:  # the count may already have finished and been taken in by update()
        progress._count.result(timeout=30)
    progress.update(1)
    assert progress.bar.total == 6 and progress.bar.n == 2
    progress.close()
    assert "2/6" in sys.stderr.getvalue() and "<" in sys.stderr.getvalue()  # n/total [elapsed<remaining]
