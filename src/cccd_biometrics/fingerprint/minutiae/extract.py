"""Minutiae extraction: skeleton crossing numbers, ridge following and false-minutiae filtering.

Pipeline (every image product lives in :class:`.analysis.Analysis`, computed once and inspectable):
``mask``/``orientation``/``ridge_period``/``coherence`` (analysis) -> ``enhanced`` (oriented, period-tuned
filter, :mod:`.enhance`) -> ``binary`` -> ``skeleton`` (Zhang-Suen + staircase removal) -> crossing-number
candidates -> ridge following along the skeleton from every candidate -> filtering -> :class:`.Template`.

Minutia conventions (ISO/IEC 19794-2:2005, also used by the ISO/ANSI codecs unchanged):

* Location: the ridge-skeleton junction (bifurcation) or, for an ending, the valley bifurcation in front of the
  ridge end as ISO/IEC 19794-2 places it (the skeleton end moved ``ending_offset_periods`` ridge periods away
  from the ridge), converted to the ORIGINAL capture's pixel coordinates (``FingerImage.scale_to_original``),
  origin top-left, y down.
* Angle: degrees in [0, 360), counter-clockwise from the +x axis with y pointing UP on screen (so a minutia
  pointing to the top of the image has angle 90). ISO defines it as the bisector of the smallest angle between
  the three skeleton rays of the minutia, which gives:

  - **ending** (a bifurcation of the valley skeleton): the direction from the end point INTO the ridge, i.e.
    along the ridge towards its body (the two valleys flanking the ridge meet beyond its end);
  - **bifurcation**: the direction from the junction into the valley between the two branches, i.e. the
    bisector of the two branches that make the smallest angle (opposite to the single stem).

  The direction is first measured by following the skeleton one ridge period from the minutia, then replaced by
  the smoothed orientation field's direction (of the two opposite ones, the nearer) when they agree within 45
  degrees. In NIST ``.xyt`` (MINDTCT) terms this angle is ``theta - 180``.
* Quality 0-100: block coherence (ridge clarity, full marks from 0.6) times a margin factor falling from 1 to 0.5
  as the minutia nears the foreground edge.

False minutiae removed (the names are fields of :class:`~cccd_biometrics.fingerprint.params.MinutiaeParams`;
lengths scale with the median ridge period ``T`` of the print): candidates closer than
``edge_margin_periods * T`` to the foreground edge (cut ridges end there), or than ``clear_edge_margin_periods * T``
where the smoothed coherence is at least ``clear_coherence`` (clear ridges are reliable nearer the edge; closer
candidates are never traced), or where the block
coherence averaged over 3x3 foreground blocks is below ``min_coherence`` (unclear areas; the threshold is low
because coherence also drops at cores and deltas); every minutia of a foreground without ridge structure
(random texture: see ``noise_coherence``) and those in areas where fewer than half the blocks have a plausible
ridge period (textured backgrounds, noise); short skeleton links between two candidates (the ridge followed from
one reaches the other) when they cross the ridge flow by more than ``link_along_flow_deg`` or are shorter than
``min_link_periods * T``: spurs (ending to bifurcation within ``spur_periods * T``), specks and short ridges
(ending to ending within ``short_ridge_periods * T``), bridges and holes (bifurcation to bifurcation within
``bridge_periods * T``), both ends going — except that a group of bifurcations joined by such links which three
branches leave (a fork drawn by the skeleton as a small loop or triangle, common on wet or pored ridges) becomes
one bifurcation at its centre, while two branches (a pore) or four (a bridge) leave nothing; breaks (two facing
endings within ``break_periods * T``, the gap aligned with both ridges and leaving neither ridge's line by more
than ``break_lateral_periods * T``, so that endings facing each other on neighbouring ridges stay); clusters (a
minutia with ``cluster_size`` or more others within ``cluster_periods * T``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..._shared.numeric import median
from ...images import FingerImage
from ..analysis import Analysis, analyze_fingerprint
from ..params import DEFAULT_MINUTIAE, MinutiaeParams
from ..quality.score import assess_fingerprint
from ..template.types import Minutia, Template
from . import _kernels as _k

__all__ = ["REJECT_REASONS", "MinutiaCandidates", "extract_minutiae", "minutiae_candidates", "minutiae_from_analysis",
           "visualize_minutiae"]

# every tuning constant of this module is a field of MinutiaeParams (units, origins: fingerprint/params.py)


def _median_period(analysis: Any, p: MinutiaeParams = DEFAULT_MINUTIAE) -> float:
    period = np.asarray(analysis.ridge_period, dtype=np.float64)
    finite = period[np.isfinite(period)]
    return float(np.clip(median(finite), p.min_period, p.max_period)) if finite.size else p.default_period


def _angle_of(dr: np.ndarray, dc: np.ndarray) -> np.ndarray:
    """ISO angle (degrees, CCW, y up) of image-space vectors (drow, dcol)."""
    return np.degrees(np.arctan2(-dr, dc)) % 360.0


def _angle_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.abs(np.asarray(a) - np.asarray(b)) % 360.0
    return np.minimum(d, 360.0 - d)


def _candidates(skeleton: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols, kinds = _k.crossing_number_candidates(skeleton, np.ascontiguousarray(mask, dtype=np.bool_),
                                                      _k.CROSSING_NUMBER)
    return rows, cols, kinds


def _trace(skeleton: np.ndarray, rows: np.ndarray, cols: np.ndarray, period: float,
           p: MinutiaeParams = DEFAULT_MINUTIAE) -> tuple[np.ndarray, ...]:
    label = np.zeros(skeleton.shape, np.int32)
    label[rows, cols] = np.arange(1, len(rows) + 1, dtype=np.int32)
    return _k.trace_branches(skeleton, label, rows, cols, round(p.trace_periods * period),
                             round(p.probe_periods * period))


def _traced_angles(rows, cols, kinds, status, probe) -> np.ndarray:
    """ISO angle per candidate from the traced branches (see the module docstring)."""
    dr = probe[..., 0] - rows[:, None]
    dc = probe[..., 1] - cols[:, None]
    branch = _angle_of(dr, dc)  # (N, 3)
    angles = branch[:, 0].copy()
    bif = np.flatnonzero((kinds == 1) & (status[:, 2] >= 0))
    if bif.size:
        angles[bif] = _fork_angles(branch[bif])
    return angles


def _fork_angles(branch: np.ndarray) -> np.ndarray:
    """ISO angle of forks from the (N, 3) directions (degrees) of their three branches: the bisector of the two
    branches that make the smallest angle."""
    pairs = ((0, 1), (1, 2), (0, 2))
    spreads = np.stack([_angle_diff(branch[:, i], branch[:, j]) for i, j in pairs], axis=1)
    best = np.argmin(spreads, axis=1)
    rows = np.arange(len(branch))
    ai = np.radians(branch[rows, np.array([p[0] for p in pairs])[best]])
    aj = np.radians(branch[rows, np.array([p[1] for p in pairs])[best]])
    return np.degrees(np.arctan2(np.sin(ai) + np.sin(aj), np.cos(ai) + np.cos(aj))) % 360.0


def _snap_to_orientation(angles: np.ndarray, local_theta: np.ndarray, p: MinutiaeParams = DEFAULT_MINUTIAE
                         ) -> np.ndarray:
    """Replace traced angles by the nearer of the two orientation-field directions when they agree."""
    field = np.degrees(local_theta) % 180.0
    cand = np.stack([field, field + 180.0], axis=1)
    diffs = _angle_diff(cand, angles[:, None])
    pick = np.take_along_axis(cand, np.argmin(diffs, axis=1)[:, None], axis=1)[:, 0]
    return np.where(diffs.min(axis=1) <= p.angle_snap_deg, pick, angles) % 360.0


def _topology_rejects(rows, cols, kinds, status, length, hit, flow_deg, period: float,
                      p: MinutiaeParams = DEFAULT_MINUTIAE) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Spurs, short ridges/islands and bridges/holes, from the traced branches.

    A short skeleton link between two candidates is an artefact when it crosses the ridge flow (spurs,
    bridges between neighbouring ridges, specks) or is very short; a link along the flow longer than
    ``params.min_link_periods`` is kept (short ridges and branches along the flow are real minutiae). Returns the
    rejected candidates and the rejected links that join two bifurcations (for :func:`_merged_junctions`).
    """
    bad = np.zeros(len(kinds), bool)
    junction_links = []
    limits = {(0, 0): p.short_ridge_periods * period, (0, 1): p.spur_periods * period, (1, 0): p.spur_periods * period,
              (1, 1): p.bridge_periods * period}
    for i, j in zip(*np.nonzero(status == _k.TRACE_MINUTIA), strict=True):
        other, steps = hit[i, j], length[i, j]
        if steps > limits[(kinds[i], kinds[other])]:
            continue
        link = np.degrees(np.arctan2(rows[i] - rows[other], cols[other] - cols[i])) % 180.0
        across = _angle_diff(link, flow_deg[i]) % 180.0 > p.link_along_flow_deg
        if across or steps < p.min_link_periods * period:
            bad[i] = bad[other] = True
            if kinds[i] == kinds[other] == 1:
                junction_links.append((int(i), int(other)))
    return bad, junction_links


