"""Loading and saving captures.

Readers accept a path, ``bytes``, a binary file object or a numpy array, and return a
:class:`~cccd_biometrics.images.FingerImage` (8-bit grayscale at 500 ppi) or a
:class:`~cccd_biometrics.images.Portrait` (8-bit RGB). Formats: PNG, BMP (including 32-bit RGBA), TIFF,
JPEG, JPEG 2000 and WSQ (through the ``wsq`` Pillow plugin, a wrapper of the reference NBIS codec).

Resolution
    Fingerprint resolution matters: every measure assumes 500 ppi ridge spacing. The ppi comes, in this
    order, from the caller, from the file's metadata when it is plausible for a fingerprint sensor, or from
    the ridge period measured in the image (see :func:`cccd_biometrics.fingerprint.resolution.estimate_ppi`).
    Placeholder values written by imaging software (1, 72, 96, 150 or 300 dpi) are not trusted.

Safety
    The pixel count is read from the header and refused above ``max_pixels`` (default
    :data:`MAX_PIXELS`) *before* the pixels are decoded, so a decompression bomb cannot exhaust memory.
    Every failure is a :mod:`cccd_biometrics.errors` exception that names the source.
"""

from __future__ import annotations

import io as _io
import os
import warnings
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import (
    ImageTooLargeError,
    ImageTooSmallError,
    InputNotFoundError,
    InvalidImageError,
    UnsupportedFormatError,
)
from .images import WORKING_PPI, FingerImage, Portrait
from .wsq_stream import validate_wsq

try:  # the C extension of the ``wsq`` distribution (NBIS WSQ codec); used directly, not as a Pillow plugin
    import _wsq
except ImportError:  # pragma: no cover - wsq is a declared dependency
    _wsq = None

__all__ = [
    "MAX_PIXELS",
    "MIN_FINGER_SIZE",
    "ImageSource",
    "load_fingerprint",
    "load_image",
    "load_portrait",
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



def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, np.ndarray):
        return "<array>"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<stream>"


def _read_bytes(source: Any, name: str) -> bytes:
    """Return the encoded bytes of a path, buffer or stream, with typed errors."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InputNotFoundError("no such file", source=name)
        if path.is_dir():
            raise InputNotFoundError("is a directory, not an image file", source=name)
        try:
            data = path.read_bytes()
        except PermissionError as exc:
            raise InputNotFoundError("permission denied", source=name) from exc
        except OSError as exc:
            raise InputNotFoundError(f"cannot be read ({exc.strerror or exc})", source=name) from exc
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        try:
            data = source.read()
        except OSError as exc:
            raise InputNotFoundError(f"stream cannot be read ({exc})", source=name) from exc
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidImageError("stream must be opened in binary mode", source=name)
        data = bytes(data)
    else:
        raise InvalidImageError(
            f"unsupported source type {type(source).__name__}; pass a path, bytes, a binary file or an array",
            source=name,
        )
    if not data:
        raise InvalidImageError("file is empty (0 bytes)", source=name)
    return data


WSQ_MAGIC = b"\xff\xa0"


def _open_wsq(data: bytes, name: str, max_pixels: int) -> Image.Image:
    if _wsq is None:  # pragma: no cover
        raise UnsupportedFormatError("WSQ support needs the 'wsq' package", source=name)
    # the NBIS decoder crashes the process on malformed streams: only well-formed ones reach it
    header = validate_wsq(data, name)
    w, h = header.width, header.height
    if w * h > max_pixels:
        raise ImageTooLargeError(
            f"{w}x{h} = {w * h:,} pixels exceeds the limit of {max_pixels:,} (decompression-bomb guard)",
            source=name,
        )
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
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(_io.BytesIO(data))
        except UnidentifiedImageError as exc:
            raise UnsupportedFormatError(
                "not an image in a supported format (PNG, BMP, TIFF, JPEG, JPEG 2000, WSQ)", source=name
            ) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(f"image is too large to decode safely ({exc})", source=name) from exc
        except Exception as exc:
            raise InvalidImageError(f"cannot be decoded: {exc}", source=name) from exc
        w, h = im.size
        if w <= 0 or h <= 0:
            raise InvalidImageError(f"image has an empty size {w}x{h}", source=name)
        if w * h > max_pixels:
            raise ImageTooLargeError(
                f"{w}x{h} = {w * h:,} pixels exceeds the limit of {max_pixels:,} (decompression-bomb guard)",
                source=name,
            )
        try:
            im.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(f"image is too large to decode safely ({exc})", source=name) from exc
        except Exception as exc:
            raise InvalidImageError(f"image data is truncated or corrupt: {exc}", source=name) from exc
    return im


def _metadata_ppi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    if dpi is None and "resolution" in im.info:
        dpi = im.info["resolution"]
    if dpi is None:
        return None
    try:
        x = float(dpi[0]) if isinstance(dpi, (tuple, list)) else float(dpi)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(x) or round(x) in PLACEHOLDER_DPI:
        return None
    if not (PLAUSIBLE_PPI[0] <= x <= PLAUSIBLE_PPI[1]):
        return None
    return x


def _to_gray(im: Image.Image) -> np.ndarray:
    """8-bit grayscale from any Pillow mode; alpha is composited over white, 16-bit is scaled."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        if mode.startswith("I;16"):
            a = a / 257.0
        else:
            lo, hi = float(a.min()), float(a.max())
            a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
        return np.clip(np.rint(a), 0, 255).astype(np.uint8)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"))
        if alpha.min() < 255 and alpha.max() > 0:
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(white, rgba)
        else:  # fully opaque, or an alpha channel that carries nothing (as in SOCOFing BMPs)
            im = rgba
    return np.asarray(im.convert("L"), dtype=np.uint8)


