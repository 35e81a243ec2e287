"""Minutiae extraction: skeleton crossing numbers, ridge following and false-minutiae filtering.

Pipeline (every image product lives in :class:`.analysis.Analysis`, computed once and inspectable):
``mask``/``orientation``/``ridge_period``/``coherence`` (analysis) -> ``enhanced`` (oriented, period-tuned
filter, :mod:`.enhance`) -> ``binary`` -> ``skeleton`` (Zhang-Suen + staircase removal) -> crossing-number
candidates -> ridge following along the skeleton from every candidate -> filtering -> :class:`.Template`.

Minutia conventions (ISO/IEC 19794-2:2005, also used by the ISO/ANSI codecs unchanged):

* Location: the ridge-skeleton junction (bifurcation) or, for an ending, the valley bifurcation in front of the
  ridge end as ISO/IEC 19794-2 places it (the skeleton end moved ``ENDING_OFFSET_PERIODS`` ridge periods away
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

False minutiae removed (lengths scale with the median ridge period ``T`` of the print): candidates closer than
``EDGE_MARGIN_PERIODS * T`` to the foreground edge (cut ridges end there), or than ``CLEAR_EDGE_MARGIN_PERIODS * T``
where the smoothed coherence is at least ``CLEAR_COHERENCE`` (clear ridges are reliable nearer the edge; closer
candidates are never traced), or where the block
coherence averaged over 3x3 foreground blocks is below ``MIN_COHERENCE`` (unclear areas; the threshold is low
because coherence also drops at cores and deltas); every minutia of a foreground without ridge structure
(random texture: see ``NOISE_COHERENCE``) and those in areas where fewer than half the blocks have a plausible
ridge period (textured backgrounds, noise); short skeleton links between two candidates (the ridge followed from
one reaches the other) when they cross the ridge flow by more than ``LINK_ALONG_FLOW_DEG`` or are shorter than
``MIN_LINK_PERIODS * T``: spurs (ending to bifurcation within ``SPUR_PERIODS * T``), specks and short ridges
(ending to ending within ``SHORT_RIDGE_PERIODS * T``), bridges and holes (bifurcation to bifurcation within
``BRIDGE_PERIODS * T``), both ends going — except that a group of bifurcations joined by such links which three
branches leave (a fork drawn by the skeleton as a small loop or triangle, common on wet or pored ridges) becomes
one bifurcation at its centre, while two branches (a pore) or four (a bridge) leave nothing; breaks (two facing
endings within ``BREAK_PERIODS * T``, the gap aligned with both ridges and leaving neither ridge's line by more
than ``BREAK_LATERAL_PERIODS * T``, so that endings facing each other on neighbouring ridges stay); clusters (a
minutia with ``CLUSTER_SIZE`` or more others within ``CLUSTER_PERIODS * T``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..._shared.numeric import median
from ...images import FingerImage
from ..analysis import Analysis, analyze_fingerprint
from ..quality.score import assess_fingerprint
from ..template.types import Minutia, Template
from . import _kernels as _k

__all__ = ["REJECT_REASONS", "MinutiaCandidates", "extract_minutiae", "minutiae_candidates", "minutiae_from_analysis",
           "visualize_minutiae"]

# Thresholds tuned on the FVC B dev sets (agreement with FingerJet/MINDTCT on 30-40 images, then the EER of the
# project's comparator on 2-3 DBs at a time: benchmarks/minutiae_agreement.py); lengths in ridge periods.
EDGE_MARGIN_PERIODS = 1.3
# in clear areas (smoothed coherence >= CLEAR_COHERENCE, where minutia quality gets full marks) the ridges are
# reliable up to the foreground edge, and a shorter margin keeps the minutiae that small overlaps depend on
CLEAR_EDGE_MARGIN_PERIODS = 0.8
CLEAR_COHERENCE = 0.6
MIN_COHERENCE = 0.25
# a foreground without ridge structure (random texture): median block coherence below NOISE_COHERENCE gives no
# minutiae (FVC prints: median >= 0.30); a minutia needs MIN_RIDGE_LIKE of its 3x3 blocks to have a ridge period
# <= NOISE_PERIOD px (FVC DBs: median period <= 14.7 px)
NOISE_COHERENCE = 0.28
NOISE_PERIOD = 15.5
MIN_RIDGE_LIKE = 0.5
TRACE_PERIODS = 2.5
PROBE_PERIODS = 1.0
SPUR_PERIODS = 1.5
SHORT_RIDGE_PERIODS = 1.5
BRIDGE_PERIODS = 0.7
MIN_LINK_PERIODS = 0.7
LINK_ALONG_FLOW_DEG = 30.0
BREAK_PERIODS = 2.5
# a ridge is about half a period wide: a gap drifting sideways by more than ~1/3 period joins two ridges
# (0.25-0.5 all lower the mean EER of the 8 FVC DBs: 2.65-2.68 % vs 2.95 % without this rule; 0.35: 2.56 %)
BREAK_LATERAL_PERIODS = 0.35
CLUSTER_PERIODS = 1.0
CLUSTER_SIZE = 3
ANGLE_SNAP_DEG = 45.0
DEFAULT_PERIOD = 9.1
# skeleton end -> ISO ending location (valley bifurcation), along the ridge away from it: 0.15 period, the median
# offset measured against FingerJet FX OSE's ISO templates on 36 FVC images (1.3 px; bifurcations: none applied)
ENDING_OFFSET_PERIODS = 0.15


def _median_period(analysis: Any) -> float:
    period = np.asarray(analysis.ridge_period, dtype=np.float64)
    finite = period[np.isfinite(period)]
    return float(np.clip(median(finite), 5.0, 16.0)) if finite.size else DEFAULT_PERIOD


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


def _trace(skeleton: np.ndarray, rows: np.ndarray, cols: np.ndarray, period: float) -> tuple[np.ndarray, ...]:
    label = np.zeros(skeleton.shape, np.int32)
    label[rows, cols] = np.arange(1, len(rows) + 1, dtype=np.int32)
    return _k.trace_branches(skeleton, label, rows, cols, round(TRACE_PERIODS * period),
                             round(PROBE_PERIODS * period))


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


def _snap_to_orientation(angles: np.ndarray, local_theta: np.ndarray) -> np.ndarray:
    """Replace traced angles by the nearer of the two orientation-field directions when they agree."""
    field = np.degrees(local_theta) % 180.0
    cand = np.stack([field, field + 180.0], axis=1)
    diffs = _angle_diff(cand, angles[:, None])
    pick = np.take_along_axis(cand, np.argmin(diffs, axis=1)[:, None], axis=1)[:, 0]
    return np.where(diffs.min(axis=1) <= ANGLE_SNAP_DEG, pick, angles) % 360.0


def _topology_rejects(rows, cols, kinds, status, length, hit, flow_deg, period: float
                      ) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Spurs, short ridges/islands and bridges/holes, from the traced branches.

    A short skeleton link between two candidates is an artefact when it crosses the ridge flow (spurs,
    bridges between neighbouring ridges, specks) or is very short; a link along the flow longer than
    ``MIN_LINK_PERIODS`` is kept (short ridges and branches along the flow are real minutiae). Returns the
    rejected candidates and the rejected links that join two bifurcations (for :func:`_merged_junctions`).
    """
    bad = np.zeros(len(kinds), bool)
    junction_links = []
    limits = {(0, 0): SHORT_RIDGE_PERIODS * period, (0, 1): SPUR_PERIODS * period, (1, 0): SPUR_PERIODS * period,
              (1, 1): BRIDGE_PERIODS * period}
    for i, j in zip(*np.nonzero(status == _k.TRACE_MINUTIA), strict=True):
        other, steps = hit[i, j], length[i, j]
        if steps > limits[(kinds[i], kinds[other])]:
            continue
        link = np.degrees(np.arctan2(rows[i] - rows[other], cols[other] - cols[i])) % 180.0
        across = _angle_diff(link, flow_deg[i]) % 180.0 > LINK_ALONG_FLOW_DEG
        if across or steps < MIN_LINK_PERIODS * period:
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


