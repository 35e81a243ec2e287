"""The sequence (swap, hand-swap, mismatch) decision of the cccd_biometrics on the path, applied to the scores a
run of enrolment_rates.py stored (``--json``): the same records judged by another rule without composing and
segmenting them again.

    python benchmarks/rescore_swaps.py RUN.json [RUN.json ...]
    PYTHONPATH=/path/to/other/src python benchmarks/rescore_swaps.py RUN.json     # another version's rule

``check_enrolment``'s sequence findings are a function of the capture-versus-segment scores and the slaps marked
uncertain (stored as ``uncertain`` since the swap round), and a swap on a pair the duplicate check calls one finger
is dropped (versions that have ``_drop_duplicate_swaps``; the run's own duplicate findings are used), so this
equals a full run whenever extractor, comparator and segmenter are unchanged.
"""

from __future__ import annotations

import argparse
import inspect
import json
from pathlib import Path

from cccd_biometrics import enrolment

SWAP_LIKE = ("RECORD_FINGERS_SWAPPED", "RECORD_HAND_SWAPPED", "RECORD_SEQUENCE_MISMATCH")


def judge(row: dict) -> set[tuple[str, tuple[int, ...]]]:
    sequence = {int(p): {int(q): v for q, v in r.items()} for p, r in row["sequence"].items()}
    pairs = {tuple(int(x) for x in k.split(",")): v for k, v in row["pairs"].items()}
    extra = (pairs,) if "pairs" in inspect.signature(enrolment._sequence_findings).parameters else ()
    findings, _ = enrolment._sequence_findings(sequence, enrolment.DEFAULT_THRESHOLDS, set(row["uncertain"]),
                                               *extra)
    drop = getattr(enrolment, "_drop_duplicate_swaps", None)
    if drop is not None:
        dups = [enrolment._record_finding("RECORD_DUPLICATE_FINGER", tuple(p), "", v, t)
                for p, v, t in row["duplicates"]]
        findings = drop(findings, dups)
    return {(f.code, f.positions) for f in findings}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    args = ap.parse_args()
    for run in args.runs:
        rows = json.loads(run.read_text())["rows"]
        out = {"swaps recognised": [0, 0], "hand swaps found": [0, 0],
               "records without a swap falsely alarmed as swapped (clean, missing, duplicate)": [0, 0],
               "incomplete-slap records alarmed as swapped": [0, 0],
               "records without a hand swap alarmed as hand swap": [0, 0],
               "clean and missing records with a sequence mismatch": [0, 0]}
        false = []
        for r in rows:
            codes = judge(r)
            kinds = {c for c, _ in codes}
            if r["error"] == "swap":
                out["swaps recognised"][1] += 1
                out["swaps recognised"][0] += ("RECORD_FINGERS_SWAPPED", tuple(r["positions"])) in codes
            if r["error"] == "hand_swap":
                out["hand swaps found"][1] += 1
                out["hand swaps found"][0] += "RECORD_HAND_SWAPPED" in kinds
            else:
                out["records without a hand swap alarmed as hand swap"][1] += 1
                out["records without a hand swap alarmed as hand swap"][0] += "RECORD_HAND_SWAPPED" in kinds
            key = {"clean": "records without a swap falsely alarmed as swapped (clean, missing, duplicate)",
                   "missing": "records without a swap falsely alarmed as swapped (clean, missing, duplicate)",
                   "duplicate": "records without a swap falsely alarmed as swapped (clean, missing, duplicate)",
                   "incomplete_slap": "incomplete-slap records alarmed as swapped"}.get(r["error"])
            if key:
                out[key][1] += 1
                out[key][0] += "RECORD_FINGERS_SWAPPED" in kinds
                false += [f"#{r['record']} {r['source']} {r['error']} {p}" for c, p in codes
                          if c == "RECORD_FINGERS_SWAPPED"]
            if r["error"] in ("clean", "missing"):
                out["clean and missing records with a sequence mismatch"][1] += 1
                out["clean and missing records with a sequence mismatch"][0] += "RECORD_SEQUENCE_MISMATCH" in kinds
        print(f"{run} ({enrolment.__file__}):")
        for name, (k, n) in out.items():
            if n:
                print(f"  {name:80s} {k:4d}/{n:<4d} = {100 * k / n:6.2f} %")
        print(f"  false swap findings: {false}")


if __name__ == "__main__":
    main()
