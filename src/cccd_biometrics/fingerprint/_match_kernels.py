"""Numba kernels of the minutiae comparator (bit-based Minutia Cylinder-Code + relaxation).

No I/O and no classes here: plain arrays in, arrays or scalars out. The geometry is in a y-up frame
(``y = -row``) with angles in radians counter-clockwise, 500 ppi pixel units; :mod:`.match` converts.

Cylinder bits are stored slice by slice: every one of the ``nd`` angular slices takes ``wps`` 64-bit words
(the cells that lie inside the cylinder's disc, in a fixed order), so that one ``wps``-word validity mask
applies to every slice.

References: R. Cappelli, M. Ferrara, D. Maltoni, "Minutia Cylinder-Code: a new representation and matching
technique for fingerprint recognition", IEEE TPAMI 32(12), 2010 (cylinders, bit similarity, LSS-R).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

TWO_PI = 2.0 * math.pi

# indices into the float64 parameter vectors built by match.py (kept as arrays so kernels take few arguments)
C_RADIUS, C_SIGMA_S, C_SIGMA_D, C_MU_PSI, C_OMEGA, C_MIN_VC, C_MIN_M = range(7)
S_MAX_ROT, S_MIN_ME, S_N_REL, S_W_R, S_MU1, S_TAU1, S_MU2, S_TAU2, S_MU3, S_TAU3 = range(10)
S_MIN_P, S_MAX_P, S_MU_P, S_TAU_P, S_ONE_TO_ONE = range(10, 15)


@intrinsic
def _ctpop(typingctx, x):  # pragma: no cover - compiled by numba
    """LLVM ``ctpop`` on a uint64 (a single POPCNT instruction on x86-64)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def popcount(x):
    """Number of set bits of a uint64."""
    return _ctpop(x)


@njit(cache=True, nogil=True, inline="always")
def angle_diff(a, b):
    """``a - b`` wrapped to [-pi, pi)."""
    d = a - b
    while d < -math.pi:
        d += TWO_PI
    while d >= math.pi:
        d -= TWO_PI
    return d


@njit(cache=True, nogil=True, inline="always")
def sigmoid(v, mu, tau):
    """The MCC sigmoid Z(v; mu, tau) = 1 / (1 + exp(-tau (v - mu)))."""
    return 1.0 / (1.0 + math.exp(-tau * (v - mu)))


# ------------------------------------------------------------------------------------------------ hull
@njit(cache=True, nogil=True)
def convex_hull(x, y):
    """Indices of the convex hull of the points, counter-clockwise (Andrew's monotone chain)."""
    n = x.size
    order = np.argsort(x + y * 1e-9)
    hull = np.empty(2 * n + 1, np.int64)
    k = 0
    for step in range(2):
        start = k
        seq = order if step == 0 else order[::-1]
        for idx in seq:
            while k >= start + 2:
                o, a = hull[k - 2], hull[k - 1]
                cross = (x[a] - x[o]) * (y[idx] - y[o]) - (y[a] - y[o]) * (x[idx] - x[o])
                if cross > 0:
                    break
                k -= 1
            hull[k] = idx
            k += 1
        k -= 1  # the last point repeats the first of the other chain
    return hull[: max(k, 1)] if n > 0 else hull[:0]


@njit(cache=True, nogil=True)
def _near_hull(px, py, hx, hy, omega):
    """True when (px, py) lies inside the CCW convex polygon (hx, hy) or within ``omega`` of it."""
    n = hx.size
    if n == 0:
        return False
    inside = n >= 3
    best = np.inf
    for i in range(n):
        j = (i + 1) % n
        ex, ey = hx[j] - hx[i], hy[j] - hy[i]
        qx, qy = px - hx[i], py - hy[i]
        if ex * qy - ey * qx < 0:
            inside = False
        length2 = ex * ex + ey * ey
        t = 0.0 if length2 == 0 else min(1.0, max(0.0, (qx * ex + qy * ey) / length2))
        dx, dy = qx - t * ex, qy - t * ey
        best = min(best, dx * dx + dy * dy)
    return inside or best <= omega * omega


