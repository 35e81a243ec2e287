"""``cccd-bio``: the command-line tool. Thin: it parses arguments, calls the library, prints.

Exit codes, one policy for every command (:func:`exit_code_for`): 0 every input passed; 1 some input was
flagged, or exists but could not be read or checked (malformed, undecodable, no face: the input's fault, as an
error row of a batch run); 2 the command could not do its work (bad arguments, nothing named exists, an output
that cannot be written, models that cannot run). Each sub-command lives in its own module with a
``register(subparsers)`` function; errors go to stderr as ``cccd-bio COMMAND: ErrorType: message``
(:func:`report_error`).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from .._shared.gc import cyclic_gc_paused

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2

# sub-command modules, in the order --help lists them
_COMMANDS = ("check", "finger", "face", "enrol", "convert", "bench", "synth", "doctor")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``cccd-bio`` parser, with every sub-command; given the command line ``argv``, with only the command
    it names when it names one (a ``check`` run does not import what ``bench`` or ``synth`` need)."""
    parser = argparse.ArgumentParser(
        prog="cccd-bio",
        description="Check fingerprint and portrait captures: quality, ICAO compliance, minutiae templates.",
    )
    parser.add_argument("--version", action="store_true",
                        help="print the version and exit; with --verbose, every version that can change a result")
    parser.add_argument("-v", "--verbose", action="store_true", help="with --version: the full environment")
    named = _command_named(argv)
    register_commands(parser.add_subparsers(dest="command", metavar="COMMAND"), (named,) if named else _COMMANDS)
    return parser


def _command_named(argv: Sequence[str] | None) -> str | None:
    """The sub-command ``argv`` starts with (after top-level options), if it is one of ours."""
    first = next((a for a in argv or () if not a.startswith("-")), None)
    return first if first in _COMMANDS else None


def register_commands(sub: argparse._SubParsersAction, modules: Sequence[str]) -> None:
    """Let each named module of this package add its sub-command(s) to ``sub`` (in the order given)."""
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    with cyclic_gc_paused():  # building the parser imports the command's modules (see _gc)
        parser = build_parser(sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(argv)
    if args.version:
        return _print_version(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a command stopped by ``exc`` (see the module's policy).

    Examples
    --------
    >>> from cccd_biometrics.errors import InputNotFoundError, InvalidImageError, ModelLoadError
    >>> [exit_code_for(e("x")) for e in (InvalidImageError, InputNotFoundError, ModelLoadError, OSError)]
    [1, 2, 2, 2]
    """
    from ..errors import CccdBiometricsError, InputNotFoundError, ModelLoadError

    input_fault = isinstance(exc, CccdBiometricsError) and not isinstance(exc, (InputNotFoundError, ModelLoadError,
                                                                                OSError))
    return EXIT_FLAGGED if input_fault else EXIT_USAGE


def report_error(command: str, exc: BaseException, what: str | None = None) -> int:
    """Print ``cccd-bio COMMAND: [WHAT: ]ErrorType: message`` to stderr; return :func:`exit_code_for` ``exc``."""
    message = str(exc)
    if isinstance(exc, OSError) and exc.strerror and exc.filename:  # no "[Errno 28]" noise
        message = f"{exc.strerror}: {exc.filename}"
    prefix = f"{what}: " if what else ""
    print(f"cccd-bio {command}: {prefix}{type(exc).__name__}: {message}", file=sys.stderr)
    return exit_code_for(exc)


def _print_version(verbose: bool) -> int:
    if not verbose:
        print(f"cccd-bio {__version__}")
        return EXIT_OK
    from .doctor import run

    return run(argparse.Namespace(json=False))


def run_program(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``cccd-bio`` program (console script and ``python -m cccd_biometrics``): :func:`main`, then exit.

    Before the interpreter shuts down, everything this process holds is frozen out of the cyclic garbage
    collector (:func:`gc.freeze`): shutdown would otherwise run full collections over all the objects the
    run imported (numba, numpy, OpenCV...: some 120,000), only to free memory that exit returns anyway.
    Measured 0.2-0.35 s of a ``cccd-bio check`` run. Nothing else changes: result files are closed by the
    commands, the standard streams are flushed and atexit handlers run as usual.
    """
    code = main(argv)
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run_program()
