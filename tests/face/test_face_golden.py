"""Golden outputs of the bundled face networks and portrait codes, held on every OpenCV of the CI matrix.

The stored values (``tests/data/face_golden.json``) were written by ``benchmarks/face_golden.py`` on the
newest OpenCV; CI runs this file on the lowest OpenCV ``pyproject.toml`` allows, on 5.0 and on the newest.
Measured drift from the stored 5.1 values: 5.0 (classic engine) <= 0.0013 px, 4.9 <= 0.063 px on FaceMesh
points and <= 0.016 px on iris centres; detector boxes and scores identical to 1e-4 px / 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.face.detect import detect_faces, dnn_engine, face_landmarks

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "data" / "face_golden.json").read_text())
PORTRAITS = Path(__file__).resolve().parents[2] / "sample_data" / "portraits"
LANDMARK_PX = 0.5  # the tolerance for landmarks and boxes, in pixels
SCORE_TOL = 1e-3


@pytest.mark.parametrize("name", sorted(GOLDEN["networks"]))
def test_network_outputs_match_the_golden_values(name):
    ref = GOLDEN["networks"][name]
    rgb = cb.load_portrait(PORTRAITS / name).pixels
    faces = detect_faces(rgb)
    assert len(faces) == ref["faces"]
    np.testing.assert_allclose(faces[0].box, ref["box"], atol=LANDMARK_PX)
    np.testing.assert_allclose(faces[0].keypoints, ref["keypoints"], atol=LANDMARK_PX)
    assert faces[0].score == pytest.approx(ref["score"], abs=SCORE_TOL)
    mesh = face_landmarks(rgb, faces[0])
    np.testing.assert_allclose(mesh.points[:, :2], ref["mesh"], atol=LANDMARK_PX)
    np.testing.assert_allclose(mesh.iris_centres, ref["iris_centres"], atol=LANDMARK_PX)
    np.testing.assert_allclose(mesh.iris_radii, ref["iris_radii"], atol=LANDMARK_PX)
    assert mesh.presence == pytest.approx(ref["presence"], abs=SCORE_TOL)


def test_every_sample_portrait_is_in_the_golden_file():
    assert sorted(GOLDEN["codes"]) == sorted(p.name for p in PORTRAITS.glob("*.jpg"))


@pytest.mark.parametrize("name", sorted(GOLDEN["codes"]))
def test_portrait_codes_match_the_golden_codes(name):
    portrait = cb.load_portrait(PORTRAITS / name)
    for profile in ("icao", "cccd"):
        assert list(cb.check_portrait(portrait, profile=profile).codes) == GOLDEN["codes"][name][profile], profile


def test_the_engine_in_use_is_named():
    engine = dnn_engine()
    assert engine.opencv == __import__("cv2").__version__
    assert engine.engine in ("ENGINE_CLASSIC", "ENGINE_OPENCV", "ENGINE_AUTO", "default")
