"""Loading and saving captures.

Readers accept a path, ``bytes``, a binary file object or a numpy array, and return a
:class:`~cccd_biometrics.images.FingerImage` (8-bit grayscale at 500 ppi) or a
:class:`~cccd_biometrics.images.Portrait` (8-bit RGB). Formats: PNG, BMP (including 32-bit RGBA), TIFF,
JPEG, JPEG 2000 (all through Pillow) and WSQ (the NBIS reference codec of the ``wsq`` package, called
directly after :func:`cccd_biometrics.wsq_stream.validate_wsq` has checked the stream). Other formats Pillow
knows (GIF, EPS, PSD...) are refused: they are not capture formats and widen the attack surface.

Resolution
    Fingerprint resolution matters: every measure assumes 500 ppi ridge spacing. The ppi comes, in this
    order, from the caller, from the file's metadata when it is plausible for a fingerprint sensor, or from
    the ridge period measured in the image (see :func:`cccd_biometrics.fingerprint.resolution.estimate_ppi`).
    Placeholder values written by imaging software (1, 72, 96, 150 or 300 dpi) are not trusted.

Safety
    The pixel count is read from the header and refused above ``max_pixels`` (default
    :data:`MAX_PIXELS`) *before* the pixels are decoded, so a decompression bomb cannot exhaust memory.
    Files larger than :func:`max_file_bytes` are not read. Every failure is a :mod:`cccd_biometrics.errors`
    exception that names the source.
"""

from __future__ import annotations

import io as _io
import os
import re
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

from .errors import (
    CccdBiometricsError,
    ImageTooLargeError,
    ImageTooSmallError,
    InputNotFoundError,
    InvalidImageError,
    UnsupportedFormatError,
)
from .images import WORKING_PPI, FingerImage, Portrait

try:  # the C extension of the ``wsq`` distribution (NBIS WSQ codec); used directly, not as a Pillow plugin
    import _wsq
except ImportError:  # pragma: no cover - wsq is a declared dependency
    _wsq = None

__all__ = [
    "MAX_PIXELS",
    "MIN_FINGER_SIZE",
    "READ_FORMATS",
    "ImageSource",
    "load_fingerprint",
    "load_image",
    "load_portrait",
    "resample_to_working_ppi",
    "save_image",
]

ImageSource = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | np.ndarray

MAX_PIXELS = 64_000_000
"""Largest image (width x height) decoded by default: a 10-print card at 1000 ppi is about 40 Mpx."""

MIN_FINGER_SIZE = 64
"""Smallest fingerprint side, in pixels at 500 ppi (3.3 mm): anything smaller cannot hold a finger."""

MIN_PORTRAIT_SIZE = 32

PLACEHOLDER_DPI = frozenset({1, 72, 96, 150, 300})
"""dpi values that imaging software writes by default; they say nothing about a fingerprint sensor."""

PLAUSIBLE_PPI = (250.0, 2000.0)
"""Metadata resolutions outside this range are ignored (estimated instead)."""

CALLER_PPI_RANGE = (50.0, 5000.0)

READ_FORMATS = ("PNG", "BMP", "TIFF", "JPEG", "JPEG2000")
"""Pillow formats read (JPEG includes the multi-picture JPEGs phone cameras write). WSQ is read separately."""

_READ_PLUGINS = (PngImagePlugin, BmpImagePlugin, TiffImagePlugin, JpegImagePlugin, Jpeg2KImagePlugin)
"""The Pillow plugins of READ_FORMATS, imported (so registered) with this module. Pillow registers only five
plugins by itself (BMP, GIF, JPEG, PPM, PNG); the first TIFF or JPEG 2000 file would otherwise make it import
all ~40 of them (``Image.init()``: ~35 ms in every process that checks files, for formats refused anyway)."""

WRITE_FORMATS = ("PNG", "BMP", "TIFF", "JPEG", "JPEG2000", "WSQ")

WSQ_MAGIC = b"\xff\xa0"

WSQ_BITRATE = 0.75
"""Bits per pixel of written WSQ (the FBI's 15:1 setting); the ``wsq`` codec ignores any other request."""

_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def max_file_bytes(max_pixels: int) -> int:
    """Largest file read for a pixel limit: 8 bytes a pixel (16-bit RGBA, uncompressed) plus 1 MiB."""
    return 8 * max_pixels + (1 << 20)


def _describe(source: Any) -> str:
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


