"""In-memory capture types: :class:`FingerImage` and :class:`Portrait`.

They are produced by :mod:`cccd_biometrics.io.decode` and consumed by every check. Both are frozen: a check never
modifies its input, so the same image can be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["WORKING_PPI", "FingerImage", "Portrait"]

WORKING_PPI = 500
"""Every fingerprint is analysed at this resolution (pixels per inch)."""


@dataclass(frozen=True, eq=False)
class FingerImage:
    """A fingerprint capture ready for analysis.

    Attributes
    ----------
    pixels:
        ``uint8`` array of shape (H, W), dark ridges on a light background, at :data:`WORKING_PPI`.
    original_ppi:
        Resolution of the capture as loaded. ``pixels`` was resampled from it when it differs from 500.
    ppi_source:
        Where ``original_ppi`` came from: ``"caller"``, ``"metadata"``, ``"estimated"`` (from the ridge
        period) or ``"assumed"`` (no usable clue; 500 taken).
    original_shape:
        (H, W) of the capture before resampling. Minutiae are reported in these coordinates.
    source:
        Path or a short description of where the image came from (never pixel data).
    """

    pixels: np.ndarray
    original_ppi: float = float(WORKING_PPI)
    ppi_source: str = "assumed"
    original_shape: tuple[int, int] | None = None
    source: str = "<array>"
    format: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.original_shape is None:
            object.__setattr__(self, "original_shape", tuple(int(s) for s in self.pixels.shape[:2]))
        self.pixels.setflags(write=False)

    @property
    def ppi(self) -> int:
        """Resolution of :attr:`pixels` (always :data:`WORKING_PPI`)."""
        return WORKING_PPI

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pixels.shape[0]), int(self.pixels.shape[1]))

    @property
    def scale_to_original(self) -> float:
        """Factor that maps working-resolution pixel coordinates to the original capture's."""
        return float(self.original_ppi) / WORKING_PPI

    def to_dict(self) -> dict[str, Any]:
        h, w = self.shape
        oh, ow = self.original_shape or (h, w)
        return {
            "kind": "fingerprint",
            "source": self.source,
            "format": self.format,
            "width": int(ow),
            "height": int(oh),
            "ppi": round(float(self.original_ppi), 1),
            "ppi_source": self.ppi_source,
            "working_width": w,
            "working_height": h,
        }


@dataclass(frozen=True, eq=False)
class Portrait:
    """A portrait capture: ``pixels`` is a ``uint8`` RGB array of shape (H, W, 3)."""

    pixels: np.ndarray
    source: str = "<array>"
    format: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pixels.setflags(write=False)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pixels.shape[0]), int(self.pixels.shape[1]))

    def to_dict(self) -> dict[str, Any]:
        h, w = self.shape
        return {"kind": "portrait", "source": self.source, "format": self.format, "width": w, "height": h}
