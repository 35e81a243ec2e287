"""Names of record files and of the images inside them: light enough for a CLI's first screen.

The record readers live in :mod:`cccd_biometrics.records`; batch runs need only to know a record file by its
suffix and to name one image inside it, without loading the codecs (and OpenCV) that reading one takes.
"""

from __future__ import annotations

import json
import os
import re

__all__ = ["MANIFEST_KEYS", "MANIFEST_NAME", "RECORD_KIND_BY_SUFFIX", "RECORD_SUFFIXES", "container_of",
           "is_record_folder", "member_path"]

RECORD_KIND_BY_SUFFIX = {".an2": "ansi_nist", ".eft": "ansi_nist", ".nist": "ansi_nist", ".an": "ansi_nist",
             ".fir": "iso19794_4", ".fac": "iso19794_5", ".dg2": "dg2", ".dg3": "dg3"}
RECORD_SUFFIXES = frozenset(RECORD_KIND_BY_SUFFIX)
"""File suffixes of the standard record files this module reads (folders of record files hold these)."""

MANIFEST_NAME = "manifest.json"
"""The file that makes a folder a record (:mod:`cccd_biometrics.records.manifest`)."""
MANIFEST_KEYS = frozenset({"fingers", "slaps", "absent", "portrait", "ppi", "id"})
_IMAGE_KEYS = ("fingers", "slaps", "portrait")
_SNIFF_BYTES = 1 << 16

_MEMBER = re.compile(r"#(?:finger-(?:0[1-9]|10)|slap-1[345]|portrait)$")


def member_path(container: str | os.PathLike, member: str) -> str:
    """The identity of one image inside a record file: ``"record.an2#finger-03"``, ``#slap-13``, ``#portrait``.

    Examples
    --------
    >>> member_path("x.an2", "finger-03"), container_of("x.an2#finger-03"), container_of("x#1.png")
    ('x.an2#finger-03', 'x.an2', None)
    """
    path = f"{os.fspath(container)}#{member}"
    if not _MEMBER.search(path):
        raise ValueError(f"not a record member: {member!r}")
    return path


def container_of(path: str) -> str | None:
    """The record file a member identity (:func:`member_path`) belongs to, or None for any other path."""
    match = _MEMBER.search(path)
    return path[: match.start()] if match else None


def is_record_folder(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds a record manifest: a ``manifest.json`` that is a JSON object of manifest keys only,
    naming at least one image. A quick look for walkers (the first 64 KB; the full check is the reader's): a
    folder whose ``manifest.json`` belongs to something else is an ordinary folder of images."""
    try:
        with open(os.path.join(folder, MANIFEST_NAME), "rb") as fh:
            data = json.loads(fh.read(_SNIFF_BYTES))
    except (OSError, ValueError):  # absent, unreadable, not JSON (or longer than a manifest ever is)
        return False
    return isinstance(data, dict) and set(data) <= MANIFEST_KEYS and any(data.get(k) for k in _IMAGE_KEYS)
