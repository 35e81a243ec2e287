"""One capture in, one result row out: the unit of work of ``cccd-bio check`` and of batch runs.

:func:`check_path` never raises on bad input: a file that cannot be read becomes a row whose ``error``
says why, so a run over thousands of files goes on.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from .._shared.jsonsafe import json_safe
from .._shared.record_names import MANIFEST_NAME, RECORD_SUFFIXES, member_path
from ..errors import CccdBiometricsError
from ..face.capture import portrait_from_decoded
from ..face.detect import detect_faces
from ..face.icao import check_portrait, get_profile
from ..findings import CODES
from ..fingerprint.capture import fingerprint_from_decoded, load_fingerprint
from ..fingerprint.params import DEFAULT_QUALITY_THRESHOLDS
from ..fingerprint.quality.score import assess_fingerprint
from ..fingerprint.slap import segment_slap
from ..images import FingerImage, Portrait
from ..io.decode import decode_image
from ..records.files import read_record_file

__all__ = ["KINDS", "CheckRow", "check_parameters", "check_path", "check_record_file", "guess_kind", "is_record_file"]

KINDS = ("auto", "fingerprint", "portrait")

PORTRAIT_PROFILE = "cccd"
"""Requirement profile ``cccd-bio check`` applies to portraits (the chip-card portrait rules)."""


def check_parameters() -> dict[str, Any]:
    """The parameters :func:`check_path` applies (JSON-safe), for report and result metadata.

    Examples
    --------
    >>> sorted(check_parameters())
    ['fingerprint_quality_thresholds', 'portrait_profile']
    """
    return {"fingerprint_quality_thresholds": DEFAULT_QUALITY_THRESHOLDS.to_dict(),
            "portrait_profile": get_profile(PORTRAIT_PROFILE).to_dict()}

ROW_STATUSES = ("ok", "flagged", "error")


@dataclass(frozen=True)
class CheckRow:
    """The outcome of checking one input file (JSON-safe through :meth:`to_dict`).

    Attributes
    ----------
    path:
        The input exactly as it was given or found (the identity of the input in batch runs).
    kind:
        ``"fingerprint"`` or ``"portrait"`` (``None`` when the file could not be read far enough to tell).
    status:
        ``"ok"`` (passed), ``"flagged"`` (a check failed) or ``"error"`` (the file could not be checked).
    size_bytes:
        Size of the file on disk (``None`` if it could not be read).
    score:
        Quality score 0-100 of a fingerprint (``None`` until a quality check provides it).
    compliant:
        ICAO compliance of a portrait (``None`` until a portrait check provides it).
    codes, findings:
        The :class:`~cccd_biometrics.findings.Finding` codes, and the findings as dictionaries.
    seconds:
        Wall time spent checking this file.
    """

    path: str
    kind: str | None = None
    status: str = "ok"
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    ppi: float | None = None
    score: float | None = None
    compliant: bool | None = None
    flagged: bool | None = None
    codes: tuple[str, ...] = ()
    findings: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    error_type: str | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
            "size_bytes": self.size_bytes,
            "width": self.width,
            "height": self.height,
            "ppi": json_safe(self.ppi),
            "score": json_safe(self.score),
            "compliant": self.compliant,
            "flagged": self.flagged,
            "codes": list(self.codes),
            "findings": [json_safe(f) for f in self.findings],
            "error": self.error,
            "error_type": self.error_type,
            "seconds": round(self.seconds, 6),
            "details": json_safe(self.details),
        }


def guess_kind(rgb_or_gray: np.ndarray) -> str:
    """``"portrait"`` for colour images, ``"fingerprint"`` for grey ones.

    Fingerprint sensors produce grey images (some store them as RGB with equal channels); portraits are
    colour. The mean chroma of a small sample separates the two. (:func:`check_path` goes one step further:
    a grey image in which the fingerprint check finds no finger but the face detector finds a face is checked
    as a portrait.)
    """
    a = rgb_or_gray
    if a.ndim == 2 or a.shape[2] == 1:
        return "fingerprint"
    sample = a[:: max(1, a.shape[0] // 128), :: max(1, a.shape[1] // 128), :3].astype(np.int16)
    chroma = np.abs(sample[:, :, 0] - sample[:, :, 1]) + np.abs(sample[:, :, 1] - sample[:, :, 2])
    return "portrait" if float(chroma.mean()) > 6.0 else "fingerprint"


def _detect_kind(im: Any) -> str:
    if im.mode in ("L", "I;16", "I;16B", "I;16L", "I", "F", "1", "LA"):
        return "fingerprint"
    small = im.convert("RGB")
    small.thumbnail((128, 128), Image.Resampling.NEAREST)
    return guess_kind(np.asarray(small))


NO_FINGER_CODE = CODES["FINGER_NO_FINGER"].code


def _holds_face(im: Any) -> bool:
    """Whether the face detector finds a face: a grey image without ridges may be a black-and-white portrait.

    Only asked of grey images in which the fingerprint check found no finger, so real prints never pay for it.
    """
    return bool(detect_faces(np.ascontiguousarray(np.asarray(im.convert("RGB")))))


def _check_fingerprint(im: Any, name: str, ppi: float | None) -> dict[str, Any]:
    return _fingerprint_fields(fingerprint_from_decoded(im, name, ppi))


def _fingerprint_fields(img: FingerImage) -> dict[str, Any]:
    info = img.to_dict()
    quality = assess_fingerprint(img)
    return {
        "width": info["width"],
        "height": info["height"],
        "ppi": info["ppi"],
        "score": round(float(quality.score), 2),
        "flagged": quality.hard_to_read,
        "codes": quality.codes,
        "details": {"ppi_source": img.ppi_source, "format": img.format,
                    "findings": [f.to_dict() for f in quality.findings]},
    }


def _check_portrait(im: Any, name: str) -> dict[str, Any]:
    return _portrait_fields(portrait_from_decoded(im, name))


def _portrait_fields(p: Portrait) -> dict[str, Any]:
    report = check_portrait(p, profile=PORTRAIT_PROFILE)
    details: dict[str, Any] = {"format": p.format, "profile": report.profile, "compliant": report.compliant,
                               "faces": report.faces, "findings": [f.to_dict() for f in report.findings]}
    if report.geometry is not None:
        g = report.geometry
        details.update(inter_eye_distance=round(g.inter_eye_distance, 1), yaw=round(g.yaw, 1),
                       pitch=round(g.pitch, 1), roll=round(g.roll, 1))
    return {
        "width": p.shape[1],
        "height": p.shape[0],
        "score": None if report.score is None else round(report.score, 1),
        "flagged": not report.compliant,
        "codes": report.codes,
        "details": details,
    }


def _finding_dict(finding: Any) -> dict[str, Any]:
    return finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)


def _row_from_fields(path: str, kind: str, size: int | None, seconds: float, fields: dict[str, Any]) -> CheckRow:
    """Build the row of a completed check from the fields the per-kind check returned."""
    fields = dict(fields)
    details = dict(fields.pop("details", None) or {})
    for key in ("findings", "compliant"):  # the per-kind checks may report these among their details
        if key not in fields and key in details:
            fields[key] = details.pop(key)
    findings = tuple(_finding_dict(f) for f in fields.pop("findings", ()) or ())
    codes = tuple(fields.pop("codes", ()) or (f["code"] for f in findings))
    compliant = fields.pop("compliant", None)
    flagged = fields.pop("flagged", None)
    if flagged is None:
        # a check that reports compliance or error-severity findings but no explicit flag still flags
        flagged = compliant is False or any(f.get("severity") == "error" for f in findings)
    known = CheckRow.__dataclass_fields__
    extra = {k: fields.pop(k) for k in list(fields) if k not in known or k in ("path", "kind", "status")}
    details = {**details, **extra}
    return CheckRow(
        path=path,
        kind=kind,
        status="flagged" if flagged else "ok",
        size_bytes=size,
        compliant=None if compliant is None else bool(compliant),
        flagged=bool(flagged),
        codes=codes,
        findings=findings,
        seconds=seconds,
        details=details,
        **fields,
    )


def _error_row(path: str, kind: str | None, size: int | None, t0: float, exc: BaseException) -> CheckRow:
    if isinstance(exc, CccdBiometricsError):
        message, error_type = str(exc), type(exc).__name__
    elif isinstance(exc, MemoryError):
        message, error_type = f"{path}: out of memory", "MemoryError"
    else:
        # a bug in a check must not end a run over millions of files: the row says what broke, once
        message, error_type = f"{path}: internal error in the check: {type(exc).__name__}: {exc}", "InternalError"
    return CheckRow(path=path, kind=kind, status="error", size_bytes=size, error=message,
                    error_type=error_type, seconds=time.perf_counter() - t0)


def _file_size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return None


def check_path(path: str | os.PathLike, *, kind: str = "auto", ppi: float | None = None) -> CheckRow:
    """Check one file and return its row; errors become rows, never exceptions.

    Parameters
    ----------
    path:
        The file to check.
    kind:
        ``"auto"`` (detect fingerprint or portrait from the content), ``"fingerprint"`` or ``"portrait"``.
    ppi:
        Fingerprint resolution, overriding the file's metadata.

    Returns
    -------
    CheckRow
        ``status`` is ``"error"`` with ``error`` and ``error_type`` set when the file cannot be checked
        (missing, unreadable, corrupt, or a failure inside a check).

    Examples
    --------
    >>> row = check_path("sample_data/fingerprints/synthetic/dry_2027_1.png")
    >>> row.kind, row.status, row.codes
    ('fingerprint', 'flagged', ('FINGER_TOO_DRY',))
    """
    p = os.fspath(path)
    t0 = time.perf_counter()
    size = _file_size(p)
    resolved: str | None = None if kind == "auto" else kind
    try:
        decoded = decode_image(p)  # decoded once, whatever the kind
        im, name = decoded.image, decoded.source
        detected = resolved is None
        if resolved is None:
            resolved = _detect_kind(im)
        fields = _check_fingerprint(im, name, ppi) if resolved == "fingerprint" else _check_portrait(im, name)
        if detected and resolved == "fingerprint" and NO_FINGER_CODE in fields["codes"] and _holds_face(im):
            resolved, fields = "portrait", _check_portrait(im, name)
        return _row_from_fields(p, resolved, size, time.perf_counter() - t0, fields)
    except Exception as exc:  # typed library errors, MemoryError, and anything a check did not foresee
        return _error_row(p, resolved, size, t0, exc)


def is_record_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a record: a standard record file (ANSI/NIST-ITL, ISO/IEC 19794-4/-5, ICAO DG2/DG3) by
    its suffix, or a record folder's ``manifest.json``."""
    p = os.fspath(path)
    return os.path.basename(p) == MANIFEST_NAME or os.path.splitext(p)[1].lower() in RECORD_SUFFIXES


