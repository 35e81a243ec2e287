"""Token crop geometry and the portrait command line (face check / face crop / check)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.face.detect import detect_faces, face_landmarks
from tests.helpers.portraits import PORTRAITS

SAMPLE = PORTRAITS / "frl_london_030_neutral.jpg"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cccd_biometrics", *args], capture_output=True, text=True)


def test_token_crop_puts_the_eyes_on_the_iso_line():
    token = cb.crop_token_portrait(cb.load_portrait(SAMPLE))
    h, w = token.shape
    assert w >= 240 and abs(h - w / 0.75) <= 1
    eyes = face_landmarks(token.pixels, detect_faces(token.pixels)[0]).iris_centres
    target = np.array([[0.375 * w, 0.6 * w], [0.625 * w, 0.6 * w]])
    assert np.abs(eyes - target).max() < 0.02 * w, (eyes, target)


def test_token_crop_width_and_no_face():
    token = cb.crop_token_portrait(cb.load_portrait(SAMPLE), width=300)
    assert token.shape == (400, 300)
    with pytest.raises(cb.errors.NoFaceFoundError):
        cb.crop_token_portrait(np.full((400, 300, 3), 128, np.uint8))


def test_cli_face_check_with_overlay(tmp_path):
    out = tmp_path / "overlay.png"
    r = _cli("face", "check", str(SAMPLE), "--profile", "cccd", "--overlay", str(out), "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["compliant"] is True and d["profile"] == "cccd"
    img = cb.load_portrait(out)
    assert img.shape == cb.load_portrait(SAMPLE).shape


def test_cli_face_check_flags_a_smile(tmp_path):
    r = _cli("face", "check", str(PORTRAITS / "frl_london_030_smiling.jpg"), "--profile", "cccd", "--format", "text")
    assert r.returncode == 1
    assert "NOT COMPLIANT" in r.stdout


def test_cli_face_crop(tmp_path):
    out = tmp_path / "token.jpg"
    r = _cli("face", "crop", str(SAMPLE), "-o", str(out))
    assert r.returncode == 0, r.stderr
    h, w = cb.load_portrait(out).shape
    assert abs(h - w / 0.75) <= 1


def test_cli_face_check_unreadable(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_text("not a jpeg")
    unreadable = _cli("face", "check", str(bad))  # exists, cannot be decoded: the input's fault (as in `check`)
    assert unreadable.returncode == 1 and unreadable.stderr.startswith("cccd-bio face check: ")
    assert "Traceback" not in unreadable.stderr
    assert _cli("face", "check", str(tmp_path / "none.jpg")).returncode == 2  # nothing named exists


def test_check_command_reports_portraits(sample_data):
    r = _cli("check", "--format", "json", str(SAMPLE), str(PORTRAITS / "frl_london_030_smiling.jpg"),
             str(sample_data / "fingerprints" / "nist_sd4_f0001_01.png"))
    rows = {row["path"].rsplit("/", 1)[-1]: row for row in json.loads(r.stdout)}
    ok = rows["frl_london_030_neutral.jpg"]
    assert ok["kind"] == "portrait" and ok["status"] == "ok" and ok["flagged"] is False and ok["codes"] == []
    assert ok["score"] is not None
    smile = rows["frl_london_030_smiling.jpg"]
    assert smile["status"] == "flagged" and smile["codes"]
    assert rows["nist_sd4_f0001_01.png"]["kind"] == "fingerprint"
    assert r.returncode == 1
