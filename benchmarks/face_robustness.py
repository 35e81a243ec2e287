"""Issue 15: portrait checks on defects they were not tuned on, reported by subject fold.

    python benchmarks/face_robustness.py masks [--data ../shared/data/faces_dev] [--out benchmarks/results/x.json]
    python benchmarks/face_robustness.py blur  [...]
    python benchmarks/face_robustness.py compression [...]

Subjects are split by the parity of their faces_dev number (smiling and neutral of one person in the same
fold): thresholds were set looking at the even ("tune") fold only; every figure is printed for both folds,
the odd fold being the held-out one.

* masks: each neutral 35:45 frame x every style of :mod:`face_masks` with its "tune" parameters and with
  its "eval" parameters, plus the older eye-geometry renderer ``face_defects.mask_over_mouth``: rate of
  FACE_MOUTH_OCCLUDED (over all renders, and over those where a face was found), of FACE_NOT_FOUND and
  of FACE_UNNATURAL_COLOUR; false alarms of FACE_MOUTH_OCCLUDED on the clean frames.
* blur: FACE_BLURRED rate versus Gaussian sigma, motion length (random angle) and defocus radius, as a
  percentage of the inter-eye distance, with the frame rescaled to IED 90/130/200 px, with and without a
  JPEG recompression (quality 75); plots to benchmarks/results/face_blur_curves.png.
* compression: FACE_COMPRESSION_ARTIFACTS on the original 1350x1350 quality-100 JPEGs, on their
  640x480-scaled frames, and on recompressions at several qualities and sizes.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

import face_defects as fd
import face_masks as fm
from cccd_biometrics.face.capture import load_portrait
from cccd_biometrics.face.icao import check_portrait, locate_face
from face_defect_rates import json_arguments, print_json

RESULTS = Path(__file__).resolve().parent / "results"


def fold(name: str) -> str:
    return "tune" if int(name[:3]) % 2 == 0 else "held_out"


def frames(data: Path) -> list[tuple[str, np.ndarray]]:
    out = []
    for jpg in sorted((data / "neutral").glob("*.jpg")):
        rgb = load_portrait(jpg).pixels
        out.append((jpg.stem, fd.icao_frame(rgb, fd.read_tem_pupils(jpg.with_suffix(".tem")))))
    return out


def _frame_eyes(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    ied = fd.FRAME_IED_SHARE * w
    return np.array([[w / 2 - ied / 2, fd.FRAME_EYE_FROM_TOP * h], [w / 2 + ied / 2, fd.FRAME_EYE_FROM_TOP * h]])


def _rate(v: list[bool]) -> float | None:
    return round(float(np.mean(v)), 4) if v else None


def masks(data: Path) -> dict:
    rng = np.random.default_rng(15)
    res: dict = defaultdict(lambda: defaultdict(list))
    for name, frame in frames(data):
        f = fold(name)
        r = check_portrait(frame)
        res[f]["clean_mouth_occluded"].append("FACE_MOUTH_OCCLUDED" in r.codes)
        res[f]["clean_unnatural_colour"].append("FACE_UNNATURAL_COLOUR" in r.codes)
        geo, _ = locate_face(frame)
        if geo is None:
            continue
        renders = [(f"{st}/{pa}", fm.render_covering(frame, geo.landmarks, rng, st, pa))
                   for pa in ("tune", "eval") for st in fm.STYLES]
        renders.append(("old_renderer/eval", fd.mask_over_mouth(frame, rng, {"eyes": _frame_eyes(frame)})))
        for key, img in renders:
            codes = check_portrait(img).codes
            found = "FACE_NOT_FOUND" not in codes
            res[f][key + ":caught"].append("FACE_MOUTH_OCCLUDED" in codes)
            res[f][key + ":not_found"].append(not found)
            res[f][key + ":unnatural_colour"].append("FACE_UNNATURAL_COLOUR" in codes)
            if found:
                res[f][key + ":caught_when_found"].append("FACE_MOUTH_OCCLUDED" in codes)
            pa = key.split("/")[1]
            res[f][f"all_{pa}:caught"].append("FACE_MOUTH_OCCLUDED" in codes)
            if found:
                res[f][f"all_{pa}:caught_when_found"].append("FACE_MOUTH_OCCLUDED" in codes)
    return {f: {k: {"rate": _rate(v), "n": len(v)} for k, v in sorted(d.items())} for f, d in res.items()}


def _motion(rgb: np.ndarray, length: float, angle: float) -> np.ndarray:
    n = max(3, round(length) | 1)
    k = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = np.cos(angle) * c, np.sin(angle) * c
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return cv2.filter2D(rgb, -1, k / k.sum())


def _disc(rgb: np.ndarray, radius: float) -> np.ndarray:
    r = max(1, round(radius))
    k = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(k, (r, r), r, 1.0, -1, cv2.LINE_AA)
    return cv2.filter2D(rgb, -1, k / k.sum())


def _jpeg(rgb: np.ndarray, q: int) -> np.ndarray:
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


BLUR_LEVELS = {
    "gaussian_sigma": (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0),
    "motion_length": (2.0, 5.0, 10.0, 15.0, 20.0, 30.0),
    "defocus_radius": (1.0, 2.0, 3.0, 4.0, 6.0, 8.0),
}


def blur(data: Path, per_fold: int = 12) -> dict:
    rng = np.random.default_rng(151)
    sel = frames(data)
    by_fold: dict[str, list] = defaultdict(list)
    for name, fr in sel:
        by_fold[fold(name)].append(fr)
    out: dict = {}
    for f, frs in by_fold.items():
        frs = frs[:per_fold]
        out[f] = {}
        for ied_px in (90, 130, 200):
            for jpeg_q in (None, 75):
                key = f"ied{ied_px}" + ("_jpeg75" if jpeg_q else "")
                out[f][key] = {}
                for kind, levels in BLUR_LEVELS.items():
                    rates = []
                    for pct in levels:
                        hit = []
                        for fr in frs:
                            k = ied_px / (fd.FRAME_IED_SHARE * fr.shape[1])
                            img = cv2.resize(fr, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
                            amount = pct / 100 * ied_px
                            if kind == "gaussian_sigma":
                                img = cv2.GaussianBlur(img, (0, 0), amount)
                            elif kind == "motion_length":
                                img = _motion(img, amount, rng.uniform(0, np.pi))
                            else:
                                img = _disc(img, amount)
                            if jpeg_q:
                                img = _jpeg(img, jpeg_q)
                            hit.append("FACE_BLURRED" in check_portrait(img).codes)
                        rates.append(_rate(hit))
                    out[f][key][kind] = dict(zip([str(v) for v in levels], rates, strict=True))
    _plot_blur(out)
    return out


def _plot_blur(out: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, kind in zip(axes, BLUR_LEVELS, strict=True):
        for key, res in out.get("held_out", {}).items():
            xs = [float(v) for v in res[kind]]
            ax.plot(xs, list(res[kind].values()), marker="o", label=key)
        ax.set_xlabel(f"{kind} (% of inter-eye distance)")
        ax.set_ylabel("FACE_BLURRED rate (held-out subjects)")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    RESULTS.mkdir(exist_ok=True)
    fig.savefig(RESULTS / "face_blur_curves.png", dpi=80)


def compression(data: Path) -> dict:
    res: dict = defaultdict(lambda: defaultdict(list))
    for jpg in sorted((data / "neutral").glob("*.jpg")):
        f = fold(jpg.stem)
        rgb = load_portrait(jpg).pixels
        res[f]["full_q100"].append("FACE_COMPRESSION_ARTIFACTS" in check_portrait(rgb).codes)
        frame = fd.icao_frame(rgb, fd.read_tem_pupils(jpg.with_suffix(".tem")))
        small = cv2.resize(rgb, (480, 480), interpolation=cv2.INTER_AREA)
        res[f]["480_q100"].append("FACE_COMPRESSION_ARTIFACTS" in check_portrait(small).codes)
        for q in (5, 10, 20, 40, 75):
            for label, img in (("full", rgb), ("frame", frame), ("480", small)):
                codes = check_portrait(_jpeg(img, q)).codes
                res[f][f"{label}_q{q}"].append("FACE_COMPRESSION_ARTIFACTS" in codes)
    return {f: {k: {"rate": _rate(v), "n": len(v)} for k, v in sorted(d.items())} for f, d in res.items()}


def sizes(data: Path) -> dict:
    """Codes raised on every neutral portrait as captured (1350x1350, not ICAO-framed), and on its 35:45
    frame at its native resolution (no resampling up) and scaled to 480 px high (fits 640x480)."""
    res: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    counts: dict = defaultdict(int)
    for jpg in sorted((data / "neutral").glob("*.jpg")):
        f = fold(jpg.stem)
        counts[f] += 1
        rgb = load_portrait(jpg).pixels
        pupils = fd.read_tem_pupils(jpg.with_suffix(".tem"))
        native = round(float(np.hypot(*(pupils[1] - pupils[0]))) / fd.FRAME_IED_SHARE * 45 / 35)
        for label, img in (("capture_1350", rgb), ("frame_native", fd.icao_frame(rgb, pupils, native)),
                           ("frame_480", fd.icao_frame(rgb, pupils, 480))):
            codes = check_portrait(img).codes
            res[f][label]["compliant"] += int(not codes)
            for c in codes:
                res[f][label][c] += 1
    return {f: {"portraits": counts[f], **{k: dict(v) for k, v in d.items()}} for f, d in res.items()}


def main() -> None:
    ap = json_arguments(__doc__)
    ap.add_argument("what", choices=("masks", "blur", "compression", "sizes"))
    args = ap.parse_args()
    print_json({"masks": masks, "blur": blur, "compression": compression, "sizes": sizes}[args.what](args.data),
               args.out)


if __name__ == "__main__":
    main()
