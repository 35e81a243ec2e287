"""Benchmark datasets: folder layouts, the comparison protocol, and peer-tool reference outputs.

Layouts recognised:

* **FVC** — ``<finger>_<impression>.<ext>`` (e.g. ``101_3.tif``). Protocol of the FVC competitions as used by
  this project: genuine pairs are all pairs of impressions of a finger, impostor pairs all pairs of
  impressions of different fingers (every i < j pair of the folder is compared once).
* **SOCOFing** — ``<subject>__<M|F>_<Left|Right>_<finger>_finger[_<alteration>].BMP`` under ``Real/`` and
  ``Altered/...``. Genuine pairs: each real print against each altered version of the same finger;
  impostor pairs: all pairs of real prints of different fingers.
* **U.are.U** — ``<person>_<finger>_<impression>.<ext>`` (e.g. ``012_3_1.tif``, the Neurotechnology U.are.U
  sample database); the identity is the finger, ``<person>_<finger>``. Same all-pairs protocol as FVC.
* **Manifest** — any other layout, described by a CSV file with a header ``path,identity`` (paths relative to
  the CSV's folder, or absolute); give the CSV file instead of a folder. Same all-pairs protocol as FVC.

Reference outputs (``../shared/data/reference``) are keyed ``<dataset>/<db>/<stem>``, e.g.
``fvc2002/DB1_B/101_1``; :func:`sample_key` derives that key from a path.
"""

from __future__ import annotations

import csv
import math
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import InputNotFoundError
from ..fingerprint.template.types import Template
from ..io.decode import IMAGE_SUFFIXES

__all__ = [
    "Dataset",
    "Sample",
    "comparison_pairs",
    "discover_dataset",
    "read_manifest",
    "read_reference_quality",
    "read_reference_scores",
    "read_reference_xyt",
    "sample_key",
]

