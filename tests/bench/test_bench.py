"""Benchmark metrics (EER, FNMR@FMR, DET, ERC), dataset layouts, reference readers and the bench CLI."""

from __future__ import annotations

import csv
import json
import tarfile

import numpy as np
import pytest

from cccd_biometrics.bench import metrics
from cccd_biometrics.bench import run as bench
from cccd_biometrics.bench.datasets import (
    comparison_pairs,
    discover_dataset,
    read_reference_quality,
    read_reference_scores,
)
from cccd_biometrics.cli import main
from cccd_biometrics.errors import InputNotFoundError


# ---------------------------------------------------------------------------------------------- metrics
def test_error_rates_by_hand():
    gen, imp = [0.2, 0.5, 0.8, 0.9], [0.1, 0.3, 0.6]
    r = metrics.error_rates(gen, imp)
    np.testing.assert_array_equal(r.thresholds, [0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9, np.inf])
    np.testing.assert_allclose(r.fnmr, [0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 1])
    np.testing.assert_allclose(r.fmr, [1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0, 0])


def test_eer_cases():
    assert metrics.eer([0.6, 0.7], [0.1, 0.2]) == 0.0
    assert metrics.eer([0.1, 0.2], [0.6, 0.7]) == pytest.approx(1.0)
    # crossing between t=0.5 (FNMR 0.25, FMR 1/3) and t=0.6 (FNMR 0.5, FMR 1/3): EER in [0.25, 1/3]
    assert metrics.eer([0.2, 0.5, 0.8, 0.9], [0.1, 0.3, 0.6]) == pytest.approx((0.25 + 1 / 3) / 2)


def test_fnmr_at_fmr_and_threshold_with_ties():
    imp = np.r_[np.zeros(98), 5.0, 5.0]  # 2 % of impostors tie at 5
    gen = np.array([4.0, 6.0, 7.0, 8.0])
    assert metrics.threshold_at_fmr(imp, 0.01) == np.inf  # the tie cannot be split: reject everything
    assert metrics.threshold_at_fmr(imp, 0.02) == 5.0
    assert metrics.fnmr_at_fmr(gen, imp, 0.02) == 0.25
    assert metrics.fnmr_at_fmr(gen, imp, 0.01) == 1.0  # nothing above the ties: every genuine pair rejected


def test_det_curve_is_monotonic():
    rng = np.random.default_rng(0)
    fmr, fnmr = metrics.det_curve(rng.normal(1, 1, 300), rng.normal(0, 1, 3000))
    assert np.all(np.diff(fmr) <= 0) and np.all(np.diff(fnmr) >= 0)
    assert fmr[0] == 1.0 and fnmr[-1] == 1.0


def test_erc_oracle_random_and_ties():
    scores = np.array([0.1, 0.2, 0.9, 0.8, 0.7, 0.95, 0.85, 0.6, 0.75, 0.65])  # 2 errors below 0.5
    fractions, fnmr = metrics.erc_curve(scores, scores, threshold=0.5)
    np.testing.assert_allclose(fractions, [0.0, 0.1, 0.2])
    np.testing.assert_allclose(fnmr, [0.2, 1 / 9, 0.0])
    # one quality level for all: rejection is random in expectation, FNMR stays flat, area 1
    fractions, fnmr = metrics.erc_curve(scores, np.ones_like(scores), threshold=0.5)
    np.testing.assert_allclose(fnmr, 0.2)
    assert metrics.erc_area(fractions, fnmr) == pytest.approx(1.0)
    # a failed quality (NaN) is rejected first
    q = np.where(scores < 0.5, np.nan, 1.0)
    assert metrics.erc_curve(scores, q, 0.5)[1][-1] == 0.0
    assert np.isnan(metrics.pairwise_quality([np.nan, 3.0], [1.0, 2.0])[0])


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError):
        metrics.eer([], [0.1])
    with pytest.raises(ValueError):
        metrics.eer([np.nan], [0.1])
    with pytest.raises(ValueError):
        metrics.erc_curve([0.1, 0.2], [1.0], 0.5)


