"""ISO/IEC 19794-4 finger image records: the 2005 edition (``"FIR\\0"``, version ``"010\\0"``) and, for
exchanges with readers of the 2011 edition, version ``"020\\0"``.

Layout (big-endian): a 32-byte general header -- format identifier, version, record length (6 bytes), capture
device id (2), image acquisition level (2), number of fingers (1), scale units (1: 1 ppi, 2 ppcm), scan and
image resolutions (4 x 2), pixel depth (1), compression (1: 0 raw, 1 bit-packed, 2 WSQ, 3 JPEG, 4 JPEG 2000,
5 PNG), reserved (2) -- then per finger view a 14-byte header -- data block length (4, header included),
finger position (1), count of views (1), view number (1), image quality (1), impression type (1), width (2),
height (2), reserved (1) -- and the image data.

The 2011 edition (version ``"020\\0"``) has a 16-byte general header (identifier, version, record length (4),
number of representations (2), certification flag (1), number of finger positions (1)) and per representation:
length (4), capture date and time (9; all 0xFF when unknown), capture device technology (1), vendor (2) and
type (2), quality blocks (count (1), then score (1), algorithm vendor (2), algorithm id (2) each), the
certification blocks when flagged (count, then 3 bytes each), position (1), representation number (1), scale
units (1), scan and image resolutions (4 x 2), bit depth (1), compression (1: 0 raw, 1 packed, 2 WSQ, 3 JPEG,
4 JPEG 2000 lossy, 5 lossless, 6 PNG), impression type (1), width (2), height (2), image data length (4), data.

Read: 8-bit grey images, compression raw, WSQ, JPEG 2000 or PNG (JPEG is refused: ISO 19794-4 restricts it to
legacy data; bit-packed depths below 8 are refused). One view per finger position is kept (the first).
Written: one view per finger, WSQ by default, records that re-read byte-identically.
"""

from __future__ import annotations

import datetime as _dt
import struct
from dataclasses import dataclass

from ..errors import RecordFormatError
from ._codec import decode_gray, encode_gray
from .model import MAX_RECORD_BYTES, FingerCapture, QualityMetric, SlapCapture

__all__ = ["FirView", "decode_fir", "encode_fir", "read_iso19794_4", "write_iso19794_4"]

MAGIC = b"FIR\x00010\x00"
MAGIC_2011 = b"FIR\x00020\x00"
_GENERAL = struct.Struct(">4s4s6sHHBBHHHHBBH")
_VIEW = struct.Struct(">IBBBBBHHB")
_COMPRESSION = {0: "NONE", 2: "WSQ", 4: "JPEG2000", 5: "PNG"}
_COMPRESSION_CODE = {v: k for k, v in _COMPRESSION.items()}
_GENERAL_2011 = struct.Struct(">4s4sIHBB")
_REP_2011_HEAD = struct.Struct(">I9sB2s2sB")
_REP_2011_TAIL = struct.Struct(">BBBHHHHBBBHHI")
_COMPRESSION_2011 = {0: "NONE", 2: "WSQ", 4: "JPEG2000", 5: "JPEG2000", 6: "PNG"}
_COMPRESSION_2011_CODE = {"NONE": 0, "WSQ": 2, "JPEG2000": 5, "PNG": 6}
_UNKNOWN_TIME = b"\xff" * 9
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
    qualities: tuple[tuple[QualityMetric, ...], ...] = ()


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
    if data[:8] == MAGIC_2011:
        return _decode_2011(data)
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


def _decode_2011(data: bytes) -> FirRecord:
    if len(data) < _GENERAL_2011.size:
        raise RecordFormatError("truncated 19794-4:2011 general header")
    _, _, length, count, cert, _npos = _GENERAL_2011.unpack_from(data)
    if length != len(data):
        raise RecordFormatError(f"record length says {length}, the data is {len(data)} bytes")
    pos, views, qualities, ppis, comps = _GENERAL_2011.size, [], [], set(), set()
    for _ in range(count):
        start = pos
        if pos + _REP_2011_HEAD.size > len(data):
            raise RecordFormatError("truncated representation header")
        rlen, _time, _tech, _vendor, _type, nq = _REP_2011_HEAD.unpack_from(data, pos)
        end = start + rlen
        if end > len(data) or rlen < _REP_2011_HEAD.size:
            raise RecordFormatError(f"representation of {rlen} bytes does not fit the record")
        pos += _REP_2011_HEAD.size
        if pos + 5 * nq + (1 if cert else 0) > end:
            raise RecordFormatError("truncated quality blocks")
        quality = tuple(QualityMetric(*_quality_2011(data, pos + 5 * i)) for i in range(nq))
        pos += 5 * nq
        if cert:
            pos += 1 + 3 * data[pos]
        if pos + _REP_2011_TAIL.size > end:
            raise RecordFormatError("truncated representation header")
        (fgp, num, units, _sh, _sv, ih, iv, depth, comp, imp, w, h, dlen) = _REP_2011_TAIL.unpack_from(data, pos)
        pos += _REP_2011_TAIL.size
        if pos + dlen != end:
            raise RecordFormatError("image data length does not match the representation length")
        if depth != 8 or comp not in _COMPRESSION_2011 or ih != iv or ih == 0 or fgp > 50 or w < 1 or h < 1:
            raise RecordFormatError(f"representation out of range (depth {depth}, compression {comp}, "
                                    f"resolution {ih}x{iv}, position {fgp}, {w}x{h})")
        ppis.add(_ppi(units, ih))
        comps.add(_COMPRESSION_2011[comp])
        views.append(FirView(fgp, num, 1, quality[0].score if quality else 255, imp, w, h, data[pos:end]))
        qualities.append(quality)
        pos = end
    if pos != len(data):
        raise RecordFormatError(f"{len(data) - pos} bytes after the last representation")
    if not views or len(ppis) != 1 or len(comps) != 1:
        raise RecordFormatError("no representation, or representations of mixed resolution or compression")
    return FirRecord(0, 0, ppis.pop(), comps.pop(), tuple(views), tuple(qualities))