def _append_junctions(analysis: Any, merged, rows, cols, kinds, angles) -> tuple[np.ndarray, ...]:
    """The candidate arrays with the merged bifurcations appended (angles snapped like the others)."""
    mr, mc, ma = merged
    angles = np.concatenate([angles, _snap_to_orientation(ma, analysis.orientation_at(mr, mc))])
    rows = np.concatenate([rows, np.rint(mr).astype(rows.dtype)])
    cols = np.concatenate([cols, np.rint(mc).astype(cols.dtype)])
    kinds = np.concatenate([kinds, np.ones(mr.size, kinds.dtype)])
    return rows, cols, kinds, angles


def _break_rejects(rows, cols, kinds, angles, keep, period: float) -> np.ndarray:
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
    close = (dist <= BREAK_PERIODS * period) & (dist > 0)
    # the gap stays on one ridge: seen from either end, it leaves the ridge line by under ~ a ridge's half width
    lateral = dist * np.abs(np.sin(np.radians(gap - (a[:, None] + 180.0))))
    limit = BREAK_LATERAL_PERIODS * period
    same_ridge = np.maximum(lateral, lateral.T) <= limit
    pairs = close & facing & aligned & aligned.T & same_ridge
    bad[idx] = pairs.any(axis=1)
    return bad


