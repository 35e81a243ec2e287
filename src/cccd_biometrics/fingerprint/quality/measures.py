"""Native fingerprint quality measures, one function each, all computed from one :class:`Analysis`.

The NFIQ 2 family of ISO/IEC 29794-4 (orientation certainty OCL, local clarity LCS, frequency-domain analysis
FDA, ridge-valley uniformity RVU, orientation flow OFL, mean grey MU, block-mean grey MMB, region-of-interest
coherence and area) is measured here on 16 px blocks (NFIQ 2 uses 32 px blocks and averages its values into
histograms; the measures are the same in spirit, not bit-compatible). Measures of our own describe *why* a
print is hard to read: ridge contrast, ridge/valley width balance, noise along the ridges, sharpness,
ridge period and the finger's position.

Each function takes an :class:`~cccd_biometrics.fingerprint.analysis.Analysis` and returns a float that is
finite for every input (a blank image gives the value of "no ridges", never NaN).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ...images import WORKING_PPI
from ..analysis import Analysis
from ..fields.frequency import spectral_ridge_period
from ..fields.orientation import block_means, orientation_flow
from ..params import DEFAULT_QUALITY_THRESHOLDS
from ._kernels import block_ridge_breaks

__all__ = ["EXTRA_MEASURES", "MEASURES", "block_clarity", "compute_measures", "ridge_breaks"]

MM2_PER_PX = (25.4 / WORKING_PPI) ** 2
"""Area of one pixel at 500 ppi, in mm²."""

OFL_MIN_ANGLE = np.deg2rad(4.0)
"""NFIQ 2 orientation flow: angle differences below this are normal ridge curvature and cost nothing."""


def _fg(a: Analysis, values: np.ndarray) -> np.ndarray:
    """Finite values of a block field on the foreground blocks."""
    v = values[a.block_mask]
    return v[np.isfinite(v)]


def _mean(values: np.ndarray, empty: float = 0.0) -> float:
    return float(values.mean()) if values.size else empty


def _median(values: np.ndarray, empty: float = 0.0) -> float:
    return float(np.median(values)) if values.size else empty


# ------------------------------------------------------------------------ NFIQ 2 family
def orientation_certainty_level(a: Analysis) -> float:
    """OCL: mean ``1 - l_min / l_max`` of the gradient covariance over foreground blocks (0..1, higher better)."""
    return _mean(_fg(a, a.orientation_certainty))


def local_clarity(a: Analysis) -> float:
    """LCS: mean over foreground blocks of 1 - ridge/valley pixel misclassification in the oriented window."""
    return _mean(_fg(a, a.ridge_profiles["lcs"]))


def frequency_domain(a: Analysis) -> float:
    """FDA: mean share of the signature's spectrum at its dominant frequency (0..1, higher = cleaner ridges)."""
    return _mean(_fg(a, a.ridge_profiles["fda"]))


def ridge_valley_uniformity(a: Analysis) -> float:
    """RVU: standard deviation of the ridge/valley width ratio over foreground blocks (lower is more uniform)."""
    v = _fg(a, a.ridge_profiles["rv_ratio"])
    return float(np.std(v)) if v.size > 1 else 1.0


def orientation_flow_quality(a: Analysis) -> float:
    """OFL: 1 - mean normalised excess angle jump between neighbouring blocks (0..1, higher = smoother flow)."""
    d = _fg(a, orientation_flow(a.orientation, a.block_mask))
    if not d.size:
        return 0.0
    cost = np.clip((d - OFL_MIN_ANGLE) / (np.pi / 2 - OFL_MIN_ANGLE), 0.0, 1.0)
    return 1.0 - float(cost.mean())


def mean_grey(a: Analysis) -> float:
    """MU: mean grey level of the whole image (0..255)."""
    return float(cv2.mean(a.image.pixels)[0])


