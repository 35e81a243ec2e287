"""Golden outputs of the bundled face networks, and their drift across OpenCV versions.

The face pipeline runs three TFLite networks through OpenCV's DNN module, whose engines and kernels
change between releases (4.x, 5.0's classic engine, 5.1's rewritten one). This script computes, on
bundled portraits, what the tests hold fixed: BlazeFace boxes, keypoints and scores, FaceMesh points,
iris centres and radii, and the codes of ``check_portrait`` on every ``sample_data`` portrait::

    python benchmarks/face_golden.py --write tests/data/face_golden.json   # store (newest OpenCV)
    python benchmarks/face_golden.py --compare tests/data/face_golden.json # drift of this OpenCV

``--compare`` prints the largest difference of each kind against the stored values, which is how the
figures in the README's dependency section were measured (one run per OpenCV of the CI matrix).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.face.detect import detect_faces, dnn_engine, face_landmarks

ROOT = Path(__file__).resolve().parents[1]
PORTRAITS = ROOT / "sample_data" / "portraits"
# a few portraits for the network outputs: neutral, smiling, another sitter, and a press photo
NETWORK_PORTRAITS = (
    "frl_london_002_neutral.jpg",
    "frl_london_030_smiling.jpg",
    "frl_london_064_neutral.jpg",
    "nasa_astronaut_eileen_collins.jpg",
)
PROFILES = ("icao", "cccd")


def network_outputs(path: Path) -> dict[str, Any]:
    """Detector and landmark outputs of one portrait, rounded to what the JSON keeps (1e-4)."""
    rgb = cb.load_portrait(path).pixels
    faces = detect_faces(rgb)
    mesh = face_landmarks(rgb, faces[0])
    r = lambda a: np.round(np.asarray(a, np.float64), 4).tolist()  # noqa: E731
    return {
        "faces": len(faces),
        "box": r(faces[0].box),
        "score": round(float(faces[0].score), 6),
        "keypoints": r(faces[0].keypoints),
        "mesh": r(mesh.points[:, :2]),
        "presence": round(float(mesh.presence), 6),
        "iris_centres": r(mesh.iris_centres),
        "iris_radii": r(mesh.iris_radii),
    }


def portrait_codes(path: Path) -> dict[str, Any]:
    """Codes of each profile, plus the score and every measure's value (reported as drift, not held)."""
    portrait = cb.load_portrait(path)
    out: dict[str, Any] = {p: list(cb.check_portrait(portrait, profile=p).codes) for p in PROFILES}
    report = cb.check_portrait(portrait)
    out["score"] = report.score
    out["measures"] = {k: round(float(m.value), 6) for k, m in report.measures.items()}
    return out


def golden() -> dict[str, Any]:
    return {
        "opencv": cv2.__version__,
        "engine": dnn_engine().engine,
        "networks": {name: network_outputs(PORTRAITS / name) for name in NETWORK_PORTRAITS},
        "codes": {p.name: portrait_codes(p) for p in sorted(PORTRAITS.glob("*.jpg"))},
    }


def drift(stored: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """Largest absolute difference of each network output, and the portraits whose codes changed."""
    worst: dict[str, float] = {}
    for name, ref in stored["networks"].items():
        cur = now["networks"][name]
        for key in ("box", "score", "keypoints", "mesh", "presence", "iris_centres", "iris_radii"):
            d = float(np.max(np.abs(np.asarray(cur[key]) - np.asarray(ref[key]))))
            worst[key] = max(worst.get(key, 0.0), d)
    changed, score, measures = {}, 0.0, {}
    for name, ref in stored["codes"].items():
        cur = now["codes"][name]
        if any(ref[p] != cur[p] for p in PROFILES):
            changed[name] = {p: (ref[p], cur[p]) for p in PROFILES}
        score = max(score, abs(ref["score"] - cur["score"]))
        for key, value in ref["measures"].items():
            d = abs(value - cur["measures"].get(key, np.nan))
            if d > 1e-6:
                measures[key] = max(measures.get(key, 0.0), round(d, 6))
    return {"max_abs_difference": worst, "codes_changed": changed, "portrait_score_max_difference": score,
            "measures_max_difference": measures}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="store the golden outputs of this OpenCV")
    group.add_argument("--compare", type=Path, help="print the drift of this OpenCV against stored outputs")
    args = ap.parse_args(argv)
    now = golden()
    if args.write:
        args.write.write_text(json.dumps(now, indent=1) + "\n")
        print(f"wrote {args.write} (OpenCV {now['opencv']}, {now['engine']})")
        return 0
    stored = json.loads(args.compare.read_text())
    report = drift(stored, now)
    print(json.dumps({"stored": f"OpenCV {stored['opencv']} {stored['engine']}",
                      "this": f"OpenCV {now['opencv']} {now['engine']}", **report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
