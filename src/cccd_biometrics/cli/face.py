"""``cccd-bio face check|crop``: ICAO portrait compliance and token-portrait cropping."""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, report_error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("face", help="portrait compliance (ICAO) and token crop")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    c = actions.add_parser("check", help="check a portrait against an ICAO-style profile",
                           description="Check a portrait; exit 0 compliant, 1 flagged, 2 unreadable.")
    c.add_argument("image", metavar="IMG")
    c.add_argument("--profile", choices=("icao", "cccd"), default="icao")
    c.add_argument("--overlay", metavar="OUT.png", help="write the image with landmarks, geometry box, findings")
    c.add_argument("--format", choices=("text", "json"), default=None,
                   help="output format (default: text on a terminal, json otherwise)")
    c.set_defaults(func=run_check)
    k = actions.add_parser("crop", help="cut the ISO token-geometry portrait")
    k.add_argument("image", metavar="IMG")
    k.add_argument("-o", "--output", required=True, metavar="TOKEN.jpg")
    k.add_argument("--width", type=int, default=None, help="token width in px (default: native, >= 240)")
    k.set_defaults(func=run_crop)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), EXIT_USAGE)[1])


def _print_text(report, path: str) -> None:
    state = "COMPLIANT" if report.compliant else "NOT COMPLIANT"
    print(f"{path}: {state} (profile {report.profile}, score {report.score or 0:.0f})")
    for f in report.findings:
        print(f"  {f.code:30s} {f.message}")
        if f.action:
            print(f"  {'':30s} -> {f.action}")


def run_check(args: argparse.Namespace) -> int:
    from ..errors import CccdBiometricsError
    from ..face.capture import load_portrait
    from ..face.icao import check_portrait
    from ..io.encode import save_image

    try:
        portrait = load_portrait(args.image)
    except CccdBiometricsError as exc:
        return report_error("face check", exc)
    report = check_portrait(portrait, profile=args.profile)
    fmt = args.format or ("text" if sys.stdout.isatty() else "json")
    if fmt == "json":
        print(json.dumps({"path": args.image, **report.to_dict()}, ensure_ascii=False))
    else:
        _print_text(report, args.image)
    if args.overlay:
        from ..face.overlay import draw_portrait_overlay

        try:
            save_image(draw_portrait_overlay(portrait.pixels, report), args.overlay)
        except (CccdBiometricsError, OSError) as exc:
            report_error("face check", exc, "cannot write the overlay")
            return EXIT_USAGE
    return EXIT_OK if report.compliant else EXIT_FLAGGED


def run_crop(args: argparse.Namespace) -> int:
    from ..errors import CccdBiometricsError
    from ..face.capture import load_portrait
    from ..face.crop import crop_token_portrait
    from ..io.encode import save_image

    try:
        token = crop_token_portrait(load_portrait(args.image), width=args.width)
        jpeg = args.output.lower().endswith((".jpg", ".jpeg"))
        save_image(token, args.output, quality=95 if jpeg else None)
    except ValueError as exc:  # a --width below the smallest token: the command line's fault
        print(f"cccd-bio face crop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (CccdBiometricsError, OSError) as exc:
        return report_error("face crop", exc)
    h, w = token.shape
    print(f"{args.output}: {w}x{h} token portrait")
    return EXIT_OK
