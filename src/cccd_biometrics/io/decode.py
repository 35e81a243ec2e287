"""Decoding of image files, buffers, streams and arrays, with the library's checks; nothing domain-specific.

Readers accept a path, ``bytes``, a binary file object or a numpy array. Formats: PNG, BMP (including 32-bit
RGBA), TIFF, JPEG, JPEG 2000 (all through Pillow) and WSQ (the NBIS reference codec of the ``wsq`` package,
called directly after :func:`cccd_biometrics.io.wsq_stream.validate_wsq` has checked the stream). Other formats
Pillow knows (GIF, EPS, PSD...) are refused: they are not capture formats and widen the attack surface.

What a decoded image *is* (a fingerprint at some ppi, a portrait) is decided above this layer:
:func:`cccd_biometrics.fingerprint.capture.load_fingerprint` and
:func:`cccd_biometrics.face.capture.load_portrait`.

Safety
    The pixel count is read from the header and refused above ``max_pixels`` (default
    :data:`MAX_PIXELS`) *before* the pixels are decoded, so a decompression bomb cannot exhaust memory.
    Files larger than :func:`max_file_bytes` are not read. Every failure is a :mod:`cccd_biometrics.errors`
    exception that names the source.
"""

from __future__ import annotations

import io as _io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
from PIL import (
    BmpImagePlugin,
    Image,
    ImageOps,
    Jpeg2KImagePlugin,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
)

from ..errors import (
    CccdBiometricsError,
    ImageTooLargeError,
    InputNotFoundError,
    InvalidImageError,
    UnsupportedFormatError,
)

try:  # the C extension of the ``wsq`` distribution (NBIS WSQ codec); used directly, not as a Pillow plugin
    import _wsq
except ImportError:  # pragma: no cover - wsq is a declared dependency
    _wsq = None

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "READ_FORMATS",
    "DecodedImage",
    "ImageSource",
    "array_channels",
    "array_to_gray",
    "check_array_size",
    "checked_ppi",
    "decode_image",
    "describe_source",
    "gray_pixels",
    "rgb_pixels",
]

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | np.ndarray

MAX_PIXELS = 64_000_000
"""Largest image (width x height) decoded by default: a 10-print card at 1000 ppi is about 40 Mpx."""


CALLER_PPI_RANGE = (50.0, 5000.0)

READ_FORMATS = ("PNG", "BMP", "TIFF", "JPEG", "JPEG2000")
"""Pillow formats read (JPEG includes the multi-picture JPEGs phone cameras write). WSQ is read separately."""

IMAGE_SUFFIXES = frozenset({".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg", ".jp2", ".j2k", ".jpf", ".wsq"})
"""File suffixes of the formats this module decodes (READ_FORMATS and WSQ): what folder walks (``cccd-bio check``,
``cccd-bio bench``) pick up. Only formats that can be decoded are listed: a suffix such as ``.pgm`` would list files
that then fail one by one (PNM is refused like every non-capture format)."""

_READ_PLUGINS = (PngImagePlugin, BmpImagePlugin, TiffImagePlugin, JpegImagePlugin, Jpeg2KImagePlugin)
"""The Pillow plugins of READ_FORMATS, imported (so registered) with this module. Pillow registers only five
plugins by itself (BMP, GIF, JPEG, PPM, PNG); the first TIFF or JPEG 2000 file would otherwise make it import
all ~40 of them (``Image.init()``: ~35 ms in every process that checks files, for formats refused anyway)."""


WSQ_MAGIC = b"\xff\xa0"


_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def max_file_bytes(max_pixels: int) -> int:
    """Largest file read for a pixel limit: 8 bytes a pixel (16-bit RGBA, uncompressed) plus 1 MiB."""
    return 8 * max_pixels + (1 << 20)


def describe_source(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)  # type: ignore[return-value]
    if isinstance(source, np.ndarray):
        return "<array>"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<stream>"


def _read_path(source: str | os.PathLike, name: str, max_pixels: int) -> bytes:
    try:
        path = Path(source)
        if not path.exists():
            raise InputNotFoundError("no such file", source=name)
        if path.is_dir():
            raise InputNotFoundError("is a directory, not an image file", source=name)
        if not path.is_file():
            raise InputNotFoundError("is not a regular file (device, pipe or socket)", source=name)
        size = path.stat().st_size
        if size > max_file_bytes(max_pixels):
            raise ImageTooLargeError(f"file of {size:,} bytes is too large to be read", source=name)
        return path.read_bytes()
    except CccdBiometricsError:
        raise
    except PermissionError as exc:
        raise InputNotFoundError("permission denied", source=name) from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputNotFoundError(f"cannot be read ({getattr(exc, 'strerror', None) or exc})", source=name) from exc