_FVC_NAME = re.compile(r"^(\d+)_(\d+)$")
_UAREU_NAME = re.compile(r"^(\d+)_(\d+)_(\d+)$")
_SOCOFING_NAME = re.compile(r"^(\d+)__([MF])_(Left|Right)_(\w+?)_finger(?:_(\w+))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Sample:
    """One image of a benchmark dataset."""

    path: Path
    key: str
    identity: str
    impression: str
    altered: bool = False


@dataclass(frozen=True)
class Dataset:
    """The images of a benchmark folder and its layout (``"fvc"``, ``"socofing"``, ``"uareu"``, ``"manifest"``)."""

    root: Path
    layout: str
    samples: tuple[Sample, ...]

    def __len__(self) -> int:
        return len(self.samples)


def sample_key(path: Path) -> str:
    """``<dataset>/<db>/<stem>`` as used by the reference outputs (``fvc2002_b/DB1_B/101_1.tif`` ->
    ``fvc2002/DB1_B/101_1``)."""
    path = Path(path)
    if _UAREU_NAME.match(path.stem) and "_" in path.parent.name:
        # a flat folder named <dataset>_<db> (neurotech_uareu/012_1_1.tif -> neurotech/uareu/012_1_1)
        dataset, db = path.parent.name.split("_", 1)
        return f"{dataset}/{db}/{path.stem}"
    dataset = path.parent.parent.name.split("_")[0] or "data"
    return f"{dataset}/{path.parent.name}/{path.stem}"


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_manifest(manifest: str | Path) -> Dataset:
    r"""The images listed in a CSV manifest with a header ``path,identity`` (relative paths are relative to the
    manifest's folder); the impression is the row's rank among its identity's rows.

    Raises
    ------
    InputNotFoundError
        If the manifest lacks the two columns, lists a missing file, or lists fewer than two images.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("a.png", "b.png"):
    ...     _ = (d / name).write_bytes(b"")
    >>> _ = (d / "m.csv").write_text("path,identity\na.png,x\nb.png,x\n")
    >>> [(s.identity, s.impression) for s in read_manifest(d / "m.csv").samples]
    [('x', '1'), ('x', '2')]
    """
    manifest = Path(manifest)
    with manifest.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = {name.strip().lower(): name for name in reader.fieldnames or ()}
        if not {"path", "identity"} <= set(fields):
            raise InputNotFoundError("a manifest needs the columns path,identity", source=str(manifest))
        rows = [(row[fields["path"]].strip(), row[fields["identity"]].strip()) for row in reader]
    samples: list[Sample] = []
    seen: dict[str, int] = {}
    keys: set[str] = set()
    for rel, identity in rows:
        path = manifest.parent / rel  # an absolute rel replaces the folder
        if not path.is_file():
            raise InputNotFoundError(f"manifest lists a missing image {rel!r}", source=str(manifest))
        seen[identity] = seen.get(identity, 0) + 1
        # the reference outputs' key where the files follow a known layout; unique in any case
        key = sample_key(path)
        key = key if key not in keys else f"{key}#{len(samples)}"
        keys.add(key)
        samples.append(Sample(path, key, identity, str(seen[identity])))
    if len(samples) < 2:
        raise InputNotFoundError("a manifest must list at least two images", source=str(manifest))
    return Dataset(manifest.parent, "manifest", tuple(samples))


def discover_dataset(root: str | Path) -> Dataset:
    """Find the images of an FVC-style, SOCOFing or U.are.U folder, or read a CSV manifest (``path,identity``).

    Raises
    ------
    InputNotFoundError
        If ``root`` is neither a folder nor a ``.csv`` manifest, or holds no image following a known layout.
    """
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        return read_manifest(root)
    if not root.is_dir():
        raise InputNotFoundError("not a folder or a .csv manifest", source=str(root))
    files = _images(root)
    fvc = [(p, m) for p in files if p.parent == root and (m := _FVC_NAME.match(p.stem)) is not None]
    if len(fvc) >= 2:
        samples = tuple(Sample(p, sample_key(p), m.group(1), m.group(2)) for p, m in fvc)
        return Dataset(root, "fvc", samples)
    uareu = [(p, m) for p in files if p.parent == root and (m := _UAREU_NAME.match(p.stem)) is not None]
    if len(uareu) >= 2:
        samples = tuple(Sample(p, sample_key(p), f"{m.group(1)}_{m.group(2)}", m.group(3)) for p, m in uareu)
        return Dataset(root, "uareu", samples)
    soco = [(p, m) for p in files if (m := _SOCOFING_NAME.match(p.stem)) is not None]
    if len(soco) >= 2:
        samples = tuple(
            Sample(p, f"socofing/{p.parent.name}/{p.stem}", "_".join(m.group(i).lower() for i in (1, 3, 4)),
                   m.group(5) or "real", altered=m.group(5) is not None)
            for p, m in soco)
        return Dataset(root, "socofing", samples)
    raise InputNotFoundError("no FVC (<finger>_<impression>.ext), U.are.U (<person>_<finger>_<impression>.ext) or "
                             "SOCOFing images found; for another layout pass a CSV manifest (path,identity)",
                             source=str(root))


def comparison_pairs(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(n, 2)`` to compare and a boolean ``genuine`` flag per pair, following the protocol of
    the dataset's layout (see the module docstring)."""
    ident = np.array([s.identity for s in dataset.samples])
    altered = np.array([s.altered for s in dataset.samples])
    i, j = np.triu_indices(len(dataset.samples), k=1)
    same = ident[i] == ident[j]
    if dataset.layout == "socofing":
        keep = (same & (altered[i] != altered[j])) | (~same & ~altered[i] & ~altered[j])
        i, j, same = i[keep], j[keep], same[keep]
    return np.stack([i, j], axis=1).astype(np.int64), same


# ------------------------------------------------------------------------------------ reference outputs


def _reference_ppi(reference: Path) -> dict[str, float]:
    table = reference / "mindtct" / "fvc.csv"
    if not table.is_file():
        return {}
    with table.open(newline="") as fh:
        return {row["key"]: float(row["ppi"]) for row in csv.DictReader(fh)}


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def read_reference_xyt(reference: str | Path, tool: str, samples: Iterable[Sample]) -> dict[str, Template]:
    """Reference minutiae (``tool`` = ``"mindtct"`` or ``"fjfx"``) of the given samples, as templates in the
    500 ppi frame the tools were given. Samples without a reference file are missing from the result."""
    reference = Path(reference)
    samples = list(samples)
    ppi = _reference_ppi(reference)
    wanted = {s.key: s for s in samples}
    prefix = "xyt" if tool == "mindtct" else tool
    out: dict[str, Template] = {}
    for db in sorted({s.key.rsplit("/", 1)[0] for s in samples}):
        archive = reference / tool / f"{prefix}_{db.replace('/', '_')}.tar.gz"
        if not archive.is_file():
            continue
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                key = member.name[: -len(".xyt")] if member.name.endswith(".xyt") else None
                if key not in wanted:
                    continue
                w, h = _image_size(wanted[key].path)
                scale = 500.0 / ppi.get(key, 500.0)
                stream = tar.extractfile(member)
                if stream is None:
                    continue
                out[key] = Template.from_bytes(stream.read(), "xyt", width=round(w * scale), height=round(h * scale),
                                               ppi=500.0)
    return out


def read_reference_scores(reference: str | Path, tool: str, keys: Iterable[str]) -> dict[tuple[str, str], float]:
    """Reference comparison scores (``tool`` = ``"bozorth3_mindtct"``, ``"bozorth3_fjfx"``...) for the DBs of
    ``keys``, as ``{(key_a, key_b): score}`` (both orders)."""
    reference = Path(reference)
    out: dict[tuple[str, str], float] = {}
    for db in sorted({k.rsplit("/", 1)[0] for k in keys}):
        table = reference / tool / f"{db.replace('/', '_')}.csv"
        if not table.is_file():
            continue
        with table.open(newline="") as fh:
            for row in csv.DictReader(fh):
                out[(row["key_a"], row["key_b"])] = out[(row["key_b"], row["key_a"])] = float(row["score"])
    return out


def read_reference_quality(reference: str | Path, tool: str) -> dict[str, float]:
    """Reference per-image quality (``"nfiq2"``: 0-100; ``"nfiq1"``: inverted to 5 = best .. 1 = worst);
    a failed computation is NaN."""
    reference = Path(reference)
    column = {"nfiq2": "QualityScore", "nfiq1": "nfiq1"}[tool]
    out: dict[str, float] = {}
    for name in ("fvc.csv", "socofing.csv", "neurotech_uareu.csv"):
        table = reference / tool / name
        if not table.is_file():
            continue
        with table.open(newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    value = float(row[column])
                except (TypeError, ValueError):
                    value = float("nan")
                out[row["key"]] = 6.0 - value if tool == "nfiq1" and math.isfinite(value) else value
    return out
