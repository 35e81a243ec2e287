"""Landmark-aligned face coverings for testing FACE_MOUTH_OCCLUDED (issue 15, "Face coverings").

A covering is a polygon built from FaceMesh landmarks of the clean portrait: its top edge runs across the
nose (bridge point 6/197/195, chosen per style and parameter set), its sides follow the face oval and its
bottom the jaw, slightly outside it, as a worn mask does. Styles: surgical (blue, white, green; pleats and
ear loops), cloth (dark, patterned, skin-toned), N95 (white, centre seam, rounded), a scarf up to the nose
(wider than the face, below the chin) and a hand over the mouth (skin-toned, finger gaps). Colours,
textures and shading are random.

Two parameter sets, so that what sets a threshold is not what measures it:

* ``"tune"``: top edge at landmark 195 (lower nose bridge), colours from one palette, pleats/stripes at
  one spacing, soft shading;
* ``"eval"``: top edge at 197/6 (higher on the bridge), other colours (jittered harder), other pattern
  spacings and a different shading direction, plus a different renderer: ``face_defects.mask_over_mouth``
  (an eye-geometry polygon that ignores landmarks).

    render_covering(rgb, landmarks, rng, style="surgical", params="eval")
"""

from __future__ import annotations

import cv2
import numpy as np

# subject's right jaw -> chin -> left jaw (FaceMesh face oval, lower half)
JAW = (234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454)
NOSE_BRIDGE = {"tune": (195,), "eval": (197, 6)}
STYLES = ("surgical", "cloth_dark", "cloth_patterned", "cloth_skin", "n95", "scarf", "hand")

_PALETTE = {
    "tune": {
        "surgical": ([120, 170, 215], [235, 238, 240], [120, 185, 160]),
        "cloth_dark": ([35, 35, 40], [40, 45, 70], [70, 40, 40]),
        "n95": ([240, 240, 235],),
        "scarf": ([150, 30, 40], [40, 80, 140], [200, 180, 120]),
    },
    "eval": {
        "surgical": ([90, 150, 205], [250, 250, 250], [95, 165, 140]),
        "cloth_dark": ([15, 15, 20], [25, 30, 55], [55, 55, 60]),
        "n95": ([225, 228, 230],),
        "scarf": ([90, 20, 60], [20, 110, 90], [60, 60, 60], [230, 210, 160]),
    },
}


def _ied(pts: np.ndarray) -> float:
    # iris centres are not in the 468 mesh; the eye-corner midpoints stand in for them
    r = (pts[33] + pts[133]) / 2
    left = (pts[263] + pts[362]) / 2
    return float(np.hypot(*(left - r)))


