"""Numba kernels of the minutiae comparator (bit-based Minutia Cylinder-Code + relaxation).

No I/O and no classes here: plain arrays in, arrays or scalars out. The geometry is in a y-up frame
(``y = -row``) with angles in radians counter-clockwise, 500 ppi pixel units; :mod:`.match` converts.

Cylinder bits are stored slice by slice: every one of the ``nd`` angular slices takes ``wps`` 64-bit words
(the cells that lie inside the cylinder's disc, in a fixed order), so that one ``wps``-word validity mask
applies to every slice.

References: R. Cappelli, M. Ferrara, D. Maltoni, "Minutia Cylinder-Code: a new representation and matching
technique for fingerprint recognition", IEEE TPAMI 32(12), 2010 (cylinders, bit similarity, LSS-R). The
global-transform stage (:func:`consistent_share`) is ours: one rigid transform fitted to the best relaxed pairs,
and the share of the overlapping minutiae it brings onto a minutia of the other template.
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
S_MIN_P, S_MAX_P, S_MU_P, S_TAU_P = range(10, 14)
S_GT_POWER, S_GT_DIST, S_GT_ANGLE, S_GT_FLOOR, S_GT_ANCHORS, S_GT_CAP, S_GT_GROW = range(14, 21)
# columns of a prepared template's per-cylinder geometry array (see cylinder_geometry); G_HULL is the cylinder's
# place on the convex hull of the template's cylinders (counter-clockwise), -1 inside it
G_X, G_Y, G_T, G_COS, G_SIN, G_ROOT, G_FULL, G_HULL = range(8)
N_GEOMETRY = 8


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
def _neighbourhood(m, x, y, theta, nd, sigma_d, reach2, nbr, nbr_dir):
    """The minutiae that can contribute to minutia ``m``'s cylinder, with their directional contribution to
    each of the ``nd`` angular slices (it does not depend on the cell, so it is computed once). Returns
    their number."""
    delta_d = TWO_PI / nd
    erf_scale = 1.0 / (sigma_d * math.sqrt(2.0))
    count = 0
    for t in range(x.size):
        if t == m or (x[t] - x[m]) ** 2 + (y[t] - y[m]) ** 2 > reach2:
            continue
        rel = angle_diff(theta[m], theta[t])
        for k in range(nd):
            a = angle_diff(-math.pi + (k + 0.5) * delta_d, rel)
            nbr_dir[count, k] = 0.5 * (math.erf((a + 0.5 * delta_d) * erf_scale)
                                       - math.erf((a - 0.5 * delta_d) * erf_scale))
        nbr[count] = t
        count += 1
    return count


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
    nbr = np.zeros(n, np.int64)
    nbr_dir = np.zeros((n, nd))
    reach2 = (radius + 3.0 * sigma_s) ** 2
    cell_reach2 = (3.0 * sigma_s) ** 2
    norm_s = 1.0 / (sigma_s * math.sqrt(TWO_PI))
    for m in range(n):
        n_nbr = _neighbourhood(m, x, y, theta, nd, params[C_SIGMA_D], reach2, nbr, nbr_dir)
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
            acc[:] = 0.0
            for q in range(n_nbr):
                d2 = (x[nbr[q]] - px) ** 2 + (y[nbr[q]] - py) ** 2
                if d2 <= cell_reach2:
                    spatial = norm_s * math.exp(-d2 / (2.0 * sigma_s * sigma_s))
                    for k in range(nd):
                        acc[k] += spatial * nbr_dir[q, k]
            for k in range(nd):
                if acc[k] >= params[C_MU_PSI]:
                    bits[m, k * wps + word] |= bit
        ok[m] = n_valid >= params[C_MIN_VC] * cell_u.size and n_nbr >= params[C_MIN_M]
    return bits, valid, ok


# ------------------------------------------------------------------------------------------ similarity
@njit(cache=True, nogil=True)
def cylinder_geometry(x, y, theta, bits, valid, n_cells):
    """Per cylinder, what every comparison needs: x, y, direction, its cos and sin, the square root of its
    number of set bits, 1.0 when all its disc cells are valid (so no masking is needed), and its place on the
    convex hull of all the cylinders (-1 inside)."""
    n = x.size
    geom = np.zeros((n, N_GEOMETRY))
    geom[:, G_HULL] = -1.0
    if n > 0:
        hull = convex_hull(x, y)
        for h in range(hull.size):
            geom[hull[h], G_HULL] = h
    for i in range(n):
        count, n_valid = 0, 0
        for w in range(bits.shape[1]):
            count += popcount(bits[i, w])
        for w in range(valid.shape[1]):
            n_valid += popcount(valid[i, w])
        geom[i, G_X], geom[i, G_Y], geom[i, G_T] = x[i], y[i], theta[i]
        geom[i, G_COS], geom[i, G_SIN] = math.cos(theta[i]), math.sin(theta[i])
        geom[i, G_ROOT] = math.sqrt(count)
        geom[i, G_FULL] = 1.0 if n_valid == n_cells else 0.0
    return geom


@njit(cache=True, nogil=True, inline="always")
def _first_direction_at(gb, start):
    """First row of ``gb`` (sorted by direction ``G_T``) whose direction is at least ``start`` (``len(gb)`` if
    none): where the circular run of directions near ``start`` begins, found by bisection."""
    lo, hi = 0, gb.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if gb[mid, G_T] < start:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def local_similarities(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, max_rot, roots, sims, si, sj):
    """Bit-based MCC local similarities of every cylinder pair; the non-zero ones are written to ``sims`` with
    their indices in ``si``/``sj``, and their count is returned.

    lambda = 1 - sqrt(|a xor b|) / (sqrt(|a|) + sqrt(|b|)), both cylinders restricted to the cells valid in
    both; 0 when the minutia directions differ by more than ``max_rot`` or too few cells are valid in both.
    Only the run of direction-compatible cylinders is visited (two thirds of the pairs are skipped at 60
    degrees); two full cylinders (the common case) need no masking, so a pair costs one xor-popcount pass.
    ``roots[c]`` is sqrt(c). Entries are in row-major order except that a run wrapping past 2 pi starts
    mid-row: deterministic, which is all the greedy pairing's tie-break needs.
    """
    na, nb, n_words, wps = ga.shape[0], gb.shape[0], bits_a.shape[1], valid_a.shape[1]
    cos_max = math.cos(max_rot)
    nonzero = 0
    for i in range(na):
        ca, sa, ra, full_a = ga[i, G_COS], ga[i, G_SIN], ga[i, G_ROOT], ga[i, G_FULL] > 0.0
        # b is sorted by direction: its candidates form one circular run starting near theta_a - max_rot;
        # find the start by bisection and stop at the end of the run instead of testing every cylinder
        start = ga[i, G_T] - max_rot
        if start < 0.0:
            start += TWO_PI
        lo = _first_direction_at(gb, start)
        j, in_run = lo, False
        for _ in range(nb):
            if j == nb:
                j = 0
            if ca * gb[j, G_COS] + sa * gb[j, G_SIN] < cos_max:  # cos(theta_a - theta_b) < cos(max rotation)
                if in_run:
                    break
                j += 1
                continue
            in_run = True
            if full_a and gb[j, G_FULL] > 0.0:
                nx_bits = 0
                for w in range(n_words):
                    nx_bits += popcount(bits_a[i, w] ^ bits_b[j, w])
                v = 1.0 - roots[nx_bits] / (ra + gb[j, G_ROOT]) if ra + gb[j, G_ROOT] > 0.0 else 0.0
            else:  # restrict both to the cells valid in both (written inline: a call passing arrays costs more)
                v, matchable = 0.0, 0
                for ww in range(wps):
                    matchable += popcount(valid_a[i, ww] & valid_b[j, ww])
                if matchable * nd >= min_matchable:
                    na_bits, nb_bits, nx_bits = 0, 0, 0
                    for ww in range(wps):  # slice-major loops: no integer modulo per word
                        common = valid_a[i, ww] & valid_b[j, ww]
                        for w in range(ww, n_words, wps):
                            va, vb = bits_a[i, w] & common, bits_b[j, w] & common
                            na_bits += popcount(va)
                            nb_bits += popcount(vb)
                            nx_bits += popcount(va ^ vb)
                    denom = roots[na_bits] + roots[nb_bits]
                    v = 1.0 - roots[nx_bits] / denom if denom > 0.0 else 0.0
            if v > 0.0:
                sims[nonzero], si[nonzero], sj[nonzero] = v, i, j
                nonzero += 1
            j += 1
    return nonzero


@njit(cache=True, nogil=True)
def greedy_pairs(sims, si, sj, n, count, buckets, order, values, rows, cols, used_a, used_b):
    """Up to ``count`` cylinder pairs in decreasing similarity, each minutia used at most once (greedy
    one-to-one assignment).

    Ordered by a counting sort on the similarity quantised to ``buckets.size`` levels (ties: the order the
    similarities were computed in), linear in the number of pairs. Writes the chosen pairs into
    ``values``/``rows``/``cols`` and returns how many were written.
    """
    top = buckets.size - 1
    buckets[:] = 0
    for t in range(n):
        buckets[top - int(sims[t] * top)] += 1
    start = 0
    for b in range(buckets.size):
        start, buckets[b] = start + buckets[b], start
    for t in range(n):
        b = top - int(sims[t] * top)
        order[buckets[b]] = t
        buckets[b] += 1
    used_a[:] = False
    used_b[:] = False
    k = 0
    for t in range(n):
        e = order[t]
        i, j = si[e], sj[e]  # stored apart: a division per visited pair cost more than the whole sort
        if used_a[i] or used_b[j]:
            continue
        used_a[i] = True
        used_b[j] = True
        values[k], rows[k], cols[k] = sims[e], i, j
        k += 1
        if k == count:
            break
    return k


@njit(cache=True, nogil=True, inline="always")
def _wrap(d):
    """Angle wrapped to [-pi, pi) without loops."""
    return d - TWO_PI * math.floor((d + math.pi) / TWO_PI)


@njit(cache=True, nogil=True)
def _negligible_beyond(mu, tau):
    """Value beyond which the decreasing sigmoid Z(.; mu, tau < 0) falls under 1e-4."""
    return mu + math.log(1e4) / abs(tau) if tau < 0 else np.inf


@njit(cache=True, nogil=True)
def _compatibilities(ga, gb, rows, cols, n_pairs, p, sel, dist_gap, rho, adj, n_adj):
    """rho(r, k) of every two selected pairs (MCC LSS-R): inter-minutia distances, relative directions and
    radial angles must agree. Stored sparsely (``adj``/``rho`` rows of length ``n_adj``): most are 0."""
    d1_max = _negligible_beyond(p[S_MU1], p[S_TAU1])
    d2_max = _negligible_beyond(p[S_MU2], p[S_TAU2])
    for r in range(n_pairs):  # gathered contiguously so the distance loop below vectorises
        a, b = rows[r], cols[r]
        sel[r, 0], sel[r, 1], sel[r, 2] = ga[a, G_X], ga[a, G_Y], ga[a, G_T]
        sel[r, 3], sel[r, 4], sel[r, 5] = gb[b, G_X], gb[b, G_Y], gb[b, G_T]
        sel[r, 6], sel[r, 7], sel[r, 8], sel[r, 9] = ga[a, G_COS], ga[a, G_SIN], gb[b, G_COS], gb[b, G_SIN]
    n_adj[:n_pairs] = 0
    for r in range(n_pairs):
        for k in range(r + 1, n_pairs):
            dxa, dya = sel[k, 0] - sel[r, 0], sel[k, 1] - sel[r, 1]
            dxb, dyb = sel[k, 3] - sel[r, 3], sel[k, 4] - sel[r, 4]
            dist_gap[k] = abs(math.sqrt(dxa * dxa + dya * dya) - math.sqrt(dxb * dxb + dyb * dyb))
        for k in range(r + 1, n_pairs):
            d1 = dist_gap[k]
            if d1 > d1_max:  # the sigmoid is already < 1e-4: skip the transcendental functions
                continue
            d2 = abs(_wrap(_wrap(sel[r, 2] - sel[k, 2]) - _wrap(sel[r, 5] - sel[k, 5])))
            if d2 > d2_max:
                continue
            d3 = _radial_gap(sel, r, k)
            v = sigmoid(d1, p[S_MU1], p[S_TAU1]) * sigmoid(d2, p[S_MU2], p[S_TAU2]) * \
                sigmoid(d3, p[S_MU3], p[S_TAU3])
            if v > 0.0:
                adj[r, n_adj[r]], rho[r, n_adj[r]] = k, v
                n_adj[r] += 1
                adj[k, n_adj[k]], rho[k, n_adj[k]] = r, v
                n_adj[k] += 1


@njit(cache=True, nogil=True, inline="always")
def _radial_gap(sel, r, k):
    """|wrap((theta_r - radial angle to k) in A - (the same) in B)|, the radial-angle disagreement of MCC.

    Each relative angle theta_r - atan2(dy, dx) is the angle of the vector (dx, dy) seen from minutia r's
    direction: (cos t dx + sin t dy, sin t dx - cos t dy) up to its length; the difference of the two is then a
    single atan2 of their cross and dot products (instead of two atan2 and four wraps). Coincident minutiae
    (a zero vector) keep the radial angle atan2(0, 0) = 0 of the direct formula."""
    dxa, dya = sel[k, 0] - sel[r, 0], sel[k, 1] - sel[r, 1]
    dxb, dyb = sel[k, 3] - sel[r, 3], sel[k, 4] - sel[r, 4]
    if (dxa == 0.0 and dya == 0.0) or (dxb == 0.0 and dyb == 0.0):
        ra = math.atan2(dya, dxa)
        rb = math.atan2(dyb, dxb)
        return abs(_wrap(_wrap(sel[r, 2] - ra) - _wrap(sel[r, 5] - rb)))
    ca, sa = sel[r, 6] * dxa + sel[r, 7] * dya, sel[r, 7] * dxa - sel[r, 6] * dya
    cb, sb = sel[r, 8] * dxb + sel[r, 9] * dyb, sel[r, 9] * dxb - sel[r, 8] * dyb
    return abs(math.atan2(sa * cb - ca * sb, ca * cb + sa * sb))


@njit(cache=True, nogil=True)
def relaxed_score(ga, gb, values, rows, cols, n_pairs, n_p, p, sel, dist_gap, rho, adj, n_adj, lam, tmp):
    """LSS-R: relax the selected pairs' similarities by their mutual geometric compatibility and average the
    ``n_p`` pairs that kept most of their similarity (relaxed / initial). Work arrays are passed in."""
    if n_pairs == 0:
        return 0.0
    _compatibilities(ga, gb, rows, cols, n_pairs, p, sel, dist_gap, rho, adj, n_adj)
    w = p[S_W_R]
    spread = (1.0 - w) / max(n_pairs - 1, 1)
    lam[:n_pairs] = values[:n_pairs]
    for _ in range(int(p[S_N_REL])):
        for r in range(n_pairs):
            acc = 0.0
            for t in range(n_adj[r]):
                acc += rho[r, t] * lam[adj[r, t]]
            tmp[r] = w * lam[r] + spread * acc
        lam[:n_pairs] = tmp[:n_pairs]
    for r in range(n_pairs):  # efficiency, in tmp
        tmp[r] = lam[r] / values[r]
    total = 0.0
    for _ in range(min(n_p, n_pairs)):  # n_p is small: selection beats sorting
        best = -1
        for r in range(n_pairs):
            if tmp[r] >= 0.0 and (best < 0 or tmp[r] > tmp[best]):
                best = r
        total += lam[best]
        tmp[best] = -1.0
    return total / n_p


# ---------------------------------------------------------------------------------- global-transform stage
@njit(cache=True, nogil=True, inline="always")
def _fits(ga, gb, i, j, ax, ay, bx, by, c, s, d2, cos_tol):
    """True when minutia i of A, moved by the rigid transform (rotation (c, s) about (ax, ay), then onto
    (bx, by)), lies within sqrt(d2) of minutia j of B with a direction within the angle whose cosine is
    ``cos_tol``."""
    dx, dy = ga[i, G_X] - ax, ga[i, G_Y] - ay
    ex, ey = gb[j, G_X] - (bx + c * dx - s * dy), gb[j, G_Y] - (by + s * dx + c * dy)
    if ex * ex + ey * ey >= d2:
        return False
    return (ga[i, G_COS] * c - ga[i, G_SIN] * s) * gb[j, G_COS] + (ga[i, G_SIN] * c + ga[i, G_COS] * s) * \
        gb[j, G_SIN] >= cos_tol


@njit(cache=True, nogil=True)
def _refine(ga, gb, rows, cols, n_pairs, anchor, d2, cos_tol, out):
    """Rigid transform A -> B from one anchor pair (its positions and direction difference), refitted twice by
    least squares (2-D Procrustes) on the selected pairs it brings within 1.5x the tolerance. Writes
    (ax, ay, bx, by, cos, sin) into ``out``: rotate about (ax, ay), then move (ax, ay) onto (bx, by)."""
    a0, b0 = rows[anchor], cols[anchor]
    rot = gb[b0, G_T] - ga[a0, G_T]
    c, s = math.cos(rot), math.sin(rot)
    ax, ay, bx, by = ga[a0, G_X], ga[a0, G_Y], gb[b0, G_X], gb[b0, G_Y]
    loose = 2.25 * d2
    for _ in range(2):
        sxa, sya, sxb, syb, count = 0.0, 0.0, 0.0, 0.0, 0
        for r in range(n_pairs):
            if _fits(ga, gb, rows[r], cols[r], ax, ay, bx, by, c, s, loose, cos_tol):
                sxa += ga[rows[r], G_X]
                sya += ga[rows[r], G_Y]
                sxb += gb[cols[r], G_X]
                syb += gb[cols[r], G_Y]
                count += 1
        if count < 3:
            break
        mxa, mya, mxb, myb = sxa / count, sya / count, sxb / count, syb / count
        dot, cross = 0.0, 0.0
        for r in range(n_pairs):
            if _fits(ga, gb, rows[r], cols[r], ax, ay, bx, by, c, s, loose, cos_tol):
                ux, uy = ga[rows[r], G_X] - mxa, ga[rows[r], G_Y] - mya
                vx, vy = gb[cols[r], G_X] - mxb, gb[cols[r], G_Y] - myb
                dot += ux * vx + uy * vy
                cross += ux * vy - uy * vx
        angle = math.atan2(cross, dot)
        c, s = math.cos(angle), math.sin(angle)
        ax, ay, bx, by = mxa, mya, mxb, myb
    out[0], out[1], out[2], out[3], out[4], out[5] = ax, ay, bx, by, c, s


@njit(cache=True, nogil=True)
def _count_mates(ga, gb, tf, dist, grow, cos_tol, max_rot, used_b):
    """How many minutiae of A the transform ``tf`` brings onto a minutia of B (one-to-one: each A minutia, in
    order, takes the nearest B minutia not yet taken). A mate must lie within ``dist + grow * r`` pixels, ``r``
    the A minutia's distance from the transform's centre: skin stretches, so a rigid transform fits less well
    the farther it reaches. B is sorted by direction, so only the circular run of B minutiae whose direction is
    within ``max_rot`` of A's moved direction is visited (as in :func:`local_similarities`)."""
    ax, ay, bx, by, c, s = tf[0], tf[1], tf[2], tf[3], tf[4], tf[5]
    rot = math.atan2(s, c)
    nb = gb.shape[0]
    used_b[:nb] = False
    mates = 0
    for i in range(ga.shape[0]):
        start = ga[i, G_T] + rot - max_rot
        start -= TWO_PI * math.floor(start / TWO_PI)
        lo = _first_direction_at(gb, start)
        dx, dy = ga[i, G_X] - ax, ga[i, G_Y] - ay
        reach = dist + grow * math.sqrt(dx * dx + dy * dy)
        j, in_run, best, best_j = lo, False, reach * reach, -1
        px, py = bx + c * dx - s * dy, by + s * dx + c * dy
        ca, sa = ga[i, G_COS] * c - ga[i, G_SIN] * s, ga[i, G_SIN] * c + ga[i, G_COS] * s
        for _ in range(nb):
            if j == nb:
                j = 0
            if ca * gb[j, G_COS] + sa * gb[j, G_SIN] < cos_tol:
                if in_run:
                    break
                j += 1
                continue
            in_run = True
            if not used_b[j]:
                ex, ey = gb[j, G_X] - px, gb[j, G_Y] - py
                e2 = ex * ex + ey * ey
                if e2 < best:
                    best, best_j = e2, j
            j += 1
        if best_j >= 0:
            used_b[best_j] = True
            mates += 1
    return mates


