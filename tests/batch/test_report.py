"""The HTML report: self-contained, escaped, bounded in memory, no image content unless asked."""

from __future__ import annotations

import re

from cccd_biometrics.batch.report import ReportBuilder, write_report
from tests.helpers.captures import make_captures


def _row(i, **kw):
    row = {"path": f"/a/{i}.png", "kind": "fingerprint", "status": "ok", "score": float(i % 100),
           "compliant": None, "codes": [], "findings": [], "error": None, "error_type": None, "seconds": 0.02}
    row.update(kw)
    return row


def _external_references(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*['"]?(?!data:)[^'" >]+""", page)


def test_report_counts_findings_worst_and_errors(tmp_path):
    rows = [_row(i) for i in range(60)]
    rows += [_row(100 + i, status="flagged", score=3.0 + i, codes=["FINGER_TOO_DRY"],
                  findings=[{"code": "FINGER_TOO_DRY", "severity": "error", "message": "ridges broken",
                             "action": "Moisten the finger."}]) for i in range(5)]
    rows += [_row(200 + i, kind="portrait", score=None, compliant=False, status="flagged",
                  codes=["FACE_POSE_YAW", "FACE_EYES_CLOSED"]) for i in range(3)]
    rows += [_row(300, kind=None, status="error", score=None, error="/a/300.png: no such file",
                  error_type="InputNotFoundError")]
    out = write_report(rows, tmp_path / "r.html", worst=4)
    page = out.read_text()
    assert _external_references(page) == []
    assert page.count("data:image/png;base64,") >= 3  # scores, portrait compliance, check times
    assert "data:image/jpeg" not in page  # no image content without thumbnails
    assert "<h2>Parameters</h2>" in page and "dry_darkness" in page and "max_yaw" in page  # what made the findings
    assert "<td>69</td>" in page  # all rows counted
    assert "FINGER_TOO_DRY" in page and "Moisten the finger." in page and "FACE_POSE_YAW" in page
    assert "Worst 4 captures" in page
    worst = page.split("Worst 4 captures")[1]
    assert worst.index("/a/100.png") < worst.index("/a/101.png")  # lowest score first
    assert "InputNotFoundError" in page and "/a/300.png: no such file" in page


def test_report_escapes_what_it_shows(tmp_path):
    evil = "/a/<script>alert(1)</script>.png"
    page = write_report([_row(1, path=evil, status="flagged", codes=["<b>X</b>"])], tmp_path / "r.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>X</b>" not in page


def test_report_memory_is_bounded():
    builder = ReportBuilder(worst=10)
    for i in range(20_000):
        builder.add_row(_row(i, status="flagged" if i % 2 else "ok", score=float(i % 97)))
    assert len(builder._worst) < 40
    worst = builder.worst()
    assert [(r["status"], r["score"]) for r in worst] == [("flagged", 0.0)] * 10  # flagged, lowest score first
    assert builder.total == 20_000


def test_thumbnails_only_when_asked(tmp_path):
    files = make_captures(tmp_path, 2, 1)
    rows = [_row(i, path=str(p), status="flagged", codes=["X"]) for i, p in enumerate(files)]
    rows.append(_row(9, path=str(tmp_path / "gone.png"), status="flagged", codes=["X"]))
    without = write_report(rows, tmp_path / "a.html").read_text()
    with_thumbs = write_report(rows, tmp_path / "b.html", thumbnails=True).read_text()
    assert "data:image/jpeg" not in without
    assert with_thumbs.count("data:image/jpeg;base64,") == 3  # the missing file shows none
    assert _external_references(with_thumbs) == []
