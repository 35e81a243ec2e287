"""The eyes: open, visible (nothing laid over them), and eyeglass frames across the nose bridge."""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Landmark
from .canon import CANON_EYE_Y, CANON_IED, CANON_W, Canon, poly_mask
from .measure import Measure, component

__all__ = ["eyeglasses", "eyes"]


def eyes(c: Canon) -> dict[str, Measure]:
    """Eyes open: lid gap over iris diameter; eyes visible: L* spread inside the eye opening.

    An open eye shows bright sclera next to a dark iris, lashes and lid line; anything laid over the
    eyes (a bar, dark glasses, hair, a hand) flattens that spread.
    """
    p = c.pts
    gaps = [np.hypot(*(p[Landmark.RIGHT_LID_UP] - p[Landmark.RIGHT_LID_DOWN])),
            np.hypot(*(p[Landmark.LEFT_LID_UP] - p[Landmark.LEFT_LID_DOWN]))]
    openness = float(min(g / max(2 * r, 1e-6) for g, r in zip(gaps, c.iris_r, strict=True)))
    visible = min(_eye_detail(c, Landmark.RIGHT_EYE, c.eyes[0]), _eye_detail(c, Landmark.LEFT_EYE, c.eyes[1]))
    return {
        "eyes_open": Measure("eyes_open", openness, component(openness, 0.15, 0.45), "ratio"),
        "eyes_visible": Measure("eyes_visible", visible, component(visible, 0.2, 0.6), "fraction"),
    }


def _eye_detail(c: Canon, idx: tuple[int, ...], eye: np.ndarray) -> float:
    """Share of the eye opening that differs from its median colour by more than 6 dE.

    Sclera, iris, pupil and lashes make an open eye a mixture of colours; an occluder is one colour.
    Using a share (not a spread) keeps a bar's edge that strays into the region from counting as detail.
    """
    m = poly_mask(c.lab.shape[:2], c.pts, idx)
    cv2.circle(m, tuple(round(v) for v in eye), int(CANON_IED * 0.08), 1, -1)
    vals = c.lab[(m > 0) & c.valid]
    if len(vals) < 10:
        return 0.0
    return float(np.mean(np.linalg.norm(vals - np.median(vals, axis=0), axis=1) > 6.0))


def eyeglasses(c: Canon) -> Measure:
    """Eyeglasses: horizontal colour-edge strength on the nose bridge between the eyes, relative to the face.

    A frame's bridge crosses the nose at eye height as a horizontal line; bare skin there is smooth.
    """
    # colour (Lab) gradients: a grey metal frame on skin of the same lightness still differs in chroma;
    # computed on the band from brows to cheeks only (bridge and reference skin both lie in it)
    cx, ey = CANON_W // 2, int(CANON_EYE_Y)
    y0, y1 = ey - int(0.6 * CANON_IED), ey + int(0.8 * CANON_IED)
    band = c.lab[y0:y1]
    gy = np.sqrt((cv2.Sobel(band, cv2.CV_32F, 0, 1, ksize=3) ** 2).sum(axis=2))
    gx = np.sqrt((cv2.Sobel(band, cv2.CV_32F, 1, 0, ksize=3) ** 2).sum(axis=2))
    w = int(0.12 * CANON_IED)
    bridge = gy[ey - y0 - int(0.35 * CANON_IED) : ey - y0 + int(0.1 * CANON_IED), cx - w : cx + w]
    # strongest row: a frame is a line, so take the best row's mean, not the area's
    row = float(bridge.mean(axis=1).max()) if bridge.size else 0.0
    skin = c.skin[y0:y1]
    ref = float((gx + gy)[skin].mean()) if skin.any() else 1.0
    score = row / max(ref, 1e-3)
    return Measure("eyeglasses", score, component(score, 6.0, 2.0), "ratio")
