"""Image payloads of records: decode the stored bytes to arrays and encode arrays to the stored form.

Decoding goes through :func:`cccd_biometrics.io.decode_image` (size limits, WSQ stream validation, typed errors),
so a record can never make the codecs see more than a loose image file could.
"""

from __future__ import annotations

import io as _pyio

import numpy as np
from PIL import Image

from ..errors import CccdBiometricsError, RecordFormatError
from ..io.decode import MAX_PIXELS, decode_image
from ..io.encode import encode_wsq

__all__ = ["decode_gray", "decode_rgb", "encode_gray", "encode_rgb"]

JPEG_QUALITY = 90
"""Quality of portraits written as JPEG (ICAO Doc 9303 asks for no visible compression artefacts)."""

JPEG2000_RATE = 15
"""Compression ratio of portraits written as JPEG 2000 (Pillow ``quality_layers``), about the JPEG q90 size."""


def _decoded(data: bytes, name: str, width: int = 0, height: int = 0) -> Image.Image:
    # the record declares the size: an image header claiming more is refused before anything is decoded, so
    # a few damaged bytes cannot make the decoder allocate beyond what the record said it holds
    cap = width * height if width > 0 and height > 0 else MAX_PIXELS
    try:
        im = decode_image(bytes(data), max_pixels=min(cap, MAX_PIXELS)).image
    except CccdBiometricsError as exc:
        raise RecordFormatError(f"the image in {name} does not decode: {exc}") from exc
    return im


def decode_gray(data: bytes, compression: str, width: int, height: int, name: str) -> np.ndarray:
    """The grey uint8 pixels of a stored finger image (``NONE``: raw 8-bit rows of ``width`` x ``height``).

    Raises
    ------
    RecordFormatError
        If the data does not decode, or decodes to another size than the record declares.
    """
    if compression == "NONE":
        if len(data) != width * height or width < 1 or height < 1:
            raise RecordFormatError(f"{name}: {len(data)} bytes of raw pixels for a {width}x{height} image")
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width).copy()
    im = _decoded(data, name, width, height)
    if im.mode != "L":
        im = im.convert("L")
    a = np.asarray(im, dtype=np.uint8)
    if width and height and a.shape != (height, width):
        raise RecordFormatError(f"{name}: the image is {a.shape[1]}x{a.shape[0]}, the record says {width}x{height}")
    return a


def decode_rgb(data: bytes, name: str, width: int = 0, height: int = 0) -> np.ndarray:
    """The RGB uint8 pixels of a stored portrait (JPEG or JPEG 2000) the record says is ``width`` x ``height``.

    Raises
    ------
    RecordFormatError
        If the data does not decode, or decodes to another size than the record declares.
    """
    im = _decoded(data, name, width, height)
    a = np.asarray(im.convert("RGB"), dtype=np.uint8)
    if width and height and a.shape[:2] != (height, width):
        raise RecordFormatError(f"{name}: the image is {a.shape[1]}x{a.shape[0]}, the record says {width}x{height}")
    return a


def encode_gray(pixels: np.ndarray, compression: str, ppi: float) -> bytes:
    """Store a grey image as ``compression`` (``WSQ`` at 0.75 bpp, ``PNG``, ``JPEG2000`` lossless, ``NONE``)."""
    a = np.ascontiguousarray(pixels, dtype=np.uint8)
    if compression == "NONE":
        return a.tobytes()
    if compression == "WSQ":
        try:
            return encode_wsq(a, float(ppi), "<record>")
        except CccdBiometricsError as exc:
            raise RecordFormatError(f"cannot store the finger image as WSQ: {exc}") from exc
    buf = _pyio.BytesIO()
    if compression == "PNG":
        Image.fromarray(a).save(buf, format="PNG")
    elif compression == "JPEG2000":
        Image.fromarray(a).save(buf, format="JPEG2000", irreversible=False)
    else:
        raise RecordFormatError(f"finger images are not stored as {compression}")
    return buf.getvalue()


def encode_rgb(pixels: np.ndarray, compression: str) -> bytes:
    """Store a portrait as JPEG (quality :data:`JPEG_QUALITY`) or JPEG 2000 (ratio :data:`JPEG2000_RATE`)."""
    im = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), "RGB")
    buf = _pyio.BytesIO()
    if compression == "JPEG":
        im.save(buf, format="JPEG", quality=JPEG_QUALITY)
    elif compression == "JPEG2000":
        im.save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[JPEG2000_RATE], irreversible=True)
    else:
        raise RecordFormatError(f"portraits are not stored as {compression}")
    return buf.getvalue()
