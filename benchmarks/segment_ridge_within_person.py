"""Does the duplicate check's capture-versus-SEGMENT ridge evidence hold its null for fingers of ONE person?

    nice python benchmarks/segment_ridge_within_person.py [--calibration duplicate_fusion.json] \
        [--out benchmarks/results/segment_ridge_within_person.json] [--pool pool.npy]

The sixth round's evidence compares a capture with a slap segment of ANOTHER position (``capture j vs segment
i``, ``capture i vs segment j``): in a clean record two different fingers of one citizen. A real citizen's fingers
share pattern types and ridge width (``ridge_within_person.py`` shows it for capture pairs), so the segment
evidence's null must hold for one person's fingers too. SOCOFing's Real set has the ten fingers of 40 people, one
impression each (about 170 ppi, resampled to 500 ppi by the library's resolution estimate): each person's ten
impressions are composed into the three slaps of a record (:func:`~cccd_biometrics.fingerprint.slap_compose.
compose_slap`, composition seed ``SEED``) and cut by :func:`~cccd_biometrics.fingerprint.slap.segment_slap`.
Every capture is then compared with every segment of a DIFFERENT finger: of the same person (within) and of the
next ``OTHERS`` people (between); a segment whose box lies on the capture's own finger in the truth (a label the
segmenter got wrong) is left out, since capture and segment would then be one impression. For comparisons scoring
in ``DUPLICATE_SEGMENT_RIDGE_WINDOW``: the ridge correlation under the comparison's transforms and its
log-likelihood ratio in the shipped table (``DUPLICATE_LLR_SEGMENT_RIDGE``; or ``--calibration``'s). Printed
within versus between: the share in the window, the correlation's quantiles, the ratio's mean and upper tail; an
upward shift within one person is what would break the null. ``--pool`` saves the within-person correlations:
``calibrate_duplicate_fusion.py`` draws the calibration sources' impostor segment correlations from them for its
within-person stress point. Time: about 3 minutes niced on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.enrolment import (
    DUPLICATE_LLR_SEGMENT_RIDGE,
    DUPLICATE_SEGMENT_RIDGE_WINDOW,
)
from cccd_biometrics.enrolment.stages import _segment_templates
from cccd_biometrics.fingerprint.agreement import ridge_correlation
from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
from cccd_biometrics.fingerprint.match import compare_one_to_many, prepare_gallery
from cccd_biometrics.fingerprint.slap import SLAP_FINGERS, box_iou
from cccd_biometrics.fingerprint.slap_compose import compose_slap

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from ridge_within_person import correlation_stats, ratio_table, shared_data  # noqa: E402

SEED = 7301
OTHERS = 4
_NAMES = {"thumb": 0, "index": 1, "middle": 2, "ring": 3, "little": 4}


def _position(name: str) -> int | None:
    """ISO finger position of a SOCOFing file name (``1__M_Left_index_finger.BMP``)."""
    m = re.match(r"\d+__[MF]_(Left|Right)_(\w+?)_finger", name)
    if m is None or m[2] not in _NAMES:
        return None
    return _NAMES[m[2]] + (1 if m[1] == "Right" else 6)


def people() -> dict[int, dict[int, Path]]:
    """Person -> finger position -> file, for the people with all ten fingers."""
    out: dict[int, dict[int, Path]] = {}
    for f in sorted((shared_data() / "socofing_dev" / "Real").glob("*.BMP")):
        pos = _position(f.name)
        if pos is not None:
            out.setdefault(int(f.name.split("__")[0]), {})[pos] = f
    return {p: v for p, v in out.items() if len(v) == 10}


def person_record(files: dict[int, Path], person: int) -> dict[str, dict[int, object]]:
    """One person's captures (analysis, template) and slap segments (analysis, prepared template), by position;
    segments whose box lies on another finger in the truth are kept with that finger's position as ``truth``."""
    caps = {}
    pixels = {}
    for pos, f in files.items():
        img = cb.load_fingerprint(f)
        a = analyze_fingerprint(img)
        caps[pos] = (a, cb.extract_minutiae(a, with_quality=False))
        pixels[pos] = cb.load_fingerprint(img.pixels, ppi=500).pixels
    segs, truth = {}, {}
    for slap in (13, 14, 15):
        comp = compose_slap({p: pixels[p] for p in SLAP_FINGERS[slap]}, slap, seed=SEED * 1000 + person * 3 + slap)
        seg = cb.segment_slap(comp.image, slap, ppi=500)
        analyses: dict[int, object] = {}
        for pos, tpl in _segment_templates({slap: seg}, analyses).items():
            box = next(s.corners for s in seg.segments if s.position == pos)
            true = max(comp.fingers, key=lambda f, box=box: box_iou(f.corners, box))
            segs[pos] = (analyses[pos], tpl)
            truth[pos] = true.position if box_iou(true.corners, box) >= 0.5 else None
    return {"caps": caps, "segs": segs, "truth": truth}


