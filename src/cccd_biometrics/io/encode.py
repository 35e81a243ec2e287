"""Encoding of captures: PNG, BMP, TIFF, JPEG, JPEG 2000 (Pillow) and WSQ (the ``wsq`` package's NBIS codec)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..errors import ImageTooSmallError, InvalidImageError, UnsupportedFormatError
from ..images import WORKING_PPI, FingerImage, Portrait
from .decode import array_channels, checked_ppi

try:  # the C extension of the ``wsq`` distribution (NBIS WSQ codec); used directly, not as a Pillow plugin
    import _wsq
except ImportError:  # pragma: no cover - wsq is a declared dependency
    _wsq = None

__all__ = ["WRITE_FORMATS", "WSQ_BITRATE", "encode_wsq", "save_image"]


WRITE_FORMATS = ("PNG", "BMP", "TIFF", "JPEG", "JPEG2000", "WSQ")


WSQ_BITRATE = 0.75
"""Bits per pixel of written WSQ (the FBI's 15:1 setting); the ``wsq`` codec ignores any other request."""


def _with_wsq_ppi(stream: bytes, ppi: float) -> bytes:
    """Rewrite the ``PPI`` line of the NIST comment the ``wsq`` encoder writes (it always says 500)."""
    pos = 2
    while pos + 4 <= len(stream) and stream[pos : pos + 2] != b"\xff\xa2":
        length = stream[pos + 2] << 8 | stream[pos + 3]
        if stream[pos : pos + 2] == b"\xff\xa8" and stream[pos + 4 : pos + 12] == b"NIST_COM":
            text = stream[pos + 4 : pos + 2 + length]
            text = re.sub(rb"PPI [-0-9]+", b"PPI %d" % round(ppi), text)
            segment = b"\xff\xa8" + (len(text) + 2).to_bytes(2, "big") + text
            return stream[:pos] + segment + stream[pos + 2 + length :]
        pos += 2 + length
    return stream


def encode_wsq(pixels: np.ndarray, ppi: float, name: str = "<array>") -> bytes:
    """WSQ bytes (0.75 bpp, the FBI's 15:1 setting) of a grey or RGB ``uint8`` image, its ppi in the NIST comment.

    Raises
    ------
    ImageTooSmallError
        Under 32 px on a side (the codec's minimum).
    InvalidImageError
        The codec refused the image.

    Examples
    --------
    >>> import numpy as np
    >>> from cccd_biometrics.io.encode import encode_wsq
    >>> encode_wsq(np.full((64, 64), 128, np.uint8), 500)[:2]
    b'\\xff\\xa0'
    """
    if _wsq is None:  # pragma: no cover
        raise UnsupportedFormatError("WSQ support needs the 'wsq' package", source=name)
    gray = np.ascontiguousarray(pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY))
    if min(gray.shape) < 32:
        raise ImageTooSmallError(f"{gray.shape[1]}x{gray.shape[0]} px is too small for WSQ (minimum 32)", source=name)
    try:
        stream = _wsq.compress(gray.tobytes(), gray.shape[0], gray.shape[1], WSQ_BITRATE)
    except Exception as exc:
        raise InvalidImageError(f"WSQ encoding failed ({exc})", source=name) from exc
    return stream if round(ppi) == 500 else _with_wsq_ppi(stream, ppi)


def save_image(
    image: FingerImage | Portrait | np.ndarray,
    path: str | os.PathLike,
    *,
    format: str | None = None,
    ppi: float | None = None,
    quality: float | None = None,
) -> Path:
    """Save an image as PNG, BMP, TIFF, JPEG, JPEG 2000 or WSQ (chosen from the suffix or ``format``).

    Parameters
    ----------
    image:
        A :class:`FingerImage` (written at 500 ppi with that resolution in the metadata), a
        :class:`Portrait`, or a uint8-convertible array (H, W) or (H, W, 3|4).
    path:
        Destination file.
    format:
        Overrides the suffix: ``png``, ``bmp``, ``tiff``/``tif``, ``jpeg``/``jpg``, ``jp2``/``j2k``, ``wsq``.
    ppi:
        Resolution written in the metadata (PNG, BMP, TIFF, JPEG, WSQ); fingerprints default to 500.
    quality:
        JPEG quality (1-95). WSQ is always written at :data:`WSQ_BITRATE` (0.75 bpp): the ``wsq`` codec has
        no other setting, so a ``quality`` for WSQ is refused rather than silently ignored.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from cccd_biometrics.fingerprint.capture import load_fingerprint
    >>> img = load_fingerprint("sample_data/fingerprints/nist_sd4_f0001_01.png")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_image(img, f"{tmp}/print.wsq")
    ...     load_fingerprint(path).shape
    (512, 512)
    """
    out = Path(path)
    if isinstance(image, FingerImage):
        pixels, dpi = image.pixels, float(WORKING_PPI)
    elif isinstance(image, Portrait):
        pixels, dpi = image.pixels, None
    else:
        pixels, dpi = array_channels(np.asarray(image), str(out), "an image"), None
    if ppi is not None:
        dpi = checked_ppi(ppi, str(out))
    fmt = (format or out.suffix.lstrip(".")).upper()
    fmt = {"JPG": "JPEG", "TIF": "TIFF", "JP2": "JPEG2000", "J2K": "JPEG2000"}.get(fmt, fmt)
    if fmt not in WRITE_FORMATS:
        raise UnsupportedFormatError(f"cannot write format {fmt!r}; use one of {', '.join(WRITE_FORMATS)}",
                                     source=str(out))
    if fmt == "WSQ":
        if quality is not None:
            raise UnsupportedFormatError(f"WSQ is written at {WSQ_BITRATE} bpp only; drop quality=", source=str(out))
        out.write_bytes(encode_wsq(np.asarray(pixels), dpi or float(WORKING_PPI), str(out)))
        return out
    kwargs: dict[str, Any] = {}
    if dpi is not None and fmt in ("PNG", "TIFF", "JPEG", "BMP"):
        kwargs["dpi"] = (dpi, dpi)
    if fmt == "JPEG" and quality is not None:
        kwargs["quality"] = int(quality)
    Image.fromarray(np.asarray(pixels)).save(out, format=fmt, **kwargs)
    return out
