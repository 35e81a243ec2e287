"""Ridge period (wavelength) field and the oriented ridge profiles it is measured from.

For every foreground block a window of 32 x 16 px (sampled 32 x 8) centred on the block is sampled along the local ridge
direction (32 px across the ridges, 16 along them) and averaged along the ridges into a *signature*
(Hong, Wan & Jain 1998). The signature's dominant period is the block's ridge period; the same pass yields
the NFIQ 2 local measures that need the oriented window (FDA, LCS, ridge/valley widths), so the pixels are
read once (:func:`ridge_profiles`).

Block periods are then cleaned: implausible values dropped, the rest smoothed with a normalised Gaussian
over the foreground, so a block with a blurred or broken signature inherits its neighbours' period.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..._shared.numeric import median
from ._kernels import PROFILE_FIELDS, block_ridge_profiles

__all__ = [
    "MAX_PERIOD",
    "MIN_PERIOD",
    "PROFILE_FIELDS",
    "SIGNATURE_LENGTH",
    "SIGNATURE_WIDTH",
    "ridge_period_field",
    "ridge_profiles",
    "spectral_ridge_period",
]

MIN_PERIOD = 3.0
"""Shortest ridge period searched (px at 500 ppi; adult ridges are about 9 px apart)."""

MAX_PERIOD = 20.0
"""Longest ridge period searched (px at 500 ppi)."""

SIGNATURE_LENGTH = 32
"""Samples across the ridges (1 px apart): about 3.5 ridge periods."""
SIGNATURE_WIDTH = 8
SIGNATURE_STEP = 2.0
"""Samples along the ridges and their spacing (px): the window spans 16 px along the ridges; every other pixel
is enough because the ridges are averaged along their length anyway."""

PERIOD_SMOOTHING = 1.0
"""Gaussian smoothing of the period field, in blocks."""


def ridge_profiles(gray: np.ndarray, theta: np.ndarray, block_mask: np.ndarray, block_size: int) -> np.ndarray:
    """Oriented ridge-profile measures of each foreground block.

    Returns a float32 array of shape ``(len(PROFILE_FIELDS), BY, BX)``; NaN outside ``block_mask``.
    See :data:`cccd_biometrics.fingerprint.fields._kernels.PROFILE_FIELDS` for the rows.
    """
    cos_t = np.cos(theta).astype(np.float32)
    sin_t = np.sin(theta).astype(np.float32)
    return block_ridge_profiles(np.ascontiguousarray(gray, dtype=np.float32), cos_t, sin_t,
                                np.ascontiguousarray(block_mask), int(block_size), SIGNATURE_LENGTH,
                                SIGNATURE_WIDTH, SIGNATURE_STEP, MIN_PERIOD, MAX_PERIOD)


def ridge_period_field(raw_period: np.ndarray, confidence: np.ndarray, block_mask: np.ndarray) -> np.ndarray:
    """Smoothed ridge period per block (float32 px; NaN outside ``block_mask``).

    ``confidence`` (e.g. the FDA spectral-peak share) weighs each block's own measurement; blocks whose
    measurement is missing take the weighted mean of their neighbours.
    """
    valid = block_mask & np.isfinite(raw_period) & (raw_period >= MIN_PERIOD) & (raw_period <= MAX_PERIOD)
    w = np.where(valid, np.nan_to_num(confidence, nan=0.0), 0.0).astype(np.float32)
    p = np.where(valid, raw_period, 0.0).astype(np.float32)
    num = cv2.GaussianBlur(p * w, (0, 0), PERIOD_SMOOTHING, borderType=cv2.BORDER_CONSTANT)
    den = cv2.GaussianBlur(w, (0, 0), PERIOD_SMOOTHING, borderType=cv2.BORDER_CONSTANT)
    # blocks far from any measurement fall back to the median of the finger's measured periods
    fallback = float(median(raw_period[valid])) if valid.any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        period = np.where(den > 1e-3, num / np.maximum(den, 1e-6), fallback)
    return np.where(block_mask, period, np.nan).astype(np.float32)


def spectral_ridge_period(gray: np.ndarray, mask: np.ndarray, *, min_period: float = 2.5,
                          max_period: float = 40.0, size: int = 256) -> float:
    """Dominant ridge period (px) of the finger area from one 2-D spectrum; NaN without a clear peak.

    Slower than the block field (one FFT of up to ``size`` x ``size`` px) but free of its search range and
    of orientation errors, so it is the check of choice when the block field says the resolution looks
    wrong. The finger area (``mask``) is windowed, the radial power profile is whitened by the radius (the
    1/f fall-off of shading would otherwise win) and its peak refined by a parabola.
    """
    ys, xs = np.nonzero(mask)
    if len(ys) < 32 * 32:
        return float("nan")
    cy, cx = int(ys.mean()), int(xs.mean())
    h, w = gray.shape
    y0, x0 = max(0, min(cy - size // 2, h - size)), max(0, min(cx - size // 2, w - size))
    crop = gray[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    m = mask[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    ch, cw = crop.shape
    inside = m > 0
    crop = (crop - float(crop[inside].mean())) * m
    crop *= np.outer(np.hanning(ch), np.hanning(cw)).astype(np.float32)
    n = max(ch, cw)
    padded = np.zeros((n, n), np.float32)
    padded[:ch, :cw] = crop
    spec = cv2.dft(padded, flags=cv2.DFT_COMPLEX_OUTPUT)
    power = np.fft.fftshift(spec[..., 0] ** 2 + spec[..., 1] ** 2)
    yy, xx = np.indices(power.shape)
    radius = np.rint(np.hypot(yy - n // 2, xx - n // 2)).astype(np.int64)
    profile = np.bincount(radius.ravel(), power.ravel()) / np.maximum(np.bincount(radius.ravel()), 1)
    profile *= np.arange(len(profile))
    r_lo, r_hi = max(2, int(n / max_period)), min(len(profile) - 2, int(np.ceil(n / min_period)))
    if r_hi <= r_lo:
        return float("nan")
    k = r_lo + int(np.argmax(profile[r_lo : r_hi + 1]))
    if profile[k] < 3.0 * float(np.median(profile[r_lo : r_hi + 1])):
        return float("nan")
    a, b, c = profile[k - 1], profile[k], profile[k + 1]
    denom = a - 2 * b + c
    offset = float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
    return float(n / (k + offset))
