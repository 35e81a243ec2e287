"""``cccd-bio finger compare`` on template files: every template suffix goes through the one template codec."""

from __future__ import annotations

import json
from pathlib import Path

import cccd_biometrics as cb
from cccd_biometrics.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "fingerprints" / "synthetic"


def _score(capsys, a: Path, b: Path) -> float:
    assert main(["finger", "compare", str(a), str(b), "--format", "json"]) in (0, 1)
    return float(json.loads(capsys.readouterr().out)["score"])


def test_json_iso_and_xyt_files_of_one_template_compare_alike(tmp_path, capsys):
    t = cb.Template.from_bytes((SAMPLE / "dry_2027_1.iso").read_bytes())
    (tmp_path / "t.json").write_bytes(t.to_bytes("json"))
    (tmp_path / "plain.json").write_text(json.dumps(t.to_dict()))  # to_dict() alone, no metadata
    (tmp_path / "t.xyt").write_bytes(t.to_bytes("xyt"))
    iso = SAMPLE / "dry_2027_1.iso"
    same = _score(capsys, iso, iso)
    assert same > cb.fingerprint.match.mcc.DECISION_THRESHOLDS["fmr_0.1%"]
    assert _score(capsys, tmp_path / "t.json", iso) == same
    assert _score(capsys, tmp_path / "plain.json", iso) == same
    # .xyt keeps integer pixels and whole degrees and loses the height: close, not equal
    assert abs(_score(capsys, tmp_path / "t.xyt", iso) - same) < 0.1 * same


def test_malformed_template_files_exit_1_missing_ones_2_with_a_message(tmp_path, capsys):
    """The CLI's one exit-code policy: an input that exists but cannot be read is the input's fault (1, as an
    error row of a batch run), a file that does not exist is the command line's (2)."""
    (tmp_path / "bad.json").write_text('{"minutiae": [{"x": "a", "y": 1, "angle": 0}], "width": 1, "height": 1}')
    (tmp_path / "bad.xyt").write_text("10 twenty 30\n")
    (tmp_path / "bad.iso").write_bytes(b"FMR\x00 20\x00\x00\x00")
    good = SAMPLE / "dry_2027_1.iso"
    for bad in ("bad.json", "bad.xyt", "bad.iso"):
        assert main(["finger", "compare", str(tmp_path / bad), str(good)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("cccd-bio finger compare: TemplateFormatError:") and "Traceback" not in err
    assert main(["finger", "compare", str(tmp_path / "none.iso"), str(good)]) == 2
    assert capsys.readouterr().err.startswith("cccd-bio finger compare: InputNotFoundError:")
