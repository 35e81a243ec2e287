"""Standard record files in batch runs: one row per contained image, resumable by record file."""

from __future__ import annotations

import json
from pathlib import Path

from cccd_biometrics.batch.check import check_record_file, is_record_file
from cccd_biometrics.batch.run import run_batch
from cccd_biometrics.records.files import container_of, member_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sample_data" / "records" / "example_tenprint.an2"


def test_one_row_per_image_of_a_transaction():
    rows = check_record_file(EXAMPLE)
    names = [r.path.split("#")[1] for r in rows]
    assert names == [f"finger-{p:02d}" for p in range(1, 10)] + ["slap-13", "portrait"]
    assert [r.kind for r in rows].count("fingerprint") == 9 and rows[-1].kind == "portrait"
    assert all(r.status in ("ok", "flagged") for r in rows)
    assert all(container_of(r.path) == str(EXAMPLE) for r in rows)
    slap = rows[9]
    assert slap.kind == "slap" and slap.details["expected"] == 4
    assert slap.details["found"] == 4 and not slap.codes  # the composed sample slap shows all four fingers


def test_portrait_rows_carry_their_findings():
    # an operator reading the CSV needs the message and the action, not only the code
    portrait = check_record_file(EXAMPLE)[-1]
    assert portrait.codes and [f["code"] for f in portrait.findings] == list(portrait.codes)
    assert all(f["action"] and f["message"] and f["threshold"] is not None for f in portrait.findings)


def test_a_damaged_record_is_one_error_row(tmp_path):
    bad = tmp_path / "bad.an2"
    bad.write_bytes(EXAMPLE.read_bytes()[:300])
    rows = check_record_file(bad)
    assert len(rows) == 1 and rows[0].status == "error" and rows[0].error_type == "RecordFormatError"


def test_member_names_are_unambiguous():
    assert is_record_file("x.AN2") and is_record_file("y.dg3") and not is_record_file("z.png")
    assert container_of(member_path("a#b.eft", "slap-14")) == "a#b.eft"
    assert container_of("photo#portrait.jpg") is None and container_of("scan#finger-11") is None


def test_a_folder_run_reads_records_and_resumes_by_record(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.an2").write_bytes(EXAMPLE.read_bytes())
    out = tmp_path / "rows.jsonl"
    first = run_batch([str(folder)], output=out, executor="inline")
    assert first.stats.checked == 11
    again = run_batch([str(folder)], output=out, executor="inline", resume=True)
    assert again.stats.checked == 0 and again.stats.skipped == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 11 and len({r["path"] for r in rows}) == 11


def test_an_incomplete_slap_row_is_flagged_with_its_finding():
    from cccd_biometrics.batch.check import _member_row, _slap_fields
    from cccd_biometrics.records.files import read_record_file

    pixels = read_record_file(EXAMPLE).slaps[13].pixels.copy()
    # only the index finger (and a sliver of the middle one, too narrow for a finger) left on the platen; the
    # segmenter before 2026-12-07's third round cut the lone index in two and reported 2 found
    pixels[:, 520:] = 240
    row = _member_row(member_path(EXAMPLE, "slap-13"), "slap", lambda: _slap_fields(pixels, 13, 500.0, {}))
    assert row.status == "flagged" and row.codes == ("SLAP_INCOMPLETE",)
    assert row.findings[0]["severity"] == "error" and row.details == {"found": 1, "expected": 4}


CITIZEN = ROOT / "sample_data" / "enrolment" / "citizen_errors"


def _copy_citizen(dest: Path) -> Path:
    import shutil

    shutil.copytree(CITIZEN, dest)
    return dest


def test_a_record_folder_is_one_input_checked_by_position(tmp_path):
    # a slap is segmented as a slap, not checked as one huge fingerprint (it was, before record folders were inputs)
    parent = tmp_path / "archive"
    parent.mkdir()
    record = _copy_citizen(parent / "citizen")
    (parent / "loose.png").write_bytes((ROOT / "sample_data" / "fingerprints" / "nist_sd4_f0001_01.png").read_bytes())
    from cccd_biometrics.batch.inputs import iter_inputs

    assert list(iter_inputs([parent], recursive=True)) == [str(parent / "loose.png"), str(record / "manifest.json")]
    assert list(iter_inputs([record])) == [str(record / "manifest.json")]  # named directly: the same input
    rows = check_record_file(record / "manifest.json")
    names = [r.path.split("#")[1] for r in rows]
    assert names == [f"finger-{p:02d}" for p in range(1, 11)] + ["slap-13", "slap-14", "slap-15", "portrait"]
    assert [r.kind for r in rows[10:13]] == ["slap"] * 3 and all(r.details["found"] == r.details["expected"]
                                                                 for r in rows[10:13])
    assert all(r.status != "error" for r in rows) and rows[-1].kind == "portrait"

    out = tmp_path / "rows.jsonl"
    assert run_batch([str(parent)], output=out, executor="inline", recursive=True).stats.checked == 15
    again = run_batch([str(parent)], output=out, executor="inline", recursive=True, resume=True)
    assert again.stats.checked == 0 and again.stats.skipped == 2  # the loose print and the record


def test_a_folder_whose_manifest_is_something_else_is_walked_as_images(tmp_path):
    from cccd_biometrics.batch.inputs import iter_inputs

    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.png").write_bytes((ROOT / "sample_data" / "fingerprints" / "nist_sd4_f0001_01.png").read_bytes())
    for other in ('{"name": "my dataset", "files": 1}', "not json", '{"fingers": {}}', "[1, 2]"):
        (folder / "manifest.json").write_text(other)
        assert list(iter_inputs([folder])) == [str(folder / "a.png")], other
