"""The shipped sample citizens are what today's generator and compositor write.

They had drifted: the compositor's fifth-round fix added ``unseen`` to the slap truth and moved a few slap pixels,
and the folders stayed as written before it. A rerun must give the same manifest and truth (boxes within a tenth
of a pixel) and the same images up to what differs between library builds: at the lowest declared versions
(numpy 1.24, OpenCV 4.9) 0.08-0.9 % of the pixels are one grey step (16 levels of the 16-level images) apart from
the files written with the newest; a change to the generator or the compositor moves far more, or by more.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cccd_biometrics.fingerprint.slap_compose import write_citizen
from tests.helpers.enrolment import ROOT

CITIZENS = ROOT / "sample_data" / "enrolment"
PORTRAITS = ROOT / "sample_data" / "portraits"


def _same_shape(a, b, path=""):
    """Structure and values of two JSON trees equal, numbers within 0.1."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"keys differ at {path or 'top'}"
        for k in a:
            _same_shape(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"lengths differ at {path}"
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_shape(x, y, f"{path}[{k}]")
    elif isinstance(a, float | int) and not isinstance(a, bool):
        assert b == pytest.approx(a, abs=0.1), f"{path}: {a} vs {b}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.mark.parametrize(("name", "seed", "plant", "portrait"), [
    ("citizen_clean", 5100, (), "frl_london_024_neutral.jpg"),
    ("citizen_errors", 5200, ("duplicate", "swap"), "frl_london_042_neutral.jpg"),
])
def test_sample_citizen_regenerates(tmp_path, name, seed, plant, portrait):
    manifest = write_citizen(tmp_path, seed=seed, plant=plant, portrait=PORTRAITS / portrait)
    shipped = CITIZENS / name
    assert manifest == json.loads((shipped / "manifest.json").read_text())
    _same_shape(json.loads((shipped / "truth.json").read_text()), json.loads((tmp_path / "truth.json").read_text()))
    files = [*manifest["fingers"].values(), *manifest["slaps"].values()]
    for file in files:
        old = np.asarray(Image.open(shipped / file)).astype(np.int16)
        new = np.asarray(Image.open(tmp_path / file)).astype(np.int16)
        assert old.shape == new.shape
        assert np.mean(old != new) <= 0.02, file
        assert np.abs(old - new).max() <= 16, file
    assert (shipped / manifest["portrait"]).read_bytes() == (tmp_path / manifest["portrait"]).read_bytes()
