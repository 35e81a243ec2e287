"""Portrait capture: :func:`load_portrait` decodes a file as 8-bit RGB, EXIF orientation applied."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..errors import ImageTooSmallError, InvalidImageError
from ..images import Portrait
from ..io.decode import (
    MAX_PIXELS,
    ImageSource,
    array_channels,
    check_array_size,
    decode_image,
    describe_source,
    rgb_pixels,
)

__all__ = ["MIN_PORTRAIT_SIZE", "load_portrait", "portrait_from_decoded", "portrait_pixels"]


MIN_PORTRAIT_SIZE = 32


def load_portrait(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> Portrait:
    """Load a portrait as 8-bit RGB (EXIF orientation applied, alpha composited over white).

    Parameters
    ----------
    source:
        Path, encoded ``bytes``, binary file object, or a numpy array (H, W) or (H, W, 3|4).
    max_pixels:
        Refuse images with more pixels than this, from the header, before decoding them.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError, ImageTooSmallError
        The last for images under 32x32 px.

    Examples
    --------
    >>> portrait = load_portrait("sample_data/portraits/frl_london_030_smiling.jpg")
    >>> portrait.shape
    (600, 467)
    """
    name = describe_source(source)
    if not isinstance(source, np.ndarray):
        decoded = decode_image(source, max_pixels=max_pixels)
        return portrait_from_decoded(decoded.image, decoded.source)
    check_array_size(source, max_pixels, name)
    a = array_channels(source, name, "a portrait")
    return _portrait(np.ascontiguousarray(np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a), name, None)


def portrait_from_decoded(im: Image.Image, name: str) -> Portrait:
    """:func:`load_portrait` for an image already decoded by :func:`~cccd_biometrics.io.decode_image`."""
    return _portrait(rgb_pixels(im, name), name, im.format)


def _portrait(rgb: np.ndarray, name: str, fmt: str | None) -> Portrait:
    if min(rgb.shape[:2]) < MIN_PORTRAIT_SIZE:
        raise ImageTooSmallError(
            f"{rgb.shape[1]}x{rgb.shape[0]} px is too small for a portrait (minimum {MIN_PORTRAIT_SIZE})",
            source=name,
        )
    return Portrait(pixels=rgb, source=name, format=fmt)


def portrait_pixels(portrait: Portrait | np.ndarray) -> np.ndarray:
    """The RGB pixels of a :class:`~cccd_biometrics.images.Portrait`, or of an array loaded as one."""
    if isinstance(portrait, Portrait):
        return portrait.pixels
    if isinstance(portrait, np.ndarray):
        return load_portrait(portrait).pixels
    raise InvalidImageError(f"expected a Portrait or an RGB array, got {type(portrait).__name__}")