def covering_polygon(pts: np.ndarray, rng: np.random.Generator, params: str = "eval",
                     style: str = "surgical") -> np.ndarray:
    """(N, 2) polygon of a covering from the nose bridge to below the jaw, in image pixels."""
    ied = _ied(pts)
    bridge = pts[int(rng.choice(NOSE_BRIDGE[params]))]
    if style == "scarf":
        bridge = pts[195] if params == "tune" else pts[int(rng.choice((5, 4)))] - [0, 0.05 * ied]
    centre = pts[list(JAW)].mean(axis=0)
    out = []
    spread = 1.06 if params == "tune" else rng.uniform(1.03, 1.12)
    if style == "scarf":
        spread *= 1.15
    for i in JAW:
        p = centre + (pts[i] - centre) * spread
        out.append(p)
    jaw = np.array(out)
    jaw[len(JAW) // 2 - 3 : len(JAW) // 2 + 4, 1] += (0.12 if params == "tune" else rng.uniform(0.05, 0.2)) * ied
    if style == "scarf":
        jaw[:, 1] += 0.25 * ied
    # the sides rise to the bridge's height along the cheeks: a curved top edge through the bridge
    y_top = bridge[1]
    left_top = np.array([jaw[0, 0], y_top + 0.2 * ied])
    right_top = np.array([jaw[-1, 0], y_top + 0.2 * ied])
    top = [right_top + (bridge - right_top) * t + [0, -0.15 * ied * np.sin(np.pi * t)] for t in np.linspace(0, 1, 6)]
    top += [bridge + (left_top - bridge) * t + [0, -0.15 * ied * np.sin(np.pi * (1 - t))] for t in np.linspace(0, 1, 6)]
    return np.vstack([jaw, np.array(top[::-1])[::-1]])


def _hand_polygon(pts: np.ndarray, rng: np.random.Generator, params: str) -> list[np.ndarray]:
    """Four fingers laid across the mouth (one rotated rectangle each) and the palm below them."""
    ied = _ied(pts)
    mouth = (pts[13] + pts[14]) / 2
    angle = np.radians(rng.uniform(-15, 15) if params == "tune" else rng.uniform(-35, 35))
    u = np.array([np.cos(angle), np.sin(angle)])  # along the fingers
    v = np.array([-u[1], u[0]])
    width = (0.2 if params == "tune" else rng.uniform(0.17, 0.24)) * ied
    length = 1.5 * ied
    start = mouth - u * length * 0.55 - v * width * 1.6
    polys = []
    for k in range(4):
        o = start + v * width * k * 1.02
        polys.append(np.array([o, o + u * length, o + u * length + v * width, o + v * width]))
    palm_o = start + v * width * 3.9
    polys.append(np.array([palm_o - u * 0.2 * ied, palm_o + u * length, palm_o + u * length + v * 1.2 * ied,
                           palm_o - u * 0.2 * ied + v * 1.2 * ied]))
    return polys


def _texture(shape: tuple[int, int], rng: np.random.Generator, style: str, params: str, ied: float) -> np.ndarray:
    """Multiplicative shading/pattern in [0.6, 1.2]: pleats, weave, stripes or checks."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tex = np.ones(shape, np.float32)
    period = ied * (0.25 if params == "tune" else rng.uniform(0.15, 0.4))
    if style == "surgical":
        tex -= 0.12 * (np.sin(2 * np.pi * yy / period) > 0.8)
    elif style == "cloth_patterned":
        ang = rng.uniform(0, np.pi)
        s = xx * np.cos(ang) + yy * np.sin(ang)
        tex *= 0.75 + 0.35 * (np.sin(2 * np.pi * s / period) > 0)
    elif style in ("cloth_dark", "cloth_skin", "scarf"):
        tex += rng.normal(0, 0.05 if params == "tune" else 0.08, shape).astype(np.float32)
    elif style == "n95":
        tex -= 0.1 * (np.abs(xx - w / 2) < 2)
    # soft shading across the covering (a curved surface under studio light)
    d = rng.uniform(-1, 1, 2) if params == "eval" else np.array([0.0, 1.0])
    ramp = (xx / w - 0.5) * d[0] + (yy / h - 0.5) * d[1]
    return np.clip(tex * (1 - 0.15 * ramp), 0.5, 1.3)


def _colour(style: str, rng: np.random.Generator, params: str, skin: np.ndarray) -> np.ndarray:
    if style in ("cloth_skin", "hand"):
        k = rng.uniform(0.92, 1.08, 3) if params == "tune" else rng.uniform(0.85, 1.15, 3)
        return np.clip(skin * k, 0, 255)
    if style == "cloth_patterned":
        return rng.integers(40, 230, 3).astype(np.float64)
    pal = _PALETTE[params][style]
    base = np.array(pal[int(rng.integers(len(pal)))], np.float64)
    return np.clip(base + rng.normal(0, 6 if params == "tune" else 12, 3), 0, 255)


def render_covering(rgb: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator, style: str = "surgical",
                    params: str = "eval") -> np.ndarray:
    """Draw one covering on ``rgb`` (H, W, 3 uint8) from its (468, >=2) FaceMesh ``landmarks``."""
    pts = np.asarray(landmarks, np.float64)[:, :2]
    ied = _ied(pts)
    h, w = rgb.shape[:2]
    # the sitter's skin tone, from the cheeks just under the eyes (for skin-toned cloth and hands)
    cheek = np.round((pts[118] + pts[347]) / 2).astype(int)
    r = max(2, int(0.08 * ied))
    skin = np.array([np.median(rgb[max(0, y - r) : y + r, max(0, x - r) : x + r].reshape(-1, 3), axis=0)
                     for x, y in (np.round(pts[118]).astype(int), np.round(pts[347]).astype(int))]).mean(axis=0)
    del cheek
    mask = np.zeros((h, w), np.uint8)
    if style == "hand":
        for poly in _hand_polygon(pts, rng, params):
            cv2.fillConvexPoly(mask, np.round(poly).astype(np.int32), 1, cv2.LINE_AA)
    else:
        cv2.fillPoly(mask, [np.round(covering_polygon(pts, rng, params, style)).astype(np.int32)], 1, cv2.LINE_AA)
    colour = _colour(style, rng, params, skin)
    tex = _texture((h, w), rng, style, params, ied)
    layer = np.clip(colour[None, None, :] * tex[:, :, None], 0, 255)
    if style == "hand":
        # finger gaps: dark creases between the fingers come from the polygon edges after a slight erosion
        edges = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        layer[edges > 0] *= 0.7
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(0.6, 0.01 * ied))[:, :, None]
    out = rgb.astype(np.float32) * (1 - alpha) + layer * alpha
    if style == "surgical":
        # ear loops: thin lines from the mask's top corners towards the ears
        for a, b in ((234, 127), (454, 356)):
            p0, p1 = np.round(pts[a]).astype(int), np.round(pts[b] + (pts[b] - pts[a]) * 0.3).astype(int)
            cv2.line(out, tuple(int(v) for v in p0), tuple(int(v) for v in p1), tuple(float(c) for c in colour * 0.9),
                     max(1, int(0.02 * ied)), cv2.LINE_AA)
    return np.clip(out, 0, 255).astype(np.uint8)
