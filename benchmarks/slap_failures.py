"""Why do slap segments miss IoU 0.7? Each truth finger of the composed slaps of ``enrolment_rates.py``, decomposed.

    nice python benchmarks/slap_failures.py --seed 2029 [--records 252] [--json out.json]

The slaps are those of :func:`enrolment_rates.composed` for the same seed and record count (same images, same
composition seeds), segmented with ``segment_slap(..., assess=False)`` (the boxes do not depend on the quality
step), so the headline figure equals that benchmark's "IoU >= 0.7 with the right label" on complete slaps.

Per truth finger below IoU 0.7 the failure is put in one class, first that applies:

* ``missed``: no segment overlaps it (IoU < 0.1 with every segment);
* ``merged``: its best segment also overlaps another truth finger (IoU >= 0.2 with both);
* ``split``: two segments overlap it (IoU >= 0.2 each);
* ``label``: a segment with IoU >= 0.7 exists, with another label;
* ``box``: the segment is the right finger with a poor box; its errors are reported in the truth finger's
  frame: angle (deg), centre offset along / across the axis (px), length and width ratio (segment / truth),
  and each edge's offset (the midpoint of the segment's tip, base, left and right edge against the truth's,
  along or across the truth's axis: positive = beyond the truth, the box too long or too wide there). Each box
  failure is also put under the edge whose error, relative to the truth box's length or width, is largest
  (with ``+angle`` when the axis is off by more than 8 degrees), and counted by source and by pressure
  (the compositor's contrast).

Two oracles show how much each box error costs: the same regions' boxes built on the *true* axis of each finger
(``--oracle``: "oracle angle"), and the true box moved to the segment's centre ("oracle centre IoU").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cccd_biometrics._shared.jsonsafe import json_safe
from cccd_biometrics.fingerprint import slap as S  # noqa: N812 - the module's internals, read as S._name
from cccd_biometrics.fingerprint.slap_compose import (
    ComposedFinger,
    ComposedRecord,
    ComposedSlap,
)
from enrolment_rates import Images, numbered_record, shared_data, sources


def compose_one(images: Images, n_records: int, seed: int, r: int):
    """(source, error, ComposedRecord) of record ``r`` as ``enrolment_rates.composed`` builds it."""
    return numbered_record(images, seed, r)


def composed_slaps(images: Images, n_records: int, seed: int):
    """(source, record, error, ComposedRecord) as ``enrolment_rates.composed`` builds them."""
    for r in range(n_records):
        src, error, comp = compose_one(images, n_records, seed, r)
        yield src, r, error, comp


def cached_slaps(images: Images, n_records: int, seed: int, cache: Path | None):
    """As :func:`composed_slaps`, the composed slaps kept in ``cache`` (PNG + truth JSON per record): composing
    costs several times what segmenting does, and a segmenter change is judged on the same slaps again."""
    if cache is None:
        yield from composed_slaps(images, n_records, seed)
        return
    folder = cache / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for r in range(n_records):
        meta = folder / f"{r:05d}.json"
        if meta.exists():
            d = json.loads(meta.read_text())
            slaps = {}
            for pos, t in d["slaps"].items():
                image = cv2.imread(str(folder / f"{r:05d}_{pos}.png"), cv2.IMREAD_GRAYSCALE)
                fingers = tuple(ComposedFinger(f["position"], np.array(f["corners"]), f["angle"]) for f in t["fingers"])
                slaps[int(pos)] = ComposedSlap(image, int(pos), fingers, t["parameters"])
            yield d["source"], r, d["error"], ComposedRecord({}, slaps, d["error"], tuple(d["positions"]))
            continue
        src, error, comp = compose_one(images, n_records, seed, r)
        d = {"source": src, "error": error, "positions": list(comp.positions), "slaps": {}}
        for pos, t in comp.slaps.items():
            cv2.imwrite(str(folder / f"{r:05d}_{pos}.png"), t.image)
            d["slaps"][str(pos)] = {"fingers": [{"position": f.position, "corners": f.corners.tolist(),
                                                 "angle": f.angle} for f in t.fingers],
                                    "parameters": json_safe(t.parameters)}
        meta.write_text(json.dumps(d))
        yield src, r, error, comp


def _frame_of(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(centre, along unit vector to the tip, length, width) of a box in SlapSegment corner order."""
    tip_mid = (corners[0] + corners[1]) / 2
    base_mid = (corners[2] + corners[3]) / 2
    along = tip_mid - base_mid
    length = float(np.linalg.norm(along))
    return corners.mean(axis=0), along / max(length, 1e-9), length, float(np.linalg.norm(corners[1] - corners[0]))


