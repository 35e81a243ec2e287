"""JPEG compression artefacts, read on the capture's own pixels (the 8x8 grid is lost after resampling)."""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import FaceGeometry
from .measure import Measure, component

__all__ = ["blockiness"]


def blockiness(rgb: np.ndarray, geo: FaceGeometry) -> tuple[Measure, Measure]:
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
    return (Measure("compression_artefacts", r, component(r, 1.6, 1.1), "ratio"),
            Measure("compression_block_step", e, component(e, 3.0, 1.0), "grey"))