@njit(cache=True, nogil=True)
def _hull_of(g, hx, hy):
    """The template's hull vertices (counter-clockwise) gathered from the G_HULL column; returns their number."""
    n = 0
    for r in range(g.shape[0]):
        h = int(g[r, G_HULL])
        if h >= 0:
            hx[h], hy[h] = g[r, G_X], g[r, G_Y]
            n = max(n, h + 1)
    return n


@njit(cache=True, nogil=True, inline="always")
def _in_convex(px, py, hx, hy, n):
    """True when (px, py) lies inside or on the counter-clockwise convex polygon of ``n`` vertices ``hx``/``hy``
    (:func:`_near_hull` with no margin, without its distances: a cross product per edge, left at the first
    edge the point is outside of)."""
    if n < 3:
        return _near_hull(px, py, hx[:n], hy[:n], 0.0)
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        if (hx[j] - hx[i]) * (py - hy[i]) - (hy[j] - hy[i]) * (px - hx[i]) < 0:
            return False
    return True


@njit(cache=True, nogil=True)
def _overlap(ga, gb, tf, hx, hy):
    """How many minutiae of A the transform ``tf`` moves inside B's convex hull, and how many of B its inverse
    moves inside A's."""
    ax, ay, bx, by, c, s = tf[0], tf[1], tf[2], tf[3], tf[4], tf[5]
    n_hull = _hull_of(gb, hx, hy)
    in_b = 0
    for i in range(ga.shape[0]):
        dx, dy = ga[i, G_X] - ax, ga[i, G_Y] - ay
        if _in_convex(bx + c * dx - s * dy, by + s * dx + c * dy, hx, hy, n_hull):
            in_b += 1
    n_hull = _hull_of(ga, hx, hy)
    in_a = 0
    for j in range(gb.shape[0]):
        dx, dy = gb[j, G_X] - bx, gb[j, G_Y] - by
        if _in_convex(ax + c * dx + s * dy, ay - s * dx + c * dy, hx, hy, n_hull):
            in_a += 1
    return in_b, in_a