def block_mean_grey(a: Analysis) -> float:
    """MMB: mean of the 32 px block means of the image (0..255): like MU but insensitive to edge padding."""
    return float(block_means(a.gray, 32).mean())


def roi_coherence(a: Analysis) -> float:
    """Mean structure-tensor coherence over the foreground (NFIQ 2 ROI coherence, relative form)."""
    return _mean(_fg(a, a.coherence))


def roi_coherent_area(a: Analysis) -> float:
    """Sum of the foreground blocks' coherence times block area, in mm² (NFIQ 2 ROI coherence, summed form)."""
    block_mm2 = a.block_size**2 * MM2_PER_PX
    return float(_fg(a, a.coherence).sum() * block_mm2)


def roi_area(a: Analysis) -> float:
    """Foreground (finger) area in mm² at 500 ppi."""
    return float(np.count_nonzero(a.mask) * MM2_PER_PX)


def roi_grey(a: Analysis) -> float:
    """Mean grey level inside the foreground (NFIQ 2 ROI area mean)."""
    if not a.block_mask.any():
        return mean_grey(a)
    return float(cv2.mean(a.image.pixels, mask=a.mask.view(np.uint8))[0])


# ------------------------------------------------------------------------ our own
def block_clarity(a: Analysis) -> np.ndarray:
    """Per-block clarity in [0, 1] (0 outside the finger): the local quality map.

    Product of local clarity (are ridge and valley pixels separable?) and orientation certainty (is there one
    ridge direction?), the two local NFIQ 2 measures that fall first when ridges are smudged, broken or noisy.
    """
    lcs = np.nan_to_num(a.ridge_profiles["lcs"], nan=0.0)
    ocl = a.orientation_certainty
    q = np.clip(lcs, 0.0, 1.0) * ocl
    return np.where(a.block_mask, q, 0.0).astype(np.float32)


def clear_area(a: Analysis) -> float:
    """Area (mm²) of the finger weighted by the local clarity: how much readable ridge the capture holds."""
    block_mm2 = a.block_size**2 * MM2_PER_PX
    return float(block_clarity(a).sum() * block_mm2)


def ridge_contrast(a: Analysis) -> float:
    """Median RMS grey-level swing across the ridges (grey levels)."""
    return _median(_fg(a, a.ridge_profiles["amplitude"]))


def ridge_period(a: Analysis) -> float:
    """Median ridge period (px at 500 ppi; about 9 for adult fingers), 0 without ridges."""
    return _median(_fg(a, a.ridge_period))


TYPICAL_PERIOD = (6.5, 13.5)
"""Block-median ridge periods (px) of about 98 % of the FVC dev prints at 500 ppi."""


def resolution_period(a: Analysis) -> float:
    """Ridge period (px) used to judge the resolution: the block median when typical (and most blocks show
    ridges), otherwise a 2-D spectral
    estimate of the finger area (:func:`.frequency.spectral_ridge_period`), which has no search-range limit
    and does not depend on the orientation field; 0 when neither finds ridges.
    """
    period = ridge_period(a)
    typical = TYPICAL_PERIOD[0] <= period <= TYPICAL_PERIOD[1]
    # few ridge-like blocks also cast doubt on the block periods (ridges too fine for the orientation field)
    if not a.block_mask.any() or (typical and ridge_pattern(a) >= DEFAULT_QUALITY_THRESHOLDS.low_ridge_pattern):
        return period
    spectral = spectral_ridge_period(a.image.pixels, a.mask)
    return spectral if np.isfinite(spectral) else period


def ridge_darkness(a: Analysis) -> float:
    """Median fraction of pixels darker than the local mean: > 0.5 wide, merged ridges (wet), < 0.4 thin (dry)."""
    return _median(_fg(a, a.ridge_profiles["dark_fraction"]), empty=0.5)


def ridge_width_ratio(a: Analysis) -> float:
    """Median ridge width / valley width (1 = balanced; wet prints above, dry below)."""
    return _median(_fg(a, a.ridge_profiles["rv_ratio"]), empty=1.0)


