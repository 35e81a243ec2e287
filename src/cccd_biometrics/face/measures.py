"""ISO/IEC 29794-5 style face-image quality measures, computed by image analysis on the landmarks.

Face measures are taken on a canonical, roll-corrected face crop whose inter-eye distance is
:data:`CANON_IED` pixels (the resolution an ICAO portrait needs), so they do not depend on the capture's
size. Background measures use a small copy of the whole image; compression artefacts use the original
pixels (the JPEG 8x8 grid lives there).

Where ISO/IEC 29794-5's reference implementation (OFIQ) uses a neural network we cannot ship (face
parsing, occlusion segmentation, expression, head covering), the method used instead is described on
the function that computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .._shared.jsonsafe import json_safe
from .detect import shrink
from .geometry import FaceGeometry, Landmark

__all__ = ["CANON_IED", "Measure", "compute_measures"]

CANON_IED = 96.0
_CANON_W, _CANON_H = 288, 400  # 3 x 4.2 inter-eye distances: face, crown band, chin
_CANON_EYE_Y = 192.0
_BG_WIDTH = 256


@dataclass(frozen=True)
class Measure:
    """One quality measure: its native value and a 0-100 component (100 = best)."""

    name: str
    value: float
    component: int
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"value": self.value, "component": self.component, "unit": self.unit})


def _component(value: float, bad: float, good: float) -> int:
    """Linear 0-100 mapping: ``bad`` -> 0, ``good`` -> 100 (either order), clipped."""
    if not np.isfinite(value):
        return 0
    return round(100 * float(np.clip((value - bad) / (good - bad), 0.0, 1.0)))


def _window(value: float, lo_bad: float, lo_good: float, hi_good: float, hi_bad: float) -> int:
    """Component for a value that is best inside [lo_good, hi_good]."""
    return min(_component(value, lo_bad, lo_good), _component(value, hi_bad, hi_good))


# ---------------------------------------------------------------- canonical crop


@dataclass(frozen=True, eq=False)
class _Canon:
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
    dst = np.array([[_CANON_W / 2 - CANON_IED / 2, _CANON_EYE_Y], [_CANON_W / 2 + CANON_IED / 2, _CANON_EYE_Y]])
    s, d = src[1] - src[0], dst[1] - dst[0]
    k = np.hypot(*d) / max(np.hypot(*s), 1e-6)
    a = np.arctan2(d[1], d[0]) - np.arctan2(s[1], s[0])
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * k
    t = dst[0] - r @ src[0]
    return np.hstack([r, t[:, None]])


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELab as float32 (L* 0-100, a*, b* signed) via OpenCV's fast 8-bit conversion."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).astype(np.float32)
    lab[:, :, 0] *= 100.0 / 255.0
    lab[:, :, 1:] -= 128.0
    return lab


def _poly_mask(shape: tuple[int, int], pts: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(pts[list(idx)]).astype(np.int32)], 1)
    return m


def _canonical(rgb: np.ndarray, geo: FaceGeometry) -> _Canon:
    m = _canon_transform(geo)
    # cut the source down to the window's footprint first, so big captures cost no more than small ones
    inv = cv2.invertAffineTransform(m)
    win = np.array([[0, 0], [_CANON_W, 0], [_CANON_W, _CANON_H], [0, _CANON_H]], np.float64) @ inv[:, :2].T + inv[:, 2]
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
    size = (_CANON_W, _CANON_H)
    crop = cv2.warpAffine(src, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # pixels that came from inside the capture: the image rectangle mapped into the crop
    sh, sw = src.shape[:2]
    corners = np.array([[0, 0], [sw - 1, 0], [sw - 1, sh - 1], [0, sh - 1]], np.float64) @ m[:, :2].T + m[:, 2]
    valid_u8 = np.zeros((_CANON_H, _CANON_W), np.uint8)
    cv2.fillConvexPoly(valid_u8, np.round(corners).astype(np.int32), 1)
    valid = valid_u8 > 0
    full = _canon_transform(geo)
    pts = geo.landmarks[:, :2] @ full[:, :2].T + full[:, 2]
    eyes = geo.eye_centres @ full[:, :2].T + full[:, 2]
    lab = _lab(crop)
    shape = (_CANON_H, _CANON_W)
    face = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(np.round(pts).astype(np.int32)), 1)
    parts = np.zeros(shape, np.uint8)
    for idx in (Landmark.RIGHT_EYE, Landmark.LEFT_EYE, Landmark.RIGHT_BROW, Landmark.LEFT_BROW, Landmark.LIPS):
        parts |= _poly_mask(shape, pts, idx)
    features = cv2.dilate(parts, np.ones((7, 7), np.uint8))
    face_b = (face > 0) & valid
    return _Canon(crop, lab, pts, eyes, geo.iris_radii * np.hypot(full[0, 0], full[0, 1]), valid, face_b,
                  face_b & (features == 0), _skin_reference(lab, pts))


# ---------------------------------------------------------------- photometric measures


def _luminance(c: _Canon) -> dict[str, Measure]:
    L = c.lab[:, :, 0][c.skin]
    if L.size < 50:
        L = c.lab[:, :, 0][c.face]
    mean = float(L.mean())
    std = float(L.std())
    p_lo, p_hi = np.percentile(L, [0.5, 99.5])
    under = float(np.mean(L < 12.0))
    over = float(np.mean(L > 97.0))
    dyn = float(np.log2(max(p_hi - p_lo, 0.0) * 2.55 + 1.0))
    return {
        "luminance_mean": Measure("luminance_mean", mean, _window(mean, 15, 40, 80, 97), "L*"),
        "luminance_variance": Measure("luminance_variance", std**2, _component(std, 2, 10), "L*^2"),
        "under_exposure": Measure("under_exposure", under, _component(under, 0.3, 0.0), "fraction"),
        "over_exposure": Measure("over_exposure", over, _component(over, 0.2, 0.0), "fraction"),
        "dynamic_range": Measure("dynamic_range", dyn, _component(dyn, 4.0, 7.0), "bits"),
    }


def _illumination_uniformity(c: _Canon) -> Measure:
    """Left/right balance: ratio of the darker to the brighter face half's mean L* (ISO: histogram balance)."""
    L = c.lab[:, :, 0]
    half = np.zeros_like(c.skin)
    half[:, : _CANON_W // 2] = True
    left, right = L[c.skin & half], L[c.skin & ~half]
    if left.size < 20 or right.size < 20:
        return Measure("illumination_uniformity", float("nan"), 0, "ratio")
    a, b = float(np.median(left)), float(np.median(right))
    ratio = min(a, b) / max(a, b, 1e-6)
    return Measure("illumination_uniformity", ratio, _component(ratio, 0.5, 0.95), "ratio")


_BLUR_ANGLES = np.linspace(0.0, np.pi, 8, endpoint=False)


def _sharpness(c: _Canon) -> Measure:
    """Band-pass detail ratio at the face's scale, times the isotropy of that detail (issue 15: any blur).

    On the canonical crop (inter-eye distance 96 px, so the measure is normalised to the face's scale):
    the mean magnitude of the band between Gaussian scales 1 and 2 px over that of the band 2-4 px. A
    blur of sigma s attenuates the finer band more the larger s is; the band leaves out the finest scale,
    where sensor noise and JPEG ringing add "detail" to a blurred face. Motion blur removes detail along
    one direction only, so the ratio is multiplied by the weakest over the strongest directional energy
    of the fine band (8 directions); comparing energies (not per-direction ratios) keeps a long smear
    whose both bands are gone, leaving only noise, from reading as isotropic.
    faces_dev (12 even-numbered subjects, IED 90/130/200 px, with and without JPEG q75): >= 0.375 sharp up
    to Gaussian sigma 1 % of the IED, <= 0.339 at sigma 3 %, <= 0.304 for motion 10-30 % of the IED.
    """
    # luminance as the float mean of the three 8-bit channels: rounding L* to 8 bits would add a noise
    # floor that looks like fine detail
    g = c.rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    g1, g2, g4 = (cv2.GaussianBlur(g, (0, 0), s) for s in (1.0, 2.0, 4.0))
    fine, coarse = g1 - g2, g2 - g4
    m = c.face
    band = float(np.abs(fine)[m].mean() / max(float(np.abs(coarse)[m].mean()), 1e-6))
    fx, fy = cv2.Sobel(fine, cv2.CV_32F, 1, 0)[m], cv2.Sobel(fine, cv2.CV_32F, 0, 1)[m]
    energy = [float(np.abs(np.cos(a) * fx + np.sin(a) * fy).mean()) for a in _BLUR_ANGLES]
    isotropy = min(energy) / max(max(energy), 1e-6)
    value = band * isotropy
    return Measure("sharpness", value, _component(value, 0.25, 0.45), "ratio")


def _blockiness(rgb: np.ndarray, geo: FaceGeometry) -> tuple[Measure, Measure]:
    """JPEG blocking: how much stronger pixel steps are on one 8-px grid phase than on the others.

    Measured on the original pixels of the face box (the grid is lost after any resampling); the
    strongest phase is taken so crops that shifted the grid still count. 1.0 = no blocking.
    """
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (round(v) for v in geo.box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    # a 256-px window is plenty to see the grid; keep the cost flat on big captures
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    x0, x1 = max(x0, cx - 128), min(x1, cx + 128)
    y0, y1 = max(y0, cy - 128), min(y1, cy + 128)
    if x1 - x0 < 32 or y1 - y0 < 32:
        nan = float("nan")
        return Measure("compression_artefacts", nan, 0, "ratio"), Measure("compression_block_step", nan, 0, "grey")
    g = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    ratios, excess = [], []
    for a in (g, g.T):
        step = np.abs(np.diff(a, axis=1)).mean(axis=0)
        n = len(step) // 8 * 8
        phase = step[:n].reshape(-1, 8).mean(axis=0)
        best = int(np.argmax(phase))
        others = float(np.delete(phase, best).mean())
        ratios.append(phase[best] / max(others, 1e-3))
        excess.append(float(phase[best]) - others)
    r = float(np.mean(ratios))
    # the grid step's excess in grey levels: unlike the ratio it does not grow when a big capture makes
    # the face smooth at the pixel scale (faces_dev q100 originals hold an old q~75 grid: 1.3-1.8 grey
    # levels at 1350 px, ratio 1.4-1.6; recompressed at q20: >= 3.1 grey levels at 480-1350 px)
    e = float(np.mean(excess))
    return (Measure("compression_artefacts", r, _component(r, 1.6, 1.1), "ratio"),
            Measure("compression_block_step", e, _component(e, 3.0, 1.0), "grey"))


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


def _natural_colour(c: _Canon) -> Measure:
    """Distance (in a*b*) of the face's median skin colour from the natural-skin range.

    Skin of every ethnicity lies in a narrow band of CIELab: a* in [4, 25], b* in [6, 30] and hue angle
    in [25, 75] degrees under neutral light; a colour cast moves it out of that band.
    """
    lab = c.lab[c.skin]
    if lab.shape[0] < 50:
        return Measure("natural_colour", float("nan"), 0, "dE")
    # a colour cast moves the whole face; a mask or scarf moves only the lower face, a fringe only the
    # forehead: the nearer of the whole face and the face above the nose is the skin's colour
    upper = c.lab[c.skin & (np.arange(_CANON_H)[:, None] < _CANON_EYE_Y + 0.1 * CANON_IED)]
    dist = _skin_band_distance(lab)
    if upper.shape[0] >= 50:
        dist = min(dist, _skin_band_distance(upper))
    return Measure("natural_colour", dist, _component(dist, 10.0, 0.0), "dE")


def _skin_band_distance(lab: np.ndarray) -> float:
    a, b = float(np.median(lab[:, 1])), float(np.median(lab[:, 2]))
    da = max(4.0 - a, 0.0, a - 25.0)
    db = max(6.0 - b, 0.0, b - 30.0)
    hue = float(np.degrees(np.arctan2(b, a)))
    dh = max(25.0 - hue, 0.0, hue - 75.0) * np.hypot(a, b) * np.pi / 180.0
    return float(np.hypot(np.hypot(da, db), dh))


def _background(rgb: np.ndarray, geo: FaceGeometry) -> dict[str, Measure]:
    """Background uniformity: share of background cells that hold edges or an off-colour patch.

    The background is what lies above the chin outside an ellipse around the head (3.4 inter-eye
    distances wide, 4.4 tall, centred between estimated crown and chin), seen at 256 px width and cut
    into 16x16 cells. The background's colour is the median of the smooth cells (hair and objects are
    textured; a head of wild hair can fill more than half the cells). Busy cells (edges or off-colour)
    are hair, not clutter, when their colour is a blend of that background and the portrait's own hair
    colour and they connect to the head through such cells (issue 15: wide curly or fly-away hair read
    as clutter; random-coloured objects are off that blend line). Lightness is the 75th percentile of the
    cells' L* (for the CCCD light background).
    """
    h, w = rgb.shape[:2]
    k = _BG_WIDTH / w
    small = shrink(rgb, (_BG_WIDTH, max(8, round(h * k))))
    lab = _lab(small)
    mask = np.zeros(small.shape[:2], np.uint8)
    ied = geo.inter_eye_distance * k
    centre = (geo.chin + geo.crown) / 2 * k
    axes = (round(1.7 * ied), round(2.2 * ied))
    cy = round(geo.chin[1] * k)
    mask[: max(0, cy), :] = 1
    cv2.ellipse(mask, tuple(round(v) for v in centre), axes, float(geo.roll), 0, 360, 0, -1)
    mask[:2, :] = mask[-2:, :] = 0
    mask[:, :2] = mask[:, -2:] = 0
    bg = mask > 0
    L = lab[:, :, 0]
    gx = cv2.Sobel(L, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(L, cv2.CV_32F, 0, 1, ksize=3)
    edge = (np.hypot(gx, gy) > 12.0).astype(np.float32)
    cells = _cell_stats(bg, edge, lab)
    if cells is None:
        nan = float("nan")
        return {"background_uniformity": Measure("background_uniformity", nan, 0, "fraction"),
                "background_colour_spread": Measure("background_colour_spread", nan, 0, "dE"),
                "background_lightness": Measure("background_lightness", nan, 0, "L*")}
    cell_edges, cell_lab, cell_xy = cells
    # distance of each cell from the head ellipse, in ellipse radii; < 1.35 is where hair may spill over
    ang = np.radians(geo.roll)
    dx, dy = cell_xy[:, 0] - centre[0], cell_xy[:, 1] - centre[1]
    u = (dx * np.cos(ang) + dy * np.sin(ang)) / max(axes[0], 1)
    v = (-dx * np.sin(ang) + dy * np.cos(ang)) / max(axes[1], 1)
    cell_radius = np.sqrt(u * u + v * v)
    # a cell is cluttered when it holds edges or differs in colour from the background colour, unless
    # it is the sitter's hair
    smooth = cell_edges < 0.03
    dominant = np.median(cell_lab[smooth] if smooth.sum() >= 3 else cell_lab, axis=0)
    busy = (cell_edges > 0.08) | (np.linalg.norm(cell_lab - dominant, axis=1) > 10.0)
    hair_ref = _hair_colour(lab, geo, k, centre, axes, dominant)
    hair = np.zeros(len(busy), bool)
    if hair_ref is not None:
        hair = _hair_cells(busy & (_segment_distance(cell_lab, dominant, hair_ref) < 8.0) & (cell_radius < 1.6),
                           cell_xy, cell_radius)
    bad = busy & ~hair
    cluttered = float(bad.sum() / max(1, (~hair).sum())) if (~hair).sum() >= 3 else 0.0
    spread = float(np.median(np.linalg.norm(cell_lab - np.median(cell_lab, axis=0), axis=1)))
    light = float(np.percentile(cell_lab[:, 0], 75))
    return {
        "background_uniformity": Measure("background_uniformity", cluttered, _component(cluttered, 0.5, 0.1),
                                         "fraction of cells"),
        "background_colour_spread": Measure("background_colour_spread", spread, _component(spread, 15.0, 2.0), "dE"),
        "background_lightness": Measure("background_lightness", light, _component(light, 40.0, 75.0), "L*"),
    }


def _hair_colour(lab: np.ndarray, geo: FaceGeometry, k: float, centre: np.ndarray, axes: tuple[int, int],
                 background: np.ndarray) -> np.ndarray | None:
    """Median Lab of what is neither face nor background inside the head ellipse above the eye line
    (the sitter's hair, or a hat), or None when there is too little of it (bald, cropped hair)."""
    head = np.zeros(lab.shape[:2], np.uint8)
    cv2.ellipse(head, tuple(round(v) for v in centre), axes, float(geo.roll), 0, 360, 1, -1)
    face = np.zeros_like(head)
    cv2.fillConvexPoly(face, cv2.convexHull(np.round(geo.landmarks[:, :2] * k).astype(np.int32)), 1)
    head[cv2.dilate(face, np.ones((5, 5), np.uint8)) > 0] = 0
    head[max(0, int(geo.eye_midpoint[1] * k)) :, :] = 0
    vals = lab[head > 0]
    vals = vals[np.linalg.norm(vals - background, axis=1) > 15.0]
    return np.median(vals, axis=0) if len(vals) >= 30 else None


def _segment_distance(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each row of ``x`` from the segment a-b (a cell that blends colours a and b lies on it)."""
    ab = b - a
    t = np.clip((x - a) @ ab / max(float(ab @ ab), 1e-6), 0.0, 1.0)
    return np.linalg.norm(x - (a + t[:, None] * ab), axis=1)


def _hair_cells(candidate: np.ndarray, xy: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Candidate cells 4-connected (through candidates) to one touching the head (radius < 1.2)."""
    gx, gy = (xy[:, 0] // 16).astype(int), (xy[:, 1] // 16).astype(int)
    grid = np.zeros((int(gy.max()) + 1, int(gx.max()) + 1), np.uint8)
    grid[gy[candidate], gx[candidate]] = 1
    _, labels = cv2.connectedComponents(grid, connectivity=4)
    seeds = np.unique(labels[gy[candidate & (radius < 1.2)], gx[candidate & (radius < 1.2)]])
    return candidate & np.isin(labels[gy, gx], seeds[seeds > 0])


def _cell_stats(bg: np.ndarray, edge: np.ndarray,
                lab: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per 16x16-cell edge share, mean Lab and centre (x, y), over mostly-background cells."""
    c = 16
    h, w = bg.shape
    hh, ww = h // c * c, w // c * c
    if hh == 0 or ww == 0:
        return None

    def blocks(a: np.ndarray) -> np.ndarray:
        return a[:hh, :ww].reshape(hh // c, c, ww // c, c, *a.shape[2:]).swapaxes(1, 2).reshape(
            (hh // c) * (ww // c), c * c, *a.shape[2:])

    b = blocks(bg.astype(np.float32))
    keep = b.mean(axis=1) >= 0.6
    if keep.sum() < 3:
        return None
    wts = b[keep]
    total = wts.sum(axis=1)
    e = (blocks(edge)[keep] * wts).sum(axis=1) / total
    mean_lab = (blocks(lab)[keep] * wts[:, :, None]).sum(axis=1) / total[:, None]
    gy, gx = np.mgrid[0 : hh // c, 0 : ww // c]
    xy = (np.stack([gx.ravel(), gy.ravel()], axis=1)[keep] + 0.5) * c
    return e, mean_lab, xy


# ---------------------------------------------------------------- facial-feature measures


def _eyes(c: _Canon) -> dict[str, Measure]:
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
        "eyes_open": Measure("eyes_open", openness, _component(openness, 0.15, 0.45), "ratio"),
        "eyes_visible": Measure("eyes_visible", visible, _component(visible, 0.2, 0.6), "fraction"),
    }


def _eye_detail(c: _Canon, idx: tuple[int, ...], eye: np.ndarray) -> float:
    """Share of the eye opening that differs from its median colour by more than 6 dE.

    Sclera, iris, pupil and lashes make an open eye a mixture of colours; an occluder is one colour.
    Using a share (not a spread) keeps a bar's edge that strays into the region from counting as detail.
    """
    m = _poly_mask(c.lab.shape[:2], c.pts, idx)
    cv2.circle(m, tuple(round(v) for v in eye), int(CANON_IED * 0.08), 1, -1)
    vals = c.lab[(m > 0) & c.valid]
    if len(vals) < 10:
        return 0.0
    return float(np.mean(np.linalg.norm(vals - np.median(vals, axis=0), axis=1) > 6.0))


def _mouth(c: _Canon) -> dict[str, Measure]:
    """Mouth closed (inner-lip gap), expression (mouth width and corner rise) and mouth occlusion.

    Occlusion: share of the lower face (nose to chin, lips excluded) whose colour is close to the skin
    reference, together with how much redder the lips are than that skin. A mask or hand removes both.
    """
    p = c.pts
    gap = float(np.hypot(*(p[Landmark.LIP_INNER_UP] - p[Landmark.LIP_INNER_DOWN])) / CANON_IED)
    width = float(np.hypot(*(p[Landmark.MOUTH_LEFT] - p[Landmark.MOUTH_RIGHT])) / CANON_IED)
    # Smile score (issue 15): a logistic model of mouth width over face width (smiles widen the mouth) and
    # lower-lid-to-mouth-corner distance over the IED (smiles raise the corners towards the eyes), fitted
    # on the 67 neutral and 30 smiling faces_dev portraits (neutral 0.362 +- 0.014 / 1.018 +- 0.048,
    # smiling 0.432 +- 0.046 / 0.947 +- 0.054); 3-fold subject-level cross-validation: 24/30 smiles above
    # 0 at 2/67 neutral. The constant puts the decision at 0 (the logit minus 0.3).
    face_w = float(np.hypot(*(p[Landmark.FACE_LEFT] - p[Landmark.FACE_RIGHT])))
    corner_rise = (np.hypot(*(p[Landmark.RIGHT_LID_DOWN] - p[Landmark.MOUTH_RIGHT]))
                   + np.hypot(*(p[Landmark.LEFT_LID_DOWN] - p[Landmark.MOUTH_LEFT]))) / (2 * CANON_IED)
    expression = float(62.5 * width * CANON_IED / max(face_w, 1e-6) - 20.3 * corner_rise - 4.16)
    skin = c.skin_ref
    lab = c.lab
    shape = lab.shape[:2]
    lower = np.zeros(shape, np.uint8)
    y_nose = round(p[Landmark.NOSE_TIP, 1] + 0.1 * CANON_IED)
    lower[y_nose : round(p[Landmark.CHIN, 1]), :] = 1
    lips = cv2.dilate(_poly_mask(shape, p, Landmark.LIPS), np.ones((5, 5), np.uint8))
    region = (lower > 0) & c.face & (lips == 0)
    vals = lab[region]
    if vals.shape[0] < 30:
        return _mouth_measures(gap, expression, 1.0, 0.0, 0.0)
    d_ab = np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2])
    skin_share = float(np.mean((d_ab < 8.0) & (np.abs(vals[:, 0] - skin[0]) < 25.0)))
    lip_vals = lab[(_poly_mask(shape, p, Landmark.LIPS) > 0) & c.valid]
    lip_contrast = 0.0
    if len(lip_vals):
        lip_contrast = float(np.linalg.norm(np.median(lip_vals, axis=0) - np.median(vals, axis=0)))
    y0, y1 = max(0, y_nose - 8), min(shape[0], round(p[Landmark.CHIN, 1]) + 8)
    L = lab[y0:y1, :, 0]
    texture = float(np.abs(L - cv2.GaussianBlur(L, (0, 0), 2.0))[region[y0:y1]].mean())
    out = _mouth_measures(gap, expression, 1.0 - skin_share, lip_contrast, texture)
    out.update(_mouth_evidence(c))
    return out


def _mouth_evidence(c: _Canon) -> dict[str, Measure]:
    """What the pixels say about a visible mouth, trusting no landmark's claim that lips are there.

    ``lip_redness``: median a* inside the lip outline minus that of a thin ring around it. Lips are redder
    than the skin next to them (faces_dev neutral: 4-14 a*, 5-95 %); on a mask, scarf or hand the outline
    FaceMesh guesses lies on one material and the difference is ~0.
    ``lower_face_skin``: share of a fixed box below the nose (0.75-1.45 inter-eye distances under the eye
    line, +-0.5 wide: the canonical crop's geometry, not the landmarks') whose colour matches forehead skin
    (a*b* within 7, L* within 20). A mask or scarf of any colour but skin takes it to ~0.
    """
    lab, ied = c.lab, CANON_IED
    ey, cx = _CANON_EYE_Y, _CANON_W / 2
    r = int(0.1 * ied)
    # reference skin: forehead and upper-cheek patches whose colour is in the natural-skin band (a fringe
    # or a mask's top edge is not); all of them when none is
    spots = [(cx, ey - 0.75 * ied), (cx - 0.4 * ied, ey - 0.6 * ied), (cx + 0.4 * ied, ey - 0.6 * ied),
             tuple(c.pts[Landmark.RIGHT_CHEEK]), tuple(c.pts[Landmark.LEFT_CHEEK])]
    patches = []
    for x, y in spots:
        xi, yi = int(x), int(y)
        patch = lab[max(0, yi - r) : yi + r, max(0, xi - r) : xi + r].reshape(-1, 3)
        if len(patch):
            patches.append(np.median(patch, axis=0))
    skin_like = [q for q in patches if _skin_band_distance(q[None, :]) < 3.0]
    ref = np.median(np.array(skin_like or patches or [[60.0, 12.0, 15.0]]), axis=0)
    box = lab[int(ey + 0.75 * ied) : int(ey + 1.45 * ied), int(cx - 0.5 * ied) : int(cx + 0.5 * ied)].reshape(-1, 3)
    near = (np.hypot(box[:, 1] - ref[1], box[:, 2] - ref[2]) < 7.0) & (np.abs(box[:, 0] - ref[0]) < 20.0)
    lower_skin = float(near.mean()) if len(box) else 0.0
    lips_u8 = _poly_mask(lab.shape[:2], c.pts, Landmark.LIPS)
    lips = (lips_u8 > 0) & c.valid
    ring = ((cv2.dilate(lips_u8, np.ones((13, 13), np.uint8)) > 0)
            & (cv2.dilate(lips_u8, np.ones((3, 3), np.uint8)) == 0) & c.valid)
    redness = over_skin = 0.0
    if lips.sum() > 10 and ring.sum() > 10:
        redness = float(np.median(lab[:, :, 1][lips]) - np.median(lab[:, :, 1][ring]))
    if lips.sum() > 10:
        over_skin = float(np.median(lab[:, :, 1][lips]) - ref[1])
    return {
        "lip_redness": Measure("lip_redness", redness, _component(redness, 0.0, 6.0), "a*"),
        "lip_skin_redness": Measure("lip_skin_redness", over_skin, _component(over_skin, 0.0, 6.0), "a*"),
        "lower_face_skin": Measure("lower_face_skin", lower_skin, _component(lower_skin, 0.0, 0.4), "fraction"),
    }


def _mouth_measures(gap: float, expression: float, not_skin: float, lip_contrast: float,
                    texture: float) -> dict[str, Measure]:
    return {
        "mouth_closed": Measure("mouth_closed", gap, _component(gap, 0.15, 0.02), "ratio"),
        "expression_neutrality": Measure("expression_neutrality", float(expression),
                                         _component(expression, 1.0, -2.0), "logit"),
        "mouth_occlusion": Measure("mouth_occlusion", not_skin, _component(not_skin, 0.8, 0.2), "fraction"),
        "lip_contrast": Measure("lip_contrast", lip_contrast, _component(lip_contrast, 2.0, 10.0), "dE"),
        "lower_face_texture": Measure("lower_face_texture", texture, _component(texture, 0.3, 1.5), "L*"),
    }


def _face_occlusion(c: _Canon) -> Measure:
    skin = c.skin_ref
    vals = c.lab[c.skin]
    if vals.shape[0] < 50:
        return Measure("face_occlusion", 1.0, 0, "fraction")
    ok = (np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2]) < 10.0) & (np.abs(vals[:, 0] - skin[0]) < 30.0)
    occ = float(1.0 - ok.mean())
    return Measure("face_occlusion", occ, _component(occ, 0.6, 0.1), "fraction")


def _head_covering(c: _Canon, bg_lab: np.ndarray | None, skin_cast: float = 0.0) -> dict[str, Measure]:
    """Share of the band between forehead and estimated crown that is neither skin, hair nor background.

    Hair is taken as near-black (L* < 20), low-chroma (C* < 25) below L* 75, or a moderately saturated
    yellow-brown (C* < 45, hue 35-100 deg, blond / auburn) below L* 80 — and, when the temples show hair,
    only if its colour is near theirs (a crown of hair continues down the sides of the head; a cap,
    even a dark or grey one, stops above them). Background colour counts as such only in the band's upper
    half: just above the forehead the skull is there, so a background-coloured patch is a covering (a
    white cap on a light background). ``head_pattern`` is a second, colour-blind piece of evidence: how
    much of the texture inside the crown runs in one or two directions (:func:`_crown_pattern`). No network: a plain
    covering that matches both the hair at the temples and the hair's colour class, or one reaching down
    over the temples in a hair colour, is not caught.
    """
    p = c.pts
    top = round(_CANON_EYE_Y - (p[Landmark.CHIN, 1] - _CANON_EYE_Y) * 0.95)
    bottom = round(p[Landmark.FOREHEAD, 1] - 0.1 * CANON_IED)
    cx = _CANON_W // 2
    half = int(0.6 * CANON_IED)
    band = c.lab[max(0, top) : max(0, bottom), cx - half : cx + half]
    ok_mask = c.valid[max(0, top) : max(0, bottom), cx - half : cx + half]
    vals = band[ok_mask]
    if vals.shape[0] < 50:
        return {"head_covering": Measure("head_covering", float("nan"), 0, "fraction"),
                "head_pattern": Measure("head_pattern", float("nan"), 0, "share")}
    upper = (np.nonzero(ok_mask)[0] <= (band.shape[0] - 1) / 2)
    is_skin = _skin_like(vals, c.skin_ref)
    # green or blue is not hair only under light that leaves the skin its natural colour (a colour cast,
    # reported as such, turns dark hair blue too)
    min_ab = _HAIR_MIN_AB if skin_cast <= 1.0 else -np.inf
    is_hair = _hair_like(vals, min_ab)
    ref = _temple_hair(c, bg_lab, min_ab)
    if ref is not None:
        # L* weighs half: the crown is lit from above, the temples from the side
        is_hair &= np.linalg.norm((vals - ref) * _HAIR_WEIGHTS, axis=1) < _HAIR_MATCH
    is_bg = np.zeros(len(vals), bool)
    if bg_lab is not None:
        is_bg = (np.linalg.norm(vals - bg_lab, axis=1) < 12.0) & upper
    cover = float(1.0 - np.mean(is_skin | is_hair | is_bg))
    pattern = _crown_pattern(band[:, :, 0], ok_mask, band, bg_lab)
    return {"head_covering": Measure("head_covering", cover, _component(cover, 0.6, 0.1), "fraction"),
            "head_pattern": Measure("head_pattern", pattern, _component(pattern, 0.9, 0.6), "share")}


def _crown_pattern(L: np.ndarray, valid: np.ndarray, lab: np.ndarray, bg_lab: np.ndarray | None) -> float:
    """How much of the crown's texture runs in one or two directions: a printed or woven pattern.

    The share of gradient energy (luminance, smoothed at 1.5 px) whose orientation lies within 7.5 deg
    of the strongest orientation or of the strongest one at least 20 deg away from it. Stripes and a
    knit's ribs put nearly all their energy there, a checker much of it; hair's strands and locks bend
    and cross (faces_dev bare heads: 0.24-0.64). Read only inside the head's silhouette
    (not-background, gaps of a stripe closed, then eroded by 5 px), so that the outline of the head, a
    smooth curve for a bald head and a cap alike, does not count; 0 when that interior is small or
    almost flat (plain caps are left to the colour test).
    """
    inside = valid.copy()
    if bg_lab is not None:
        inside &= np.linalg.norm(lab - bg_lab, axis=2) >= 12.0
    inside_u8 = cv2.morphologyEx(inside.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    inner = (cv2.erode(inside_u8, np.ones((11, 11), np.uint8)) > 0) & valid
    if inner.sum() < 200:
        return 0.0
    g = cv2.GaussianBlur(np.ascontiguousarray(L), (0, 0), 1.5)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0)[inner], cv2.Sobel(g, cv2.CV_32F, 0, 1)[inner]
    energy = gx * gx + gy * gy
    # flat skin or a plain cap: the orientation of sensor noise and shading says nothing
    if float(np.sqrt(energy.mean())) < 6.0:
        return 0.0
    # 36 bins of 5 deg; a peak is 3 bins wide (15 deg)
    angle = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    hist = np.bincount(np.minimum(angle // 5.0, 35).astype(np.int64), weights=energy, minlength=36)
    peaks = hist + np.roll(hist, 1) + np.roll(hist, -1)
    first = int(np.argmax(peaks))
    rest = peaks.copy()
    rest[(first + np.arange(-3, 4)) % 36] = 0.0
    return float((peaks[first] + rest.max()) / max(float(hist.sum()), 1e-6))


# crown pixels count as hair within this (L*/2, a*, b*) distance of the temples' hair (issue 15: the
# smallest of 10/15/20/25 at which the even-numbered faces_dev subjects' bare heads stay below the plain
# caps of benchmarks/face_defects; at 20 their maximum rose from 0.21 to 0.27, at 25 it stays 0.21)
_HAIR_MATCH = 25.0
_HAIR_WEIGHTS = np.array([0.5, 1.0, 1.0])


def _skin_like(vals: np.ndarray, skin: np.ndarray) -> np.ndarray:
    return (np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2]) < 7.0) & (np.abs(vals[:, 0] - skin[0]) < 15.0)


def _hair_like(vals: np.ndarray, min_ab: float = -np.inf) -> np.ndarray:
    chroma = np.hypot(vals[:, 1], vals[:, 2])
    hue = np.degrees(np.arctan2(vals[:, 2], vals[:, 1]))
    # black, grey and brown hair are low-chroma; blond and auburn hair are moderately saturated yellows
    hair = ((vals[:, 0] < 20.0) | ((chroma < 25.0) & (vals[:, 0] < 75.0))
            | ((chroma < 45.0) & (hue > 35.0) & (hue < 100.0) & (vals[:, 0] < 80.0)))
    # melanin makes hair neutral to yellow-red, never green or blue, even when dark: a navy or
    # dark-green cap is not hair (issue 15, round 3)
    return hair & (vals[:, 1] >= min_ab) & (vals[:, 2] >= min_ab)


# the lowest a* and b* of hair (issue 15, round 3): of 196,906 hair-coloured crown-band pixels of the
# even-numbered faces_dev subjects' bare heads, 0.09 % lie below -4, 0.02 % below -5 and none below -6
_HAIR_MIN_AB = -6.0


def _temple_hair(c: _Canon, bg_lab: np.ndarray | None, min_ab: float = -np.inf) -> np.ndarray | None:
    """Median Lab of the hair beside the forehead (0.85-1.15 IED out, 0.1-0.6 IED above the eye line),
    or None when less than 30 % of those pixels are hair-coloured (short hair, bald, a hood)."""
    y0, y1 = int(_CANON_EYE_Y - 0.6 * CANON_IED), int(_CANON_EYE_Y - 0.1 * CANON_IED)
    cx = _CANON_W // 2
    parts = []
    for x0, x1 in ((cx - int(1.15 * CANON_IED), cx - int(0.85 * CANON_IED)),
                   (cx + int(0.85 * CANON_IED), cx + int(1.15 * CANON_IED))):
        parts.append(c.lab[y0:y1, max(0, x0) : x1][c.valid[y0:y1, max(0, x0) : x1]])
    side = np.concatenate(parts)
    if len(side) < 20:
        return None
    hair = _hair_like(side, min_ab) & ~_skin_like(side, c.skin_ref)
    if bg_lab is not None:
        hair &= np.linalg.norm(side - bg_lab, axis=1) >= 12.0
    if hair.sum() < max(20, 0.3 * len(side)):
        return None
    return np.median(side[hair], axis=0)


def _eyeglasses(c: _Canon) -> Measure:
    """Eyeglasses: horizontal colour-edge strength on the nose bridge between the eyes, relative to the face.

    A frame's bridge crosses the nose at eye height as a horizontal line; bare skin there is smooth.
    """
    # colour (Lab) gradients: a grey metal frame on skin of the same lightness still differs in chroma;
    # computed on the band from brows to cheeks only (bridge and reference skin both lie in it)
    cx, ey = _CANON_W // 2, int(_CANON_EYE_Y)
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
    return Measure("eyeglasses", score, _component(score, 6.0, 2.0), "ratio")


# ---------------------------------------------------------------- geometric measures


def _geometry(rgb: np.ndarray, geo: FaceGeometry, n_faces: int) -> dict[str, Measure]:
    h, w = rgb.shape[:2]
    ied = geo.inter_eye_distance
    mid = geo.eye_midpoint
    head = geo.head_height / h
    half_face = geo.face_width / 2
    left_margin = (mid[0] - half_face) / w
    right_margin = (w - mid[0] - half_face) / w
    above = float(geo.crown[1] / h)
    below = float((h - geo.chin[1]) / h)
    x_pos = float(mid[0] / w)
    eye_height = float((h - mid[1]) / h)
    return {
        "single_face_present": Measure("single_face_present", float(n_faces), 100 if n_faces == 1 else 0, "faces"),
        "inter_eye_distance": Measure("inter_eye_distance", ied, _component(ied, 60, 120), "px"),
        "head_size": Measure("head_size", head, _window(head, 0.5, 0.7, 0.8, 1.0), "fraction of height"),
        "leftward_crop": Measure("leftward_crop", left_margin, _component(left_margin, 0.0, 0.1), "fraction of width"),
        "rightward_crop": Measure("rightward_crop", right_margin, _component(right_margin, 0.0, 0.1),
                                  "fraction of width"),
        "margin_above": Measure("margin_above", above, _window(above, -0.05, 0.03, 0.15, 0.3), "fraction of height"),
        "margin_below": Measure("margin_below", below, _component(below, -0.05, 0.05), "fraction of height"),
        "horizontal_position": Measure("horizontal_position", x_pos, _window(x_pos, 0.35, 0.45, 0.55, 0.65),
                                       "fraction of width"),
        "eye_line_height": Measure("eye_line_height", eye_height, _window(eye_height, 0.4, 0.5, 0.7, 0.8),
                                   "fraction of height from bottom"),
        "head_pose_yaw": Measure("head_pose_yaw", geo.yaw, _component(abs(geo.yaw), 20, 0), "deg"),
        "head_pose_pitch": Measure("head_pose_pitch", geo.pitch, _component(abs(geo.pitch), 20, 0), "deg"),
        "head_pose_roll": Measure("head_pose_roll", geo.roll, _component(abs(geo.roll), 15, 0), "deg"),
    }


def compute_measures(rgb: np.ndarray, geo: FaceGeometry, n_faces: int = 1) -> dict[str, Measure]:
    """Every measure for one located face.

    Parameters
    ----------
    rgb:
        The portrait, (H, W, 3) ``uint8`` RGB.
    geo:
        The face's geometry (:func:`cccd_biometrics.face.geometry.face_geometry`).
    n_faces:
        How many faces the detector found (for ``single_face_present``).

    Returns
    -------
    dict
        Measure name -> :class:`Measure`.
    """
    c = _canonical(rgb, geo)
    out: dict[str, Measure] = {}
    out.update(_background(rgb, geo))
    out.update(_luminance(c))
    out["illumination_uniformity"] = _illumination_uniformity(c)
    out["sharpness"] = _sharpness(c)
    out["compression_artefacts"], out["compression_block_step"] = _blockiness(rgb, geo)
    out["natural_colour"] = _natural_colour(c)
    out.update(_eyes(c))
    out.update(_mouth(c))
    out["face_occlusion"] = _face_occlusion(c)
    out.update(_head_covering(c, _background_colour(rgb, geo), out["natural_colour"].value))
    out["eyeglasses"] = _eyeglasses(c)
    out.update(_geometry(rgb, geo, n_faces))
    return out


def _background_colour(rgb: np.ndarray, geo: FaceGeometry) -> np.ndarray | None:
    """Median Lab of the two top corners' strip (background reference for the head-covering band)."""
    h, w = rgb.shape[:2]
    band = max(4, h // 20)
    x_l = int(max(0, geo.eye_midpoint[0] - 1.8 * geo.inter_eye_distance))
    x_r = int(min(w, geo.eye_midpoint[0] + 1.8 * geo.inter_eye_distance))
    parts = [rgb[:band, : max(1, x_l)], rgb[:band, x_r:]]
    pix = np.concatenate([p.reshape(-1, 3) for p in parts if p.size], axis=0) if any(p.size for p in parts) else None
    if pix is None or len(pix) < 10:
        return None
    pix = pix[:: max(1, len(pix) // 2000)]
    lab = cv2.cvtColor(pix.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    return np.median(lab, axis=0)
