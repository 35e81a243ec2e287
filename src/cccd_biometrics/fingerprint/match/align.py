"""The rigid transform a comparison fits: where one capture lies on the other.

The comparator's global-transform stage (:mod:`.mcc`) fits one rigid transform to the best relaxed minutia
pairs and scores by the share of overlapping minutiae it brings together. :func:`align_templates` runs the same
comparison and hands back that transform, so that image evidence (orientation fields, ridge periods) of the two
captures can be compared on their common area. The score it returns is the comparator's own (the same kernel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..template.types import Template
from . import _kernels as k
from .mcc import DEFAULT_MATCHER, MatcherConfig, PreparedTemplate, prepare_template

__all__ = ["Alignment", "align_candidates", "align_templates"]


@dataclass(frozen=True)
class Alignment:
    """The outcome of :func:`align_templates`.

    Attributes
    ----------
    score:
        The comparator's score of the two templates (:func:`~.mcc.compare_templates`).
    matrix:
        2x3 affine matrix (``cv2.warpAffine`` convention) taking a point ``(column, row)`` of the first capture
        at 500 ppi to the second capture at 500 ppi; None when the comparison fitted no transform.
    rotation:
        The rotation in radians, counter-clockwise as seen on screen (the library's angle convention): a ridge
        direction ``theta`` of the first capture is ``theta + rotation`` in the second.
    mates:
        Minutiae the transform brings onto a minutia of the other template.
    """

    score: float
    matrix: np.ndarray | None
    rotation: float
    mates: int

    def to_dict(self) -> dict[str, object]:
        return {"score": self.score, "rotation": self.rotation, "mates": self.mates,
                "matrix": None if self.matrix is None else self.matrix.round(4).tolist()}


@njit(cache=True, nogil=True)
def _components_and_transform(ag, abits, avalid, bg, bbits, bvalid, nd, min_matchable, p):  # pragma: no cover
    ws = k.make_workspace(max(ag.shape[0], bg.shape[0]), abits.shape[1])
    score, m, o_a, o_b = k.pair_components(ag, abits, avalid, bg, bbits, bvalid, nd, min_matchable, p, ws)
    final = score
    if p[k.S_GT_POWER] != 0.0 and score != 0.0:
        final = score * k.transform_share(m, o_a, o_b, p[k.S_GT_FLOOR], p[k.S_GT_CAP]) ** p[k.S_GT_POWER]
    return final, m, ws[19].copy()


@njit(cache=True, nogil=True)
def _anchor_transforms(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p, n_max):  # pragma: no cover
    """The rigid transforms the global-transform stage fits from its ``n_max`` best relaxed pairs (as
    ``_kernels.transform_mates`` does, in the same order), and the mates of each."""
    na, nb = ga.shape[0], gb.shape[0]
    out = np.zeros((n_max, 6))
    mates = np.zeros(n_max, np.int64)
    if na == 0 or nb == 0:
        return out[:0], mates[:0]
    ws = k.make_workspace(max(na, nb), bits_a.shape[1])
    (roots, sims, si, sj, buckets, order, values, rows, cols, used_a, used_b, sel, dist_gap, rho, adj, n_adj, lam,
     tmp, tf, _best, _hx, _hy) = ws
    n = k.local_similarities(ga, bits_a, valid_a, gb, bits_b, valid_b, nd, min_matchable, p[k.S_MAX_ROT], roots,
                             sims, si, sj)
    n_min = min(na, nb)
    n_sel = k.greedy_pairs(sims, si, sj, n, n_min, buckets, order, values, rows, cols, used_a[:na], used_b[:nb])
    score = k.relaxed_score(ga, gb, values, rows, cols, n_sel, k.n_pairs_for(n_min, p), p, sel, dist_gap, rho, adj,
                            n_adj, lam, tmp)
    if score == 0.0 or n_sel == 0:
        return out[:0], mates[:0]
    d2 = p[k.S_GT_DIST] * p[k.S_GT_DIST]
    cos_tol = math.cos(p[k.S_GT_ANGLE])
    count = 0
    for _ in range(min(n_max, n_sel)):
        anchor = -1
        for r in range(n_sel):
            if lam[r] >= 0.0 and (anchor < 0 or lam[r] > lam[anchor]):
                anchor = r
        lam[anchor] = -1.0 - lam[anchor]
        k._refine(ga, gb, rows, cols, n_sel, anchor, d2, cos_tol, tf)
        mates[count] = k._count_mates(ga, gb, tf, p[k.S_GT_DIST], p[k.S_GT_GROW], cos_tol, p[k.S_GT_ANGLE], used_b)
        out[count] = tf
        count += 1
    return out[:count], mates[:count]


def _matrix(tf: np.ndarray) -> np.ndarray:
    """The kernel's y-up transform (rotate about (ax, ay), move it onto (bx, by)) in pixel coordinates: a point
    (col, row) at 500 ppi is (col, -row) in the kernel's frame."""
    ax, ay, bx, by, c, s = (float(v) for v in tf)
    # y-up: q = b + R (u - a), u = (col, -row); back to pixels: (qx, -qy)
    lin = np.array([[c, s], [-s, c]])
    off = np.array([bx - c * ax + s * ay, -(by - s * ax - c * ay)])
    return np.column_stack([lin, off])


def align_templates(a: Template | PreparedTemplate, b: Template | PreparedTemplate,
                    config: MatcherConfig = DEFAULT_MATCHER) -> Alignment:
    """Compare two templates and return the rigid transform the comparison fitted.

    Parameters
    ----------
    a, b:
        Templates or prepared templates (whose coordinates the comparator keeps at 500 ppi).
    config:
        Comparator parameters; the transform exists only when ``config.transform_power`` is not 0.

    Returns
    -------
    Alignment
        ``score`` equals :func:`~.mcc.compare_templates` of the two (the same kernel, same canonical order).

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> import numpy as np
    >>> t = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> al = align_templates(t, t)
    >>> round(al.rotation, 6), bool(np.allclose(al.matrix, [[1, 0, 0], [0, 1, 0]]))
    (0.0, True)
    """
    pa, pb = prepare_template(a, config), prepare_template(b, config)
    first, second = (pa, pb) if pa.key <= pb.key else (pb, pa)
    score, mates, tf = _components_and_transform(
        first.geometry, first.bits, first.valid, second.geometry, second.bits, second.valid, config.nd,
        config.min_matchable_bits(), config.score_params())
    if mates <= 0 or not np.all(np.isfinite(tf)) or (tf[4] == 0.0 and tf[5] == 0.0):
        return Alignment(float(score), None, 0.0, int(max(mates, 0)))
    m = _matrix(tf)
    rot = math.atan2(float(tf[5]), float(tf[4]))
    if first is not pa:  # the kernel fitted b -> a: invert
        lin_inv = np.linalg.inv(m[:, :2])
        m = np.column_stack([lin_inv, -lin_inv @ m[:, 2]])
        rot = -rot
    return Alignment(float(score), m, rot, int(mates))


def align_candidates(a: Template | PreparedTemplate, b: Template | PreparedTemplate, n: int = 3,
                     config: MatcherConfig = DEFAULT_MATCHER) -> tuple[Alignment, ...]:
    """The rigid transforms the comparison fits from its ``n`` best relaxed minutia pairs, most mates first.

    The first is :func:`align_templates`'s (the one the score uses); the others are the runner-up fits, which a
    weak genuine comparison sometimes needs (its best-mated transform can rest on chance pairs). Each carries
    the pair's score; an empty tuple when the comparison fitted none.

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> t = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> found = align_candidates(t, t)
    >>> len(found), round(found[0].rotation, 6)
    (3, 0.0)
    """
    pa, pb = prepare_template(a, config), prepare_template(b, config)
    first, second = (pa, pb) if pa.key <= pb.key else (pb, pa)
    score = align_templates(pa, pb, config).score
    tfs, mates = _anchor_transforms(first.geometry, first.bits, first.valid, second.geometry, second.bits,
                                    second.valid, config.nd, config.min_matchable_bits(), config.score_params(),
                                    int(n))
    out = []
    for i in np.argsort(-mates, kind="stable"):
        tf = tfs[i]
        if mates[i] <= 0 or not np.all(np.isfinite(tf)) or (tf[4] == 0.0 and tf[5] == 0.0):
            continue
        m, rot = _matrix(tf), math.atan2(float(tf[5]), float(tf[4]))
        if first is not pa:
            lin_inv = np.linalg.inv(m[:, :2])
            m, rot = np.column_stack([lin_inv, -lin_inv @ m[:, 2]]), -rot
        out.append(Alignment(score, m, rot, int(mates[i])))
    return tuple(out)
