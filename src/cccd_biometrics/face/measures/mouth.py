"""The mouth: closed, neutral expression, and whether it can be seen at all (masks, scarves, a hand)."""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Landmark
from .canon import CANON_EYE_Y, CANON_IED, CANON_W, Canon, poly_mask, skin_band_distance
from .measure import Measure, component

__all__ = ["mouth"]


def mouth(c: Canon) -> dict[str, Measure]:
    """Mouth closed (inner-lip gap), expression (mouth width and corner rise) and mouth occlusion.

    Occlusion: share of the lower face (nose to chin, lips excluded) whose colour is close to the skin
    reference, together with how much redder the lips are than that skin. A mask or hand removes both.
    """
    p = c.pts
    gap = float(np.hypot(*(p[Landmark.LIP_INNER_UP] - p[Landmark.LIP_INNER_DOWN])) / CANON_IED)
    width = float(np.hypot(*(p[Landmark.MOUTH_LEFT] - p[Landmark.MOUTH_RIGHT])) / CANON_IED)
    # Smile score (issue 15): a logistic model of mouth width over face width (smiles widen the mouth) and
    # lower-lid-to-mouth-corner distance over the IED (smiles raise the corners towards the eyes), fitted
    # on the 67 neutral and 30 smiling faces_dev portraits (neutral 0.362 +- 0.014 / 1.018 +- 0.048,
    # smiling 0.432 +- 0.046 / 0.947 +- 0.054); 3-fold subject-level cross-validation: 24/30 smiles above
    # 0 at 2/67 neutral. The constant puts the decision at 0 (the logit minus 0.3).
    face_w = float(np.hypot(*(p[Landmark.FACE_LEFT] - p[Landmark.FACE_RIGHT])))
    corner_rise = (np.hypot(*(p[Landmark.RIGHT_LID_DOWN] - p[Landmark.MOUTH_RIGHT]))
                   + np.hypot(*(p[Landmark.LEFT_LID_DOWN] - p[Landmark.MOUTH_LEFT]))) / (2 * CANON_IED)
    expression = float(62.5 * width * CANON_IED / max(face_w, 1e-6) - 20.3 * corner_rise - 4.16)
    skin = c.skin_ref
    lab = c.lab
    shape = lab.shape[:2]
    lower = np.zeros(shape, np.uint8)
    y_nose = round(p[Landmark.NOSE_TIP, 1] + 0.1 * CANON_IED)
    lower[y_nose : round(p[Landmark.CHIN, 1]), :] = 1
    lips = cv2.dilate(poly_mask(shape, p, Landmark.LIPS), np.ones((5, 5), np.uint8))
    region = (lower > 0) & c.face & (lips == 0)
    vals = lab[region]
    if vals.shape[0] < 30:
        return _mouth_measures(gap, expression, 1.0, 0.0, 0.0)
    d_ab = np.hypot(vals[:, 1] - skin[1], vals[:, 2] - skin[2])
    skin_share = float(np.mean((d_ab < 8.0) & (np.abs(vals[:, 0] - skin[0]) < 25.0)))
    lip_vals = lab[(poly_mask(shape, p, Landmark.LIPS) > 0) & c.valid]
    lip_contrast = 0.0
    if len(lip_vals):
        lip_contrast = float(np.linalg.norm(np.median(lip_vals, axis=0) - np.median(vals, axis=0)))
    y0, y1 = max(0, y_nose - 8), min(shape[0], round(p[Landmark.CHIN, 1]) + 8)
    L = lab[y0:y1, :, 0]
    texture = float(np.abs(L - cv2.GaussianBlur(L, (0, 0), 2.0))[region[y0:y1]].mean())
    out = _mouth_measures(gap, expression, 1.0 - skin_share, lip_contrast, texture)
    out.update(_mouth_evidence(c))
    return out


