"""The sources a benchmark can take its minutiae, comparison scores and qualities from (``cccd-bio bench`` choices).

Kept apart from :mod:`.run` so that the command line can offer them without loading the pipeline.
"""

from __future__ import annotations

__all__ = ["MATCHERS", "MINUTIAE_SOURCES", "QUALITY_SOURCES"]

MINUTIAE_SOURCES = ("ours", "mindtct-ref", "fjfx-ref")
MATCHERS = ("ours", "bozorth3-ref")
QUALITY_SOURCES = ("ours", "nfiq2-ref", "nfiq1-ref", "none")