def _merged_junctions(rows, cols, status, hit, probe, links) -> tuple[np.ndarray, ...]:
    """One bifurcation for each group of bifurcations joined by short links that leaves exactly three
    branches (a ridge fork drawn by the skeleton as a small triangle or loop); bridges (four branches) and
    pores (two) give none. Returns rows, cols (float) and ISO angles of the merged bifurcations, and the indices
    of the candidates merged into them."""
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for a in parent:
        groups.setdefault(find(a), []).append(a)
    out_r: list[float] = []
    out_c: list[float] = []
    out_dirs: list[np.ndarray] = []
    merged_members: list[int] = []
    for members in groups.values():
        inside = set(members)
        ext = [(m, j) for m in members for j in range(3)
               if status[m, j] >= 0 and not (status[m, j] == _k.TRACE_MINUTIA and hit[m, j] in inside)]
        if len(ext) != 3:
            continue
        r0, c0 = float(np.mean(rows[members])), float(np.mean(cols[members]))
        ends = np.array([probe[m, j] for m, j in ext])  # (3, 2): row, col one probe length along each branch
        out_r.append(r0)
        out_c.append(c0)
        out_dirs.append(_angle_of(ends[:, 0] - r0, ends[:, 1] - c0))
        merged_members.extend(members)
    members_idx = np.array(merged_members, np.int64)
    if not out_r:
        return np.zeros(0), np.zeros(0), np.zeros(0), members_idx
    return np.array(out_r), np.array(out_c), _fork_angles(np.array(out_dirs)), members_idx


