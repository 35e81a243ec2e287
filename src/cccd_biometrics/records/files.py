"""Record files by kind: ANSI/NIST-ITL, ISO 19794-4/-5, DG2/DG3, or a folder of images with a manifest.

The kind follows the suffix (``.an2``/``.eft``/``.nist``/``.an``, ``.fir``, ``.fac``, ``.dg2``, ``.dg3``; a
folder or a ``manifest.json`` path for the folder form) or, for other names, the first bytes. The folder form
is read by :mod:`.manifest`.

Converting drops what the target cannot hold (a 19794-5 record holds no fingers...): :func:`write_record_file`
returns what it left out, so that the caller can say so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._shared.record_names import MANIFEST_NAME, RECORD_KIND_BY_SUFFIX, RECORD_SUFFIXES, container_of, member_path
from ..errors import CccdBiometricsError, InputNotFoundError, RecordFormatError, UnsupportedFormatError
from ..io.decode import decode_image
from .ansi_nist import read_transaction, write_transaction
from .icao_dg import read_dg2, read_dg3, write_dg2, write_dg3
from .iso19794_4 import read_iso19794_4, write_iso19794_4
from .iso19794_5 import read_iso19794_5, write_iso19794_5
from .manifest import read_manifest
from .model import (
    ABSENCE_CODES,
    FINGER_POSITIONS,
    MAX_RECORD_BYTES,
    SLAP_POSITIONS,
    FingerCapture,
    PortraitCapture,
    RecordImages,
    SlapCapture,
)

__all__ = ["KINDS", "RECORD_SUFFIXES", "container_of", "member_path", "read_folder", "read_record_file", "record_kind",
           "write_folder", "write_record_file"]

KINDS = ("ansi_nist", "iso19794_4", "iso19794_5", "dg2", "dg3", "folder")

_STORED_SUFFIX = {"WSQ": ".wsq", "PNG": ".png", "JPEG2000": ".jp2", "JPEG": ".jpg", "NONE": ".png"}


def record_kind(path: str | os.PathLike, *, for_writing: bool = False) -> str:
    """The kind of record ``path`` names (see the module docstring); content decides for unknown suffixes."""
    p = Path(path)
    if p.name == MANIFEST_NAME or p.is_dir() or (for_writing and p.suffix == "" and not p.exists()):
        return "folder"
    kind = RECORD_KIND_BY_SUFFIX.get(p.suffix.lower())
    if kind or for_writing:
        if kind is None:
            raise UnsupportedFormatError(f"cannot tell the record kind of {p.name!r} from its suffix "
                                         f"(use {', '.join(sorted(RECORD_KIND_BY_SUFFIX))} or a folder)")
        return kind
    if not p.is_file():
        raise InputNotFoundError("no such file or folder", source=str(p))
    with p.open("rb") as fh:
        head = fh.read(8)
    for magic, k in ((b"1.0", "ansi_nist"), (b"FIR\x00", "iso19794_4"), (b"FAC\x00", "iso19794_5"),
                     (b"\x75", "dg2"), (b"\x63", "dg3")):
        if head.startswith(magic):
            return k
    raise UnsupportedFormatError("not a record this library reads", source=str(p))


def _file_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise InputNotFoundError("no such file", source=str(path))
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise RecordFormatError(f"file exceeds the {MAX_RECORD_BYTES}-byte cap", source=str(path))
    return path.read_bytes()


def _fingers_and_slaps(caps: dict[int, FingerCapture]) -> RecordImages:
    fingers = {p: c for p, c in caps.items() if p in FINGER_POSITIONS}
    slaps = {p: SlapCapture(c.pixels, c.ppi, c.compression, impression=c.impression, encoded=c.encoded)
             for p, c in caps.items() if p in SLAP_POSITIONS}
    return RecordImages(fingers=fingers, slaps=slaps)


def read_record_file(path: str | os.PathLike) -> RecordImages:
    """Read any record kind this package knows into a :class:`RecordImages`.

    Raises
    ------
    InputNotFoundError, UnsupportedFormatError, RecordFormatError
    """
    p = Path(path)
    kind = record_kind(p)
    if kind == "folder":
        return read_folder(p)  # the folder or its manifest
    data = _file_bytes(p)
    try:
        if kind == "ansi_nist":
            return read_transaction(data)
        if kind == "iso19794_4":
            return _fingers_and_slaps(read_iso19794_4(data))
        if kind == "iso19794_5":
            return RecordImages(portrait=read_iso19794_5(data))
        if kind == "dg2":
            return RecordImages(portrait=read_dg2(data)[0])
        return _fingers_and_slaps(read_dg3(data))
    except RecordFormatError as exc:
        raise RecordFormatError(str(exc), source=str(p)) from exc


def write_record_file(rec: RecordImages, path: str | os.PathLike, **kwargs: Any) -> list[str]:
    """Write ``rec`` as the kind ``path`` names; return what that kind could not hold (empty when nothing).

    ``kwargs`` go to :func:`~.ansi_nist.write_transaction` for ANSI/NIST-ITL files; ``fir_edition`` (``"2005"``
    or ``"2011"``) chooses the 19794-4 edition of ``.fir`` files.
    """
    fir_edition = kwargs.pop("fir_edition", "2005")
    p = Path(path)
    kind = record_kind(p, for_writing=True)
    dropped = []
    if kind == "ansi_nist":
        write_transaction(rec, p, **kwargs)
        return []
    if kind == "folder":
        write_folder(rec, p.parent if p.name == MANIFEST_NAME else p)
        lost = [f"{len(rec.templates)} minutiae templates" if rec.templates else "",
                "Type-2 text" if rec.text else "",
                "slap segments" if any(s.segments for s in rec.slaps.values()) else "",
                "quality scores" if any(c.quality for c in rec.fingers.values())
                or any(s.quality for s in rec.slaps.values()) else ""]
        return [d for d in lost if d]
    if kind in ("iso19794_5", "dg2"):
        if rec.portrait is None:
            raise RecordFormatError(f"the record has no portrait to write as {kind}")
        p.write_bytes(write_iso19794_5(rec.portrait) if kind == "iso19794_5" else write_dg2(rec.portrait))
        dropped = [f"{len(rec.fingers)} fingers", f"{len(rec.slaps)} slaps", f"{len(rec.absent)} absences"]
    else:
        caps: dict[int, FingerCapture | SlapCapture] = dict(rec.fingers)
        if kind == "iso19794_4":
            caps.update(rec.slaps)
        if not caps:
            raise RecordFormatError(f"the record has no finger image to write as {kind}")
        p.write_bytes(write_iso19794_4(caps, version=fir_edition) if kind == "iso19794_4" else write_dg3(rec.fingers))
        dropped = ["the portrait" if rec.portrait is not None else "", f"{len(rec.absent)} absences",
                   f"{len(rec.slaps)} slaps" if kind == "dg3" else "slap segments"
                   if any(s.segments for s in rec.slaps.values()) else ""]
    dropped.append(f"{len(rec.templates)} minutiae templates" if rec.templates else "")
    return [d for d in dropped if d and not d.startswith("0 ")]


# ------------------------------------------------------------------------------------------- folder form


def _load_gray(path: Path, default_ppi: float | None) -> tuple[np.ndarray, float, str, bytes | None]:
    data = _file_bytes(path)
    im = decode_image(data).image
    fmt = (im.format or "").upper()
    dpi = im.info.get("dpi", (0, 0))[0] if isinstance(im.info.get("dpi"), tuple) else 0
    plausible = fmt != "WSQ" and 250 <= float(dpi or 0) <= 2000
    ppi = float(round(dpi)) if plausible else (default_ppi or 500.0)
    pixels = np.asarray(im.convert("L"), dtype=np.uint8)
    if fmt == "WSQ":
        return pixels, ppi, "WSQ", data
    return pixels, ppi, "WSQ", None  # other formats are stored as WSQ, the finger archive format


def _load_portrait(path: Path) -> PortraitCapture:
    data = _file_bytes(path)
    im = decode_image(data).image
    fmt = (im.format or "").upper()
    rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    if fmt in ("JPEG", "MPO"):
        return PortraitCapture(rgb, "JPEG", encoded=data if fmt == "JPEG" else None)
    if fmt == "JPEG2000":
        return PortraitCapture(rgb, "JPEG2000", encoded=data)
    return PortraitCapture(rgb, "JPEG")


def read_folder(folder: str | os.PathLike) -> RecordImages:
    """Read a record folder or its manifest (:mod:`cccd_biometrics.records.manifest`) into a :class:`RecordImages`.

    Finger and slap files in any format the library reads; WSQ files are kept as they are, others will be
    stored as WSQ; resolution from the file's metadata when plausible (250-2000 ppi), else the manifest's
    ``ppi``, else 500 ppi.
    """
    m = read_manifest(folder)
    try:
        fingers = {}
        for p, f in m.fingers.items():
            px, ppi, comp, enc = _load_gray(f, m.ppi)
            fingers[p] = FingerCapture(px, ppi, comp, encoded=enc)
        slaps = {}
        for p, f in m.slaps.items():
            px, ppi, comp, enc = _load_gray(f, m.ppi)
            slaps[p] = SlapCapture(px, ppi, comp, encoded=enc)
        return RecordImages(fingers=fingers, slaps=slaps, absent=m.absent,
                            portrait=_load_portrait(m.portrait) if m.portrait else None)
    except CccdBiometricsError as exc:
        if isinstance(exc, (InputNotFoundError, RecordFormatError)):
            raise
        raise RecordFormatError(str(exc), source=str(m.folder)) from exc


def _stored_bytes(cap: FingerCapture | SlapCapture) -> tuple[bytes, str]:
    from ._codec import encode_gray

    if cap.encoded is not None and cap.compression != "NONE":
        return cap.encoded, _STORED_SUFFIX[cap.compression]
    return encode_gray(cap.pixels, "PNG", cap.ppi), ".png"


def write_folder(rec: RecordImages, folder: str | os.PathLike) -> Path:
    """Write ``rec`` as image files and a ``manifest.json`` in ``folder`` (created if missing).

    Stored images are written as they are (WSQ stays WSQ, JPEG stays JPEG); others as PNG (fingers) or
    JPEG (portraits). Returns the manifest path.
    """
    from ._codec import encode_rgb

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"fingers": {}, "slaps": {}, "absent": {}, "portrait": None}
    groups: list[tuple[str, list[tuple[int, FingerCapture | SlapCapture]], str]] = [
        ("fingers", sorted(rec.fingers.items()), "finger"), ("slaps", sorted(rec.slaps.items()), "slap")]
    for key, caps, stem in groups:
        for p, cap in caps:
            data, suffix = _stored_bytes(cap)
            name = f"{stem}_{p:02d}{suffix}"
            (root / name).write_bytes(data)
            manifest[key][str(p)] = name
    manifest["absent"] = {str(p): ABSENCE_CODES[c] for p, c in sorted(rec.absent.items())}
    if rec.portrait is not None:
        c = rec.portrait
        data = c.encoded if c.encoded is not None else encode_rgb(c.pixels, c.compression)
        name = "portrait" + _STORED_SUFFIX[c.compression]
        (root / name).write_bytes(data)
        manifest["portrait"] = name
    out = root / MANIFEST_NAME
    out.write_text(json.dumps(manifest, indent=2) + "\n")
    return out
