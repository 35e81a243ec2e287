"""ISO/IEC 19794-4:2005 finger image records (``"FIR\\0"``, version ``"010\\0"``).

Layout (big-endian): a 32-byte general header -- format identifier, version, record length (6 bytes), capture
device id (2), image acquisition level (2), number of fingers (1), scale units (1: 1 ppi, 2 ppcm), scan and
image resolutions (4 x 2), pixel depth (1), compression (1: 0 raw, 1 bit-packed, 2 WSQ, 3 JPEG, 4 JPEG 2000,
5 PNG), reserved (2) -- then per finger view a 14-byte header -- data block length (4, header included),
finger position (1), count of views (1), view number (1), image quality (1), impression type (1), width (2),
height (2), reserved (1) -- and the image data.

Read: 8-bit grey images, compression raw, WSQ, JPEG 2000 or PNG (JPEG is refused: ISO 19794-4 restricts it to
legacy data; bit-packed depths below 8 are refused). One view per finger position is kept (the first).
Written: one view per finger, WSQ by default, records that re-read byte-identically.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import RecordFormatError
from ._codec import decode_gray, encode_gray
from .model import MAX_RECORD_BYTES, FingerCapture, QualityMetric, SlapCapture

__all__ = ["FirView", "decode_fir", "encode_fir", "read_iso19794_4", "write_iso19794_4"]

MAGIC = b"FIR\x00010\x00"
_GENERAL = struct.Struct(">4s4s6sHHBBHHHHBBH")
_VIEW = struct.Struct(">IBBBBBHHB")
_COMPRESSION = {0: "NONE", 2: "WSQ", 4: "JPEG2000", 5: "PNG"}
_COMPRESSION_CODE = {v: k for k, v in _COMPRESSION.items()}
ACQUISITION_LEVEL = 31
"""Image acquisition setting level written (ISO 19794-4 Table 1: level 31 = 500 ppi, 8 bits, FBI IQS-like)."""


@dataclass(frozen=True)
class FirView:
    """One finger view as stored: position, geometry, quality and the image bytes (not decoded)."""

    position: int
    view_number: int
    views: int
    quality: int
    impression: int
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class FirRecord:
    """A parsed record: general-header values and the views, image data still encoded."""

    device: int
    level: int
    ppi: float
    compression: str
    views: tuple[FirView, ...]


def _ppi(units: int, res: int) -> float:
    if units == 1:
        return float(res)
    if units == 2:
        return res * 2.54
    raise RecordFormatError(f"scale units {units} (1 ppi or 2 ppcm)")


def decode_fir(data: bytes) -> FirRecord:
    """Parse the structure of a 19794-4:2005 record without decoding images.

    Raises
    ------
    RecordFormatError
        On a wrong magic/version, an inconsistent length, a truncated view, an unsupported depth or compression.
    """
    data = bytes(data)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(f"record of {len(data)} bytes exceeds the {MAX_RECORD_BYTES}-byte cap")
    if len(data) < _GENERAL.size or data[:8] != MAGIC:
        raise RecordFormatError("not an ISO/IEC 19794-4:2005 finger image record (FIR\\0 010\\0)")
    (_, _, length6, device, level, count, units, _sh, _sv, ih, iv, depth, comp, _reserved) = _GENERAL.unpack_from(data)
    if int.from_bytes(length6, "big") != len(data):
        raise RecordFormatError(f"record length says {int.from_bytes(length6, 'big')}, the data is {len(data)} bytes")
    if depth != 8:
        raise RecordFormatError(f"pixel depth {depth}: only 8-bit grey images are read")
    if comp not in _COMPRESSION:
        raise RecordFormatError(f"compression code {comp} is not read (raw, WSQ, JPEG 2000 and PNG are)")
    if ih != iv or ih == 0:
        raise RecordFormatError(f"image resolution {ih}x{iv}: square, non-zero pixels required")
    views, pos = [], _GENERAL.size
    for _ in range(count):
        if pos + _VIEW.size > len(data):
            raise RecordFormatError("truncated finger view header")
        block, fgp, nviews, vnum, q, imp, w, h, _r = _VIEW.unpack_from(data, pos)
        if block < _VIEW.size or pos + block > len(data):
            raise RecordFormatError(f"finger view of {block} bytes does not fit the record")
        if fgp > 15 or w < 1 or h < 1:
            raise RecordFormatError(f"finger view header out of range (position {fgp}, {w}x{h})")
        views.append(FirView(fgp, vnum, nviews, q, imp, w, h, data[pos + _VIEW.size : pos + block]))
        pos += block
    if pos != len(data):
        raise RecordFormatError(f"{len(data) - pos} bytes after the last finger view")
    if not views:
        raise RecordFormatError("the record holds no finger view")
    return FirRecord(device, level, _ppi(units, ih), _COMPRESSION[comp], tuple(views))


def encode_fir(views: list[FirView], ppi: float, compression: str, *, device: int = 0,
               level: int = ACQUISITION_LEVEL) -> bytes:
    """Assemble a record from already-encoded views (all sharing ``ppi`` and ``compression``)."""
    if not 1 <= len(views) <= 255:
        raise RecordFormatError(f"{len(views)} finger views: 1-255 fit a record")
    res = round(float(ppi))
    if not 1 <= res <= 0xFFFF:
        raise RecordFormatError(f"resolution {ppi} ppi does not fit the record")
    body = bytearray()
    for v in views:
        if not (0 <= v.position <= 15 and 1 <= v.width <= 0xFFFF and 1 <= v.height <= 0xFFFF):
            raise RecordFormatError(f"finger view (position {v.position}, {v.width}x{v.height}) out of range")
        body += _VIEW.pack(_VIEW.size + len(v.data), v.position, v.views, v.view_number, v.quality, v.impression,
                           v.width, v.height, 0) + v.data
    total = _GENERAL.size + len(body)
    head = _GENERAL.pack(b"FIR\x00", b"010\x00", total.to_bytes(6, "big"), device, level, len(views), 1,
                         res, res, res, res, 8, _COMPRESSION_CODE[compression], 0)
    return head + bytes(body)


def _stored(capture: FingerCapture | SlapCapture, compression: str) -> bytes:
    if capture.encoded is not None and capture.compression == compression:
        return capture.encoded
    return encode_gray(capture.pixels, compression, capture.ppi)


def _quality(capture: FingerCapture | SlapCapture) -> int:
    metrics = capture.quality if isinstance(capture, FingerCapture) else ()
    return int(metrics[0].score) if metrics else 254


def write_iso19794_4(fingers: dict[int, FingerCapture | SlapCapture], *, compression: str = "WSQ") -> bytes:
    """A 19794-4:2005 record of ``fingers`` (position -> capture), one view each.

    Every capture must share one resolution (the record has one general header). A capture read from a record
    in the same compression is stored as it came (no re-encoding).

    >>> import numpy as np
    >>> rec = write_iso19794_4({1: FingerCapture(np.full((64, 64), 200, np.uint8), compression="NONE")},
    ...                        compression="NONE")
    >>> rec[:8], len(rec)
    (b'FIR\\x00010\\x00', 4142)
    """
    compression = compression.upper()
    if compression not in _COMPRESSION_CODE:
        raise RecordFormatError(f"compression {compression!r}: one of {', '.join(_COMPRESSION_CODE)}")
    if not fingers:
        raise RecordFormatError("no finger to write")
    ppis = {round(float(c.ppi)) for c in fingers.values()}
    if len(ppis) != 1:
        raise RecordFormatError(f"the captures have different resolutions {sorted(ppis)}: one record holds one")
    views = []
    for pos, cap in sorted(fingers.items()):
        h, w = cap.pixels.shape
        views.append(FirView(pos, 1, 1, _quality(cap), int(cap.impression), int(w), int(h), _stored(cap, compression)))
    return encode_fir(views, ppis.pop(), compression)


def read_iso19794_4(data: bytes) -> dict[int, FingerCapture]:
    """The finger images of a 19794-4:2005 record by position (the first view of each position).

    Slap positions (13-15) come back as :class:`FingerCapture` too; the caller decides what they are.

    Raises
    ------
    RecordFormatError
        On any malformed record or undecodable image.
    """
    rec = decode_fir(data)
    out: dict[int, FingerCapture] = {}
    for v in rec.views:
        if v.position in out:
            continue
        pixels = decode_gray(v.data, rec.compression, v.width, v.height, f"finger view {v.position}")
        quality = () if v.quality > 100 else (QualityMetric(v.quality),)
        out[v.position] = FingerCapture(pixels, rec.ppi, rec.compression, quality, v.impression, v.data)
    return out
