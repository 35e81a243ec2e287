"""How good is the enrolment record check? Composed records from the dev databases, with planted errors.

    nice python benchmarks/enrolment_rates.py [--records 252] [--virtual 1000] \
        | grep -v "^  record [0-9]" | tee benchmarks/results/enrolment_rates.txt

Two measurements:

1. **Composed records** (the whole pipeline). A "citizen" is the ten fingers of one FVC2000/2002 B database
   (ten different people's fingers) or one U.are.U person with ten fingers (a real person's ten fingers; persons
   012, 013, 017, 022, 027, 076). Per record three different impressions of each finger are drawn: one is the
   individually captured finger, one goes into the composed slaps (:mod:`cccd_biometrics.fingerprint.slap_compose`),
   one is the spare planted as a duplicate; fingers are assigned to positions 1-10 at random. Each record gets
   one planted error, in turn: none (clean), a duplicate, a swap of two fingers of one hand, a hand swap, a
   finger missing without declaration, a slap missing one finger. A portrait (``sample_data/portraits``) is in
   every record, so the timing is that of a whole record (10 fingers + 3 slaps + portrait).
2. **Virtual records** (the decision rules at scale). Duplicate false alarms must be rare per *record* (<= 0.1 %)
   and one record has 45 finger pairs, so a few hundred records cannot show it. Here the same decision code
   (:func:`cccd_biometrics.enrolment.duplicates._duplicate_findings`, ``sequence._sequence_findings``) runs on
   scores of precomputed templates: the individual finger and its "slap segment" are two impressions of the
   finger (no compositing, no segmentation), for ``--virtual`` records per citizen source and error type.

Tuning disclosure. The comparator thresholds come from impostor score distributions only
(``calibrate_duplicate_threshold.py``; the slap-fused duplicate operating points from impostor triples,
``calibrate_duplicate_fusion.py``), never from these records. The slap segmenter's constants were swept on
composed slaps of synthetic prints and FVC2002 DB1_B (reported apart below); its design changes were also looked
at on composed slaps of the other databases (other composition seeds). The record decision rules (slap evidence
that two fingers are distinct, the swap rule, no mismatch from an incomplete slap) were shaped after looking at
virtual records of seed 2026 and composed records of seed 2027. The second round (issue 17 gaps: the fused
duplicate rule and its veto, the segmenter's hysteresis, edge inset, elongation and missing-finger gap, the
unconfirmed-finger warning) was shaped on seeds 2026 and 2027 only (composed slaps of all sources, virtual
records); ``results/enrolment_rates.txt`` is from seed 2029, run after the last change, and the same code on seed
2028 (the previous report's seed) is quoted beside it in the README. The third round (issue 17's slap gap: the
fan of finger axes, lone fingertips, and two fixes of the compositor, reported apart as data changes) was shaped
on seeds 2026/2027 with ``slap_failures.py``; seeds 2029 and 2030 were run after its last change. The fourth
round (issue 17 item 4: the duplicate decision as one log-likelihood ratio, ``calibrate_duplicate_fusion.py``)
is calibrated on clean-record configurations of the sources with segments of slaps composed with seeds 7101/7102,
never on these records; one design step was taken after looking at virtual records of seed 2029 (a ratio over
"clean" alone alarmed 206 of the 10,500 records without a duplicate, 206 of its 208 false findings on swap and
hand-swap records; the ratio over "swapped" was added), so seed 2029's figures are not out of sample for that
step: seeds 2032 (``--clean-only``) and 2033 were run after the
last change only. The fifth round (issue 17 item 4: the pair's ridge images as a third kind of duplicate
evidence, ``cccd_biometrics.fingerprint.agreement``) was designed on the calibration sources' pairs (which measure:
orientation fields, ridge periods, block correlations; best or best-of-three transforms), calibrated by
``calibrate_duplicate_fusion.py`` on clean-record nulls and SOCOFing's within-person pairs, and only then run on
seeds 2029, 2030 and 2035 (virtual, composed) and 2036 (``--clean-only``) after the last change. Disclosure: the
virtual records of seed 2029 were run once on the first version (best transform only, its own calibration:
3,420/3,500 duplicates found); the step to the best of three transforms was then chosen on the calibration
sources' pairs, not on those records, but it was taken because that figure fell short of the goal.
Virtual records carry the captures' ridge images (``Images.ridge_correlation``) as the check does, for the pair
and (sixth round) for each capture against its "segment" (there another impression's capture: the segment ridge
table was fitted on cut segments, so the virtual records read it on a population it was not fitted on).

The fifth round (issue 17 item 4: swaps and hand swaps as log-likelihood ratios of the four capture-versus-segment
comparisons of a pair, ``calibrate_swap_llr.py``) is calibrated on clean-record configurations of the sources with
segments of slaps composed with seeds 7201-7203, never on these records; its design (the table of uncertain slaps'
segments, label shifts as the swap's rival, a duplicate pair not also a swap, the hand swap as a sum) was shaped on
composed records of seeds 2026-2028 (``swap_diagnostic.py``); seeds 2029, 2030 and 2037 (``--clean-only``) were
run after its last change only. ``rescore_swaps.py`` judges a ``--json`` run with another version's sequence rule.

``--clean-only`` composes only the clean records of the same numbering (the duplicate false-alarm rate per
record needs thousands of them); ``--json`` keeps every record's pair and capture-versus-segment scores, which
``rescore_duplicates.py`` judges with another version's duplicate rule.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import cccd_biometrics as cb
from cccd_biometrics.enrolment import DEFAULT_THRESHOLDS
from cccd_biometrics.enrolment.duplicates import _duplicate_findings
from cccd_biometrics.enrolment.sequence import _drop_duplicate_swaps, _sequence_findings, _uncertain_segments
from cccd_biometrics.fingerprint.agreement import ridge_correlation
from cccd_biometrics.fingerprint.analysis import analyze_fingerprint
from cccd_biometrics.fingerprint.slap import box_iou
from cccd_biometrics.fingerprint.slap_compose import ERROR_KINDS, compose_record

ROOT = Path(__file__).resolve().parents[1]
PPI = {"fvc2002_b/DB2_B": 569.0}
TUNING_SOURCE = "fvc2002_b/DB1_B"
PORTRAIT = ROOT / "sample_data" / "portraits" / "frl_london_024_neutral.jpg"


def shared_data() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    raise SystemExit("../shared/data not found")


def sources(data: Path) -> dict[str, list[list[Path]]]:
    """Citizen source -> ten fingers, each a list of its 8 impression files."""
    out: dict[str, list[list[Path]]] = {}
    for year in ("fvc2000_b", "fvc2002_b"):
        for db in sorted((data / year).glob("DB*_B")):
            out[f"{year}/{db.name}"] = [[db / f"{f}_{i}.tif" for i in range(1, 9)] for f in range(101, 111)]
    people: dict[str, dict[int, list[Path]]] = {}
    for f in sorted((data / "neurotech_uareu").glob("*.tif")):
        m = re.match(r"(\d+)_(\d+)_(\d+)$", f.stem)
        if m:
            people.setdefault(m[1], {}).setdefault(int(m[2]), []).append(f)
    for person, fingers in sorted(people.items()):
        if len(fingers) == 10 and all(len(v) == 8 for v in fingers.values()):
            out[f"uareu/{person}"] = [sorted(fingers[k]) for k in sorted(fingers)]
    return out


class Ridges(NamedTuple):
    """What :func:`~cccd_biometrics.fingerprint.agreement.ridge_agreement` reads of an analysis (kept instead
    of the whole analysis, to hold all the sources' captures in memory)."""

    enhanced: np.ndarray
    mask: np.ndarray
    shape: tuple[int, int]


class Images:
    """Loaded 500 ppi pixels, templates and ridge images per (source, finger, impression), computed once."""

    def __init__(self, srcs: dict[str, list[list[Path]]]) -> None:
        self.srcs = srcs
        self.pixels: dict[tuple[str, int, int], np.ndarray] = {}
        self.templates: dict[tuple[str, int, int], Any] = {}
        self.raw_templates: dict[tuple[str, int, int], Any] = {}
        self.ridge_images: dict[tuple[str, int, int], Ridges] = {}

    def image(self, src: str, finger: int, imp: int) -> np.ndarray:
        key = (src, finger, imp)
        if key not in self.pixels:
            ppi = PPI.get(src, 500.0)
            self.pixels[key] = cb.load_fingerprint(self.srcs[src][finger][imp], ppi=ppi).pixels
        return self.pixels[key]

    def template(self, src: str, finger: int, imp: int) -> Any:
        key = (src, finger, imp)
        if key not in self.templates:
            analysis = analyze_fingerprint(cb.load_fingerprint(self.image(src, finger, imp), ppi=500))
            raw = cb.extract_minutiae(analysis, with_quality=False)
            self.raw_templates[key] = raw
            self.templates[key] = cb.prepare_template(raw)
            self.ridge_images[key] = Ridges(analysis.enhanced.astype(np.float32), analysis.mask, analysis.shape)
        return self.templates[key]

    def ridge_correlation(self, src: str, a: tuple[int, int], b: tuple[int, int]) -> float | None:
        """The ridge correlation of captures ``a`` and ``b`` ((finger, impression)) under their comparison's
        transform, as ``check_enrolment`` measures it."""
        ka, kb = (src, *a), (src, *b)
        self.template(*ka), self.template(*kb)
        return ridge_correlation(self.ridge_images[ka], self.ridge_images[kb],  # type: ignore[arg-type]
                                 self.raw_templates[ka], self.raw_templates[kb])


# -------------------------------------------------------------------------------------- composed records


def numbered_record(images: Images, seed: int, r: int) -> tuple[str, str, Any]:
    """(source, planted error, ComposedRecord) of record ``r`` of ``seed``: the numbering every benchmark of the
    record check shares (sources in turn, errors in turn per source; three impressions per finger drawn from
    ``[seed, r]``: the captures, the slaps' and the spares'), so that a diagnostic rebuilds exactly the record a
    run reported."""
    names = list(images.srcs)
    src = names[r % len(names)]
    error = ERROR_KINDS[(r // len(names) + names.index(src)) % len(ERROR_KINDS)]
    rng = np.random.default_rng([seed, r])
    perm = rng.permutation(10)  # position p holds finger perm[p - 1]
    a, b, c = (int(v) for v in rng.choice(8, 3, replace=False))
    ind = {p: images.image(src, int(perm[p - 1]), a) for p in range(1, 11)}
    slp = {p: images.image(src, int(perm[p - 1]), b) for p in range(1, 11)}
    spare = {p: images.image(src, int(perm[p - 1]), c) for p in range(1, 11)}
    return src, error, compose_record(ind, slp, spare, error, seed=seed * 100_000 + r)


def composed(images: Images, n_records: int, seed: int, clean_only: bool = False) -> dict[str, Any]:
    """Composed records; ``clean_only`` composes only the clean ones of the same numbering (record r is the same
    record either way, so the clean records of a default run are among them)."""
    names = list(images.srcs)
    rows = []
    ious: list[dict[str, Any]] = []
    r = -1
    while len(rows) < n_records:
        r += 1
        src = names[r % len(names)]
        error = ERROR_KINDS[(r // len(names) + names.index(src)) % len(ERROR_KINDS)]
        if clean_only and error != "clean":
            continue
        comp = numbered_record(images, seed, r)[2]
        rec = cb.EnrolmentRecord(fingers=comp.fingers, slaps={k: s.image for k, s in comp.slaps.items()},
                                 portrait=PORTRAIT, ppi=500)
        t0 = time.perf_counter()
        rep = cb.check_enrolment(rec)
        total = 1000 * (time.perf_counter() - t0)
        rows.append({"source": src, "error": error, "positions": comp.positions, "verdict": rep.verdict,
                     "findings": [(f.code, f.positions) for f in rep.findings if f.code.startswith("RECORD_")],
                     "image_errors": sorted({f.code for f in rep.findings if not f.code.startswith("RECORD_")
                                             and f.severity.value == "error"}),
                     "duplicates": [(f.positions, f.value, f.threshold) for f in
                                    rep.findings_of("RECORD_DUPLICATE_FINGER")],
                     "timings": dict(rep.timings), "total_ms": total, "record": r,
                     "unseen": sorted(pos for pos, s in comp.slaps.items() if s.parameters.get("unseen")),
                     # the duplicate and sequence decisions are functions of these scores alone
                     "pairs": {f"{i},{j}": v for (i, j), v in rep.duplicates.items()},
                     "sequence": {str(p): {str(q): v for q, v in row.items()} for p, row in rep.sequence.items()},
                     "uncertain": sorted(_uncertain_segments(rep.slaps))})
        for pos, truth in comp.slaps.items():
            seg = rep.slaps[pos]
            for finger in truth.fingers:
                same = [s for s in seg.segments if s.position == finger.position]
                best = max(seg.segments, key=lambda s: box_iou(finger.corners, s.corners), default=None)
                # incomplete in truth: the planted error, or a finger the slap does not show at all
                dropped = (comp.error == "incomplete_slap" and comp.positions[0] == pos) or bool(
                    truth.parameters.get("unseen"))
                ious.append({"source": src, "slap": pos, "position": finger.position, "dropped_slap": dropped,
                             "iou_same_label": box_iou(finger.corners, same[0].corners) if same else 0.0,
                             "iou_best": box_iou(finger.corners, best.corners) if best else 0.0,
                             "label_of_best": best.position if best else None,
                             "rotation": truth.parameters["rotation"]})
        print(f"  record {len(rows)}/{n_records} (#{r}) {src} {error}: {rep.verdict} "
              f"{[c for c, _ in rows[-1]['findings'] if c not in ('RECORD_SEQUENCE_UNCONFIRMED',)]} "
              f"{total:.0f} ms", flush=True)
    return {"rows": rows, "ious": ious}


def _has(row: dict[str, Any], code: str, positions: set[int] | None = None) -> bool:
    return any(c == code and (positions is None or set(p) == positions) for c, p in row["findings"])


def report_composed(res: dict[str, Any]) -> list[str]:
    rows, ious = res["rows"], res["ious"]
    counts = ", ".join(f"{k} {sum(r['error'] == k for r in rows)}" for k in ERROR_KINDS)
    out = [f"composed records: {len(rows)} ({counts})"]

    def rate(name: str, sel: list[dict[str, Any]], hit: Any) -> None:
        n, k = len(sel), sum(1 for r in sel if hit(r))
        out.append(f"  {name:58s} {k:4d}/{n:<4d} = {100 * k / max(n, 1):6.2f} %")

    by = {k: [r for r in rows if r["error"] == k] for k in ERROR_KINDS}
    rate("duplicates found (RECORD_DUPLICATE_FINGER on the pair)", by["duplicate"],
         lambda r: _has(r, "RECORD_DUPLICATE_FINGER", set(r["positions"])))
    rate("records without a duplicate falsely alarmed (any DUPLICATE)", [r for r in rows if r["error"] != "duplicate"],
         lambda r: _has(r, "RECORD_DUPLICATE_FINGER"))
    alarms = [f"#{r['record']} {r['source']} {r['error']} {p} {v:.4f}/{t}" for r in rows if r["error"] != "duplicate"
              for p, v, t in r["duplicates"]]
    out.append(f"  false duplicate findings (record, source, error, positions, value/threshold): {alarms}")
    rate("swaps recognised (RECORD_FINGERS_SWAPPED on the pair)", by["swap"],
         lambda r: _has(r, "RECORD_FINGERS_SWAPPED", set(r["positions"])))
    rate("swaps flagged (any error on either swapped position)", by["swap"],
         lambda r: any(set(p) & set(r["positions"]) for c, p in r["findings"]
                       if c in ("RECORD_FINGERS_SWAPPED", "RECORD_SEQUENCE_MISMATCH", "RECORD_DUPLICATE_FINGER")))
    rate("hand swaps found (RECORD_HAND_SWAPPED)", by["hand_swap"], lambda r: _has(r, "RECORD_HAND_SWAPPED"))
    rate("records without a hand swap falsely alarmed (HAND_SWAPPED)", [r for r in rows if r["error"] != "hand_swap"],
         lambda r: _has(r, "RECORD_HAND_SWAPPED"))
    rate("undeclared missing finger found (RECORD_FINGER_MISSING)", by["missing"],
         lambda r: _has(r, "RECORD_FINGER_MISSING", set(r["positions"])))
    rate("incomplete slap found (RECORD_SLAP_INCOMPLETE on that slap)", by["incomplete_slap"],
         lambda r: _has(r, "RECORD_SLAP_INCOMPLETE", {r["positions"][0]}))
    # a slap with a finger pressed so lightly that it does not show is incomplete in truth (compositor 2026-12-07)
    rate("complete slaps falsely called incomplete (per record)",
         [r for r in rows if r["error"] != "incomplete_slap" and not r.get("unseen")],
         lambda r: _has(r, "RECORD_SLAP_INCOMPLETE"))
    rate("slaps with a finger not shown (unplanted) found incomplete", [r for r in rows if r.get("unseen")],
         lambda r: _has(r, "RECORD_SLAP_INCOMPLETE", set(r["unseen"])))
    rate("records without a swap falsely alarmed as swapped (clean, missing, duplicate)",
         [r for r in rows if r["error"] in ("clean", "missing", "duplicate")],
         lambda r: _has(r, "RECORD_FINGERS_SWAPPED"))
    rate("records without a swap falsely alarmed as swapped (incomplete slap)", by["incomplete_slap"],
         lambda r: _has(r, "RECORD_FINGERS_SWAPPED"))
    rate("records without a swap with a sequence mismatch (clean, missing)",
         [r for r in rows if r["error"] in ("clean", "missing")], lambda r: _has(r, "RECORD_SEQUENCE_MISMATCH"))
    swaps = [f"#{r['record']} {r['source']} {r['error']} {p}" for r in rows if r["error"] != "swap"
             for c, p in r["findings"] if c == "RECORD_FINGERS_SWAPPED"]
    out.append(f"  false swap findings (record, source, error, positions): {swaps}")
    missed = [f"#{r['record']} {r['source']} {r['positions']}" for r in by["swap"]
              if not _has(r, "RECORD_FINGERS_SWAPPED", set(r["positions"]))]
    out.append(f"  swaps not recognised (record, source, positions): {missed}")
    for k in ERROR_KINDS:
        verdicts = {v: sum(r["verdict"] == v for r in by[k]) for v in ("accept", "recapture", "supervisor")}
        out.append(f"  verdicts on {k:16s} {verdicts}")
    clean_codes: dict[str, int] = {}
    for r in by["clean"]:
        for c in {c for c, _ in r["findings"]}:
            clean_codes[c] = clean_codes.get(c, 0) + 1
    out.append(f"  record codes on clean records (records with the code): {dict(sorted(clean_codes.items()))}")
    image_codes: dict[str, int] = {}
    for r in by["clean"]:
        for c in r["image_errors"]:
            image_codes[c] = image_codes.get(c, 0) + 1
    only_images = sum(1 for r in by["clean"] if r["verdict"] != "accept" and r["image_errors"]
                      and not any(c != "RECORD_SEQUENCE_UNCONFIRMED" for c, _ in r["findings"]))
    out.append(f"  clean records sent to recapture by single-image errors alone: {only_images}/{len(by['clean'])}; "
               "single-image error codes on clean records (records with the code): "
               f"{dict(sorted(image_codes.items()))}")
    # slaps: a slap with a planted missing finger cannot be labelled for sure (which finger is missing is a
    # guess), so it is reported apart
    complete = [i for i in ious if not i["dropped_slap"]]
    tune = [i for i in complete if i["source"] == TUNING_SOURCE]
    held = [i for i in complete if i["source"] != TUNING_SOURCE]
    dropped = [i for i in ious if i["dropped_slap"]]
    for name, sel in (("complete slaps, all sources", complete), ("complete slaps, held-out sources", held),
                      (f"complete slaps, tuning source {TUNING_SOURCE}", tune),
                      ("slaps with a planted missing finger", dropped)):
        if not sel:
            continue
        iou = np.array([i["iou_same_label"] for i in sel])
        best = np.array([i["iou_best"] for i in sel])
        right = sum(1 for i in sel if i["label_of_best"] == i["position"] and i["iou_best"] >= 0.5)
        found = sum(1 for i in sel if i["iou_best"] >= 0.5)
        out.append(f"slap fingers ({name}): {len(sel)}; IoU >= 0.7 with the right label "
                   f"{int((iou >= 0.7).sum())}/{len(sel)} = {100 * (iou >= 0.7).mean():.2f} %; "
                   f"IoU >= 0.7 any label {int((best >= 0.7).sum())} = {100 * (best >= 0.7).mean():.2f} %; "
                   f"right label among fingers found (IoU >= 0.5) {right}/{found} = "
                   f"{100 * right / max(found, 1):.2f} %")
        q = np.quantile(best, [0.01, 0.03, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9])
        out.append("  best IoU quantiles 1/3/5/10/25/50/75/90 %: " + " ".join(f"{v:.3f}" for v in q))
        hist, edges = np.histogram(best, bins=[0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001])
        out.append("  best IoU histogram: " + ", ".join(f"[{a:.1f},{min(b, 1):.1f}) {h}" for a, b, h in
                                                          zip(edges[:-1], edges[1:], hist, strict=True)))
    by_rot = {}
    for lo in (0, 15, 30):
        sel = [i for i in complete if lo <= abs(i["rotation"]) < lo + 15 + (1 if lo == 30 else 0)]
        if sel:
            share = 100 * np.mean([i["iou_best"] >= 0.7 for i in sel])
            by_rot[f"|rot| {lo}-{lo + 15}"] = f"{share:.1f} % of {len(sel)}"
    out.append(f"  IoU >= 0.7 by hand rotation: {by_rot}")
    # timings
    stages = sorted({k for r in rows for k in r["timings"]})
    med = {k: statistics.median(r["timings"].get(k, 0.0) for r in rows) for k in stages}
    totals = [r["total_ms"] for r in rows]
    out.append("timing per record (ms, median over records; one process, machine shared): "
               + ", ".join(f"{k} {v:.0f}" for k, v in med.items())
               + f"; total median {statistics.median(totals):.0f}, 90th pct {np.percentile(totals, 90):.0f}")
    return out


# --------------------------------------------------------------------------------------- virtual records


def virtual(images: Images, n_per: int, seed: int) -> list[str]:
    """The decision rules on template scores: individual finger vs its 'segment' = two impressions."""
    t = DEFAULT_THRESHOLDS
    from cccd_biometrics.fingerprint.match import compare_templates

    cache: dict[tuple[Any, ...], float] = {}

    def score(src: str, f1: int, i1: int, f2: int, i2: int) -> float:
        key = (src, *sorted([(f1, i1), (f2, i2)]))
        if key not in cache:
            cache[key] = compare_templates(images.template(src, f1, i1), images.template(src, f2, i2))
        return cache[key]

    ridge_cache: dict[tuple[Any, ...], float | None] = {}

    def ridge(src: str, a: tuple[int, int], b: tuple[int, int]) -> float | None:
        key = (src, *sorted([a, b]))
        if key not in ridge_cache:
            ridge_cache[key] = images.ridge_correlation(src, a, b)
        return ridge_cache[key]

    false_by: dict[tuple[str, str, str], int] = {}
    missed_by: dict[str, list[tuple[float, float, float, float]]] = {}
    # by threshold; getattr: the rules of earlier versions too (run with their src on PYTHONPATH)
    rule_names = {getattr(t, k, None): "direct" if k == "duplicate" else k.removeprefix("duplicate_")
                  for k in ("duplicate_fused", "duplicate_weakest", "duplicate_llr", "duplicate_llr_slap", "duplicate")}
    counts = {k: [0, 0] for k in ("dup_found", "dup_false", "swap_found", "hand_found", "hand_false",
                                  "swap_false")}
    for src in images.srcs:
        for r in range(n_per):
            rng = np.random.default_rng([seed, zlib.crc32(src.encode()), r])
            perm = rng.permutation(10)
            imps = rng.integers(0, 8, size=(10, 3))  # per finger: individual, segment, spare
            for k in range(10):
                while len(set(imps[k])) < 3:
                    imps[k] = rng.integers(0, 8, 3)
            error = ("clean", "duplicate", "swap", "hand_swap")[r % 4]
            ind = {p: (int(perm[p - 1]), int(imps[perm[p - 1], 0])) for p in range(1, 11)}
            seg = {p: (int(perm[p - 1]), int(imps[perm[p - 1], 1])) for p in range(1, 11)}
            planted: tuple[int, ...] = ()
            if error == "duplicate":
                i, j = (int(v) for v in rng.choice(np.arange(1, 11), 2, replace=False))
                ind[j] = (ind[i][0], int(imps[ind[i][0], 2]))
                planted = (i, j)
            elif error == "swap":
                hand = int(rng.integers(2)) * 5
                i, j = sorted(int(v) + hand for v in rng.choice(np.arange(1, 6), 2, replace=False))
                ind[i], ind[j] = ind[j], ind[i]
                planted = (i, j)
            elif error == "hand_swap":
                ind = {p: ind[p + 5 if p <= 5 else p - 5] for p in range(1, 11)}
            pairs = {(p, q): score(src, *ind[p], *ind[q]) for p in range(1, 11) for q in range(p + 1, 11)}
            sequence = {p: {q: score(src, *ind[p], *seg[q]) for q in range(1, 11)} for p in range(1, 11)}
            dups = _duplicate_findings(pairs, sequence, t,
                                       lambda i, j, src=src, ind=ind: ridge(src, ind[i], ind[j]),
                                       lambda p, q, src=src, ind=ind, seg=seg: ridge(src, ind[p], seg[q]))
            seq, _ = _sequence_findings(sequence, t, set(), pairs)
            seq = _drop_duplicate_swaps(seq, dups)  # as check_enrolment does
            codes = {(f.code, f.positions) for f in dups + seq}
            if error == "duplicate":
                counts["dup_found"][1] += 1
                hit = any(c == "RECORD_DUPLICATE_FINGER" and set(p) == set(planted) for c, p in codes)
                counts["dup_found"][0] += hit
                if not hit:  # the three comparisons a duplicate makes genuine: pair, i and j vs i's segment
                    i, j = planted
                    missed_by.setdefault(src, []).append((pairs[(min(i, j), max(i, j))], sequence[i][i],
                                                          sequence[j][i], sequence[j][j]))
            else:
                counts["dup_false"][1] += 1
                counts["dup_false"][0] += bool(dups)
                for f in dups:
                    rule = rule_names.get(f.threshold, "?")
                    false_by[(src, error, rule)] = false_by.get((src, error, rule), 0) + 1
            if error == "swap":
                counts["swap_found"][1] += 1
                counts["swap_found"][0] += ("RECORD_FINGERS_SWAPPED", planted) in codes
            elif error in ("clean", "duplicate"):
                counts["swap_false"][1] += 1
                counts["swap_false"][0] += any(c == "RECORD_FINGERS_SWAPPED" for c, _ in codes)
                for f in seq:
                    if f.code == "RECORD_FINGERS_SWAPPED":
                        on_pair = error == "duplicate" and set(f.positions) == set(planted)
                        key = (src, error + (" (the duplicate pair)" if on_pair else ""), "swap")
                        false_by[key] = false_by.get(key, 0) + 1
            if error == "hand_swap":
                counts["hand_found"][1] += 1
                counts["hand_found"][0] += any(c == "RECORD_HAND_SWAPPED" for c, _ in codes)
            else:
                counts["hand_false"][1] += 1
                counts["hand_false"][0] += any(c == "RECORD_HAND_SWAPPED" for c, _ in codes)
    names = {"dup_found": "duplicates found", "dup_false": "records without a duplicate falsely alarmed",
             "swap_found": "swaps recognised as swaps", "swap_false": "clean/duplicate records alarmed as swap",
             "hand_found": "hand swaps found", "hand_false": "records without a hand swap alarmed as hand swap"}
    out = [f"virtual records (template scores, {len(images.srcs)} sources x {n_per}; slap segment = another "
           "impression, no compositing or segmentation):"]
    for k, (hit, n) in counts.items():
        out.append(f"  {names[k]:58s} {hit:5d}/{n:<5d} = {100 * hit / max(n, 1):6.3f} %")
    out.append(f"  false duplicate/swap findings by (source, planted error, rule): {dict(sorted(false_by.items()))}")
    missed = {k: len(v) for k, v in sorted(missed_by.items(), key=lambda kv: -len(kv[1]))}
    out.append(f"  missed duplicates by source (of {n_per // 4} each): {missed}")
    ev4 = np.array([e for v in missed_by.values() for e in v]).reshape(-1, 4)
    ev = ev4[:, :3]
    if len(ev):
        out.append("  missed duplicates, median of (pair, original vs its segment, copy vs that segment, copy vs "
                   f"its own position's segment): {tuple(round(float(x), 4) for x in np.median(ev4, axis=0))}")
        out.append("  missed duplicates, median of (pair, original vs its segment, copy vs that segment): "
                   f"{tuple(round(float(x), 4) for x in np.median(ev, axis=0))}; all three below the FMR 1 % "
                   f"point ({t.sequence_confirm}): {int((ev.max(axis=1) < t.sequence_confirm).sum())}/{len(ev)}; "
                   f"at most one at or above it: {int(((ev >= t.sequence_confirm).sum(axis=1) <= 1).sum())}"
                   f"/{len(ev)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=252,
                    help="composed records (default 252 = 14 sources x 18; 0 = virtual records only)")
    ap.add_argument("--virtual", type=int, default=1000, help="virtual records per source (default 1000)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--clean-only", action="store_true",
                    help="compose only the clean records (--records of them): the duplicate false-alarm rate")
    ap.add_argument("--json", type=Path, default=None, help="also write every record's row and slap IoU here")
    args = ap.parse_args()
    images = Images(sources(shared_data()))
    cb.check_enrolment(cb.EnrolmentRecord(fingers={1: images.image(TUNING_SOURCE, 0, 0)}, ppi=500))  # warm-up
    lines = [f"# python benchmarks/enrolment_rates.py --records {args.records} --virtual {args.virtual} "
             f"--seed {args.seed}{' --clean-only' if args.clean_only else ''}"
             f"   ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
             f"thresholds: {DEFAULT_THRESHOLDS.to_dict()}"]
    print("\n".join(lines), flush=True)
    res = composed(images, args.records, args.seed, args.clean_only)
    if args.records:
        lines += report_composed(res)
    lines += virtual(images, args.virtual, args.seed)
    print("\n".join(lines[2:]))
    if args.json is not None:
        args.json.write_text(json.dumps({"ious": res["ious"], "rows": res["rows"]}, default=str) + "\n")


if __name__ == "__main__":
    main()
