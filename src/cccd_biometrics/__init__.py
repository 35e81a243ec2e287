"""cccd_biometrics: capture-time and archive checks for fingerprints and portraits.

>>> import cccd_biometrics as cb
>>> img = cb.load_fingerprint("sample_data/fingerprints/synthetic/good_2026_1.png")  # doctest: +SKIP
>>> q = cb.assess_fingerprint(img)                                      # doctest: +SKIP
>>> q.score, q.hard_to_read, [f.code for f in q.findings]               # doctest: +SKIP

The public names below are imported lazily, so ``import cccd_biometrics`` stays fast (the command-line
tool starts in well under a second) and only the parts a program uses are loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # intake
    "load_fingerprint": "cccd_biometrics.io",
    "load_portrait": "cccd_biometrics.io",
    "load_image": "cccd_biometrics.io",
    "save_image": "cccd_biometrics.io",
    "FingerImage": "cccd_biometrics.images",
    "Portrait": "cccd_biometrics.images",
    "Finding": "cccd_biometrics.findings",
    "Severity": "cccd_biometrics.findings",
    # fingerprints
    "analyze_fingerprint": "cccd_biometrics.fingerprint.analysis",
    "Analysis": "cccd_biometrics.fingerprint.analysis",
    "assess_fingerprint": "cccd_biometrics.fingerprint.quality",
    "FingerprintQuality": "cccd_biometrics.fingerprint.quality",
    "extract_minutiae": "cccd_biometrics.fingerprint.minutiae",
    "Minutia": "cccd_biometrics.fingerprint.template",
    "Template": "cccd_biometrics.fingerprint.template",
    "compare_templates": "cccd_biometrics.fingerprint.match",
    "compare_one_to_many": "cccd_biometrics.fingerprint.match",
    "prepare_template": "cccd_biometrics.fingerprint.match",
    "prepare_gallery": "cccd_biometrics.fingerprint.match",
    "generate_master": "cccd_biometrics.fingerprint.synthetic",
    "render_impression": "cccd_biometrics.fingerprint.synthetic",
    "generate_impression": "cccd_biometrics.fingerprint.synthetic",
    # enrolment records
    "EnrolmentRecord": "cccd_biometrics.enrolment",
    "EnrolmentReport": "cccd_biometrics.enrolment",
    "check_enrolment": "cccd_biometrics.enrolment",
    "segment_slap": "cccd_biometrics.fingerprint.slap",
    # batch runs
    "check_path": "cccd_biometrics.checks",
    "run_batch": "cccd_biometrics.batch",
    # portraits
    "check_portrait": "cccd_biometrics.face.icao",
    "PortraitReport": "cccd_biometrics.face.icao",
    "crop_token_portrait": "cccd_biometrics.face.crop",
}

__all__ = ["__version__", "errors", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name == "errors":
        return importlib.import_module("cccd_biometrics.errors")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cccd_biometrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