def _metadata_ppi(im: Image.Image) -> float | None:
    """The file's resolution when it is plausible for a fingerprint sensor, else ``None``.

    Only a ``dpi`` with a unit counts: a unit-less TIFF ``resolution`` is an aspect ratio.
    """
    dpi: Any = im.info.get("dpi")
    try:
        x = float(dpi[0]) if isinstance(dpi, (tuple, list)) else float(dpi)
    except (TypeError, ValueError, IndexError):
        return None
    if not np.isfinite(x) or round(x) in PLACEHOLDER_DPI:
        return None
    if not (PLAUSIBLE_PPI[0] <= x <= PLAUSIBLE_PPI[1]):
        return None
    return round(x, 1)  # PNG stores pixels per metre: 500 dpi comes back as 499.999


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


def _array_channels(a: np.ndarray, name: str, what: str) -> np.ndarray:
    """(H, W) or (H, W, C) with C in 1, 3, 4, non-empty, as uint8."""
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise InvalidImageError(f"array of shape {a.shape} is not {what} (H, W) or (H, W, 3|4)", source=name)
    return _array_to_uint8(a if a.ndim == 2 else a[:, :, :3], name)


def _array_to_gray(a: np.ndarray, name: str) -> np.ndarray:
    a = _array_channels(a, name, "an image")
    return a if a.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2GRAY)


def _check_array_size(a: np.ndarray, max_pixels: int, name: str) -> None:
    if a.ndim >= 2 and a.shape[0] * a.shape[1] > max_pixels:
        raise ImageTooLargeError(f"array of shape {a.shape} exceeds {max_pixels:,} pixels", source=name)


