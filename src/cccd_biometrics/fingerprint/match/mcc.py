"""Minutiae comparison: bit-based Minutia Cylinder-Code with LSS-R consolidation.

Each minutia gets a *cylinder*: a rotation- and translation-invariant bit descriptor of the minutiae around
it (positions and relative directions within 70 px at 500 ppi). Two templates are compared by the bit
similarity of every pair of cylinders; up to ``min(nA, nB)`` pairs, chosen greedily by similarity with each
minutia used at most once, are then *relaxed* by their mutual geometric compatibility (distances and angles
between pairs must agree), and the score is the mean relaxed similarity of the ``nP`` pairs that kept most of
their similarity (Cappelli, Ferrara, Maltoni, IEEE TPAMI 2010). A global-transform stage then fits one rigid
transform to the best relaxed pairs and multiplies that score by the share of the minutiae lying in both
templates' overlap that the transform brings onto a minutia of the other template: a genuine pair's minutiae
agree on one transform, an impostor pair's best local matches rarely do. The score is in [0, 1], symmetric and
deterministic; on FVC dev data genuine scores are mostly 0.01-0.3 (median 0.088) and impostor scores around
0.003 (99.9th percentile 0.013); the decision thresholds are :data:`DECISION_THRESHOLDS`.

The expensive part of a comparison that depends on one template only (its cylinders) is computed once by
:func:`prepare_template`; :func:`compare_one_to_many` scores a probe against a :class:`PreparedGallery`
(all templates packed in flat arrays) in one compiled loop.
A :class:`~cccd_biometrics.fingerprint.template.types.Template` keeps its prepared form once computed, so
repeated :func:`compare_templates` calls on the same objects only pay for the comparison.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ...errors import TemplateFormatError
from ...images import WORKING_PPI
from ..template.types import Template
from . import _kernels as k

__all__ = [
    "DECISION_THRESHOLDS",
    "DEFAULT_MATCHER",
    "MatcherConfig",
    "PreparedGallery",
    "PreparedTemplate",
    "compare_one_to_many",
    "compare_templates",
    "prepare_gallery",
    "prepare_template",
]


@dataclass(frozen=True)
class MatcherConfig:
    """Parameters of the comparator (distances in pixels at 500 ppi, angles in degrees).

    The defaults are those of the MCC paper except three choices measured on the FVC2000/2002 B dev DBs
    with MINDTCT minutiae (``benchmarks/matcher_eer.py``, mean EER over the 8 DBs):

    * pairs enter the relaxation through a greedy one-to-one assignment (each minutia used once) instead of
      the plain top-similarity list of LSS-R: 5.95 % -> 4.96 %;
    * ``ns = 12`` cells across instead of 16: same accuracy (5.01 % vs 5.06 %), half the bits to compare;
    * ``max_rotation_deg = 60`` instead of 90: 5.11 % -> 4.86 %, and a third fewer pairs to score. Two
      impressions rotated by more than 60 degrees relative to each other do not match.

    The ``transform_*`` fields drive the global-transform stage (``_kernels.transform_mates`` and
    ``transform_share``): a rigid transform from each of the ``transform_anchors`` best relaxed pairs, refitted on
    the selected pairs it aligns; the score is multiplied by ``min(1, m / sqrt(oA oB)) ** transform_power``,
    ``m`` the minutiae the best transform brings onto a minutia of the other template (within
    ``transform_angle_deg`` and ``transform_dist + transform_grow * r`` px, ``r`` the distance from the
    transform's centre: skin stretches, so a rigid fit loosens away from where it was made), ``oA``/``oB``
    those it moves into the other template's convex hull, each clipped to [``transform_floor``,
    ``transform_cap``]. ``transform_power = 0`` gives the plain LSS-R score. Distance, growth, angle, floor and
    power were chosen on a grid (13 distance / angle / growth triples, floor 8-16, power 0.5-2) by mean EER +
    pooled FNMR at FMR 0.01 % over the nine dev DBs with this library's minutiae; the cap (60) on MINDTCT's and
    FingerJet's minutiae of the same images, where false minutiae crowd some templates
    (``benchmarks/matcher_transform.py``). Chosen leave-one-DB-out, the held-out EER is lower than LSS-R alone's
    on 8 of 9 DBs (one equal), mean 2.28 % -> 1.77 %, and the FNMR at the other eight DBs' FMR 0.01 % threshold
    falls from 11.4 % to 7.2 % on the mean. The shipped setting is the grid's third (cost 7.28 % against 7.05 %
    for 8 + 0.08 r px at power 1.5): that one lifts impostor scores among the synthetic generator's fingers over
    the recalibrated thresholds (a clean synthetic citizen gets a duplicate and a sequence mismatch). In-sample
    it gives mean EER 1.79 %, pooled FNMR at FMR 0.01 % 8.47 % -> 5.49 %, at FMR 0.1 % 5.64 % -> 3.60 %; on
    MINDTCT's minutiae mean EER 4.51 % -> 3.83 %, on FingerJet's 4.17 % -> 3.44 %.
    """

    radius: float = 70.0
    ns: int = 12
    nd: int = 6
    sigma_s: float = 28.0 / 3.0
    sigma_d_deg: float = 40.0
    mu_psi: float = 0.01
    hull_offset: float = 50.0
    min_valid_cells: float = 0.75
    min_neighbours: int = 2
    min_matchable: float = 0.6
    max_rotation_deg: float = 60.0
    n_rel: int = 5
    w_r: float = 0.5
    mu_1: float = 5.0
    tau_1: float = -8.0 / 5.0
    mu_2_deg: float = 15.0
    tau_2: float = -30.0
    mu_3_deg: float = 15.0
    tau_3: float = -30.0
    min_p: int = 4
    max_p: int = 12
    mu_p: float = 20.0
    tau_p: float = 2.0 / 5.0
    min_quality: int = 0
    transform_power: float = 1.0
    transform_dist: float = 6.0
    transform_angle_deg: float = 20.0
    transform_floor: float = 12.0
    transform_anchors: int = 3
    transform_cap: float = 60.0
    transform_grow: float = 0.08

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    # ------------------------------------------------------------------ derived arrays for the kernels
    def cylinder_params(self) -> np.ndarray:
        return np.array([self.radius, self.sigma_s, math.radians(self.sigma_d_deg), self.mu_psi,
                         self.hull_offset, self.min_valid_cells, self.min_neighbours], dtype=np.float64)

    def score_params(self) -> np.ndarray:
        return np.array([math.radians(self.max_rotation_deg), self.min_matchable, self.n_rel, self.w_r,
                         self.mu_1, self.tau_1, math.radians(self.mu_2_deg), self.tau_2,
                         math.radians(self.mu_3_deg), self.tau_3, self.min_p, self.max_p, self.mu_p, self.tau_p,
                         self.transform_power, self.transform_dist, math.radians(self.transform_angle_deg),
                         self.transform_floor, self.transform_anchors, self.transform_cap,
                         self.transform_grow], dtype=np.float64)

    def cell_offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Centres (u along the minutia direction, v across) of the cells inside the cylinder's disc."""
        step = 2.0 * self.radius / self.ns
        centres = (np.arange(self.ns) - (self.ns - 1) / 2.0) * step
        u, v = np.meshgrid(centres, centres, indexing="ij")
        inside = u * u + v * v <= self.radius * self.radius
        return u[inside].astype(np.float64), v[inside].astype(np.float64)

    @property
    def words_per_slice(self) -> int:
        return (self.cell_offsets()[0].size + 63) // 64

    def min_matchable_bits(self) -> float:
        return self.min_matchable * self.cell_offsets()[0].size * self.nd