@njit(cache=True, nogil=True)
def transform_mates(ga, gb, rows, cols, lam, n_pairs, p, used_b, tf, best_tf, hx, hy, anchor_tf, anchor_m):
    """The global-transform stage's counts: ``(m, oA, oB)``.

    A rigid transform is fitted from each of the ``S_GT_ANCHORS`` pairs of highest relaxed similarity ``lam``
    (:func:`_refine`); the one that brings most minutiae of A onto a minutia of B (``m``, within ``S_GT_DIST``
    pixels, growing by ``S_GT_GROW`` per pixel from the transform's centre, and ``S_GT_ANGLE``) is kept, with the
    numbers of minutiae of A and of B that fall inside the other template's convex hull under it (``oA``, ``oB``;
    :func:`_overlap`). ``lam`` is left as it was. Each anchor's transform and mates are kept, in anchor order, in
    ``anchor_tf`` / ``anchor_m`` (for :mod:`.align`: the comparison's candidate fits, not run twice)."""
    if n_pairs == 0:
        return 0, 0, 0
    d2 = p[S_GT_DIST] * p[S_GT_DIST]
    cos_tol = math.cos(p[S_GT_ANGLE])
    best_m = -1
    for k in range(min(int(p[S_GT_ANCHORS]), n_pairs)):
        anchor = -1  # the next highest relaxed similarity (ties: the earlier pair)
        for r in range(n_pairs):
            if lam[r] >= 0.0 and (anchor < 0 or lam[r] > lam[anchor]):
                anchor = r
        lam[anchor] = -1.0 - lam[anchor]  # taken; restored below
        _refine(ga, gb, rows, cols, n_pairs, anchor, d2, cos_tol, tf)
        m = _count_mates(ga, gb, tf, p[S_GT_DIST], p[S_GT_GROW], cos_tol, p[S_GT_ANGLE], used_b)
        anchor_tf[k] = tf
        anchor_m[k] = m
        if m > best_m:
            best_m = m
            best_tf[:] = tf
    for r in range(n_pairs):
        if lam[r] < 0.0:
            lam[r] = -1.0 - lam[r]
    in_b, in_a = _overlap(ga, gb, best_tf, hx, hy)
    return best_m, in_b, in_a