def _read_stream(source: Any, name: str, max_pixels: int) -> bytes:
    limit = max_file_bytes(max_pixels)
    try:
        data = source.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a closed file
        raise InputNotFoundError(f"stream cannot be read ({exc})", source=name) from exc
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidImageError("stream must be opened in binary mode", source=name)
    if len(data) > limit:
        raise ImageTooLargeError(f"stream is larger than {limit:,} bytes", source=name)
    return bytes(data)


def _read_bytes(source: Any, name: str, max_pixels: int = MAX_PIXELS) -> bytes:
    """Return the encoded bytes of a path, buffer or stream, with typed errors."""
    if isinstance(source, (str, os.PathLike)):
        data = _read_path(source, name, max_pixels)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = _read_stream(source, name, max_pixels)
    else:
        raise InvalidImageError(
            f"unsupported source type {type(source).__name__}; pass a path, bytes, a binary file or an array",
            source=name,
        )
    if not data:
        raise InvalidImageError("file is empty (0 bytes)", source=name)
    return data


def _too_large(w: int, h: int, max_pixels: int, name: str) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"{w}x{h} = {w * h:,} pixels exceeds the limit of {max_pixels:,} (decompression-bomb guard)",
        source=name,
    )


def _open_wsq(data: bytes, name: str, max_pixels: int) -> Image.Image:
    if _wsq is None:  # pragma: no cover
        raise UnsupportedFormatError("WSQ support needs the 'wsq' package", source=name)
    # the NBIS decoder crashes the process on malformed streams: only well-formed ones reach it
    from .wsq_stream import validate_wsq  # imported here: it brings numba, which PNG/JPEG users need not load

    header = validate_wsq(data, name)
    w, h = header.width, header.height
    if w * h > max_pixels:
        raise _too_large(w, h, max_pixels, name)
    try:
        buf, dw, dh, ppi = _wsq.decompress(data)
    except Exception as exc:
        raise InvalidImageError(f"WSQ data is truncated or corrupt ({exc})", source=name) from exc
    if (dw, dh) != (w, h) or len(buf) != dw * dh:
        raise InvalidImageError("WSQ data decoded to an inconsistent size", source=name)
    im = Image.frombytes("L", (dw, dh), buf)
    im.format = "WSQ"  # type: ignore[misc]
    if ppi and ppi > 0:
        im.info["dpi"] = (float(ppi), float(ppi))
    return im


