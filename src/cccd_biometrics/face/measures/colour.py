"""Skin colour: how far the face is from natural skin (a colour cast), and how much of it is not skin."""

from __future__ import annotations

import numpy as np

from .canon import CANON_EYE_Y, CANON_H, CANON_IED, Canon, skin_band_distance
from .measure import Measure, component

__all__ = ["face_occlusion", "natural_colour"]


def natural_colour(c: Canon) -> Measure:
    """Distance (in a*b*) of the face's median skin colour from the natural-skin range.

    Skin of every ethnicity lies in a narrow band of CIELab: a* in [4, 25], b* in [6, 30] and hue angle
    in [25, 75] degrees under neutral light; a colour cast moves it out of that band.
    """
    lab = c.lab[c.skin]
    if lab.shape[0] < 50:
        return Measure("natural_colour", float("nan"), 0, "dE")
    # a colour cast moves the whole face; a mask or scarf moves only the lower face, a fringe only the
    # forehead: the nearer of the whole face and the face above the nose is the skin's colour
    upper = c.lab[c.skin & (np.arange(CANON_H)[:, None] < CANON_EYE_Y + 0.1 * CANON_IED)]
    dist = skin_band_distance(lab)
    if upper.shape[0] >= 50:
        dist = min(dist, skin_band_distance(upper))
    return Measure("natural_colour", dist, component(dist, 10.0, 0.0), "dE")


def face_occlusion(c: Canon) -> Measure:
    """Share of the skin region (face hull without eyes, brows and lips) whose colour is far from the
    reference skin patches' (a*b* 10 or more apart, or L* 30): hair, a hand, a mask or a shadow over the face."""
    skin = c.skin_ref
    vals = c.lab[c.skin]
    if vals.shape[0] < 50:
        return Measure("face_occlusion", 1.0, 0, "fraction")
    ok = (np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2]) < 10.0) & (np.abs(vals[:, 0] - skin[0]) < 30.0)
    occ = float(1.0 - ok.mean())
    return Measure("face_occlusion", occ, component(occ, 0.6, 0.1), "fraction")
