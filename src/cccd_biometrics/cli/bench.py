"""``cccd-bio bench DATASET_DIR --out DIR``: error rates, DET and error-versus-reject curves on a dataset."""

from __future__ import annotations

import argparse
import sys

from . import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction) -> None:
    from ..bench.options import MATCHERS, MINUTIAE_SOURCES, QUALITY_SOURCES

    p = sub.add_parser(
        "bench", help="benchmark quality + minutiae + comparison on an FVC-style or SOCOFing folder",
        description="Run quality, extraction and all genuine and impostor comparisons of a dataset's protocol; "
                    "write results.json, DET/ERC plots (PNG), scores.csv and index.html into --out.")
    p.add_argument("dataset", metavar="DATASET_DIR",
                   help="folder of <finger>_<impression>.ext, <person>_<finger>_<impression>.ext (U.are.U) or "
                        "SOCOFing images, or a CSV manifest with columns path,identity")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    p.add_argument("--ppi", type=float, default=None, help="image resolution, overriding metadata (e.g. 569)")
    p.add_argument("--minutiae", choices=MINUTIAE_SOURCES, default="ours",
                   help="minutiae: our extractor or reference MINDTCT / FingerJet outputs (default: ours)")
    p.add_argument("--matcher", choices=MATCHERS, default="ours",
                   help="comparator: ours, or reference BOZORTH3 scores on the reference minutiae")
    p.add_argument("--quality", choices=QUALITY_SOURCES, default="ours",
                   help="quality for the error-versus-reject curve (default: ours; none = skip)")
    p.add_argument("--reference", default=None, metavar="DIR",
                   help="reference outputs folder (default: a 'reference' folder beside or above the dataset)")
    p.add_argument("--workers", type=int, default=None, help="worker processes/threads (default: CPU count)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="resamples of the identity bootstrap for the 95 %% intervals of EER and FNMR (default: "
                        "1000; 0 = no intervals)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench.report import format_rate, write_benchmark_report
    from ..bench.run import run_benchmark
    from ..errors import CccdBiometricsError

    try:
        result = run_benchmark(args.dataset, ppi=args.ppi, minutiae=args.minutiae, matcher=args.matcher,
                               quality=args.quality, reference=args.reference, workers=args.workers,
                               bootstrap=args.bootstrap)
        paths = write_benchmark_report(result, args.out)
    except CccdBiometricsError as exc:
        print(f"cccd-bio bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"cccd-bio bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    s = result.summary
    m, c = s["metrics"], s["counts"]
    erc = "" if m["erc_area"] is None else f"  ERC area {m['erc_area']:.3f}"
    print(f"{s['dataset']}: {c['genuine']} genuine / {c['impostor']} impostor pairs  "
          f"EER {format_rate(m['eer'], m['eer_ci95'])}  "
          f"FNMR@FMR1% {100 * m['fnmr_at_fmr_1pct']:.2f} %  FNMR@FMR0.1% {100 * m['fnmr_at_fmr_0.1pct']:.2f} %"
          f"{erc}  ({s['timings']['total_s']:.1f} s)")
    print(f"wrote {paths['html']}")
    return EXIT_OK
