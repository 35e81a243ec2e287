"""Kind detection of ``check_path`` with ``kind="auto"``: colour means portrait, grey means fingerprint, except
a grey image without ridges in which the face detector finds a face (a black-and-white portrait)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cccd_biometrics.batch.check import NO_FINGER_CODE, check_path, guess_kind

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_grey_portrait_is_checked_as_a_portrait(tmp_path):
    colour = cv2.imread(str(SAMPLES / "portraits" / "frl_london_002_neutral.jpg"))
    grey = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    single = tmp_path / "bw.png"
    triple = tmp_path / "bw_rgb.png"  # grey stored as three equal channels
    cv2.imwrite(str(single), grey)
    cv2.imwrite(str(triple), cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
    assert guess_kind(grey) == "fingerprint"  # the chroma rule alone cannot tell
    for path in (single, triple):
        row = check_path(path)
        assert row.kind == "portrait" and row.error is None
        assert "FACE_UNNATURAL_COLOUR" in row.codes  # ICAO portraits are colour
    assert check_path(single, kind="fingerprint").kind == "fingerprint"  # an explicit kind is obeyed


def test_grey_image_without_ridges_or_face_stays_a_fingerprint(tmp_path):
    path = tmp_path / "flat.png"
    rng = np.random.default_rng(0)
    cv2.imwrite(str(path), (128 + rng.normal(0, 3, (400, 400))).clip(0, 255).astype(np.uint8))
    row = check_path(path)
    assert row.kind == "fingerprint" and NO_FINGER_CODE in row.codes


def test_real_fingerprint_is_a_fingerprint():
    row = check_path(SAMPLES / "fingerprints" / "nist_sd4_f0001_01.png")
    assert row.kind == "fingerprint" and NO_FINGER_CODE not in row.codes
