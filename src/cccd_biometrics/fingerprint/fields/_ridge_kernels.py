"""Numba kernels of ridge enhancement and thinning (private; see ``enhance.py``).

Images are indexed (row, col). Orientation bins index precomputed tables of integer pixel offsets: bin ``b``
stands for the ridge direction ``theta = b * pi / n_bins`` (convention of :mod:`.analysis`: the ridge runs along
the (row, col) vector ``(-sin theta, cos theta)``; the across-ridge normal is ``(cos theta, sin theta)``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import _fma32, cv_phase, lerp_columns, lerp_rows, linear_weights

# 8-neighbour ring in clockwise order starting north: (drow, dcol)
RING_DR = np.array([-1, -1, 0, 1, 1, 1, 0, -1], dtype=np.int64)
RING_DC = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)



# Per-pixel orientation and period bins. The filter used to receive per-pixel float32 fields (cv2.resize of the
# block fields, cv2.phase of the doubled-angle vectors) and bin them itself; the fields are now interpolated and
# binned here, to uint8 images, with OpenCV's arithmetic reproduced bit for bit (see ``_kernels``) and the filter's
# own bin expressions: the same bins, without two full-size float32 fields per call (page faults, see ``_kernels``).
# These kernels are compiled WITHOUT fastmath and must not be inlined into a fastmath kernel: there LLVM computes
# the division of cv_phase with a reciprocal estimate (vrcp14ps + a Newton step), which is not always the
# correctly rounded quotient, and a bin could then change.


@njit(cache=True, nogil=True)
def _orientation_bin(phase2, to_bin, n):
    """``int(phase2 * to_bin + 0.5) % n`` as the filter computed it under fastmath (a fused multiply-add,
    truncated), in int32 (``n`` too): an int64 bin keeps LLVM from vectorising the loops (0.9 -> 0.1 ms per
    image)."""
    b = np.int32(_fma32(phase2, to_bin, np.float32(0.5)))  # 0 <= b <= n: no overflow
    return b - n if b >= n else b  # phase2 < 2 pi: no modulo needed


@njit(cache=True, nogil=True)
def _orientation_bin_row(cos_top, cos_bottom, sin_top, sin_bottom, ty, to_bin, n_orient, out):
    """Orientation bins of one image row from the horizontally interpolated block rows above and below it."""
    n = np.int32(n_orient)
    for c in range(out.shape[0]):
        phase2 = cv_phase(lerp_rows(cos_top[c], cos_bottom[c], ty), lerp_rows(sin_top[c], sin_bottom[c], ty))
        out[c] = _orientation_bin(phase2, to_bin, n)


@njit(cache=True, nogil=True)
def _period_bin(period, p_min, inv_step, n_period):
    """``min(max(int((period - p_min) * inv_step + 0.5), 0), n_period - 1)`` as the filter computed it under
    fastmath on x86-64 (fused multiply-add; cvttss2si, whose out-of-range and NaN result, INT64_MIN, clamps to 0),
    in a form LLVM vectorises."""
    x = _fma32(period - p_min, inv_step, np.float32(0.5))
    if x >= np.float32(0.0) and x < np.float32(9.2e18):
        return np.int32(min(x, np.float32(n_period - 1)))
    return np.int32(0)


@njit(cache=True, nogil=True)
def _period_bin_row(top, bottom, ty, p_min, inv_step, n_period, out):
    for c in range(out.shape[0]):
        out[c] = _period_bin(lerp_rows(top[c], bottom[c], ty), p_min, inv_step, n_period)


@njit(cache=True, nogil=True)
def pixel_bins(cos2, sin2, period_blocks, block_size, h, w, n_orient, period_min, period_step, n_period):
    """Orientation and period bins (uint8 (H, W) each) of every pixel, from float32 (BY, BX) block fields of at
    least 2 x 2 blocks: the doubled-angle vectors ``cos2``, ``sin2`` and the ridge period (px, no NaN), interpolated
    as ``cv2.resize(..., INTER_LINEAR)`` and the angle taken as ``cv2.phase``. Orientation bin ``b`` covers
    ``phase2 * n_orient / (2 pi)`` in [b - 0.5, b + 0.5); period bin ``p`` covers ``period_min + p * period_step``
    +- half a step, clamped to [0, n_period - 1]."""
    by, bx = cos2.shape
    to_bin = np.float32(n_orient / (2.0 * np.pi))
    inv_step = np.float32(1.0 / period_step)
    p_min = np.float32(period_min)
    ry, ty = linear_weights(by * block_size, by)
    rx, tx = linear_weights(bx * block_size, bx)
    # block rows interpolated at every pixel column (BY x W: small); each pixel then needs one vertical step
    cos_cols = lerp_columns(cos2, rx, tx, w)
    sin_cols = lerp_columns(sin2, rx, tx, w)
    period_cols = lerp_columns(period_blocks, rx, tx, w)
    orient = np.empty((h, w), np.uint8)
    period = np.empty((h, w), np.uint8)
    for r in range(h):
        r0 = ry[r]
        r1 = min(r0 + 1, by - 1)
        _orientation_bin_row(cos_cols[r0], cos_cols[r1], sin_cols[r0], sin_cols[r1], ty[r], to_bin, n_orient,
                             orient[r])
        _period_bin_row(period_cols[r0], period_cols[r1], ty[r], p_min, inv_step, n_period, period[r])
    return orient, period


@njit(cache=True, nogil=True)
def bins_of_fields(phase2, period, n_orient, period_min, period_step, n_period):
    """:func:`pixel_bins` of given per-pixel fields (float32 (H, W): doubled angle in [0, 2 pi), period in px)."""
    h, w = phase2.shape
    to_bin = np.float32(n_orient / (2.0 * np.pi))
    inv_step = np.float32(1.0 / period_step)
    p_min = np.float32(period_min)
    n = np.int32(n_orient)
    orient = np.empty((h, w), np.uint8)
    pbins = np.empty((h, w), np.uint8)
    for r in range(h):
        for c in range(w):
            orient[r, c] = _orientation_bin(phase2[r, c], to_bin, n)
            pbins[r, c] = _period_bin(period[r, c], p_min, inv_step, n_period)
    return orient, pbins


@njit(cache=True, nogil=True, fastmath=True)
def oriented_filter(padded, pad, orient, pbins, near, inside, along_off, along_w, across_off, across_w, across_n):
    """Contextual enhancement: smoothing along the ridge, then a frequency-tuned even Gabor profile across it.

    padded: float32 (H + 2 pad, W + 2 pad) edge-replicated grey levels, OVERWRITTEN with the along-ridge pass;
    orient, pbins: uint8 (H, W) orientation and period bin of each pixel (:func:`pixel_bins`); near: bool, where the
    along-ridge pass is needed; inside: bool, where output is wanted (within ``near``). No tap may reach further
    than ``pad`` rows or columns.
    along_off: (NB, NA) flat offsets in the padded image; along_w: (NA,) weights summing to 1.
    across_off: (NP, NB, NC) flat offsets; across_w: (NP, NB, NC) zero-mean weights, the first
    across_n[p] taps of each row in use. Both kernels must be symmetric (tap k and tap n-1-k: opposite offsets,
    equal weights), which halves the multiplications. Flat offsets make the inner loops plain dot products.
    """
    h, w = near.shape
    wp = w + 2 * pad
    flat = padded.ravel()
    ma = along_w.shape[0] // 2  # both kernels are symmetric: tap k and its mirror share a weight
    # The along-ridge pass replaces the grey levels in place (no full-size copy: fresh large arrays cost page
    # faults, see _kernels). A row is written back once no later pixel reads it, i.e. ``pad`` rows later: its
    # results wait in a ring of pad + 1 rows. Pixels outside ``near`` (and the border) keep their grey level, as
    # in the copy the pass used to write to.
    n_ring = pad + 1
    ring = np.empty((n_ring, w), np.float32)
    for r in range(h + pad):
        if r < h:
            base = (r + pad) * wp + pad
            slot = ring[r % n_ring]
            for c in range(w):
                if not near[r, c]:
                    continue
                b = orient[r, c]
                i = base + c
                acc = along_w[ma] * flat[i]
                for k in range(ma):
                    o = along_off[b, k]
                    acc += along_w[k] * (flat[i + o] + flat[i - o])
                slot[c] = acc
        q = r - pad
        if q >= 0:
            base = (q + pad) * wp + pad
            slot = ring[q % n_ring]
            for c in range(w):
                if near[q, c]:
                    flat[base + c] = slot[c]
    smooth = flat
    out = np.zeros((h, w), np.float32)
    for r in range(h):
        base = (r + pad) * wp + pad
        for c in range(w):
            if not inside[r, c]:
                continue
            b = orient[r, c]
            p = pbins[r, c]
            i = base + c
            mc = across_n[p] // 2
            acc = across_w[p, b, mc] * smooth[i]
            for k in range(mc):
                o = across_off[p, b, k]
                acc += across_w[p, b, k] * (smooth[i + o] + smooth[i - o])
            out[r, c] = acc
    return out


def _zhang_suen_tables() -> np.ndarray:
    """Deletion decision of both Zhang-Suen sub-iterations for each of the 256 neighbourhoods.

    Bit k of the code is the ring neighbour k of RING_DR/RING_DC (N, NE, E, SE, S, SW, W, NW)."""
    table = np.zeros((2, 256), np.uint8)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]
        p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
        n = sum(p)
        a = sum(1 for k in range(8) if p[k] == 0 and p[(k + 1) % 8] == 1)
        if 2 <= n <= 6 and a == 1:
            table[0, code] = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
            table[1, code] = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
    return table


ZHANG_SUEN_DELETE = _zhang_suen_tables()


@njit(cache=True, nogil=True)
def _zhang_suen_pass(img, pix, n_pix, table, marks):
    """One Zhang-Suen sub-iteration over the listed pixels (``table``: its 256-entry deletion decisions;
    ``marks``: scratch room for ``n_pix`` indices); returns the new count of listed pixels (deleted ones are
    dropped, so later passes visit only the rest)."""
    w = img.shape[1]
    flat = img.ravel()
    n_marks = 0
    keep = 0
    for t in range(n_pix):
        m = pix[t]
        code = (flat[m - w] | (flat[m - w + 1] << 1) | (flat[m + 1] << 2) | (flat[m + w + 1] << 3)
                | (flat[m + w] << 4) | (flat[m + w - 1] << 5) | (flat[m - 1] << 6) | (flat[m - w - 1] << 7))
        # branch-free (the deletion decision is unpredictable): write both ways, advance one
        d = np.int64(table[code] != 0)
        marks[n_marks] = m
        n_marks += d
        pix[keep] = m
        keep += 1 - d
    for t in range(n_marks):
        flat[marks[t]] = 0
    return keep


def _staircase_table() -> np.ndarray:
    """For each of the 256 neighbourhoods (bit order of :func:`_zhang_suen_tables`): 1 when the centre can go
    without disconnecting its neighbours (8-connectivity Yokoi number 1) and is not an end point (>= 2
    neighbours) -- the redundant corner pixels of a Zhang-Suen skeleton."""
    table = np.zeros(256, np.uint8)
    for code in range(256):
        n_, ne, e, se, s_, sw, w_, nw = [(code >> k) & 1 for k in range(8)]
        x = [e, ne, n_, nw, w_, sw, s_, se]  # Yokoi's x1..x8: E, NE, N, NW, W, SW, S, SE
        y = [1 - v for v in x]
        n8 = sum(y[k] - y[k] * y[k + 1] * y[(k + 2) % 8] for k in (0, 2, 4, 6))
        table[code] = n8 == 1 and sum(x) >= 2
    return table


STAIRCASE_DELETE = _staircase_table()


@njit(cache=True, nogil=True)
def _remove_staircase(img, pix, n_pix, table):
    """Delete, in raster order and in place, the listed skeleton pixels that ``table`` marks as redundant:
    leaves a one-pixel-wide 8-connected skeleton without 4-connected corners."""
    w = img.shape[1]
    flat = img.ravel()
    for t in range(n_pix):
        m = pix[t]
        code = (flat[m - w] | (flat[m - w + 1] << 1) | (flat[m + 1] << 2) | (flat[m + w + 1] << 3)
                | (flat[m + w] << 4) | (flat[m + w - 1] << 5) | (flat[m - 1] << 6) | (flat[m - w - 1] << 7))
        if table[code]:
            flat[m] = 0


@njit(cache=True, nogil=True)
def thin(binary, tables, staircase):
    """Zhang-Suen thinning of a uint8 0/1 image (border rows/cols must be 0), then staircase removal.

    ``tables`` is :data:`ZHANG_SUEN_DELETE`, ``staircase`` :data:`STAIRCASE_DELETE`."""
    img = binary.copy()
    h, w = img.shape
    # the list is sized to the ridge pixels (+1 for the branch-free write below), not to the image: an image-sized
    # list (8 bytes a pixel) is big enough to be mmapped afresh, page faults and all, on every call
    n_set = 0
    for r in range(1, h - 1):
        for c in range(1, w - 1):
            n_set += img[r, c] != 0
    pix = np.empty(n_set + 1, np.int64)
    n_pix = 0
    for r in range(1, h - 1):
        for c in range(1, w - 1):
            pix[n_pix] = r * w + c  # branch-free: kept only if the pixel is set
            n_pix += np.int64(img[r, c] != 0)
    marks = np.empty(max(n_pix, 1), np.int64)
    for _ in range(64):
        before = n_pix
        n_pix = _zhang_suen_pass(img, pix, n_pix, tables[0], marks)
        n_pix = _zhang_suen_pass(img, pix, n_pix, tables[1], marks)
        if n_pix == before:
            break
    _remove_staircase(img, pix, n_pix, staircase)  # the list is still in raster order
    return img


