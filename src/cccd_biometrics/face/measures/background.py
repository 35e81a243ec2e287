"""The background behind the head: clutter (objects, not the sitter's hair), colour spread and lightness."""

from __future__ import annotations

import cv2
import numpy as np

from ..detect import shrink
from ..geometry import FaceGeometry
from .canon import to_lab
from .measure import Measure, component

__all__ = ["background", "background_colour"]

_BG_WIDTH = 256


def background(rgb: np.ndarray, geo: FaceGeometry) -> dict[str, Measure]:
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
    lab = to_lab(small)
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
        "background_uniformity": Measure("background_uniformity", cluttered, component(cluttered, 0.5, 0.1),
                                         "fraction of cells"),
        "background_colour_spread": Measure("background_colour_spread", spread, component(spread, 15.0, 2.0), "dE"),
        "background_lightness": Measure("background_lightness", light, component(light, 40.0, 75.0), "L*"),
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


def background_colour(rgb: np.ndarray, geo: FaceGeometry) -> np.ndarray | None:
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