def _cluster_rejects(rows, cols, keep, period: float) -> np.ndarray:
    bad = np.zeros(len(rows), bool)
    idx = np.flatnonzero(keep)
    if idx.size <= CLUSTER_SIZE:
        return bad
    d = np.hypot(rows[idx][:, None] - rows[idx][None, :], cols[idx][:, None] - cols[idx][None, :])
    crowded = ((d <= CLUSTER_PERIODS * period).sum(axis=1) - 1) >= CLUSTER_SIZE
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


def _has_ridge_structure(analysis: Any) -> bool:
    """False when the foreground looks like random texture rather than ridges (median block coherence below
    ``NOISE_COHERENCE``)."""
    blocks = np.asarray(analysis.block_mask, dtype=bool)
    if not blocks.any():
        return False
    return float(median(np.asarray(analysis.coherence)[blocks])) >= NOISE_COHERENCE


def _ridge_like_blocks(analysis: Any) -> np.ndarray:
    """Share (0-1) of the 3x3 neighbouring foreground blocks whose measured ridge period is plausible (at most
    ``NOISE_PERIOD`` px): textured backgrounds and noise give no period or one at the search's upper bound."""
    blocks = np.asarray(analysis.block_mask, dtype=np.float32)
    period = np.asarray(analysis.ridge_profiles["period"], dtype=np.float32)
    plausible = (np.isfinite(period) & (period <= NOISE_PERIOD)).astype(np.float32) * blocks
    num = cv2.blur(plausible, (3, 3), borderType=cv2.BORDER_CONSTANT)
    den = cv2.blur(blocks, (3, 3), borderType=cv2.BORDER_CONSTANT)
    return np.where(den > 0, num / np.maximum(den, 1e-6), 0.0)


