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

from .errors import CccdBiometricsError
from .findings import json_safe

__all__ = ["KINDS", "CheckRow", "check_path", "guess_kind"]

KINDS = ("auto", "fingerprint", "portrait")

PORTRAIT_PROFILE = "cccd"
"""Requirement profile ``cccd-bio check`` applies to portraits (the chip-card portrait rules)."""

IMAGE_SUFFIXES = frozenset(
    {".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg", ".jp2", ".j2k", ".jpf", ".wsq"}
)


@dataclass(frozen=True)
class CheckRow:
    """The outcome of checking one input file (JSON-safe through :meth:`to_dict`)."""

    path: str
    kind: str | None = None
    status: str = "ok"  # "ok" (passed), "flagged", "error"
    width: int | None = None
    height: int | None = None
    ppi: float | None = None
    score: float | None = None
    flagged: bool | None = None
    codes: tuple[str, ...] = ()
    error: str | None = None
    error_type: str | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
            "width": self.width,
            "height": self.height,
            "ppi": json_safe(self.ppi),
            "score": json_safe(self.score),
            "flagged": self.flagged,
            "codes": list(self.codes),
            "error": self.error,
            "error_type": self.error_type,
            "seconds": round(self.seconds, 6),
            "details": json_safe(self.details),
        }


def guess_kind(rgb_or_gray: np.ndarray) -> str:
    """``"portrait"`` for colour images, ``"fingerprint"`` for grey ones.

    Fingerprint sensors produce grey images (some store them as RGB with equal channels); portraits are
    colour. The mean chroma separates the two without decoding anything twice.
    """
    a = rgb_or_gray
    if a.ndim == 2 or a.shape[2] == 1:
        return "fingerprint"
    sample = a[:: max(1, a.shape[0] // 128), :: max(1, a.shape[1] // 128), :3].astype(np.int16)
    chroma = np.abs(sample[:, :, 0] - sample[:, :, 1]) + np.abs(sample[:, :, 1] - sample[:, :, 2])
    return "portrait" if float(chroma.mean()) > 6.0 else "fingerprint"


def _detect_kind(path: str) -> str:
    from PIL import Image

    from .io import MAX_PIXELS, load_image

    im, _ = load_image(path, max_pixels=MAX_PIXELS)
    if im.mode in ("L", "I;16", "I;16B", "I;16L", "I", "F", "1", "LA"):
        return "fingerprint"
    small = im.convert("RGB")
    small.thumbnail((128, 128), Image.Resampling.NEAREST)
    return guess_kind(np.asarray(small))


def _check_fingerprint(path: str, ppi: float | None) -> dict[str, Any]:
    from .fingerprint.quality import assess_fingerprint
    from .io import load_fingerprint

    img = load_fingerprint(path, ppi=ppi)
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


def _check_portrait(path: str) -> dict[str, Any]:
    from .face.icao import check_portrait
    from .io import load_portrait

    p = load_portrait(path)
    report = check_portrait(p, profile=PORTRAIT_PROFILE)
    details: dict[str, Any] = {"format": p.format, "profile": report.profile, "compliant": report.compliant,
                               "faces": report.faces}
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


def check_path(path: str | os.PathLike, *, kind: str = "auto", ppi: float | None = None) -> CheckRow:
    """Check one file and return its row; errors become rows, never exceptions."""
    p = os.fspath(path)
    t0 = time.perf_counter()
    resolved: str | None = None if kind == "auto" else kind
    try:
        if resolved is None:
            resolved = _detect_kind(p)
        fields = _check_fingerprint(p, ppi) if resolved == "fingerprint" else _check_portrait(p)
    except CccdBiometricsError as exc:
        return CheckRow(
            path=p,
            kind=resolved,
            status="error",
            error=str(exc),
            error_type=type(exc).__name__,
            seconds=time.perf_counter() - t0,
        )
    except MemoryError:
        return CheckRow(path=p, kind=resolved, status="error", error=f"{p}: out of memory",
                        error_type="MemoryError", seconds=time.perf_counter() - t0)
    flagged = bool(fields.pop("flagged", False))
    return CheckRow(
        path=p,
        kind=resolved,
        status="flagged" if flagged else "ok",
        flagged=flagged,
        seconds=time.perf_counter() - t0,
        **fields,
    )