def _to_rgb(im: Image.Image) -> np.ndarray:
    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        g = _to_gray(im)
        return np.repeat(g[:, :, None], 3, axis=2)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


def _array_to_gray(a: np.ndarray, name: str) -> np.ndarray:
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[:, :, :3]
        if a.dtype != np.uint8:
            a = _array_to_uint8(a, name)
        return cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2GRAY)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim != 2:
        raise InvalidImageError(f"array of shape {a.shape} is not an image (H, W) or (H, W, 3|4)", source=name)
    return _array_to_uint8(a, name)


def _array_to_uint8(a: np.ndarray, name: str) -> np.ndarray:
    if a.size == 0:
        raise InvalidImageError("array is empty", source=name)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype == np.bool_:
        return np.where(a, 255, 0).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise InvalidImageError("array contains NaN or infinite values", source=name)
        scale = 255.0 if float(a.max()) <= 1.0 and float(a.min()) >= 0.0 else 1.0
        return np.clip(np.rint(a * scale), 0, 255).astype(np.uint8)
    if a.dtype == np.uint16:
        return np.clip(np.rint(a / 257.0), 0, 255).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        return np.clip(a, 0, 255).astype(np.uint8)
    raise InvalidImageError(f"unsupported array dtype {a.dtype}", source=name)


def load_image(source: ImageSource, *, max_pixels: int = MAX_PIXELS) -> tuple[Image.Image, str]:
    """Decode ``source`` with the library's checks and return the Pillow image and its description.

    Most callers want :func:`load_fingerprint` or :func:`load_portrait` instead.
    """
    name = _describe(source)
    data = _read_bytes(source, name)
    return _open_checked(data, name, max_pixels), name


