"""The folder form of a record: one manifest reader for the enrolment check, conversion and batch runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cccd_biometrics as cb
from cccd_biometrics.errors import EnrolmentRecordError, InputNotFoundError, RecordFormatError
from cccd_biometrics.records.files import read_folder, read_record_file
from cccd_biometrics.records.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = ROOT / "sample_data" / "enrolment" / "citizen_clean"


def test_the_sample_citizens_are_self_contained_and_read_alike():
    for name in ("citizen_clean", "citizen_errors"):
        m = read_manifest(CITIZEN.parent / name)
        assert all(f.is_relative_to(m.folder.resolve()) for f in [*m.fingers.values(), *m.slaps.values(), m.portrait])
        images = read_record_file(m.path)
        rec = cb.EnrolmentRecord.from_manifest(m.folder)
        assert sorted(images.fingers) == sorted(rec.fingers) == list(range(1, 11))
        assert sorted(images.slaps) == sorted(rec.slaps) == [13, 14, 15]
        assert images.portrait is not None and rec.portrait == m.portrait


def _folder(tmp_path: Path, manifest: dict) -> Path:
    folder = tmp_path / "rec"
    folder.mkdir(exist_ok=True)
    Image.fromarray(np.full((300, 300), 200, np.uint8)).save(folder / "f1.png")  # no dpi in the file
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_ppi_and_id_mean_the_same_to_every_reader(tmp_path):
    # read_folder refused "ppi" and "id" while the enrolment check took them: one reader now
    folder = _folder(tmp_path, {"fingers": {"1": "f1.png"}, "ppi": 1000, "id": "citizen 7", "absent": {"2": "XX"}})
    m = read_manifest(folder)
    assert m.ppi == 1000.0 and m.id == "citizen 7" and m.absent == {2: "XX"}
    assert read_folder(folder).fingers[1].ppi == 1000.0  # the manifest's ppi where the file states none
    assert cb.EnrolmentRecord.from_manifest(folder).ppi == 1000.0


@pytest.mark.parametrize(("manifest", "words"), [
    ({"fingers": {"1": "../outside.png"}}, "outside"),
    ({"portrait": "/etc/hostname"}, "outside"),
    ({"fingers": {"01": "f1.png"}}, "positions"),
    ({"fingers": {"11": "f1.png"}}, "positions"),
    ({"slaps": {"12": "f1.png"}}, "positions"),
    ({"fingers": {"1": 5}}, "text"),
    ({"fingers": ["f1.png"]}, "object"),
    ({"finger": {"1": "f1.png"}}, "unknown"),
    ({"fingers": {"1": "f1.png"}, "ppi": "500"}, "ppi"),
    ({"fingers": {"1": "f1.png"}, "ppi": 5}, "ppi"),
    ({"fingers": {"1": "f1.png"}, "id": 7}, "id"),
])
def test_a_bad_manifest_is_refused_alike_by_both_readers(tmp_path, manifest, words):
    (tmp_path / "outside.png").write_bytes(b"")
    folder = _folder(tmp_path, manifest)
    with pytest.raises(RecordFormatError, match=words):
        read_manifest(folder)
    with pytest.raises(RecordFormatError, match=words):
        read_folder(folder)
    with pytest.raises(EnrolmentRecordError, match=words):
        cb.EnrolmentRecord.from_manifest(folder)


def test_missing_things_are_input_not_found(tmp_path):
    with pytest.raises(InputNotFoundError):
        read_manifest(tmp_path)
    folder = _folder(tmp_path, {"fingers": {"1": "f1.png", "2": "gone.png"}})
    for reader in (read_manifest, read_folder, cb.EnrolmentRecord.from_manifest):
        with pytest.raises(InputNotFoundError, match=r"gone\.png"):
            reader(folder)


def test_a_manifest_that_is_not_json_or_too_big(tmp_path):
    folder = _folder(tmp_path, {})
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(RecordFormatError, match="JSON"):
        read_manifest(folder / "manifest.json")
    (folder / "manifest.json").write_bytes(b" " * (2 << 20))
    with pytest.raises(RecordFormatError, match="larger"):
        read_manifest(folder)


def test_a_record_folder_can_be_moved(tmp_path):
    moved = shutil.copytree(CITIZEN, tmp_path / "elsewhere")
    assert read_manifest(moved).portrait == (moved / "portrait.jpg").resolve()