def _open_checked(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Open with Pillow, refuse oversized images from the header, then decode fully."""
    if data[:2] == WSQ_MAGIC:
        return _open_wsq(data, name, max_pixels)
    try:
        im = Image.open(_io.BytesIO(data), formats=READ_FORMATS)
    except UnidentifiedImageError as exc:
        raise UnsupportedFormatError(
            "not an image in a supported format (PNG, BMP, TIFF, JPEG, JPEG 2000, WSQ)", source=name
        ) from exc
    except Image.DecompressionBombError as exc:  # Pillow's own guard (above 2 x 89 Mpx), from the header
        raise ImageTooLargeError(f"image is too large to decode safely ({exc})", source=name) from exc
    except Exception as exc:
        raise InvalidImageError(f"cannot be decoded: {exc}", source=name) from exc
    w, h = im.size
    if w <= 0 or h <= 0:
        raise InvalidImageError(f"image has an empty size {w}x{h}", source=name)
    if w * h > max_pixels:
        raise _too_large(w, h, max_pixels, name)
    try:
        im.load()
    except Exception as exc:
        raise InvalidImageError(f"image data is truncated or corrupt: {exc}", source=name) from exc
    return im


def _is_sixteen_bit(im: Image.Image) -> bool:
    """16-bit samples, scaled by 1/257 rather than stretched. Pillow before 10.1 decodes 16-bit grey PNG as
    32-bit mode ``I`` (later releases as ``I;16``); PNG holds no deeper grey, so ``I`` from a PNG is 16-bit."""
    return im.mode in _SIXTEEN_BIT or (im.mode == "I" and im.format == "PNG")


def _high_depth_to_uint8(im: Image.Image, sixteen_bit: bool) -> np.ndarray:
    a = np.asarray(im, dtype=np.float64)
    if sixteen_bit:
        a = a / 257.0
    else:  # 32-bit integer or float: stretch the finite range
        finite = np.isfinite(a)
        if not finite.any():
            raise ValueError("no finite pixel values")
        lo, hi = float(a[finite].min()), float(a[finite].max())
        a = np.where(finite, a, lo)
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def _flatten_alpha(im: Image.Image) -> Image.Image:
    """Composite over white when the alpha channel hides something; drop it when it carries nothing."""
    rgba = im.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"))
    # SOCOFing's 32-bit BMPs have an all-zero alpha channel over a visible print: ignore such a channel
    if alpha.min() < 255 and alpha.max() > 0:
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba)
    return rgba.convert("RGB")


def _to_gray(im: Image.Image) -> np.ndarray:
    """8-bit grayscale from any Pillow mode; alpha composited over white, 16-bit scaled, CMYK via RGB."""
    if im.mode in _SIXTEEN_BIT or im.mode in ("I", "F"):
        return _high_depth_to_uint8(im, _is_sixteen_bit(im))
    if im.mode in _ALPHA_MODES or (im.mode == "P" and "transparency" in im.info):
        im = _flatten_alpha(im)
    elif im.mode not in ("L", "RGB", "1", "P"):
        im = im.convert("RGB")  # CMYK, YCbCr, LAB...
    return np.asarray(im.convert("L"), dtype=np.uint8)


def _to_rgb(im: Image.Image) -> np.ndarray:
    sixteen_bit = _is_sixteen_bit(im)  # before the transpose, which may drop the format
    im = ImageOps.exif_transpose(im)
    if im.mode in _SIXTEEN_BIT or im.mode in ("I", "F"):
        g = _high_depth_to_uint8(im, sixteen_bit)
        return np.repeat(g[:, :, None], 3, axis=2)
    if im.mode in _ALPHA_MODES or (im.mode == "P" and "transparency" in im.info):
        im = _flatten_alpha(im)
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


def _converted(convert: Any, im: Image.Image, name: str) -> np.ndarray:
    try:
        return convert(im)  # type: ignore[no-any-return]
    except Exception as exc:  # an exotic mode or a malformed EXIF block
        raise UnsupportedFormatError(f"image mode {im.mode} cannot be converted: {exc}", source=name) from exc


def _array_to_uint8(a: np.ndarray, name: str) -> np.ndarray:
    if a.size == 0:
        raise InvalidImageError(f"array of shape {a.shape} is empty", source=name)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype == np.bool_:
        return np.where(a, 255, 0).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise InvalidImageError("array contains NaN or infinite values", source=name)
        scale = 255.0 if float(a.max()) <= 1.0 and float(a.min()) >= 0.0 else 1.0
        return np.clip(np.rint(a.astype(np.float64) * scale), 0, 255).astype(np.uint8)
    if a.dtype == np.uint16:
        return np.clip(np.rint(a / 257.0), 0, 255).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        return np.clip(a, 0, 255).astype(np.uint8)
    raise InvalidImageError(f"unsupported array dtype {a.dtype}", source=name)


def array_channels(a: np.ndarray, name: str, what: str) -> np.ndarray:
    """(H, W) or (H, W, C) with C in 1, 3, 4, non-empty, as uint8."""
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise InvalidImageError(f"array of shape {a.shape} is not {what} (H, W) or (H, W, 3|4)", source=name)
    return _array_to_uint8(a if a.ndim == 2 else a[:, :, :3], name)


def array_to_gray(a: np.ndarray, name: str) -> np.ndarray:
    a = array_channels(a, name, "an image")
    return a if a.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2GRAY)


def check_array_size(a: np.ndarray, max_pixels: int, name: str) -> None:
    if a.ndim >= 2 and a.shape[0] * a.shape[1] > max_pixels:
        raise ImageTooLargeError(f"array of shape {a.shape} exceeds {max_pixels:,} pixels", source=name)


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """A decoded image file, before anyone decides what it shows.

    Attributes
    ----------
    image:
        The fully decoded Pillow image (its ``info`` keeps the file's metadata, e.g. ``dpi``).
    source:
        The path or a short description of where it came from (never pixel data).
    """

    image: Image.Image
    source: str

    @property
    def format(self) -> str | None:
        """The file format (``"PNG"``, ``"WSQ"``...), as Pillow names it."""
        return self.image.format


def decode_image(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> DecodedImage:
    """Decode ``source`` with the library's checks (size limits before decoding, typed errors).

    Most callers want :func:`cccd_biometrics.load_fingerprint` or :func:`cccd_biometrics.load_portrait`
    instead; this is for code that must look at a file before deciding what it is.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError

    Examples
    --------
    >>> decoded = decode_image("sample_data/fingerprints/nist_sd4_f0001_01.wsq")
    >>> decoded.format, decoded.image.size
    ('WSQ', (512, 512))
    """
    name = describe_source(source)
    data = _read_bytes(source, name, max_pixels)
    return DecodedImage(_open_checked(data, name, max_pixels), name)


def gray_pixels(im: Image.Image, name: str) -> np.ndarray:
    """8-bit grayscale pixels of a decoded image (see :func:`_to_gray`), conversion failures typed."""
    return _converted(_to_gray, im, name)


def rgb_pixels(im: Image.Image, name: str) -> np.ndarray:
    """8-bit RGB pixels of a decoded image, EXIF orientation applied (see :func:`_to_rgb`), failures typed."""
    return _converted(_to_rgb, im, name)


def checked_ppi(ppi: Any, name: str) -> float:
    try:
        value = float(ppi)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and CALLER_PPI_RANGE[0] <= value <= CALLER_PPI_RANGE[1]):
        raise InvalidImageError(
            f"ppi={ppi!r} is not a plausible resolution ({CALLER_PPI_RANGE[0]:.0f}-{CALLER_PPI_RANGE[1]:.0f})",
            source=name,
        )
    return value


