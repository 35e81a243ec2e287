"""``cccd-bio enrol check`` on the sample citizens, the HTML ten-print card, and that page in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cccd_biometrics.cli import main
from tests.helpers.enrolment import ROOT

CITIZENS = ROOT / "sample_data" / "enrolment"


def test_sample_citizens_jsonl(capsys):
    rc = main(["enrol", "check", str(CITIZENS / "citizen_clean"), str(CITIZENS / "citizen_errors"),
               "--format", "jsonl"])
    rows = {Path(r["record"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rc == 1
    assert rows["citizen_clean"]["verdict"] == "accept"
    errors = rows["citizen_errors"]
    truth = json.loads((CITIZENS / "citizen_errors" / "truth.json").read_text())
    planted = {(p["error"], tuple(p["positions"])) for p in truth["planted"]}
    assert planted == {("duplicate", (2, 7)), ("swap", (3, 4))}
    found = {(f["code"], tuple(f["positions"])) for f in errors["findings"]}
    assert ("RECORD_DUPLICATE_FINGER", (2, 7)) in found
    assert ("RECORD_FINGERS_SWAPPED", (3, 4)) in found
    assert errors["verdict"] == "recapture"
    assert [r["position"] for r in errors["recapture"]] == [3, 4, 7]


def test_table_recursive_and_exit_codes(tmp_path, capsys):
    assert main(["enrol", "check", str(CITIZENS), "-r", "--format", "table"]) == 1
    out = capsys.readouterr().out
    assert "citizen_clean" in out and "accept" in out and "RECORD_DUPLICATE_FINGER" in out
    assert "2 records: 1 accept, 1 recapture" in out
    assert main(["enrol", "check", str(CITIZENS / "citizen_clean"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "accept"
    assert main(["enrol", "check", str(tmp_path / "nowhere"), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)[0]["error_type"] == "InputNotFoundError"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{oops")
    assert main(["enrol", "check", str(bad), str(CITIZENS / "citizen_clean"), "--format", "jsonl"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["status"] == "error" and rows[0]["error_type"] == "EnrolmentRecordError"
    with pytest.raises(SystemExit) as exc:
        main(["enrol", "check"])
    assert exc.value.code == 2
    assert main(["enrol"]) == 2


def test_recursive_takes_record_folders_and_files_only(tmp_path, capsys):
    """``-r`` walks as ``cccd-bio check`` does: record folders and record files are records; a folder whose
    manifest.json is something else, and loose images, are not."""
    shutil.copytree(CITIZENS / "citizen_clean", tmp_path / "day1" / "citizen_clean")
    shutil.copy(ROOT / "sample_data" / "records" / "example_tenprint.an2", tmp_path / "day1" / "t.an2")
    other = tmp_path / "day1" / "tool_output"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"version": 3, "files": ["a.png"]}))
    shutil.copy(CITIZENS / "citizen_clean" / "portrait.jpg", other / "a.jpg")
    main(["enrol", "check", str(tmp_path), "-r", "--format", "jsonl"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(r["record"]).relative_to(tmp_path).as_posix() for r in rows] == ["day1/t.an2",
                                                                                  "day1/citizen_clean"]
    assert all(r.get("status") != "error" for r in rows)
    assert main(["enrol", "check", str(other), "-r", "--format", "jsonl"]) == 1  # no record below: an error row
    assert json.loads(capsys.readouterr().out)["status"] == "error"


def test_console_script(tmp_path):
    exe = shutil.which("cccd-bio") or str(Path(sys.executable).with_name("cccd-bio"))
    proc = subprocess.run([exe, "enrol", "check", str(CITIZENS / "citizen_clean"), "--format", "jsonl"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "accept"


def _html(tmp_path: Path) -> Path:
    out = tmp_path / "enrol.html"
    main(["enrol", "check", str(CITIZENS), "-r", "--format", "jsonl", "--report", str(out)])
    return out


def test_html_card(tmp_path, capsys):
    page = _html(tmp_path).read_text()
    capsys.readouterr()
    assert page.startswith("<!doctype html>") and "<script" not in page and "data:image" not in page
    # the errors citizen: its duplicate and swap codes sit on the failing positions of the card
    errors_card = page[page.index("citizen_errors"):]
    errors_card = errors_card[:errors_card.index("</section>")]
    for pos, code in ((7, "RECORD_DUPLICATE_FINGER"), (3, "RECORD_FINGERS_SWAPPED"), (4, "RECORD_FINGERS_SWAPPED")):
        box = errors_card[errors_card.index(f"data-position='{pos}'"):]
        box = box[:box.index("</div></div>") + 12]
        assert "bad" in errors_card[errors_card.rfind("<div class='box", 0, errors_card.index(
            f"data-position='{pos}'")):errors_card.index(f"data-position='{pos}'")]
        assert code in box
    assert errors_card.count("data-position=") == 13  # 10 fingers + 3 slaps


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed")
def test_html_card_in_headless_chromium(tmp_path, capsys):
    page = _html(tmp_path)
    capsys.readouterr()
    shot = tmp_path / "card.png"
    with tempfile.TemporaryDirectory() as profile:
        base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
        proc = subprocess.run([*base, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
                               "--window-size=1200,1600", page.as_uri()], capture_output=True, text=True,
                              timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
        assert "Uncaught" not in proc.stderr and ":CONSOLE" not in proc.stderr, proc.stderr[-2000:]
        dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    # what the browser built holds the card of the planted duplicate
    assert "citizen_errors" in dom.stdout and "RECORD_DUPLICATE_FINGER" in dom.stdout
    assert dom.stdout.count("data-position=") == 26


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed")
def test_batch_report_in_headless_chromium(tmp_path, capsys):
    # the existing `cccd-bio check --report` page, rendered by a real browser as well
    report = tmp_path / "batch.html"
    inputs = [str(ROOT / "sample_data" / "fingerprints" / "nist_sd4_f0001_01.png"),
              str(ROOT / "sample_data" / "portraits" / "frl_london_002_neutral.jpg")]
    assert main(["check", *inputs, "--format", "jsonl", "--report", str(report)]) in (0, 1)
    capsys.readouterr()
    shot = tmp_path / "batch.png"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr",
                               f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                              capture_output=True, text=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    assert "Uncaught" not in proc.stderr and ":CONSOLE" not in proc.stderr, proc.stderr[-2000:]


def test_batch_rows_per_record_and_image_resumable(tmp_path, capsys):
    out = tmp_path / "rows.jsonl"
    args = ["enrol", "check", str(CITIZENS), "-r", "--output", str(out), "--workers", "2", "--format", "jsonl"]
    assert main(args) == 1
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["verdict"] for r in printed) == ["accept", "recapture"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = [r["kind"] for r in rows]
    assert kinds.count("record") == 2 and kinds.count("fingerprint") == 20 and kinds.count("slap") == 6
    assert kinds.count("portrait") == 2
    record = next(r for r in rows if r["kind"] == "record" and "citizen_errors" in r["path"])
    assert record["status"] == "flagged" and "RECORD_DUPLICATE_FINGER" in record["codes"]
    assert record["details"]["verdict"] == "recapture"
    finger7 = next(r for r in rows if r["path"].endswith("citizen_errors/finger_07.png"))
    assert finger7["details"]["position"] == 7 and finger7["details"]["record"] == record["path"]
    # resumed: nothing is checked again, the report still holds both records
    html = tmp_path / "cards.html"
    assert main([*args, "--resume", "--report", str(html)]) == 1
    assert capsys.readouterr().out == ""
    assert len(out.read_text().splitlines()) == len(rows)
    assert html.read_text().count("data-verdict=") == 2
    parquet = tmp_path / "rows.parquet"
    assert main(["enrol", "check", str(CITIZENS / "citizen_clean"), "--output", str(parquet), "--workers", "1",
                 "--format", "jsonl"]) == 0
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    assert table.num_rows == 15 and set(table.column("kind").to_pylist()) == {"record", "fingerprint", "slap",
                                                                              "portrait"}