DEFAULT_MATCHER = MatcherConfig()

#: Score thresholds of the default comparator ("match" when score >= threshold): the lowest 4-decimal scores whose
#: FMR is at most 1 % / 0.1 % over the 23,040 impostor pairs of the eight FVC2000/2002 B dev DBs pooled, with this
#: library's extractor (FVC2002 DB2 at its 569 ppi), ``benchmarks/calibrate_duplicate_threshold.py``
#: (``decision_thresholds`` in ``benchmarks/results/duplicate_threshold.json``): FVC FMR 0.97 % / 0.095 %,
#: TMR 96.3 % / 93.7 %; out of sample on U.are.U FMR 0.70 % / 0.077 % of 133,120 impostor pairs.
#: On MINDTCT minutiae the same thresholds give FMR 0.83 % / 0.11 % (FVC impostors pooled).
#: They depend on the extractor and the comparator: recalibrate with that script when either changes.
DECISION_THRESHOLDS: dict[str, float] = {"fmr_1%": 0.0091, "fmr_0.1%": 0.0126}


@dataclass(frozen=True, eq=False)
class PreparedTemplate:
    """A template's cylinders, ready for fast comparison (valid cylinders only, 500 ppi y-up frame).

    Build it with :func:`prepare_template`; it holds no pixel data, only derived minutiae geometry:
    ``geometry`` has one row per cylinder (x, y, direction in radians, its cos and sin, sqrt of the set-bit
    count, full-validity flag), ``bits``/``valid`` the cylinder bits and cell-validity masks.
    """

    geometry: np.ndarray
    bits: np.ndarray
    valid: np.ndarray
    key: int
    n_minutiae: int
    config: MatcherConfig = field(repr=False)

    def __len__(self) -> int:
        return int(self.geometry.shape[0])


