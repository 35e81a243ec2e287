"""Per-code detection and false-alarm rates of ``check_portrait`` on the faces_dev portraits.

    python benchmarks/face_defect_rates.py [--data ../shared/data/faces_dev] [--variants 1] [--dump out.jsonl]

* 67 neutral studio portraits, framed 35:45 from the set's own pupil points: the clean frames give the
  false-alarm rate of every code; each defect of :mod:`face_defects` is injected ``--variants`` times
  per portrait (one defect at a time) and the expected code's detection rate is reported (with
  ``--profile cccd`` also drawn glasses and head coverings).
* 30 smiling portraits (same framing, eyes placed by the detector): rate of
  FACE_EXPRESSION_NOT_NEUTRAL / FACE_MOUTH_OPEN, the only real (not injected) defect in the set.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

import face_defects as fd
import face_defects_eval as fde
from cccd_biometrics.face.capture import load_portrait
from cccd_biometrics.face.icao import check_portrait, locate_face

_ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the project (a CI clone) or beside a folder of worktrees (/work/wt/X -> /work/shared)
DEFAULT_DATA = next((p / "shared" / "data" for p in _ROOT.parents if (p / "shared" / "data").is_dir()),
                    _ROOT.parent / "shared" / "data") / "faces_dev"


def json_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The face benchmarks' common command line: ``--data`` (faces_dev) and ``--out`` (a JSON copy)."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=None)
    return ap


def print_json(result: object, out: Path | None) -> None:
    """Print a benchmark's result as JSON, and write it to ``out`` too when given."""
    text = json.dumps(result, indent=1)
    if out:
        out.write_text(text)
    print(text)


def frame_eyes(frame: np.ndarray) -> np.ndarray:
    """Where :func:`face_defects.icao_frame` put the pupils."""
    h, w = frame.shape[:2]
    ied = fd.FRAME_IED_SHARE * w
    y = fd.FRAME_EYE_FROM_TOP * h
    return np.array([[w / 2 - ied / 2, y], [w / 2 + ied / 2, y]])


def neutral_frames(data: Path) -> list[tuple[str, np.ndarray]]:
    out = []
    for jpg in sorted((data / "neutral").glob("*.jpg")):
        rgb = load_portrait(jpg).pixels
        out.append((jpg.stem, fd.icao_frame(rgb, fd.read_tem_pupils(jpg.with_suffix(".tem")))))
    return out


def smiling_frames(data: Path) -> list[tuple[str, np.ndarray]]:
    out = []
    for jpg in sorted((data / "smiling").glob("*.jpg")):
        rgb = load_portrait(jpg).pixels
        geo, _ = locate_face(rgb)
        if geo is not None:
            out.append((jpg.stem, fd.icao_frame(rgb, geo.eye_centres)))
    return out


def run(data: Path, variants: int, profile: str, dump: Path | None, ranges: str = "tune") -> dict:
    rng = np.random.default_rng(20261124)
    frames = neutral_frames(data)
    rows = []
    false_alarms: Counter[str] = Counter()
    hits: dict[str, list[bool]] = defaultdict(list)
    times = []
    for i, (name, frame) in enumerate(frames):
        t0 = time.perf_counter()
        r = check_portrait(frame, profile)
        times.append(time.perf_counter() - t0)
        false_alarms.update(set(r.codes))
        rows.append({"image": name, "defect": "none", "codes": list(r.codes),
                     "measures": {k: m.value for k, m in r.measures.items()}})
        ctx = {"eyes": frame_eyes(frame), "donor": frames[(i + 7) % len(frames)][1]}
        src = fd if ranges == "tune" else fde
        if ranges == "eval":
            geo, _ = locate_face(frame)
            if geo is None:
                continue
            ctx["landmarks"] = geo.landmarks
        defects = {**src.DEFECTS, **(src.CCCD_DEFECTS if profile == "cccd" else {})}
        for defect, (fn, code) in defects.items():
            for _ in range(variants):
                r = check_portrait(fn(frame, rng, ctx), profile)
                hits[defect].append(code in r.codes)
                rows.append({"image": name, "defect": defect, "codes": list(r.codes),
                             "measures": {k: m.value for k, m in r.measures.items()}})
    smile_codes = []
    for name, frame in smiling_frames(data):
        r = check_portrait(frame, profile)
        smile_codes.append(set(r.codes))
        rows.append({"image": name, "defect": "smiling", "codes": list(r.codes),
                     "measures": {k: m.value for k, m in r.measures.items()}})
    if dump:
        with dump.open("w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
    n = len(frames)
    return {
        "profile": profile,
        "ranges": ranges,
        "clean_portraits": n,
        "clean_compliant": sum(1 for r in rows if r["defect"] == "none" and not r["codes"]),
        "false_alarm_rate": {c: round(k / n, 4) for c, k in sorted(false_alarms.items())},
        "detection_rate": {d: round(float(np.mean(v)), 4) for d, v in hits.items()},
        "variants_per_defect": {d: len(v) for d, v in hits.items()},
        "smiling_portraits": len(smile_codes),
        "smiling_flagged_expression": round(float(np.mean(
            ["FACE_EXPRESSION_NOT_NEUTRAL" in s for s in smile_codes])), 4) if smile_codes else None,
        "smiling_flagged_expression_or_mouth_open": round(float(np.mean(
            [bool(s & {"FACE_EXPRESSION_NOT_NEUTRAL", "FACE_MOUTH_OPEN"}) for s in smile_codes])), 4)
        if smile_codes else None,
        "clean_check_median_ms": round(1000 * float(np.median(times)), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--variants", type=int, default=1)
    ap.add_argument("--profile", default="icao")
    ap.add_argument("--dump", type=Path, default=None, help="write every row (codes + measures) as JSONL")
    ap.add_argument("--ranges", choices=("tune", "eval"), default="tune",
                    help="defect parameters: face_defects (tuning ranges) or face_defects_eval (other ranges)")
    args = ap.parse_args()
    print(json.dumps(run(args.data, args.variants, args.profile, args.dump, args.ranges), indent=2))


if __name__ == "__main__":
    main()