def ridge_width_imbalance(a: Analysis) -> float:
    """Mean ``|log(ridge width / valley width)|`` over foreground blocks (0 = balanced; dry or wet prints rise)."""
    r = _fg(a, a.ridge_profiles["rv_ratio"])
    r = r[r > 0]
    return float(np.abs(np.log(r)).mean()) if r.size else 1.0


DARK_FLAT_SWING = 0.12
"""Largest RMS swing across the ridges, as a fraction of the print's ink-to-paper range, of a *flat* block.
Readable blocks of the FVC dev prints swing by about 15-30 % of that range."""


def _grey_level(pixels: np.ndarray, fraction: float, mask: np.ndarray | None = None) -> float:
    """Grey level below which ``fraction`` of the (masked) uint8 pixels lie, from a 256-bin histogram."""
    hist = cv2.calcHist([pixels], [0], None if mask is None else mask.view(np.uint8), [256], [0, 256]).ravel()
    cumulative = np.cumsum(hist)
    if cumulative[-1] <= 0:
        return 0.0
    return float(np.searchsorted(cumulative, fraction * cumulative[-1]))


def dark_flat_area(a: Analysis) -> float:
    """Share of the finger's blocks that are dark and flat: ridges merged, valleys filled (wet finger, smudge).

    A block counts when its mean grey lies in the darker half of the print's range, from the ink level (1st
    percentile of the finger) to the paper level (99th percentile of the image), *and* its RMS swing across
    the ridges is below :data:`DARK_FLAT_SWING` of that range: the valleys no longer rise towards the paper.
    Both levels come from the image itself, so a uniform loss of contrast does not count, and light, dry
    prints do not either. Blur flattens blocks too (and lifts the ink level): on a blurred print the measure
    says nothing about wetness, which is why the wet rule of :mod:`.quality` requires a sharp print.
    0 without foreground.
    """
    fg = a.block_mask
    if not fg.any():
        return 0.0
    # every other pixel in each direction: the two levels are as stable, at a quarter of the histogram cost
    pixels = np.ascontiguousarray(a.image.pixels[::2, ::2])
    paper = _grey_level(pixels, 0.99)
    ink = _grey_level(pixels, 0.01, np.ascontiguousarray(a.mask[::2, ::2]))
    span = max(paper - ink, 1.0)
    darkness = (paper - block_means(a.gray, a.block_size)[fg]) / span
    swing = np.nan_to_num(a.ridge_profiles["amplitude"][fg], nan=0.0) / span
    return float(((darkness > 0.5) & (swing < DARK_FLAT_SWING)).mean())


def ridge_noise(a: Analysis) -> float:
    """Median ratio of the grey variation along the ridges to the swing across them (breaks, pores, noise)."""
    prof = a.ridge_profiles
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = prof["residual"] / prof["amplitude"]
    return _median(_fg(a, ratio), empty=10.0)


BREAK_WINDOW = (32, 8, 3.0)
"""Oriented window of :func:`ridge_breaks`: samples across the ridges (1 px apart), samples along them and their
spacing (px). 24 px along the ridges span two to three ridge periods, so a dotted ridge shows its gaps."""

BREAK_CORE = 0.5
"""A window column is a ridge core when its detrended mean is below this many RMS of the signature."""


