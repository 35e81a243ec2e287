"""``cccd-bio convert`` through the console script: every kind in and out, what is kept, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cccd_biometrics.records import read_transaction, write_transaction
from cccd_biometrics.records.files import read_record_file
from tests.helpers.records import SAMPLE, enrolment


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("cccd-bio")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cccd_biometrics"]


def convert(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([*_script(), "convert", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def transaction(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("an2") / "enrol.an2"
    write_transaction(enrolment(), path, date="20261207", tcn="CLI")
    return path


def test_transaction_to_folder_and_back(tmp_path, transaction):
    proc = convert(transaction, tmp_path / "folder")
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["fingers"] == list(range(1, 10)) and row["slaps"] == [13] and row["portrait"]
    assert set(row["dropped"]) == {"1 minutiae templates", "Type-2 text", "slap segments", "quality scores"}
    manifest = json.loads((tmp_path / "folder" / "manifest.json").read_text())
    assert manifest["fingers"]["1"] == "finger_01.wsq" and manifest["absent"] == {"10": "amputated"}
    assert manifest["portrait"] == "portrait.jpg"
    proc = convert(tmp_path / "folder", tmp_path / "again.an2", "--date", "20261207")
    assert proc.returncode == 0, proc.stderr
    a, b = read_transaction(transaction), read_transaction(tmp_path / "again.an2")
    assert b.absent == {10: "XX"}
    for p in a.fingers:  # the WSQ files went through untouched: same stored bytes, same pixels
        assert b.fingers[p].encoded == a.fingers[p].encoded
    assert b.portrait.encoded == a.portrait.encoded


def test_sample_folder_in_manifest_shape(tmp_path):
    """A folder written by hand with the manifest shape of the enrolment-record issue."""
    folder = tmp_path / "capture"
    folder.mkdir()
    fp = SAMPLE / "fingerprints"
    shutil.copy(fp / "nist_sd4_f0001_01.wsq", folder / "r_index.wsq")
    shutil.copy(fp / "nist_sd4_f0001_01.png", folder / "r_thumb.png")
    shutil.copy(SAMPLE / "portraits" / "frl_london_024_neutral.jpg", folder / "face.jpg")
    (folder / "manifest.json").write_text(json.dumps({
        "fingers": {"1": "r_thumb.png", "2": "r_index.wsq"}, "slaps": {"13": "r_index.wsq"},
        "absent": {"7": "amputated", "8": "unable to print"}, "portrait": "face.jpg"}))
    out = tmp_path / "out.eft"
    proc = convert(folder / "manifest.json", out)
    assert proc.returncode == 0, proc.stderr
    rec = read_transaction(out)
    assert sorted(rec.fingers) == [1, 2] and sorted(rec.slaps) == [13] and rec.absent == {7: "XX", 8: "UP"}
    assert rec.fingers[2].encoded == (fp / "nist_sd4_f0001_01.wsq").read_bytes()
    assert rec.fingers[1].compression == "WSQ" and rec.fingers[1].shape == (512, 512)
    assert rec.portrait.encoded == (SAMPLE / "portraits" / "frl_london_024_neutral.jpg").read_bytes()


@pytest.mark.parametrize("suffix, keeps", [(".fir", "fingers"), (".fac", "portrait"), (".dg2", "portrait"),
                                           (".dg3", "fingers")])
def test_transaction_to_iso_and_icao(tmp_path, transaction, suffix, keeps):
    out = tmp_path / f"rec{suffix}"
    proc = convert(transaction, out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dropped"]  # each of these holds only part of an enrolment
    rec = read_record_file(out)
    src = read_transaction(transaction)
    if keeps == "fingers":
        assert sorted(rec.fingers) == sorted(src.fingers)
        assert all(rec.fingers[p].encoded == src.fingers[p].encoded for p in src.fingers)
    else:
        assert rec.portrait is not None and np.array_equal(rec.portrait.pixels, src.portrait.pixels)
    back = tmp_path / "back.an2"
    assert convert(out, back, "--date", "20261207").returncode == 0
    assert read_transaction(back).fingers.keys() == rec.fingers.keys()


def test_exit_codes(tmp_path, transaction):
    assert convert(tmp_path / "missing.an2", tmp_path / "x.fir").returncode == 2
    assert convert(transaction, tmp_path / "x.unknown").returncode == 2
    bad = tmp_path / "bad.an2"
    bad.write_bytes(b"1.001:40\x1dgarbage")
    proc = convert(bad, tmp_path / "x.fir")
    assert proc.returncode == 1 and "RecordFormatError" in proc.stderr
    fac = tmp_path / "face.fac"
    assert convert(transaction, fac).returncode == 0
    assert convert(fac, tmp_path / "fingers.fir").returncode == 1  # a face record has no finger to write


def test_manifest_cannot_reach_outside_its_folder(tmp_path):
    from cccd_biometrics.errors import RecordFormatError
    from cccd_biometrics.records.files import read_folder

    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copy(SAMPLE / "fingerprints" / "nist_sd4_f0001_01.wsq", tmp_path / "outside.wsq")
    (folder / "manifest.json").write_text(json.dumps({"fingers": {"1": "../outside.wsq"}}))
    with pytest.raises(RecordFormatError, match="outside"):
        read_folder(folder)
    (folder / "manifest.json").write_text(json.dumps({"fingers": {"11": "x.wsq"}}))
    with pytest.raises(RecordFormatError, match="fingers"):
        read_folder(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(RecordFormatError, match="JSON"):
        read_folder(folder)


def test_fir_edition_2011_keeps_every_quality_score(tmp_path, transaction):
    out = tmp_path / "rec.fir"
    assert convert(transaction, out, "--fir-edition", "2011").returncode == 0
    assert out.read_bytes()[:8] == b"FIR\x00020\x00"
    src = read_transaction(transaction)
    rec = read_record_file(out)
    assert all(rec.fingers[p].quality == src.fingers[p].quality for p in src.fingers if p != 1)