@dataclass(frozen=True, eq=False)
class PreparedGallery:
    """Many prepared templates packed into flat arrays: template ``g`` owns rows ``offsets[g]:offsets[g+1]``."""

    geometry: np.ndarray
    bits: np.ndarray
    valid: np.ndarray
    keys: np.ndarray
    offsets: np.ndarray
    config: MatcherConfig = field(repr=False)

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def subset(self, start: int, stop: int) -> PreparedGallery:
        """Templates ``start:stop`` as a gallery sharing this one's arrays (no copy)."""
        if not 0 <= start <= stop <= len(self):
            raise IndexError(f"gallery subset {start}:{stop} out of range 0:{len(self)}")
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        return PreparedGallery(geometry=self.geometry[lo:hi], bits=self.bits[lo:hi], valid=self.valid[lo:hi],
                               keys=self.keys[start:stop], offsets=self.offsets[start:stop + 1] - lo,
                               config=self.config)


def _minutiae_array(template: Template, config: MatcherConfig) -> np.ndarray:
    arr = template.as_array()
    if arr.size and not np.all(np.isfinite(arr[:, :3])):
        raise TemplateFormatError("template has non-finite minutia coordinates or angles")
    if template.ppi is None or not (50.0 <= float(template.ppi) <= 5000.0):
        raise TemplateFormatError(f"implausible template resolution {template.ppi!r} ppi")
    if config.min_quality > 0 and arr.size:
        arr = arr[arr[:, 4] >= config.min_quality]
    return arr