def _append_junctions(analysis: Any, merged, rows, cols, kinds, angles, p: MinutiaeParams = DEFAULT_MINUTIAE
                      ) -> tuple[np.ndarray, ...]:
    """The candidate arrays with the merged bifurcations appended (angles snapped like the others)."""
    mr, mc, ma = merged
    angles = np.concatenate([angles, _snap_to_orientation(ma, analysis.orientation_at(mr, mc), p)])
    rows = np.concatenate([rows, np.rint(mr).astype(rows.dtype)])
    cols = np.concatenate([cols, np.rint(mc).astype(cols.dtype)])
    kinds = np.concatenate([kinds, np.ones(mr.size, kinds.dtype)])
    return rows, cols, kinds, angles


def _break_rejects(rows, cols, kinds, angles, keep, period: float, p: MinutiaeParams = DEFAULT_MINUTIAE
                   ) -> np.ndarray:
    """Pairs of facing endings across a short gap (a ridge broken by a crease or dryness)."""
    bad = np.zeros(len(kinds), bool)
    idx = np.flatnonzero(keep & (kinds == 0))
    if idx.size < 2:
        return bad
    dr = rows[idx][None, :] - rows[idx][:, None]
    dc = cols[idx][None, :] - cols[idx][:, None]
    dist = np.hypot(dr, dc)
    gap = _angle_of(dr, dc)  # direction i -> j
    a = angles[idx]
    facing = _angle_diff(a[:, None], a[None, :]) > 120.0
    aligned = _angle_diff(gap, (a[:, None] + 180.0)) < 45.0
    close = (dist <= p.break_periods * period) & (dist > 0)
    # the gap stays on one ridge: seen from either end, it leaves the ridge line by under ~ a ridge's half width
    lateral = dist * np.abs(np.sin(np.radians(gap - (a[:, None] + 180.0))))
    limit = p.break_lateral_periods * period
    same_ridge = np.maximum(lateral, lateral.T) <= limit
    pairs = close & facing & aligned & aligned.T & same_ridge
    bad[idx] = pairs.any(axis=1)
    return bad


