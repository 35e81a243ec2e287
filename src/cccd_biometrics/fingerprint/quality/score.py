"""Fingerprint quality: a 0-100 score, the native measures, a local quality map and operator findings.

:func:`assess_fingerprint` reads everything from one :class:`~.analysis.Analysis`:

* ``measures``: the NFIQ 2 family of ISO/IEC 29794-4 and our own diagnostic measures (:mod:`.measures`);
* ``score``: the unified quality (ISO/IEC 29794-1 scale: higher predicts better comparison utility). A small
  readable model (``quality_model.json`` beside this module, fitted by ``benchmarks/fit_quality_model.py``)
  combines a few measures; it is then scaled down by *gates* for conditions a model fitted on real prints never
  saw (no ridge pattern, tiny area, no contrast, heavy blur or noise), so a blank or non-fingerprint image scores
  near 0 and the score keeps falling as a capture degrades;
* ``findings``: why a print is hard to read and what the operator should do, each with the measured value and
  the threshold it crossed. ``hard_to_read`` is true when any finding is an error.

The thresholds (:data:`THRESHOLDS`, :data:`GATES`) were set on the FVC2000/2002 dev images (flag rate, FNMR of
flagged pairs) and on the controlled degradations of ``tests/degradations.py``; ``benchmarks/quality_erc.py``
and ``benchmarks/quality_degradations.py`` re-measure them.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np

from ..._shared.jsonsafe import json_safe
from ...findings import Finding, Severity, action_for
from ...images import FingerImage
from ..analysis import Analysis, analyze_fingerprint
from ..params import DEFAULT_QUALITY_THRESHOLDS, QualityThresholds
from .measures import block_clarity, compute_measures

__all__ = ["THRESHOLDS", "FingerprintQuality", "assess_fingerprint", "quality_model"]

THRESHOLDS: Mapping[str, float] = MappingProxyType(DEFAULT_QUALITY_THRESHOLDS.to_dict())
"""The default decision thresholds by name, read-only (their definition, with units and origins, is
:class:`~cccd_biometrics.fingerprint.params.QualityThresholds`)."""

GATES: dict[str, tuple[str, float, float]] = {
    # name: (measure, zero, full): the score is multiplied by clip((value - zero) / (full - zero), 0, 1);
    # "full" lies at about the 1st percentile of the FVC dev prints (99th for the noise side of sharpness),
    # so normal captures are not affected
    "finger_present": ("ridge_pattern", 0.15, 0.30),
    "area": ("roi_area", 20.0, 70.0),
    "contrast": ("ridge_contrast", 3.0, 10.0),
    "blur": ("sharpness", 0.10, 0.27),
    "noise": ("sharpness", 2.2, 1.15),  # zero > full: falls as pixel noise grows
}


@functools.lru_cache(maxsize=1)
def quality_model() -> dict[str, Any]:
    """The shipped model table (``cccd_biometrics/fingerprint/quality/quality_model.json``), read once.

    The returned dict is shared by every caller: treat it as read-only.
    """
    text = resources.files("cccd_biometrics.fingerprint.quality").joinpath("quality_model.json").read_text()
    return json.loads(text)


def model_score(measures: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """The fitted model's 0-100 score from the measures (before gates)."""
    model = model or quality_model()
    z = float(model["intercept"])
    for f in model["features"]:
        x = float(measures[f["name"]])
        if f.get("upper") is not None:
            x = min(x, float(f["upper"]))
        if f["transform"] == "log":
            x = math.log(max(x, 1.0))
        z += f["weight"] * (x - f["mean"]) / f["scale"]
    t = model["slope"] * z + model["offset"]
    return 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, t))))


def gate_factor(measures: dict[str, float]) -> float:
    """Product of the gates (each 0..1) for conditions outside the model's training data."""
    factor = 1.0
    for measure, zero, full in GATES.values():
        factor *= min(1.0, max(0.0, (measures[measure] - zero) / (full - zero)))
    return factor


