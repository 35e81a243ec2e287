"""Exposure and lighting of the face: luminance statistics and left/right balance (ISO/IEC 29794-5)."""

from __future__ import annotations

import numpy as np

from .canon import CANON_W, Canon
from .measure import Measure, component, window

__all__ = ["illumination_uniformity", "luminance"]


def luminance(c: Canon) -> dict[str, Measure]:
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
        "luminance_mean": Measure("luminance_mean", mean, window(mean, 15, 40, 80, 97), "L*"),
        "luminance_variance": Measure("luminance_variance", std**2, component(std, 2, 10), "L*^2"),
        "under_exposure": Measure("under_exposure", under, component(under, 0.3, 0.0), "fraction"),
        "over_exposure": Measure("over_exposure", over, component(over, 0.2, 0.0), "fraction"),
        "dynamic_range": Measure("dynamic_range", dyn, component(dyn, 4.0, 7.0), "bits"),
    }


def illumination_uniformity(c: Canon) -> Measure:
    """Left/right balance: ratio of the darker to the brighter face half's mean L* (ISO: histogram balance)."""
    L = c.lab[:, :, 0]
    half = np.zeros_like(c.skin)
    half[:, : CANON_W // 2] = True
    left, right = L[c.skin & half], L[c.skin & ~half]
    if left.size < 20 or right.size < 20:
        return Measure("illumination_uniformity", float("nan"), 0, "ratio")
    a, b = float(np.median(left)), float(np.median(right))
    ratio = min(a, b) / max(a, b, 1e-6)
    return Measure("illumination_uniformity", ratio, component(ratio, 0.5, 0.95), "ratio")
