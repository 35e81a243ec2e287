"""Minutiae comparison: the MCC-style comparator (:mod:`.mcc`), its compiled kernels and decision thresholds."""

from .align import Alignment, align_candidates, align_templates
from .mcc import (
    DECISION_THRESHOLDS,
    DEFAULT_MATCHER,
    MatcherConfig,
    PreparedGallery,
    PreparedTemplate,
    compare_one_to_many,
    compare_templates,
    prepare_gallery,
    prepare_template,
)

__all__ = [
    "DECISION_THRESHOLDS",
    "DEFAULT_MATCHER",
    "Alignment",
    "MatcherConfig",
    "PreparedGallery",
    "PreparedTemplate",
    "align_candidates",
    "align_templates",
    "compare_one_to_many",
    "compare_templates",
    "prepare_gallery",
    "prepare_template",
]