def _mouth_evidence(c: Canon) -> dict[str, Measure]:
    """What the pixels say about a visible mouth, trusting no landmark's claim that lips are there.

    ``lip_redness``: median a* inside the lip outline minus that of a thin ring around it. Lips are redder
    than the skin next to them (faces_dev neutral: 4-14 a*, 5-95 %); on a mask, scarf or hand the outline
    FaceMesh guesses lies on one material and the difference is ~0.
    ``lower_face_skin``: share of a fixed box below the nose (0.75-1.45 inter-eye distances under the eye
    line, +-0.5 wide: the canonical crop's geometry, not the landmarks') whose colour matches forehead skin
    (a*b* within 7, L* within 20). A mask or scarf of any colour but skin takes it to ~0.
    """
    lab, ied = c.lab, CANON_IED
    ey, cx = CANON_EYE_Y, CANON_W / 2
    r = int(0.1 * ied)
    # reference skin: forehead and upper-cheek patches whose colour is in the natural-skin band (a fringe
    # or a mask's top edge is not); all of them when none is
    spots = [(cx, ey - 0.75 * ied), (cx - 0.4 * ied, ey - 0.6 * ied), (cx + 0.4 * ied, ey - 0.6 * ied),
             tuple(c.pts[Landmark.RIGHT_CHEEK]), tuple(c.pts[Landmark.LEFT_CHEEK])]
    patches = []
    for x, y in spots:
        xi, yi = int(x), int(y)
        patch = lab[max(0, yi - r) : yi + r, max(0, xi - r) : xi + r].reshape(-1, 3)
        if len(patch):
            patches.append(np.median(patch, axis=0))
    skin_like = [q for q in patches if skin_band_distance(q[None, :]) < 3.0]
    ref = np.median(np.array(skin_like or patches or [[60.0, 12.0, 15.0]]), axis=0)
    box = lab[int(ey + 0.75 * ied) : int(ey + 1.45 * ied), int(cx - 0.5 * ied) : int(cx + 0.5 * ied)].reshape(-1, 3)
    near = (np.hypot(box[:, 1] - ref[1], box[:, 2] - ref[2]) < 7.0) & (np.abs(box[:, 0] - ref[0]) < 20.0)
    lower_skin = float(near.mean()) if len(box) else 0.0
    lips_u8 = poly_mask(lab.shape[:2], c.pts, Landmark.LIPS)
    lips = (lips_u8 > 0) & c.valid
    ring = ((cv2.dilate(lips_u8, np.ones((13, 13), np.uint8)) > 0)
            & (cv2.dilate(lips_u8, np.ones((3, 3), np.uint8)) == 0) & c.valid)
    redness = over_skin = 0.0
    if lips.sum() > 10 and ring.sum() > 10:
        redness = float(np.median(lab[:, :, 1][lips]) - np.median(lab[:, :, 1][ring]))
    if lips.sum() > 10:
        over_skin = float(np.median(lab[:, :, 1][lips]) - ref[1])
    return {
        "lip_redness": Measure("lip_redness", redness, component(redness, 0.0, 6.0), "a*"),
        "lip_skin_redness": Measure("lip_skin_redness", over_skin, component(over_skin, 0.0, 6.0), "a*"),
        "lower_face_skin": Measure("lower_face_skin", lower_skin, component(lower_skin, 0.0, 0.4), "fraction"),
    }


def _mouth_measures(gap: float, expression: float, not_skin: float, lip_contrast: float,
                    texture: float) -> dict[str, Measure]:
    return {
        "mouth_closed": Measure("mouth_closed", gap, component(gap, 0.15, 0.02), "ratio"),
        "expression_neutrality": Measure("expression_neutrality", float(expression),
                                         component(expression, 1.0, -2.0), "logit"),
        "mouth_occlusion": Measure("mouth_occlusion", not_skin, component(not_skin, 0.8, 0.2), "fraction"),
        "lip_contrast": Measure("lip_contrast", lip_contrast, component(lip_contrast, 2.0, 10.0), "dE"),
        "lower_face_texture": Measure("lower_face_texture", texture, component(texture, 0.3, 1.5), "L*"),
    }