REJECT_REASONS = ("", "edge", "artefact", "merged", "unclear", "no_ridge_period", "break", "cluster")
"""Why :func:`minutiae_candidates` dropped a candidate, in the order the filters run: ``""`` kept; ``edge`` too
close to the foreground edge; ``artefact`` spur, short ridge, bridge or hole (short skeleton links); ``merged``
a bifurcation of a fork drawn as a loop, replaced by the one bifurcation appended for the group; ``unclear``
smoothed coherence below ``MIN_COHERENCE``; ``no_ridge_period`` too few ridge-like blocks around it; ``break``
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


def minutiae_candidates(analysis: Any) -> MinutiaCandidates:
    """All minutia candidates of an :class:`.analysis.Analysis`, each with the filter that removed it (if any).

    :func:`minutiae_from_analysis` returns the kept ones as :class:`.Minutia`; this is the same computation with
    the rejected ones left in (see the module docstring for the rules).
    """
    mask = np.asarray(analysis.mask, dtype=np.bool_)
    if not mask.any() or not _has_ridge_structure(analysis):
        return _no_candidates(DEFAULT_PERIOD)
    period = _median_period(analysis)
    skeleton = analysis.skeleton
    all_rows, all_cols, all_kinds = _candidates(skeleton, mask)
    edge_map = _edge_distance_map(mask)
    all_margin = _edge_distance(edge_map, all_rows, all_cols)
    # ridges cut by the foreground edge end there: those ends are not minutiae and must not be traced as such
    inner = all_margin >= min(CLEAR_EDGE_MARGIN_PERIODS, EDGE_MARGIN_PERIODS) * period
    rows, cols, kinds, margin = all_rows[inner], all_cols[inner], all_kinds[inner], all_margin[inner]
    status, length, hit, probe = _trace(skeleton, rows, cols, period)
    angles = _traced_angles(rows, cols, kinds, status, probe)
    local_theta = analysis.orientation_at(rows, cols)
    angles = _snap_to_orientation(angles, local_theta)
    flow = np.degrees(local_theta) % 180.0
    artefact, junction_links = _topology_rejects(rows, cols, kinds, status, length, hit, flow, period)
    reason = np.where(artefact, REJECT_REASONS.index("artefact"), 0)
    merged = _merged_junctions(rows, cols, status, hit, probe, junction_links)
    if merged[0].size:
        n = rows.size
        reason[merged[3]] = REJECT_REASONS.index("merged")
        rows, cols, kinds, angles = _append_junctions(analysis, merged[:3], rows, cols, kinds, angles)
        reason = np.concatenate([reason, np.zeros(rows.size - n, reason.dtype)])
        margin = np.concatenate([margin, _edge_distance(edge_map, rows[n:], cols[n:])])
    coherence = _block_values(_smoothed_coherence(analysis), rows, cols, analysis.block_size)
    ridge_like = _block_values(_ridge_like_blocks(analysis), rows, cols, analysis.block_size)
    _reject(reason, coherence < MIN_COHERENCE, "unclear")
    _reject(reason, ridge_like < MIN_RIDGE_LIKE, "no_ridge_period")
    _reject(reason, (margin < EDGE_MARGIN_PERIODS * period) & (coherence < CLEAR_COHERENCE), "edge")
    _reject(reason, _break_rejects(rows, cols, kinds, angles, reason == 0, period), "break")
    _reject(reason, _cluster_rejects(rows, cols, reason == 0, period), "cluster")
    edge_room = np.clip((margin - EDGE_MARGIN_PERIODS * period) / (2.0 * period), 0, 1)
    quality = np.clip(coherence / CLEAR_COHERENCE, 0, 1) * (0.5 + 0.5 * edge_room)
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


def minutiae_from_analysis(analysis: Any) -> tuple[Minutia, ...]:
    """Minutiae of an :class:`.analysis.Analysis` in WORKING-resolution (500 ppi) pixel coordinates.

    See the module docstring for the conventions and the filtering rules, and :func:`minutiae_candidates` for the
    candidates the filters removed.
    """
    cand = minutiae_candidates(analysis)
    keep = np.flatnonzero(cand.kept)
    rows, cols, kinds, angles = cand.rows[keep], cand.cols[keep], cand.kinds[keep], cand.angles[keep]
    # ISO places an ending at the valley bifurcation just beyond the ridge end, i.e. behind the skeleton end
    back = np.where(kinds == 0, ENDING_OFFSET_PERIODS * cand.period, 0.0)
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


def extract_minutiae(image: Any, *, with_quality: bool = True) -> Template:
    """Extract the minutiae of a fingerprint.

    Parameters
    ----------
    image:
        A :class:`~cccd_biometrics.images.FingerImage`, an existing :class:`.analysis.Analysis` of one (its
        products are reused, nothing is recomputed), or anything :func:`cccd_biometrics.load_fingerprint`
        accepts.
    with_quality:
        Fill ``Template.quality`` with the image quality score (``None`` otherwise).

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
        for m in minutiae_from_analysis(analysis)
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
