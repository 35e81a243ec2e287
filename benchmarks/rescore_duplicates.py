"""The duplicate decision of the cccd_biometrics on the path, applied to the scores a run of enrolment_rates.py
stored (``--json``): the same records judged by another rule without composing and segmenting them again.

    python benchmarks/rescore_duplicates.py RUN.json
    PYTHONPATH=/path/to/other/src python benchmarks/rescore_duplicates.py RUN.json     # another version's rule

``check_enrolment``'s duplicate findings are a function of the pair and capture-versus-segment scores alone
(``enrolment.duplicates._duplicate_findings``), so this equals a full run whenever extractor, comparator and
segmenter are unchanged.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from cccd_biometrics.enrolment import DEFAULT_THRESHOLDS
from cccd_biometrics.enrolment.duplicates import _duplicate_findings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--duplicate-llr", type=float, default=None, help="another operating point of the ratio")
    args = ap.parse_args()
    t = DEFAULT_THRESHOLDS
    if args.duplicate_llr is not None:
        t = dataclasses.replace(t, duplicate_llr=args.duplicate_llr)
    rows = json.loads(args.run.read_text())["rows"]
    found = dups = alarmed = clean = 0
    alarms = []
    for r in rows:
        pairs = {tuple(int(x) for x in k.split(",")): v for k, v in r["pairs"].items()}
        sequence = {int(p): {int(q): v for q, v in row.items()} for p, row in r["sequence"].items()}
        out = _duplicate_findings(pairs, sequence, t)
        if r["error"] == "duplicate":
            dups += 1
            found += any(set(f.positions) == set(r["positions"]) for f in out)
        else:
            clean += 1
            alarmed += bool(out)
            alarms += [f"#{r['record']} {r['source']} {f.positions} {f.value:.4f}/{f.threshold}" for f in out]
    print(f"{args.run}: duplicates found {found}/{dups}; records without a duplicate falsely alarmed "
          f"{alarmed}/{clean} = {100 * alarmed / max(clean, 1):.3f} %; false findings {alarms}")


if __name__ == "__main__":
    main()