def _template_key(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> int:
    """A deterministic 62-bit digest of the geometry: fixes which template goes first in the kernel."""
    digest = hashlib.blake2b(np.concatenate([x, y, theta]).astype("<f8").tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 2


def prepare_template(template: Template | PreparedTemplate, config: MatcherConfig = DEFAULT_MATCHER
                     ) -> PreparedTemplate:
    """A template's cylinders, computed once per template and configuration and then reused.

    The prepared form is cached on the :class:`~cccd_biometrics.fingerprint.template.types.Template` itself
    (not compared, not serialised), so repeated :func:`compare_templates` calls on the same objects only pay
    for the comparison. Calling this explicitly is only needed to control when the work is done.

    Parameters
    ----------
    template:
        A :class:`~cccd_biometrics.fingerprint.template.types.Template` (returned unchanged if already prepared
        with the same configuration).
    config:
        Comparator parameters.

    Returns
    -------
    PreparedTemplate

    Raises
    ------
    TemplateFormatError
        If ``template`` is not a template or holds non-finite values.

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> t = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> prepared = prepare_template(t)
    >>> prepare_template(t) is prepared, 0 < len(prepared) <= len(t)
    (True, True)
    """
    if isinstance(template, PreparedTemplate):
        if template.config == config:
            return template
        raise TemplateFormatError("template was prepared with a different matcher configuration")
    if not isinstance(template, Template):
        raise TemplateFormatError(f"expected a Template or PreparedTemplate, got {type(template).__name__}")
    return template._derived(("mcc", config), lambda: _prepare(template, config))


def _prepare(template: Template, config: MatcherConfig) -> PreparedTemplate:
    arr = _minutiae_array(template, config)
    scale = WORKING_PPI / float(template.ppi)
    x = np.ascontiguousarray(arr[:, 0] * scale)
    y = np.ascontiguousarray(-arr[:, 1] * scale)  # y-up so that counter-clockwise angles are the usual ones
    theta = np.ascontiguousarray(np.radians(arr[:, 2]) % (2 * np.pi))
    u, v = config.cell_offsets()
    bits, valid, ok = k.build_cylinders(x, y, theta, u, v, config.nd, config.words_per_slice,
                                        config.cylinder_params())
    # sorted by direction, the rotation test in the similarity loop passes for runs of neighbours: a branch
    # the CPU predicts (about 2x faster than in extraction order); stable, so still deterministic
    keep = np.flatnonzero(ok)
    keep = keep[np.argsort(theta[keep], kind="stable")]
    x, y, theta = x[keep], y[keep], theta[keep]
    bits, valid = np.ascontiguousarray(bits[keep]), np.ascontiguousarray(valid[keep])
    geometry = k.cylinder_geometry(x, y, theta, bits, valid, u.size)
    return PreparedTemplate(geometry=geometry, bits=bits, valid=valid, key=_template_key(x, y, theta),
                            n_minutiae=int(arr.shape[0]), config=config)


def prepare_gallery(templates: Sequence[Template | PreparedTemplate] | PreparedGallery,
                    config: MatcherConfig = DEFAULT_MATCHER) -> PreparedGallery:
    """Prepare and pack many templates for :func:`compare_one_to_many`.

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> prints = ["good_2026_1.png", "good_2031_1.png", "dry_2027_1.png"]
    >>> gallery = prepare_gallery([cb.extract_minutiae(f"sample_data/fingerprints/synthetic/{p}") for p in prints])
    >>> len(gallery)
    3
    """
    if isinstance(templates, PreparedGallery):
        return templates
    prepared = [prepare_template(t, config) for t in templates]
    sizes = np.array([len(p) for p in prepared], dtype=np.int64)
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    wps = config.words_per_slice

    def stack(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        arrays = [getattr(p, name) for p in prepared]
        return np.ascontiguousarray(np.concatenate(arrays)) if arrays else np.zeros(shape, dtype)

    return PreparedGallery(
        geometry=stack("geometry", (0, k.N_GEOMETRY), np.float64), bits=stack("bits", (0, config.nd * wps), np.uint64),
        valid=stack("valid", (0, wps), np.uint64), keys=np.array([p.key for p in prepared], dtype=np.int64),
        offsets=offsets, config=config)


def compare_one_to_many(probe: Template | PreparedTemplate,
                        gallery: Sequence[Template | PreparedTemplate] | PreparedGallery,
                        config: MatcherConfig = DEFAULT_MATCHER) -> np.ndarray:
    """Scores in [0, 1] of one probe against every template of a gallery.

    Parameters
    ----------
    probe:
        Template (or prepared template) to search with.
    gallery:
        Templates, prepared templates, or a :class:`PreparedGallery` (fastest for repeated searches).
    config:
        Comparator parameters (must match those the gallery was prepared with).

    Returns
    -------
    numpy.ndarray
        ``float64`` scores, one per gallery template, in gallery order.

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> a = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> b = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2031_1.png")
    >>> scores = compare_one_to_many(a, prepare_gallery([b, a]))
    >>> scores.shape, bool(scores[1] > scores[0])
    ((2,), True)
    """
    p = prepare_template(probe, config)
    g = prepare_gallery(gallery, config)
    if g.config != config:
        raise TemplateFormatError("gallery was prepared with a different matcher configuration")
    scores, _ = k.one_to_many(p.geometry, p.bits, p.valid, p.key, g.geometry, g.bits, g.valid, g.keys, g.offsets,
                              config.nd, config.min_matchable_bits(), config.score_params())
    return scores


def compare_templates(a: Template | PreparedTemplate, b: Template | PreparedTemplate,
                      config: MatcherConfig = DEFAULT_MATCHER) -> float:
    """Similarity in [0, 1] of two minutiae templates (symmetric, deterministic; higher = more alike).

    Parameters
    ----------
    a, b:
        Templates, or templates prepared with :func:`prepare_template` (faster when reused).
    config:
        Comparator parameters.

    Returns
    -------
    float
        The score; compare it with :data:`DECISION_THRESHOLDS` for a match decision.

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> a = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> b = cb.extract_minutiae("sample_data/fingerprints/synthetic/good_2031_1.png")
    >>> compare_templates(a, a) > DECISION_THRESHOLDS["fmr_0.1%"] > compare_templates(a, b)
    True
    """
    pa, pb = prepare_template(a, config), prepare_template(b, config)
    return float(k.one_to_one(pa.geometry, pa.bits, pa.valid, pa.key, pb.geometry, pb.bits, pb.valid, pb.key,
                              config.nd, config.min_matchable_bits(), config.score_params()))
