"""Enrolment records from and to the standard containers: ANSI/NIST-ITL transactions, DG2 + DG3, folders."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import cccd_biometrics as cb
from cccd_biometrics.enrolment import DUPLICATE_THRESHOLD
from cccd_biometrics.errors import CccdBiometricsError
from tests.helpers.enrolment import ROOT

EXAMPLE = ROOT / "sample_data" / "records" / "example_tenprint.an2"
CITIZEN = ROOT / "sample_data" / "enrolment" / "citizen_errors"


def test_a_transaction_loads_as_an_enrolment_record():
    rec = cb.EnrolmentRecord.load(EXAMPLE)
    assert sorted(rec.fingers) == list(range(1, 10)) and dict(rec.absent) == {10: "amputated"}
    assert sorted(rec.slaps) == [13] and rec.portrait is not None
    assert all(isinstance(f, cb.FingerImage) for f in rec.fingers.values())


def test_a_folder_record_survives_a_transaction_round_trip(tmp_path):
    rec = cb.EnrolmentRecord.load(CITIZEN)
    assert rec.save(tmp_path / "citizen.an2") == []
    back = cb.EnrolmentRecord.load(tmp_path / "citizen.an2")
    assert sorted(back.fingers) == sorted(rec.fingers) and sorted(back.slaps) == sorted(rec.slaps)
    original = cb.load_fingerprint(rec.fingers[2])
    # WSQ at 0.75 bpp is lossy (measured on this citizen: pixel correlation 0.968-0.976, mean grey difference
    # 8-11.5 levels), but each finger stays the same finger: comparator 0.58-0.82 against its original
    r = np.corrcoef(original.pixels.ravel().astype(float), back.fingers[2].pixels.ravel().astype(float))[0, 1]
    assert r > 0.95
    same = cb.compare_templates(cb.extract_minutiae(original), cb.extract_minutiae(back.fingers[2]))
    assert same > DUPLICATE_THRESHOLD
    assert back.portrait.shape == cb.load_portrait(rec.portrait).pixels.shape
    # the planted duplicate (2 -> 7) is found in the transaction as in the folder
    codes = {f.code for f in cb.check_enrolment(back).findings}
    assert "RECORD_DUPLICATE_FINGER" in codes


def test_dg3_and_dg2_merge_into_one_record(tmp_path):
    rec = cb.EnrolmentRecord.load(EXAMPLE)
    dropped_dg3 = rec.save(tmp_path / "r.dg3")
    dropped_dg2 = rec.save(tmp_path / "r.dg2")
    assert any("portrait" in d for d in dropped_dg3) and any("fingers" in d for d in dropped_dg2)
    back = cb.EnrolmentRecord.load(tmp_path / "r.dg3", tmp_path / "r.dg2")
    assert sorted(back.fingers) == sorted(rec.fingers) and back.portrait is not None


def test_a_damaged_transaction_is_a_typed_error(tmp_path):
    bad = tmp_path / "bad.an2"
    bad.write_bytes(EXAMPLE.read_bytes()[:500])
    with pytest.raises(CccdBiometricsError):
        cb.EnrolmentRecord.load(bad)


def test_enrol_check_reads_a_transaction():
    r = subprocess.run([sys.executable, "-m", "cccd_biometrics", "enrol", "check", str(EXAMPLE), "--format", "jsonl"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr
    row = json.loads(r.stdout.splitlines()[0])
    assert row["verdict"] in ("accept", "recapture", "supervisor")
    assert "RECORD_FINGER_DECLARED_ABSENT" in row["codes"]
