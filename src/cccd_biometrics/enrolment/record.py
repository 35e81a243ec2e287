"""The enrolment record: what a station captured for one citizen (fingers, slaps, absences, portrait).

Finger position codes are those of ISO/IEC 19794-4 and ANSI/NIST-ITL; a record is built in code, from a
record folder's manifest or from standard record files (:meth:`EnrolmentRecord.load`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import EnrolmentRecordError, RecordFormatError
from ..face.capture import load_portrait
from ..fingerprint.capture import load_fingerprint
from ..images import WORKING_PPI, FingerImage, Portrait
from ..records.files import read_record_file, record_kind, write_record_file
from ..records.manifest import read_manifest
from ..records.model import FingerCapture, PortraitCapture, RecordImages, SlapCapture

__all__ = ["ABSENCE_REASONS", "FINGER_NAMES", "EnrolmentRecord"]


FINGER_NAMES: dict[int, str] = {
    1: "right thumb", 2: "right index", 3: "right middle", 4: "right ring", 5: "right little",
    6: "left thumb", 7: "left index", 8: "left middle", 9: "left ring", 10: "left little",
}
"""Finger position codes of ISO/IEC 19794-4 and ANSI/NIST-ITL."""

SLAP_NAMES: dict[int, str] = {13: "right four-finger slap", 14: "left four-finger slap", 15: "two-thumb slap"}

ABSENCE_REASONS: dict[str, str] = {
    "amputated": "amputated", "xx": "amputated",
    "bandaged": "bandaged", "unable_to_print": "unable_to_print", "unable to print": "unable_to_print",
    "up": "unable_to_print",
}
"""Declared absence reasons (ANSI/NIST-ITL amputation codes XX = amputated, UP = unable to print), by alias."""




def _positions(mapping: Mapping[Any, Any] | None, allowed: range | tuple[int, ...], what: str
               ) -> MappingProxyType[int, Any]:
    out: dict[int, Any] = {}
    for key, value in (mapping or {}).items():
        try:
            pos = int(key)
        except (TypeError, ValueError):
            raise EnrolmentRecordError(f"{what} position {key!r} is not a number") from None
        if pos not in allowed or str(key).strip() != str(pos):
            raise EnrolmentRecordError(f"{what} position {key!r} is not one of {list(allowed)}")
        if value is None:
            raise EnrolmentRecordError(f"{what} position {pos} has no image")
        out[pos] = value
    return MappingProxyType(dict(sorted(out.items())))


def _reason(reason: Any, pos: int) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise EnrolmentRecordError(f"absent finger {pos} needs a reason (amputated, bandaged, unable_to_print)")
    key = reason.strip().lower()
    if key not in ABSENCE_REASONS:
        raise EnrolmentRecordError(f"absent finger {pos}: unknown reason {reason!r}; use amputated, bandaged or "
                                   "unable_to_print")
    return ABSENCE_REASONS[key]


def _describe(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return getattr(source, "source", None) or f"<{type(source).__name__}>"


@dataclass(frozen=True, eq=False)
class EnrolmentRecord:
    """What an enrolment station captured for one citizen.

    Parameters
    ----------
    fingers:
        Finger position (1-10) -> image (path, bytes, array or :class:`~cccd_biometrics.images.FingerImage`).
    slaps:
        Slap position (13 right four, 14 left four, 15 both thumbs) -> image.
    absent:
        Finger position -> declared reason: ``"amputated"``, ``"bandaged"`` or ``"unable_to_print"``
        (ANSI/NIST-ITL codes ``"XX"`` and ``"UP"`` are accepted).
    portrait:
        The portrait (path, bytes, array or :class:`~cccd_biometrics.images.Portrait`), or None.
    ppi:
        Resolution of the finger and slap images when their metadata lacks it.
    source:
        Where the record came from (a folder, a transaction file), for reports.

    Raises
    ------
    EnrolmentRecordError
        Unknown positions, a finger both captured and declared absent, an absence without a valid reason.

    Examples
    --------
    >>> rec = EnrolmentRecord(fingers={1: "r_thumb.png", 2: "r_index.png"}, absent={3: "amputated"})  # doctest: +SKIP
    """

    fingers: Mapping[int, Any] = field(default_factory=dict)
    slaps: Mapping[int, Any] = field(default_factory=dict)
    absent: Mapping[int, str] = field(default_factory=dict)
    portrait: Any = None
    ppi: float | None = None
    source: str = "<record>"

    def __post_init__(self) -> None:
        fingers = _positions(self.fingers, range(1, 11), "finger")
        slaps = _positions(self.slaps, (13, 14, 15), "slap")
        absent = _positions(self.absent, range(1, 11), "absent finger")
        absent = MappingProxyType({p: _reason(r, p) for p, r in absent.items()})
        both = sorted(set(fingers) & set(absent))
        if both:
            raise EnrolmentRecordError(f"finger position(s) {both} are both captured and declared absent")
        if self.ppi is not None and not 50.0 <= float(self.ppi) <= 5000.0:
            raise EnrolmentRecordError(f"implausible ppi {self.ppi!r}")
        object.__setattr__(self, "fingers", fingers)
        object.__setattr__(self, "slaps", slaps)
        object.__setattr__(self, "absent", absent)

    @property
    def missing(self) -> tuple[int, ...]:
        """Finger positions neither captured nor declared absent."""
        return tuple(p for p in range(1, 11) if p not in self.fingers and p not in self.absent)

    @classmethod
    def from_manifest(cls, path: str | Path) -> EnrolmentRecord:
        """Load a record folder (or its ``manifest.json``).

        The manifest is JSON: ``{"fingers": {"1": "file", ...}, "slaps": {"13": "file"}, "absent":
        {"7": "amputated"}, "portrait": "file"}``, plus an optional ``"ppi"`` and ``"id"``. File names are
        relative to the manifest's folder and may not leave it (:mod:`cccd_biometrics.records.manifest`).

        Raises
        ------
        InputNotFoundError
            The folder, the manifest or a file it names does not exist.
        EnrolmentRecordError
            The manifest is not valid JSON, not of that shape, or names a file outside its folder.
        """
        try:
            m = read_manifest(path)
        except RecordFormatError as exc:  # the enrolment API's own error type for a bad manifest
            raise EnrolmentRecordError(str(exc)) from None
        try:
            return cls(fingers=m.fingers, slaps=m.slaps, absent=m.absent, portrait=m.portrait, ppi=m.ppi,
                       source=str(m.folder))
        except EnrolmentRecordError as exc:
            raise EnrolmentRecordError(str(exc), source=str(m.path)) from None

    @classmethod
    def load(cls, *paths: str | Path) -> EnrolmentRecord:
        """Load a record from a folder with ``manifest.json`` or from standard record files.

        One path: a record folder (or its manifest), an ANSI/NIST-ITL transaction (``.an2``, ``.eft``, ``.nist``),
        an ISO/IEC 19794-4 finger record (``.fir``), a 19794-5 face record (``.fac``) or an ICAO data group
        (``.dg2``, ``.dg3``). Several paths are merged (for example ``record.dg3`` and ``record.dg2``): fingers,
        slaps and absences from each, the portrait from the one that has it.

        Raises
        ------
        InputNotFoundError, RecordFormatError, EnrolmentRecordError
            A missing file, a malformed record, or a record that is not a valid enrolment record.

        Examples
        --------
        >>> import cccd_biometrics as cb
        >>> rec = cb.EnrolmentRecord.load("sample_data/records/example_tenprint.an2")
        >>> sorted(rec.fingers), dict(rec.absent), sorted(rec.slaps), rec.portrait is not None
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], {10: 'amputated'}, [13], True)
        """
        if len(paths) == 1 and record_kind(paths[0]) == "folder":
            return cls.from_manifest(paths[0])
        images = [read_record_file(p) for p in paths]
        merged = RecordImages(
            fingers={k: v for im in images for k, v in im.fingers.items()},
            slaps={k: v for im in images for k, v in im.slaps.items()},
            absent={k: v for im in images for k, v in im.absent.items()},
            portrait=next((im.portrait for im in images if im.portrait is not None), None),
        )
        return cls.from_record_images(merged, source=" + ".join(str(p) for p in paths))

    @classmethod
    def from_record_images(cls, images: RecordImages, *, source: str = "<record>") -> EnrolmentRecord:
        """The enrolment record of what a standard container carries (:mod:`cccd_biometrics.records`).

        Each finger and slap keeps the resolution its record declares (fingers are resampled to 500 ppi as
        :func:`~cccd_biometrics.load_fingerprint` does; slaps are not estimated from their ridges).
        """
        fingers = {p: _finger_image(c.pixels, c.ppi) for p, c in images.fingers.items()}
        slaps = {p: _finger_image(c.pixels, c.ppi, slap=True) for p, c in images.slaps.items()}
        portrait = images.portrait.pixels if images.portrait is not None else None
        return cls(fingers=fingers, slaps=slaps, absent=dict(images.absent), portrait=portrait, source=source)

    def to_record_images(self) -> RecordImages:
        """This record as the neutral model the standard writers take (images decoded, fingers at 500 ppi).

        Absences become ANSI/NIST-ITL amputation codes: ``XX`` amputated, ``UP`` bandaged or unable to print.
        """
        fingers = {p: FingerCapture(pixels=_finger_image(s, self.ppi).pixels, ppi=float(WORKING_PPI))
                   for p, s in self.fingers.items()}
        slaps = {p: SlapCapture(pixels=_finger_image(s, self.ppi, slap=True).pixels, ppi=float(WORKING_PPI))
                 for p, s in self.slaps.items()}
        absent = {p: ("XX" if r == "amputated" else "UP") for p, r in self.absent.items()}
        portrait = None
        if self.portrait is not None:
            face = self.portrait if isinstance(self.portrait, Portrait) else load_portrait(self.portrait)
            portrait = PortraitCapture(pixels=face.pixels)
        return RecordImages(fingers=fingers, slaps=slaps, absent=absent, portrait=portrait)

    def save(self, path: str | Path) -> list[str]:
        """Write the record as ``path``'s kind (folder + manifest, ANSI/NIST-ITL, ISO record, DG2 or DG3).

        Returns what the target kind cannot hold and so was left out (e.g. fingers in a ``.dg2``).
        """
        return write_record_file(self.to_record_images(), path)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source,
                "fingers": {str(p): _describe(s) for p, s in self.fingers.items()},
                "slaps": {str(p): _describe(s) for p, s in self.slaps.items()},
                "absent": {str(p): r for p, r in self.absent.items()},
                "portrait": None if self.portrait is None else _describe(self.portrait),
                "missing": list(self.missing)}


def _finger_image(src: Any, ppi: float | None, *, slap: bool = False) -> FingerImage:
    """A finger (or slap) image of the record as a :class:`FingerImage`; a slap's resolution is never estimated
    from its ridges (the background biases it), as :func:`segment_slap` does."""
    if isinstance(src, FingerImage):
        return src
    return load_fingerprint(src, ppi=ppi, estimate_resolution=not slap)