# ------------------------------------------------------------------------------------------- cylinders
@njit(cache=True, nogil=True)
def _cell_contributions(m, px, py, x, y, theta, nd, sigma_s, sigma_d, acc):
    """Sum over the neighbours of minutia ``m`` of the spatial x directional contributions to cell (px, py)."""
    acc[:] = 0.0
    reach2 = (3.0 * sigma_s) ** 2
    norm_s = 1.0 / (sigma_s * math.sqrt(TWO_PI))
    delta_d = TWO_PI / nd
    erf_scale = 1.0 / (sigma_d * math.sqrt(2.0))
    for t in range(x.size):
        if t == m:
            continue
        dx, dy = x[t] - px, y[t] - py
        d2 = dx * dx + dy * dy
        if d2 > reach2:
            continue
        spatial = norm_s * math.exp(-d2 / (2.0 * sigma_s * sigma_s))
        rel = angle_diff(theta[m], theta[t])
        for k in range(nd):
            a = angle_diff(-math.pi + (k + 0.5) * delta_d, rel)
            acc[k] += spatial * 0.5 * (math.erf((a + 0.5 * delta_d) * erf_scale)
                                       - math.erf((a - 0.5 * delta_d) * erf_scale))


@njit(cache=True, nogil=True)
def build_cylinders(x, y, theta, cell_u, cell_v, nd, wps, params):
    """Bit cylinders of every minutia.

    Returns ``bits`` (n, nd*wps) uint64 (cell value bits, zero where invalid), ``valid`` (n, wps) uint64
    (cell validity, the same for every slice) and ``ok`` (n,) bool (cylinder valid: enough valid cells
    and neighbours).
    """
    n = x.size
    radius, sigma_s, omega = params[C_RADIUS], params[C_SIGMA_S], params[C_OMEGA]
    bits = np.zeros((n, nd * wps), np.uint64)
    valid = np.zeros((n, wps), np.uint64)
    ok = np.zeros(n, np.bool_)
    if n == 0:
        return bits, valid, ok
    hull = convex_hull(x, y)
    hx, hy = x[hull].copy(), y[hull].copy()
    acc = np.zeros(nd)
    reach2 = (radius + 3.0 * sigma_s) ** 2
    for m in range(n):
        c, s = math.cos(theta[m]), math.sin(theta[m])
        n_valid = 0
        for ci in range(cell_u.size):
            px = x[m] + c * cell_u[ci] - s * cell_v[ci]
            py = y[m] + s * cell_u[ci] + c * cell_v[ci]
            if not _near_hull(px, py, hx, hy, omega):
                continue
            n_valid += 1
            word, bit = ci >> 6, np.uint64(1) << np.uint64(ci & 63)
            valid[m, word] |= bit
            _cell_contributions(m, px, py, x, y, theta, nd, sigma_s, params[C_SIGMA_D], acc)
            for k in range(nd):
                if acc[k] >= params[C_MU_PSI]:
                    bits[m, k * wps + word] |= bit
        neighbours = 0
        for t in range(n):
            if t != m and (x[t] - x[m]) ** 2 + (y[t] - y[m]) ** 2 <= reach2:
                neighbours += 1
        ok[m] = n_valid >= params[C_MIN_VC] * cell_u.size and neighbours >= params[C_MIN_M]
    return bits, valid, ok


# ------------------------------------------------------------------------------------------ similarity
@njit(cache=True, nogil=True)
def similarity_matrix(ta, bits_a, valid_a, tb, bits_b, valid_b, nd, min_matchable, max_rot, out):
    """Bit-based MCC local similarities of every cylinder pair into ``out[:na, :nb]``; returns the count of
    non-zero entries."""
    na, nb, wps = ta.size, tb.size, valid_a.shape[1]
    nonzero = 0
    for i in range(na):
        for j in range(nb):
            out[i, j] = 0.0
            if abs(angle_diff(ta[i], tb[j])) > max_rot:
                continue
            matchable = 0
            for w in range(wps):
                matchable += popcount(valid_a[i, w] & valid_b[j, w])
            if matchable * nd < min_matchable:
                continue
            na_bits, nb_bits, nx_bits = 0, 0, 0
            for w in range(wps):
                common = valid_a[i, w] & valid_b[j, w]
                for k in range(nd):
                    va = bits_a[i, k * wps + w] & common
                    vb = bits_b[j, k * wps + w] & common
                    na_bits += popcount(va)
                    nb_bits += popcount(vb)
                    nx_bits += popcount(va ^ vb)
            denom = math.sqrt(na_bits) + math.sqrt(nb_bits)
            if denom > 0.0:
                out[i, j] = 1.0 - math.sqrt(nx_bits) / denom
                if out[i, j] > 0.0:
                    nonzero += 1
    return nonzero


