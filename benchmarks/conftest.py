"""Benchmark fixtures: one ~400x400 fingerprint written in every supported format.

Run with ``pytest benchmarks/ --benchmark-only`` from the project root. Files named ``bench_*.py`` are
collected here (the test suite's ``testpaths`` does not include this folder).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cccd_biometrics as cb

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "fingerprints" / "nist_sd14_f0000001_rolled.png"
FORMATS = {"PNG": "png", "BMP": "bmp", "TIFF": "tif", "JPEG": "jpg", "JPEG2000": "jp2", "WSQ": "wsq"}


def pytest_collect_file(parent, file_path):
    # a file named on the command line is collected by pytest itself; collecting it here too would run it twice
    if parent.session.isinitpath(file_path):
        return None
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def fingerprint_400() -> np.ndarray:
    """The centre 400x400 of the public-domain NIST SD14 rolled print (500 ppi)."""
    g = np.asarray(Image.open(SAMPLE).convert("L"))
    y0, x0 = (g.shape[0] - 400) // 2, (g.shape[1] - 400) // 2
    return np.ascontiguousarray(g[y0 : y0 + 400, x0 : x0 + 400])


@pytest.fixture(scope="session")
def fingerprint_files(tmp_path_factory, fingerprint_400) -> dict[str, Path]:
    """format name -> file holding ``fingerprint_400`` in that format (500 ppi in the metadata)."""
    folder = tmp_path_factory.mktemp("formats")
    image = cb.load_fingerprint(fingerprint_400, ppi=500)
    return {fmt: cb.save_image(image, folder / f"fp.{suffix}") for fmt, suffix in FORMATS.items()}
