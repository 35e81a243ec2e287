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
def _comparison(ag, abits, avalid, bg, bbits, bvalid, nd, min_matchable, p):  # pragma: no cover
    """One comparison (the comparator's kernel): its score, the best transform's mates and transform, and every
    anchor's transform and mates in anchor order (none when the transform stage did not run)."""
    ws = k.make_workspace(max(ag.shape[0], bg.shape[0]), abits.shape[1])
    anchor_tf, anchor_m = ws[22], ws[23]
    anchor_m[:] = -1  # mates are >= 0: the anchors the stage fitted are the leading ones not -1
    score, m, o_a, o_b = k.pair_components(ag, abits, avalid, bg, bbits, bvalid, nd, min_matchable, p, ws)
    final = score
    if p[k.S_GT_POWER] != 0.0 and score != 0.0:
        final = score * k.transform_share(m, o_a, o_b, p[k.S_GT_FLOOR], p[k.S_GT_CAP]) ** p[k.S_GT_POWER]
    n = 0
    while n < anchor_m.size and anchor_m[n] >= 0:
        n += 1
    return final, m, ws[19].copy(), anchor_tf[:n].copy(), anchor_m[:n].copy()


def _matrix(tf: np.ndarray) -> np.ndarray:
    """The kernel's y-up transform (rotate about (ax, ay), move it onto (bx, by)) in pixel coordinates: a point
    (col, row) at 500 ppi is (col, -row) in the kernel's frame."""
    ax, ay, bx, by, c, s = (float(v) for v in tf)
    # y-up: q = b + R (u - a), u = (col, -row); back to pixels: (qx, -qy)
    lin = np.array([[c, s], [-s, c]])
    off = np.array([bx - c * ax + s * ay, -(by - s * ax - c * ay)])
    return np.column_stack([lin, off])


def _alignment(score: float, tf: np.ndarray, mates: int, swapped: bool) -> Alignment | None:
    """An anchor's fit as an :class:`Alignment` of ``a`` onto ``b``, or None when it is no transform."""
    if mates <= 0 or not np.all(np.isfinite(tf)) or (tf[4] == 0.0 and tf[5] == 0.0):
        return None
    m, rot = _matrix(tf), math.atan2(float(tf[5]), float(tf[4]))
    if swapped:  # the kernel fitted b -> a: invert
        lin_inv = np.linalg.inv(m[:, :2])
        m, rot = np.column_stack([lin_inv, -lin_inv @ m[:, 2]]), -rot
    return Alignment(score, m, rot, int(mates))


def _compare(a: Template | PreparedTemplate, b: Template | PreparedTemplate, config: MatcherConfig
             ) -> tuple[float, int, np.ndarray, np.ndarray, np.ndarray, bool]:
    """:func:`_comparison` of the two in the comparator's canonical order, and whether that order swapped them."""
    pa, pb = prepare_template(a, config), prepare_template(b, config)
    first, second = (pa, pb) if pa.key <= pb.key else (pb, pa)
    score, mates, tf, tfs, anchor_mates = _comparison(
        first.geometry, first.bits, first.valid, second.geometry, second.bits, second.valid, config.nd,
        config.min_matchable_bits(), config.score_params())
    return float(score), int(mates), tf, tfs, anchor_mates, first is not pa


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
    score, mates, tf, _, _, swapped = _compare(a, b, config)
    found = _alignment(score, tf, mates, swapped)
    return found if found is not None else Alignment(score, None, 0.0, max(mates, 0))


def align_candidates(a: Template | PreparedTemplate, b: Template | PreparedTemplate,
                     config: MatcherConfig = DEFAULT_MATCHER) -> tuple[Alignment, ...]:
    """The rigid transforms the comparison fits from its best relaxed minutia pairs (``config.transform_anchors``
    of them), most mates first.

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
    score, _, _, tfs, mates, swapped = _compare(a, b, config)
    found = (_alignment(score, tfs[i], int(mates[i]), swapped) for i in np.argsort(-mates, kind="stable"))
    return tuple(al for al in found if al is not None)