@njit(cache=True, nogil=True)
def top_pairs(sim, na, nb, count, values, rows, cols):
    """The ``count`` largest entries of ``sim[:na, :nb]`` in decreasing order (ties: row-major order).

    Writes them into ``values``/``rows``/``cols`` and returns how many were written (<= count; zeros are
    never selected).
    """
    n = 0
    for i in range(na):
        for j in range(nb):
            if sim[i, j] > 0.0:
                values[n] = sim[i, j]
                n += 1
    if n == 0:
        return 0
    count = min(count, n)
    threshold = np.partition(values[:n], n - count)[n - count]
    k = 0
    for i in range(na):  # strictly above the threshold first, then ties in row-major order
        for j in range(nb):
            if sim[i, j] > threshold:
                rows[k], cols[k] = i, j
                k += 1
    for i in range(na):
        for j in range(nb):
            if k < count and sim[i, j] == threshold:
                rows[k], cols[k] = i, j
                k += 1
    for t in range(count):
        values[t] = sim[rows[t], cols[t]]
    order = np.argsort(-values[:count], kind="mergesort")
    rows[:count] = rows[:count][order]
    cols[:count] = cols[:count][order]
    values[:count] = values[:count][order]
    return count


@njit(cache=True, nogil=True)
def greedy_pairs(sim, na, nb, count, values, rows, cols):
    """Up to ``count`` pairs in decreasing similarity, each minutia used at most once (greedy assignment).

    Writes them into ``values``/``rows``/``cols`` and returns how many were written.
    """
    n = 0
    for i in range(na):
        for j in range(nb):
            if sim[i, j] > 0.0:
                values[n] = sim[i, j]
                rows[n], cols[n] = i, j
                n += 1
    if n == 0:
        return 0
    order = np.argsort(-values[:n], kind="mergesort")
    used_a = np.zeros(na, np.bool_)
    used_b = np.zeros(nb, np.bool_)
    r_sel, c_sel = rows[:n][order], cols[:n][order]
    k = 0
    for t in range(n):
        i, j = r_sel[t], c_sel[t]
        if used_a[i] or used_b[j]:
            continue
        used_a[i] = True
        used_b[j] = True
        rows[k], cols[k], values[k] = i, j, sim[i, j]
        k += 1
        if k == count:
            break
    return k


@njit(cache=True, nogil=True)
def _compatibility(xa, ya, ta, xb, yb, tb, r_a, r_b, k_a, k_b, p):
    """rho(r, k): geometric compatibility of pair (r_a, r_b) with pair (k_a, k_b) (MCC LSS-R)."""
    dxa, dya = xa[k_a] - xa[r_a], ya[k_a] - ya[r_a]
    dxb, dyb = xb[k_b] - xb[r_b], yb[k_b] - yb[r_b]
    d1 = abs(math.sqrt(dxa * dxa + dya * dya) - math.sqrt(dxb * dxb + dyb * dyb))
    z1 = sigmoid(d1, p[S_MU1], p[S_TAU1])
    if z1 < 1e-4:  # distances disagree: the other two factors cannot rescue it
        return 0.0
    d2 = abs(angle_diff(angle_diff(ta[r_a], ta[k_a]), angle_diff(tb[r_b], tb[k_b])))
    z2 = sigmoid(d2, p[S_MU2], p[S_TAU2])
    if z2 < 1e-4:
        return 0.0
    ra = angle_diff(ta[r_a], math.atan2(dya, dxa))
    rb = angle_diff(tb[r_b], math.atan2(dyb, dxb))
    return z1 * z2 * sigmoid(abs(angle_diff(ra, rb)), p[S_MU3], p[S_TAU3])


