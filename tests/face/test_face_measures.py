"""The pieces of the head-covering and background measures that issue 15 (round 3) added, on their own."""

from __future__ import annotations

import numpy as np

from cccd_biometrics.face.measures.background import _hair_cells, _segment_distance
from cccd_biometrics.face.measures.head import _HAIR_MIN_AB, _crown_pattern, _hair_like


def test_hair_colour_class_keeps_melanin_colours_and_refuses_green_and_blue():
    hair = np.array([[12.0, 1.0, 1.0],  # black
                     [35.0, 6.0, 9.0],  # brown
                     [65.0, 6.0, 25.0],  # blond
                     [60.0, -1.0, -2.0]])  # grey, a little cool
    not_hair = np.array([[13.0, -5.0, -9.0],  # navy
                         [35.0, -13.0, -8.0],  # dark green
                         [55.0, 2.0, -12.0]])  # blue-grey
    assert _hair_like(hair, _HAIR_MIN_AB).all()
    assert not _hair_like(not_hair, _HAIR_MIN_AB).any()
    # under a colour cast (the skin off its natural colour) the hue says nothing and is not used
    assert _hair_like(not_hair).all()


def test_segment_distance_is_zero_on_a_blend_and_grows_off_it():
    a, b = np.array([80.0, 0.0, 0.0]), np.array([20.0, 5.0, 8.0])
    blend = 0.3 * a + 0.7 * b
    off = blend + np.array([0.0, 16.0, -10.0])  # at right angles to the segment
    beyond = a + np.array([10.0, 0.0, 0.0])  # lighter than the background: past the segment's end
    d = _segment_distance(np.array([blend, off, beyond]), a, b)
    np.testing.assert_allclose(d, [0.0, np.hypot(16, 10), 10.0], atol=1e-9)


def test_hair_cells_are_the_candidates_connected_to_the_head():
    # a 4x4 grid of 16-px cells; the head touches cell (0, 0) only
    gy, gx = np.mgrid[0:4, 0:4]
    xy = (np.stack([gx.ravel(), gy.ravel()], axis=1) + 0.5) * 16
    radius = np.full(16, 2.0)
    radius[0] = 1.0
    candidate = np.zeros(16, bool)
    candidate[[0, 1, 2]] = True  # a chain from the head along the top row
    candidate[15] = True  # an object in the far corner, hair-coloured but apart from the head
    hair = _hair_cells(candidate, xy, radius)
    assert hair.tolist() == [True, True, True] + [False] * 12 + [False]


def _band(pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    L = pattern.astype(np.float32)
    lab = np.dstack([L, np.zeros_like(L), np.zeros_like(L)])
    return L, np.ones(L.shape, bool), lab


def test_crown_pattern_is_high_for_stripes_and_low_for_crossing_strands():
    yy, xx = np.mgrid[0:100, 0:110]
    stripes = np.where((xx + yy) // 11 % 2 == 0, 20.0, 60.0)
    rng = np.random.default_rng(3)
    strands = np.full((100, 110), 40.0, np.float32)
    import cv2

    for _ in range(300):  # short curved strands in every direction
        x, y, a = rng.uniform(0, 110), rng.uniform(0, 100), rng.uniform(0, np.pi)
        pts = [(x + 12 * t * np.cos(a + 0.6 * t), y + 12 * t * np.sin(a + 0.6 * t)) for t in np.linspace(-1, 1, 6)]
        cv2.polylines(strands, [np.round(pts).astype(np.int32)], False, float(rng.choice([15.0, 65.0])), 1)
    bg = np.array([90.0, 0.0, 0.0])
    assert _crown_pattern(*_band(stripes), bg) > 0.9
    assert _crown_pattern(*_band(strands), bg) < 0.6
    # a flat (plain) crown holds no pattern
    assert _crown_pattern(*_band(np.full((100, 110), 30.0)), bg) == 0.0


def test_each_measure_group_is_a_unit_and_together_they_are_compute_measures():
    from pathlib import Path

    from PIL import Image

    from cccd_biometrics.face.detect import detect_faces, face_landmarks
    from cccd_biometrics.face.geometry import face_geometry
    from cccd_biometrics.face.measures import MEASURE_GROUPS, FaceInputs, compute_measures

    path = Path(__file__).resolve().parents[2] / "sample_data" / "portraits" / "frl_london_002_neutral.jpg"
    rgb = np.asarray(Image.open(path).convert("RGB"))
    face = detect_faces(rgb)[0]
    geo = face_geometry(face, face_landmarks(rgb, face))
    everything = compute_measures(rgb, geo)
    seen: list[str] = []
    for name, group in MEASURE_GROUPS.items():
        alone = group(FaceInputs(rgb, geo))  # a fresh input: no group relies on another having run
        assert alone, name
        assert all(everything[k] == m and m.name == k for k, m in alone.items()), name
        seen += alone
    assert seen == list(everything)  # every measure from exactly one group, in the registry's order
