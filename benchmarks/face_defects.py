"""Labelled portrait defects for testing and benchmarking the ICAO checks.

Each defect takes a compliant portrait and changes one thing, returning the image and the finding
code that must fire. Magnitudes are drawn from ranges (not fixed values) so a test exercises a spread
of severities; the ranges are set at what an ICAO examiner would reject, not at the edge of detection.

Also builds compliant 35:45 portraits from the uncropped faces_dev studio shots, using the set's own
hand-placed pupil points (not this library's detector) to place the frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

Defect = Callable[[np.ndarray, np.random.Generator, dict], np.ndarray]

# ICAO-like frame: width = inter-eye distance / 0.26, 35:45, eye line 44 % from the top
FRAME_IED_SHARE = 0.26
FRAME_EYE_FROM_TOP = 0.44


def read_tem_pupils(path: Path) -> np.ndarray:
    """(2, 2) pupil centres from a webmorph ``.tem`` file: image-left pupil first."""
    rows = path.read_text().split("\n")[1:3]
    pts = np.array([[float(v) for v in r.split()] for r in rows])
    return pts[np.argsort(pts[:, 0])]


def icao_frame(rgb: np.ndarray, pupils: np.ndarray, height: int = 600) -> np.ndarray:
    """Crop a 35:45 portrait around known pupils and resize it to ``height`` pixels."""
    ied = float(np.hypot(*(pupils[1] - pupils[0])))
    mid = pupils.mean(axis=0)
    w = ied / FRAME_IED_SHARE
    h = w * 45 / 35
    x0, y0 = mid[0] - w / 2, mid[1] - FRAME_EYE_FROM_TOP * h
    k = height / h
    m = np.array([[k, 0, -x0 * k], [0, k, -y0 * k]])
    size = (round(w * k), height)
    return cv2.warpAffine(rgb, m, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _affine(rgb: np.ndarray, m: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _eyes(ctx: dict, rgb: np.ndarray) -> np.ndarray:
    return ctx["eyes"] if "eyes" in ctx else np.array([[0.37, 0.44], [0.63, 0.44]]) * rgb.shape[1::-1]


def rotate(rgb, rng, ctx):
    angle = rng.uniform(12, 25) * rng.choice([-1, 1])
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, angle, 1.0))


def scale_down(rgb, rng, ctx):
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, 0, rng.uniform(0.55, 0.72)))


def scale_up(rgb, rng, ctx):
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, 0, rng.uniform(1.35, 1.6)))


def shift(rgb, rng, ctx):
    h, w = rgb.shape[:2]
    if rng.random() < 0.5:
        t = (rng.uniform(0.12, 0.2) * w * rng.choice([-1, 1]), 0.0)
    else:
        t = (0.0, rng.uniform(0.12, 0.2) * h * rng.choice([-1, 1]))
    return _affine(rgb, np.array([[1, 0, t[0]], [0, 1, t[1]]], np.float64))


def _gamma(rgb: np.ndarray, gain: float, gamma: float) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    return np.clip(255.0 * gain * x**gamma, 0, 255).astype(np.uint8)


def underexpose(rgb, rng, ctx):
    return _gamma(rgb, rng.uniform(0.2, 0.35), rng.uniform(1.0, 1.4))


def overexpose(rgb, rng, ctx):
    return _gamma(rgb, rng.uniform(1.7, 2.3), rng.uniform(0.6, 0.9))


def low_contrast(rgb, rng, ctx):
    x = rgb.astype(np.float32)
    k = rng.uniform(0.2, 0.35)
    return np.clip((x - x.mean()) * k + x.mean(), 0, 255).astype(np.uint8)


def side_shading(rgb, rng, ctx):
    """One side of the face in shadow: a soft step across the face's vertical midline."""
    w = rgb.shape[1]
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    dark = rng.uniform(0.35, 0.65)
    x = (np.arange(w, dtype=np.float32) - float(eyes[:, 0].mean())) / (0.35 * ied)
    step = 1.0 / (1.0 + np.exp(-x))
    if rng.random() < 0.5:
        step = step[::-1]
    gain = dark + (1.0 - dark) * step
    return np.clip(rgb.astype(np.float32) * gain[None, :, None], 0, 255).astype(np.uint8)


