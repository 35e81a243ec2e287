"""``cccd-bio finger ...``: fingerprint commands. Each action lives in its own ``finger_<action>`` module."""

from __future__ import annotations

import argparse
import importlib

_ACTIONS = ("quality", "minutiae", "compare", "segment_slap")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("finger", help="fingerprint quality, minutiae, comparison")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    for name in _ACTIONS:
        try:
            module = importlib.import_module(f"{__package__}.finger_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.finger_{name}":
                continue
            raise
        module.register(actions)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
