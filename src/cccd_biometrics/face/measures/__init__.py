"""ISO/IEC 29794-5 style face-image quality measures, computed by image analysis on the landmarks.

Each group of measures is its own module, one concern each, and is named in :data:`MEASURE_GROUPS`
(the order in which :func:`compute_measures` runs them and reports their measures):

========================  ==============================================================  ===================
group                     measures                                                        module
========================  ==============================================================  ===================
background                background_uniformity, background_colour_spread,                :mod:`.background`
                          background_lightness
luminance                 luminance_mean, luminance_variance, under_exposure,             :mod:`.light`
                          over_exposure, dynamic_range
illumination_uniformity   illumination_uniformity                                         :mod:`.light`
sharpness                 sharpness                                                       :mod:`.sharpness`
compression               compression_artefacts, compression_block_step                   :mod:`.compression`
natural_colour            natural_colour                                                  :mod:`.colour`
eyes                      eyes_open, eyes_visible                                         :mod:`.eyes`
mouth                     mouth_closed, expression_neutrality, mouth_occlusion,           :mod:`.mouth`
                          lip_contrast, lower_face_texture, lip_redness,
                          lip_skin_redness, lower_face_skin
face_occlusion            face_occlusion                                                  :mod:`.colour`
head_covering             head_covering, head_pattern                                     :mod:`.head`
eyeglasses                eyeglasses                                                      :mod:`.eyes`
framing                   single_face_present, inter_eye_distance, head_size, margins,    :mod:`.framing`
                          position, eye line, head pose
========================  ==============================================================  ===================

Face-region measures are taken on the canonical crop (:mod:`.canon`: inter-eye distance :data:`CANON_IED`
pixels, roll corrected), so they do not depend on the capture's size; background measures use a small copy
of the whole image; compression artefacts use the original pixels (the JPEG 8x8 grid lives there).

Where ISO/IEC 29794-5's reference implementation (OFIQ) uses a neural network we cannot ship (face parsing,
occlusion segmentation, expression, head covering), the method used instead is described on the function
that computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..geometry import FaceGeometry
from .background import background, background_colour
from .canon import CANON_IED, Canon, canonical_face
from .colour import face_occlusion, natural_colour
from .compression import blockiness
from .eyes import eyeglasses, eyes
from .framing import framing
from .head import head_covering
from .light import illumination_uniformity, luminance
from .measure import Measure
from .mouth import mouth
from .sharpness import sharpness

__all__ = ["CANON_IED", "MEASURE_GROUPS", "FaceInputs", "Measure", "compute_measures"]


@dataclass(frozen=True, eq=False)
class FaceInputs:
    """What the measure groups read: the portrait, the located face, and the canonical crop (made once)."""

    rgb: np.ndarray
    geo: FaceGeometry
    n_faces: int = 1

    @cached_property
    def canon(self) -> Canon:
        """The canonical crop (:func:`~.canon.canonical_face`)."""
        return canonical_face(self.rgb, self.geo)

    @cached_property
    def natural_colour(self) -> Measure:
        """The skin's distance from natural skin colour: a measure of its own, and what tells the head-covering
        test that a colour cast is there."""
        return natural_colour(self.canon)


def _named(*measures: Measure) -> dict[str, Measure]:
    return {m.name: m for m in measures}


def _head_covering(x: FaceInputs) -> dict[str, Measure]:
    # a colour cast (natural_colour) turns dark hair blue: the hue rule for hair is off under one
    return head_covering(x.canon, background_colour(x.rgb, x.geo), x.natural_colour.value)


MEASURE_GROUPS: dict[str, Callable[[FaceInputs], dict[str, Measure]]] = {
    "background": lambda x: background(x.rgb, x.geo),
    "luminance": lambda x: luminance(x.canon),
    "illumination_uniformity": lambda x: _named(illumination_uniformity(x.canon)),
    "sharpness": lambda x: _named(sharpness(x.canon)),
    "compression": lambda x: _named(*blockiness(x.rgb, x.geo)),
    "natural_colour": lambda x: _named(x.natural_colour),
    "eyes": lambda x: eyes(x.canon),
    "mouth": lambda x: mouth(x.canon),
    "face_occlusion": lambda x: _named(face_occlusion(x.canon)),
    "head_covering": _head_covering,
    "eyeglasses": lambda x: _named(eyeglasses(x.canon)),
    "framing": lambda x: framing(x.rgb, x.geo, x.n_faces),
}
"""Group name -> function of :class:`FaceInputs` giving its measures by name; run in this order."""


def compute_measures(rgb: np.ndarray, geo: FaceGeometry, n_faces: int = 1) -> dict[str, Measure]:
    """Every measure for one located face.

    Parameters
    ----------
    rgb:
        The portrait, (H, W, 3) ``uint8`` RGB.
    geo:
        The face's geometry (:func:`cccd_biometrics.face.geometry.face_geometry`).
    n_faces:
        How many faces the detector found (for ``single_face_present``).

    Returns
    -------
    dict
        Measure name -> :class:`Measure`, group by group in the order of :data:`MEASURE_GROUPS`.
    """
    inputs = FaceInputs(rgb, geo, n_faces)
    out: dict[str, Measure] = {}
    for group in MEASURE_GROUPS.values():
        out.update(group(inputs))
    return out
