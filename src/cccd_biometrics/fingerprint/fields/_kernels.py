"""numba kernels of the fingerprint analysis (no I/O, no classes, no global state).

Every kernel is compiled with ``cache=True`` (later processes load the machine code from ``__pycache__``) and
``nogil=True`` (threads run them in parallel).

Conventions shared with :mod:`.orientation`: a ridge direction ``theta`` is an angle in [0, pi) measured
counter-clockwise from the +x axis *as the image is seen on screen*; since the row axis points down, the
direction's unit vector in (row, column) coordinates is ``(-sin theta, cos theta)`` and the unit normal across
the ridges is ``(cos theta, sin theta)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = [
    "PROFILE_FIELDS",
    "block_gradient_moments",
    "block_ridge_profiles",
    "cv_phase",
    "lerp_columns",
    "lerp_rows",
    "linear_weights",
    "upsampled_mask",
]

PROFILE_FIELDS = (
    "period",  # ridge period (px) of the block's signature, NaN if no clear period
    "fda",  # frequency-domain analysis (NFIQ 2 FDA): spectral peak share of the signature, [0, 1]
    "lcs",  # local clarity score (NFIQ 2 LCS): 1 - mean ridge/valley misclassification, [0, 1]
    "rv_ratio",  # mean ridge width / mean valley width (RVU input), NaN without a full ridge and valley
    "amplitude",  # std of the signature (grey levels): contrast across the ridges
    "residual",  # std of pixels around their column of the signature: breaks along ridges, noise
    "dark_fraction",  # fraction of pixels darker than the local trend (wide ridges -> wet, thin -> dry)
    "mean",  # mean grey level of the oriented window
)
N_PROFILE_FIELDS = len(PROFILE_FIELDS)


@intrinsic
def _fma32(typingctx, a, b, c):
    """``a * b + c`` in float32 with a single rounding (LLVM's ``llvm.fma``), as OpenCV's SIMD code computes it."""
    if not all(t == types.float32 for t in (a, b, c)):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float32(types.float32, types.float32, types.float32), codegen


# Block fields are brought to pixel resolution in the kernels themselves, not with cv2.resize/cv2.phase: each
# full-size float32 field is a fresh ~600 KB array per call, and fresh large arrays cost page faults (when a call's
# heap peak exceeds glibc's trim threshold, the freed heap top goes back to the kernel at the end of the call and
# the next call faults it in again: ~700 faults, ~2 ms per 388x374 print). The arithmetic below reproduces that of
# the OpenCV the project was measured with (5.0, x86-64; its SIMD paths use fused multiply-adds) bit for bit, checked
# against cv2 on random fields for block sizes 8-64 and on the FVC images; llvm.fma is correctly rounded on any
# CPU, so these results no longer depend on OpenCV's build. The kernels take these routines only for fields of at
# least 2 x 2 blocks (OpenCV resizes a single row or column another way).


@njit(cache=True, nogil=True)
def linear_weights(n_dst, n_src):
    """Source index and weight of the next source sample for each of ``n_dst`` destination samples, as
    ``cv2.resize(..., INTER_LINEAR)`` computes them (half-pixel centres; clamped to the edge samples)."""
    scale = 1.0 / (n_dst / n_src)
    index = np.empty(n_dst, np.int64)
    weight = np.empty(n_dst, np.float32)
    for d in range(n_dst):
        x = (d + 0.5) * scale - 0.5
        s = math.floor(x)
        f = np.float32(x - s)  # the fraction is taken in double, then rounded
        if s < 0:
            s = 0
            f = np.float32(0.0)
        if s >= n_src - 1:
            s = n_src - 1
            f = np.float32(0.0)
        index[d] = s
        weight[d] = f
    return index, weight


@njit(cache=True, nogil=True)
def lerp_columns(field, index, weight, w):
    """Each block row of ``field`` interpolated at the first ``w`` pixel columns (``index``, ``weight`` from
    :func:`linear_weights`): float32 (BY, w), the horizontal pass of ``cv2.resize(field, ..., INTER_LINEAR)``,
    done once per block row; :func:`lerp_rows` completes it at each pixel, giving exactly cv2's value."""
    by, bx = field.shape
    out = np.empty((by, w), np.float32)
    for r in range(by):
        for c in range(w):
            c0 = index[c]
            c1 = min(c0 + 1, bx - 1)
            out[r, c] = _fma32(field[r, c1] - field[r, c0], weight[c], field[r, c0])
    return out


@njit(cache=True, nogil=True)
def lerp_rows(top, bottom, ty):
    """The vertical pass of the bilinear interpolation at one pixel, from two rows of :func:`lerp_columns`."""
    return _fma32(bottom - top, ty, top)


# error_model="numpy": the division (never by zero here) needs no Python zero check, whose branch would keep
# LLVM from vectorising the loops that call this
@njit(cache=True, nogil=True, error_model="numpy")
def cv_phase(x, y):
    """``cv2.phase(x, y)`` of one float32 pair (radians in [0, 2 pi)): OpenCV's polynomial arctangent in
    degrees (error ~1e-4 rad), with its float32 constants and fused multiply-adds, then scaled to radians."""
    deg = np.float32(180.0 / math.pi)
    p1 = np.float32(0.9997878412794807) * deg
    p3 = np.float32(-0.3258083974640975) * deg
    p5 = np.float32(0.1555786518463281) * deg
    p7 = np.float32(-0.04432655554792128) * deg
    ax = abs(x)
    ay = abs(y)
    c = min(ax, ay) / (max(ax, ay) + np.float32(2.220446049250313e-16))
    cc = c * c
    a = _fma32(_fma32(_fma32(cc, p7, p5), cc, p3), cc, p1) * c
    if not ax >= ay:
        a = np.float32(90.0) - a
    if x < 0:
        a = np.float32(180.0) - a
    if y < 0:
        a = np.float32(360.0) - a
    return a * np.float32(math.pi / 180.0)


@njit(cache=True, nogil=True)
def _threshold_row(top, bottom, ty, level, out):
    # a plain loop over one row, which LLVM vectorises
    for c in range(out.shape[0]):
        out[c] = lerp_rows(top[c], bottom[c], ty) >= level


@njit(cache=True, nogil=True)
def upsampled_mask(block_mask, block_size, h, w):
    """``cv2.resize(block_mask as float32, (BX * bs, BY * bs), INTER_LINEAR)[:h, :w] >= 0.5`` without the
    full-size float32 temporary (at least 2 x 2 blocks)."""
    by, bx = block_mask.shape
    ry, ty = linear_weights(by * block_size, by)
    rx, tx = linear_weights(bx * block_size, bx)
    cols = lerp_columns(block_mask.astype(np.float32), rx, tx, w)
    out = np.empty((h, w), np.bool_)
    for r in range(h):
        r0 = ry[r]
        _threshold_row(cols[r0], cols[min(r0 + 1, by - 1)], ty[r], np.float32(0.5), out[r])
    return out


@njit(cache=True, nogil=True)
def _gradient_row(gray, smooth, y, col, gx, gy, dd):
    """Sobel gx, gy (float64, scaled by 1/8) and (gray - smooth)² (float32) of image row ``y``, borders
    replicated. Each value is the expression (and the evaluation order) of the former per-pixel loop, so the sums
    of :func:`block_gradient_moments` are unchanged; whole rows at a time, which LLVM vectorises."""
    h, w = smooth.shape
    ym = max(y - 1, 0)
    yp = min(y + 1, h - 1)
    for x in range(w):  # column sums s[ym] + 2 s[y] + s[yp] (gx's two terms)
        col[x] = smooth[ym, x] + 2.0 * smooth[y, x] + smooth[yp, x]
    # the first and last columns replicate the border; the others need no clamping (a loop LLVM vectorises)
    _gradient_at(gray, smooth, y, ym, yp, 0, 0, min(1, w - 1), col, gx, gy, dd)
    for x in range(1, w - 1):
        _gradient_at(gray, smooth, y, ym, yp, x, x - 1, x + 1, col, gx, gy, dd)
    if w > 1:
        _gradient_at(gray, smooth, y, ym, yp, w - 1, w - 2, w - 1, col, gx, gy, dd)


@njit(cache=True, nogil=True)
def _gradient_at(gray, smooth, y, ym, yp, x, xm, xp, col, gx, gy, dd):
    gx[x] = (col[xp] - col[xm]) * 0.125
    gy[x] = ((smooth[yp, xm] + 2.0 * smooth[yp, x] + smooth[yp, xp])
             - (smooth[ym, xm] + 2.0 * smooth[ym, x] + smooth[ym, xp])) * 0.125
    d = gray[y, x] - smooth[y, x]
    dd[x] = d * d


@njit(cache=True, nogil=True)
def _add_row_pair(gx, gy, dd, x0, n, sums, bx):
    """Add one row of two whole neighbouring blocks (columns x0 .. x0 + 2n - 1) to their sums, each block's
    pixels in order."""
    axx = sums[0, bx]
    ayy = sums[1, bx]
    axy = sums[2, bx]
    add = sums[3, bx]
    bxx = sums[0, bx + 1]
    byy = sums[1, bx + 1]
    bxy = sums[2, bx + 1]
    bdd = sums[3, bx + 1]
    for k in range(x0, x0 + n):
        m = k + n
        axx += gx[k] * gx[k]
        bxx += gx[m] * gx[m]
        ayy += gy[k] * gy[k]
        byy += gy[m] * gy[m]
        axy += gx[k] * gy[k]
        bxy += gx[m] * gy[m]
        add += dd[k]
        bdd += dd[m]
    sums[0, bx] = axx
    sums[1, bx] = ayy
    sums[2, bx] = axy
    sums[3, bx] = add
    sums[0, bx + 1] = bxx
    sums[1, bx + 1] = byy
    sums[2, bx + 1] = bxy
    sums[3, bx + 1] = bdd


@njit(cache=True, nogil=True)
def block_gradient_moments(gray, smooth, block_size):
    """Per-block means of gx², gy², gx·gy (3x3 Sobel of ``smooth``, scaled by 1/8) and (gray - smooth)².

    No full-size temporaries. Image borders are replicated; a partial block at the right or bottom
    edge averages the pixels it has. Returns float32 (4, BY, BX); rows point down (gy > 0 when brighter below).
    The gradients are computed a row at a time; each block's sums then add its pixels in the same (raster) order
    as a block-by-block loop would, so the float64 sums are exactly those of that loop.
    """
    h, w = gray.shape
    by_n = (h + block_size - 1) // block_size
    bx_n = (w + block_size - 1) // block_size
    out = np.empty((4, by_n, bx_n), dtype=np.float32)
    col = np.empty(w)
    gx = np.empty(w)
    gy = np.empty(w)
    dd = np.empty(w, np.float32)
    sums = np.empty((4, bx_n))
    for by in range(by_n):
        y_end = min((by + 1) * block_size, h)
        sums[:] = 0.0
        for y in range(by * block_size, y_end):
            _gradient_row(gray, smooth, y, col, gx, gy, dd)
            # the sums are chains of dependent additions: two blocks at a time overlap two chains
            bx = 0
            while bx < bx_n:
                x0 = bx * block_size
                if bx + 1 < bx_n and x0 + 2 * block_size <= w:
                    _add_row_pair(gx, gy, dd, x0, block_size, sums, bx)
                    bx += 2
                    continue
                sxx = sums[0, bx]
                syy = sums[1, bx]
                sxy = sums[2, bx]
                sdd = sums[3, bx]
                for x in range(x0, min(x0 + block_size, w)):
                    sxx += gx[x] * gx[x]
                    syy += gy[x] * gy[x]
                    sxy += gx[x] * gy[x]
                    sdd += dd[x]
                sums[0, bx] = sxx
                sums[1, bx] = syy
                sums[2, bx] = sxy
                sums[3, bx] = sdd
                bx += 1
        for bx in range(bx_n):
            x_end = min((bx + 1) * block_size, w)
            n = (y_end - by * block_size) * (x_end - bx * block_size)
            out[0, by, bx] = sums[0, bx] / n
            out[1, by, bx] = sums[1, bx] / n
            out[2, by, bx] = sums[2, bx] / n
            out[3, by, bx] = sums[3, bx] / n
    return out


@njit(cache=True, nogil=True)
def _bilinear(img: np.ndarray, r: float, c: float) -> float:
    h, w = img.shape
    if r < 0.0:
        r = 0.0
    elif r > h - 1.0:
        r = h - 1.0
    if c < 0.0:
        c = 0.0
    elif c > w - 1.0:
        c = w - 1.0
    r0 = int(r)
    c0 = int(c)
    r1 = min(r0 + 1, h - 1)
    c1 = min(c0 + 1, w - 1)
    fr = r - r0
    fc = c - c0
    top = img[r0, c0] * (1.0 - fc) + img[r0, c1] * fc
    bot = img[r1, c0] * (1.0 - fc) + img[r1, c1] * fc
    return top * (1.0 - fr) + bot * fr


@njit(cache=True, nogil=True)
def _sample_window(img, cy, cx, cos_t, sin_t, window, along_step):
    """Fill ``window[i, j]``: i across the ridges (1 px apart), j along them (``along_step`` px apart).

    Returns the signature: the window averaged along the ridges.
    """
    length, width = window.shape
    sig = np.empty(length, dtype=np.float64)
    half_l = (length - 1) * 0.5
    half_w = (width - 1) * 0.5
    for i in range(length):
        t = i - half_l
        acc = 0.0
        for j in range(width):
            s = (j - half_w) * along_step
            # normal (cos, sin) in (row, col); ridge direction (-sin, cos)
            r = cy + t * cos_t - s * sin_t
            c = cx + t * sin_t + s * cos_t
            v = _bilinear(img, r, c)
            window[i, j] = v
            acc += v
        sig[i] = acc / width
    return sig


@njit(cache=True, nogil=True)
def _detrend(sig):
    """Least-squares line through the signature: (trend, residual signature)."""
    n = sig.shape[0]
    xm = (n - 1) * 0.5
    sm = sig.mean()
    sxx = 0.0
    sxy = 0.0
    for i in range(n):
        d = i - xm
        sxx += d * d
        sxy += d * (sig[i] - sm)
    slope = sxy / sxx
    trend = np.empty(n)
    for i in range(n):
        trend[i] = sm + slope * (i - xm)
    return trend, sig - trend


@njit(cache=True, nogil=True)
def _dft_tables(n, min_period, max_period):
    """Trigonometric tables shared by every block: Hann-windowed search grid (2x zero-padded) and plain DFT."""
    pad = 2 * n
    k_lo = max(2, math.ceil(pad / max_period))
    k_hi = math.floor(pad / min_period)
    # rows 0..(k_hi - k_lo + 2): frequencies k_lo - 1 .. k_hi + 1 (neighbours for the parabolic refinement)
    n_search = k_hi - k_lo + 3
    search_cos = np.empty((n_search, n))
    search_sin = np.empty((n_search, n))
    for r in range(n_search):
        w = 2.0 * math.pi * (k_lo - 1 + r) / pad
        for i in range(n):
            hann = 0.5 - 0.5 * math.cos(2.0 * math.pi * (i + 0.5) / n)
            search_cos[r, i] = hann * math.cos(w * i)
            search_sin[r, i] = hann * math.sin(w * i)
    half = n // 2
    dft_cos = np.empty((half + 1, n))
    dft_sin = np.empty((half + 1, n))
    for k in range(half + 1):
        w = 2.0 * math.pi * k / n
        for i in range(n):
            dft_cos[k, i] = math.cos(w * i)
            dft_sin[k, i] = math.sin(w * i)
    return k_lo, search_cos, search_sin, dft_cos, dft_sin


@njit(cache=True, nogil=True)
def _power(x, cos_row, sin_row):
    re = 0.0
    im = 0.0
    for i in range(x.shape[0]):
        re += x[i] * cos_row[i]
        im += x[i] * sin_row[i]
    return re * re + im * im


@njit(cache=True, nogil=True)
def _powers(x, cos_tab, sin_tab, first, out):
    """``out[r] = _power(x, cos_tab[r], sin_tab[r])`` for the rows ``r >= first``, four rows at a time: each
    sum is a chain of dependent additions, and four rows' chains overlap. Every sum adds the same terms in the
    same order as :func:`_power`, so the powers are exactly its."""
    n = x.shape[0]
    rows = cos_tab.shape[0]
    r = first
    while r + 4 <= rows:
        re0 = 0.0
        im0 = 0.0
        re1 = 0.0
        im1 = 0.0
        re2 = 0.0
        im2 = 0.0
        re3 = 0.0
        im3 = 0.0
        for i in range(n):
            v = x[i]
            re0 += v * cos_tab[r, i]
            im0 += v * sin_tab[r, i]
            re1 += v * cos_tab[r + 1, i]
            im1 += v * sin_tab[r + 1, i]
            re2 += v * cos_tab[r + 2, i]
            im2 += v * sin_tab[r + 2, i]
            re3 += v * cos_tab[r + 3, i]
            im3 += v * sin_tab[r + 3, i]
        out[r] = re0 * re0 + im0 * im0
        out[r + 1] = re1 * re1 + im1 * im1
        out[r + 2] = re2 * re2 + im2 * im2
        out[r + 3] = re3 * re3 + im3 * im3
        r += 4
    while r < rows:
        out[r] = _power(x, cos_tab[r], sin_tab[r])
        r += 1


@njit(cache=True, nogil=True)
def _dominant_period(x, k_lo, search_cos, search_sin):
    """Period of the strongest oscillation in ``x`` (Hann-windowed DFT on a 2x zero-padded grid)."""
    pad = 2 * x.shape[0]
    n_search = search_cos.shape[0]
    powers = np.empty(n_search)
    _powers(x, search_cos, search_sin, 0, powers)
    best_r = -1
    best = 0.0
    for r in range(1, n_search - 1):
        if powers[r] > best:
            best = powers[r]
            best_r = r
    if best_r < 0 or best <= 0.0:
        return np.nan
    a = powers[best_r - 1]
    b = powers[best_r]
    c = powers[best_r + 1]
    denom = a - 2.0 * b + c
    offset = 0.0
    if denom < 0.0:
        offset = min(0.5, max(-0.5, 0.5 * (a - c) / denom))
    return pad / (k_lo - 1 + best_r + offset)


@njit(cache=True, nogil=True)
def _fda(x, dft_cos, dft_sin):
    """NFIQ 2 style FDA: share of the DFT amplitude around the dominant (non-DC) frequency."""
    half = dft_cos.shape[0] - 1
    amp = np.zeros(half + 1)
    _powers(x, dft_cos, dft_sin, 1, amp)
    for k in range(1, half + 1):
        amp[k] = math.sqrt(amp[k])
    total = 0.0
    best_k = 1
    for k in range(1, half + 1):
        total += amp[k]
        if amp[k] > amp[best_k]:
            best_k = k
    if total <= 0.0:
        return 0.0
    side = 0.0
    if best_k - 1 >= 1:
        side += amp[best_k - 1]
    if best_k + 1 <= half:
        side += amp[best_k + 1]
    return min(1.0, (amp[best_k] + 0.3 * side) / total)


@njit(cache=True, nogil=True)
def _ridge_valley_runs(is_ridge):
    """Mean ridge run / mean valley run over complete runs (first and last runs are cut by the window)."""
    n = is_ridge.shape[0]
    ridge_sum = 0.0
    ridge_n = 0
    valley_sum = 0.0
    valley_n = 0
    start = 0
    first = True
    for i in range(1, n + 1):
        if i == n or is_ridge[i] != is_ridge[start]:
            if not first and i < n:
                if is_ridge[start]:
                    ridge_sum += i - start
                    ridge_n += 1
                else:
                    valley_sum += i - start
                    valley_n += 1
            first = False
            start = i
    if ridge_n == 0 or valley_n == 0:
        return np.nan
    return (ridge_sum / ridge_n) / (valley_sum / valley_n)


@njit(cache=True, nogil=True)
def block_ridge_profiles(img, cos_t, sin_t, block_mask, block_size, length, width, along_step, min_period,
                         max_period):
    """Oriented ridge profile of every foreground block.

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
        Samples across the ridges (signature length, 1 px apart) and along them (averaged).
    along_step : float
        Spacing of the samples along the ridges (px): the window spans ``width * along_step`` px along them.
    min_period, max_period : float
        Range of ridge periods searched, in pixels.

    Returns
    -------
    float32 (len(PROFILE_FIELDS), BY, BX)
    """
    by_n, bx_n = block_mask.shape
    out = np.full((N_PROFILE_FIELDS, by_n, bx_n), np.nan, dtype=np.float32)
    window = np.empty((length, width), dtype=np.float64)
    is_ridge = np.empty(length, dtype=np.bool_)
    k_lo, search_cos, search_sin, dft_cos, dft_sin = _dft_tables(length, min_period, max_period)
    for by in range(by_n):
        for bx in range(bx_n):
            if not block_mask[by, bx]:
                continue
            cy = by * block_size + 0.5 * (block_size - 1)
            cx = bx * block_size + 0.5 * (block_size - 1)
            ct = cos_t[by, bx]
            st = sin_t[by, bx]
            sig = _sample_window(img, cy, cx, ct, st, window, along_step)
            trend, x = _detrend(sig)
            out[0, by, bx] = _dominant_period(x, k_lo, search_cos, search_sin)
            out[1, by, bx] = _fda(x, dft_cos, dft_sin)
            # classify each column of the window as ridge (darker than the trend) or valley
            for i in range(length):
                is_ridge[i] = x[i] < 0.0
            mis_r = 0
            n_r = 0
            mis_v = 0
            n_v = 0
            dark = 0
            res2 = 0.0
            total = 0.0
            for i in range(length):
                for j in range(width):
                    v = window[i, j]
                    total += v
                    below = v < trend[i]
                    if below:
                        dark += 1
                    d = v - sig[i]
                    res2 += d * d
                    if is_ridge[i]:
                        n_r += 1
                        if not below:
                            mis_r += 1
                    else:
                        n_v += 1
                        if below:
                            mis_v += 1
            alpha = mis_r / n_r if n_r > 0 else 1.0
            beta = mis_v / n_v if n_v > 0 else 1.0
            out[2, by, bx] = 1.0 - 0.5 * (alpha + beta)
            out[3, by, bx] = _ridge_valley_runs(is_ridge)
            out[4, by, bx] = math.sqrt((x * x).mean())
            out[5, by, bx] = math.sqrt(res2 / (length * width))
            out[6, by, bx] = dark / (length * width)
            out[7, by, bx] = total / (length * width)
    return out
