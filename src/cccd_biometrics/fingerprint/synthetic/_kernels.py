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
        cn += int(abs(np.int64(p[i]) - np.int64(p[(i + 1) % 8])))
    return cn // 2


@njit(cache=True, nogil=True)
def _visited(path: np.ndarray, n: int, y: int, x: int) -> bool:
    found = False
    for i in range(n):
        if path[i, 0] == y and path[i, 1] == x:
            found = True
            break
    return found


@njit(cache=True, nogil=True)
def _trace(img: np.ndarray, y: int, x: int, length: int, path: np.ndarray) -> tuple[int, bool]:
    """Follow the skeleton from the free end (y, x) for up to ``length`` pixels, recording them in ``path``
    (path[0] is the start). Returns (pixels visited, whether it stopped at a junction). On 8-connected
    staircases two unvisited neighbours that touch each other are one branch: the 4-connected one is taken."""
    h, w = img.shape
    path[0, 0] = y
    path[0, 1] = x
    n = 1
    while n < length:
        cy, cx = path[n - 1, 0], path[n - 1, 1]
        cand = np.zeros((8, 2), dtype=np.int64)
        count = 0
        for i in range(8):
            yy = cy + _DY[i]
            xx = cx + _DX[i]
            if 0 <= yy < h and 0 <= xx < w and img[yy, xx] and not _visited(path, n, yy, xx):
                # a pixel touching an earlier pixel of the path (other than the current one) is the
                # staircase shadow of the path itself, not a new branch
                near_old = False
                for j in range(max(0, n - 3), n - 1):
                    if abs(path[j, 0] - yy) <= 1 and abs(path[j, 1] - xx) <= 1:
                        near_old = True
                if not near_old:
                    cand[count, 0] = yy
                    cand[count, 1] = xx
                    count += 1
        if count == 0:
            return n, False
        pick = 0
        if count == 2 and abs(cand[0, 0] - cand[1, 0]) + abs(cand[0, 1] - cand[1, 1]) == 1:
            pick = 0 if (cand[0, 0] == cy or cand[0, 1] == cx) else 1
        elif count >= 2:
            return n, True
        path[n, 0] = cand[pick, 0]
        path[n, 1] = cand[pick, 1]
        n += 1
    return n, False


@njit(cache=True, nogil=True)
def prune_spurs(skeleton: np.ndarray, max_length: int) -> np.ndarray:
    """Delete branches that run from a free end to a junction in fewer than ``max_length`` pixels, and
    isolated segments shorter than that (dots)."""
    img = skeleton.copy()
    h, w = img.shape
    path = np.zeros((max_length + 1, 2), dtype=np.int64)
    for y in range(h):
        for x in range(w):
            if not img[y, x] or _crossing_number(img, y, x) != 1:
                continue
            n, at_junction = _trace(img, y, x, max_length, path)
            if n >= max_length:
                continue
            # keep the junction pixel itself; an isolated short segment goes entirely
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
