"""ANSI/NIST-ITL 1-2011 (Update 2015) transactions in the traditional encoding.

The container (tagged text fields ``T.NNN:value`` separated by GS, subfields by RS, information items by US,
records ended by FS, binary image data in field ``.999``, Type-4 binary records) is read and written by the
``nistitl`` package. This module puts a guard in front of it (a size cap, a walk over the declared record
lengths and a record-count cap before nistitl sees the bytes, so that no input makes it copy or search
quadratically) and maps every failure to :class:`~cccd_biometrics.errors.RecordFormatError`.

Record types read and written:

- Type-1 transaction information: kept in :attr:`RecordImages.header` (field number -> value; CNT and LEN are
  computed).
- Type-2 user-defined text: passed through in :attr:`RecordImages.text`.
- Type-4 legacy fingers (500 ppi, 8-bit grey, WSQ or uncompressed): fingers 1-10 whose
  :attr:`FingerCapture.record_type` is 4.
- Type-14 variable-resolution fingers: fingers 1-10 and slaps 13/14/15, with SEG (14.021, the finger boxes of a
  slap), FQM (14.024, quality metrics: the library's score, NFIQ 2's when given) and AMP (14.018, absences:
  ``XX`` amputated, ``UP`` unable to print; written in the slap showing the finger, else in the first Type-14
  record).
- Type-9 minutiae: the INCITS 378 ("M1") block, fields 9.126-9.137 (no ridge counts, cores or deltas).
- Type-10 face: JPEG (``JPEGB``) or JPEG 2000 (``JP2``), with the MPEG-4 feature points in FFP (10.029).

Other record types (7, 8, 13, 15-99) are skipped on reading. Where a transaction holds several images of one
position (a rolled and a plain impression), the first one is kept.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import nistitl

from ..errors import CccdBiometricsError, InputNotFoundError, RecordFormatError
from ..fingerprint.template import Minutia, Template
from ._codec import decode_gray, decode_rgb, encode_gray, encode_rgb
from .model import (
    MAX_RECORD_BYTES,
    SLAP_FINGERS,
    SLAP_POSITIONS,
    FeaturePoint,
    FingerCapture,
    PortraitCapture,
    QualityMetric,
    RecordImages,
    SlapCapture,
    SlapSegment,
    TextValue,
)

__all__ = [
    "MAX_RECORDS",
    "ParsedTransaction",
    "StoredImage",
    "parse_transaction",
    "read_transaction",
    "transaction_bytes",
    "write_transaction",
]

MAX_RECORDS = 1000
"""Most logical records read from one transaction (a ten-print with slaps, face and minutiae has about 30)."""

MAX_SCAN_BYTES = 4 << 30
"""Cap on records x remaining bytes (see ``_walk``): about half a second of nistitl's slicing and searching;
a 60 MB ten-print with slaps and face at 1000 ppi (30 records) needs under 2 GB of it."""

NIST_VERSION = "0502"
"""1.002 VER written when the header has none: ANSI/NIST-ITL 1-2011 Update 2015."""


_CGA_FINGER = {"WSQ": "WSQ20", "NONE": "NONE", "JPEG2000": "JP2L", "PNG": "PNG"}
_CGA_FACE = {"JPEG": "JPEGB", "JPEG2000": "JP2"}
_CGA_READ = {"WSQ20": "WSQ", "WSQ": "WSQ", "NONE": "NONE", "JP2": "JPEG2000", "JP2L": "JPEG2000", "PNG": "PNG",
             "JPEGB": "JPEG", "JPEGL": "JPEG"}
_TYPE4 = struct.Struct(">B6sBHHB")
_HEADER_LEN = re.compile(rb"(\d{1,2})\.0{0,2}1:(\d{1,10})[\x1d\x1c]")
_M1_OWNER, _M1_TYPE = "27", "513"
_KIND_CODES = {"other": 0, "ending": 1, "bifurcation": 2}

Source = str | os.PathLike | bytes | bytearray | memoryview | IO[bytes]


@dataclass(frozen=True)
class StoredImage:
    """One image record of a transaction as stored (image bytes not decoded)."""

    record_type: int
    idc: int
    position: int
    width: int
    height: int
    ppi: float
    compression: str
    impression: int
    data: bytes
    segments: tuple[SlapSegment, ...] = ()
    quality: tuple[tuple[int, QualityMetric], ...] = ()
    feature_points: tuple[FeaturePoint, ...] = ()


@dataclass(frozen=True)
class ParsedTransaction:
    """The contents of a transaction with the images still encoded (what :func:`read_transaction` decodes)."""

    header: dict[int, TextValue]
    text: dict[int, TextValue]
    images: tuple[StoredImage, ...]
    templates: dict[int, Any]
    absent: dict[int, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- reading


def _read_source(src: Source) -> bytes:
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
    elif isinstance(src, (str, os.PathLike)):
        path = Path(src)
        if not path.is_file():
            raise InputNotFoundError("no such file", source=str(path))
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise RecordFormatError(f"file exceeds the {MAX_RECORD_BYTES}-byte cap", source=str(path))
        data = path.read_bytes()
    else:
        data = src.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(f"transaction exceeds the {MAX_RECORD_BYTES}-byte cap")
    return data


def _walk(data: bytes) -> int:
    """Check the chain of declared record lengths; return the number of records.

    nistitl slices the rest of the buffer at every record and searches it for separators, so its work grows
    with records x bytes: that product is capped (:data:`MAX_SCAN_BYTES`), and every text record must end
    with FS at its declared end, which keeps nistitl's separator searches inside the record.
    """
    pos = count = scan = 0
    while pos < len(data):
        scan += len(data) - pos
        if scan > MAX_SCAN_BYTES:
            raise RecordFormatError(f"{count} records over {len(data)} bytes: more than the parser's work cap")
        m = _HEADER_LEN.match(data, pos)
        if m:
            rtype, length = int(m.group(1)), int(m.group(2))
            if count == 0 and rtype != 1:
                raise RecordFormatError("the transaction does not start with a Type-1 record")
            if 5 <= length <= len(data) - pos and data[pos + length - 1] != 0x1C:
                raise RecordFormatError(f"record {count + 1} (Type-{rtype}) does not end with FS at its length")
        elif count == 0:
            raise RecordFormatError("not an ANSI/NIST-ITL transaction (no '1.001:' length field)")
        elif pos + 4 <= len(data):
            length = int.from_bytes(data[pos : pos + 4], "big")
        else:
            raise RecordFormatError("truncated record length")
        if length < 5 or length > len(data) - pos:
            raise RecordFormatError(f"record {count + 1} declares {length} bytes, {len(data) - pos} are left")
        pos += length
        count += 1
        if count > MAX_RECORDS:
            raise RecordFormatError(f"more than {MAX_RECORDS} records")
    if count == 0:
        raise RecordFormatError("empty transaction")
    return count


def _container(data: bytes) -> nistitl.Message:
    _walk(data)
    msg = nistitl.Message()
    try:
        msg.parse(data)
    except nistitl.NistException as exc:
        raise RecordFormatError(f"malformed transaction: {exc}") from exc
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError, struct.error) as exc:
        raise RecordFormatError(f"malformed transaction ({type(exc).__name__}: {exc})") from exc
    return msg


def _text_value(f: Any) -> TextValue:
    v = f.value
    if isinstance(v, list):
        return [[str(i) for i in s] if isinstance(s, list) else [str(s)] for s in v]
    return str(v)


def _fields(record: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for f in record._fields:
        if f.tag in out:
            raise RecordFormatError(f"field {record.type}.{f.tag:03d} appears twice")
        out[f.tag] = f
    return out


def _int(value: Any, what: str, lo: int = 0, hi: int = 1 << 31) -> int:
    try:
        v = int(str(value).strip())
    except ValueError:
        raise RecordFormatError(f"{what} is not a number ({str(value)[:20]!r})") from None
    if not lo <= v <= hi:
        raise RecordFormatError(f"{what} = {v} is outside {lo}-{hi}")
    return v


def _field_int(fields: dict[int, Any], tag: int, what: str, lo: int = 0, hi: int = 1 << 31) -> int:
    if tag not in fields:
        raise RecordFormatError(f"mandatory field {what} is missing")
    v = fields[tag].value
    if isinstance(v, list):
        raise RecordFormatError(f"field {what} has subfields where one value is expected")
    return _int(v, what, lo, hi)


def _subfields(fields: dict[int, Any], tag: int, what: str, items: int) -> list[list[str]]:
    if tag not in fields:
        return []
    v = _text_value(fields[tag])
    rows = [[v]] if isinstance(v, str) else v
    for row in rows:
        if len(row) != items:
            raise RecordFormatError(f"field {what}: {len(row)} information items, expected {items}")
    return rows


def _ppi(fields: dict[int, Any], rt: int) -> float:
    slc = _field_int(fields, 8, f"{rt}.008 SLC", 0, 2)
    thps = _field_int(fields, 9, f"{rt}.009 THPS", 1, 99999)
    tvps = _field_int(fields, 10, f"{rt}.010 TVPS", 1, 99999)
    if slc == 0:
        return 0.0
    if thps != tvps:
        raise RecordFormatError(f"non-square pixels ({thps} x {tvps}) are not read")
    return float(thps) if slc == 1 else thps * 2.54


def _binary(fields: dict[int, Any], rt: int) -> bytes:
    f = fields.get(999)
    if f is None or not isinstance(f, nistitl.BinaryField):
        raise RecordFormatError(f"record type {rt} has no image data field ({rt}.999)")
    return bytes(f.value)


def _quality_rows(fields: dict[int, Any]) -> tuple[tuple[int, QualityMetric], ...]:
    out = []
    for fgp, score, vendor, product in _subfields(fields, 24, "14.024 FQM", 4):
        try:
            vid = int(vendor, 16)
        except ValueError:
            raise RecordFormatError(f"14.024 FQM vendor id {vendor[:8]!r} is not hexadecimal") from None
        out.append((_int(fgp, "FQM position", 0, 50), QualityMetric(_int(score, "FQM score", 0, 255), vid,
                                                                     _int(product, "FQM product", 0, 0xFFFF))))
    return tuple(out)


def _type14(r: Any, absent: dict[int, str]) -> StoredImage:
    f = _fields(r)
    position = _field_int(f, 13, "14.013 FGP", 0, 50)
    compression = _CGA_READ.get(str(f[11].value).upper()) if 11 in f else None
    if compression is None or compression == "JPEG":
        raise RecordFormatError("14.011 CGA is missing or names a compression not read for fingers")
    if 12 in f and _field_int(f, 12, "14.012 BPX", 1, 99) != 8:
        raise RecordFormatError("only 8-bit grey finger images are read (14.012 BPX)")
    segments = tuple(SlapSegment(*(_int(v, "14.021 SEG", 0, 99999) for v in row))
                     for row in _subfields(f, 21, "14.021 SEG", 5))
    for fgp, code in _subfields(f, 18, "14.018 AMP", 2):
        if code not in ("XX", "UP"):
            raise RecordFormatError(f"14.018 AMP code {code[:4]!r} (XX or UP)")
        absent.setdefault(_int(fgp, "AMP position", 1, 10), code)
    return StoredImage(14, _field_int(f, 2, "14.002 IDC", 0, 99), position,
                       _field_int(f, 6, "14.006 HLL", 1, 99999), _field_int(f, 7, "14.007 VLL", 1, 99999),
                       _ppi(f, 14), compression, _field_int(f, 3, "14.003 IMP", 0, 99), _binary(f, 14), segments,
                       _quality_rows(f))


def _type4(r: Any) -> StoredImage:
    raw = bytes(r.value)
    if len(raw) < _TYPE4.size:
        raise RecordFormatError("truncated Type-4 record")
    imp, fgp, _isr, hll, vll, gca = _TYPE4.unpack_from(raw)
    if gca not in (0, 1) or fgp[0] > 15 or hll < 1 or vll < 1:
        raise RecordFormatError(f"Type-4 header out of range (compression {gca}, position {fgp[0]}, {hll}x{vll})")
    return StoredImage(4, int(r.IDC), fgp[0], hll, vll, 500.0, "WSQ" if gca == 1 else "NONE", imp,
                       raw[_TYPE4.size :])


def _type10(r: Any) -> StoredImage:
    f = _fields(r)
    compression = _CGA_READ.get(str(f[11].value).upper()) if 11 in f else None
    if compression not in ("JPEG", "JPEG2000"):
        raise RecordFormatError("10.011 CGA is missing or is not JPEGB/JPEGL/JP2/JP2L")
    points = []
    for kind, code, x, y in _subfields(f, 29, "10.029 FFP", 4):
        points.append(FeaturePoint(code, _int(x, "FFP x", 0, 0xFFFF), _int(y, "FFP y", 0, 0xFFFF),
                                   _int(kind, "FFP type", 0, 255)))
    return StoredImage(10, _field_int(f, 2, "10.002 IDC", 0, 99), 0, _field_int(f, 6, "10.006 HLL", 1, 99999),
                       _field_int(f, 7, "10.007 VLL", 1, 99999), 0.0, compression, 0, _binary(f, 10),
                       feature_points=tuple(points))


def _type9(r: Any) -> tuple[int, Any]:
    f = _fields(r)
    cbi = _subfields(f, 126, "9.126 CBI", 3)
    if not cbi or cbi[0][0] != _M1_OWNER:
        raise RecordFormatError("Type-9 record without the INCITS 378 block (9.126 CBI, format owner 27)")
    position = _field_int(f, 134, "9.134 FGP", 0, 15)
    slc = _field_int(f, 130, "9.130 SLC", 1, 2)
    res = _field_int(f, 131, "9.131 THPS", 1, 0xFFFF)
    minutiae = []
    for _idx, x, y, theta, kind, q in _subfields(f, 137, "9.137 FMD", 6):
        k = _int(kind, "FMD type", 0, 2)
        minutiae.append(Minutia(float(_int(x, "FMD x", 0, 16383)), float(_int(y, "FMD y", 0, 16383)),
                                2.0 * _int(theta, "FMD angle", 0, 179),
                                next(n for n, c in _KIND_CODES.items() if c == k), _int(q, "FMD quality", 0, 100)))
    if _field_int(f, 136, "9.136 NOM", 0, 255) != len(minutiae):
        raise RecordFormatError("9.136 NOM does not match the minutiae of 9.137")
    quality = _field_int(f, 135, "9.135 FQD", 0, 255) if 135 in f else 0
    t = Template(tuple(minutiae), _field_int(f, 128, "9.128 HLL", 1, 0xFFFF),
                 _field_int(f, 129, "9.129 VLL", 1, 0xFFFF), res * 2.54 if slc == 2 else float(res),
                 quality, position)
    return position, t


def _idc(r: Any) -> int:
    if isinstance(r, nistitl.BinaryRecord):
        return int(r.IDC)
    f = r[2]
    if f is None:
        raise RecordFormatError(f"a Type-{r.type} record has no IDC field ({r.type}.002)")
    return _int(f.value, f"{r.type}.002 IDC", 0, 255)


def _check_cnt(records: list[Any]) -> None:
    """1.003 CNT must list every record with its type and IDC (nistitl accepts a row when either matches)."""
    cnt = records[0][3]
    rows = _text_value(cnt) if cnt is not None else ""
    if not isinstance(rows, list) or len(rows) != len(records):
        raise RecordFormatError("1.003 CNT does not list the records of the transaction")
    for i, (row, r) in enumerate(zip(rows[1:], records[1:], strict=True), start=1):
        if len(row) != 2 or _int(row[0], "CNT record type", 0, 99) != r.type \
                or _int(row[1], "CNT IDC", 0, 255) != _idc(r):
            raise RecordFormatError(f"1.003 CNT entry {i} ({'/'.join(row)[:20]}) does not match the record "
                                    f"(type {r.type})")


def parse_transaction(src: Source) -> ParsedTransaction:
    """The records of a transaction, images left encoded (no image codec runs).

    Raises
    ------
    RecordFormatError
        On anything malformed: container syntax, declared lengths, missing mandatory fields, values out of range.
    InputNotFoundError
        If ``src`` is a path that does not exist.
    """
    msg = _container(_read_source(src))
    records = list(msg)
    text: dict[int, TextValue] = {}
    images: list[StoredImage] = []
    templates: dict[int, Any] = {}
    absent: dict[int, str] = {}
    try:
        _check_cnt(records)
        header = {tag: _text_value(fl) for tag, fl in _fields(records[0]).items() if tag not in (1, 3)}
        for r in records[1:]:
            if r.type == 2 and not text:
                text = {tag: _text_value(fl) for tag, fl in _fields(r).items() if tag not in (1, 2)}
            elif r.type == 4:
                images.append(_type4(r))
            elif r.type == 14:
                images.append(_type14(r, absent))
            elif r.type == 10:
                images.append(_type10(r))
            elif r.type == 9:
                pos, t = _type9(r)
                templates.setdefault(pos, t)
    except RecordFormatError:
        raise
    except CccdBiometricsError as exc:
        raise RecordFormatError(str(exc)) from exc
    except nistitl.NistException as exc:  # a field accessor of nistitl refusing what the parse let through
        raise RecordFormatError(f"malformed record: {exc}") from exc
    return ParsedTransaction(header, text, tuple(images), templates, absent)


def _decode(img: StoredImage) -> FingerCapture | SlapCapture | PortraitCapture:
    where = f"the Type-{img.record_type} record IDC {img.idc}"
    if img.record_type == 10:
        rgb = decode_rgb(img.data, where, img.width, img.height)
        return PortraitCapture(rgb, img.compression, "basic", img.feature_points, img.data)
    pixels = decode_gray(img.data, img.compression, img.width, img.height, where)
    ppi = img.ppi or 500.0
    if img.position in SLAP_POSITIONS:
        quality: dict[int, list[QualityMetric]] = {}
        for fgp, q in img.quality:
            quality.setdefault(fgp, []).append(q)
        return SlapCapture(pixels, ppi, img.compression, img.segments, {k: tuple(v) for k, v in quality.items()},
                           img.impression, img.data)
    metrics = tuple(q for fgp, q in img.quality if fgp == img.position)
    return FingerCapture(pixels, ppi, img.compression, metrics, img.impression, img.data, img.record_type)


def read_transaction(src: Source) -> RecordImages:
    """Read an ANSI/NIST-ITL transaction (path, bytes or binary stream) into a :class:`RecordImages`.

    Raises
    ------
    RecordFormatError
        On any malformed record or image that does not decode to its declared size.
    InputNotFoundError
        If ``src`` is a path that does not exist.
    """
    parsed = parse_transaction(src)
    fingers: dict[int, FingerCapture] = {}
    slaps: dict[int, SlapCapture] = {}
    portrait = None
    for img in parsed.images:
        if img.record_type == 10:
            if portrait is None:
                cap = _decode(img)
                assert isinstance(cap, PortraitCapture)
                portrait = cap
        elif img.position in SLAP_POSITIONS and img.position not in slaps:
            s = _decode(img)
            assert isinstance(s, SlapCapture)
            slaps[img.position] = s
        elif 1 <= img.position <= 10 and img.position not in fingers:
            c = _decode(img)
            assert isinstance(c, FingerCapture)
            fingers[img.position] = c
    return RecordImages(fingers, slaps, dict(parsed.absent), portrait, parsed.text, parsed.header,
                        parsed.templates)


# ---------------------------------------------------------------------------------------------- writing


def _field(rt: int, tag: int, value: Any) -> nistitl.Field:
    value = [[str(i) for i in row] for row in value] if isinstance(value, list) else str(value)
    return nistitl.Field(rt, tag, value)


def _stored(cap: FingerCapture | SlapCapture, compression: str) -> bytes:
    if cap.encoded is not None and cap.compression == compression:
        return cap.encoded
    return encode_gray(cap.pixels, compression, cap.ppi)


def _image_fields(rt: int, src: str, date: str, w: int, h: int, ppi: float, cga: str) -> list[nistitl.Field]:
    res = round(ppi)
    return [_field(rt, 4, src), _field(rt, 5, date), _field(rt, 6, w), _field(rt, 7, h), _field(rt, 8, 1),
            _field(rt, 9, res), _field(rt, 10, res), _field(rt, 11, cga)]


def _type14_record(idc: int, pos: int, cap: FingerCapture | SlapCapture, ctx: _WriteContext,
                   amp: list[list[str]]) -> nistitl.AsciiRecord:
    r = nistitl.AsciiRecord(14)
    r.IDC = idc
    h, w = cap.pixels.shape
    if cap.compression not in _CGA_FINGER:
        raise RecordFormatError(f"finger {pos}: {cap.compression} is not stored in Type-14 records")
    for fl in [_field(14, 3, int(cap.impression)),
               *_image_fields(14, ctx.source, ctx.date, w, h, cap.ppi, _CGA_FINGER[cap.compression]),
               _field(14, 12, 8), _field(14, 13, [[pos]])]:
        r += fl
    if amp:
        r += _field(14, 18, amp)
    if isinstance(cap, SlapCapture):
        if cap.segments:
            r += _field(14, 21, [[s.position, s.left, s.right, s.top, s.bottom] for s in cap.segments])
        rows = [(fgp, q) for fgp, qs in sorted(cap.quality.items()) for q in qs]
    else:
        rows = [(pos, q) for q in cap.quality]
    if rows:
        r += _field(14, 24, [[fgp, q.score, f"{q.vendor:04X}", q.product] for fgp, q in rows])
    r += nistitl.BinaryField(14, 999, _stored(cap, cap.compression))
    return r


def _type4_record(idc: int, pos: int, cap: FingerCapture) -> nistitl.BinaryRecord:
    if round(cap.ppi) != 500 or cap.compression not in ("WSQ", "NONE"):
        raise RecordFormatError(f"finger {pos}: Type-4 holds 500 ppi WSQ or uncompressed images only")
    h, w = cap.pixels.shape
    if w > 0xFFFF or h > 0xFFFF:
        raise RecordFormatError(f"finger {pos}: {w}x{h} is too large for a Type-4 record")
    r = nistitl.BinaryRecord(4)
    r.IDC = idc
    r.pack(">B6sBHHB", int(cap.impression), bytes([pos, 255, 255, 255, 255, 255]), 0, w, h,
           1 if cap.compression == "WSQ" else 0, _stored(cap, cap.compression))
    return r


def _type10_record(idc: int, cap: PortraitCapture, ctx: _WriteContext) -> nistitl.AsciiRecord:
    r = nistitl.AsciiRecord(10)
    r.IDC = idc
    h, w = cap.pixels.shape[:2]
    data = cap.encoded if cap.encoded is not None else encode_rgb(cap.pixels, cap.compression)
    fields = [_field(10, 3, "FACE"), *_image_fields(10, ctx.source, ctx.date, w, h, 1, _CGA_FACE[cap.compression]),
              _field(10, 12, "SRGB"), _field(10, 20, "F")]
    fields[5] = _field(10, 8, 0)  # SLC 0: no scale, THPS/TVPS give the pixel aspect ratio (1:1)
    for fl in fields:
        r += fl
    if cap.feature_points:
        r += _field(10, 29, [[p.kind, p.code, p.x, p.y] for p in cap.feature_points])
    r += nistitl.BinaryField(10, 999, data)
    return r


def _type9_record(idc: int, pos: int, template: Any, impression: int) -> nistitl.AsciiRecord:
    raw = template.to_bytes("ansi378")
    off = 8 + (6 if raw[8:10] == b"\x00\x00" else 2) + 4
    _eq, w, h, xres, _yres, _views, _r = struct.unpack_from(">HHHHHBB", raw, off)
    _fgp, _view, quality, count = struct.unpack_from(">BBBB", raw, off + 12)
    rows = []
    for i in range(count):
        tx, ry, theta, q = struct.unpack_from(">HHBB", raw, off + 16 + 6 * i)
        rows.append([i + 1, tx & 0x3FFF, ry & 0x3FFF, theta, tx >> 14, q])
    r = nistitl.AsciiRecord(9)
    r.IDC = idc
    values: list[tuple[int, Any]] = [
        (3, impression), (4, "U"), (126, [[_M1_OWNER, _M1_TYPE, "00000000"]]), (127, [["0", "0"]]), (128, w),
        (129, h), (130, 2), (131, xres), (132, xres), (133, 0), (134, pos), (135, quality), (136, count)]
    for tag, v in values:
        r += _field(9, tag, v)
    if rows:
        r += _field(9, 137, rows)
    return r


@dataclass(frozen=True)
class _WriteContext:
    source: str
    date: str


def _header_record(msg: nistitl.Message, rec: RecordImages, defaults: dict[int, str]) -> None:
    r1 = msg[0]
    values = {**defaults, **{k: v for k, v in rec.header.items() if k not in (1, 3)}}
    for tag, value in values.items():
        existing = r1[tag]
        if existing is not None:
            existing.value = value if not isinstance(value, list) else [[str(i) for i in row] for row in value]
        else:
            r1 += _field(1, tag, value)


def _amp_carriers(rec: RecordImages, type14: list[int]) -> dict[int, list[list[str]]]:
    carriers: dict[int, list[list[str]]] = {}
    for p, code in sorted(rec.absent.items()):
        slap = next((s for s in sorted(rec.slaps) if p in SLAP_FINGERS[s]), None)
        target = slap if slap is not None else (type14[0] if type14 else None)
        if target is None:
            raise RecordFormatError(f"finger {p} is declared absent but the transaction has no Type-14 record to "
                                    "carry the AMP field (store fingers or slaps as Type-14)")
        carriers.setdefault(target, []).append([str(p), code])
    return carriers


def _records(rec: RecordImages, ctx: _WriteContext) -> Iterator[Any]:
    if rec.text:
        r2 = nistitl.AsciiRecord(2)
        r2.IDC = 0
        for tag, value in sorted(rec.text.items()):
            if tag not in (1, 2):
                r2 += _field(2, tag, value)
        yield r2
    type14 = [p for p, c in sorted(rec.fingers.items()) if c.record_type == 14] + sorted(rec.slaps)
    carriers = _amp_carriers(rec, type14)
    idc, idcs = 1, {}
    for pos, cap in sorted(rec.fingers.items()):
        idcs[pos] = idc
        yield _type4_record(idc, pos, cap) if cap.record_type == 4 else _type14_record(idc, pos, cap, ctx,
                                                                                         carriers.get(pos, []))
        idc += 1
    for pos, slap in sorted(rec.slaps.items()):
        yield _type14_record(idc, pos, slap, ctx, carriers.get(pos, []))
        idc += 1
    for pos, t in sorted(rec.templates.items()):
        finger = rec.fingers.get(pos)
        yield _type9_record(idcs.get(pos, idc), pos, t, finger.impression if finger else 0)
        if pos not in idcs:
            idc += 1
    if rec.portrait is not None:
        yield _type10_record(idc, rec.portrait, ctx)
    if idc > 99:
        raise RecordFormatError("more than 99 image records: IDC values run out")


def transaction_bytes(rec: RecordImages, *, tot: str = "CAR", ori: str = "NONE", dai: str = "NONE",
                      tcn: str | None = None, date: str | None = None) -> bytes:
    """The traditional-encoding bytes of ``rec`` (see :func:`write_transaction`).

    Values in ``rec.header`` win over the keyword defaults, so a transaction read and written again keeps its
    Type-1 record. Stored images (``encoded``) are written as they are; others are encoded (fingers as their
    ``compression`` says, WSQ at 0.75 bpp by default; portraits JPEG q90 or JPEG 2000).
    """
    day = date or str(rec.header.get(5, "")) or _dt.datetime.now(_dt.UTC).strftime("%Y%m%d")
    defaults = {2: NIST_VERSION, 4: tot, 5: day, 7: dai, 8: ori, 9: tcn or f"CCCD{day}", 11: "00.00", 12: "00.00"}
    captures: list[FingerCapture | SlapCapture] = [*rec.fingers.values(), *rec.slaps.values()]
    if any(round(c.ppi) == 500 for c in captures):
        defaults[11] = defaults[12] = "19.69"  # 500 ppi in pixels per millimetre, as NSR/NTR are written
    source = rec.header.get(8, ori)
    ctx = _WriteContext(source if isinstance(source, str) else ori, str(rec.header.get(5, day)))
    msg = nistitl.Message()
    _header_record(msg, rec, defaults)
    try:
        for r in _records(rec, ctx):
            msg += r
        return bytes(msg.NIST)
    except nistitl.NistException as exc:
        raise RecordFormatError(f"cannot write the transaction: {exc}") from exc
    except UnicodeEncodeError as exc:
        raise RecordFormatError("text fields must be Latin-1 (the traditional encoding's character set)") from exc


def write_transaction(rec: RecordImages, dst: str | os.PathLike | IO[bytes] | None = None, **kwargs: Any) -> bytes:
    """Write ``rec`` as an ANSI/NIST-ITL transaction to ``dst`` (path or binary stream) and return the bytes.

    Keyword arguments are those of :func:`transaction_bytes` (``tot``, ``ori``, ``dai``, ``tcn``, ``date``).

    >>> import numpy as np
    >>> rec = RecordImages(fingers={1: FingerCapture(np.full((64, 64), 200, np.uint8), compression="NONE")})
    >>> data = write_transaction(rec, date="20260101", tcn="T1")
    >>> data[:6], read_transaction(data).fingers[1].shape
    (b'1.001:', (64, 64))
    """
    data = transaction_bytes(rec, **kwargs)
    if isinstance(dst, (str, os.PathLike)):
        Path(dst).write_bytes(data)
    elif dst is not None:
        dst.write(data)
    return data
