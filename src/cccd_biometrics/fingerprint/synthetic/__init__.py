"""Synthetic fingerprints with ground-truth minutiae (test and evaluation data, kept apart from the pipeline).

Reached as ``cb.synthetic``: :func:`generate_master` grows a finger, :func:`render_impression` captures it
(pressure, distortion, noise, controlled defects), :mod:`.degrade` renders the defects on any print.

>>> import cccd_biometrics as cb
>>> master = cb.synthetic.generate_master(7, pattern="right_loop", size=(240, 200))
>>> impression = cb.synthetic.render_impression(master, seed=1)
>>> impression.image.shape
(240, 200)
"""

from . import degrade
from .generator import (
    PATTERNS,
    QUALITY_LEVELS,
    MasterFingerprint,
    SyntheticImpression,
    generate_impression,
    generate_master,
    quality_parameters,
    render_impression,
)

__all__ = [
    "PATTERNS",
    "QUALITY_LEVELS",
    "MasterFingerprint",
    "SyntheticImpression",
    "degrade",
    "generate_impression",
    "generate_master",
    "quality_parameters",
    "render_impression",
]
