"""What this installation runs on: the versions of everything that can change a result.

A quality score, a portrait code or a minutia can move when OpenCV, numpy or numba change (the face
networks run on OpenCV's DNN engines, which differ between 4.x, 5.0 and 5.1), so a bug report, a batch run
and a benchmark result carry these versions once per run (``cccd-bio doctor``, report metadata,
``results.json``), never once per row.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

import cv2

from . import __version__
from .errors import ModelLoadError
from .face.detect import dnn_engine, model_digests

__all__ = ["format_versions", "runtime_versions"]

# distribution name on PyPI -> label in the report; each of these can change a result
_DISTRIBUTIONS = {
    "numpy": "numpy",
    "numba": "numba",
    "llvmlite": "llvmlite",
    "opencv-python-headless": "opencv-python-headless",
    "opencv-python": "opencv-python",
    "opencv-contrib-python-headless": "opencv-contrib-python-headless",
    "opencv-contrib-python": "opencv-contrib-python",
    "pillow": "Pillow",
    "wsq": "wsq",
    "pyarrow": "pyarrow",
    "matplotlib": "matplotlib",
}


def _installed(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def runtime_versions(*, face_engine: bool = True) -> dict[str, Any]:
    """Versions of Python, this package, its numeric dependencies, OpenCV's DNN engine and the models.

    Parameters
    ----------
    face_engine:
        Also load the bundled face networks to name the DNN engine that runs them (about 15 ms once per
        thread). A failure to load is reported in the result, not raised.

    Returns
    -------
    dict
        JSON-safe: ``python``, ``platform``, ``cccd_biometrics``, ``packages`` (distribution -> version,
        for those installed), ``opencv`` (``cv2.__version__``), ``dnn_engine`` and ``models``
        (file -> sha256).

    Examples
    --------
    >>> from cccd_biometrics.provenance import runtime_versions
    >>> v = runtime_versions(face_engine=False)
    >>> sorted(v)[:3]
    ['cccd_biometrics', 'dnn_engine', 'models']
    """
    engine = "not loaded"
    if face_engine:
        try:
            engine = dnn_engine().engine
        except ModelLoadError as exc:
            engine = f"unavailable: {exc}"
    packages = {label: v for dist, label in _DISTRIBUTIONS.items() if (v := _installed(dist)) is not None}
    return {
        "cccd_biometrics": __version__,
        "python": sys.version.split()[0],
        "platform": f"{platform.system()} {platform.machine()}",
        "packages": packages,
        "opencv": cv2.__version__,
        "dnn_engine": engine,
        "models": model_digests(),
    }


def format_versions(versions: dict[str, Any]) -> str:
    """``runtime_versions()`` as aligned text lines, the form ``cccd-bio doctor`` prints."""
    lines = [f"cccd_biometrics  {versions['cccd_biometrics']}",
             f"python           {versions['python']} ({versions['platform']})"]
    lines += [f"{name:<16} {version}" for name, version in versions["packages"].items()]
    lines.append(f"OpenCV DNN       {versions['opencv']}, engine {versions['dnn_engine']}")
    lines += [f"model            {name} sha256 {digest}" for name, digest in versions["models"].items()]
    return "\n".join(lines)