def load_image(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> tuple[Image.Image, str]:
    """Decode ``source`` with the library's checks and return the Pillow image and its description.

    Most callers want :func:`load_fingerprint` or :func:`load_portrait` instead.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError
    """
    name = _describe(source)
    data = _read_bytes(source, name, max_pixels)
    return _open_checked(data, name, max_pixels), name


def resample_to_working_ppi(pixels: np.ndarray, ppi: float) -> np.ndarray:
    """Resample a grayscale fingerprint from ``ppi`` to 500 ppi.

    Area averaging when shrinking (an anti-aliasing box filter: fine ridges do not alias into false
    patterns), bicubic interpolation when enlarging. Within 1 % of 500 ppi the image is returned unchanged.
    """
    factor = WORKING_PPI / float(ppi)
    if abs(factor - 1.0) < 0.01:
        return pixels
    h, w = pixels.shape
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(pixels, size, interpolation=interp)


def _caller_ppi(ppi: Any, name: str) -> float:
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


def _decide_ppi(gray: np.ndarray, ppi: Any, meta_ppi: float | None, estimate: bool, name: str) -> tuple[float, str]:
    """(original ppi, where it came from): caller, metadata, ridge-period estimate, or 500 assumed."""
    if ppi is not None:
        return _caller_ppi(ppi, name), "caller"
    if meta_ppi is not None:
        return meta_ppi, "metadata"
    if estimate:
        from .fingerprint.resolution import estimate_ppi

        est = estimate_ppi(gray)
        if est is not None:
            return est, "estimated"
    return float(WORKING_PPI), "assumed"


def load_fingerprint(
    source: ImageSource,
    ppi: float | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    estimate_resolution: bool = True,
) -> FingerImage:
    """Load a fingerprint as 8-bit grayscale at 500 ppi.

    Parameters
    ----------
    source:
        Path, encoded ``bytes``, binary file object, or a numpy array (grayscale, RGB or RGBA;
        ``uint8``, ``uint16``, ``bool``, other integers clipped to 0-255, or float in [0, 1] or [0, 255]).
    ppi:
        Resolution of the capture. When ``None`` it is read from the file's metadata if plausible,
        otherwise estimated from the ridge period (``estimate_resolution=True``), otherwise 500 is assumed.
        Ridge spacing cannot tell 569 from 500 ppi: pass ``ppi=569`` for FVC2002 DB2.
    max_pixels:
        Refuse images with more pixels than this, from the header, before decoding them.
    estimate_resolution:
        Estimate the ppi from the ridge period when neither the caller nor the metadata gives it.

    Returns
    -------
    FingerImage
        ``pixels`` at 500 ppi; ``original_ppi``, ``ppi_source`` and ``original_shape`` record the capture.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError, ImageTooSmallError
    """
    name = _describe(source)
    if not isinstance(source, np.ndarray):
        im, name = load_image(source, max_pixels=max_pixels)
        return fingerprint_from_decoded(im, name, ppi, estimate_resolution=estimate_resolution)
    _check_array_size(source, max_pixels, name)
    return _finger_image(_array_to_gray(source, name), name, None, None, ppi, estimate_resolution)


def fingerprint_from_decoded(im: Image.Image, name: str, ppi: float | None = None, *,
                             estimate_resolution: bool = True) -> FingerImage:
    """:func:`load_fingerprint` for an image already decoded by :func:`load_image` (no second decode)."""
    gray = _converted(_to_gray, im, name)
    return _finger_image(gray, name, im.format, _metadata_ppi(im), ppi, estimate_resolution)


def _finger_image(gray: np.ndarray, name: str, fmt: str | None, meta_ppi: float | None, ppi: Any,
                  estimate_resolution: bool) -> FingerImage:
    original_ppi, ppi_source = _decide_ppi(gray, ppi, meta_ppi, estimate_resolution, name)
    pixels = resample_to_working_ppi(gray, original_ppi)
    if min(pixels.shape) < MIN_FINGER_SIZE:
        raise ImageTooSmallError(
            f"{pixels.shape[1]}x{pixels.shape[0]} px at 500 ppi is too small to hold a finger "
            f"(minimum {MIN_FINGER_SIZE}x{MIN_FINGER_SIZE})",
            source=name,
        )
    return FingerImage(
        pixels=np.ascontiguousarray(pixels),
        original_ppi=original_ppi,
        ppi_source=ppi_source,
        original_shape=(int(gray.shape[0]), int(gray.shape[1])),
        source=name,
        format=fmt,
    )


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
    """
    name = _describe(source)
    if not isinstance(source, np.ndarray):
        im, name = load_image(source, max_pixels=max_pixels)
        return portrait_from_decoded(im, name)
    _check_array_size(source, max_pixels, name)
    a = _array_channels(source, name, "a portrait")
    return _portrait(np.ascontiguousarray(np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a), name, None)


def portrait_from_decoded(im: Image.Image, name: str) -> Portrait:
    """:func:`load_portrait` for an image already decoded by :func:`load_image` (no second decode)."""
    return _portrait(_converted(_to_rgb, im, name), name, im.format)


def _portrait(rgb: np.ndarray, name: str, fmt: str | None) -> Portrait:
    if min(rgb.shape[:2]) < MIN_PORTRAIT_SIZE:
        raise ImageTooSmallError(
            f"{rgb.shape[1]}x{rgb.shape[0]} px is too small for a portrait (minimum {MIN_PORTRAIT_SIZE})",
            source=name,
        )
    return Portrait(pixels=rgb, source=name, format=fmt)


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


def _encode_wsq(pixels: np.ndarray, ppi: float, name: str) -> bytes:
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
    """
    out = Path(path)
    if isinstance(image, FingerImage):
        pixels, dpi = image.pixels, float(WORKING_PPI)
    elif isinstance(image, Portrait):
        pixels, dpi = image.pixels, None
    else:
        pixels, dpi = _array_channels(np.asarray(image), str(out), "an image"), None
    if ppi is not None:
        dpi = _caller_ppi(ppi, str(out))
    fmt = (format or out.suffix.lstrip(".")).upper()
    fmt = {"JPG": "JPEG", "TIF": "TIFF", "JP2": "JPEG2000", "J2K": "JPEG2000"}.get(fmt, fmt)
    if fmt not in WRITE_FORMATS:
        raise UnsupportedFormatError(f"cannot write format {fmt!r}; use one of {', '.join(WRITE_FORMATS)}",
                                     source=str(out))
    if fmt == "WSQ":
        if quality is not None:
            raise UnsupportedFormatError(f"WSQ is written at {WSQ_BITRATE} bpp only; drop quality=", source=str(out))
        out.write_bytes(_encode_wsq(np.asarray(pixels), dpi or float(WORKING_PPI), str(out)))
        return out
    kwargs: dict[str, Any] = {}
    if dpi is not None and fmt in ("PNG", "TIFF", "JPEG", "BMP"):
        kwargs["dpi"] = (dpi, dpi)
    if fmt == "JPEG" and quality is not None:
        kwargs["quality"] = int(quality)
    Image.fromarray(np.asarray(pixels)).save(out, format=fmt, **kwargs)
    return out
