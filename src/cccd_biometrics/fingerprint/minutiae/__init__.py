"""Minutiae detection on the ridge skeleton of an :class:`~cccd_biometrics.fingerprint.analysis.Analysis`.

:mod:`.extract` finds the crossing-number candidates, filters them with named reasons and builds the
:class:`~cccd_biometrics.fingerprint.template.types.Template`; :mod:`._kernels` holds the compiled loops.
"""

from .extract import REJECT_REASONS, MinutiaCandidates, extract_minutiae, minutiae_candidates

__all__ = ["REJECT_REASONS", "MinutiaCandidates", "extract_minutiae", "minutiae_candidates"]