@njit(cache=True, nogil=True)
def relaxed_score(xa, ya, ta, xb, yb, tb, values, rows, cols, n_pairs, n_p, p, rho, lam, tmp, eff):
    """LSS-R: relax the selected pairs' similarities by their mutual geometric compatibility and average the
    ``n_p`` pairs that kept most of their similarity. Work arrays are passed in to avoid allocations."""
    if n_pairs == 0:
        return 0.0
    for r in range(n_pairs):
        rho[r, r] = 0.0
        for k in range(r + 1, n_pairs):
            v = _compatibility(xa, ya, ta, xb, yb, tb, rows[r], cols[r], rows[k], cols[k], p)
            rho[r, k] = v
            rho[k, r] = v
    w = p[S_W_R]
    norm = 1.0 / max(n_pairs - 1, 1)
    lam[:n_pairs] = values[:n_pairs]
    for _ in range(int(p[S_N_REL])):
        for r in range(n_pairs):
            acc = 0.0
            for k in range(n_pairs):
                acc += rho[r, k] * lam[k]
            tmp[r] = w * lam[r] + (1.0 - w) * acc * norm
        lam[:n_pairs] = tmp[:n_pairs]
    for r in range(n_pairs):
        eff[r] = lam[r] / values[r]
    order = np.argsort(-eff[:n_pairs], kind="mergesort")
    total = 0.0
    for t in range(min(n_p, n_pairs)):
        total += lam[order[t]]
    return total / n_p


@njit(cache=True, nogil=True)
def n_pairs_for(n_min, p):
    """nP: how many pairs the global score averages, growing with the smaller template (MCC)."""
    z = sigmoid(n_min, p[S_MU_P], p[S_TAU_P])
    return int(p[S_MIN_P] + round(z * (p[S_MAX_P] - p[S_MIN_P])))


@njit(cache=True, nogil=True)
def pair_score(xa, ya, ta, bits_a, valid_a, xb, yb, tb, bits_b, valid_b, nd, min_matchable, p, work_sim,
               values, rows, cols, rho, lam, tmp, eff):
    """Score in [0, 1] of two prepared templates (valid cylinders only). Not symmetric by itself in the rare
    case of tied similarities: callers order the two templates canonically."""
    na, nb = ta.size, tb.size
    if na == 0 or nb == 0:
        return 0.0
    similarity_matrix(ta, bits_a, valid_a, tb, bits_b, valid_b, nd, min_matchable, p[S_MAX_ROT], work_sim)
    n_min = min(na, nb)
    if p[S_ONE_TO_ONE] > 0:
        n_sel = greedy_pairs(work_sim, na, nb, n_min, values, rows, cols)
    else:
        n_sel = top_pairs(work_sim, na, nb, n_min, values, rows, cols)
    return relaxed_score(xa, ya, ta, xb, yb, tb, values, rows, cols, n_sel, n_pairs_for(n_min, p), p, rho,
                         lam, tmp, eff)


@njit(cache=True, nogil=True)
def one_to_many(px, py, pt, pbits, pvalid, pkey, gx, gy, gt, gbits, gvalid, gkeys, offsets, nd, min_matchable,
                p):
    """Scores of one probe against a packed gallery (template g owns rows offsets[g]:offsets[g+1]).

    Each pair is evaluated in a canonical order (smaller key first) so that the score is exactly symmetric.
    """
    n_gallery = offsets.size - 1
    max_n = pt.size
    for g in range(n_gallery):
        max_n = max(max_n, offsets[g + 1] - offsets[g])
    work_sim = np.zeros((max_n, max_n))
    cap = max_n * max_n
    values = np.zeros(cap)
    rows = np.zeros(cap, np.int64)
    cols = np.zeros(cap, np.int64)
    rho = np.zeros((max_n, max_n))
    lam, tmp, eff = np.zeros(max_n), np.zeros(max_n), np.zeros(max_n)
    scores = np.zeros(n_gallery)
    for g in range(n_gallery):
        s, e = offsets[g], offsets[g + 1]
        if pkey <= gkeys[g]:
            scores[g] = pair_score(px, py, pt, pbits, pvalid, gx[s:e], gy[s:e], gt[s:e], gbits[s:e], gvalid[s:e],
                                   nd, min_matchable, p, work_sim, values, rows, cols, rho, lam, tmp, eff)
        else:
            scores[g] = pair_score(gx[s:e], gy[s:e], gt[s:e], gbits[s:e], gvalid[s:e], px, py, pt, pbits, pvalid,
                                   nd, min_matchable, p, work_sim, values, rows, cols, rho, lam, tmp, eff)
    return scores
