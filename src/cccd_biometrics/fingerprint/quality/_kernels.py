"""numba kernels of the quality measures (no I/O, no classes, no global state).

The oriented window is sampled as in :mod:`cccd_biometrics.fingerprint.fields._kernels` (same sampler, same
angle convention), so a block's ridge columns here are the ones its ridge profile was measured on.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..fields._kernels import _detrend, _sample_window

__all__ = ["block_ridge_breaks"]


@njit(cache=True, nogil=True)
def block_ridge_breaks(img, cos_t, sin_t, block_mask, block_size, length, width, along_step, core):
    """Share of each block's ridge-core samples that are as light as the local trend (gaps in the ridges).

    Parameters
    ----------
    img : float32 (H, W)
        Grey levels (dark ridges).
    cos_t, sin_t : float32 (BY, BX)
        Cosine and sine of the ridge direction of each block.
    block_mask : bool (BY, BX)
        Blocks to measure; the others are NaN.
    block_size : int
        Block side in pixels; the window is centred on the block.
    length, width : int
        Samples across the ridges (1 px apart) and along them (``along_step`` px apart).
    along_step : float
        Spacing of the samples along the ridges (px).
    core : float
        A column of the window is a ridge *core* when its detrended mean lies below ``-core`` times the
        signature's RMS: the middle of a ridge, not its edges (where thin and thick ridges differ anyway).

    Returns
    -------
    float32 (BY, BX)
        Per block in [0, 1]; NaN outside ``block_mask``, on flat blocks and where no column is a ridge core.
    """
    by_n, bx_n = block_mask.shape
    out = np.full((by_n, bx_n), np.nan, dtype=np.float32)
    window = np.empty((length, width), dtype=np.float64)
    for by in range(by_n):
        for bx in range(bx_n):
            if not block_mask[by, bx]:
                continue
            cy = by * block_size + 0.5 * (block_size - 1)
            cx = bx * block_size + 0.5 * (block_size - 1)
            sig = _sample_window(img, cy, cx, cos_t[by, bx], sin_t[by, bx], window, along_step)
            trend, x = _detrend(sig)
            rms = math.sqrt((x * x).mean())
            if rms <= 0.0:
                continue
            limit = -core * rms
            n_core = 0
            gaps = 0
            for i in range(length):
                if x[i] >= limit:
                    continue
                for j in range(width):
                    n_core += 1
                    if window[i, j] >= trend[i]:
                        gaps += 1
            if n_core > 0:
                out[by, bx] = gaps / n_core
    return out
