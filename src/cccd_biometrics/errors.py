"""Typed exceptions raised by cccd_biometrics.

Every error the library raises on bad input derives from :class:`CccdBiometricsError`, so intake
applications can catch one type; the subclasses say what went wrong. Messages name the offending file
(when there is one) and the problem in plain words; they never carry pixel data.
"""

from __future__ import annotations

__all__ = [
    "CccdBiometricsError",
    "EnrolmentRecordError",
    "ImageTooLargeError",
    "ImageTooSmallError",
    "InputNotFoundError",
    "InvalidImageError",
    "ModelLoadError",
    "NoFaceFoundError",
    "RecordFormatError",
    "TemplateFormatError",
    "UnsupportedFormatError",
]


class CccdBiometricsError(Exception):
    """Base class of every error raised by this library."""

    code = "ERROR"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class InputNotFoundError(CccdBiometricsError, FileNotFoundError):
    """The path does not exist, or is a directory where a file was expected."""

    code = "INPUT_NOT_FOUND"


class InvalidImageError(CccdBiometricsError, ValueError):
    """The data is not a decodable image (empty, truncated, corrupt, wrong shape or dtype)."""

    code = "INVALID_IMAGE"


class UnsupportedFormatError(InvalidImageError):
    """The data is in a format the library does not read (for example a text file named .png)."""

    code = "UNSUPPORTED_FORMAT"


class ImageTooLargeError(InvalidImageError):
    """The image exceeds the pixel limit (decompression-bomb guard); checked before decoding."""

    code = "IMAGE_TOO_LARGE"


class ImageTooSmallError(InvalidImageError):
    """The image is too small to hold what it should (a finger under 64x64 px at 500 ppi)."""

    code = "IMAGE_TOO_SMALL"


class TemplateFormatError(CccdBiometricsError, ValueError):
    """A minutiae template is malformed, truncated or of an unknown format."""

    code = "TEMPLATE_FORMAT"


class NoFaceFoundError(CccdBiometricsError):
    """No face could be located in a portrait where one was required."""

    code = "NO_FACE_FOUND"


class ModelLoadError(CccdBiometricsError, RuntimeError):
    """A bundled model cannot run in this environment (for example an OpenCV whose DNN engines cannot
    run it). Not a problem of the input: every portrait would fail the same way, so batch runs stop."""

    code = "MODEL_LOAD"


class RecordFormatError(CccdBiometricsError, ValueError):
    """A standard record (ANSI/NIST-ITL transaction, ISO/IEC 19794-4/-5 record, ICAO DG2/DG3 data group) is
    malformed, truncated, declares lengths beyond the caps, or holds something the library does not read."""

    code = "RECORD_FORMAT"


class EnrolmentRecordError(CccdBiometricsError, ValueError):
    """An enrolment record or its manifest is malformed (unknown position, a finger both captured and declared
    absent, an absence without a valid reason, a manifest that is not the documented JSON)."""

    code = "ENROLMENT_RECORD"
