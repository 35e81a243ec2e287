"""Head coverings: what lies between the forehead and the crown that is neither skin, hair nor background."""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Landmark
from .canon import CANON_EYE_Y, CANON_IED, CANON_W, Canon
from .measure import Measure, component

__all__ = ["head_covering"]


def head_covering(c: Canon, bg_lab: np.ndarray | None, skin_cast: float = 0.0) -> dict[str, Measure]:
    """Share of the band between forehead and estimated crown that is neither skin, hair nor background.

    Hair is taken as near-black (L* < 20), low-chroma (C* < 25) below L* 75, or a moderately saturated
    yellow-brown (C* < 45, hue 35-100 deg, blond / auburn) below L* 80 — and, when the temples show hair,
    only if its colour is near theirs (a crown of hair continues down the sides of the head; a cap,
    even a dark or grey one, stops above them). Background colour counts as such only in the band's upper
    half: just above the forehead the skull is there, so a background-coloured patch is a covering (a
    white cap on a light background). ``head_pattern`` is a second, colour-blind piece of evidence: how
    much of the texture inside the crown runs in one or two directions (:func:`_crown_pattern`). No network: a plain
    covering that matches both the hair at the temples and the hair's colour class, or one reaching down
    over the temples in a hair colour, is not caught.
    """
    p = c.pts
    top = round(CANON_EYE_Y - (p[Landmark.CHIN, 1] - CANON_EYE_Y) * 0.95)
    bottom = round(p[Landmark.FOREHEAD, 1] - 0.1 * CANON_IED)
    cx = CANON_W // 2
    half = int(0.6 * CANON_IED)
    band = c.lab[max(0, top) : max(0, bottom), cx - half : cx + half]
    ok_mask = c.valid[max(0, top) : max(0, bottom), cx - half : cx + half]
    vals = band[ok_mask]
    if vals.shape[0] < 50:
        return {"head_covering": Measure("head_covering", float("nan"), 0, "fraction"),
                "head_pattern": Measure("head_pattern", float("nan"), 0, "share")}
    upper = (np.nonzero(ok_mask)[0] <= (band.shape[0] - 1) / 2)
    is_skin = _skin_like(vals, c.skin_ref)
    # green or blue is not hair only under light that leaves the skin its natural colour (a colour cast,
    # reported as such, turns dark hair blue too)
    min_ab = _HAIR_MIN_AB if skin_cast <= 1.0 else -np.inf
    is_hair = _hair_like(vals, min_ab)
    ref = _temple_hair(c, bg_lab, min_ab)
    if ref is not None:
        # L* weighs half: the crown is lit from above, the temples from the side
        is_hair &= np.linalg.norm((vals - ref) * _HAIR_WEIGHTS, axis=1) < _HAIR_MATCH
    is_bg = np.zeros(len(vals), bool)
    if bg_lab is not None:
        is_bg = (np.linalg.norm(vals - bg_lab, axis=1) < 12.0) & upper
    cover = float(1.0 - np.mean(is_skin | is_hair | is_bg))
    pattern = _crown_pattern(band[:, :, 0], ok_mask, band, bg_lab)
    return {"head_covering": Measure("head_covering", cover, component(cover, 0.6, 0.1), "fraction"),
            "head_pattern": Measure("head_pattern", pattern, component(pattern, 0.9, 0.6), "share")}


