"""The neutral in-memory form of an enrolment record, shared by every record format of this package.

A :class:`RecordImages` holds what the standard containers carry for one person: single fingers by position
code (1-10), slaps (13 right four, 14 left four, 15 both thumbs) with optional per-finger segmentation boxes,
declared absences, a portrait, minutiae templates, and the Type-1/Type-2 text of an ANSI/NIST-ITL transaction.
Images are held decoded (``uint8`` arrays) *and*, when read from a record, as the exact bytes the record held
(``encoded``), so that a record read and written again is byte-identical: WSQ and JPEG are lossy, re-encoding
would change them.

Position codes are those of ANSI/NIST-ITL 1-2011 Table 8 (which ISO/IEC 19794-4 shares): 0 unknown, 1 right
thumb ... 5 right little, 6 left thumb ... 10 left little, 13 plain right four fingers, 14 plain left four,
15 plain thumbs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import RecordFormatError

if TYPE_CHECKING:
    from ..fingerprint.template import Template

__all__ = [
    "ABSENCE_CODES",
    "FINGER_POSITIONS",
    "MAX_RECORD_BYTES",
    "NFIQ2_ALGORITHM",
    "OUR_QUALITY_ALGORITHM",
    "SLAP_FINGERS",
    "SLAP_POSITIONS",
    "FeaturePoint",
    "FingerCapture",
    "PortraitCapture",
    "QualityMetric",
    "RecordImages",
    "SlapCapture",
    "SlapSegment",
    "absence_code",
    "quality_metrics",
]

MAX_RECORD_BYTES = 256 << 20
"""Largest record any reader of this package accepts (a 10-print + slaps + face transaction at 1000 ppi,
uncompressed, is about 60 MB). Every declared length is checked against the data and this cap before anything
is allocated."""

FINGER_POSITIONS = tuple(range(1, 11))
SLAP_POSITIONS = (13, 14, 15)
SLAP_FINGERS = {13: (2, 3, 4, 5), 14: (7, 8, 9, 10), 15: (1, 6)}
"""The finger positions each slap shows (ANSI/NIST-ITL Table 8)."""

ABSENCE_CODES = {"XX": "amputated", "UP": "unable to print"}
"""ANSI/NIST-ITL AMP codes (field 14.018 / 4.xxx) and what they mean."""
_ABSENCE_WORDS = {"amputated": "XX", "amputation": "XX", "missing": "XX", "xx": "XX", "unable to print": "UP",
                  "unable_to_print": "UP", "unprintable": "UP", "bandaged": "UP", "injured": "UP", "up": "UP"}

IMAGE_COMPRESSIONS = ("NONE", "WSQ", "JPEG", "JPEG2000", "PNG")
"""How an image is stored in a record (the ANSI/NIST-ITL CGA values WSQ20, NONE, JPEGB, JP2, PNG)."""


def absence_code(reason: str) -> str:
    """The ANSI/NIST-ITL AMP code (``"XX"`` amputated, ``"UP"`` unable to print) for a reason in words or code.

    >>> absence_code("amputated"), absence_code("UP")
    ('XX', 'UP')
    """
    code = _ABSENCE_WORDS.get(str(reason).strip().lower())
    if code is None:
        raise RecordFormatError(f"unknown absence reason {reason!r}: use 'amputated' (XX) or 'unable to print' (UP)")
    return code


def _gray(pixels: Any, what: str) -> np.ndarray:
    a = np.asarray(pixels)
    if a.dtype != np.uint8 or a.ndim != 2 or min(a.shape) < 1:
        raise RecordFormatError(f"{what} must be a non-empty uint8 (H, W) array, got {a.dtype} {a.shape}")
    return a


def _compression(value: str, allowed: tuple[str, ...], what: str) -> str:
    v = value.upper()
    if v not in allowed:
        raise RecordFormatError(f"{what} compression {value!r} is not one of {', '.join(allowed)}")
    return v


@dataclass(frozen=True)
class QualityMetric:
    """One quality score as ANSI/NIST-ITL field 14.024 (FQM) / ISO 19794 quality blocks carry it.

    ``score`` is 0-100 (254: not computed, 255: failed); ``vendor`` is the algorithm vendor's registered CBEFF
    organisation id and ``product`` the vendor's algorithm id. The library's own score and NFIQ 2 are told apart
    by these two numbers; see :data:`OUR_QUALITY_ALGORITHM`.
    """

    score: int
    vendor: int = 0
    product: int = 0

    def __post_init__(self) -> None:
        if not (0 <= int(self.score) <= 100 or int(self.score) in (254, 255)):
            raise RecordFormatError(f"quality score {self.score} is outside 0-100 (254/255 for none/failed)")
        if not (0 <= int(self.vendor) <= 0xFFFF and 0 <= int(self.product) <= 0xFFFF):
            raise RecordFormatError("quality vendor and product ids are 16-bit numbers")

    def to_dict(self) -> dict[str, int]:
        return {"score": int(self.score), "vendor": int(self.vendor), "product": int(self.product)}


OUR_QUALITY_ALGORITHM = (0x0000, 0xCCCD)
"""(vendor, product) written with the library's own ``assess_fingerprint`` score. The project has no
registered CBEFF organisation id, so vendor 0 ("unregistered") is used; product 0xCCCD names this library."""

NFIQ2_ALGORITHM = (0x000F, 0x0001)
"""(vendor, product) written with an NFIQ 2 score: NIST's CBEFF organisation id 0x000F; the product id 0x0001 is
this library's choice (not checked against a registry), callers with a registered value build their own
:class:`QualityMetric`."""


def quality_metrics(score: float | None = None, nfiq2: float | None = None) -> tuple[QualityMetric, ...]:
    """The quality entries of a finger: the library's score (``assess_fingerprint(...).score``, 0-100) and,
    when the caller has it, NFIQ 2's (0-100), rounded to whole numbers as the records store them.

    >>> [(q.score, q.product) for q in quality_metrics(71.6, nfiq2=58)]
    [(72, 52429), (58, 1)]
    """
    out = []
    if score is not None:
        out.append(QualityMetric(round(float(score)), *OUR_QUALITY_ALGORITHM))
    if nfiq2 is not None:
        out.append(QualityMetric(round(float(nfiq2)), *NFIQ2_ALGORITHM))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class FingerCapture:
    """One finger image: ``pixels`` uint8 grey (H, W) at ``ppi``.

    ``compression`` is how the image is (or will be) stored; ``encoded`` the exact stored bytes when the capture
    came from a record (a writer stores them as they are instead of re-encoding); ``quality`` the scores the
    record carries for it; ``impression`` the ANSI/NIST-ITL impression code (0 live-scan plain, 1 live-scan
    rolled, 2 non-live plain, 3 non-live rolled); ``record_type`` 14 (variable resolution) or 4 (legacy
    500 ppi grey, WSQ or uncompressed only).
    """

    pixels: np.ndarray
    ppi: float = 500.0
    compression: str = "WSQ"
    quality: tuple[QualityMetric, ...] = ()
    impression: int = 0
    encoded: bytes | None = None
    record_type: int = 14

    def __post_init__(self) -> None:
        _gray(self.pixels, "a finger image")
        object.__setattr__(self, "compression", _compression(self.compression, IMAGE_COMPRESSIONS, "finger"))
        if self.record_type not in (4, 14):
            raise RecordFormatError(f"finger record type {self.record_type}: 4 or 14")
        if not 0 <= int(self.impression) <= 255:
            raise RecordFormatError(f"impression type {self.impression} out of range")
        if not 1.0 <= float(self.ppi) <= 100_000.0:
            raise RecordFormatError(f"resolution {self.ppi} ppi is implausible")

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pixels.shape[0]), int(self.pixels.shape[1]))

    def to_dict(self) -> dict[str, Any]:
        h, w = self.shape
        return {"width": w, "height": h, "ppi": float(self.ppi), "compression": self.compression,
                "impression": int(self.impression), "record_type": self.record_type,
                "quality": [q.to_dict() for q in self.quality]}


@dataclass(frozen=True)
class SlapSegment:
    """The box of one finger in a slap image (ANSI/NIST-ITL field 14.021 SEG), pixels of the slap image,
    ``left <= right``, ``top <= bottom`` inclusive."""

    position: int
    left: int
    right: int
    top: int
    bottom: int

    def __post_init__(self) -> None:
        if not (1 <= self.position <= 10 and 0 <= self.left <= self.right and 0 <= self.top <= self.bottom):
            raise RecordFormatError(f"invalid segment box {self}")

    def to_dict(self) -> dict[str, int]:
        return {"position": self.position, "left": self.left, "right": self.right, "top": self.top,
                "bottom": self.bottom}


@dataclass(frozen=True, eq=False)
class SlapCapture:
    """A slap image (13, 14 or 15) with the per-finger boxes and per-finger quality scores the record carries."""

    pixels: np.ndarray
    ppi: float = 500.0
    compression: str = "WSQ"
    segments: tuple[SlapSegment, ...] = ()
    quality: dict[int, tuple[QualityMetric, ...]] = field(default_factory=dict)
    impression: int = 0
    encoded: bytes | None = None

    def __post_init__(self) -> None:
        _gray(self.pixels, "a slap image")
        object.__setattr__(self, "compression", _compression(self.compression, IMAGE_COMPRESSIONS, "slap"))
        h, w = self.pixels.shape
        for s in self.segments:
            if s.right >= w or s.bottom >= h:
                raise RecordFormatError(f"segment of finger {s.position} reaches outside the {w}x{h} slap image")

    def to_dict(self) -> dict[str, Any]:
        h, w = self.pixels.shape
        return {"width": int(w), "height": int(h), "ppi": float(self.ppi), "compression": self.compression,
                "segments": [s.to_dict() for s in self.segments],
                "quality": {str(k): [q.to_dict() for q in v] for k, v in sorted(self.quality.items())}}


@dataclass(frozen=True)
class FeaturePoint:
    """An ISO/IEC 19794-5 / MPEG-4 facial feature point: ``code`` ``"major.minor"`` (e.g. ``"12.1"``),
    ``x``/``y`` whole pixels of the portrait image, ``kind`` 1 (2D MPEG-4 point)."""

    code: str
    x: int
    y: int
    kind: int = 1

    def __post_init__(self) -> None:
        major, _, minor = self.code.partition(".")
        if not (major.isdigit() and minor.isdigit() and 1 <= int(major) <= 15 and 0 <= int(minor) <= 15):
            raise RecordFormatError(f"feature point code {self.code!r} is not 'major.minor' with 4-bit parts")
        if not (0 <= self.x <= 0xFFFF and 0 <= self.y <= 0xFFFF and 0 <= self.kind <= 255):
            raise RecordFormatError(f"feature point {self.code} outside the 16-bit range")

    @property
    def byte(self) -> int:
        major, _, minor = self.code.partition(".")
        return int(major) << 4 | int(minor)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "x": self.x, "y": self.y, "kind": self.kind}


FACE_IMAGE_TYPES = ("basic", "full_frontal", "token_frontal")


@dataclass(frozen=True, eq=False)
class PortraitCapture:
    """A portrait: ``pixels`` uint8 RGB (H, W, 3); ``compression`` JPEG or JPEG2000; ``image_type`` the
    ISO/IEC 19794-5 face image type (``"basic"``, ``"full_frontal"``, ``"token_frontal"``);
    ``feature_points`` MPEG-4 points (see :func:`~cccd_biometrics.records.iso19794_5.feature_points_from_facemesh`).
    """

    pixels: np.ndarray
    compression: str = "JPEG"
    image_type: str = "full_frontal"
    feature_points: tuple[FeaturePoint, ...] = ()
    encoded: bytes | None = None
    attributes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        a = np.asarray(self.pixels)
        if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 3 or min(a.shape[:2]) < 1:
            raise RecordFormatError(f"a portrait must be a uint8 (H, W, 3) RGB array, got {a.dtype} {a.shape}")
        object.__setattr__(self, "compression", _compression(self.compression, ("JPEG", "JPEG2000"), "portrait"))
        if self.image_type not in FACE_IMAGE_TYPES:
            raise RecordFormatError(f"face image type {self.image_type!r} is not one of {FACE_IMAGE_TYPES}")

    def to_dict(self) -> dict[str, Any]:
        h, w = self.pixels.shape[:2]
        return {"width": int(w), "height": int(h), "compression": self.compression, "image_type": self.image_type,
                "feature_points": [p.to_dict() for p in self.feature_points]}


TextValue = str | list[list[str]]
"""A text field: one value, or subfields each made of information items."""


@dataclass(frozen=True, eq=False)
class RecordImages:
    """Everything the record formats of this package carry for one enrolment.

    ``header`` holds the Type-1 fields other than LEN/CNT (e.g. ``{4: "CAR", 8: "ORI"}``), ``text`` the
    Type-2 fields (passed through untouched), both keyed by field number. ``templates`` holds minutiae
    templates by finger position (ANSI/NIST-ITL Type-9). ``absent`` takes reasons in words or AMP codes and
    keeps the codes (``"XX"`` amputated, ``"UP"`` unable to print).

    >>> RecordImages(absent={7: "amputated", 8: "unable to print"}).absent
    {7: 'XX', 8: 'UP'}
    """

    fingers: dict[int, FingerCapture] = field(default_factory=dict)
    slaps: dict[int, SlapCapture] = field(default_factory=dict)
    absent: dict[int, str] = field(default_factory=dict)
    portrait: PortraitCapture | None = None
    text: dict[int, TextValue] = field(default_factory=dict)
    header: dict[int, TextValue] = field(default_factory=dict)
    templates: dict[int, Template] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in self.fingers:
            if p not in FINGER_POSITIONS and p != 0:
                raise RecordFormatError(f"finger position {p} is not 0-10")
        for p in self.slaps:
            if p not in SLAP_POSITIONS:
                raise RecordFormatError(f"slap position {p} is not 13, 14 or 15")
        absent = {}
        for p, reason in self.absent.items():
            if p not in FINGER_POSITIONS:
                raise RecordFormatError(f"absent position {p} is not 1-10")
            absent[int(p)] = absence_code(reason)
        object.__setattr__(self, "absent", absent)

    def to_dict(self) -> dict[str, Any]:
        """Counts and geometry only: never pixels or templates (they are personal data)."""
        return {
            "fingers": {str(k): v.to_dict() for k, v in sorted(self.fingers.items())},
            "slaps": {str(k): v.to_dict() for k, v in sorted(self.slaps.items())},
            "absent": {str(k): v for k, v in sorted(self.absent.items())},
            "portrait": None if self.portrait is None else self.portrait.to_dict(),
            "templates": {str(k): len(v) for k, v in sorted(self.templates.items())},
            "text_fields": sorted(self.text),
        }
