"""Numba kernels of the synthetic-fingerprint generator (no I/O, no classes).

* :func:`space_variant_filter`: one pass of the oriented Gabor growth, each pixel filtered with the bank kernel
  of its own orientation and period bin.
* :func:`thin`: Zhang-Suen thinning of a binary ridge map.
* :func:`prune_spurs`: removes skeleton branches shorter than a length from their free end.
* :func:`skeleton_minutiae`: crossing-number detection.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# 8-neighbourhood in circular order (P2..P9 of Zhang-Suen), as (dy, dx)
_DY = np.array([-1, -1, 0, 1, 1, 1, 0, -1], dtype=np.int64)
_DX = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)


@njit(cache=True, nogil=True)
def space_variant_filter(
    src: np.ndarray, orient_bin: np.ndarray, period_bin: np.ndarray, bank: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Filter ``src`` (float32 HxW) with ``bank[orient_bin[y, x], period_bin[y, x]]`` centred on each active
    pixel; inactive pixels get 0. ``bank`` has shape (n_orient, n_period, K, K), K odd; outside is zero.
    The summation order is fixed, so results are bit-identical from run to run."""
    h, w = src.shape
    k = bank.shape[2]
    r = k // 2
    padded = np.zeros((h + 2 * r, w + 2 * r), dtype=np.float32)
    padded[r:r + h, r:r + w] = src
    out = np.zeros((h, w), dtype=np.float32)
    for y in range(h):
        for x in range(w):
            if not active[y, x]:
                continue
            kern = bank[orient_bin[y, x], period_bin[y, x]]
            acc = np.float32(0.0)
            for ky in range(k):
                row = padded[y + ky]
                krow = kern[ky]
                for kx in range(k):
                    acc += row[x + kx] * krow[kx]
            out[y, x] = acc
    return out


@njit(cache=True, nogil=True)
def _neighbours(img: np.ndarray, y: int, x: int) -> np.ndarray:
    h, w = img.shape
    p = np.zeros(8, dtype=np.uint8)
    for i in range(8):
        yy = y + _DY[i]
        xx = x + _DX[i]
        if 0 <= yy < h and 0 <= xx < w and img[yy, xx]:
            p[i] = 1
    return p


@njit(cache=True, nogil=True)
def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning; ``binary`` is uint8 (0/1), returns a new uint8 (0/1) one-pixel-wide skeleton."""
    img = binary.copy()
    h, w = img.shape
    changed = True
    while changed:
        changed = False
        for step in range(2):
            marks = []
            for y in range(h):
                for x in range(w):
                    if not img[y, x]:
                        continue
                    p = _neighbours(img, y, x)
                    b = 0
                    for i in range(8):
                        b += p[i]
                    if b < 2 or b > 6:
                        continue
                    a = 0
                    for i in range(8):
                        if p[i] == 0 and p[(i + 1) % 8] == 1:
                            a += 1
                    if a != 1:
                        continue
                    if step == 0:
                        if p[0] * p[2] * p[4] != 0 or p[2] * p[4] * p[6] != 0:
                            continue
                    else:
                        if p[0] * p[2] * p[6] != 0 or p[0] * p[4] * p[6] != 0:
                            continue
                    marks.append((y, x))
            for m in marks:
                img[m[0], m[1]] = 0
            if len(marks) > 0:
                changed = True
    return img


@njit(cache=True, nogil=True)
def _crossing_number(img: np.ndarray, y: int, x: int) -> int:
    p = _neighbours(img, y, x)
    cn = 0
    for i in range(8):
        cn += abs(np.int64(p[i]) - np.int64(p[(i + 1) % 8]))
    return cn // 2


@njit(cache=True, nogil=True)
def _trace(img: np.ndarray, y: int, x: int, py: int, px: int, length: int, path: np.ndarray) -> int:
    """Follow the skeleton from (y, x), coming from (py, px), for up to ``length`` steps; fills ``path`` with
    visited (y, x) and returns the number of steps. Stops early at a junction (3+ skeleton neighbours)."""
    n = 0
    cy, cx = y, x
    for _ in range(length):
        nxt_y, nxt_x, count = -1, -1, 0
        for i in range(8):
            yy = cy + _DY[i]
            xx = cx + _DX[i]
            if yy < 0 or xx < 0 or yy >= img.shape[0] or xx >= img.shape[1]:
                continue
            if img[yy, xx] and not (yy == py and xx == px):
                count += 1
                # prefer 4-connected steps: they keep the traced direction honest on staircases
                if nxt_y < 0 or (_DY[i] == 0 or _DX[i] == 0):
                    nxt_y, nxt_x = yy, xx
        if count != 1:
            break
        py, px = cy, cx
        cy, cx = nxt_y, nxt_x
        path[n, 0] = cy
        path[n, 1] = cx
        n += 1
    return n


@njit(cache=True, nogil=True)
def prune_spurs(skeleton: np.ndarray, max_length: int) -> np.ndarray:
    """Delete branches that run from a free end to a junction in fewer than ``max_length`` pixels."""
    img = skeleton.copy()
    h, w = img.shape
    path = np.zeros((max_length + 1, 2), dtype=np.int64)
    for y in range(h):
        for x in range(w):
            if not img[y, x] or _crossing_number(img, y, x) != 1:
                continue
            n = _trace(img, y, x, -1, -1, max_length, path)
            if n >= max_length:
                continue
            # stopped early: at a junction (spur) or at the other free end (short isolated segment)
            last_y = path[n - 1, 0] if n > 0 else y
            last_x = path[n - 1, 1] if n > 0 else x
            at_junction = n > 0 and _crossing_number(img, last_y, last_x) >= 3
            img[y, x] = 0
            for i in range(n - 1 if at_junction else n):
                img[path[i, 0], path[i, 1]] = 0
    return img


@njit(cache=True, nogil=True)
def skeleton_minutiae(skeleton: np.ndarray) -> np.ndarray:
    """Crossing-number minutiae of a thinned skeleton: int64 array (N, 3) of y, x, crossing number
    (1 ending, 3 bifurcation). Image-border pixels are skipped."""
    h, w = skeleton.shape
    count = 0
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if skeleton[y, x]:
                cn = _crossing_number(skeleton, y, x)
                if cn == 1 or cn == 3:
                    count += 1
    res = np.zeros((count, 3), dtype=np.int64)
    k = 0
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if skeleton[y, x]:
                cn = _crossing_number(skeleton, y, x)
                if cn == 1 or cn == 3:
                    res[k, 0] = y
                    res[k, 1] = x
                    res[k, 2] = cn
                    k += 1
    return res