def _cluster_rejects(rows, cols, keep, period: float, p: MinutiaeParams = DEFAULT_MINUTIAE) -> np.ndarray:
    bad = np.zeros(len(rows), bool)
    idx = np.flatnonzero(keep)
    if idx.size <= p.cluster_size:
        return bad
    d = np.hypot(rows[idx][:, None] - rows[idx][None, :], cols[idx][:, None] - cols[idx][None, :])
    crowded = ((d <= p.cluster_periods * period).sum(axis=1) - 1) >= p.cluster_size
    bad[idx] = crowded
    return bad


def _edge_distance_map(mask: np.ndarray) -> np.ndarray:
    """Distance to the nearest background pixel or image border, on the mask halved in resolution (read it with
    :func:`_edge_distance`; 4x fewer pixels: the mask's contours are smooth block outlines, so a +-2 px error is
    immaterial for a margin of about 13 px)."""
    # every other row/col of the mask with a 2 px zero border (np.pad(mask, 2)[::2, ::2], built directly): an even
    # pad row/col survives on every side
    h, w = mask.shape
    small = np.zeros(((h + 5) // 2, (w + 5) // 2), np.uint8)
    small[1 : 1 + (h + 1) // 2, 1 : 1 + (w + 1) // 2] = mask[::2, ::2]
    return cv2.distanceTransform(small, cv2.DIST_L2, cv2.DIST_MASK_5)


def _edge_distance(dist: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Distance (px) from each point to the nearest background pixel or image border (``dist`` from
    :func:`_edge_distance_map`)."""
    return 2.0 * dist[np.minimum((rows + 2) // 2, dist.shape[0] - 1), np.minimum((cols + 2) // 2, dist.shape[1] - 1)]


def _smoothed_coherence(analysis: Any) -> np.ndarray:
    """Block coherence averaged over the 3x3 neighbourhood of foreground blocks: a minutia disturbs the
    coherence of its own block, its neighbours tell whether the area is clear."""
    weight = np.asarray(analysis.block_mask, dtype=np.float32)
    coh = np.asarray(analysis.coherence, dtype=np.float32) * weight
    num = cv2.blur(coh, (3, 3), borderType=cv2.BORDER_CONSTANT)
    den = cv2.blur(weight, (3, 3), borderType=cv2.BORDER_CONSTANT)
    return np.where(den > 0, num / np.maximum(den, 1e-6), 0.0)


def _block_values(field: np.ndarray, rows: np.ndarray, cols: np.ndarray, block_size: int) -> np.ndarray:
    by, bx = field.shape
    return field[np.minimum(rows // block_size, by - 1), np.minimum(cols // block_size, bx - 1)]


def _has_ridge_structure(analysis: Any, p: MinutiaeParams = DEFAULT_MINUTIAE) -> bool:
    """False when the foreground looks like random texture rather than ridges (median block coherence below
    ``MinutiaeParams.noise_coherence``)."""
    blocks = np.asarray(analysis.block_mask, dtype=bool)
    if not blocks.any():
        return False
    return float(median(np.asarray(analysis.coherence)[blocks])) >= p.noise_coherence


def _ridge_like_blocks(analysis: Any, p: MinutiaeParams = DEFAULT_MINUTIAE) -> np.ndarray:
    """Share (0-1) of the 3x3 neighbouring foreground blocks whose measured ridge period is plausible (at most
    ``noise_period`` px): textured backgrounds and noise give no period or one at the search's upper bound."""
    blocks = np.asarray(analysis.block_mask, dtype=np.float32)
    period = np.asarray(analysis.ridge_profiles["period"], dtype=np.float32)
    plausible = (np.isfinite(period) & (period <= p.noise_period)).astype(np.float32) * blocks
    num = cv2.blur(plausible, (3, 3), borderType=cv2.BORDER_CONSTANT)
    den = cv2.blur(blocks, (3, 3), borderType=cv2.BORDER_CONSTANT)
    return np.where(den > 0, num / np.maximum(den, 1e-6), 0.0)


REJECT_REASONS = ("", "edge", "artefact", "merged", "unclear", "no_ridge_period", "break", "cluster")
"""Why :func:`minutiae_candidates` dropped a candidate, in the order the filters run: ``""`` kept; ``edge`` too
close to the foreground edge; ``artefact`` spur, short ridge, bridge or hole (short skeleton links); ``merged``
a bifurcation of a fork drawn as a loop, replaced by the one bifurcation appended for the group; ``unclear``
smoothed coherence below ``min_coherence``; ``no_ridge_period`` too few ridge-like blocks around it; ``break``
one of two endings facing each other across a gap on one ridge; ``cluster`` one of a crowd of minutiae."""


@dataclass(frozen=True, eq=False)
class MinutiaCandidates:
    """Every crossing-number candidate of a print and what the filters made of it (SourceAFIS-style transparency).

    Coordinates are WORKING-resolution (500 ppi) skeleton pixels, before the ISO ending offset; candidates too close
    to the edge to be traced have NaN angles. Forks merged from loops of bifurcations are appended at the end.

    Attributes
    ----------
    rows, cols:
        int (N,) skeleton pixel of each candidate.
    kinds:
        int (N,): 0 ending, 1 bifurcation.
    angles:
        float (N,) ISO angle, degrees.
    quality:
        float (N,) minutia quality 0-100 (NaN where not measured).
    reasons:
        The :data:`REJECT_REASONS` name per candidate, ``""`` for those kept.
    period:
        Median ridge period (px) that scales the filters' lengths.
    """

    rows: np.ndarray
    cols: np.ndarray
    kinds: np.ndarray
    angles: np.ndarray
    quality: np.ndarray
    reasons: tuple[str, ...]
    period: float

    @property
    def kept(self) -> np.ndarray:
        """bool (N,): the candidates that are minutiae."""
        return np.array([r == "" for r in self.reasons], dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts per reason and the period (the arrays stay out: they describe a person's print)."""
        counts = {name or "kept": self.reasons.count(name) for name in REJECT_REASONS}
        return {"candidates": len(self.reasons), "period": self.period, "by_reason": counts}


def _no_candidates(period: float) -> MinutiaCandidates:
    empty = np.zeros(0, np.int64)
    return MinutiaCandidates(empty, empty, empty, np.zeros(0), np.zeros(0), (), period)


def minutiae_candidates(analysis: Any, params: MinutiaeParams = DEFAULT_MINUTIAE) -> MinutiaCandidates:
    """All minutia candidates of an :class:`.analysis.Analysis`, each with the filter that removed it (if any).

    :func:`minutiae_from_analysis` returns the kept ones as :class:`.Minutia`; this is the same computation with
    the rejected ones left in (see the module docstring for the rules).
    """
    mask = np.asarray(analysis.mask, dtype=np.bool_)
    p = params
    if not mask.any() or not _has_ridge_structure(analysis, p):
        return _no_candidates(p.default_period)
    period = _median_period(analysis, p)
    skeleton = analysis.skeleton
    all_rows, all_cols, all_kinds = _candidates(skeleton, mask)
    edge_map = _edge_distance_map(mask)
    all_margin = _edge_distance(edge_map, all_rows, all_cols)
    # ridges cut by the foreground edge end there: those ends are not minutiae and must not be traced as such
    inner = all_margin >= min(p.clear_edge_margin_periods, p.edge_margin_periods) * period
    rows, cols, kinds, margin = all_rows[inner], all_cols[inner], all_kinds[inner], all_margin[inner]
    status, length, hit, probe = _trace(skeleton, rows, cols, period, p)
    angles = _traced_angles(rows, cols, kinds, status, probe)
    local_theta = analysis.orientation_at(rows, cols)
    angles = _snap_to_orientation(angles, local_theta, p)
    flow = np.degrees(local_theta) % 180.0
    artefact, junction_links = _topology_rejects(rows, cols, kinds, status, length, hit, flow, period, p)
    reason = np.where(artefact, REJECT_REASONS.index("artefact"), 0)
    merged = _merged_junctions(rows, cols, status, hit, probe, junction_links)
    if merged[0].size:
        n = rows.size
        reason[merged[3]] = REJECT_REASONS.index("merged")
        rows, cols, kinds, angles = _append_junctions(analysis, merged[:3], rows, cols, kinds, angles, p)
        reason = np.concatenate([reason, np.zeros(rows.size - n, reason.dtype)])
        margin = np.concatenate([margin, _edge_distance(edge_map, rows[n:], cols[n:])])
    coherence = _block_values(_smoothed_coherence(analysis), rows, cols, analysis.block_size)
    ridge_like = _block_values(_ridge_like_blocks(analysis, p), rows, cols, analysis.block_size)
    _reject(reason, coherence < p.min_coherence, "unclear")
    _reject(reason, ridge_like < p.min_ridge_like, "no_ridge_period")
    _reject(reason, (margin < p.edge_margin_periods * period) & (coherence < p.clear_coherence), "edge")
    _reject(reason, _break_rejects(rows, cols, kinds, angles, reason == 0, period, p), "break")
    _reject(reason, _cluster_rejects(rows, cols, reason == 0, period, p), "cluster")
    edge_room = np.clip((margin - p.edge_margin_periods * period) / (2.0 * period), 0, 1)
    quality = np.clip(coherence / p.clear_coherence, 0, 1) * (0.5 + 0.5 * edge_room)
    outer = ~inner
    n_out = int(outer.sum())
    return MinutiaCandidates(
        rows=np.concatenate([all_rows[outer], rows]), cols=np.concatenate([all_cols[outer], cols]),
        kinds=np.concatenate([all_kinds[outer], kinds]).astype(np.int64),
        angles=np.concatenate([np.full(n_out, np.nan), angles]),
        quality=np.concatenate([np.full(n_out, np.nan), 100 * quality.astype(np.float64)]),
        reasons=("edge",) * n_out + tuple(REJECT_REASONS[r] for r in reason), period=period)


def _reject(reason: np.ndarray, bad: np.ndarray, name: str) -> None:
    """Mark ``bad`` candidates not yet rejected with ``name`` (the first filter that removes one names it)."""
    reason[(reason == 0) & bad] = REJECT_REASONS.index(name)


def minutiae_from_analysis(analysis: Any, params: MinutiaeParams = DEFAULT_MINUTIAE) -> tuple[Minutia, ...]:
    """Minutiae of an :class:`.analysis.Analysis` in WORKING-resolution (500 ppi) pixel coordinates.

    See the module docstring for the conventions and the filtering rules, and :func:`minutiae_candidates` for the
    candidates the filters removed.
    """
    cand = minutiae_candidates(analysis, params)
    keep = np.flatnonzero(cand.kept)
    rows, cols, kinds, angles = cand.rows[keep], cand.cols[keep], cand.kinds[keep], cand.angles[keep]
    # ISO places an ending at the valley bifurcation just beyond the ridge end, i.e. behind the skeleton end
    back = np.where(kinds == 0, params.ending_offset_periods * cand.period, 0.0)
    x = cols - back * np.cos(np.radians(angles))
    y = rows + back * np.sin(np.radians(angles))
    names = ("ending", "bifurcation")
    return tuple(
        Minutia(round(float(x[i]), 2), round(float(y[i]), 2), round(float(angles[i]), 2) % 360.0, names[kinds[i]],
                round(float(cand.quality[keep[i]])))
        for i in range(keep.size)
    )


def _image_quality(analysis: Any) -> int | None:
    """The image's 0-100 quality score (sharing ``analysis``)."""
    score = getattr(assess_fingerprint(analysis), "score", None)
    return None if score is None else round(float(score))


def extract_minutiae(image: Any, *, with_quality: bool = True, params: MinutiaeParams = DEFAULT_MINUTIAE
                     ) -> Template:
    """Extract the minutiae of a fingerprint.

    Parameters
    ----------
    image:
        A :class:`~cccd_biometrics.images.FingerImage`, an existing :class:`.analysis.Analysis` of one (its
        products are reused, nothing is recomputed), or anything :func:`cccd_biometrics.load_fingerprint`
        accepts.
    with_quality:
        Fill ``Template.quality`` with the image quality score (``None`` otherwise).
    params:
        Detection parameters (:class:`~cccd_biometrics.fingerprint.params.MinutiaeParams`).

    Returns
    -------
    Template
        Minutiae in the original capture's pixel coordinates (conventions in the module docstring), with the
        capture's width, height and ppi.

    Examples
    --------
    >>> t = extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> len(t), (t.width, t.height, t.ppi)
    (46, (400, 500, 500.0))
    >>> t.minutiae[0].kind in ("ending", "bifurcation")
    True
    """
    analysis = image if isinstance(image, Analysis) else analyze_fingerprint(image)
    img: FingerImage = analysis.image
    scale = img.scale_to_original
    oh, ow = img.original_shape or img.shape
    minutiae = tuple(
        Minutia((m.x + 0.5) * scale - 0.5, (m.y + 0.5) * scale - 0.5, m.angle, m.kind, m.quality)
        for m in minutiae_from_analysis(analysis, params)
    )
    quality = _image_quality(analysis) if with_quality else None
    # metadata ppi such as 499.999 (pHYs in px/m) is reported rounded
    return Template(minutiae=minutiae, width=int(ow), height=int(oh), ppi=round(float(img.original_ppi), 1),
                    quality=quality)


def visualize_minutiae(image: Any, template: Template, *, tail: float = 12.0) -> np.ndarray:
    """Draw ``template``'s minutiae on the print: endings as red circles, bifurcations as green squares, each
    with a line along its direction.

    Parameters
    ----------
    image:
        The print at its original resolution: a ``uint8`` (H, W) array, or a FingerImage (its working
        pixels are resized back to ``template.width`` x ``template.height``).
    template:
        Minutiae in original-resolution coordinates.
    tail:
        Length of the direction line in pixels.

    Returns
    -------
    numpy.ndarray
        ``uint8`` (H, W, 3) BGR image, ready for ``cv2.imwrite``.
    """
    pixels = image.pixels if isinstance(image, FingerImage) else np.asarray(image)
    if pixels.shape[:2] != (template.height, template.width) and template.width and template.height:
        pixels = cv2.resize(pixels, (template.width, template.height), interpolation=cv2.INTER_LINEAR)
    canvas = cv2.cvtColor(pixels.astype(np.uint8), cv2.COLOR_GRAY2BGR) if pixels.ndim == 2 else pixels.copy()
    for m in template.minutiae:
        x, y = m.x, m.y
        rad = np.radians(m.angle)
        end = (round(x + tail * float(np.cos(rad))), round(y - tail * float(np.sin(rad))))
        centre = (round(x), round(y))
        color = (0, 0, 255) if m.kind == "ending" else (0, 170, 0)
        if m.kind == "ending":
            cv2.circle(canvas, centre, 4, color, 1, cv2.LINE_AA)
        else:
            cv2.rectangle(canvas, (centre[0] - 4, centre[1] - 4), (centre[0] + 4, centre[1] + 4), color, 1)
        cv2.line(canvas, centre, end, color, 1, cv2.LINE_AA)
    return canvas
