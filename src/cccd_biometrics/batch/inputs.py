"""Finding the input files of a run: paths, folders (optionally recursive), lists of paths, stdin.

Everything here is a generator: a folder tree or a list of a hundred million paths is walked as it is
consumed, never held in memory (only the names of one folder at a time, to sort them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from .._shared.record_names import MANIFEST_NAME, RECORD_SUFFIXES, is_record_folder
from ..io.decode import IMAGE_SUFFIXES

_INPUT_SUFFIXES = IMAGE_SUFFIXES | RECORD_SUFFIXES  # image files, and record files (one row per image inside)

__all__ = ["STDIN", "count_inputs", "iter_inputs", "iter_path_list", "iter_records", "readable_twice"]

STDIN = "-"
"""The path that stands for "read the list of paths from standard input"."""

OnError = Callable[[str, OSError], None]


def _raise(path: str, exc: OSError) -> None:
    raise exc


SORT_LIMIT = 100_000
"""Files of a folder are sorted by name up to this many; past it they stream in directory order, so that a
flat folder of ten million captures is never held in memory (the order only matters to people)."""


def _scan(folder: str, dirs: list[str]) -> Iterator[str]:
    """Image files of ``folder`` (sorted while it is small, see :data:`SORT_LIMIT`); sub-folders go to ``dirs``."""
    batch: list[str] = []
    streaming = False
    with os.scandir(folder) as it:
        for entry in it:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)  # symlinked folders are not followed: no loops
            except OSError:
                is_dir = False
            if is_dir:
                dirs.append(entry.path)
            elif os.path.splitext(entry.name)[1].lower() in _INPUT_SUFFIXES:
                if streaming:
                    yield entry.path
                    continue
                batch.append(entry.path)
                if len(batch) >= SORT_LIMIT:
                    batch.sort()
                    yield from batch
                    batch, streaming = [], True
    batch.sort()
    yield from batch


def _walk(folder: str, recursive: bool, on_error: OnError) -> Iterator[str]:
    """Depth-first, files of a folder before its sub-folders; an explicit stack, so depth is unbounded.

    A record folder (a ``manifest.json`` naming its images, :func:`~cccd_biometrics._shared.record_names.
    is_record_folder`) is one input, its manifest: its images are checked as the positions the manifest gives
    them (a slap segmented, not taken for one finger), and nothing below it is walked."""
    stack = [folder]
    while stack:
        current = stack.pop()
        if is_record_folder(current):
            yield os.path.join(current, MANIFEST_NAME)
            continue
        dirs: list[str] = []
        try:
            yield from _scan(current, dirs)
        except OSError as exc:  # cannot be listed (or stopped being listable mid-way)
            on_error(current, exc)
            continue
        if recursive:
            stack.extend(sorted(dirs, reverse=True))


def iter_path_list(stream: TextIO) -> Iterator[str]:
    """Paths from a text stream, one a line; blank lines are skipped, nothing else is interpreted.

    Leading and trailing spaces are part of a path (file names may have them); only the line break is cut.
    """
    for line in stream:
        path = line.rstrip("\r\n")
        if path:
            yield path


def _iter_list_file(list_path: str, on_error: OnError) -> Iterator[str]:
    if list_path == STDIN:
        yield from iter_path_list(sys.stdin)
        return
    try:
        stream = open(list_path, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 - closed below
    except OSError as exc:
        on_error(list_path, exc)
        return
    with stream:
        yield from iter_path_list(stream)


def iter_inputs(
    paths: Iterable[str | os.PathLike] = (),
    *,
    recursive: bool = False,
    from_lists: Iterable[str] = (),
    on_error: OnError | None = None,
) -> Iterator[str]:
    """Yield input files in a stable order: files as given, folders walked (sorted by name), then lists.

    Parameters
    ----------
    paths:
        Files and folders. ``"-"`` reads further file paths from standard input, one a line.
    recursive:
        Descend into sub-folders (symbolic links to folders are not followed).
    from_lists:
        Text files of file paths, one a line (``"-"`` for standard input), taken as given (a folder
        in a list is not walked: it becomes an error row).
    on_error:
        Called with ``(path, OSError)`` for a folder that cannot be listed or a list that cannot be
        opened; the walk goes on. By default the error is raised.

    Notes
    -----
    Files named explicitly are yielded whatever their suffix (the check will say if they are not images);
    in folders only known image and record suffixes are taken, and a record folder is one input (its
    ``manifest.json``). Paths that do not exist are yielded as-is so that the
    check reports them.
    """
    handler = on_error or _raise

    def expand(raw: str) -> Iterator[str]:
        if os.path.isdir(raw):
            yield from _walk(raw, recursive, handler)
        else:
            yield raw

    for raw in paths:
        text = os.fspath(raw)
        if text == STDIN:
            yield from iter_path_list(sys.stdin)
        else:
            yield from expand(text)
    for list_path in from_lists:
        # listed paths are files, taken as given: no stat per path on the coordinator of a huge run
        yield from _iter_list_file(list_path, handler)


def iter_records(folder: str | os.PathLike, *, on_error: OnError | None = None) -> Iterator[str]:
    """Yield the records below ``folder``: record folders (their ``manifest.json``) and standard record files.

    The same walk as :func:`iter_inputs` (recursive, sorted, a record folder is one input and nothing below it
    is walked) with the loose image files left out: what ``cccd-bio enrol check --recursive`` takes. A folder
    whose ``manifest.json`` is not a record manifest (:func:`~cccd_biometrics._shared.record_names.
    is_record_folder`) is walked as an ordinary folder, as :func:`iter_inputs` does.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a", "b/c", "other"):
    ...     (root / name).mkdir(parents=True)
    >>> _ = (root / "a" / "manifest.json").write_text(json.dumps({"fingers": {"1": "f1.png"}}))
    >>> _ = (root / "other" / "manifest.json").write_text(json.dumps({"version": 3}))
    >>> _ = (root / "b" / "c" / "t.an2").write_bytes(b"")
    >>> _ = (root / "b" / "loose.png").write_bytes(b"")
    >>> [pathlib.Path(p).relative_to(root).as_posix() for p in iter_records(root)]
    ['a/manifest.json', 'b/c/t.an2']
    """
    for path in _walk(os.fspath(folder), True, on_error or _raise):
        if os.path.basename(path) == MANIFEST_NAME or os.path.splitext(path)[1].lower() in RECORD_SUFFIXES:
            yield path


def count_inputs(
    paths: Iterable[str | os.PathLike] = (), *, recursive: bool = False, from_lists: Iterable[str] = ()
) -> int:
    """Number of inputs :func:`iter_inputs` would yield (for a progress bar's ETA; walks the inputs again)."""
    count = 0
    for _ in iter_inputs(paths, recursive=recursive, from_lists=from_lists, on_error=lambda path, exc: None):
        count += 1
    return count


def readable_twice(paths: Iterable[str], from_lists: Iterable[str]) -> bool:
    """Whether the inputs can be walked a second time (not when any of them is standard input)."""
    return STDIN not in list(paths) and STDIN not in list(from_lists)
