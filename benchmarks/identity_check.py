"""Behaviour identity check: digests of everything a refactor must not change (issue 14, "What must hold" 5).

For every FVC dev job (all images of ``../shared/data/fvc2000_b`` and ``fvc2002_b``; FVC2002 DB2 at its true
569 ppi, every other DB at 500 ppi, as in ``minutiae_agreement.py``) and every ``neurotech_uareu`` image (500 ppi,
``--no-neurotech`` to skip): a SHA-256 of the minutiae (x, y, angle, type, quality), of the enhanced image, of the
skeleton, of the quality score, findings and all quality measures, of the template in every codec and of its
comparison scores (with itself and with the previous job's template). For every portrait of ``faces_dev``: the digest of
``check_portrait``'s codes and measure values (and components). For ``sample_data``: the digest of
``cccd-bio check sample_data --recursive --format jsonl`` with its timing field removed and rows sorted by path.

Only the public facade is used (``import cccd_biometrics as cb`` and the attributes of ``cb.analyze_fingerprint``)
so that the same script runs before and after a refactor of the package layout.

    python benchmarks/identity_check.py --save /work/notes/identity_baseline.json
    python benchmarks/identity_check.py --compare /work/notes/identity_baseline.json

Prints the number of jobs and the number of differences; exits 1 when something differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import cccd_biometrics as cb

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the project (a CI clone) or beside a folder of worktrees (/work/wt/X -> /work/shared)
DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
            ROOT.parent / "shared" / "data")
FVC = [f"{s}/DB{i}_B" for s in ("fvc2000_b", "fvc2002_b") for i in range(1, 5)]
TRUE_PPI = {"fvc2002_b/DB2_B": 569.0}
VOLATILE_ROW_FIELDS = ("seconds",)


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def _array_bytes(a: np.ndarray) -> bytes:
    a = np.ascontiguousarray(a)
    return f"{a.dtype.str}{a.shape}".encode() + a.tobytes()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def fingerprint_digests(path: Path, ppi: float, previous: Any = None) -> tuple[dict[str, str], Any]:
    """Digest of each product of one fingerprint job (and its template, compared with the next job's)."""
    img = cb.load_fingerprint(path, ppi=ppi)
    analysis = cb.analyze_fingerprint(img)
    template = cb.extract_minutiae(analysis)
    quality = cb.assess_fingerprint(analysis)
    minutiae = [(repr(float(m.x)), repr(float(m.y)), repr(float(m.angle)), m.kind, int(m.quality))
                for m in template.minutiae]
    geometry = [template.width, template.height, template.ppi, template.quality]
    measures = sorted((k, repr(float(v))) for k, v in quality.measures.items())
    codecs = [template.to_bytes(fmt) for fmt in ("iso", "ansi", "xyt", "json")]
    scores = [] if previous is None else [repr(float(cb.compare_templates(template, previous))),
                                          repr(float(cb.compare_templates(template, template)))]
    return {
        "pixels": _sha(_array_bytes(img.pixels)),
        "codecs": _sha(*codecs),
        "compare": _sha(_json_bytes(scores)),
        "minutiae": _sha(_json_bytes(minutiae), _json_bytes(geometry)),
        "enhanced": _sha(_array_bytes(analysis.enhanced)),
        "skeleton": _sha(_array_bytes(analysis.skeleton)),
        "score": _sha(repr(float(quality.score)).encode()),
        "measures": _sha(_json_bytes(measures)),
        "findings": _sha(_json_bytes([f.to_dict() for f in quality.findings])),
        "local_quality": _sha(_array_bytes(quality.local_quality)),
    }, template


def fingerprint_jobs(with_neurotech: bool) -> list[tuple[str, Path, float]]:
    jobs = []
    for db in FVC:
        for p in sorted((DATA / db).glob("*.tif")):
            jobs.append((f"{db}/{p.name}", p, TRUE_PPI.get(db, 500.0)))
    if with_neurotech:
        for p in sorted((DATA / "neurotech_uareu").glob("*.tif")):
            jobs.append((f"neurotech_uareu/{p.name}", p, 500.0))
    return jobs


def portrait_digests(path: Path) -> dict[str, str]:
    report = cb.check_portrait(cb.load_portrait(path))
    measures = sorted((k, repr(float(m.value)), int(m.component)) for k, m in report.measures.items())
    return {
        "codes": _sha(_json_bytes(list(report.codes))),
        "findings": _sha(_json_bytes([f.to_dict() for f in report.findings])),
        "measures": _sha(_json_bytes(measures)),
        "summary": _sha(_json_bytes([report.compliant, report.faces, list(report.image_size)])),
    }


def cli_digest() -> dict[str, str]:
    """Digest of the CLI's JSON lines for sample_data, timing removed, rows sorted by path."""
    proc = subprocess.run(
        [sys.executable, "-m", "cccd_biometrics", "check", "sample_data", "--recursive", "--format", "jsonl"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    for row in rows:
        for key in VOLATILE_ROW_FIELDS:
            row.pop(key, None)
    rows.sort(key=lambda r: r["path"])
    out = {f"row:{r['path']}": _sha(_json_bytes(r)) for r in rows}
    out["exit_code"] = str(proc.returncode)
    out["rows"] = str(len(rows))
    return out


def compute(with_neurotech: bool, with_faces: bool) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    previous = None
    for key, path, ppi in fingerprint_jobs(with_neurotech):
        result[f"finger:{key}"], previous = fingerprint_digests(path, ppi, previous)
    if with_faces:
        for p in sorted((DATA / "faces_dev").glob("*/*.jpg")):
            result[f"face:{p.parent.name}/{p.name}"] = portrait_digests(p)
    result["cli:sample_data"] = cli_digest()
    return result


def compare(new: dict[str, dict[str, str]], old: dict[str, dict[str, str]]) -> list[str]:
    diffs = []
    for job in sorted(set(old) | set(new)):
        if job not in new:
            diffs.append(f"{job}: missing now")
            continue
        if job not in old:
            diffs.append(f"{job}: not in the baseline")
            continue
        for part in sorted(set(old[job]) | set(new[job])):
            if old[job].get(part) != new[job].get(part):
                diffs.append(f"{job}: {part} differs")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the digests to this JSON file")
    group.add_argument("--compare", type=Path, help="compare against a saved digest file")
    ap.add_argument("--no-neurotech", action="store_true", help="skip the neurotech_uareu images")
    ap.add_argument("--no-faces", action="store_true", help="skip faces_dev")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        ap.error(f"{DATA} is absent: the identity check needs the shared data")
    t0 = time.perf_counter()
    new = compute(not args.no_neurotech, not args.no_faces)
    n_parts = sum(len(v) for v in new.values())
    print(f"{len(new)} jobs, {n_parts} digests, {time.perf_counter() - t0:.0f} s")
    if args.save:
        args.save.write_text(json.dumps(new, indent=1, sort_keys=True))
        print(f"saved to {args.save}")
        return 0
    old = json.loads(args.compare.read_text())
    diffs = compare(new, old)
    for d in diffs[:50]:
        print(d)
    print(f"{len(diffs)} differences against {args.compare} ({len(old)} jobs there)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
