"""Byte codecs for :class:`~cccd_biometrics.fingerprint.template.types.Template`.

Formats (names accepted by ``Template.to_bytes`` / ``Template.from_bytes``):

``"iso"`` (alias ``"iso19794-2"``)
    ISO/IEC 19794-2:2005 finger minutiae record: ``"FMR\\0"``, version ``" 20\\0"``, 4-byte record length,
    24-byte header, 4-byte finger-view header, 6 bytes per minutia (2-bit type, 14-bit x, 2 reserved bits, 14-bit
    y, angle in units of 360/256 degrees counter-clockwise from the x axis, quality), then a 2-byte extended data
    block length and the block. Multi-byte values are big-endian.
``"ansi"`` (alias ``"ansi378"``)
    ANSI INCITS 378-2004: the same magic and version, a 2-byte record length (or ``0`` followed by a 4-byte one),
    a 4-byte CBEFF product identifier, then the same layout as ISO except that angles are in units of 2 degrees.
``"xyt"``
    NIST text format read by BOZORTH3, in the convention MINDTCT writes (NBIS ``lfs2nist_minutia_XYT``): one
    ``x y theta quality`` line per minutia, integer pixels with the origin at the BOTTOM-left (``y_xyt = height -
    y``), ``theta`` in degrees counter-clockwise with ``theta_xyt = (angle_iso + 180) mod 360`` (NBIS's own
    ANSI/ISO conversion, ``lfs2m1_minutia_XYT``, differs from it by exactly 180 degrees). Reading needs
    ``height=``: the file does not carry it.
``"json"``
    ``Template.to_dict()`` plus the record metadata, exact (floats written with ``repr`` precision).

Everything of an ISO/ANSI record that :class:`Template` has no field for (capture equipment, reserved bytes,
view number, impression type, extended data, further finger views, reserved minutia bits) is kept in
``Template.metadata`` as JSON-safe values, so a record decodes and re-encodes byte-identically. The decoders
check every length against the data before reading it: any byte string yields a Template or a
:class:`~cccd_biometrics.errors.TemplateFormatError`, and nothing is allocated beyond the input's own size.
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import TYPE_CHECKING, Any

from ..._shared.binary import BoundedReader
from ...errors import TemplateFormatError
from .minutia import MINUTIA_KINDS, Minutia

if TYPE_CHECKING:
    from .types import Template

__all__ = ["FORMATS", "decode", "detect_format", "encode", "normalise_format"]

FORMATS = ("iso", "ansi", "xyt", "json")
_ALIASES = {
    "iso": "iso", "iso19794-2": "iso", "iso19794": "iso", "fmr": "iso",
    "ansi": "ansi", "ansi378": "ansi", "incits378": "ansi",
    "xyt": "xyt", "nist": "xyt",
    "json": "json",
}
_MAGIC = b"FMR\x00 20\x00"
_TYPE_CODES = {"other": 0, "ending": 1, "bifurcation": 2}
_TYPE_NAMES = {v: k for k, v in _TYPE_CODES.items()}
_MAX_COORD = (1 << 14) - 1
_JSON_MAX_BYTES = 8 << 20
_XYT_MAX_BYTES = 4 << 20
_XYT_LINE = re.compile(rb"^[ \t]*(-?\d{1,9})[ \t]+(-?\d{1,9})[ \t]+(-?\d{1,9})(?:[ \t]+(-?\d{1,9}))?[ \t\r]*$")


def normalise_format(fmt: str) -> str:
    """Canonical format name (``iso``, ``ansi``, ``xyt``, ``json``) for ``fmt`` or one of its aliases."""
    key = str(fmt).strip().lower().replace("_", "-")
    if key not in _ALIASES:
        raise TemplateFormatError(f"unknown template format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return _ALIASES[key]


def detect_format(data: bytes) -> str:
    """Guess the format of ``data`` from its content (record lengths disambiguate ISO from ANSI)."""
    if data[:8] == _MAGIC:
        n = len(data)
        if len(data) >= 12 and struct.unpack_from(">I", data, 8)[0] == n:
            return "iso"
        if len(data) >= 10:
            short = struct.unpack_from(">H", data, 8)[0]
            if short == n or (short == 0 and len(data) >= 14 and struct.unpack_from(">I", data, 10)[0] == n):
                return "ansi"
        raise TemplateFormatError("FMR record whose length field matches neither ISO/IEC 19794-2 nor ANSI 378")
    head = data[:64].lstrip()
    if head[:1] == b"{":
        return "json"
    if not head or _XYT_LINE.match(head.split(b"\n", 1)[0].rstrip(b"\r")):
        return "xyt"
    raise TemplateFormatError("unrecognised template format")


# --------------------------------------------------------------------------------------------- FMR (ISO / ANSI)

def _reader(data: bytes, what: str) -> BoundedReader:
    """The shared bounded reader; every read past the end is a TemplateFormatError."""
    return BoundedReader(data, lambda r, n: TemplateFormatError(f"{what} record truncated at byte {r.pos} "
                                                                 f"(needs {n} more)"))


def _decode_fmr(data: bytes, fmt: str) -> dict[str, Any]:
    what = "ISO/IEC 19794-2" if fmt == "iso" else "ANSI INCITS 378"
    r = _reader(data, what)
    if r.take(8) != _MAGIC:
        raise TemplateFormatError(f"not an {what} finger minutiae record (bad magic or version)")
    meta: dict[str, Any] = {"record_format": fmt}
    if fmt == "iso":
        length = r.u32()
    else:
        length = r.u16()
        if length == 0:
            length = r.u32()
            meta["long_length"] = True
        meta["cbeff_product"] = r.u32()
    if length != len(data):
        raise TemplateFormatError(f"{what} record length field says {length} bytes, data has {len(data)}")
    meta["capture_equipment"] = r.u16()
    width, height, x_res, y_res = r.u16(), r.u16(), r.u16(), r.u16()
    n_views = r.u8()
    meta["header_reserved"] = r.u8()
    if x_res == 0:
        raise TemplateFormatError(f"{what} record with zero horizontal resolution")
    if y_res != x_res:
        meta["y_res"] = y_res
    if n_views == 0:
        raise TemplateFormatError(f"{what} record with no finger view")
    view = _decode_view(r, fmt)
    extra = [_view_bytes(r, fmt).hex() for _ in range(n_views - 1)]
    if r.pos != len(data):
        raise TemplateFormatError(f"{what} record has {len(data) - r.pos} unexplained trailing bytes")
    if extra:
        meta["extra_views"] = extra
    meta.update(view["meta"])
    return dict(minutiae=view["minutiae"], width=width, height=height, ppi=_ppi_from_px_per_cm(x_res),
                    quality=view["quality"], finger_position=view["position"], metadata=meta)


def _decode_view(r: BoundedReader, fmt: str) -> dict[str, Any]:
    position, view_imp, quality, count = r.u8(), r.u8(), r.u8(), r.u8()
    minutiae, reserved_bits = [], []
    for _ in range(count):
        xw, yw, a, q = r.u16(), r.u16(), r.u8(), r.u8()
        kind = _TYPE_NAMES.get(xw >> 14)
        if kind is None:
            raise TemplateFormatError("minutia of reserved type 3")
        if fmt == "iso":
            angle = a * 360.0 / 256.0
        else:
            if a > 179:
                raise TemplateFormatError(f"ANSI 378 minutia angle code {a} out of range 0-179")
            angle = 2.0 * a
        minutiae.append(Minutia(float(xw & _MAX_COORD), float(yw & _MAX_COORD), angle, kind, q))
        reserved_bits.append(yw >> 14)
    ext_len = r.u16()
    meta: dict[str, Any] = {"view_number": view_imp >> 4, "impression_type": view_imp & 0x0F}
    if ext_len:
        meta["extended_data"] = r.take(ext_len).hex()
    if any(reserved_bits):
        meta["minutia_reserved_bits"] = reserved_bits
    return {"minutiae": tuple(minutiae), "quality": quality, "position": position, "meta": meta}


def _view_bytes(r: BoundedReader, fmt: str) -> bytes:
    start = r.pos
    _decode_view(r, fmt)
    return r.data[start:r.pos]


def _encode_fmr(t: Template, fmt: str) -> bytes:
    meta = t.metadata if t.metadata.get("record_format") in (None, fmt) else _portable(t.metadata)
    x_res = _iround(float(t.ppi) / 2.54)
    y_res = int(meta.get("y_res", x_res))
    extra = [bytes.fromhex(v) for v in meta.get("extra_views", ())]
    view = _encode_view(t, fmt, meta)
    header = struct.pack(">HHHHHBB", int(meta.get("capture_equipment", 0)), _u16(t.width, "width"),
                         _u16(t.height, "height"), _u16(x_res, "resolution"), _u16(y_res, "resolution"),
                         1 + len(extra), int(meta.get("header_reserved", 0)))
    body = header + view + b"".join(extra)
    if fmt == "iso":
        return _MAGIC + struct.pack(">I", 12 + len(body)) + body
    product = struct.pack(">I", int(meta.get("cbeff_product", 0)))
    total = 8 + 2 + 4 + len(body)
    if total <= 0xFFFF and not meta.get("long_length"):
        return _MAGIC + struct.pack(">H", total) + product + body
    return _MAGIC + struct.pack(">HI", 0, total + 4) + product + body


def _encode_view(t: Template, fmt: str, meta: dict[str, Any]) -> bytes:
    if len(t.minutiae) > 255:
        raise TemplateFormatError(f"{len(t.minutiae)} minutiae: the format holds at most 255 per finger view")
    reserved = list(meta.get("minutia_reserved_bits", ())) or [0] * len(t.minutiae)
    if len(reserved) != len(t.minutiae):
        reserved = [0] * len(t.minutiae)
    quality = 0 if t.quality is None else int(t.quality)
    out = bytearray(struct.pack(">BBBB", int(t.finger_position), (int(meta.get("view_number", 0)) << 4)
                                | int(meta.get("impression_type", 0)), quality, len(t.minutiae)))
    for m, res in zip(t.minutiae, reserved, strict=True):
        x, y = _iround(m.x), _iround(m.y)
        if not (0 <= x <= _MAX_COORD and 0 <= y <= _MAX_COORD):
            raise TemplateFormatError(f"minutia at ({m.x}, {m.y}) outside the format's 14-bit coordinate range")
        a = _iround(m.angle * 256.0 / 360.0) % 256 if fmt == "iso" else _iround(m.angle / 2.0) % 180
        out += struct.pack(">HHBB", (_TYPE_CODES.get(m.kind, 0) << 14) | x, (int(res) << 14) | y, a,
                           max(0, min(255, int(m.quality))))
    ext = bytes.fromhex(meta.get("extended_data", ""))
    return bytes(out) + struct.pack(">H", len(ext)) + ext


def _portable(meta: dict[str, Any]) -> dict[str, Any]:
    """The metadata that means the same in ISO and ANSI records (views and extended data are format-specific)."""
    keep = ("capture_equipment", "header_reserved", "y_res", "view_number", "impression_type")
    return {k: meta[k] for k in keep if k in meta}


def _iround(v: float) -> int:
    """Round half up to an int; a non-finite value is a TemplateFormatError (it has no encoding)."""
    f = float(v)
    if not math.isfinite(f):
        raise TemplateFormatError("non-finite value in template")
    return math.floor(f + 0.5)


def _ppi_from_px_per_cm(res: int) -> float:
    """The resolution in ppi that a px/cm field stands for: a round figure (multiple of 50) when one encodes to
    ``res``, else the nearest integer ppi (both re-encode to ``res`` exactly)."""
    nearest = round(res * 2.54)
    for candidate in (50 * round(nearest / 50), nearest):
        if round(candidate / 2.54) == res:
            return float(candidate)
    return float(nearest)


def _u16(value: float, what: str) -> int:
    v = int(value)
    if not 0 <= v <= 0xFFFF:
        raise TemplateFormatError(f"{what} {value} does not fit the format's 16-bit field")
    return v


# --------------------------------------------------------------------------------------------------------- xyt

def _decode_xyt(data: bytes, width: int | None, height: int | None, ppi: float) -> dict[str, Any]:
    if len(data) > _XYT_MAX_BYTES:
        raise TemplateFormatError("xyt data larger than 4 MiB")
    if height is None:
        raise TemplateFormatError("reading .xyt needs height= (the format's origin is the bottom-left corner)")
    minutiae = []
    for line in data.splitlines():
        if not line.strip():
            continue
        match = _XYT_LINE.match(line)
        if match is None:
            raise TemplateFormatError("xyt line is not 'x y theta [quality]' integers")
        x, y, theta = (int(g) for g in match.groups()[:3])
        q = int(match.group(4)) if match.group(4) is not None else 100
        minutiae.append(Minutia(float(x), float(height - y), float((theta + 180) % 360), "other", q))
    return dict(minutiae=tuple(minutiae), width=int(width or 0), height=int(height), ppi=float(ppi),
                    metadata={"record_format": "xyt"})


def _encode_xyt(t: Template) -> bytes:
    lines = [f"{_iround(m.x)} {_iround(t.height - m.y)} {_iround(m.angle + 180.0) % 360} {int(m.quality)}\n"
             for m in t.minutiae]
    return "".join(lines).encode("ascii")


# -------------------------------------------------------------------------------------------------------- JSON

def _encode_json(t: Template) -> bytes:
    d = t.to_dict()
    d["format"] = "cccd_biometrics.template/1"
    d["metadata"] = t.metadata
    return json.dumps(d, allow_nan=False, sort_keys=True).encode("utf-8")


def _decode_json(data: bytes) -> dict[str, Any]:
    if len(data) > _JSON_MAX_BYTES:
        raise TemplateFormatError("JSON template larger than 8 MiB")
    try:
        d = json.loads(data.decode("utf-8"))
        if not isinstance(d, dict) or not isinstance(d.get("minutiae"), list):
            raise TemplateFormatError("JSON template without a 'minutiae' list")
        minutiae = []
        for m in d["minutiae"]:
            kind = m.get("kind", "other")
            if kind not in MINUTIA_KINDS:
                raise TemplateFormatError(f"unknown minutia kind {kind!r}")
            minutiae.append(Minutia(_finite(m["x"]), _finite(m["y"]), _finite(m["angle"]) % 360.0, kind,
                                    int(m.get("quality", 100))))
        quality = d.get("quality")
        meta = d.get("metadata") or {}
        if not isinstance(meta, dict):
            raise TemplateFormatError("JSON template metadata is not an object")
        return dict(minutiae=tuple(minutiae), width=int(d["width"]), height=int(d["height"]),
                        ppi=_finite(d.get("ppi", 500.0)), quality=None if quality is None else int(quality),
                        finger_position=int(d.get("finger_position", 0)), metadata=meta)
    except TemplateFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
        raise TemplateFormatError(f"malformed JSON template ({type(exc).__name__})") from None


def _finite(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TemplateFormatError("JSON template number expected")
    f = float(v)
    if not math.isfinite(f):
        raise TemplateFormatError("JSON template holds a non-finite number")
    return f


# ------------------------------------------------------------------------------------------------------ public

def encode(t: Template, fmt: str) -> bytes:
    """Serialise ``t`` in format ``fmt`` (see the module docstring); a template that does not fit the format
    raises :class:`~cccd_biometrics.errors.TemplateFormatError`."""
    fmt = normalise_format(fmt)
    try:
        if fmt in ("iso", "ansi"):
            return _encode_fmr(t, fmt)
        if fmt == "xyt":
            return _encode_xyt(t)
        return _encode_json(t)
    except TemplateFormatError:
        raise
    except (ValueError, TypeError, OverflowError, struct.error) as exc:
        # e.g. metadata or values that do not fit the format's fields
        raise TemplateFormatError(f"template does not fit the {fmt} format ({exc})") from None


def decode(data: bytes, fmt: str | None = None, *, width: int | None = None, height: int | None = None,
           ppi: float = 500.0) -> dict[str, Any]:
    """Parse ``data`` (format auto-detected when ``fmt`` is None) into the keyword arguments of a
    :class:`~cccd_biometrics.fingerprint.template.types.Template` (``Template.from_bytes`` builds it).
    ``width``/``height``/``ppi`` are only used by ``.xyt``, which does not carry them."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TemplateFormatError(f"template data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    fmt = detect_format(data) if fmt is None else normalise_format(fmt)
    if fmt in ("iso", "ansi"):
        return _decode_fmr(data, fmt)
    if fmt == "xyt":
        return _decode_xyt(data, width, height, ppi)
    return _decode_json(data)