def ridge_breaks(a: Analysis) -> float:
    """Share of the ridge cores that is gap: how broken the ridges are along their length (0..1, lower better).

    In each foreground block a window is laid along the ridges (:data:`BREAK_WINDOW`); its columns whose mean
    lies well below the trend (:data:`BREAK_CORE`) are the ridges' middles. The measure is the mean over the
    blocks of the share of those samples that are no darker than the local trend, that is, as light as a
    valley: dots, pores and gaps where the skin did not touch (dry fingers, low pressure). Unlike local clarity
    (which counts dark valleys and light ridges together) it says nothing about filled valleys, and unlike
    :func:`ridge_noise` it does not count grey variation that leaves the ridge dark. Continuous ridges give
    about 0.1, the dotted ridges of dry fingers on a capacitive sensor 0.2-0.3, pixel noise about 0.33; 0.5
    without foreground.

    It is *not* in :data:`MEASURES` (nor in the score model): within each dev database it follows NFIQ 2's
    ranking (Spearman -0.54 to -0.77 on seven of nine), but added to the model fitted leave-one-database-out it
    lowers the per-database agreement with NFIQ 2 where it was meant to raise it (``benchmarks/lodo.py
    --experiments``), and it costs about 0.6 ms a print.

    Examples
    --------
    >>> import numpy as np
    >>> import cccd_biometrics as cb
    >>> rows = np.arange(256)[:, None]
    >>> ridges = np.repeat((128 + 100 * np.cos(2 * np.pi * rows / 9)).astype(np.uint8), 256, axis=1)
    >>> ridge_breaks(cb.analyze_fingerprint(cb.FingerImage(ridges))) < 0.05
    True
    >>> dotted = ridges.copy()
    >>> dotted[:, np.arange(256) % 12 < 4] = np.maximum(dotted[:, np.arange(256) % 12 < 4], 200)
    >>> ridge_breaks(cb.analyze_fingerprint(cb.FingerImage(dotted))) > 0.25
    True
    """
    if not a.block_mask.any():
        return 0.5
    theta = a.orientation
    length, width, step = BREAK_WINDOW
    breaks = block_ridge_breaks(np.ascontiguousarray(a.gray, dtype=np.float32), np.cos(theta).astype(np.float32),
                                np.sin(theta).astype(np.float32), np.ascontiguousarray(a.block_mask), a.block_size,
                                length, width, step, BREAK_CORE)
    return _mean(_fg(a, breaks), empty=0.5)


def sharpness(a: Analysis) -> float:
    """Fine-detail energy over ridge contrast on the foreground: falls with blur, rises with pixel noise.

    RMS of the image minus its Gaussian (sigma 1 px) smoothing, divided by :func:`ridge_contrast`.
    """
    contrast = ridge_contrast(a)
    if not a.block_mask.any() or contrast <= 0:
        return 0.0
    energy = a.gradient_moments.detail[a.block_mask]
    return float(np.sqrt(max(float(energy.mean()), 0.0)) / contrast)


def center_offset(a: Analysis) -> float:
    """Distance of the finger's centroid from the image centre, as a fraction of the half-diagonal (0..1)."""
    if not a.block_mask.any():
        return 1.0
    ys, xs = np.nonzero(a.block_mask)
    by, bx = a.block_shape
    dy = (ys.mean() + 0.5) / by - 0.5
    dx = (xs.mean() + 0.5) / bx - 0.5
    return float(np.hypot(dy, dx) / np.hypot(0.5, 0.5))


RIDGE_PATTERN_PERIOD = (5.0, 15.0)
"""Ridge periods (px at 500 ppi) a friction-ridge pattern can have."""


def _ridge_blocks(a: Analysis) -> np.ndarray:
    """Blocks that look like friction ridges: a ridge period in :data:`RIDGE_PATTERN_PERIOD`, one clear
    orientation (coherence > 0.35) and separable ridges and valleys (LCS > 0.7); False off the finger."""
    prof = a.ridge_profiles
    lo, hi = RIDGE_PATTERN_PERIOD
    with np.errstate(invalid="ignore"):
        ok = (prof["period"] >= lo) & (prof["period"] <= hi) & (a.coherence > 0.35) & (prof["lcs"] > 0.7)
    return ok & a.block_mask


def ridge_pattern(a: Analysis) -> float:
    """Fraction of the foreground blocks that look like friction ridges (0..1).

    A block qualifies when its signature has a ridge period in :data:`RIDGE_PATTERN_PERIOD`, one clear
    orientation (coherence > 0.35) and separable ridges and valleys (LCS > 0.7). Fingerprints score 0.3-0.9;
    noise, text, faces and other textures stay below 0.15. 0 without foreground.
    """
    fg = a.block_mask
    if not fg.any():
        return 0.0
    return float(_ridge_blocks(a)[fg].mean())


