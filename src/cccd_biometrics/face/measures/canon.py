"""The canonical face crop every face-region measure is taken on.

A roll-corrected crop whose inter-eye distance is :data:`CANON_IED` pixels (the resolution an ICAO portrait
needs), so that the measures do not depend on the capture's size; with the landmarks mapped into it and the
masks the measures share (inside the capture, face hull, skin without eyes, brows and lips).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import FaceGeometry, Landmark

__all__ = ["CANON_EYE_Y", "CANON_H", "CANON_IED", "CANON_W", "Canon", "canonical_face", "poly_mask",
           "skin_band_distance", "to_lab"]

CANON_IED = 96.0
CANON_W, CANON_H = 288, 400  # 3 x 4.2 inter-eye distances: face, crown band, chin
CANON_EYE_Y = 192.0


@dataclass(frozen=True, eq=False)
class Canon:
    """The canonical crop (:func:`canonical_face`) and what the measures share about it."""

    rgb: np.ndarray  # uint8
    lab: np.ndarray  # float32, L in [0, 100]
    pts: np.ndarray  # (468, 2) landmarks in crop coordinates
    eyes: np.ndarray  # (2, 2)
    iris_r: np.ndarray
    valid: np.ndarray  # bool, pixel came from inside the image
    face: np.ndarray  # bool, face hull
    skin: np.ndarray  # bool, face hull minus eyes, brows and lips
    skin_ref: np.ndarray  # Lab of the reference skin patches


def _canon_transform(geo: FaceGeometry) -> np.ndarray:
    src = geo.eye_centres.astype(np.float64)
    dst = np.array([[CANON_W / 2 - CANON_IED / 2, CANON_EYE_Y], [CANON_W / 2 + CANON_IED / 2, CANON_EYE_Y]])
    s, d = src[1] - src[0], dst[1] - dst[0]
    k = np.hypot(*d) / max(np.hypot(*s), 1e-6)
    a = np.arctan2(d[1], d[0]) - np.arctan2(s[1], s[0])
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * k
    t = dst[0] - r @ src[0]
    return np.hstack([r, t[:, None]])


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELab as float32 (L* 0-100, a*, b* signed) via OpenCV's fast 8-bit conversion."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).astype(np.float32)
    lab[:, :, 0] *= 100.0 / 255.0
    lab[:, :, 1:] -= 128.0
    return lab


def poly_mask(shape: tuple[int, int], pts: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(pts[list(idx)]).astype(np.int32)], 1)
    return m


def canonical_face(rgb: np.ndarray, geo: FaceGeometry) -> Canon:
    m = _canon_transform(geo)
    # cut the source down to the window's footprint first, so big captures cost no more than small ones
    inv = cv2.invertAffineTransform(m)
    win = np.array([[0, 0], [CANON_W, 0], [CANON_W, CANON_H], [0, CANON_H]], np.float64) @ inv[:, :2].T + inv[:, 2]
    h, w = rgb.shape[:2]
    x0, y0 = (max(0, int(np.floor(v)) - 2) for v in win.min(axis=0))
    x1, y1 = min(w, int(np.ceil(win[:, 0].max())) + 2), min(h, int(np.ceil(win[:, 1].max())) + 2)
    if x1 - x0 < 8 or y1 - y0 < 8:
        x0, y0, x1, y1 = 0, 0, w, h
    src = rgb[y0:y1, x0:x1]
    m = m.copy()
    m[:, 2] += m[:, :2] @ np.array([x0, y0], np.float64)
    # pre-shrink by octaves so the warp does not alias when the capture is much larger than the crop
    while np.hypot(m[0, 0], m[0, 1]) < 0.5 and min(src.shape[:2]) > 64:
        src = cv2.pyrDown(src)
        m[:, :2] *= 2.0
    size = (CANON_W, CANON_H)
    crop = cv2.warpAffine(src, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # pixels that came from inside the capture: the image rectangle mapped into the crop
    sh, sw = src.shape[:2]
    corners = np.array([[0, 0], [sw - 1, 0], [sw - 1, sh - 1], [0, sh - 1]], np.float64) @ m[:, :2].T + m[:, 2]
    valid_u8 = np.zeros((CANON_H, CANON_W), np.uint8)
    cv2.fillConvexPoly(valid_u8, np.round(corners).astype(np.int32), 1)
    valid = valid_u8 > 0
    full = _canon_transform(geo)
    pts = geo.landmarks[:, :2] @ full[:, :2].T + full[:, 2]
    eyes = geo.eye_centres @ full[:, :2].T + full[:, 2]
    lab = to_lab(crop)
    shape = (CANON_H, CANON_W)
    face = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(np.round(pts).astype(np.int32)), 1)
    parts = np.zeros(shape, np.uint8)
    for idx in (Landmark.RIGHT_EYE, Landmark.LEFT_EYE, Landmark.RIGHT_BROW, Landmark.LEFT_BROW, Landmark.LIPS):
        parts |= poly_mask(shape, pts, idx)
    features = cv2.dilate(parts, np.ones((7, 7), np.uint8))
    face_b = (face > 0) & valid
    return Canon(crop, lab, pts, eyes, geo.iris_radii * np.hypot(full[0, 0], full[0, 1]), valid, face_b,
                  face_b & (features == 0), _skin_reference(lab, pts))


def _skin_reference(lab: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Median Lab of three skin patches (forehead, both upper cheeks): robust to one being covered."""
    centres = [
        (p[Landmark.BETWEEN_BROWS] + p[Landmark.FOREHEAD]) / 2,
        p[Landmark.RIGHT_CHEEK],
        p[Landmark.LEFT_CHEEK],
    ]
    r = int(CANON_IED * 0.12)
    means = []
    for x, y in np.round(centres).astype(int):
        patch = lab[max(0, y - r) : y + r, max(0, x - r) : x + r].reshape(-1, 3)
        if patch.size:
            means.append(patch.mean(axis=0))
    return np.median(np.array(means), axis=0) if means else np.array([60.0, 12.0, 15.0])


def skin_band_distance(lab: np.ndarray) -> float:
    """Distance (in a*b*) of the median colour of ``lab`` (N, 3) from the natural-skin band (see
    :func:`~.colour.natural_colour`)."""
    a, b = float(np.median(lab[:, 1])), float(np.median(lab[:, 2]))
    da = max(4.0 - a, 0.0, a - 25.0)
    db = max(6.0 - b, 0.0, b - 30.0)
    hue = float(np.degrees(np.arctan2(b, a)))
    dh = max(25.0 - hue, 0.0, hue - 75.0) * np.hypot(a, b) * np.pi / 180.0
    return float(np.hypot(np.hypot(da, db), dh))
