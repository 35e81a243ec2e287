"""One minutia point: :class:`Minutia` (the conventions below hold for templates and every codec).

Conventions (the same in every codec and in :func:`cccd_biometrics.extract_minutiae`):

* ``x``, ``y``: pixel coordinates in the *original* capture (before any resampling to 500 ppi), origin at the
  top-left corner, ``y`` growing downwards.
* ``angle``: direction in degrees in [0, 360), measured counter-clockwise from the positive x axis (image
  "east"), as in ISO/IEC 19794-2 (the exact rule for endings and bifurcations is documented in
  :mod:`cccd_biometrics.fingerprint.minutiae.extract`; each codec documents its own conversion).
* ``kind``: ``"ending"``, ``"bifurcation"`` or ``"other"``.
* ``quality``: 0-100, from the local clarity of the block around the minutia (100 = best).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MINUTIA_KINDS", "Minutia"]


MINUTIA_KINDS = ("ending", "bifurcation", "other")


@dataclass(frozen=True)
class Minutia:
    """One minutia point (see the module docstring for the coordinate and angle conventions)."""

    x: float
    y: float
    angle: float
    kind: str = "ending"
    quality: int = 100

    def to_dict(self) -> dict[str, Any]:
        return {"x": float(self.x), "y": float(self.y), "angle": float(self.angle), "kind": self.kind,
                "quality": int(self.quality)}