RIDGELESS_MIN_AMPLITUDE = 10.0
"""Grey levels (RMS across the ridge direction): blocks flatter than this hold nothing to read, which the dry and
contrast checks judge; a ridgeless *patch* has grey structure (blotches, a scar's edges) but no ridges."""


def ridgeless_patch(a: Analysis) -> float:
    """Largest connected patch inside the finger without readable ridges, as a fraction of the finger's
    interior (0..1, 0 = ridges everywhere).

    Scars, worn or obliterated skin and smudges leave a compact region of grey structure where no ridge period,
    orientation and ridge/valley separation hold (the blocks :func:`ridge_pattern` does not count) in the
    middle of an otherwise readable print. The finger's outer ring of blocks is left out (ridges fade at the
    edge of every print), and so are flat blocks (see :data:`RIDGELESS_MIN_AMPLITUDE`).

    Examples
    --------
    >>> import cccd_biometrics as cb
    >>> a = cb.analyze_fingerprint(cb.load_fingerprint("sample_data/fingerprints/nist_sd4_f0001_01.png"))
    >>> 0.0 <= ridgeless_patch(a) < 0.1
    True
    """
    fg = a.block_mask.astype(np.uint8)
    interior = cv2.erode(fg, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    n_interior = int(np.count_nonzero(interior))
    if n_interior == 0:
        return 0.0
    structured = np.nan_to_num(a.ridge_profiles["amplitude"], nan=0.0) > RIDGELESS_MIN_AMPLITUDE
    patch = (interior & structured & ~_ridge_blocks(a)).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(patch, connectivity=4)
    largest = int(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0
    return largest / n_interior


def roi_fraction(a: Analysis) -> float:
    """Fraction of the image covered by the finger (0..1)."""
    return float(np.count_nonzero(a.mask) / a.mask.size)


MEASURES: dict[str, Callable[[Analysis], float]] = {
    # NFIQ 2 family (ISO/IEC 29794-4)
    "ocl": orientation_certainty_level,
    "lcs": local_clarity,
    "fda": frequency_domain,
    "rvu": ridge_valley_uniformity,
    "ofl": orientation_flow_quality,
    "mu": mean_grey,
    "mmb": block_mean_grey,
    "roi_coherence": roi_coherence,
    "roi_coherent_area": roi_coherent_area,
    "roi_area": roi_area,
    "roi_grey": roi_grey,
    # own
    "clear_area": clear_area,
    "roi_fraction": roi_fraction,
    "ridge_contrast": ridge_contrast,
    "ridge_period": ridge_period,
    "resolution_period": resolution_period,
    "ridge_darkness": ridge_darkness,
    "ridge_width_ratio": ridge_width_ratio,
    "ridge_width_imbalance": ridge_width_imbalance,
    "dark_flat_area": dark_flat_area,
    "ridge_noise": ridge_noise,
    "sharpness": sharpness,
    "center_offset": center_offset,
    "ridge_pattern": ridge_pattern,
    "ridgeless_patch": ridgeless_patch,
}
"""Stable measure name -> function. Names are part of the public output (``FingerprintQuality.measures``)."""

EXTRA_MEASURES: dict[str, Callable[[Analysis], float]] = {
    "ridge_breaks": ridge_breaks,
}
"""Measures evaluated for the score model but not computed by :func:`.assess_fingerprint` (each says why)."""


def compute_measures(a: Analysis) -> dict[str, float]:
    """Every measure of :data:`MEASURES`, by name (all finite)."""
    out = {}
    for name, fn in MEASURES.items():
        value = fn(a)
        out[name] = value if np.isfinite(value) else 0.0
    return out