def _edge_errors(truth: np.ndarray, seg: np.ndarray) -> dict[str, float]:
    """Offsets (px) of the segment's tip, base, left and right edge midpoints from the truth's, in the truth's
    frame; positive = the segment's edge lies beyond the truth's (outwards)."""
    _, along, _, _ = _frame_of(truth)
    across = np.array([-along[1], along[0]])

    def mids(c: np.ndarray) -> tuple[float, float, float, float]:
        return (float((c[0] + c[1]) @ along / 2), float((c[2] + c[3]) @ along / 2),
                float((c[0] + c[3]) @ across / 2), float((c[1] + c[2]) @ across / 2))

    t, s = mids(truth), mids(seg)
    return {"e_tip": s[0] - t[0], "e_base": t[1] - s[1], "e_left": t[2] - s[2], "e_right": s[3] - t[3]}


def _angle(along: np.ndarray) -> float:
    return math.degrees(math.atan2(along[0], -along[1]))


def _oracle_angle_boxes(image: np.ndarray, position: int, truth_along: dict[int, np.ndarray]) -> dict[int, Any]:
    """The segmenter's regions, boxes built on each finger's true axis (label -> corners)."""
    gray = image
    order = S.SLAP_FINGERS[position]
    regions, across, along = S._fingers(S._texture(gray), gray.shape, len(order))
    if not regions:
        return {}
    if len(regions) > len(order):
        regions = sorted(regions, key=lambda r: -len(r.points) * r.energy)[:len(order)]
    if len(regions) >= 2:
        across, along = S._frame(S._across_axis(regions, len(order)))
    regions = sorted(regions, key=lambda r: float(r.centroid @ across))
    labels = S._labels(np.array([r.centroid for r in regions]), across, position, order)
    axes = [truth_along.get(lab, along) for lab in labels]
    extents = [S._extent(r, a) for r, a in zip(regions, axes, strict=True)]
    tip_length = S.DISTAL_LENGTH_RATIO * float(np.median([e[1] - e[0] for e in extents]))
    return {lab: S.tip_corners(a, *e, tip_length) for lab, a, e in zip(labels, axes, extents, strict=True)}