def blur(rgb, rng, ctx):
    ied = float(np.hypot(*np.diff(_eyes(ctx, rgb), axis=0)[0]))
    if rng.random() < 0.5:
        return cv2.GaussianBlur(rgb, (0, 0), ied * rng.uniform(0.03, 0.05))
    r = max(2, round(ied * rng.uniform(0.05, 0.08)))
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(kernel, (r, r), r, 1.0, -1)  # defocus: a uniform disc
    return cv2.filter2D(rgb, -1, kernel / kernel.sum())


def jpeg(rgb, rng, ctx):
    q = int(rng.integers(3, 12))
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


_CASTS = np.array([[1.0, 1.0, 1.6], [1.5, 1.0, 0.75], [0.75, 1.25, 0.8], [0.7, 1.0, 1.35], [1.25, 1.25, 0.55],
                   [1.0, 0.7, 1.2]], np.float32)


def colour_cast(rgb, rng, ctx):
    gains = _CASTS[rng.integers(len(_CASTS))] * rng.uniform(0.95, 1.1, 3).astype(np.float32)
    return np.clip(rgb.astype(np.float32) * gains, 0, 255).astype(np.uint8)


def _head_mask(rgb: np.ndarray, ctx: dict) -> np.ndarray:
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    mid = eyes.mean(axis=0)
    m = np.zeros(rgb.shape[:2], np.uint8)
    cv2.ellipse(m, (int(mid[0]), int(mid[1])), (int(1.5 * ied), int(2.1 * ied)), 0, 0, 360, 1, -1)
    m[int(mid[1] + 1.2 * ied) :, int(mid[0] - 2.2 * ied) : int(mid[0] + 2.2 * ied)] = 1  # neck, shoulders
    return m > 0