@njit(cache=True, nogil=True, inline="always")
def transform_share(m, o_a, o_b, floor, cap):
    """min(1, m / sqrt(clip(oA, f, c) clip(oB, f, c))): the share of the overlapping minutiae that one transform
    brings together. A genuine pair brings most of its overlapping minutiae together under one transform; an
    impostor pair's best local matches rarely agree on one. The floor ``f`` keeps a tiny overlap from making a
    few chance mates a full share; the cap ``c`` keeps a template crowded with false minutiae (another
    extractor's on a noisy capture) from diluting a genuine pair's mates."""
    return min(1.0, m / math.sqrt(min(max(o_a, floor), cap) * min(max(o_b, floor), cap)))

@njit(cache=True, nogil=True)
def n_pairs_for(n_min, p):
    """nP: how many pairs the global score averages, growing with the smaller template (MCC)."""
    z = sigmoid(n_min, p[S_MU_P], p[S_TAU_P])
    return int(p[S_MIN_P] + round(z * (p[S_MAX_P] - p[S_MIN_P])))


@njit(cache=True, nogil=True)
def make_workspace(max_n, n_words):
    """Scratch arrays for :func:`pair_score`, sized for templates of up to ``max_n`` cylinders of ``n_words``
    words, and the table of square roots of bit counts."""
    max_n = max(max_n, 1)
    cap = max_n * max_n
    return (np.sqrt(np.arange(64 * n_words + 1).astype(np.float64)),
            np.zeros(cap), np.zeros(cap, np.int64), np.zeros(cap, np.int64), np.zeros(1024, np.int64),
            np.zeros(cap, np.int64),
            np.zeros(max_n), np.zeros(max_n, np.int64), np.zeros(max_n, np.int64), np.zeros(max_n, np.bool_),
            np.zeros(max_n, np.bool_), np.zeros((max_n, 10)), np.zeros(max_n), np.zeros((max_n, max_n)),
            np.zeros((max_n, max_n), np.int64), np.zeros(max_n, np.int64), np.zeros(max_n), np.zeros(max_n),
            np.zeros(6), np.zeros(6), np.zeros(max_n), np.zeros(max_n), np.zeros((max_n, 6)),
            np.zeros(max_n, np.int64))


