"""cccd_biometrics: capture-time and archive checks for fingerprints and portraits.

The facade reads as the pipeline (paths are relative to the project root, where ``sample_data`` is):

>>> import cccd_biometrics as cb
>>> img = cb.load_fingerprint("sample_data/fingerprints/synthetic/dry_2027_1.png")
>>> analysis = cb.analyze_fingerprint(img)            # fields computed once, shared below
>>> q = cb.assess_fingerprint(analysis)
>>> q.hard_to_read, q.codes, q.findings[0].action[:25]
(True, ('FINGER_TOO_DRY',), 'Moisten the finger slight')
>>> template = cb.extract_minutiae(analysis)
>>> cb.compare_templates(template, template) >= cb.DECISION_THRESHOLDS["fmr_1%"]
True
>>> cb.check_portrait(cb.load_portrait("sample_data/portraits/frl_london_002_neutral.jpg")).compliant
True

The public names below are imported lazily, so ``import cccd_biometrics`` stays fast (the command-line
tool starts in well under a second) and only the parts a program uses are loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it. The facade reads as the pipeline: load, analyse, assess, extract,
# compare, check; everything else is reached through its subpackage (cb.synthetic, cb.errors, ...).
_EXPORTS: dict[str, str] = {
    # intake
    "load_fingerprint": "cccd_biometrics.fingerprint.capture",
    "load_portrait": "cccd_biometrics.face.capture",
    "save_image": "cccd_biometrics.io.encode",
    "FingerImage": "cccd_biometrics.images",
    "Portrait": "cccd_biometrics.images",
    "Finding": "cccd_biometrics.findings",
    "Severity": "cccd_biometrics.findings",
    # fingerprints
    "analyze_fingerprint": "cccd_biometrics.fingerprint.analysis",
    "Analysis": "cccd_biometrics.fingerprint.analysis",
    "assess_fingerprint": "cccd_biometrics.fingerprint.quality.score",
    "FingerprintQuality": "cccd_biometrics.fingerprint.quality.score",
    "extract_minutiae": "cccd_biometrics.fingerprint.minutiae.extract",
    "Minutia": "cccd_biometrics.fingerprint.template.minutia",
    "Template": "cccd_biometrics.fingerprint.template.types",
    "compare_templates": "cccd_biometrics.fingerprint.match.mcc",
    "compare_one_to_many": "cccd_biometrics.fingerprint.match.mcc",
    "prepare_template": "cccd_biometrics.fingerprint.match.mcc",
    "prepare_gallery": "cccd_biometrics.fingerprint.match.mcc",
    "MatcherConfig": "cccd_biometrics.fingerprint.match.mcc",
    "DECISION_THRESHOLDS": "cccd_biometrics.fingerprint.match.mcc",
    # portraits
    "check_portrait": "cccd_biometrics.face.icao",
    "PortraitReport": "cccd_biometrics.face.icao",
    "Profile": "cccd_biometrics.face.icao",
    "crop_token_portrait": "cccd_biometrics.face.crop",
    # enrolment records: ten fingers, slaps and a portrait checked together
    "segment_slap": "cccd_biometrics.fingerprint.slap",
    "EnrolmentRecord": "cccd_biometrics.enrolment",
    "EnrolmentReport": "cccd_biometrics.enrolment",
    "check_enrolment": "cccd_biometrics.enrolment",
    # batch runs
    "check_path": "cccd_biometrics.batch.check",
    "run_batch": "cccd_biometrics.batch.run",
}

# subpackages reached as attributes: cb.errors, cb.synthetic (the test-print generator, not a capture check)
_SUBPACKAGES: dict[str, str] = {
    "errors": "cccd_biometrics.errors",
    "synthetic": "cccd_biometrics.fingerprint.synthetic",
}

__all__ = ["__version__", *sorted(_SUBPACKAGES), *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        value = importlib.import_module(_SUBPACKAGES[name])
    else:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'cccd_biometrics' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