def check_record_file(path: str | os.PathLike, *, ppi: float | None = None) -> list[CheckRow]:
    """Check every image a record carries: one row per finger, slap and portrait.

    ``path`` is a standard record file or a record folder's ``manifest.json``
    (:mod:`cccd_biometrics.records.manifest`). Rows are named ``RECORD#finger-NN``, ``RECORD#slap-NN`` and
    ``RECORD#portrait`` (:func:`cccd_biometrics._shared.record_names.member_path`), so a resumed run knows the
    record is done. Fingers are assessed at the resolution their record declares (``ppi`` overrides it); a slap
    row says how many fingers :func:`~cccd_biometrics.fingerprint.slap.segment_slap` found; a record that cannot
    be read is one error row.

    Examples
    --------
    >>> rows = check_record_file("sample_data/records/example_tenprint.an2")
    >>> [r.path.split("#")[1] for r in rows][:2], rows[-1].kind
    (['finger-01', 'finger-02'], 'portrait')
    """
    p = os.fspath(path)
    t0 = time.perf_counter()
    try:
        record = read_record_file(p)
    except Exception as exc:  # typed record errors, and anything the reader did not foresee
        return [_error_row(p, None, _file_size(p), t0, exc)]
    rows = []
    for pos, finger in sorted(record.fingers.items()):
        rows.append(_member_row(member_path(p, f"finger-{pos:02d}"), "fingerprint",
                                lambda f=finger: _fingerprint_fields(load_fingerprint(f.pixels, ppi=ppi or f.ppi))))
    for pos, slap in sorted(record.slaps.items()):
        rows.append(_member_row(member_path(p, f"slap-{pos}"), "slap",
                                lambda s=slap, pos=pos: _slap_fields(s.pixels, pos, ppi or s.ppi, record.absent)))
    if record.portrait is not None:
        rows.append(_member_row(member_path(p, "portrait"), "portrait",
                                lambda: _portrait_fields(Portrait(pixels=record.portrait.pixels, source=p))))
    return rows


def _member_row(path: str, kind: str, fields: Any) -> CheckRow:
    t0 = time.perf_counter()
    try:
        checked = fields()
        return _row_from_fields(path, kind, None, time.perf_counter() - t0, checked)
    except Exception as exc:  # one bad image of a record is its row; the other images are still checked
        return _error_row(path, kind, None, t0, exc)


def _slap_fields(pixels: np.ndarray, position: int, ppi: float, absent: Any) -> dict[str, Any]:
    seg = segment_slap(pixels, position, ppi=ppi, absent=tuple(absent))
    # codes and the flag follow from the findings (_row_from_fields), as for the other kinds
    return {"width": int(pixels.shape[1]), "height": int(pixels.shape[0]), "ppi": float(ppi),
            "details": {"found": len(seg.segments), "expected": seg.expected,
                        "findings": [f.to_dict() for f in seg.findings]}}
