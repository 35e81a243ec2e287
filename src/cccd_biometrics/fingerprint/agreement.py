"""Do two captures show the same ridges? Ridge-pattern agreement under the comparator's transform.

A minutiae comparison sees positions and directions of ridge endings and forks; a capture holds much more. Two
impressions of one finger, laid on each other by the rigid transform the comparison fitted
(:func:`~cccd_biometrics.fingerprint.match.align_templates`), show the same ridges over their common area: their
enhanced ridge images (:attr:`~cccd_biometrics.fingerprint.analysis.Analysis.enhanced`) correlate block by block,
up to a few pixels of skin distortion. Two different fingers rarely do, even under their best-fitting transform:
parallel ridges of similar period can be brought in phase locally, but not the bends, ends and forks of a whole
area. :func:`ridge_agreement` is the mean, over the common foreground's blocks, of each block's best normalised
correlation within :data:`SEARCH_PX` pixels, averaged over both directions (A onto B and B onto A);
:func:`best_ridge_agreement` the highest over the comparison's candidate transforms (its three anchor fits).

Orientation fields and ridge periods were measured too and are not used: under the transform the comparison
fitted, the orientation fields of different fingers agree as well as a finger's own (both are smooth flows of the
same few pattern types), and ridge periods are shared by the fingers of one person.

>>> import cccd_biometrics as cb
>>> from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
>>> from cccd_biometrics.fingerprint.match import align_templates
>>> a = analyze_fingerprint(cb.load_fingerprint("sample_data/fingerprints/synthetic/good_2026_1.png"))
>>> t = cb.extract_minutiae(a)
>>> round(ridge_agreement(a, a, align_templates(t, t)).correlation, 3)
1.0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from .match import align_candidates

if TYPE_CHECKING:
    from .analysis import Analysis
    from .match.align import Alignment

__all__ = ["BLOCK_PX", "MIN_BLOCKS", "SEARCH_PX", "RidgeAgreement", "best_ridge_agreement", "ridge_agreement",
           "ridge_correlation"]

BLOCK_PX = 24
"""Side of the correlated blocks (px at 500 ppi): about three ridge periods, small enough that a rigid fit holds
within one under skin distortion."""

SEARCH_PX = 3
"""Each block's correlation is the best within this shift (px): the rigid fit's residual from skin stretch; a
third of a ridge period, so a block of a different finger is not brought in phase by the search alone."""

MIN_COMMON = 0.9
"""A block counts when at least this share of it lies in both captures' foreground."""

MIN_BLOCKS = 4
"""Fewer common blocks than this in either direction: no evidence (None)."""

MAX_BLOCKS = 48
"""At most this many common blocks a direction are correlated (evenly spread over the common area): the cost
of a pair stays bounded on large captures; the mean of 48 blocks is already a steady estimate."""


@dataclass(frozen=True)
class RidgeAgreement:
    """Ridge-pattern agreement of two captures under a rigid transform.

    Attributes
    ----------
    correlation:
        Mean best normalised correlation of the enhanced ridge images over common blocks, both directions
        averaged (1 = the same ridges; different fingers mostly 0.3-0.6).
    blocks:
        Common blocks counted (both directions).
    """

    correlation: float
    blocks: int

    def to_dict(self) -> dict[str, float | int]:
        return {"correlation": round(self.correlation, 4), "blocks": self.blocks}


def _one_way(src: Analysis, dst: Analysis, matrix: np.ndarray) -> list[float]:
    """Best correlation of each common block of ``src`` moved onto ``dst`` by ``matrix`` (2x3, src -> dst)."""
    h, w = dst.shape
    moved = cv2.warpAffine(np.ascontiguousarray(src.enhanced, dtype=np.float32), matrix, (w, h),
                           flags=cv2.INTER_LINEAR)
    moved_mask = cv2.warpAffine(src.mask.astype(np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST)
    common = ((moved_mask > 0) & dst.mask).astype(np.float32)
    target = np.ascontiguousarray(dst.enhanced, dtype=np.float32)
    s, r = BLOCK_PX, SEARCH_PX
    ny, nx = (h - 2 * r) // s, (w - 2 * r) // s
    if ny <= 0 or nx <= 0:
        return []
    share = common[r:r + ny * s, r:r + nx * s].reshape(ny, s, nx, s).mean(axis=(1, 3))
    out = []
    rows, cols = np.nonzero(share >= MIN_COMMON)
    if rows.size > MAX_BLOCKS:  # evenly spread, deterministic
        keep = np.linspace(0, rows.size - 1, MAX_BLOCKS).round().astype(np.intp)
        rows, cols = rows[keep], cols[keep]
    for by, bx in zip(rows, cols, strict=True):
        y0, x0 = r + int(by) * s, r + int(bx) * s
        block = moved[y0:y0 + s, x0:x0 + s]
        if float(block.std()) < 1e-3:
            continue
        res = cv2.matchTemplate(target[y0 - r:y0 + s + r, x0 - r:x0 + s + r], block, cv2.TM_CCOEFF_NORMED)
        out.append(float(res.max()))
    return out


def ridge_agreement(a: Analysis, b: Analysis, alignment: Alignment) -> RidgeAgreement | None:
    """Ridge-pattern agreement of two captures laid on each other by ``alignment``'s transform.

    Parameters
    ----------
    a, b:
        Analyses of the two captures at 500 ppi (the enhanced image and mask are computed if not yet).
    alignment:
        :func:`~cccd_biometrics.fingerprint.match.align_templates` of their templates (``a`` first).

    Returns
    -------
    RidgeAgreement or None
        None when the comparison fitted no transform or the captures share fewer than :data:`MIN_BLOCKS` blocks
        either way.
    """
    if alignment.matrix is None:
        return None
    m = np.asarray(alignment.matrix, dtype=np.float64)
    inverse = cv2.invertAffineTransform(m)
    ab, ba = _one_way(a, b, m), _one_way(b, a, inverse)
    if len(ab) < MIN_BLOCKS or len(ba) < MIN_BLOCKS:
        return None
    return RidgeAgreement(0.5 * (float(np.mean(ab)) + float(np.mean(ba))), len(ab) + len(ba))


def best_ridge_agreement(a: Analysis, b: Analysis, alignments: Iterable[Alignment]) -> RidgeAgreement | None:
    """The highest :func:`ridge_agreement` over several candidate transforms of one comparison
    (:func:`~cccd_biometrics.fingerprint.match.align_candidates`): a weak genuine comparison's best-mated
    transform can rest on chance pairs while a runner-up fit is the right one; two different fingers gain little
    from the choice (their ridges agree under none). None when no transform gives evidence."""
    found = [r for r in (ridge_agreement(a, b, al) for al in alignments) if r is not None]
    return max(found, key=lambda r: r.correlation, default=None)


def ridge_correlation(a: Analysis, b: Analysis, template_a: Any, template_b: Any) -> float | None:
    """The ridge correlation of two captures under their comparison's candidate transforms: the
    :func:`best_ridge_agreement` of ``align_candidates(template_a, template_b)`` (raw or prepared templates of
    ``a`` and ``b``), or None when no transform gives evidence. What the record check's duplicate evidence and
    its calibration scripts measure, in one place."""
    found = best_ridge_agreement(a, b, align_candidates(template_a, template_b))
    return None if found is None else found.correlation
