"""The public API named in cccd_biometrics.__all__ exists and behaves as documented at the top level."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cccd_biometrics as cb


@pytest.mark.parametrize("name", sorted(cb.__all__))
def test_every_public_name_resolves(name):
    assert getattr(cb, name) is not None


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError):
        cb.no_such_function  # noqa: B018


def test_import_is_light():
    # the CLI must start fast: importing the package must not pull in numba, OpenCV or the face models
    code = "import sys, cccd_biometrics; print(sorted(m for m in ('numba', 'cv2', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_end_to_end_on_sample_print(sample_data):
    img = cb.load_fingerprint(sample_data / "fingerprints" / "synthetic" / "good_2026_1.png")
    analysis = cb.analyze_fingerprint(img)
    q = cb.assess_fingerprint(analysis)
    t = cb.extract_minutiae(analysis)
    assert 0 <= q.score <= 100 and not q.hard_to_read
    assert 25 <= len(t.minutiae) <= 80
    same = cb.Template.from_bytes(t.to_bytes("iso19794-2"))
    assert cb.compare_templates(t, same) > cb.compare_templates(t, cb.Template((), t.width, t.height))
