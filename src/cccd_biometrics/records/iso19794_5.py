"""ISO/IEC 19794-5:2005 face image records (``"FAC\\0"``, version ``"010\\0"``), with MPEG-4 feature points.

Layout (big-endian): a 14-byte general header (format identifier, version, record length (4), number of
facial images (2)); per image a 20-byte facial information block (block length (4), number of feature points
(2), gender, eye colour, hair colour (1 each), feature mask (3), expression (2), pose yaw/pitch/roll (3),
pose uncertainty (3)), 8 bytes per feature point (type (1), major/minor code in one byte, x (2), y (2),
reserved (2)), a 12-byte image information block (face image type: 0 basic, 1 full frontal, 2 token frontal;
image data type: 0 JPEG, 1 JPEG 2000; width (2), height (2), colour space (1), source type (1), device type (2),
quality (2)), then the JPEG or JPEG 2000 data.

Read: the first facial image (further ones are checked structurally and ignored). Written: one image.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import RecordFormatError
from ._codec import decode_rgb, encode_rgb
from .model import FACE_IMAGE_TYPES, MAX_RECORD_BYTES, FeaturePoint, PortraitCapture

__all__ = ["FACEMESH_FEATURE_POINTS", "feature_points_from_facemesh", "read_iso19794_5", "write_iso19794_5"]

_GENERAL = struct.Struct(">4s4sIH")
_INFO = struct.Struct(">IHBBB3s2s3s3s")
_POINT = struct.Struct(">BBHHH")
_IMAGE = struct.Struct(">BBHHBBHH")
_DATA_TYPES = ("JPEG", "JPEG2000")
_ATTRIBUTES = ("gender", "eye_colour", "hair_colour", "feature_mask", "expression", "pose", "pose_uncertainty",
               "colour_space", "source_type", "device_type", "quality")
_DEFAULTS = {"colour_space": 1, "source_type": 2}
"""Written when the portrait carries no attribute: 24-bit RGB, static digital camera; everything else 0
(unspecified)."""

FACEMESH_FEATURE_POINTS: dict[str, tuple[int, ...]] = {
    "12.1": (263, 362), "12.2": (33, 133),  # eye centres: midpoint of the corners (subject's left, right)
    "3.7": (263,), "3.11": (362,), "3.8": (33,), "3.12": (133,),  # outer, inner eye corners
    "3.1": (386,), "3.3": (374,), "3.2": (159,), "3.4": (145,),  # upper, lower eyelids
    "9.3": (1,),  # nose tip
    "8.1": (0,), "8.2": (17,), "8.3": (291,), "8.4": (61,),  # outer lip middles and mouth corners
    "2.1": (152,),  # chin
}
"""MPEG-4 feature point -> the FaceMesh (468-point) landmarks averaged for it. MPEG-4 numbers the subject's
left side with odd minor codes (on the image's right for a frontal portrait)."""


def feature_points_from_facemesh(landmarks: np.ndarray, width: int, height: int) -> tuple[FeaturePoint, ...]:
    """The 19794-5 feature points of a face from its FaceMesh landmarks ((468, 2|3) pixel coordinates).

    Points outside the ``width`` x ``height`` image are left out (the record cannot hold them).

    >>> pts = np.zeros((468, 2)) + 10
    >>> [p.code for p in feature_points_from_facemesh(pts, 100, 100)][:3]
    ['12.1', '12.2', '3.7']
    """
    p = np.asarray(landmarks, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 468 or p.shape[1] < 2 or not np.isfinite(p[:, :2]).all():
        raise RecordFormatError(f"FaceMesh landmarks must be a finite (468, 2|3) array, got {p.shape}")
    out = []
    for code, idx in FACEMESH_FEATURE_POINTS.items():
        x, y = p[list(idx), :2].mean(axis=0)
        xi, yi = round(float(x)), round(float(y))
        if 0 <= xi < width and 0 <= yi < height:
            out.append(FeaturePoint(code, xi, yi))
    return tuple(out)


@dataclass(frozen=True)
class FacRecord:
    """A parsed record's first image: its attributes, feature points, type and the encoded image."""

    attributes: dict[str, int]
    points: tuple[FeaturePoint, ...]
    image_type: str
    compression: str
    width: int
    height: int
    data: bytes


def decode_fac(data: bytes) -> FacRecord:
    """Parse a 19794-5:2005 record's structure without decoding the image.

    Raises
    ------
    RecordFormatError
        On a wrong magic/version, inconsistent lengths, a truncated block or an unknown code.
    """
    data = bytes(data)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(f"record of {len(data)} bytes exceeds the {MAX_RECORD_BYTES}-byte cap")
    if len(data) < _GENERAL.size or data[:8] != b"FAC\x00010\x00":
        raise RecordFormatError("not an ISO/IEC 19794-5:2005 face image record (FAC\\0 010\\0)")
    _, _, length, count = _GENERAL.unpack_from(data)
    if length != len(data):
        raise RecordFormatError(f"record length says {length}, the data is {len(data)} bytes")
    if count < 1:
        raise RecordFormatError("the record holds no facial image")
    pos, first = _GENERAL.size, None
    for _ in range(count):
        face, pos = _facial_image(data, pos)
        first = first or face
    if pos != len(data):
        raise RecordFormatError(f"{len(data) - pos} bytes after the last facial image")
    assert first is not None
    return first


def _facial_image(data: bytes, pos: int) -> tuple[FacRecord, int]:
    if pos + _INFO.size > len(data):
        raise RecordFormatError("truncated facial information block")
    block, npts, gender, eye, hair, mask, expr, pose, unc = _INFO.unpack_from(data, pos)
    end = pos + block
    fixed = _INFO.size + npts * _POINT.size + _IMAGE.size
    if block < fixed or end > len(data):
        raise RecordFormatError(f"facial image block of {block} bytes does not fit ({fixed} at least, "
                                f"{len(data) - pos} left)")
    p = pos + _INFO.size
    points = []
    for _ in range(npts):
        kind, code, x, y, _r = _POINT.unpack_from(data, p)
        if code >> 4 == 0:
            raise RecordFormatError(f"feature point code {code:#04x} has no major part")
        points.append(FeaturePoint(f"{code >> 4}.{code & 15}", x, y, kind))
        p += _POINT.size
    ftype, dtype, w, h, cs, src, dev, q = _IMAGE.unpack_from(data, p)
    if ftype >= len(FACE_IMAGE_TYPES) or dtype >= len(_DATA_TYPES) or w < 1 or h < 1:
        raise RecordFormatError(f"image information out of range (type {ftype}, data type {dtype}, {w}x{h})")
    attrs = {"gender": gender, "eye_colour": eye, "hair_colour": hair, "feature_mask": int.from_bytes(mask, "big"),
             "expression": int.from_bytes(expr, "big"), "pose": int.from_bytes(pose, "big"),
             "pose_uncertainty": int.from_bytes(unc, "big"), "colour_space": cs, "source_type": src,
             "device_type": dev, "quality": q}
    face = FacRecord(attrs, tuple(points), FACE_IMAGE_TYPES[ftype], _DATA_TYPES[dtype], w, h,
                     data[p + _IMAGE.size : end])
    return face, end


def _attribute_bytes(attrs: dict[str, int]) -> tuple[list[int], list[bytes]]:
    a = {**_DEFAULTS, **attrs}
    unknown = set(a) - set(_ATTRIBUTES)
    if unknown:
        raise RecordFormatError(f"unknown face attributes {sorted(unknown)}")
    try:
        small = [int(a.get(k, 0)) for k in ("gender", "eye_colour", "hair_colour", "colour_space", "source_type",
                                              "device_type", "quality")]
        wide = [int(a.get("feature_mask", 0)).to_bytes(3, "big"), int(a.get("expression", 0)).to_bytes(2, "big"),
                int(a.get("pose", 0)).to_bytes(3, "big"), int(a.get("pose_uncertainty", 0)).to_bytes(3, "big")]
    except (OverflowError, ValueError, TypeError) as exc:
        raise RecordFormatError(f"a face attribute does not fit its field: {exc}") from exc
    return small, wide


def write_iso19794_5(portrait: PortraitCapture) -> bytes:
    """A 19794-5:2005 record holding ``portrait`` (its stored bytes when it has them in its compression).

    >>> import numpy as np
    >>> rec = write_iso19794_5(PortraitCapture(np.zeros((40, 30, 3), np.uint8), image_type="token_frontal"))
    >>> rec[:8], rec[34]
    (b'FAC\\x00010\\x00', 2)
    """
    data = portrait.encoded if portrait.encoded is not None else encode_rgb(portrait.pixels, portrait.compression)
    h, w = portrait.pixels.shape[:2]
    if w > 0xFFFF or h > 0xFFFF or len(portrait.feature_points) > 0xFFFF:
        raise RecordFormatError("portrait too large for a 19794-5 record")
    (gender, eye, hair, cs, src, dev, q), (mask, expr, pose, unc) = _attribute_bytes(portrait.attributes)
    points = b"".join(_POINT.pack(p.kind, p.byte, p.x, p.y, 0) for p in portrait.feature_points)
    block = _INFO.size + len(points) + _IMAGE.size + len(data)
    try:
        info = _INFO.pack(block, len(portrait.feature_points), gender, eye, hair, mask, expr, pose, unc)
        image = _IMAGE.pack(FACE_IMAGE_TYPES.index(portrait.image_type), _DATA_TYPES.index(portrait.compression),
                            w, h, cs, src, dev, q)
    except struct.error as exc:
        raise RecordFormatError(f"a face attribute does not fit its field: {exc}") from exc
    total = _GENERAL.size + block
    return _GENERAL.pack(b"FAC\x00", b"010\x00", total, 1) + info + points + image + data


def read_iso19794_5(data: bytes) -> PortraitCapture:
    """The (first) portrait of a 19794-5:2005 record, with its feature points, image type and attributes.

    Raises
    ------
    RecordFormatError
        On any malformed record, or an image that does not decode to the declared size.
    """
    rec = decode_fac(data)
    rgb = decode_rgb(rec.data, "the face image", rec.width, rec.height)
    return PortraitCapture(rgb, rec.compression, rec.image_type, rec.points, rec.data, rec.attributes)
