"""Ridge period (wavelength) field and the oriented ridge profiles it is measured from.

For every foreground block a window of 32 x 16 px centred on the block is sampled along the local ridge
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

from ._kernels import PROFILE_FIELDS, block_ridge_profiles

__all__ = [
    "MAX_PERIOD",
    "MIN_PERIOD",
    "PROFILE_FIELDS",
    "SIGNATURE_LENGTH",
    "SIGNATURE_WIDTH",
    "ridge_period_field",
    "ridge_profiles",
]

MIN_PERIOD = 3.0
"""Shortest ridge period searched (px at 500 ppi; adult ridges are about 9 px apart)."""

MAX_PERIOD = 20.0
"""Longest ridge period searched (px at 500 ppi)."""

SIGNATURE_LENGTH = 32
SIGNATURE_WIDTH = 16

PERIOD_SMOOTHING = 1.0
"""Gaussian smoothing of the period field, in blocks."""


def ridge_profiles(gray: np.ndarray, theta: np.ndarray, block_mask: np.ndarray, block_size: int) -> np.ndarray:
    """Oriented ridge-profile measures of each foreground block.

    Returns a float32 array of shape ``(len(PROFILE_FIELDS), BY, BX)``; NaN outside ``block_mask``.
    See :data:`cccd_biometrics.fingerprint._kernels.PROFILE_FIELDS` for the rows.
    """
    cos_t = np.cos(theta).astype(np.float32)
    sin_t = np.sin(theta).astype(np.float32)
    return block_ridge_profiles(np.ascontiguousarray(gray, dtype=np.float32), cos_t, sin_t,
                                np.ascontiguousarray(block_mask), int(block_size), SIGNATURE_LENGTH,
                                SIGNATURE_WIDTH, MIN_PERIOD, MAX_PERIOD)


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
    fallback = float(np.median(raw_period[valid])) if valid.any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        period = np.where(den > 1e-3, num / np.maximum(den, 1e-6), fallback)
    return np.where(block_mask, period, np.nan).astype(np.float32)