# ---------------------------------------------------------------------------------------------- layouts
def _touch(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(b"")


def test_fvc_layout_and_protocol(tmp_path):
    root = tmp_path / "fvc2002_b" / "DB1_B"
    _touch(root, [f"{f}_{i}.tif" for f in range(101, 111) for i in range(1, 9)] + ["readme.txt"])
    ds = discover_dataset(root)
    assert ds.layout == "fvc" and len(ds) == 80
    assert ds.samples[0].key == "fvc2002/DB1_B/101_1"
    pairs, genuine = comparison_pairs(ds)
    assert len(pairs) == 3160 and genuine.sum() == 280 and (~genuine).sum() == 2880
    assert np.all(pairs[:, 0] < pairs[:, 1])


def test_socofing_layout_and_protocol(tmp_path):
    real = [f"{s}__M_Left_{f}_finger.BMP" for s in (1, 2) for f in ("index", "thumb")]
    _touch(tmp_path / "Real", real)
    _touch(tmp_path / "Altered" / "Altered-Easy",
           [f"{s}__M_Left_{f}_finger_{a}.BMP" for s in (1, 2) for f in ("index", "thumb") for a in ("CR", "Obl")])
    ds = discover_dataset(tmp_path)
    assert ds.layout == "socofing" and len(ds) == 12
    pairs, genuine = comparison_pairs(ds)
    assert genuine.sum() == 4 * 2  # each real print against its 2 altered versions
    assert (~genuine).sum() == 6  # pairs of the 4 real prints
    assert {ds.samples[i].identity for i, j in pairs[genuine]} == {"1_left_index", "1_left_thumb",
                                                                  "2_left_index", "2_left_thumb"}


def test_bootstrap_identities_of_socofing_pairs(tmp_path):
    """The bench bootstraps the identities of the pairs' samples: SOCOFing genuine pairs (real vs altered) belong
    to their finger, impostor pairs (real vs real) to two fingers."""
    fingers = [(s, f) for s in range(1, 6) for f in ("index", "thumb")]
    _touch(tmp_path / "Real", [f"{s}__M_Left_{f}_finger.BMP" for s, f in fingers])
    _touch(tmp_path / "Altered" / "Altered-Easy", [f"{s}__M_Left_{f}_finger_{a}.BMP" for s, f in fingers
                                                   for a in ("CR", "Obl", "Zcut")])
    ds = discover_dataset(tmp_path)
    pairs, genuine = comparison_pairs(ds)
    rng = np.random.default_rng(0)
    scores = np.where(genuine, rng.normal(1, 0.5, len(pairs)), rng.normal(0, 0.5, len(pairs)))
    out = bench._bootstrap_metrics(ds, pairs, genuine, scores, 300)
    assert out["bootstrap"]["identities"] == 10 and out["bootstrap"]["resamples"] == 300
    assert out["eer_ci95"][0] <= metrics.eer(scores[genuine], scores[~genuine]) <= out["eer_ci95"][1]
    assert bench._bootstrap_metrics(ds, pairs, genuine, scores, 0) == {
        "eer_ci95": None, "fnmr_at_fmr_1pct_ci95": None, "fnmr_at_fmr_0.1pct_ci95": None, "bootstrap": None}
    with pytest.raises(bench.BenchmarkError):
        bench.run_benchmark(tmp_path, bootstrap=-1)


def test_unknown_layout_raises(tmp_path):
    _touch(tmp_path, ["a.png", "b.png"])
    with pytest.raises(InputNotFoundError):
        discover_dataset(tmp_path)
    with pytest.raises(InputNotFoundError):
        discover_dataset(tmp_path / "missing")


# ----------------------------------------------------------------------------------- reference figures
@pytest.mark.dataset
def test_metrics_reproduce_reference_table(shared_data):
    """The reference README's headline figures (fvc2000 DB1_B, MINDTCT + BOZORTH3): EER 10.43 %, FNMR@1 %
    19.29 %, NFIQ 2 ERC area 0.721, oracle 0.517; fvc2002 DB3_B NFIQ 2 area 0.968 (with a failed image)."""
    ref = shared_data / "reference"
    quality = read_reference_quality(ref, "nfiq2")
    for db, expect in (("fvc2000/DB1_B", (10.43, 19.29, 0.721, 0.517)), ("fvc2002/DB3_B", (7.87, 20.71, 0.968,
                                                                                           0.557))):
        with (ref / "bozorth3_mindtct" / f"{db.replace('/', '_')}.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        s = np.array([float(r["score"]) for r in rows])
        g = np.array([r["genuine"] == "1" for r in rows])
        pq = metrics.pairwise_quality([quality[r["key_a"]] for r in rows], [quality[r["key_b"]] for r in rows])
        thr = metrics.threshold_at_fmr(s[~g], 0.01)
        assert round(100 * metrics.eer(s[g], s[~g]), 2) == expect[0]
        assert round(100 * metrics.fnmr_at_fmr(s[g], s[~g], 0.01), 2) == expect[1]
        assert round(metrics.erc_area(*metrics.erc_curve(s[g], pq[g], thr)), 3) == expect[2]
        assert round(metrics.erc_area(*metrics.erc_curve(s[g], s[g], thr)), 3) == expect[3]
    assert len(read_reference_scores(ref, "bozorth3_mindtct", ["fvc2000/DB1_B/101_1"])) == 2 * 3160


@pytest.mark.dataset
def test_bench_cli_on_reference_minutiae(shared_data, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["bench", str(shared_data / "fvc2002_b" / "DB1_B"), "--out", str(out), "--minutiae", "mindtct-ref",
               "--quality", "nfiq2-ref", "--workers", "2"])
    assert rc == 0
    assert "EER " in (line := capsys.readouterr().out) and "(95 % CI " in line
    results = json.loads((out / "results.json").read_text())
    assert results["counts"] == {"images": 80, "failed_images": 0, "pairs": 3160, "genuine": 280,
                                 "impostor": 2880, "mean_minutiae": pytest.approx(49.3, abs=0.1),
                                 "sensor_resolution_images": 0}
    # the parameters behind the figures: ours for the comparator, none for the reference minutiae and quality
    assert results["parameters"]["matcher"]["radius"] == 70.0
    assert results["parameters"]["minutiae"] is None and results["parameters"]["quality_thresholds"] is None
    assert results["metrics"]["eer"] < 0.0417  # MINDTCT + BOZORTH3 on this DB: 4.17 %
    assert 0 < results["metrics"]["erc_area"] < 1.2
    m = results["metrics"]  # identity bootstrap, on by default: 1000 resamples of the 10 fingers
    assert m["bootstrap"] == {"resamples": 1000, "unit": "identity", "seed": 0, "identities": 10,
                              "valid_resamples": 1000, "level": 0.95, "std": m["bootstrap"]["std"]}
    for key in ("eer", "fnmr_at_fmr_1pct", "fnmr_at_fmr_0.1pct"):
        lower, upper = m[f"{key}_ci95"]
        assert 0 <= lower <= m[key] <= upper <= 1 and m["bootstrap"]["std"][key] > 0
    assert m["eer_ci95"][1] - m["eer_ci95"][0] > 0.01  # 10 fingers decide it: wide
    assert "95 % CI" in (out / "index.html").read_text()
    for name in ("det.png", "erc.png", "index.html", "scores.csv"):
        assert (out / name).stat().st_size > 500
    assert (out / "det.png").read_bytes()[:4] == b"\x89PNG"
    rc = main(["bench", str(shared_data / "fvc2002_b" / "DB1_B"), "--out", str(tmp_path / "boz"),
               "--matcher", "bozorth3-ref", "--quality", "none", "--bootstrap", "0"])
    assert rc == 0
    boz = json.loads((tmp_path / "boz" / "results.json").read_text())
    assert round(100 * boz["metrics"]["eer"], 2) == 4.17 and boz["metrics"]["erc_area"] is None
    assert boz["metrics"]["bootstrap"] is None and boz["metrics"]["eer_ci95"] is None  # --bootstrap 0: off
    assert "CI" not in capsys.readouterr().out


def test_bench_cli_usage_errors(tmp_path, capsys):
    assert main(["bench", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no FVC" in capsys.readouterr().err


@pytest.mark.dataset
def test_finger_compare_cli_on_xyt(shared_data, tmp_path, capsys):
    with tarfile.open(shared_data / "reference" / "mindtct" / "xyt_fvc2002_DB1_B.tar.gz") as tar:
        for name in ("101_1", "101_2", "102_1"):
            member = tar.getmember(f"fvc2002/DB1_B/{name}.xyt")
            (tmp_path / f"{name}.xyt").write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
    assert main(["finger", "compare", str(tmp_path / "101_1.xyt"), str(tmp_path / "101_2.xyt")]) == 0
    assert "MATCH" in capsys.readouterr().out
    assert main(["finger", "compare", str(tmp_path / "101_1.xyt"), str(tmp_path / "102_1.xyt"), "--format",
                 "json"]) == 1
    assert json.loads(capsys.readouterr().out)["match"] is False
    assert main(["finger", "compare", str(tmp_path / "nope.xyt"), str(tmp_path / "101_1.xyt")]) == 2


def test_decision_operating_points_match_the_cli():
    from cccd_biometrics.cli.finger_compare import OPERATING_POINTS
    from cccd_biometrics.fingerprint.match.mcc import DECISION_THRESHOLDS

    assert set(OPERATING_POINTS) == set(DECISION_THRESHOLDS)
    assert DECISION_THRESHOLDS["fmr_0.1%"] > DECISION_THRESHOLDS["fmr_1%"] > 0


def _extractor_available() -> bool:
    try:
        from cccd_biometrics.fingerprint.minutiae.extract import extract_minutiae  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.dataset
def test_bench_with_our_quality_and_extraction(shared_data, tmp_path):
    """Fingers 101-102 of FVC2002 DB1_B (16 images: 56 genuine, 64 impostor pairs) through our quality, and through
    our extractor when this build has it (otherwise the bench must refuse with a usage error)."""
    db = tmp_path / "fvc2002_b" / "DB1_B"
    db.mkdir(parents=True)
    for f in (101, 102):
        for i in range(1, 9):
            (db / f"{f}_{i}.tif").symlink_to(shared_data / "fvc2002_b" / "DB1_B" / f"{f}_{i}.tif")
    out = tmp_path / "out"
    ref = ["--reference", str(shared_data / "reference"), "--workers", "2"]
    assert main(["bench", str(db), "--out", str(out), "--minutiae", "mindtct-ref", *ref]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["counts"]["genuine"] == 56 and results["counts"]["impostor"] == 64
    assert results["quality"] == "ours" and results["timings"]["median_quality_ms"] > 0
    assert (out / "erc.png").is_file() or results["metrics"]["erc_area"] is None
    rc = main(["bench", str(db), "--out", str(tmp_path / "ours"), *ref, "--quality", "none"])
    if _extractor_available():
        assert rc == 0
        ours = json.loads((tmp_path / "ours" / "results.json").read_text())
        assert ours["counts"]["mean_minutiae"] > 10 and ours["metrics"]["eer"] < 0.2
    else:
        assert rc == 2


def test_sensor_resolution_overrules_a_stray_estimate_within_one_image_size():
    from cccd_biometrics.bench.run import sensor_resolutions

    def row(ppi, source="estimated", shape=(300, 300)):
        return {"ppi": ppi, "ppi_source": source, "shape": shape}

    rows = [row(500.0), row(500.0), row(850.0), row(500.0),
            # a second sensor (another image size) at its own resolution, one stray estimate in it too
            row(170.0, shape=(103, 96)), row(180.0, shape=(103, 96)), row(170.0, shape=(103, 96)),
            row(500.0, shape=(103, 96)),
            # metadata is trusted; too few images of a size say nothing about their sensor
            row(1000.0, source="metadata"), row(330.0, shape=(10, 10)), row(500.0, shape=(10, 10))]
    assert sensor_resolutions(rows) == {2: 500.0, 5: 170.0, 7: 170.0}
    assert sensor_resolutions([]) == {}
    assert sensor_resolutions([{"error": "x"}]) == {}


@pytest.mark.dataset
def test_bench_gives_a_stray_estimate_its_sensors_resolution(shared_data, tmp_path):
    """FVC2000 DB3_B 103_6 alone reads as 850 ppi (its ridge period); its 15 companions of the same size read 500."""
    db = tmp_path / "DB3_B"
    db.mkdir()
    for f in (103, 104):
        for i in range(1, 9):
            (db / f"{f}_{i}.tif").symlink_to(shared_data / "fvc2000_b" / "DB3_B" / f"{f}_{i}.tif")
    assert main(["bench", str(db), "--out", str(tmp_path / "out"), "--quality", "none", "--workers", "2"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["counts"]["sensor_resolution_images"] == 1
    assert main(["bench", str(db), "--out", str(tmp_path / "given"), "--quality", "none", "--ppi", "500"]) == 0
    given = json.loads((tmp_path / "given" / "results.json").read_text())
    assert given["counts"]["sensor_resolution_images"] == 0  # a resolution given by the caller is obeyed
    assert given["counts"]["mean_minutiae"] == results["counts"]["mean_minutiae"]
