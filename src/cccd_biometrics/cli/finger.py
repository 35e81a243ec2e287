"""``cccd-bio finger ...``: fingerprint commands. Each action lives in its own ``finger_<action>`` module."""

from __future__ import annotations

import argparse

from . import register_commands

_ACTIONS = ("quality", "minutiae", "compare")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("finger", help="fingerprint quality, minutiae, comparison")
    register_commands(p.add_subparsers(dest="action", metavar="ACTION"), [f"finger_{a}" for a in _ACTIONS])
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
