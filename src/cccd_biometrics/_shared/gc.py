"""Pausing the cyclic garbage collector while a process imports (used at start-up only)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["cyclic_gc_paused"]


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off during a block that creates only long-lived objects, then on again.

    Importing numpy, numba and loading numba's compilation target create some 100,000 objects that live as long
    as the process: the collector would walk them again and again as they pile up (~0.1 CPU-s of a run's start)
    and free nothing. Reference counting still frees everything else. When several threads pause at once, the
    first one to pause turns the collector back on, after its own block; a collector that was off stays off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
