"""Numba kernels of minutiae detection on the skeleton (private; see :mod:`.extract`): crossing numbers, tracing.

Images are indexed (row, col); the 8-neighbour ring is that of the thinning kernels
(:data:`cccd_biometrics.fingerprint.fields._ridge_kernels.RING_DR` / ``RING_DC``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..fields._ridge_kernels import RING_DC, RING_DR

# trace outcomes
TRACE_OPEN = 0      # reached the requested length on a plain ridge
TRACE_MINUTIA = 1   # reached another candidate minutia
TRACE_DEAD = 2      # stopped: left the valid area or the skeleton ended without a candidate


def _crossing_number_table() -> np.ndarray:
    """Crossing number (half the 0/1 transitions around the ring) of each of the 256 neighbourhoods."""
    table = np.zeros(256, np.uint8)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]
        table[code] = sum(p[k] != p[(k + 1) % 8] for k in range(8)) // 2
    return table


CROSSING_NUMBER = _crossing_number_table()


@njit(cache=True, nogil=True)
def crossing_number_candidates(skel, valid, table):
    """Skeleton pixels with crossing number 1 (ending) or >= 3 (bifurcation) inside ``valid``.

    ``table`` is :data:`CROSSING_NUMBER`. Returns (rows, cols, kinds) with kind 0 = ending, 1 = bifurcation.
    """
    h, w = skel.shape
    rows = []
    cols = []
    kinds = []
    for r in range(1, h - 1):
        for c in range(1, w - 1):
            if skel[r, c] == 0 or not valid[r, c]:
                continue
            code = ((skel[r - 1, c] != 0) | ((skel[r - 1, c + 1] != 0) << 1) | ((skel[r, c + 1] != 0) << 2)
                    | ((skel[r + 1, c + 1] != 0) << 3) | ((skel[r + 1, c] != 0) << 4)
                    | ((skel[r + 1, c - 1] != 0) << 5) | ((skel[r, c - 1] != 0) << 6)
                    | ((skel[r - 1, c - 1] != 0) << 7))
            cn = table[code]
            if cn == 1 or cn >= 3:
                rows.append(r)
                cols.append(c)
                kinds.append(0 if cn == 1 else 1)
    return np.array(rows, np.int64), np.array(cols, np.int64), np.array(kinds, np.int64)


@njit(cache=True, nogil=True)
def trace_branches(skel, label, rows, cols, max_len, probe):
    """Follow every skeleton branch leaving each candidate.

    label: int32 image, candidate index + 1 at candidate pixels (0 elsewhere).
    For candidate i and branch j (up to 3) returns: status (TRACE_*), length in steps, the index of the
    candidate reached (or -1) and the (row, col) reached after ``probe`` steps (or the last pixel).
    """
    n = rows.shape[0]
    h, w = skel.shape
    status = np.full((n, 3), -1, np.int64)
    length = np.zeros((n, 3), np.int64)
    hit = np.full((n, 3), -1, np.int64)
    probe_rc = np.zeros((n, 3, 2), np.float64)
    for i in range(n):
        r0 = rows[i]
        c0 = cols[i]
        j = 0
        for k0 in range(8):
            if j >= 3:
                break
            r1 = r0 + RING_DR[k0]
            c1 = c0 + RING_DC[k0]
            if r1 < 0 or r1 >= h or c1 < 0 or c1 >= w or skel[r1, c1] == 0:
                continue
            # a 4-neighbour start is preferred: skip a diagonal start adjacent to a taken 4-neighbour start
            if k0 % 2 == 1:
                ka = (k0 + 7) % 8
                kb = (k0 + 1) % 8
                if skel[r0 + RING_DR[ka], c0 + RING_DC[ka]] or skel[r0 + RING_DR[kb], c0 + RING_DC[kb]]:
                    continue
            pr, pc = r0, c0
            cr, cc = r1, c1
            steps = 1
            st = TRACE_OPEN
            probe_rc[i, j, 0] = cr
            probe_rc[i, j, 1] = cc
            while True:
                lab = label[cr, cc]
                if lab != 0 and lab - 1 != i:
                    st = TRACE_MINUTIA
                    hit[i, j] = lab - 1
                    break
                if steps >= max_len:
                    st = TRACE_OPEN
                    break
                # next pixel: a skeleton neighbour of (cr, cc) that is neither the previous pixel nor
                # adjacent to it (4-neighbours first)
                nr, nc = -1, -1
                for kk in range(8):
                    k = (kk * 2) % 8 + (kk // 4)
                    qr = cr + RING_DR[k]
                    qc = cc + RING_DC[k]
                    if qr < 0 or qr >= h or qc < 0 or qc >= w or skel[qr, qc] == 0:
                        continue
                    if abs(qr - pr) <= 1 and abs(qc - pc) <= 1:
                        continue
                    if qr == r0 and qc == c0:
                        continue
                    nr, nc = qr, qc
                    break
                if nr < 0:
                    st = TRACE_DEAD
                    break
                pr, pc = cr, cc
                cr, cc = nr, nc
                steps += 1
                if steps == probe:
                    probe_rc[i, j, 0] = cr
                    probe_rc[i, j, 1] = cc
            if steps < probe:
                probe_rc[i, j, 0] = cr
                probe_rc[i, j, 1] = cc
            status[i, j] = st
            length[i, j] = steps
            j += 1
    return status, length, hit, probe_rc
