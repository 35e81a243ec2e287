"""Finding the input files of a run: paths, folders (optionally recursive), lists of paths."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .checks import IMAGE_SUFFIXES

__all__ = ["iter_inputs"]


def _walk(folder: Path, recursive: bool) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        # an unreadable folder is reported as an input of its own so the run can say so in a row
        yield str(folder)
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if recursive:
                yield from _walk(Path(entry.path), recursive)
        elif Path(entry.name).suffix.lower() in IMAGE_SUFFIXES:
            yield entry.path


def iter_inputs(paths: Iterable[str | os.PathLike], *, recursive: bool = False) -> Iterator[str]:
    """Yield image files in a stable order: files as given, folders walked (sorted by name).

    Files named explicitly are yielded whatever their suffix (the check will say if they are not images);
    in folders only known image suffixes are taken. Paths that do not exist are yielded as-is so that the
    check reports them.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from _walk(p, recursive)
        else:
            yield os.fspath(raw)