def cluttered_background(rgb, rng, ctx):
    """Objects behind the subject: either a full "dead leaves" scene (overlapping discs and boxes, the
    classic model of natural-image statistics) or 40-60 separate objects on the plain background."""
    h, w = rgb.shape[:2]
    clutter = np.empty_like(rgb)
    clutter[:] = rgb[5, 5]
    dense = rng.random() < 0.5
    for _ in range(int(rng.integers(250, 350) if dense else rng.integers(40, 60))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        s = int(rng.integers(w // 25, w // 6))
        kind = rng.integers(3)
        if kind == 0:
            cv2.rectangle(clutter, (x, y), (x + s, y + s // 2), colour, -1)
        elif kind == 1:
            cv2.circle(clutter, (x, y), s // 2, colour, -1)
        else:
            end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(clutter, (x, y), end, colour, int(rng.integers(2, 6)))
    keep = _head_mask(rgb, ctx)[:, :, None]
    return np.where(keep, rgb, clutter)


def bar_over_eyes(rgb, rng, ctx):
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    out = rgb.copy()
    colour = tuple(int(v) for v in ([0, 0, 0], [30, 30, 30], [255, 255, 255], [128, 128, 128],
                                    rng.integers(0, 256, 3))[int(rng.integers(5))])
    hh = ied * rng.uniform(0.3, 0.45)
    y = float(eyes[:, 1].mean()) + rng.uniform(-0.05, 0.05) * ied
    x0, x1 = eyes[0, 0] - 0.55 * ied, eyes[1, 0] + 0.55 * ied
    cv2.rectangle(out, (int(x0), int(y - hh / 2)), (int(x1), int(y + hh / 2)), colour, -1)
    return out


_MASK_COLOURS = ([225, 235, 245], [140, 185, 220], [30, 30, 35], [90, 90, 100], [250, 250, 250], [60, 110, 170])


def mask_over_mouth(rgb, rng, ctx):
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    mid = eyes.mean(axis=0)
    out = rgb.copy()
    colour = tuple(int(v) for v in _MASK_COLOURS[int(rng.integers(len(_MASK_COLOURS)))])
    top = mid[1] + ied * rng.uniform(0.55, 0.75)
    poly = np.array([[mid[0] - 0.95 * ied, top], [mid[0] + 0.95 * ied, top], [mid[0] + 0.85 * ied, mid[1] + 1.55 * ied],
                     [mid[0], mid[1] + 1.95 * ied], [mid[0] - 0.85 * ied, mid[1] + 1.55 * ied]], np.int32)
    cv2.fillPoly(out, [poly], colour)
    # pleats: a mask is not perfectly flat
    for k in range(3):
        yy = int(top + (k + 1) * 0.3 * ied)
        cv2.line(out, (int(mid[0] - 0.8 * ied), yy), (int(mid[0] + 0.8 * ied), yy),
                 tuple(int(max(0, v - 25)) for v in colour), 2)
    return out


def second_face(rgb, rng, ctx):
    donor = ctx["donor"]
    h, w = rgb.shape[:2]
    s = rng.uniform(0.3, 0.45)
    small = cv2.resize(donor, (int(donor.shape[1] * s * h / donor.shape[0]), int(h * s)), interpolation=cv2.INTER_AREA)
    out = rgb.copy()
    sh, sw = small.shape[:2]
    x = 0 if rng.random() < 0.5 else w - sw
    y = int(rng.integers(0, max(1, h // 6)))
    out[y : y + sh, x : x + sw] = small
    return out


def no_face(rgb, rng, ctx):
    kind = int(rng.integers(3))
    h, w = rgb.shape[:2]
    if kind == 0:  # blank
        return np.full_like(rgb, int(rng.integers(0, 256)))
    if kind == 1:  # the background only: face replaced by a blurred copy of the background colour
        out = rgb.copy()
        out[_head_mask(rgb, ctx)] = rgb[5, 5]
        return out
    x = rng.random((h // 8 + 1, w // 8 + 1, 3)).astype(np.float32)
    return cv2.resize((x * 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def glasses(rgb, rng, ctx):
    """Spectacles drawn over the eyes: two rims and a bridge, in a dark or metallic colour."""
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    out = rgb.copy()
    colour = tuple(int(v) for v in ([20, 20, 20], [60, 40, 30], [150, 150, 160], [90, 20, 20])[int(rng.integers(4))])
    t = max(2, round(ied * rng.uniform(0.03, 0.06)))
    half_w, half_h = ied * rng.uniform(0.36, 0.44), ied * rng.uniform(0.22, 0.3)
    for x, y in eyes:
        cv2.ellipse(out, (round(x), round(y)), (round(half_w), round(half_h)), 0, 0, 360, colour, t, cv2.LINE_AA)
    y_bridge = round(float(eyes[:, 1].mean()) - 0.1 * ied)
    cv2.line(out, (round(eyes[0, 0] + half_w), y_bridge), (round(eyes[1, 0] - half_w), y_bridge), colour, t,
             cv2.LINE_AA)
    return out


def head_covering(rgb, rng, ctx):
    """A cap or headscarf over the crown, in a plain colour of its own."""
    eyes = _eyes(ctx, rgb)
    ied = float(np.hypot(*(eyes[1] - eyes[0])))
    mid = eyes.mean(axis=0)
    out = rgb.copy()
    colour = tuple(int(v) for v in ([200, 30, 40], [30, 60, 160], [240, 240, 240], [40, 130, 60],
                                    [230, 180, 40])[int(rng.integers(5))])
    brim = mid[1] - ied * rng.uniform(0.75, 0.95)
    cv2.ellipse(out, (round(mid[0]), round(brim)), (round(1.25 * ied), round(1.3 * ied)), 0, 180, 360, colour, -1)
    return out


DEFECTS: dict[str, tuple[Defect, str]] = {
    "rotation": (rotate, "FACE_ROLL"),
    "scale_down": (scale_down, "FACE_TOO_SMALL"),
    "scale_up": (scale_up, "FACE_TOO_LARGE"),
    "shift": (shift, "FACE_OFF_CENTER"),
    "underexposure": (underexpose, "FACE_UNDEREXPOSED"),
    "overexposure": (overexpose, "FACE_OVEREXPOSED"),
    "low_contrast": (low_contrast, "FACE_LOW_CONTRAST"),
    "side_shading": (side_shading, "FACE_UNEVEN_LIGHTING"),
    "blur": (blur, "FACE_BLURRED"),
    "jpeg": (jpeg, "FACE_COMPRESSION_ARTIFACTS"),
    "colour_cast": (colour_cast, "FACE_UNNATURAL_COLOUR"),
    "cluttered_background": (cluttered_background, "FACE_BACKGROUND_NOT_UNIFORM"),
    "bar_over_eyes": (bar_over_eyes, "FACE_EYES_OCCLUDED"),
    "mask_over_mouth": (mask_over_mouth, "FACE_MOUTH_OCCLUDED"),
    "second_face": (second_face, "FACE_MULTIPLE"),
    "no_face": (no_face, "FACE_NOT_FOUND"),
}

# requirements only the ``cccd`` profile holds (bare head, no glasses)
CCCD_DEFECTS: dict[str, tuple[Defect, str]] = {
    "glasses": (glasses, "FACE_GLASSES"),
    "head_covering": (head_covering, "FACE_HEAD_COVERING"),
}
