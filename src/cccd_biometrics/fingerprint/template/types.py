"""Minutiae templates: :class:`Minutia` and :class:`Template`.

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

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .codecs import decode, encode
from .minutia import MINUTIA_KINDS, Minutia

__all__ = ["MINUTIA_KINDS", "Minutia", "Template"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Template:
    """A finger's minutiae with the geometry of the image they came from.

    ``width``/``height`` are those of the original capture, ``ppi`` its resolution; ``quality`` is the
    image's 0-100 quality score when known (``None`` otherwise).
    """

    minutiae: tuple[Minutia, ...]
    width: int
    height: int
    ppi: float = 500.0
    quality: int | None = None
    finger_position: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.minutiae)

    def _derived(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, done once per template and ``key`` (e.g. the matcher's prepared form for a config).

        The result is kept on the instance, outside the dataclass fields: it is not compared, not shown,
        not serialised, not pickled, and a modified copy (``dataclasses.replace``) starts without it. Two
        threads may both compute it the first time (the last one is kept): harmless, the value is
        deterministic. Callers must not mutate what they get.
        """
        cache: dict[Hashable, Any] | None = self.__dict__.get("_derived_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_derived_cache", cache)  # frozen: the one sanctioned write
        try:
            return cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = compute()
            cache[key] = value
            return value

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_derived_cache", None)  # derived data travels as the minutiae it comes from
        return state

    def as_array(self) -> np.ndarray:
        """``float64`` array of shape (N, 5): x, y, angle (degrees), kind code (0 ending, 1 bifurcation,
        2 other), quality."""
        if not self.minutiae:
            return np.zeros((0, 5), dtype=np.float64)
        codes = {k: i for i, k in enumerate(MINUTIA_KINDS)}
        return np.array(
            [(m.x, m.y, m.angle, codes.get(m.kind, 2), m.quality) for m in self.minutiae], dtype=np.float64
        )

    def to_bytes(self, fmt: str = "iso") -> bytes:
        """Serialise in ``fmt``: ``"iso"`` (ISO/IEC 19794-2:2005), ``"ansi"`` (ANSI INCITS 378-2004), ``"xyt"``
        (NIST/MINDTCT text) or ``"json"``; see :mod:`cccd_biometrics.fingerprint.template.codecs`.

        Raises
        ------
        TemplateFormatError
            If the template does not fit the format (unknown format, over 255 minutiae, coordinates out of range).

        Examples
        --------
        >>> import cccd_biometrics as cb
        >>> t = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
        >>> record = t.to_bytes("iso")
        >>> record[:4], len(Template.from_bytes(record)) == len(t)
        (b'FMR\\x00', True)
        """
        return encode(self, fmt)

    @classmethod
    def from_bytes(cls, data: bytes, fmt: str | None = None, *, width: int | None = None,
                   height: int | None = None, ppi: float = 500.0) -> Template:
        """Parse a template; ``fmt`` is detected from the content when None.

        ``width``, ``height`` and ``ppi`` are only used for ``.xyt`` data, which does not carry them (``height``
        is required there: the format's origin is the bottom-left corner).

        Raises
        ------
        TemplateFormatError
            On any malformed, truncated or unrecognised data.

        Examples
        --------
        >>> t = Template.from_bytes(b"100 470 270 42\\n", "xyt", height=500)
        >>> m = t.minutiae[0]
        >>> (m.x, m.y, m.angle, m.quality)
        (100.0, 30.0, 90.0, 42)
        """
        return cls(**decode(data, fmt, width=width, height=height, ppi=ppi))

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": int(self.width),
            "height": int(self.height),
            "ppi": float(self.ppi),
            "quality": None if self.quality is None else int(self.quality),
            "finger_position": int(self.finger_position),
            "minutiae": [m.to_dict() for m in self.minutiae],
        }
