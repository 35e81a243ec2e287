"""Impostor scores of captures against composed slap segments, beside the same finger pairs' scores against the
raw impressions composed into those segments (issue 17: are the slap duplicate rules, calibrated on impressions,
calibrated for segments? They were not; since the fourth round ``calibrate_duplicate_fusion.py`` fits the
duplicate ratio on segments cut from composed slaps of other seeds).

For the clean composed records of seeds 2029 and 2030 (``enrolment_rates.py``'s records), every capture p against
every slap segment q != p of ``check_enrolment``'s sequence check, and the capture's template against the template
of finger q's impression that the compositor placed in the slap. Prints the share at or above each operating point.

    python benchmarks/segment_impostors.py
"""

from __future__ import annotations

import numpy as np

import cccd_biometrics as cb
import enrolment_rates as er

OPERATING_POINTS = ((0.0208, "FMR 1 % point"), (0.0266, "FMR 0.1 %"), (0.0272, "former weakest rule"),
                    (0.0323, "FMR 0.01 %"))


def scores(seeds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(capture vs composed segment, capture vs the raw impression in that segment) for impostor finger pairs."""
    images = er.Images(er.sources(er.shared_data()))
    names = list(images.srcs)
    seg, raw = [], []
    for seed in seeds:
        for r in range(252):
            src = names[r % len(names)]
            if er.ERROR_KINDS[(r // len(names) + names.index(src)) % len(er.ERROR_KINDS)] != "clean":
                continue
            rng = np.random.default_rng([seed, r])
            perm = rng.permutation(10)
            a, b, c = (int(v) for v in rng.choice(8, 3, replace=False))
            prints = [{p: images.image(src, int(perm[p - 1]), k) for p in range(1, 11)} for k in (a, b, c)]
            comp = er.compose_record(*prints, "clean", seed=seed * 100_000 + r)
            rep = cb.check_enrolment(cb.EnrolmentRecord(
                fingers=comp.fingers, slaps={k: s.image for k, s in comp.slaps.items()}, ppi=500))
            for p, row in rep.sequence.items():
                for q, score in row.items():
                    if q != p:
                        seg.append(score)
                        raw.append(cb.compare_templates(images.template(src, int(perm[p - 1]), a),
                                                        images.template(src, int(perm[q - 1]), b)))
    return np.array(seg), np.array(raw)


def main() -> None:
    seg, raw = scores((2029, 2030))
    print(f"impostor capture-vs-segment pairs (clean composed records, seeds 2029 + 2030): {seg.size}")
    for thr, name in OPERATING_POINTS:
        print(f"  >= {thr} ({name}): composed segment {100 * np.mean(seg >= thr):.2f} % ({int(np.sum(seg >= thr))}),"
              f" raw impression {100 * np.mean(raw >= thr):.2f} % ({int(np.sum(raw >= thr))})")
    print(f"  median composed {np.median(seg):.4f} raw {np.median(raw):.4f}; "
          f"99th pct composed {np.percentile(seg, 99):.4f} raw {np.percentile(raw, 99):.4f}")


if __name__ == "__main__":
    main()
