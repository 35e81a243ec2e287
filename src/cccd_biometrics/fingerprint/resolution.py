"""Resolution of a fingerprint image, estimated from its ridge period.

Friction-ridge spacing is a biological constant to within about ±20 %: the mean inter-ridge distance of adult
fingers is about 0.46 mm, i.e. 9 px at 500 ppi. When a file carries no usable resolution (FVC TIFFs say
1 dpi, SOCOFing BMPs 96 dpi), the dominant spatial frequency of the ridge pattern tells the ppi.

Because a single finger's period varies with the person (children and elderly), an estimate near 500 is
snapped to 500: only clearly different resolutions (a downscaled image at ~170 ppi, a 1000 ppi scan) are
acted upon. The caller can always pass ``ppi=`` explicitly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["REFERENCE_PERIOD_PX", "SNAP_RANGE", "estimate_ppi", "estimate_ridge_period"]

REFERENCE_PERIOD_PX = 9.1
"""Median ridge period, in pixels, of 500 ppi plain prints (FVC2000/2002, measured)."""

SNAP_RANGE = (330.0, 800.0)
"""Estimates inside this range are reported as 500 ppi: ridge spacing alone cannot resolve them."""

_TILE = 64


def estimate_ridge_period(gray: np.ndarray, *, min_peak_ratio: float = 3.0) -> float | None:
    """Dominant ridge period (pixels) of a grayscale fingerprint, or ``None`` if there is no ridge pattern.

    The power spectra of the most textured 64x64 tiles are averaged (ridge orientation varies, the period
    much less), then the radial profile's peak between periods of 2.5 and 24 px is refined by a parabola.
    """
    g = gray.astype(np.float32)
    h, w = g.shape
    # small images get small tiles, so that some tiles lie inside the finger and away from frame edges
    tile = _TILE if min(h, w) >= 3 * _TILE else _TILE // 2
    step = tile // 2
    tiles = [
        g[y : y + tile, x : x + tile]
        for y in range(0, h - tile + 1, step)
        for x in range(0, w - tile + 1, step)
    ]
    if not tiles:
        return None
    stack = np.stack(tiles)
    std = stack.std(axis=(1, 2))
    if float(std.max()) < 4.0:
        return None
    keep = stack[std >= np.quantile(std, 0.5)]
    keep = keep - keep.mean(axis=(1, 2), keepdims=True)
    win = np.outer(np.hanning(tile), np.hanning(tile)).astype(np.float32)
    spec = np.abs(np.fft.fft2(keep * win)) ** 2
    power = np.fft.fftshift(spec.mean(axis=0))
    c = tile // 2
    yy, xx = np.mgrid[-c : tile - c, -c : tile - c]
    radius = np.hypot(yy, xx)
    rbin = np.rint(radius).astype(np.int64)
    profile = np.bincount(rbin.ravel(), power.ravel()) / np.maximum(np.bincount(rbin.ravel()), 1)
    # whiten the 1/f fall-off of natural images so that broad shading does not win over the ridges
    profile = profile * np.arange(len(profile))
    r_lo = max(2, int(np.floor(tile / 24.0)))
    r_hi = min(len(profile) - 2, int(np.ceil(tile / 2.5)))
    if r_hi <= r_lo:
        return None
    band = profile[r_lo : r_hi + 1]
    k = int(np.argmax(band)) + r_lo
    background = float(np.median(profile[r_lo : r_hi + 1]))
    if profile[k] < min_peak_ratio * max(background, 1e-9):
        return None  # no dominant frequency: not a ridge pattern
    a, b, cc = profile[k - 1], profile[k], profile[k + 1]
    denom = a - 2 * b + cc
    offset = 0.5 * (a - cc) / denom if denom < 0 else 0.0
    freq = (k + float(np.clip(offset, -0.5, 0.5))) / tile
    return 1.0 / freq if freq > 0 else None


def estimate_ppi(gray: np.ndarray, *, snap: bool = True) -> float | None:
    """Resolution implied by the ridge period, rounded to 10 ppi; ``None`` if it cannot be measured.

    With ``snap=True`` estimates within :data:`SNAP_RANGE` return exactly 500.0.
    """
    period = estimate_ridge_period(gray)
    if period is None:
        return None
    ppi = 500.0 * period / REFERENCE_PERIOD_PX
    if ppi > SNAP_RANGE[1]:
        # a long apparent period is more often smudge or shading than a high-resolution scan: demand a
        # clearly dominant frequency before resampling an image down
        period = estimate_ridge_period(gray, min_peak_ratio=6.0)
        if period is None:
            return None
        ppi = 500.0 * period / REFERENCE_PERIOD_PX
    if snap and SNAP_RANGE[0] <= ppi <= SNAP_RANGE[1]:
        return 500.0
    return float(np.clip(round(ppi / 10.0) * 10.0, 100.0, 2000.0))