@njit(cache=True, nogil=True)
def pair_score(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p, ws):
    """Score in [0, 1] of two prepared templates (valid cylinders only): the LSS-R score times the
    global-transform stage's share (:func:`transform_share`) to the power ``S_GT_POWER`` (0: LSS-R alone).
    With tied similarities the order of the two templates can matter: callers order them canonically."""
    score, m, o_a, o_b = pair_components(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p, ws)
    if p[S_GT_POWER] == 0.0 or score == 0.0:
        return score
    return score * transform_share(m, o_a, o_b, p[S_GT_FLOOR], p[S_GT_CAP]) ** p[S_GT_POWER]


@njit(cache=True, nogil=True)
def pair_components(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p, ws):
    """The parts of a comparison's score: the LSS-R score and, unless ``S_GT_POWER`` is 0 or that score is 0,
    the global-transform stage's ``(m, oA, oB)`` (:func:`transform_mates`; zeros otherwise)."""
    na, nb = ga.shape[0], gb.shape[0]
    if na == 0 or nb == 0:
        return 0.0, 0, 0, 0
    (roots, sims, si, sj, buckets, order, values, rows, cols, used_a, used_b, sel, dist_gap, rho, adj, n_adj, lam,
     tmp, tf, best_tf, hx, hy, anchor_tf, anchor_m) = ws
    n = local_similarities(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p[S_MAX_ROT], roots, sims,
                           si, sj)
    n_min = min(na, nb)
    n_sel = greedy_pairs(sims, si, sj, n, n_min, buckets, order, values, rows, cols, used_a[:na], used_b[:nb])
    score = relaxed_score(ga, gb, values, rows, cols, n_sel, n_pairs_for(n_min, p), p, sel, dist_gap, rho, adj,
                          n_adj, lam, tmp)
    if p[S_GT_POWER] == 0.0 or score == 0.0:
        return score, 0, 0, 0
    m, o_a, o_b = transform_mates(ga, gb, rows, cols, lam, n_sel, p, used_b, tf, best_tf, hx, hy, anchor_tf,
                                  anchor_m)
    return score, m, o_a, o_b