@dataclass(frozen=True)
class FingerprintQuality:
    """Quality of one fingerprint capture.

    Attributes
    ----------
    score:
        0-100 (higher predicts better comparison utility; ISO/IEC 29794-1 scale).
    hard_to_read:
        True when at least one finding is an error: the operator should capture again.
    findings:
        What is wrong and what to do, most severe first.
    measures:
        Native measures by stable name (see :data:`cccd_biometrics.fingerprint.quality.measures.MEASURES`).
    local_quality:
        float32 (BY, BX) map of block clarity in [0, 1], 0 outside the finger; blocks of ``block_size`` px.
    block_size:
        Side of the blocks of ``local_quality`` in pixels at 500 ppi.
    """

    score: float
    hard_to_read: bool
    findings: tuple[Finding, ...]
    measures: dict[str, float]
    local_quality: np.ndarray = field(repr=False)
    block_size: int = 16

    @property
    def codes(self) -> tuple[str, ...]:
        """The findings' codes."""
        return tuple(f.code for f in self.findings)

    def to_dict(self, *, include_map: bool = False) -> dict[str, Any]:
        """JSON-safe dict; the local quality map is included (as nested lists) only on request."""
        out: dict[str, Any] = {
            "score": round(float(self.score), 2),
            "hard_to_read": bool(self.hard_to_read),
            "findings": [f.to_dict() for f in self.findings],
            "measures": json_safe({k: round(float(v), 6) for k, v in self.measures.items()}),
            "block_size": self.block_size,
        }
        if include_map:
            out["local_quality"] = np.round(self.local_quality, 3).tolist()
        return out


def _finding(code: str, message: str, value: float, threshold: float, action: str,
             severity: Severity = Severity.ERROR) -> Finding:
    return Finding(code=code, severity=severity, message=message, value=round(float(value), 4),
                   threshold=float(threshold), action=action)


