"""The folder form of a record: image files beside a ``manifest.json`` that says which position each one is.

One reader, :func:`read_manifest`, for everything that takes a record folder (the enrolment check, record
conversion, batch runs), so that a manifest means the same thing to all of them::

    {"fingers": {"1": "finger_01.png", ...}, "slaps": {"13": "slap_13.png"}, "absent": {"7": "amputated"},
     "portrait": "portrait.jpg", "ppi": 500, "id": "citizen 42"}

Every key is optional. File names are relative to the manifest's folder and may not leave it (a record folder
is self-contained: it can be moved, archived or handed over as it is, and a manifest from an archive cannot
make a check read files elsewhere on the machine). Reading the manifest checks its shape and that each file
exists, not the images: decoding them is the reader's business.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._shared.record_names import MANIFEST_KEYS, MANIFEST_NAME
from ..errors import InputNotFoundError, RecordFormatError
from .model import FINGER_POSITIONS, SLAP_POSITIONS

__all__ = ["MANIFEST_NAME", "RecordManifest", "read_manifest"]

MAX_MANIFEST_BYTES = 1 << 20
"""A manifest names at most 14 files: anything near a megabyte is not one (and is not read into memory)."""


@dataclass(frozen=True)
class RecordManifest:
    """What a record folder's ``manifest.json`` says, with file names resolved against its folder.

    Attributes
    ----------
    path:
        The ``manifest.json`` file.
    fingers, slaps:
        Position -> image file (fingers 1-10; slaps 13 right four, 14 left four, 15 both thumbs).
    absent:
        Finger position -> the declared reason, as written (its vocabulary is the reader's to check).
    portrait:
        The portrait file, or None.
    ppi:
        Resolution of finger and slap images whose files do not state a plausible one, or None.
    id:
        The record's identifier, or None.
    """

    path: Path
    fingers: dict[int, Path] = field(default_factory=dict)
    slaps: dict[int, Path] = field(default_factory=dict)
    absent: dict[int, str] = field(default_factory=dict)
    portrait: Path | None = None
    ppi: float | None = None
    id: str | None = None

    @property
    def folder(self) -> Path:
        """The record folder."""
        return self.path.parent


def _load_json(manifest: Path) -> dict[str, Any]:
    if not manifest.is_file():
        raise InputNotFoundError(f"no {MANIFEST_NAME} (a record folder needs one)", source=str(manifest.parent))
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise RecordFormatError(f"{MANIFEST_NAME} is larger than {MAX_MANIFEST_BYTES} bytes", source=str(manifest))
    try:
        data = json.loads(manifest.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise RecordFormatError(f"{MANIFEST_NAME} is not valid JSON ({exc})", source=str(manifest)) from None
    if not isinstance(data, dict):
        raise RecordFormatError(f"{MANIFEST_NAME} must be a JSON object", source=str(manifest))
    unknown = sorted(set(data) - MANIFEST_KEYS)
    if unknown:
        raise RecordFormatError(f"unknown {MANIFEST_NAME} keys {unknown} (known: {sorted(MANIFEST_KEYS)})",
                                source=str(manifest))
    return data


def _entries(data: dict[str, Any], key: str, allowed: tuple[int, ...], manifest: Path) -> dict[int, str]:
    section = data.get(key)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise RecordFormatError(f'"{key}" must be an object of position -> value', source=str(manifest))
    out = {}
    for pos, value in section.items():
        if not (pos.isdigit() and pos == str(int(pos)) and int(pos) in allowed):  # JSON keys are text
            raise RecordFormatError(f'"{key}": {pos!r} is not one of the positions {list(allowed)}',
                                    source=str(manifest))
        if not isinstance(value, str) or not value:
            raise RecordFormatError(f'"{key}": position {pos} must be given as text, not {value!r}',
                                    source=str(manifest))
        out[int(pos)] = value
    return dict(sorted(out.items()))


def _file(folder: Path, name: str, manifest: Path) -> Path:
    """``folder / name``: refused when it leaves the folder, :class:`InputNotFoundError` when it is not there."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise RecordFormatError(f"entry {name!r} points outside the record folder (a record folder is "
                                "self-contained: put the file inside it)", source=str(manifest))
    if not path.is_file():
        raise InputNotFoundError(f"file named in {MANIFEST_NAME} does not exist", source=str(folder / name))
    return path


def _ppi(data: dict[str, Any], manifest: Path) -> float | None:
    ppi = data.get("ppi")
    if ppi is None:
        return None
    if isinstance(ppi, bool) or not isinstance(ppi, (int, float)) or not 50.0 <= float(ppi) <= 5000.0:
        raise RecordFormatError(f'"ppi" must be a number of pixels per inch (50-5000), not {ppi!r}',
                                source=str(manifest))
    return float(ppi)


def read_manifest(path: str | os.PathLike) -> RecordManifest:
    """Read a record folder's manifest (``path`` is the folder or its ``manifest.json``).

    Raises
    ------
    InputNotFoundError
        No manifest, or a file it names does not exist.
    RecordFormatError
        The manifest is not JSON, has unknown keys, a position outside 1-10 / 13-15, an entry that is not text,
        a file outside the folder, or an implausible ``ppi``.

    Examples
    --------
    >>> m = read_manifest("sample_data/enrolment/citizen_clean")
    >>> sorted(m.fingers)[:3], sorted(m.slaps), m.portrait.name, m.absent
    ([1, 2, 3], [13, 14, 15], 'portrait.jpg', {})
    """
    p = Path(path)
    manifest = p / MANIFEST_NAME if p.is_dir() else p
    data = _load_json(manifest)
    folder = manifest.parent
    fingers = {pos: _file(folder, name, manifest)
               for pos, name in _entries(data, "fingers", FINGER_POSITIONS, manifest).items()}
    slaps = {pos: _file(folder, name, manifest)
             for pos, name in _entries(data, "slaps", SLAP_POSITIONS, manifest).items()}
    portrait = data.get("portrait")
    if portrait is not None and (not isinstance(portrait, str) or not portrait):
        raise RecordFormatError(f'"portrait" must be a file name, not {portrait!r}', source=str(manifest))
    record_id = data.get("id")
    if record_id is not None and not isinstance(record_id, str):
        raise RecordFormatError(f'"id" must be text, not {record_id!r}', source=str(manifest))
    return RecordManifest(path=manifest, fingers=fingers, slaps=slaps,
                          absent=_entries(data, "absent", FINGER_POSITIONS, manifest),
                          portrait=_file(folder, portrait, manifest) if portrait else None,
                          ppi=_ppi(data, manifest), id=record_id)