@njit(cache=True, nogil=True)
def _stream_in(geometry, bits):
    """Read a gallery template's arrays once, front to back, and return a checksum (so the reads stay).

    The similarity loop visits a template's cylinders in windows, which defeats the hardware prefetcher: on a
    busy machine a cold template then cost ~12 us of cache misses per comparison; one sequential pass first
    costs ~1 us."""
    acc = np.uint64(0)
    for r in range(bits.shape[0]):
        for w in range(bits.shape[1]):
            acc ^= bits[r, w]
        acc ^= np.uint64(geometry[r, G_ROOT])
    return acc


@njit(cache=True, nogil=True)
def one_to_many(pg, pbits, pvalid, pkey, gg, gbits, gvalid, gkeys, offsets, nd, min_matchable, p):
    """Scores of one probe against a packed gallery (template g owns rows offsets[g]:offsets[g+1]), and a
    checksum of the gallery (see :func:`_stream_in`; callers ignore it).

    Each pair is evaluated in a canonical order (smaller key first) so that the score is exactly symmetric.
    """
    n_gallery = offsets.size - 1
    max_n = pg.shape[0]
    for g in range(n_gallery):
        max_n = max(max_n, offsets[g + 1] - offsets[g])
    ws = make_workspace(max_n, pbits.shape[1])
    scores = np.zeros(n_gallery)
    checksum = np.uint64(0)
    for g in range(n_gallery):
        s, e = offsets[g], offsets[g + 1]
        checksum ^= _stream_in(gg[s:e], gbits[s:e])
        if pkey <= gkeys[g]:
            scores[g] = pair_score(pg, pbits, pvalid, gg[s:e], gbits[s:e], gvalid[s:e], nd, min_matchable, p, ws)
        else:
            scores[g] = pair_score(gg[s:e], gbits[s:e], gvalid[s:e], pg, pbits, pvalid, nd, min_matchable, p, ws)
    return scores, checksum


@njit(cache=True, nogil=True)
def one_to_one(ag, abits, avalid, akey, bg, bbits, bvalid, bkey, nd, min_matchable, p):
    """Score of two prepared templates, in canonical order (smaller key first) so it is exactly symmetric."""
    ws = make_workspace(max(ag.shape[0], bg.shape[0]), abits.shape[1])
    if akey <= bkey:
        return pair_score(ag, abits, avalid, bg, bbits, bvalid, nd, min_matchable, p, ws)
    return pair_score(bg, bbits, bvalid, ag, abits, avalid, nd, min_matchable, p, ws)