def analyse(images: Images, n_records: int, seed: int, oracle: bool, cache: Path | None = None
            ) -> list[dict[str, Any]]:
    rows = []
    for src, r, _error, comp in cached_slaps(images, n_records, seed, cache):
        for pos, truth in comp.slaps.items():
            # incomplete in truth: a finger left out (the planted error) or one the slap does not show at all
            dropped = (comp.error == "incomplete_slap" and comp.positions[0] == pos) or bool(
                truth.parameters.get("unseen"))
            seg = S.segment_slap(truth.image, pos, assess=False)
            t_along = {}
            for f in truth.fingers:
                _, a, _, _ = _frame_of(f.corners)
                t_along[f.position] = a
            orc = _oracle_angle_boxes(truth.image, pos, t_along) if oracle and not dropped else {}
            for k, f in enumerate(truth.fingers):
                ious = [S.box_iou(f.corners, s.corners) for s in seg.segments]
                same = [s for s in seg.segments if s.position == f.position]
                iou = S.box_iou(f.corners, same[0].corners) if same else 0.0
                best_i = int(np.argmax(ious)) if ious else -1
                best = seg.segments[best_i] if ious else None
                row: dict[str, Any] = {
                    "source": src, "record": r, "slap": pos, "position": f.position, "dropped_slap": dropped,
                    "kind": "thumbs" if pos == 15 else "four", "rotation": truth.parameters["rotation"],
                    "partial": truth.parameters["partial"][k], "contrast": truth.parameters["contrast"][k],
                    "iou": iou, "iou_best": max(ious, default=0.0), "found": len(seg.segments),
                    "label_of_best": best.position if best else None}
                others = [S.box_iou(g.corners, best.corners) for g in truth.fingers if g is not f] if best else []
                n_over = sum(v >= 0.2 for v in ious)
                if iou >= 0.7:
                    cls = "ok"
                elif max(ious, default=0.0) < 0.1:
                    cls = "missed"
                elif others and max(others) >= 0.2 and row["iou_best"] >= 0.2:
                    cls = "merged"
                elif n_over >= 2:
                    cls = "split"
                elif row["iou_best"] >= 0.7:
                    cls = "label"
                else:
                    cls = "box"
                row["class"] = cls
                seg_box = same[0] if same else best
                if seg_box is not None:
                    tc, ta, tl, tw = _frame_of(f.corners)
                    sc, sa, sl, sw = _frame_of(seg_box.corners)
                    d = sc - tc
                    tx = np.array([-ta[1], ta[0]])
                    da = _angle(sa) - _angle(ta)
                    row.update({"angle_err": (da + 180) % 360 - 180, "d_along": float(d @ ta),
                                "d_across": float(d @ tx), "len_ratio": sl / tl, "wid_ratio": sw / tw,
                                "truth_len": tl, "truth_wid": tw,
                                "truth_angle_rel": _angle(ta) - truth.parameters["rotation"]})
                    row.update(_edge_errors(f.corners, seg_box.corners))
                    # what the centre error alone costs: the true box moved to the segment's centre
                    row["oracle_centre"] = S.box_iou(f.corners + d, f.corners)
                if f.position in orc:
                    row["oracle_angle"] = S.box_iou(f.corners, orc[f.position])
                rows.append(row)
        print(f"  record {r + 1}/{n_records}", file=sys.stderr, flush=True)
    return rows


def _share(sel: list[dict[str, Any]], key: str = "iou") -> str:
    k = sum(1 for x in sel if x[key] >= 0.7)
    return f"{k}/{len(sel)} = {100 * k / max(len(sel), 1):.1f} %"