def comparisons(cap: dict[int, object], rec: dict[str, dict[int, object]], same_person: bool
                ) -> list[tuple[float, float]]:
    """(score, ridge correlation or NaN) of every capture of ``cap`` against every segment of ``rec`` of a
    different finger (by the truth when ``same_person``: a mislabelled segment of the capture's own finger is
    one impression and left out)."""
    lo, hi = DUPLICATE_SEGMENT_RIDGE_WINDOW
    positions = sorted(rec["segs"])
    gallery = prepare_gallery([rec["segs"][q][1] for q in positions])
    out = []
    for p, (a, t) in cap.items():
        scores = compare_one_to_many(t, gallery)
        for q, s in zip(positions, scores, strict=True):
            if same_person and (q == p or rec["truth"][q] in (p, None)):
                continue
            c = np.nan
            if lo <= s < hi:
                sa, st = rec["segs"][q]
                found = ridge_correlation(a, sa, t, st)
                c = np.nan if found is None else found
            out.append((float(s), c))
    return out


def summary(rows: list[tuple[float, float]], knots: tuple[float, ...], table: tuple[float, ...]) -> dict[str, object]:
    arr = np.array(rows)
    s, c = arr[:, 0], arr[:, 1]
    lo, hi = DUPLICATE_SEGMENT_RIDGE_WINDOW
    cand = (s >= lo) & (s < hi)
    have = cand & ~np.isnan(c)
    return {"comparisons": int(s.size), "in_window": int(cand.sum()), "in_window_share": float(cand.mean()),
            "with_correlation": int(have.sum()), **correlation_stats(c[have], knots, table)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", type=Path, default=None,
                    help="duplicate_fusion.json whose segment ridge table to use (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--pool", type=Path, default=None, help="save the within-person correlations (.npy) here")
    args = ap.parse_args()
    knots, table = ratio_table(args.calibration, "segridge", DUPLICATE_LLR_SEGMENT_RIDGE)
    t0 = time.perf_counter()
    folks = people()
    recs = {p: person_record(v, p) for p, v in folks.items()}
    order = sorted(recs)
    rows: dict[str, list[tuple[float, float]]] = {"within": [], "between": []}
    for k, p in enumerate(order):
        rows["within"] += comparisons(recs[p]["caps"], recs[p], True)
        for d in range(1, OTHERS + 1):
            rows["between"] += comparisons(recs[p]["caps"], recs[order[(k + d) % len(order)]], False)
    mislabelled = sum(1 for r in recs.values() for q, t in r["truth"].items() if t != q)
    out: dict[str, object] = {"people": len(recs), "segments": sum(len(r["segs"]) for r in recs.values()),
                              "segments_off_their_label": mislabelled, "seed": SEED, "others": OTHERS,
                              "window": list(DUPLICATE_SEGMENT_RIDGE_WINDOW), "knots": list(knots),
                              "table": list(table)}
    print(f"{out['people']} people, {out['segments']} segments ({mislabelled} off their label)")
    for kind, r in rows.items():
        res = summary(r, knots, table)
        out[kind] = res
        print(f"{kind:8s} {res['comparisons']} capture-vs-segment comparisons of different fingers; in the window "
              f"{res['in_window']} ({100 * res['in_window_share']:.2f} %), with a correlation "
              f"{res['with_correlation']}; correlation q10/50/90/99 {res['correlation_q10_50_90_99']}; segment ridge "
              f"LLR mean {res['llr_mean']:.3f}, share > 0/1/2 {res['llr_share_above_0_1_2']}, max {res['llr_max']}")
    if args.pool is not None:
        arr = np.array(rows["within"])
        lo, hi = DUPLICATE_SEGMENT_RIDGE_WINDOW
        keep = (arr[:, 0] >= lo) & (arr[:, 0] < hi) & ~np.isnan(arr[:, 1])
        np.save(args.pool, arr[keep, 1])
    out["minutes"] = round((time.perf_counter() - t0) / 60, 1)
    if args.out is not None:
        args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