def _crown_pattern(L: np.ndarray, valid: np.ndarray, lab: np.ndarray, bg_lab: np.ndarray | None) -> float:
    """How much of the crown's texture runs in one or two directions: a printed or woven pattern.

    The share of gradient energy (luminance, smoothed at 1.5 px) whose orientation lies within 7.5 deg
    of the strongest orientation or of the strongest one at least 20 deg away from it. Stripes and a
    knit's ribs put nearly all their energy there, a checker much of it; hair's strands and locks bend
    and cross (faces_dev bare heads: 0.24-0.64). Read only inside the head's silhouette
    (not-background, gaps of a stripe closed, then eroded by 5 px), so that the outline of the head, a
    smooth curve for a bald head and a cap alike, does not count; 0 when that interior is small or
    almost flat (plain caps are left to the colour test).
    """
    inside = valid.copy()
    if bg_lab is not None:
        inside &= np.linalg.norm(lab - bg_lab, axis=2) >= 12.0
    inside_u8 = cv2.morphologyEx(inside.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    inner = (cv2.erode(inside_u8, np.ones((11, 11), np.uint8)) > 0) & valid
    if inner.sum() < 200:
        return 0.0
    g = cv2.GaussianBlur(np.ascontiguousarray(L), (0, 0), 1.5)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0)[inner], cv2.Sobel(g, cv2.CV_32F, 0, 1)[inner]
    energy = gx * gx + gy * gy
    # flat skin or a plain cap: the orientation of sensor noise and shading says nothing
    if float(np.sqrt(energy.mean())) < 6.0:
        return 0.0
    # 36 bins of 5 deg; a peak is 3 bins wide (15 deg)
    angle = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    hist = np.bincount(np.minimum(angle // 5.0, 35).astype(np.int64), weights=energy, minlength=36)
    peaks = hist + np.roll(hist, 1) + np.roll(hist, -1)
    first = int(np.argmax(peaks))
    rest = peaks.copy()
    rest[(first + np.arange(-3, 4)) % 36] = 0.0
    return float((peaks[first] + rest.max()) / max(float(hist.sum()), 1e-6))


# crown pixels count as hair within this (L*/2, a*, b*) distance of the temples' hair (issue 15: the
# smallest of 10/15/20/25 at which the even-numbered faces_dev subjects' bare heads stay below the plain
# caps of benchmarks/face_defects; at 20 their maximum rose from 0.21 to 0.27, at 25 it stays 0.21)
_HAIR_MATCH = 25.0
_HAIR_WEIGHTS = np.array([0.5, 1.0, 1.0])


def _skin_like(vals: np.ndarray, skin: np.ndarray) -> np.ndarray:
    return (np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2]) < 7.0) & (np.abs(vals[:, 0] - skin[0]) < 15.0)


def _hair_like(vals: np.ndarray, min_ab: float = -np.inf) -> np.ndarray:
    chroma = np.hypot(vals[:, 1], vals[:, 2])
    hue = np.degrees(np.arctan2(vals[:, 2], vals[:, 1]))
    # black, grey and brown hair are low-chroma; blond and auburn hair are moderately saturated yellows
    hair = ((vals[:, 0] < 20.0) | ((chroma < 25.0) & (vals[:, 0] < 75.0))
            | ((chroma < 45.0) & (hue > 35.0) & (hue < 100.0) & (vals[:, 0] < 80.0)))
    # melanin makes hair neutral to yellow-red, never green or blue, even when dark: a navy or
    # dark-green cap is not hair (issue 15, round 3)
    return hair & (vals[:, 1] >= min_ab) & (vals[:, 2] >= min_ab)


# the lowest a* and b* of hair (issue 15, round 3): of 196,906 hair-coloured crown-band pixels of the
# even-numbered faces_dev subjects' bare heads, 0.09 % lie below -4, 0.02 % below -5 and none below -6
_HAIR_MIN_AB = -6.0


def _temple_hair(c: Canon, bg_lab: np.ndarray | None, min_ab: float = -np.inf) -> np.ndarray | None:
    """Median Lab of the hair beside the forehead (0.85-1.15 IED out, 0.1-0.6 IED above the eye line),
    or None when less than 30 % of those pixels are hair-coloured (short hair, bald, a hood)."""
    y0, y1 = int(CANON_EYE_Y - 0.6 * CANON_IED), int(CANON_EYE_Y - 0.1 * CANON_IED)
    cx = CANON_W // 2
    parts = []
    for x0, x1 in ((cx - int(1.15 * CANON_IED), cx - int(0.85 * CANON_IED)),
                   (cx + int(0.85 * CANON_IED), cx + int(1.15 * CANON_IED))):
        parts.append(c.lab[y0:y1, max(0, x0) : x1][c.valid[y0:y1, max(0, x0) : x1]])
    side = np.concatenate(parts)
    if len(side) < 20:
        return None
    hair = _hair_like(side, min_ab) & ~_skin_like(side, c.skin_ref)
    if bg_lab is not None:
        hair &= np.linalg.norm(side - bg_lab, axis=1) >= 12.0
    if hair.sum() < max(20, 0.3 * len(side)):
        return None
    return np.median(side[hair], axis=0)
