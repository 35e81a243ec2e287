"""Dataset checks of the quality score on ../shared/data (skipped when absent).

The full evaluation against issue 3's targets is ``benchmarks/quality_erc.py``; these are fast guards:
FVC2002 DB1_B flag share, agreement with NFIQ 2 on two DBs, and a working ERC reproduction.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import cccd_biometrics as cb

pytestmark = pytest.mark.dataset


def _nfiq2(shared_data: Path) -> dict[str, float]:
    with open(shared_data / "reference" / "nfiq2" / "fvc.csv", newline="") as fh:
        return {r["key"]: float(r["QualityScore"]) for r in csv.DictReader(fh) if r["QualityScore"] not in ("", "NA")}


@pytest.fixture(scope="module")
def db1(shared_data) -> dict[str, cb.FingerprintQuality]:
    paths = sorted((shared_data / "fvc2002_b" / "DB1_B").glob("*.tif"))
    return {f"fvc2002/DB1_B/{p.stem}": cb.assess_fingerprint(cb.load_fingerprint(p)) for p in paths}


def test_good_optical_sensor_is_rarely_flagged(db1) -> None:
    assert len(db1) == 80
    assert np.mean([q.hard_to_read for q in db1.values()]) <= 0.15


def test_agrees_with_nfiq2(shared_data, db1) -> None:
    from scipy.stats import spearmanr

    ours = dict((k, q.score) for k, q in db1.items())
    for p in sorted((shared_data / "fvc2000_b" / "DB2_B").glob("*.tif")):
        ours[f"fvc2000/DB2_B/{p.stem}"] = cb.assess_fingerprint(cb.load_fingerprint(p)).score
    ref = _nfiq2(shared_data)
    keys = [k for k in ours if k in ref]
    rho = spearmanr([ours[k] for k in keys], [ref[k] for k in keys]).statistic
    assert rho >= 0.75, rho


def test_erc_code_reproduces_nfiq2_reference(shared_data) -> None:
    from benchmarks.erc import db_erc

    ref = _nfiq2(shared_data)
    assert db_erc(shared_data / "reference", "fvc2002_DB1_B", ref) == pytest.approx(0.756, abs=0.0005)
    assert db_erc(shared_data / "reference", "fvc2000_DB2_B", ref) == pytest.approx(0.577, abs=0.0005)


def test_erc_regression_guard_on_fvc2002_db1(shared_data, db1) -> None:
    from benchmarks.erc import db_erc

    ours = {k: q.score for k, q in db1.items()}
    ref = _nfiq2(shared_data)
    # FVC2002 DB1 is one of our two weak DBs: hold the line measured at release (0.852), not NFIQ 2's 0.756
    assert db_erc(shared_data / "reference", "fvc2002_DB1_B", ours) <= 0.87
    assert db_erc(shared_data / "reference", "fvc2002_DB1_B", ref) == pytest.approx(0.756, abs=0.001)


def test_ridge_breaks_follow_nfiq2_on_a_dry_capacitive_sensor(shared_data) -> None:
    # FVC2002 DB3 (capacitive): NFIQ 2 ranks dotted, broken ridges low; ridge_breaks sees them (-0.77 when
    # measured; the shipped score agrees with NFIQ 2 there at 0.63 only)
    from scipy.stats import spearmanr

    from cccd_biometrics.fingerprint.quality.measures import ridge_breaks

    nfiq2 = _nfiq2(shared_data)
    keys, breaks = [], []
    for p in sorted((shared_data / "fvc2002_b" / "DB3_B").glob("*.tif")):
        key = f"fvc2002/DB3_B/{p.stem}"
        if key in nfiq2:
            keys.append(key)
            breaks.append(ridge_breaks(cb.analyze_fingerprint(cb.load_fingerprint(p))))
    assert len(keys) >= 70
    assert spearmanr(breaks, [nfiq2[k] for k in keys]).statistic < -0.6
