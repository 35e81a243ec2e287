"""`Analysis`: the intermediate products of one fingerprint, computed once, lazily, and open to inspection.

Quality assessment, enhancement and minutiae extraction all start from the same fields (foreground mask,
ridge orientation, coherence, ridge period). :class:`Analysis` computes each of them the first time it is
read and keeps it, so nothing is computed twice and a caller can look at every step (for overlays, debugging
or research), in the spirit of SourceAFIS's "transparency".

Grids
    Block fields have shape ``(BY, BX) = (ceil(H / block_size), ceil(W / block_size))``. Block ``(i, j)``
    covers pixel rows ``i*block_size .. (i+1)*block_size - 1`` and columns likewise (the last row/column of
    blocks may extend past the image; their pixels are edge-replicated). Its centre is pixel
    ``(i*block_size + (block_size-1)/2, j*block_size + (block_size-1)/2)``.

Orientation convention
    ``orientation`` is the *ridge* direction in radians, in [0, pi), counter-clockwise from the +x axis (to the
    right) as the image is seen on screen, i.e. with the y axis pointing **up** although image rows grow
    downwards. A ridge of direction ``theta`` runs along the (row, col) unit vector ``(-sin theta, cos theta)``:
    0 is horizontal, pi/4 rises to the right on screen, pi/2 is vertical. Minutia angles in ISO/IEC 19794-2
    are also counter-clockwise from the x axis, so no sign flip is needed there.

Thread safety
    Products are computed under a per-instance lock, so several threads may share one ``Analysis``; the arrays
    it returns are read-only views of the cached products.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import InvalidImageError
from ..images import FingerImage
from .capture import load_fingerprint
from .fields import enhance as _enhance
from .fields import frequency as _freq
from .fields import orientation as _orient
from .fields import segmentation as _seg

__all__ = ["BLOCK_SIZE", "Analysis", "analyze_fingerprint"]

BLOCK_SIZE = 16
"""Block side (px at 500 ppi) of the block fields: about 1.8 ridge periods."""


class cached_product(functools.cached_property):  # noqa: N801 - used like the functools decorator
    """A ``functools.cached_property`` computed under the owning instance's lock.

    (Python 3.12 dropped the lock of ``cached_property``; 3.11's lock is shared by all instances.)
    Read-only numpy arrays are returned so that a shared product cannot be altered by one of its users.
    """

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cache = instance.__dict__
        name = self.attrname
        if name in cache:
            return cache[name]
        with instance._lock:
            if name not in cache:
                value = self.func(instance)
                if isinstance(value, np.ndarray):
                    value.setflags(write=False)
                cache[name] = value
            return cache[name]


class Analysis:
    """Lazily computed intermediate products of one fingerprint image.

    Parameters
    ----------
    image:
        The fingerprint at 500 ppi (see :func:`cccd_biometrics.load_fingerprint`).
    block_size:
        Side, in pixels, of the blocks of the block fields (default :data:`BLOCK_SIZE`).

    Attributes
    ----------
    image : FingerImage
    block_size : int
    """

    def __init__(self, image: FingerImage, block_size: int = BLOCK_SIZE) -> None:
        if not isinstance(image, FingerImage):
            raise InvalidImageError(f"expected a FingerImage, got {type(image).__name__}; use load_fingerprint")
        if not 8 <= int(block_size) <= 64:
            raise ValueError(f"block_size={block_size} is outside 8..64 px")
        self.image = image
        self.block_size = int(block_size)
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        h, w = self.image.shape
        done = sorted(k for k, v in self.__dict__.items() if not k.startswith("_") and k not in ("image", "block_size"))
        return f"Analysis({w}x{h} px, block_size={self.block_size}, computed={done})"

    # ------------------------------------------------------------------ grid
    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the image in pixels."""
        return self.image.shape

    @property
    def block_shape(self) -> tuple[int, int]:
        """(BY, BX) of the block fields."""
        h, w = self.image.shape
        bs = self.block_size
        return (-(-h // bs), -(-w // bs))

    # ------------------------------------------------------------ base fields
    @cached_product
    def gray(self) -> np.ndarray:
        """The pixels as float32 grey levels (0 = black ridge ink, 255 = white)."""
        return self.image.pixels.astype(np.float32)

    @cached_product
    def gradient_moments(self) -> _orient.GradientMoments:
        """Block means of the gradient products Gxx, Gyy, Gxy (see :mod:`.orientation`)."""
        return _orient.gradient_moments(self.gray, self.block_size)

    @cached_product
    def block_energy(self) -> np.ndarray:
        """RMS gradient magnitude per block (float32, grey levels / px): how much ridge structure it holds."""
        return self.gradient_moments.energy.astype(np.float32)

    @cached_product
    def coherence(self) -> np.ndarray:
        """Coherence of the gradient structure tensor per block (float32 in [0, 1]; 1 = parallel ridges)."""
        return _orient.coherence_from_moments(self.gradient_moments)

    @cached_product
    def orientation_certainty(self) -> np.ndarray:
        """Orientation certainty per block, ``1 - l_min / l_max`` of the gradient covariance (float32, 0..1)."""
        return _orient.orientation_certainty(self.gradient_moments)

    @cached_product
    def block_mask(self) -> np.ndarray:
        """Foreground (finger) blocks, bool (BY, BX)."""
        return _seg.block_foreground(self.block_energy)

    @cached_product
    def mask(self) -> np.ndarray:
        """Foreground pixels, bool (H, W): :attr:`block_mask` upsampled with smooth contours."""
        return _seg.pixel_mask(self.block_mask, self.block_size, self.shape)

    @cached_product
    def orientation(self) -> np.ndarray:
        """Smoothed ridge direction per block, float32 radians in [0, pi) (convention in the module docstring).

        Defined on every block; outside the foreground it is extrapolated from the nearest finger blocks.
        """
        weight = self.block_mask if self.block_mask.any() else None
        return _orient.orientation_from_moments(self.gradient_moments, weight=weight)

    def orientation_at(self, y: Any, x: Any) -> np.ndarray:
        """Ridge direction at pixel positions (row ``y``, column ``x``; scalars or arrays), radians in [0, pi).

        Bilinear interpolation of the doubled-angle vectors between block centres, so the result is smooth and
        never averages 0 and pi into pi/2.
        """
        theta = self.orientation
        bs = self.block_size
        by, bx = theta.shape
        fy = np.clip((np.asarray(y, dtype=np.float64) - (bs - 1) / 2) / bs, 0, by - 1)
        fx = np.clip((np.asarray(x, dtype=np.float64) - (bs - 1) / 2) / bs, 0, bx - 1)
        y0 = np.minimum(np.floor(fy).astype(np.intp), by - 1)
        x0 = np.minimum(np.floor(fx).astype(np.intp), bx - 1)
        y1 = np.minimum(y0 + 1, by - 1)
        x1 = np.minimum(x0 + 1, bx - 1)
        ty, tx = fy - y0, fx - x0
        c2, s2 = np.cos(2 * theta), np.sin(2 * theta)

        def lerp(f: np.ndarray) -> np.ndarray:
            top = f[y0, x0] * (1 - tx) + f[y0, x1] * tx
            bottom = f[y1, x0] * (1 - tx) + f[y1, x1] * tx
            return top * (1 - ty) + bottom * ty

        return np.mod(0.5 * np.arctan2(lerp(s2), lerp(c2)), np.pi)

    # ------------------------------------------------------ ridge profiles
    @cached_product
    def ridge_profiles(self) -> Mapping[str, np.ndarray]:
        """Oriented ridge-profile measures per foreground block (NaN elsewhere), by name.

        Keys are :data:`cccd_biometrics.fingerprint.fields.frequency.PROFILE_FIELDS`: ``period`` (raw, unsmoothed),
        ``fda``, ``lcs``, ``rv_ratio``, ``amplitude``, ``residual``, ``dark_fraction``, ``mean``.
        """
        stack = _freq.ridge_profiles(self.gray, self.orientation, self.block_mask, self.block_size)
        out = {}
        for i, name in enumerate(_freq.PROFILE_FIELDS):
            field = np.ascontiguousarray(stack[i])
            field.setflags(write=False)
            out[name] = field
        return MappingProxyType(out)  # read-only: the products are shared

    @cached_product
    def ridge_period(self) -> np.ndarray:
        """Smoothed ridge period per block (float32, px at 500 ppi); NaN outside the foreground."""
        prof = self.ridge_profiles
        return _freq.ridge_period_field(prof["period"], prof["fda"], self.block_mask)

    @cached_product
    def frequency(self) -> np.ndarray:
        """Ridge frequency per block (float32, cycles / px) = 1 / :attr:`ridge_period`; NaN outside."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (1.0 / self.ridge_period).astype(np.float32)

    # --------------------------------------------- enhancement products (computed by enhance.py)
    @cached_product
    def enhanced(self) -> np.ndarray:
        """Oriented, period-tuned ridge response (float32; negative on ridges, 0 outside the mask);
        see :func:`cccd_biometrics.fingerprint.fields.enhance.enhance`."""
        return _enhance.enhance(self.gray, self.orientation, self.ridge_period, self.mask, self.block_size)

    @cached_product
    def binary(self) -> np.ndarray:
        """Ridge pixels of :attr:`enhanced` (uint8 0/1)."""
        return _enhance.binarize(self.enhanced, self.mask)

    @cached_product
    def skeleton(self) -> np.ndarray:
        """One-pixel-wide 8-connected ridge skeleton of :attr:`binary` (uint8 0/1)."""
        return _enhance.skeletonize(self.binary)


def analyze_fingerprint(image: FingerImage, *, block_size: int = BLOCK_SIZE) -> Analysis:
    """Start the analysis of a fingerprint; products are computed when first read.

    Parameters
    ----------
    image:
        A :class:`~cccd_biometrics.images.FingerImage` at 500 ppi, or anything
        :func:`~cccd_biometrics.io.decode.load_fingerprint` accepts (path, bytes, array).
    block_size:
        Block side in pixels of the block fields.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> from cccd_biometrics.fingerprint.capture import load_fingerprint
    >>> a = analyze_fingerprint(load_fingerprint("sample_data/fingerprints/synthetic/good_2026_1.png"))
    >>> a.block_shape, a.orientation.shape, a.skeleton.dtype.name
    ((32, 25), (32, 25), 'uint8')
    """
    if not isinstance(image, FingerImage):
        image = load_fingerprint(image)
    return Analysis(image, block_size=block_size)
