"""Tuning constants of the fingerprint stages, in one place: each with its unit and where its value came from.

Parameters are frozen dataclasses passed as ``params=`` (the defaults are the module-level instances), and
their ``to_dict()`` goes into benchmark results and batch report metadata, so a figure always says which
parameters made it. The comparator's parameters are :class:`~cccd_biometrics.fingerprint.match.mcc.MatcherConfig`;
the quality findings' thresholds are :class:`QualityThresholds`.

Lengths in *ridge periods* scale with the print's median ridge period (about 9 px at 500 ppi), so the rules
hold for thin and coarse ridges alike.

Examples
--------
>>> p = MinutiaeParams(cluster_size=4)
>>> p.cluster_size, DEFAULT_MINUTIAE.cluster_size
(4, 3)
>>> MinutiaeParams.unit("break_periods"), DEFAULT_MINUTIAE.to_dict()["break_periods"]
('ridge periods', 2.5)
>>> QualityThresholds.__dataclass_fields__["dry_darkness"].metadata["unit"], DEFAULT_QUALITY_THRESHOLDS.dry_darkness
('fraction', 0.31)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from types import MappingProxyType
from typing import Any

from ..images import WORKING_PPI

__all__ = [
    "DEFAULT_MINUTIAE",
    "DEFAULT_QUALITY_THRESHOLDS",
    "DEFAULT_RIDGE_PERIOD_PX",
    "ISO_ENDING_OFFSET_PERIODS",
    "WORKING_PPI",
    "MinutiaeParams",
    "QualityThresholds",
]

DEFAULT_RIDGE_PERIOD_PX = 9.1
"""Ridge period (px at 500 ppi) assumed where a print gives none: the FVC 500 ppi prints' typical period
(median block period 9.1 px; see ``data/README.md`` of the shared data)."""

ISO_ENDING_OFFSET_PERIODS = 0.15
"""Skeleton end -> ISO/IEC 19794-2 ending location (the valley bifurcation just beyond the ridge end), along the
ridge away from it, in ridge periods: the median offset measured against FingerJet FX OSE's ISO templates on 36
FVC images (1.3 px). The extractor places endings with it; the synthetic generator marks ground truth with it."""

_TUNED = ("tuned on the FVC B dev sets: agreement with FingerJet FX OSE / MINDTCT on 30-40 images, then the EER of "
          "the project's comparator on 2-3 DBs at a time (benchmarks/minutiae_agreement.py)")


def _p(default: float, unit: str, origin: str = _TUNED, doc: str = "") -> Any:
    return field(default=default, metadata={"unit": unit, "origin": origin, "doc": doc})


@dataclass(frozen=True)
class MinutiaeParams:
    """Parameters of minutiae detection on the skeleton (:mod:`cccd_biometrics.fingerprint.minutiae.extract`).

    Every field's ``unit``, ``origin`` and meaning are in its dataclass metadata (:meth:`unit`,
    :meth:`origin`, :meth:`describe`); ``to_dict()`` gives the values.
    """

    edge_margin_periods: float = _p(1.3, "ridge periods", doc="minutiae closer to the foreground edge are dropped "
                                    "(unless the area is clear)")
    clear_edge_margin_periods: float = _p(0.8, "ridge periods", doc="edge margin in clear areas (smoothed "
                                          "coherence >= clear_coherence): ridges are reliable up to the edge there, "
                                          "and small overlaps depend on those minutiae")
    clear_coherence: float = _p(0.6, "coherence (0-1)", doc="smoothed coherence from which an area is clear "
                                "(minutia quality gets full marks)")
    min_coherence: float = _p(0.25, "coherence (0-1)", doc="candidates in less coherent areas are 'unclear'")
    noise_coherence: float = _p(0.28, "coherence (0-1)", "FVC prints: median block coherence >= 0.30",
                                "a foreground whose median block coherence is below this is random texture: no "
                                "minutiae")
    noise_period: float = _p(15.5, "px at 500 ppi", "FVC DBs: median block period <= 14.7 px",
                             "a block whose ridge period is above this is not ridge-like")
    min_ridge_like: float = _p(0.5, "share of 3x3 blocks", doc="share of ridge-like neighbouring blocks a minutia "
                               "needs")
    trace_periods: float = _p(2.5, "ridge periods", doc="how far each branch of a candidate is traced")
    probe_periods: float = _p(1.0, "ridge periods", doc="distance along a branch at which its direction is read")
    spur_periods: float = _p(1.5, "ridge periods", doc="an ending-bifurcation link shorter than this is a spur")
    short_ridge_periods: float = _p(1.5, "ridge periods", doc="an ending-ending link shorter than this is an "
                                    "island or short ridge")
    bridge_periods: float = _p(0.7, "ridge periods", doc="a bifurcation-bifurcation link shorter than this is a "
                               "bridge or hole")
    min_link_periods: float = _p(0.7, "ridge periods", doc="short links along the flow longer than this are kept "
                                 "(real short ridges and branches)")
    link_along_flow_deg: float = _p(30.0, "degrees", doc="a link deviating more from the ridge flow crosses it")
    break_periods: float = _p(2.5, "ridge periods", doc="two facing endings closer than this may be a broken ridge")
    break_lateral_periods: float = _p(0.35, "ridge periods",
                                      "mean EER of the 8 FVC DBs: 2.56 % at 0.35, 2.65-2.68 % for 0.25-0.5, 2.95 % "
                                      "without the rule",
                                      "a gap drifting sideways by more joins two ridges (a ridge is about half a "
                                      "period wide)")
    cluster_periods: float = _p(1.0, "ridge periods", doc="radius of the crowd test")
    cluster_size: int = _p(3, "minutiae", doc="a minutia with at least this many others within cluster_periods is "
                           "dropped")
    angle_snap_deg: float = _p(45.0, "degrees", doc="traced angles within this of the orientation field take the "
                               "field's direction")
    default_period: float = _p(DEFAULT_RIDGE_PERIOD_PX, "px at 500 ppi", "see DEFAULT_RIDGE_PERIOD_PX",
                               "ridge period used when a print has none")
    min_period: float = _p(5.0, "px at 500 ppi", "the ridge periods a friction-ridge pattern can have",
                           "the print's median period is clipped to [min_period, max_period]")
    max_period: float = _p(16.0, "px at 500 ppi", "the ridge periods a friction-ridge pattern can have",
                           "upper clip of the print's median period")
    ending_offset_periods: float = _p(ISO_ENDING_OFFSET_PERIODS, "ridge periods", "see ISO_ENDING_OFFSET_PERIODS",
                                      "skeleton end -> ISO ending location, along the ridge")

    def to_dict(self) -> dict[str, Any]:
        """The values, by field name (JSON-safe)."""
        return asdict(self)

    @classmethod
    def unit(cls, name: str) -> str:
        """Unit of field ``name``."""
        return str(cls._meta(name)["unit"])

    @classmethod
    def origin(cls, name: str) -> str:
        """Where the default value of field ``name`` came from."""
        return str(cls._meta(name)["origin"])

    @classmethod
    def describe(cls, name: str) -> str:
        """What field ``name`` controls."""
        return str(cls._meta(name)["doc"])

    @classmethod
    def _meta(cls, name: str) -> MappingProxyType[str, Any]:
        for f in fields(cls):
            if f.name == name:
                return f.metadata  # type: ignore[return-value]
        raise KeyError(f"MinutiaeParams has no field {name!r}")


DEFAULT_MINUTIAE = MinutiaeParams()


_QUALITY_ORIGIN = ("set on the FVC2000/2002 B dev images: flag rate per DB and FNMR at FMR = 1 % of the pairs with a "
                   "flagged image (benchmarks/quality_erc.py, quality_dataset.py)")


def _q(default: float, unit: str, doc: str) -> Any:
    return field(default=default, metadata={"unit": unit, "origin": _QUALITY_ORIGIN, "doc": doc})


@dataclass(frozen=True)
class QualityThresholds:
    """Decision thresholds of the fingerprint quality findings (:mod:`cccd_biometrics.fingerprint.quality.score`).

    Each field's metadata says which measure it applies to and how (``doc``), in that measure's unit, and where
    the value came from (``origin``). Pass an instance as ``assess_fingerprint(image, thresholds=...)``.
    """

    no_finger_pattern: float = _q(0.18, "fraction", "ridge_pattern below this: not a fingerprint")
    no_finger_area: float = _q(15.0, "mm²", "roi_area below this: nothing there")
    period_min: float = _q(5.5, "px at 500 ppi", "resolution_period below this: the image is not at 500 ppi")
    period_max: float = _q(15.5, "px at 500 ppi", "resolution_period above this: the image is not at 500 ppi")
    small_area: float = _q(90.0, "mm²", "roi_area below this: small area (1 % of the FVC dev prints are below 98)")
    off_center: float = _q(0.30, "fraction of the half-diagonal", "center_offset above this: off centre")
    low_contrast: float = _q(10.0, "grey levels (RMS across ridges)", "ridge_contrast below this: low contrast")
    blurred: float = _q(0.25, "ratio (fine detail / ridge contrast)", "sharpness below this: blurred")
    noisy: float = _q(0.9, "ratio (fine detail / ridge contrast)", "sharpness above this: pixel noise drowns the "
                      "ridges (reported as low clarity)")
    dry_darkness: float = _q(0.31, "fraction", "ridge_darkness below this: thin, faint ridges")
    dry_noise: float = _q(1.0, "ratio", "ridge_noise above this (with a light print): broken ridges")
    dry_grey: float = _q(195.0, "grey level", "roi_grey above this: a light print")
    dry_very_light: float = _q(240.0, "grey level", "roi_grey above this: hardly any ink at all")
    wet_darkness: float = _q(0.58, "fraction", "ridge_darkness above this: wide, merged ridges")
    wet_grey: float = _q(75.0, "grey level", "roi_grey below this: a very dark print")
    wet_grey_imbalance: float = _q(110.0, "grey level", "roi_grey below this, with ridge_width_imbalance above "
                                   "wet_imbalance: valleys closed")
    wet_imbalance: float = _q(0.40, "ratio", "ridge_width_imbalance above this (on a dark print): valleys closed")
    wet_merged_darkness: float = _q(0.49, "fraction", "ridge_darkness at least this, with ridge_contrast below "
                                    "wet_merged_contrast and roi_grey below wet_merged_grey: ridges merged into a "
                                    "flat, darkish print")
    wet_merged_contrast: float = _q(10.0, "grey levels (RMS across ridges)", "see wet_merged_darkness")
    wet_merged_grey: float = _q(200.0, "grey level", "see wet_merged_darkness")
    wet_dark_flat_area: float = _q(0.30, "fraction of the finger", "dark_flat_area above this (on a sharp print): "
                                   "merged ridges, filled valleys, smudges")
    low_clarity: float = _q(20.0, "score (0-100)", "score below this: low clarity")
    low_ridge_pattern: float = _q(0.45, "fraction", "ridge_pattern below this (with a finger present): scars, "
                                  "damage, smudges; also where the resolution check trusts the block period")
    max_ridgeless_patch: float = field(default=0.15, metadata={
        "unit": "fraction of the finger's interior",
        "origin": "set on SOCOFing dev odd-numbered subjects (Real vs Altered-Hard _Obl obliterations), reported on "
                  "the even ones and on the nine dev databases (benchmarks/ridgeless_patch.py)",
        "doc": "ridgeless_patch above this: a patch inside the finger shows no ridges (scar, worn or obliterated "
               "skin, smudge): low clarity"})
    condition_error_score: float = _q(35.0, "score (0-100)", "a condition finding (dry, wet, blur...) is an error "
                                      "below this score, a warning above")

    def to_dict(self) -> dict[str, Any]:
        """The values, by field name (JSON-safe)."""
        return asdict(self)


DEFAULT_QUALITY_THRESHOLDS = QualityThresholds()
