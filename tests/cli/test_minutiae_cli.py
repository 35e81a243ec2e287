from __future__ import annotations

import json

import numpy as np
import pytest

from cccd_biometrics.cli import main
from cccd_biometrics.fingerprint.template.types import Template


@pytest.mark.parametrize("fmt", ["iso", "ansi", "xyt", "json"])
def test_cli_writes_templates_and_overlay(sample_data, tmp_path, capsys, fmt):
    img = sample_data / "fingerprints" / "nist_sd4_f0001_01.png"
    overlay = tmp_path / "ov.png"
    rc = main(["finger", "minutiae", str(img), "--format", fmt, "-o", str(tmp_path / "out"),
               "--overlay", str(overlay)])
    row = json.loads(capsys.readouterr().out)
    assert rc == 0 and row["status"] == "ok" and row["n_minutiae"] > 20
    data = (tmp_path / "out" / row["template"].rsplit("/", 1)[-1]).read_bytes()
    t = Template.from_bytes(data, fmt, height=512)
    assert len(t) == row["n_minutiae"]
    assert overlay.stat().st_size > 1000


def test_cli_folder_with_same_stems_and_bad_file(sample_data, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    rc = main(["finger", "minutiae", str(sample_data / "fingerprints"), str(bad), "-o", str(tmp_path / "o"),
               "--overlay", str(tmp_path / "ov")])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 1
    assert rows[-1]["status"] == "error" and rows[-1]["error_type"] == "UnsupportedFormatError"
    templates = {r["template"] for r in rows if r["status"] == "ok"}
    assert len(templates) == len(rows) - 1  # .png and .wsq of one print do not overwrite each other
    assert len(list((tmp_path / "ov").glob("*.png"))) == len(templates)


def test_cli_blank_image_is_flagged_not_an_error(tmp_path, capsys):
    from cccd_biometrics.io.encode import save_image

    save_image(np.full((200, 200), 255, np.uint8), tmp_path / "blank.png")
    rc = main(["finger", "minutiae", str(tmp_path / "blank.png"), "--ppi", "500", "-o", str(tmp_path)])
    row = json.loads(capsys.readouterr().out)
    assert rc == 1 and row["status"] == "flagged" and row["n_minutiae"] == 0


def test_cli_missing_input_is_usage_error(tmp_path):
    assert main(["finger", "minutiae", str(tmp_path / "none.png"), "-o", str(tmp_path)]) == 2
