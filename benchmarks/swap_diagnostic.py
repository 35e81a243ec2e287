"""Why are swapped fingers missed, and why are clean records called swapped? Composed records, decomposed.

    nice python benchmarks/swap_diagnostic.py --seeds 2026 2027 2028 --records 252 --out /tmp/swapdiag.jsonl
    python benchmarks/swap_diagnostic.py --load /tmp/swapdiag.jsonl            # the report again, no composing

Composes the records of ``enrolment_rates.py`` with the same numbering (record r of a seed is the same record
there), but only those whose planted error is in ``--errors`` (default swap, hand swap, clean), runs
:func:`cccd_biometrics.check_enrolment` and keeps what the sequence decision sees: the finger-versus-segment
scores, which slaps the segmenter marked uncertain, each labelled segment's true finger (the placed finger whose
box overlaps it most, IoU), segment and finger quality, the single-image errors, and the record findings. The
report decomposes, for every swap record, the four comparisons of the swapped pair (capture p vs segment q, q vs
p, p vs p, q vs q) against the operating points, and says for each miss and each false swap what stood in the
way (an uncertain slap, a mislabelled or missing segment, a low-quality capture, a weak cross comparison); and it
judges the saved scores with the current sequence decision (``--load`` reruns only that, so a changed rule can be
read on the same records in seconds). Pair scores are not kept, so the swap's duplicate rival
(``_beats_duplicate``) and the dropping of a duplicate pair's swap are not applied here; ``rescore_swaps.py`` on an
``enrolment_rates.py --json`` run applies the whole rule.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cccd_biometrics as cb
from cccd_biometrics.enrolment import DEFAULT_THRESHOLDS
from cccd_biometrics.enrolment.sequence import _hand_swap_llr, _sequence_findings, _swap_llr
from cccd_biometrics.fingerprint.slap import SLAP_FINGERS, box_iou
from cccd_biometrics.fingerprint.slap_compose import ERROR_KINDS
from enrolment_rates import PORTRAIT, Images, numbered_record, shared_data, sources

T = DEFAULT_THRESHOLDS


def compose_rows(images: Images, seed: int, n_records: int, errors: set[str]) -> list[dict[str, Any]]:
    """The records ``0..n_records-1`` of ``enrolment_rates.composed``'s numbering whose error is in ``errors``."""
    names = list(images.srcs)
    rows = []
    for r in range(n_records):
        src = names[r % len(names)]
        error = ERROR_KINDS[(r // len(names) + names.index(src)) % len(ERROR_KINDS)]
        if error not in errors:
            continue
        comp = numbered_record(images, seed, r)[2]
        rec = cb.EnrolmentRecord(fingers=comp.fingers, slaps={k: s.image for k, s in comp.slaps.items()},
                                 portrait=PORTRAIT, ppi=500)
        rep = cb.check_enrolment(rec)
        labels: dict[str, Any] = {}
        for pos, truth in comp.slaps.items():
            seg = rep.slaps[pos]
            for s in seg.segments:
                best = max(truth.fingers, key=lambda f, s=s: box_iou(f.corners, s.corners))
                labels[str(s.position)] = {"true": int(best.position), "iou": round(box_iou(best.corners,
                                                                                           s.corners), 3),
                                           "quality": round(float(s.quality), 1)}
        rows.append({
            "seed": seed, "record": r, "source": src, "error": error, "positions": list(comp.positions),
            "sequence": {str(p): {str(q): v for q, v in row.items()} for p, row in rep.sequence.items()},
            "slap_findings": {str(k): [f.code for f in v.findings] if not isinstance(v, str) else ["ERROR"]
                              for k, v in rep.slaps.items()},
            "segments": labels,
            "finger_quality": {str(p): round(float(f.quality.score), 1) for p, f in rep.fingers.items()
                               if f.quality is not None},
            "image_errors": {str(f.positions[0]): f.code for f in rep.findings
                             if not f.code.startswith("RECORD_") and f.severity.value == "error"},
            "findings": [[f.code, list(f.positions), f.value] for f in rep.findings if f.code.startswith("RECORD_")],
        })
        print(f"  {seed} #{r} {src} {error}: {[c for c, _, _ in rows[-1]['findings']]}", flush=True)
    return rows


# ------------------------------------------------------------------------------------------------ report


def _seq(row: dict[str, Any]) -> dict[int, dict[int, float]]:
    return {int(p): {int(q): v for q, v in r.items()} for p, r in row["sequence"].items()}


def _uncertain(row: dict[str, Any]) -> set[int]:
    return {p for k, codes in row["slap_findings"].items() if codes for p in SLAP_FINGERS[int(k)]}


def decide(row: dict[str, Any]) -> set[tuple[str, tuple[int, ...]]]:
    """The current sequence decision on the saved scores."""
    findings, _ = _sequence_findings(_seq(row), T, _uncertain(row))
    return {(f.code, f.positions) for f in findings}


def why(row: dict[str, Any], p: int, q: int) -> list[str]:
    """What about the pair (p, q) could mislead the decision."""
    seq, unc = _seq(row), _uncertain(row)
    out = []
    for x in (p, q):
        lab = row["segments"].get(str(x))
        if lab is None:
            out.append(f"segment {x} missing")
        elif lab["true"] != x:
            out.append(f"segment {x} is finger {lab['true']}")
        elif lab["iou"] < 0.5:
            out.append(f"segment {x} IoU {lab['iou']}")
        if x in unc:
            out.append(f"slap of {x} uncertain {row['slap_findings']}")
        if str(x) in row["image_errors"]:
            out.append(f"capture {x} {row['image_errors'][str(x)]} (q {row['finger_quality'].get(str(x))})")
    pq, qp = seq.get(p, {}).get(q, 0.0), seq.get(q, {}).get(p, 0.0)
    pp, qq = seq.get(p, {}).get(p, 0.0), seq.get(q, {}).get(q, 0.0)
    for name, v in ((f"{p}vs{q}", pq), (f"{q}vs{p}", qp)):
        if v < T.sequence_confirm:
            out.append(f"cross {name} {v:.4f} < FMR 1 %")
    for name, v in ((f"{p}vs{p}", pp), (f"{q}vs{q}", qq)):
        if v >= T.sequence_confirm:
            out.append(f"own {name} {v:.4f} >= FMR 1 %")
    return out


def report(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    swaps = [r for r in rows if r["error"] == "swap"]
    hands = [r for r in rows if r["error"] == "hand_swap"]
    clean = [r for r in rows if r["error"] == "clean"]
    reasons: Counter[str] = Counter()
    hit = 0
    out.append("swap records: capture p vs segment q, q vs p, p vs p, q vs q (FMR 1 % 0.0091, 0.01 % 0.0163)")
    for r in swaps:
        p, q = r["positions"]
        codes = decide(r)
        ok = ("RECORD_FINGERS_SWAPPED", (p, q)) in codes
        hit += ok
        seq = _seq(r)
        four = [seq.get(p, {}).get(q, np.nan), seq.get(q, {}).get(p, np.nan), seq.get(p, {}).get(p, np.nan),
                seq.get(q, {}).get(q, np.nan)]
        ratio = _swap_llr(p, q, seq, _uncertain(r))
        line = (f"  {'hit ' if ok else 'MISS'} {r['seed']} #{r['record']} {r['source']} ({p},{q}) "
                + " ".join(f"{v:.4f}" for v in four) + f" LLR {ratio if ratio is None else round(ratio, 2)}")
        if not ok:
            w = why(r, p, q)
            reasons.update(x.split(" ")[0] + " " + x.split(" ")[2] if x.startswith(("segment", "slap")) else
                           " ".join(x.split(" ")[:1] + x.split(" ")[2:3]) for x in w)
            line += f"  {sorted(c for c in codes if c[0] != 'RECORD_SEQUENCE_UNCONFIRMED')}  why: {w}"
        out.append(line)
    out.append(f"swaps recognised (current rule on saved scores): {hit}/{len(swaps)}; reasons among misses: "
               f"{dict(reasons)}")
    hh = sum(any(c == "RECORD_HAND_SWAPPED" for c, _ in decide(r)) for r in hands)
    out.append(f"hand swaps found: {hh}/{len(hands)}")
    for r in hands:
        if not any(c == "RECORD_HAND_SWAPPED" for c, _ in decide(r)):
            seq = _seq(r)
            cross = {p: round(seq[p].get(p + 5 if p <= 5 else p - 5, 0.0), 4) for p in seq}
            labels = {k: v["true"] for k, v in r["segments"].items()}
            out.append(f"  MISS hand {r['seed']} #{r['record']} {r['source']} cross {cross} slaps "
                       f"{r['slap_findings']} labels {labels}")
    for name, sel in (("hand-swap records", hands), ("clean records", clean)):
        if sel:
            v = np.array([_hand_swap_llr(_seq(r), _uncertain(r))[0] for r in sel])
            out.append(f"hand-swap LLR on {name}: min {v.min():.2f}, median {np.median(v):.2f}, max {v.max():.2f}")

    def top(r: dict[str, Any]) -> float:
        seq, unc = _seq(r), _uncertain(r)
        vals = [_swap_llr(p, q, seq, unc) for p in seq for q in seq if p < q]
        return max((v for v in vals if v is not None), default=float("-inf"))

    if clean:
        tops = sorted((top(r), r["seed"], r["record"], r["source"]) for r in clean)[::-1][:5]
        out.append(f"largest pair LLR on clean records (top 5): {[(round(a, 2), b, c, d) for a, b, c, d in tops]}")
    for kind in ("clean", "missing", "duplicate", "incomplete_slap"):
        sel = [r for r in rows if r["error"] == kind]
        if not sel:
            continue
        false = [(r, c) for r in sel for c in decide(r) if c[0] in ("RECORD_FINGERS_SWAPPED", "RECORD_HAND_SWAPPED",
                                                                    "RECORD_SEQUENCE_MISMATCH")]
        out.append(f"{kind} records with a swap, hand swap or mismatch: {len({id(r) for r, _ in false})}/{len(sel)}"
                   f" (swapped {len({id(r) for r, c in false if c[0] == 'RECORD_FINGERS_SWAPPED'})}, hand "
                   f"{len({id(r) for r, c in false if c[0] == 'RECORD_HAND_SWAPPED'})})")
        for r, c in false:
            out.append(f"  {c} {r['seed']} #{r['record']} {r['source']} planted {r['positions']} why: "
                       f"{why(r, *c[1][:2]) if c[0] != 'RECORD_HAND_SWAPPED' else ''}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[2026, 2027, 2028])
    ap.add_argument("--records", type=int, default=252, help="records of each seed's numbering to look at")
    ap.add_argument("--errors", default="swap,hand_swap,clean")
    ap.add_argument("--out", type=Path, default=None, help="write the rows (JSON lines)")
    ap.add_argument("--load", type=Path, nargs="*", default=None, help="report on saved rows, compose nothing")
    args = ap.parse_args()
    if args.load:
        rows = [json.loads(line) for f in args.load for line in f.read_text().splitlines() if line]
    else:
        t0 = time.perf_counter()
        images = Images(sources(shared_data()))
        rows = [row for s in args.seeds for row in compose_rows(images, s, args.records, set(args.errors.split(",")))]
        print(f"composed {len(rows)} records in {(time.perf_counter() - t0) / 60:.1f} min", flush=True)
        if args.out is not None:
            args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print("\n".join(report(rows)))


if __name__ == "__main__":
    main()
