"""The records layer imports only downward (io, images, errors, findings, fingerprint templates) and ships a
readable example transaction."""

from __future__ import annotations

import ast
from pathlib import Path

import cccd_biometrics.records as records
from cccd_biometrics.records import read_transaction
from cccd_biometrics.records.files import record_kind

FORBIDDEN = ("batch", "bench", "cli", "enrolment", "face", "report", "checks", "visualize")


def test_records_imports_point_down():
    root = Path(records.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                top = (node.module or "").split(".")[0]
                assert top not in FORBIDDEN, f"{path.name} imports cccd_biometrics.{node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "cccd_biometrics" and len(parts) > 1 and parts[1] in FORBIDDEN)


def test_sample_transaction(sample_data):
    path = sample_data / "records" / "example_tenprint.an2"
    rec = read_transaction(path)
    assert sorted(rec.fingers) == list(range(1, 10)) and rec.absent == {10: "XX"}
    assert [s.position for s in rec.slaps[13].segments] == [2, 3, 4, 5]
    assert sorted(rec.templates) == list(range(1, 10)) and rec.portrait is not None
    assert all(c.quality and c.quality[0].product == 0xCCCD for c in rec.fingers.values())


def test_record_kind_from_content(tmp_path, sample_data):
    data = (sample_data / "records" / "example_tenprint.an2").read_bytes()
    (tmp_path / "x.bin").write_bytes(data)
    assert record_kind(tmp_path / "x.bin") == "ansi_nist"
    (tmp_path / "y.bin").write_bytes(b"FAC\x00010\x00")
    assert record_kind(tmp_path / "y.bin") == "iso19794_5"
    assert record_kind(tmp_path / "out", for_writing=True) == "folder"


def test_docstring_examples():
    import doctest
    import importlib

    for name in ("ansi_nist", "ber_tlv", "icao_dg", "iso19794_4", "iso19794_5", "model"):
        module = importlib.import_module(f"cccd_biometrics.records.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
