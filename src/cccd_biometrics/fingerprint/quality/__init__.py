"""Fingerprint quality: native measures (NFIQ 2 family + diagnostics), the score model, findings, overlay.

:mod:`.measures` computes one value per named measure from an :class:`~cccd_biometrics.fingerprint.analysis.Analysis`;
:mod:`.score` combines them (model in ``quality_model.json``) and raises the findings; :mod:`.overlay` draws them.
"""

from .score import THRESHOLDS, FingerprintQuality, assess_fingerprint

__all__ = ["THRESHOLDS", "FingerprintQuality", "assess_fingerprint"]