def resample_to_working_ppi(pixels: np.ndarray, ppi: float) -> np.ndarray:
    """Resample a grayscale fingerprint from ``ppi`` to 500 ppi.

    Area averaging when shrinking (no aliasing of fine ridges), bicubic interpolation when enlarging.
    Within 1 % of 500 ppi the image is returned unchanged.
    """
    factor = WORKING_PPI / float(ppi)
    if abs(factor - 1.0) < 0.01:
        return pixels
    h, w = pixels.shape
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(pixels, size, interpolation=interp)


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
        ``uint8``, ``uint16``, ``bool`` or float in [0, 1]).
    ppi:
        Resolution of the capture. When ``None`` it is read from the file's metadata if plausible,
        otherwise estimated from the ridge period (``estimate_resolution=True``), otherwise 500 is assumed.
    max_pixels:
        Refuse images with more pixels than this before decoding them.

    Returns
    -------
    FingerImage
        ``pixels`` at 500 ppi; ``original_ppi``, ``ppi_source`` and ``original_shape`` record the capture.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError, ImageTooSmallError
    """
    name = _describe(source)
    fmt: str | None
    meta_ppi: float | None
    if isinstance(source, np.ndarray):
        if source.size > max_pixels * (source.shape[2] if source.ndim == 3 else 1):
            raise ImageTooLargeError(f"array of shape {source.shape} exceeds {max_pixels:,} pixels", source=name)
        gray = _array_to_gray(source, name)
        fmt, meta_ppi = None, None
    else:
        im, name = load_image(source, max_pixels=max_pixels)
        gray = _to_gray(im)
        fmt, meta_ppi = im.format, _metadata_ppi(im)

    if ppi is not None:
        if not (np.isfinite(ppi) and 50 <= float(ppi) <= 5000):
            raise InvalidImageError(f"ppi={ppi} is not a plausible resolution (50-5000)", source=name)
        original_ppi, ppi_source = float(ppi), "caller"
    elif meta_ppi is not None:
        original_ppi, ppi_source = meta_ppi, "metadata"
    else:
        original_ppi, ppi_source = float(WORKING_PPI), "assumed"
        if estimate_resolution and min(gray.shape) >= 48:
            from .fingerprint.resolution import estimate_ppi

            est = estimate_ppi(gray)
            if est is not None:
                original_ppi, ppi_source = est, "estimated"

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

    Raises the same typed errors as :func:`load_fingerprint`; images under 32x32 px raise
    :class:`~cccd_biometrics.errors.ImageTooSmallError`.
    """
    name = _describe(source)
    fmt: str | None = None
    if isinstance(source, np.ndarray):
        a = source
        if a.ndim == 2:
            a = np.repeat(_array_to_uint8(a, name)[:, :, None], 3, axis=2)
        elif a.ndim == 3 and a.shape[2] in (3, 4):
            a = _array_to_uint8(a[:, :, :3], name)
        else:
            raise InvalidImageError(f"array of shape {a.shape} is not an RGB image", source=name)
        if a.shape[0] * a.shape[1] > max_pixels:
            raise ImageTooLargeError(f"array of shape {a.shape} exceeds {max_pixels:,} pixels", source=name)
        rgb = np.ascontiguousarray(a)
    else:
        im, name = load_image(source, max_pixels=max_pixels)
        fmt = im.format
        rgb = _to_rgb(im)
    if min(rgb.shape[:2]) < MIN_PORTRAIT_SIZE:
        raise ImageTooSmallError(
            f"{rgb.shape[1]}x{rgb.shape[0]} px is too small for a portrait (minimum {MIN_PORTRAIT_SIZE})",
            source=name,
        )
    return Portrait(pixels=rgb, source=name, format=fmt)


def save_image(
    image: FingerImage | Portrait | np.ndarray,
    path: str | os.PathLike,
    *,
    format: str | None = None,
    ppi: float | None = None,
    quality: float | None = None,
) -> Path:
    """Save an image as PNG, BMP, TIFF, JPEG, JPEG 2000 or WSQ (chosen from the suffix or ``format``).

    Fingerprints are written at 500 ppi with that resolution in the metadata. WSQ takes a
    ``quality`` bitrate (default 0.75 bits per pixel, the FBI's 15:1 setting).
    """
    if isinstance(image, FingerImage):
        pixels, dpi = image.pixels, float(WORKING_PPI)
    elif isinstance(image, Portrait):
        pixels, dpi = image.pixels, None
    else:
        pixels, dpi = _array_to_uint8(np.asarray(image), "<array>"), None
    if ppi is not None:
        dpi = float(ppi)
    out = Path(path)
    fmt = (format or out.suffix.lstrip(".")).upper()
    fmt = {"JPG": "JPEG", "TIF": "TIFF", "JP2": "JPEG2000", "J2K": "JPEG2000"}.get(fmt, fmt)
    im = Image.fromarray(np.asarray(pixels))
    kwargs: dict[str, Any] = {}
    if dpi is not None and fmt in ("PNG", "TIFF", "JPEG", "BMP"):
        kwargs["dpi"] = (dpi, dpi)
    if fmt == "WSQ":
        gray = np.ascontiguousarray(np.asarray(im.convert("L")))
        bitrate = 0.75 if quality is None else float(quality)
        out.write_bytes(_wsq.compress(gray.tobytes(), gray.shape[0], gray.shape[1], bitrate))
        return out
    if fmt == "JPEG" and quality is not None:
        kwargs["quality"] = int(quality)
    try:
        im.save(out, format=fmt, **kwargs)
    except (KeyError, ValueError) as exc:
        raise UnsupportedFormatError(f"cannot write format {fmt!r}: {exc}", source=str(out)) from exc
    return out
