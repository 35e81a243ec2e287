"""``cccd-bio finger quality`` and the fingerprint fields of ``cccd-bio check``."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np

from cccd_biometrics.cli import main


def test_finger_quality_json_and_overlay(sample_data, tmp_path, capsys) -> None:
    good = sample_data / "fingerprints" / "nist_sd14_f0000001_rolled.png"
    out = tmp_path / "overlay.png"
    rc = main(["finger", "quality", str(good), "--format", "json", "--overlay", str(out), "--measures"])
    rows = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert rows[0]["status"] == "ok" and rows[0]["flagged"] is False
    assert 0 <= rows[0]["score"] <= 100 and "ocl" in rows[0]["measures"]
    overlay = cv2.imread(str(out))
    assert overlay is not None and overlay.shape == (768 + 28, 832, 3)  # the print plus a header band


def test_finger_quality_flags_blank_and_writes_overlay_folder(sample_data, tmp_path, capsys) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300), 255, np.uint8))
    good = sample_data / "fingerprints" / "nist_sd4_f0001_01.png"
    folder = tmp_path / "overlays"
    rc = main(["finger", "quality", str(blank), str(good), "--format", "jsonl", "--overlay", str(folder)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 1
    assert rows[0]["flagged"] is True and rows[0]["codes"] == ["FINGER_NO_FINGER"]
    assert rows[0]["findings"][0]["action"]
    assert sorted(p.name for p in folder.iterdir()) == ["blank_quality.png", "nist_sd4_f0001_01_quality.png"]


def test_finger_quality_errors(tmp_path, capsys) -> None:
    assert main(["finger", "quality", str(tmp_path / "missing.png"), "--format", "json"]) == 2
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    capsys.readouterr()
    assert main(["finger", "quality", str(bad), "--format", "json"]) == 1
    row = json.loads(capsys.readouterr().out)[0]
    assert row["status"] == "error" and row["error_type"] == "UnsupportedFormatError"


def test_check_reports_fingerprint_score_flag_and_codes(sample_data, tmp_path, capsys) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200), 250, np.uint8))
    rc = main(["check", str(sample_data / "fingerprints" / "nist_sd4_f0001_01.png"), str(blank), "--kind",
               "fingerprint", "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert rows[0]["score"] > 40 and rows[0]["flagged"] is False and rows[0]["status"] == "ok"
    assert rows[1]["flagged"] is True and rows[1]["status"] == "flagged" and "FINGER_NO_FINGER" in rows[1]["codes"]


def test_console_script_table(sample_data) -> None:
    proc = subprocess.run([sys.executable, "-m", "cccd_biometrics", "finger", "quality", "--format", "table",
                           str(sample_data / "fingerprints" / "nist_sd4_f0001_01.wsq")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 checked: 1 passed" in proc.stdout
