"""Issue 15: weak BlazeFace candidates (score 0.3-0.5) — covered faces kept, face-free and upside-down refused.

    python benchmarks/face_weak_candidates.py [--data ../shared/data/faces_dev] [--out x.json] [--features y.jsonl]

For every neutral faces_dev 35:45 frame (subjects split by the parity of their number: even = "tune",
odd = held out):

* positives: every covering style of :mod:`face_masks` with its "tune" and "eval" parameters and the older
  renderer ``face_defects.mask_over_mouth`` — the rate of FACE_NOT_FOUND and of FACE_MOUTH_OCCLUDED;
* negatives that must stay FACE_NOT_FOUND (or be reported as a roll): the face-free images of
  ``face_defects.no_face`` (x3: blank, head filled flat, noise) and ``face_defects_eval.no_face`` (x2:
  upside-down and blurred, gradient), the frame's top quarter (hair and forehead) stretched to the frame,
  the frame upside down (vertical flip, 180-degree turn) and a masked frame upside down (both ways).

``--features`` writes, for every image whose best detection is weak, the rescue's inputs: detector score,
eye detail, FaceMesh presence logit read upright and upside down.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

import face_defects as fd
import face_defects_eval as fe
import face_masks as fm
from cccd_biometrics.face.icao import check_portrait, locate_face
from face_defect_rates import json_arguments, print_json
from face_robustness import _frame_eyes, fold, frames


def _weak_features(img: np.ndarray) -> dict | None:
    from cccd_biometrics.face.detect import detect_faces, face_landmarks, mesh_presence_logit
    from cccd_biometrics.face.icao import _eye_detail

    faces = detect_faces(img, threshold=0.3)
    if not faces or max(f.score for f in faces) >= 0.5:
        return None
    main = max(faces, key=lambda f: f.score * f.width)
    up = face_landmarks(img, main).presence_logit
    return {"score": round(main.score, 4), "eye_detail": round(_eye_detail(img, main), 2),
            "logit_upright": round(up, 3),
            "logit_upside_down": round(mesh_presence_logit(img, main, upside_down=True), 3)}


def _images(frame: np.ndarray, rng: np.random.Generator) -> list[tuple[str, bool, np.ndarray]]:
    """(kind, is_covered_face, image) for one frame."""
    geo, _ = locate_face(frame)
    ctx = {"eyes": _frame_eyes(frame)}
    out: list[tuple[str, bool, np.ndarray]] = []
    if geo is not None:
        out += [(f"{st}/{pa}", True, fm.render_covering(frame, geo.landmarks, rng, st, pa))
                for pa in ("tune", "eval") for st in fm.STYLES]
        out.append(("old_renderer/eval", True, fd.mask_over_mouth(frame, rng, ctx)))
    out += [("no_face_tune", False, fd.no_face(frame, rng, ctx)) for _ in range(3)]
    out += [("no_face_eval", False, fe.no_face(frame, rng, ctx)) for _ in range(2)]
    h, w = frame.shape[:2]
    out.append(("top_quarter", False, cv2.resize(frame[: h // 4], (w, h))))
    out.append(("flipped", False, np.ascontiguousarray(frame[::-1])))
    out.append(("turned_180", False, np.ascontiguousarray(frame[::-1, ::-1])))
    if geo is not None:
        masked = fm.render_covering(frame, geo.landmarks, rng, str(rng.choice(fm.STYLES)), "eval")
        out.append(("masked_flipped", False, np.ascontiguousarray(masked[::-1])))
        out.append(("masked_turned_180", False, np.ascontiguousarray(masked[::-1, ::-1])))
    return out


def run(data: Path, features: Path | None = None) -> dict:
    rng = np.random.default_rng(1515)
    res: dict = defaultdict(lambda: defaultdict(list))
    feats = []
    for name, frame in frames(data):
        f = fold(name)
        for kind, covered, img in _images(frame, rng):
            codes = check_portrait(img).codes
            found = "FACE_NOT_FOUND" not in codes
            if covered:
                res[f][kind + ":not_found"].append(not found)
                res[f][kind + ":caught"].append("FACE_MOUTH_OCCLUDED" in codes)
                pa = kind.split("/")[1]
                res[f][f"all_{pa}:caught"].append("FACE_MOUTH_OCCLUDED" in codes)
            else:
                # a face found in an upside-down image is acceptable only as a roll
                res[f][kind + ":refused"].append(not found or "FACE_ROLL" in codes)
                res[f]["all_negatives:refused"].append(not found or "FACE_ROLL" in codes)
            if features is not None:
                ft = _weak_features(img)
                if ft is not None:
                    feats.append({"fold": f, "name": name, "kind": kind, "found": found, **ft})
    if features is not None:
        features.write_text("".join(json.dumps(r) + "\n" for r in feats))
    return {f: {k: {"rate": round(float(np.mean(v)), 4), "count": int(np.sum(v)), "n": len(v)}
                for k, v in sorted(d.items())} for f, d in res.items()}


def main() -> None:
    ap = json_arguments(__doc__)
    ap.add_argument("--features", type=Path, default=None)
    args = ap.parse_args()
    print_json(run(args.data, args.features), args.out)


if __name__ == "__main__":
    main()
