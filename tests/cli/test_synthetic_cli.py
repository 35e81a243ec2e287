"""``cccd-bio synth``: files, ground truth and exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cccd_biometrics.cli import main
from cccd_biometrics.fingerprint.capture import load_fingerprint
from cccd_biometrics.fingerprint.synthetic.generator import generate_master, quality_parameters, render_impression


def test_synth_writes_images_and_ground_truth(tmp_path):
    out = tmp_path / "synth"
    rc = main(["synth", "--count", "2", "--seed", "40", "-o", str(out), "--quality", "mixed",
               "--size", "260x220", "--impressions", "2"])
    assert rc == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["images"]) == 4
    assert [r["quality"] for r in manifest["images"]] == ["good", "good", "dry", "dry"]
    record = json.loads((out / "dry_41_2.json").read_text())
    assert record["quality"] == "dry" and record["master_seed"] == 41 and record["seed"] == 2
    img = load_fingerprint(out / "dry_41_2.png")
    assert img.shape == (260, 220) and img.original_ppi == pytest.approx(500, abs=0.5)  # PNG stores px per metre
    # the files hold exactly what the API produces for the same seeds
    imp = render_impression(generate_master(41, size=(260, 220)), 2, **quality_parameters("dry", 41 * 7919 + 2))
    assert np.array_equal(img.pixels, imp.image)
    assert record["minutiae"] == [m.to_dict() for m in imp.minutiae]


def test_synth_usage_errors(tmp_path, capsys):
    assert main(["synth", "--count", "0", "-o", str(tmp_path)]) == 2
    assert main(["synth", "--count", "1", "--size", "big", "-o", str(tmp_path)]) == 2
    assert main(["synth", "--count", "1", "--seed", "-5", "-o", str(tmp_path)]) == 2
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["synth", "--count", "1", "-o", str(blocker / "sub")]) == 2
    assert "cccd-bio synth" in capsys.readouterr().err


def test_synth_writes_iso_templates_when_the_codecs_exist(tmp_path):
    from cccd_biometrics.fingerprint.template.types import Template

    if not hasattr(Template, "to_bytes"):
        pytest.skip("Template.to_bytes (ISO/IEC 19794-2 codec) not available in this build")
    out = tmp_path / "synth"
    assert main(["synth", "--count", "1", "--seed", "7", "-o", str(out), "--size", "300x260"]) == 0
    record = json.loads((out / "good_7_1.json").read_text())
    decoded = Template.from_bytes((out / "good_7_1.iso").read_bytes())
    assert len(decoded.minutiae) == len(record["minutiae"])
    for m, r in zip(decoded.minutiae, record["minutiae"], strict=True):
        assert abs(m.x - r["x"]) <= 1 and abs(m.y - r["y"]) <= 1   # ISO stores whole pixels
        assert abs((m.angle - r["angle"] + 180) % 360 - 180) <= 1.5   # and 1.40625-degree steps
        assert m.kind == r["kind"]