def _quality_2011(data: bytes, pos: int) -> tuple[int, int, int]:
    score, vendor, algo = struct.unpack_from(">BHH", data, pos)
    if score > 100 and score != 255:
        raise RecordFormatError(f"quality score {score} (0-100, 255 failed)")
    return score, vendor, algo


def encode_fir_2011(views: list[FirView], qualities: list[tuple[QualityMetric, ...]], ppi: float,
                    compression: str, captured: bytes = _UNKNOWN_TIME) -> bytes:
    """Assemble a 19794-4:2011 record from already-encoded views (``captured``: the 9-byte date and time)."""
    if not 1 <= len(views) <= 0xFFFF or len(captured) != 9:
        raise RecordFormatError("1-65535 views and a 9-byte capture time are needed")
    res = round(float(ppi))
    body = bytearray()
    for v, qs in zip(views, qualities, strict=True):
        if len(qs) > 255:
            raise RecordFormatError("more than 255 quality blocks")
        head = b"".join(struct.pack(">BHH", q.score, q.vendor, q.product) for q in qs)
        tail = _REP_2011_TAIL.pack(v.position, v.view_number, 1, res, res, res, res, 8,
                                   _COMPRESSION_2011_CODE[compression], v.impression, v.width, v.height, len(v.data))
        rlen = _REP_2011_HEAD.size + len(head) + len(tail) + len(v.data)
        body += _REP_2011_HEAD.pack(rlen, captured, 0, b"\0\0", b"\0\0", len(qs)) + head + tail + v.data
    positions = len({v.position for v in views})
    return _GENERAL_2011.pack(b"FIR\x00", b"020\x00", _GENERAL_2011.size + len(body), len(views), 0,
                              positions) + bytes(body)


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


def write_iso19794_4(fingers: dict[int, FingerCapture | SlapCapture], *, compression: str = "WSQ",
                     version: str = "2005", captured: _dt.datetime | None = None) -> bytes:
    """A 19794-4 record of ``fingers`` (position -> capture), one view each.

    ``version`` ``"2005"`` (the default) or ``"2011"``; ``captured`` is the capture time the 2011 edition
    records (unknown, all 0xFF, when None). The 2005 edition keeps the first quality score, the 2011 edition all
    of them with their algorithm ids.

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
    if version == "2011":
        qualities = [c.quality if isinstance(c, FingerCapture) else () for _, c in sorted(fingers.items())]
        when = _UNKNOWN_TIME if captured is None else struct.pack(
            ">HBBBBBH", captured.year, captured.month, captured.day, captured.hour, captured.minute,
            captured.second, captured.microsecond // 1000)
        return encode_fir_2011(views, qualities, ppis.pop(), compression, when)
    if version != "2005":
        raise RecordFormatError(f"19794-4 version {version!r}: '2005' or '2011'")
    return encode_fir(views, ppis.pop(), compression)


def _view_quality(v: FirView) -> tuple[QualityMetric, ...]:
    return () if v.quality > 100 else (QualityMetric(v.quality),)


def read_iso19794_4(data: bytes) -> dict[int, FingerCapture]:
    """The finger images of a 19794-4 record (2005 or 2011 edition) by position (the first view of each position).

    Slap positions (13-15) come back as :class:`FingerCapture` too; the caller decides what they are.

    Raises
    ------
    RecordFormatError
        On any malformed record or undecodable image.
    """
    rec = decode_fir(data)
    out: dict[int, FingerCapture] = {}
    for i, v in enumerate(rec.views):
        if v.position in out:
            continue
        pixels = decode_gray(v.data, rec.compression, v.width, v.height, f"finger view {v.position}")
        quality = rec.qualities[i] if rec.qualities else _view_quality(v)
        out[v.position] = FingerCapture(pixels, rec.ppi, rec.compression, quality, v.impression, v.data)
    return out