def report(rows: list[dict[str, Any]]) -> list[str]:
    comp = [x for x in rows if not x["dropped_slap"]]
    out = [f"complete-slap fingers: {len(comp)}; IoU >= 0.7 with the right label {_share(comp)}"]
    slaps = {(x["record"], x["slap"]): x for x in rows}
    short = [k for k, x in slaps.items() if not x["dropped_slap"] and x["found"] < len(S.SLAP_FINGERS[k[1]])]
    dropped = [x for x in slaps.values() if x["dropped_slap"]]
    n_complete = sum(1 for x in slaps.values() if not x["dropped_slap"])
    out.append(f"complete slaps found incomplete: {len(short)}/{n_complete} slaps, "
               f"{len({k[0] for k in short})} records; incomplete slaps found incomplete: "
               f"{sum(1 for x in dropped if x['found'] < 4)}/{len(dropped)}; short slaps {sorted(short)}")
    if any("oracle_angle" in x for x in comp):
        sel = [x for x in comp if "oracle_angle" in x]
        out.append(f"  oracle angle (same regions, boxes on the true axis): {_share(sel, 'oracle_angle')}")
    fails = [x for x in comp if x["class"] != "ok"]
    out.append(f"failures by class: {dict(Counter(x['class'] for x in fails).most_common())}")
    for key in ("source", "kind", "slap"):
        groups = sorted({x[key] for x in comp})
        out.append(f"by {key}: " + "; ".join(
            f"{g}: {_share([x for x in comp if x[key] == g])} "
            f"{dict(Counter(x['class'] for x in fails if x[key] == g).most_common())}" for g in groups))
    for lo, hi in ((0, 15), (15, 30), (30, 46)):
        sel = [x for x in comp if lo <= abs(x["rotation"]) < hi]
        out.append(f"|rotation| {lo}-{hi}: {_share(sel)} "
                   f"{dict(Counter(x['class'] for x in fails if lo <= abs(x['rotation']) < hi).most_common())}")
    part = [x for x in comp if x["partial"] < 1]
    out.append(f"partial contact: {_share(part)}; full contact: {_share([x for x in comp if x['partial'] == 1])}")
    box = [x for x in fails if x["class"] == "box"]
    okb = [x for x in comp if x["class"] == "ok" and "angle_err" in x]
    for name, sel in (("box failures", box), ("successes", okb)):
        if not sel:
            continue
        def q(k: str, sel: list[dict[str, Any]] = sel) -> str:
            v = np.array([x[k] for x in sel])
            return "/".join(f"{p:.2f}" for p in np.quantile(v, [0.1, 0.5, 0.9]))
        out.append(f"{name} ({len(sel)}), 10/50/90 %: angle err {q('angle_err')}; |angle err| "
                   f"{'/'.join(f'{p:.1f}' for p in np.quantile([abs(x['angle_err']) for x in sel], [.1, .5, .9]))}"
                   f"; centre along {q('d_along')}; across {q('d_across')}; length ratio {q('len_ratio')}; "
                   f"width ratio {q('wid_ratio')}; oracle centre IoU {q('oracle_centre')}")
        if sel is box:
            dom = Counter()
            for x in sel:
                causes = []
                if abs(x["angle_err"]) > 8:
                    causes.append("angle>8")
                if abs(x["d_along"]) > 30:
                    causes.append("along>30px")
                if abs(x["d_across"]) > 20:
                    causes.append("across>20px")
                if not 0.85 <= x["len_ratio"] <= 1.15:
                    causes.append("length" + ("<" if x["len_ratio"] < 1 else ">"))
                if not 0.85 <= x["wid_ratio"] <= 1.15:
                    causes.append("width" + ("<" if x["wid_ratio"] < 1 else ">"))
                for c in causes or ["none>thresholds"]:
                    dom[c] += 1
            out.append(f"  box failure causes (a failure may have several): {dict(dom.most_common())}")
            out.append("  edge offsets (px, + = box beyond the truth), 10/50/90 %: " + "; ".join(
                f"{e} {q('e_' + e)}" for e in ("tip", "base", "left", "right")))
            out.append(f"  largest edge error per failure (relative to the truth's length / width): "
                       f"{dict(Counter(_dominant_edge(x) for x in sel).most_common())}")
            out.append(f"  box failures by source: {dict(Counter(x['source'] for x in sel).most_common())}")
            for lo, hi in ((0.5, 0.65), (0.65, 0.8), (0.8, 1.01)):
                n_all = sum(1 for x in comp if lo <= x["contrast"] < hi)
                band = [x for x in sel if lo <= x["contrast"] < hi]
                n_part = sum(1 for x in band if x["partial"] < 1)
                out.append(f"  pressure (contrast) {lo:.2f}-{min(hi, 1.0):.2f}: {len(band)} box failures of {n_all} "
                           f"fingers ({n_part} of them partial contacts)")
    lab = [x for x in comp if x["iou_best"] >= 0.5]
    right = sum(1 for x in lab if x["label_of_best"] == x["position"])
    out.append(f"right label among found (IoU >= 0.5): {right}/{len(lab)}")
    wrong = [(x["source"], x["record"], x["slap"], x["position"], x["label_of_best"]) for x in lab
             if x["label_of_best"] != x["position"]]
    out.append(f"  wrong labels: {wrong}")
    return out


def _dominant_edge(x: dict[str, Any]) -> str:
    """The edge with the largest error relative to the truth box ("tip out" = the box too long at the tip)."""
    rel = {"tip": x["e_tip"] / x["truth_len"], "base": x["e_base"] / x["truth_len"],
           "left": x["e_left"] / x["truth_wid"], "right": x["e_right"] / x["truth_wid"]}
    edge = max(rel, key=lambda k: abs(rel[k]))
    return f"{edge} {'out' if rel[edge] > 0 else 'in'}" + (" +angle" if abs(x["angle_err"]) > 8 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=252)
    ap.add_argument("--seed", type=int, default=2029)
    ap.add_argument("--oracle", action="store_true", help="also the true-axis oracle")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="keep the composed slaps here and reuse them")
    args = ap.parse_args()
    images = Images(sources(shared_data()))
    rows = analyse(images, args.records, args.seed, args.oracle, args.cache)
    print(f"# python benchmarks/slap_failures.py --records {args.records} --seed {args.seed}")
    print("\n".join(report(rows)))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, default=float) + "\n")


if __name__ == "__main__":
    main()