def _no_finger(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["roi_area"] < t.no_finger_area:
        return _finding("FINGER_NO_FINGER", "No finger found: the image has almost no ridge structure "
                        "(finger area in mm²).", m["roi_area"], t.no_finger_area,
                        action_for("FINGER_NO_FINGER"))
    if m["ridge_pattern"] < t.no_finger_pattern:
        return _finding("FINGER_NO_FINGER", "The image does not look like a fingerprint (fraction of the area "
                        "showing a friction-ridge pattern).", m["ridge_pattern"], t.no_finger_pattern,
                        action_for("FINGER_NO_FINGER", "not_a_finger"))
    return None


def _resolution(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    p = m["resolution_period"]
    if p <= 0 or t.period_min <= p <= t.period_max:
        return None
    if p > t.period_max and (m["ridge_contrast"] < t.low_contrast or m["ridge_period"] <= t.period_max):
        # smudges, scars and blotches also put power at long periods, but they cost contrast or leave the
        # ridges between them at their normal spacing: an image at too high a resolution keeps clear ridges,
        # all of them too far apart
        return None
    limit = t.period_min if p < t.period_min else t.period_max
    return _finding("FINGER_WRONG_RESOLUTION", f"Ridges are {p:.1f} px apart; at 500 ppi adult ridges are "
                    "about 9 px apart, so the image is probably not at the resolution it declares.", p, limit,
                    action_for("FINGER_WRONG_RESOLUTION"))


def _area(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["roi_area"] >= t.small_area:
        return None
    return _finding("FINGER_SMALL_AREA", f"Only {m['roi_area']:.0f} mm² of finger was captured.",
                    m["roi_area"], t.small_area,
                    action_for("FINGER_SMALL_AREA"))


def _off_center(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["center_offset"] <= t.off_center:
        return None
    return _finding("FINGER_OFF_CENTER", "The finger is far from the centre of the capture area.",
                    m["center_offset"], t.off_center, action_for("FINGER_OFF_CENTER"))


def _contrast(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["ridge_contrast"] >= t.low_contrast:
        return None
    return _finding("FINGER_LOW_CONTRAST", "Ridges and valleys differ too little in brightness "
                    "(RMS grey levels).", m["ridge_contrast"], t.low_contrast,
                    action_for("FINGER_LOW_CONTRAST"))


def _blur(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["sharpness"] >= t.blurred:
        return None
    return _finding("FINGER_BLURRED", "The ridges are blurred (fine detail relative to ridge contrast).",
                    m["sharpness"], t.blurred, action_for("FINGER_BLURRED"))


def _dry(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["ridge_darkness"] < t.dry_darkness:
        value, limit, what = m["ridge_darkness"], t.dry_darkness, "ridges are thin and faint (dark fraction)"
    elif m["roi_grey"] > t.dry_very_light:
        value, limit, what = m["roi_grey"], t.dry_very_light, "the print is very light (mean grey level)"
    elif m["roi_grey"] > t.dry_grey and m["ridge_noise"] > t.dry_noise and m["sharpness"] <= t.noisy:
        value, limit, what = m["ridge_noise"], t.dry_noise, "a light print with broken ridges (break ratio)"
    else:
        return None
    return _finding("FINGER_TOO_DRY", f"The finger looks too dry: {what}.", value, limit,
                    action_for("FINGER_TOO_DRY"))


def _wet(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["ridge_darkness"] > t.wet_darkness:
        value, limit, what = m["ridge_darkness"], t.wet_darkness, "ridges are wide and merged (dark fraction)"
    elif m["roi_grey"] < t.wet_grey:
        value, limit, what = m["roi_grey"], t.wet_grey, "a very dark print (mean grey level)"
    elif m["roi_grey"] < t.wet_grey_imbalance and m["ridge_width_imbalance"] > t.wet_imbalance:
        value, limit, what = (m["ridge_width_imbalance"], t.wet_imbalance,
                              "a dark print with closed valleys (ridge/valley width imbalance)")
    elif (m["ridge_darkness"] >= t.wet_merged_darkness and m["ridge_contrast"] < t.wet_merged_contrast
          and m["roi_grey"] < t.wet_merged_grey):
        value, limit, what = (m["ridge_contrast"], t.wet_merged_contrast,
                              "ridges merge into a flat, dark print (contrast across the ridges)")
    elif m["dark_flat_area"] > t.wet_dark_flat_area and m["sharpness"] >= t.blurred:
        # on a blurred print flat blocks are explained by the blur (FINGER_BLURRED)
        value, limit, what = (m["dark_flat_area"], t.wet_dark_flat_area,
                              "dark, flat patches where ridges merge (share of the finger)")
    else:
        return None
    return _finding("FINGER_TOO_WET", f"The finger looks too wet or pressed too hard: {what}.", value, limit,
                    action_for("FINGER_TOO_WET"))





_CLARITY_ACTION = action_for("FINGER_LOW_CLARITY")


def _noise(m: dict[str, float], t: QualityThresholds) -> Finding | None:
    if m["sharpness"] <= t.noisy:
        return None
    return _finding("FINGER_LOW_CLARITY", "Pixel noise is strong compared with the ridges (fine detail / ridge "
                    "contrast).", m["sharpness"], t.noisy, _CLARITY_ACTION)


def _clarity(m: dict[str, float], score: float, t: QualityThresholds) -> Finding | None:
    if score < t.low_clarity:
        return _finding("FINGER_LOW_CLARITY", f"Overall ridge clarity is low (score {score:.0f}/100).",
                        score, t.low_clarity, _CLARITY_ACTION)
    if m["ridge_pattern"] < t.low_ridge_pattern:
        return _finding("FINGER_LOW_CLARITY", f"Only {100 * m['ridge_pattern']:.0f} % of the finger shows "
                        "readable ridges (scar, damage or smudge).", m["ridge_pattern"],
                        t.low_ridge_pattern, _CLARITY_ACTION)
    if m["ridgeless_patch"] > t.max_ridgeless_patch:
        return _finding("FINGER_LOW_CLARITY", f"A patch of {100 * m['ridgeless_patch']:.0f} % of the finger shows "
                        "no ridges (scar, worn skin or smudge).", m["ridgeless_patch"], t.max_ridgeless_patch,
                        _CLARITY_ACTION)
    return None


_Check = Callable[[dict[str, float], QualityThresholds], Finding | None]
_APPEARANCE: tuple[_Check, ...] = (_contrast, _blur, _noise, _dry, _wet)
_CONDITIONS: tuple[_Check, ...] = (_off_center, *_APPEARANCE)
_ALWAYS_CHECKS: tuple[_Check, ...] = (_resolution, _area)


def _findings(m: dict[str, float], score: float, t: QualityThresholds) -> list[Finding]:
    """Findings, errors first.

    Findings about the capture's *condition* (dry, wet, blurred, noisy, low contrast, off-centre) are errors
    only when the score is low too; on an otherwise good print they are advice (warnings) that do not make it
    hard to read. No finger, wrong resolution, small area and low overall clarity are always errors.
    """
    no_finger = _no_finger(m, t)
    if no_finger is not None:
        if m["roi_area"] < t.no_finger_area:
            return [no_finger]  # nothing else is meaningful without a finger
        # something is there but shows no ridges: say so, and what it looks like (a very wet or blurred
        # finger, no contrast) when that is recognisable
        return [no_finger, *(f for check in (_resolution, _off_center, *_APPEARANCE) if (f := check(m, t)) is not None)]
    errors = [f for check in _ALWAYS_CHECKS if (f := check(m, t)) is not None]
    conditions = [f for check in _CONDITIONS if (f := check(m, t)) is not None]
    if score >= t.condition_error_score:
        conditions = [replace(f, severity=Severity.WARNING) for f in conditions]
    clarity = _clarity(m, score, t)
    if clarity is not None:
        conditions = [f for f in conditions if f.code != clarity.code]
        errors.append(clarity)
    return sorted(errors + conditions, key=lambda f: f.severity != Severity.ERROR)


def assess_fingerprint(image: FingerImage | Analysis | Any, *,
                       thresholds: QualityThresholds = DEFAULT_QUALITY_THRESHOLDS) -> FingerprintQuality:
    """Assess the quality of a fingerprint capture.

    Parameters
    ----------
    image:
        A :class:`~cccd_biometrics.images.FingerImage`, an existing :class:`~.analysis.Analysis` (its cached
        products are reused), or anything :func:`~cccd_biometrics.fingerprint.capture.load_fingerprint` accepts.
    thresholds:
        Decision thresholds of the findings (:class:`~cccd_biometrics.fingerprint.params.QualityThresholds`).

    Returns
    -------
    FingerprintQuality
        Deterministic; blank, uniform, noise and non-fingerprint images get a score near 0 and
        ``FINGER_NO_FINGER`` (never an exception or NaN).

    Raises
    ------
    cccd_biometrics.errors.CccdBiometricsError
        Only when the input cannot be loaded as an image at all.

    Examples
    --------
    >>> q = assess_fingerprint("sample_data/fingerprints/synthetic/dry_2027_1.png")
    >>> q.hard_to_read, q.codes
    (True, ('FINGER_TOO_DRY',))
    >>> 0 <= q.score <= 100
    True
    """
    analysis = image if isinstance(image, Analysis) else analyze_fingerprint(image)
    measures = compute_measures(analysis)
    raw = model_score(measures)
    score = raw * gate_factor(measures)
    findings = _findings(measures, score, thresholds)
    if any(f.code == "FINGER_NO_FINGER" for f in findings):
        score = min(score, 1.0)
    measures["model_score"] = raw
    return FingerprintQuality(
        score=float(round(score, 3)),
        hard_to_read=any(f.severity == Severity.ERROR for f in findings),
        findings=tuple(findings),
        measures=measures,
        local_quality=block_clarity(analysis),
        block_size=analysis.block_size,
    )
