"""The U.are.U layout (<person>_<finger>_<impression>) and the CSV manifest (path,identity) of the benchmark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cccd_biometrics.bench.datasets import comparison_pairs, discover_dataset, read_reference_quality
from cccd_biometrics.bench.run import PROTOCOLS
from cccd_biometrics.cli import main
from cccd_biometrics.errors import InputNotFoundError


def _touch(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")


def test_uareu_layout_identity_is_person_and_finger(tmp_path):
    root = tmp_path / "neurotech_uareu"
    # person 012 fingers 1 and 10, person 013 finger 1: three identities that share digits
    _touch(root, [f"{p}_{f}_{i}.tif" for p, f in (("012", 1), ("012", 10), ("013", 1)) for i in range(1, 5)])
    ds = discover_dataset(root)
    assert ds.layout == "uareu" and len(ds) == 12
    assert {s.identity for s in ds.samples} == {"012_1", "012_10", "013_1"}
    assert ds.samples[0].key == "neurotech/uareu/012_10_1"  # the reference outputs' key
    pairs, genuine = comparison_pairs(ds)
    assert len(pairs) == 66 and genuine.sum() == 3 * 6 and (~genuine).sum() == 48
    ident = np.array([s.identity for s in ds.samples])
    assert np.array_equal(ident[pairs[:, 0]] == ident[pairs[:, 1]], genuine)
    assert "uareu" in PROTOCOLS and "manifest" in PROTOCOLS


def test_fvc_names_are_not_taken_for_uareu(tmp_path):
    _touch(tmp_path / "fvc2000_b" / "DB1_B", ["101_1.tif", "101_2.tif", "102_1.tif"])
    assert discover_dataset(tmp_path / "fvc2000_b" / "DB1_B").layout == "fvc"


def test_manifest_any_layout(tmp_path):
    _touch(tmp_path / "imgs" / "a", ["x1.png", "x2.png"])
    _touch(tmp_path / "imgs" / "b", ["x1.png", "y.png"])
    (tmp_path / "imgs" / "list.csv").write_text(
        "path,identity\na/x1.png,alice\na/x2.png,alice\nb/x1.png,bob\nb/y.png,bob\n")
    ds = discover_dataset(tmp_path / "imgs" / "list.csv")
    assert ds.layout == "manifest" and len(ds) == 4
    assert [(s.identity, s.impression) for s in ds.samples] == [("alice", "1"), ("alice", "2"), ("bob", "1"),
                                                                ("bob", "2")]
    assert len({s.key for s in ds.samples}) == 4
    pairs, genuine = comparison_pairs(ds)
    assert len(pairs) == 6 and genuine.sum() == 2


@pytest.mark.parametrize("text, why", [("file,who\na.png,x\n", "columns"), ("path,identity\nnope.png,x\n", "missing"),
                                       ("path,identity\na.png,x\n", "two")])
def test_manifest_errors(tmp_path, text, why):
    _touch(tmp_path, ["a.png"])
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(InputNotFoundError, match=why):
        discover_dataset(tmp_path / "m.csv")


def test_a_file_that_is_not_a_manifest_is_refused(tmp_path):
    _touch(tmp_path, ["a.png"])
    with pytest.raises(InputNotFoundError):
        discover_dataset(tmp_path / "a.png")


@pytest.mark.dataset
def test_uareu_reference_quality_and_bench(shared_data, tmp_path):
    """The U.are.U folder is read as such, its keys find NIST's outputs, and the bench runs on it (reference
    minutiae + BOZORTH3: the reference README's MINDTCT + BOZORTH3 figures, EER 2.17 %, FNMR@1 % 2.97 %)."""
    root = shared_data / "neurotech_uareu"
    ds = discover_dataset(root)
    assert ds.layout == "uareu" and len(ds) == 520 and len({s.identity for s in ds.samples}) == 65
    nfiq2 = read_reference_quality(shared_data / "reference", "nfiq2")
    assert all(np.isfinite(nfiq2[s.key]) for s in ds.samples)
    out = tmp_path / "out"
    assert main(["bench", str(root), "--out", str(out), "--matcher", "bozorth3-ref", "--quality", "nfiq2-ref",
                 "--bootstrap", "50"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["genuine"] == 1820 and res["counts"]["impostor"] == 133120
    assert round(100 * res["metrics"]["eer"], 2) == 2.17
    assert round(100 * res["metrics"]["fnmr_at_fmr_1pct"], 2) == 2.97
    assert res["metrics"]["fnmr_at_fmr_0.1pct_ci95"] is not None


@pytest.mark.dataset
def test_manifest_over_fvc_files_matches_the_folder(shared_data, tmp_path):
    root = shared_data / "fvc2002_b" / "DB1_B"
    lines = ["path,identity"] + [f"{p},{p.stem.split('_')[0]}" for p in sorted(root.glob("*.tif"))]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    a, b = discover_dataset(tmp_path / "m.csv"), discover_dataset(root)
    assert [s.key for s in a.samples] == [s.key for s in b.samples]
    assert np.array_equal(comparison_pairs(a)[1], comparison_pairs(b)[1])
