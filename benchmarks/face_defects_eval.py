"""The same defects as :mod:`face_defects`, drawn from other parameter ranges (and, where it is cheap, by
another method), for measuring detection on what the thresholds were not tuned on (issue 15, item 5).

Each range sits beside the tuning range, still at a magnitude an ICAO examiner rejects: e.g. rotation
9-12 and 25-35 deg (tuning: 12-25), motion blur 10-20 % of the inter-eye distance at a random angle
(tuning: Gaussian 3-5 % or a defocus disc), JPEG quality 12-18 through Pillow (tuning: 3-11 through
OpenCV), colour casts from random per-channel gains (tuning: six fixed casts).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

import face_defects as fd
import face_masks as fm
from face_defects import Defect, _affine, _eyes, _gamma


def _ied(rgb: np.ndarray, ctx: dict) -> float:
    e = _eyes(ctx, rgb)
    return float(np.hypot(*(e[1] - e[0])))


def rotate(rgb, rng, ctx):
    angle = (rng.uniform(9, 12) if rng.random() < 0.5 else rng.uniform(25, 35)) * rng.choice([-1, 1])
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, angle, 1.0))


def scale_down(rgb, rng, ctx):
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, 0, rng.uniform(0.4, 0.55)))


def scale_up(rgb, rng, ctx):
    centre = tuple(float(v) for v in _eyes(ctx, rgb).mean(axis=0))
    return _affine(rgb, cv2.getRotationMatrix2D(centre, 0, rng.uniform(1.6, 1.9)))


def shift(rgb, rng, ctx):
    h, w = rgb.shape[:2]
    a = rng.uniform(0, 2 * np.pi)
    r = rng.uniform(0.2, 0.26)
    return _affine(rgb, np.array([[1, 0, r * w * np.cos(a)], [0, 1, r * h * np.sin(a)]], np.float64))


def underexpose(rgb, rng, ctx):
    return _gamma(rgb, rng.uniform(0.35, 0.45), rng.uniform(1.5, 2.0))


def overexpose(rgb, rng, ctx):
    return _gamma(rgb, rng.uniform(2.4, 3.0), rng.uniform(0.9, 1.1))


def low_contrast(rgb, rng, ctx):
    x = rgb.astype(np.float32)
    k = rng.uniform(0.12, 0.2)
    return np.clip((x - 128.0) * k + rng.uniform(100, 160), 0, 255).astype(np.uint8)


def side_shading(rgb, rng, ctx):
    """A linear ramp across the face, from ``dark`` one inter-eye distance left of the eye midpoint to full
    light one IED right of it (or mirrored) (tuning: a sigmoid step 0.35 IED wide at the midline)."""
    w = rgb.shape[1]
    eyes = _eyes(ctx, rgb)
    ied = _ied(rgb, ctx)
    dark = rng.uniform(0.4, 0.6)
    x = (np.arange(w, dtype=np.float32) - float(eyes[:, 0].mean())) / ied
    ramp = dark + (1.0 - dark) * np.clip((x + 1.0) / 2.0, 0.0, 1.0)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    return np.clip(rgb.astype(np.float32) * ramp[None, :, None], 0, 255).astype(np.uint8)


def blur(rgb, rng, ctx):
    """Motion blur 10-20 % of the inter-eye distance at a random angle."""
    n = max(3, round(_ied(rgb, ctx) * rng.uniform(0.10, 0.20)) | 1)
    k = np.zeros((n, n), np.float32)
    a = rng.uniform(0, np.pi)
    c = n // 2
    dx, dy = c * np.cos(a), c * np.sin(a)
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return cv2.filter2D(rgb, -1, k / k.sum())


def jpeg(rgb, rng, ctx):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=int(rng.integers(12, 19)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def colour_cast(rgb, rng, ctx):
    gains = np.ones(3, np.float32)
    i = int(rng.integers(3))
    gains[i] = rng.uniform(1.45, 1.7) if rng.random() < 0.5 else rng.uniform(0.5, 0.65)
    return np.clip(rgb.astype(np.float32) * gains, 0, 255).astype(np.uint8)


def cluttered_background(rgb, rng, ctx):
    """A textured background: random noise smoothed to blobs and coloured (tuning: drawn shapes)."""
    h, w = rgb.shape[:2]
    noise = rng.random((h // 12 + 1, w // 12 + 1, 3)).astype(np.float32)
    tex = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    tex = np.clip(tex * 255, 0, 255).astype(np.uint8)
    keep = fd._head_mask(rgb, ctx)[:, :, None]
    return np.where(keep, rgb, tex)


def bar_over_eyes(rgb, rng, ctx):
    """Dark sunglasses: two filled ellipses and a bridge (tuning: a rectangular bar)."""
    eyes = _eyes(ctx, rgb)
    ied = _ied(rgb, ctx)
    out = rgb.copy()
    colour = tuple(int(v) for v in rng.integers(0, 60, 3))
    for x, y in eyes:
        cv2.ellipse(out, (round(x), round(y)), (round(0.42 * ied), round(0.3 * ied)), 0, 0, 360, colour, -1)
    y = round(float(eyes[:, 1].mean()))
    cv2.line(out, (round(eyes[0, 0]), y), (round(eyes[1, 0]), y), colour, max(2, round(0.05 * ied)))
    return out


def mask_over_mouth(rgb, rng, ctx):
    """A landmark-aligned covering of a random style with the "eval" parameters (needs ``ctx['landmarks']``)."""
    style = fm.STYLES[int(rng.integers(len(fm.STYLES)))]
    return fm.render_covering(rgb, ctx["landmarks"], rng, style, "eval")


def second_face(rgb, rng, ctx):
    """The donor frame at 45-50 % of the height, a sixth to a quarter of the height down from the top
    (tuning: 30-45 %, at most a sixth down)."""
    donor = ctx["donor"]
    h, w = rgb.shape[:2]
    s = rng.uniform(0.45, 0.5)
    small = cv2.resize(donor, (int(donor.shape[1] * s * h / donor.shape[0]), int(h * s)), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    out = rgb.copy()
    x = 0 if rng.random() < 0.5 else w - sw
    y = int(rng.uniform(h / 6, h / 4))
    out[y : y + sh, x : x + sw] = small
    return out


def no_face(rgb, rng, ctx):
    """The frame upside-down and blurred beyond recognition, or a flat gradient (tuning: blank/noise)."""
    if rng.random() < 0.5:
        return cv2.GaussianBlur(rgb[::-1], (0, 0), rgb.shape[1] / 12)
    h, w = rgb.shape[:2]
    g = np.linspace(rng.uniform(0, 255), rng.uniform(0, 255), w, dtype=np.float32)
    return np.repeat(np.repeat(g[None, :, None], h, axis=0), 3, axis=2).astype(np.uint8)


def glasses(rgb, rng, ctx):
    """Rectangular frames (tuning: round rims)."""
    eyes = _eyes(ctx, rgb)
    ied = _ied(rgb, ctx)
    out = rgb.copy()
    colour = tuple(int(v) for v in rng.integers(0, 120, 3))
    t = max(2, round(ied * rng.uniform(0.04, 0.07)))
    hw, hh = ied * 0.42, ied * 0.24
    for x, y in eyes:
        cv2.rectangle(out, (round(x - hw), round(y - hh)), (round(x + hw), round(y + hh)), colour, t, cv2.LINE_AA)
    y = round(float(eyes[:, 1].mean()) - 0.1 * ied)
    cv2.line(out, (round(eyes[0, 0] + hw), y), (round(eyes[1, 0] - hw), y), colour, t, cv2.LINE_AA)
    return out


def head_covering(rgb, rng, ctx):
    """A patterned cap reaching lower on the forehead (tuning: a plain-coloured half ellipse)."""
    eyes = _eyes(ctx, rgb)
    ied = _ied(rgb, ctx)
    mid = eyes.mean(axis=0)
    h, w = rgb.shape[:2]
    m = np.zeros((h, w), np.uint8)
    brim = mid[1] - ied * rng.uniform(0.6, 0.75)
    cv2.ellipse(m, (round(mid[0]), round(brim)), (round(1.3 * ied), round(1.4 * ied)), 0, 180, 360, 1, -1)
    a, b = rng.integers(60, 256, 3), rng.integers(0, 120, 3)
    yy, xx = np.mgrid[0:h, 0:w]
    pattern = np.where(((xx + yy) // max(4, round(0.12 * ied)) % 2 == 0)[:, :, None], a, b).astype(np.uint8)
    return np.where(m[:, :, None] > 0, pattern, rgb)


def _same_defects(tuning: dict[str, tuple[Defect, str]]) -> dict[str, tuple[Defect, str]]:
    """The tuning registry's defects and codes, each drawn by this module's function of the same name."""
    here = globals()
    return {name: (here[fn.__name__], code) for name, (fn, code) in tuning.items()}


DEFECTS: dict[str, tuple[Defect, str]] = _same_defects(fd.DEFECTS)
CCCD_DEFECTS: dict[str, tuple[Defect, str]] = _same_defects(fd.CCCD_DEFECTS)
