"""Synthetic fingerprints with ground-truth minutiae, in the spirit of SFinGe (Cappelli, Maio & Maltoni).

A *master* fingerprint is the finger itself: silhouette, orientation field (Sherlock-Monro zero-pole model from
core and delta positions), ridge-period map, and a ridge pattern grown by iterated space-variant Gabor filtering
from a few random seeds. Its minutiae are found on the binarised pattern by the crossing number of its skeleton.

An *impression* is one capture of the master: contact area and pressure, rigid motion plus elastic distortion,
skin texture and sensor noise, then the controlled degradations of :mod:`cccd_biometrics.fingerprint.synthetic.degrade`
(dryness, wetness, smudging, blur, contrast). The ground-truth minutiae go through the same geometric
transform; those that leave the contact area are dropped.

Conventions are those of :mod:`cccd_biometrics.fingerprint.template.types`: pixel coordinates with the origin at the
top-left and ``y`` down; angles in degrees in [0, 360), counter-clockwise from +x as seen on screen (ISO/IEC
19794-2). A ridge ending sits on the valley fork just beyond the ridge end and points along its ridge, into the
ridge (the bisector of that fork); a bifurcation sits on the ridge-skeleton junction and points between its two
branches, away from the trunk. Images are 500 ppi.

>>> from cccd_biometrics.fingerprint.synthetic.generator import generate_master, render_impression
>>> master = generate_master(7, pattern="right_loop")                     # doctest: +SKIP
>>> imp = render_impression(master, seed=1, dryness=0.4)                  # doctest: +SKIP
>>> imp.image.shape, len(imp.minutiae)                                     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ..._shared.jsonsafe import json_safe
from ...images import WORKING_PPI
from ..params import ISO_ENDING_OFFSET_PERIODS
from ..template.types import Minutia, Template
from . import _kernels as kernels
from . import degrade

__all__ = [
    "PATTERNS",
    "QUALITY_LEVELS",
    "MasterFingerprint",
    "SyntheticImpression",
    "generate_impression",
    "generate_master",
    "quality_parameters",
    "render_impression",
]

PATTERNS = ("arch", "tented_arch", "left_loop", "right_loop", "whorl")
# Approximate class frequencies in the population (Wilson et al., NIST): loops dominate, arches are rare.
_PATTERN_WEIGHTS = np.array([0.037, 0.029, 0.338, 0.317, 0.279])

# seed dots of the ridge growth per pattern: minutiae form where growth fronts meet and where the flow
# diverges; arches diverge little, so they get more fronts to reach a real minutiae count
_DEFAULT_SEEDS = {"arch": 150, "tented_arch": 100}
_N_ORIENT = 36                       # orientation bins of the Gabor bank (5 degrees)
_PERIODS = np.arange(6.0, 14.01, 0.5)  # ridge-period bins of the bank, px
_KERNEL_RADIUS = 8
_MIN_GROWTH_ITERATIONS = 16         # growth stops once the grown area no longer changes, within these bounds
_MAX_GROWTH_ITERATIONS = 48
_GROWTH_GAIN = 2.5
_BORDER_MARGIN = 10                  # px from the silhouette edge where master minutiae are not trusted
_MIN_SEPARATION = 6.0                # px: closer minutiae are thinning artefacts of one structure
_GT_CONTACT_MARGIN = 6               # px: minutiae this close to the contact edge are dropped
PPI = WORKING_PPI
_RIDGE_SPREAD = 0.2                  # shifts the ridge/valley boundary into the valleys
_RIDGE_WIDTH_VARIATION = 0.35        # local swing of that boundary (pressure and moisture vary)
_GRAIN = 0.2                         # depth of the grey mottle of the ridges (share of the ink)
_BREAK_THRESHOLD = 0.6               # grain level (in standard deviations) above which a ridge breaks
_OPTICS_SIGMA = 0.5                  # px: blur of the sensor optics
_PORE_DEPTH = 2.5                    # peak lightening of a pore (x ink), before clipping


# --------------------------------------------------------------------------------------------- data classes


@dataclass(frozen=True, eq=False)
class MasterFingerprint:
    """A synthetic finger: the noise-free ridge pattern and everything it was made from.

    Attributes
    ----------
    seed, pattern:
        What :func:`generate_master` was called with (``pattern`` resolved when it was ``None``).
    ridges:
        ``float32`` (H, W) in [-1, 1]; positive on ridges. Zero-crossings are the ridge edges.
    mask:
        ``bool`` (H, W) fingertip silhouette.
    orientation:
        ``float32`` (H, W) ridge orientation in radians in [0, pi), counter-clockwise from +x with y down.
    period:
        ``float32`` (H, W) ridge period in pixels.
    cores, deltas:
        Singular points as (x, y) pixel tuples (may lie outside the image).
    minutiae:
        Ground-truth minutiae of the master (``quality`` 100).
    """

    seed: int
    pattern: str
    ridges: np.ndarray
    mask: np.ndarray
    orientation: np.ndarray
    period: np.ndarray
    cores: tuple[tuple[float, float], ...]
    deltas: tuple[tuple[float, float], ...]
    minutiae: tuple[Minutia, ...]

    def __post_init__(self) -> None:
        for array in (self.ridges, self.mask, self.orientation, self.period):
            array.setflags(write=False)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.ridges.shape[0]), int(self.ridges.shape[1]))

    @property
    def image(self) -> np.ndarray:
        """``uint8`` rendering: black ridges (0) on white (255), white outside the silhouette."""
        return np.where(self.mask & (self.ridges > 0), 0, 255).astype(np.uint8)

    @property
    def template(self) -> Template:
        h, w = self.shape
        return Template(self.minutiae, width=w, height=h, ppi=PPI, quality=100,
                        metadata={"synthetic": True, "seed": self.seed, "pattern": self.pattern, "master": True})

    def to_dict(self) -> dict[str, Any]:
        h, w = self.shape
        return json_safe({
            "kind": "synthetic_master", "seed": self.seed, "pattern": self.pattern, "width": w, "height": h,
            "ppi": PPI, "cores": [list(c) for c in self.cores], "deltas": [list(d) for d in self.deltas],
            "minutiae": [m.to_dict() for m in self.minutiae],
        })


@dataclass(frozen=True, eq=False)
class SyntheticImpression:
    """One simulated capture of a :class:`MasterFingerprint` with its ground truth.

    Attributes
    ----------
    image:
        ``uint8`` (H, W) 500 ppi grey image, dark ridges on a light background.
    minutiae:
        Ground-truth minutiae in this image's coordinates (master minutiae carried through the same geometric
        transform, kept when inside the contact area).
    contact_mask:
        ``bool`` (H, W): where the finger touched the sensor.
    master_seed, seed, pattern:
        Provenance.
    parameters:
        The capture parameters actually used (rotation in degrees, translation in px, distortion, contact,
        dryness, wetness, smudge, blur, noise, contrast).
    """

    image: np.ndarray
    minutiae: tuple[Minutia, ...]
    contact_mask: np.ndarray
    master_seed: int
    seed: int
    pattern: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.image.setflags(write=False)
        self.contact_mask.setflags(write=False)

    @property
    def template(self) -> Template:
        h, w = self.image.shape
        return Template(self.minutiae, width=w, height=h, ppi=PPI,
                        metadata={"synthetic": True, "master_seed": self.master_seed, "seed": self.seed,
                                  "pattern": self.pattern})

    def to_dict(self) -> dict[str, Any]:
        h, w = self.image.shape
        return json_safe({
            "kind": "synthetic_impression", "master_seed": self.master_seed, "seed": self.seed,
            "pattern": self.pattern, "width": w, "height": h, "ppi": PPI,
            "contact_area_fraction": round(float(self.contact_mask.mean()), 4),
            "parameters": dict(self.parameters),
            "minutiae": [m.to_dict() for m in self.minutiae],
        })


# ------------------------------------------------------------------------------------------------ the master


def _silhouette(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Fingertip silhouette: a rounder upper half-ellipse over a longer lower one (the finger goes on below).
    Returns the mask and (cx, cy, half-width)."""
    h, w = shape
    cx = w * (0.5 + rng.uniform(-0.04, 0.04))
    cy = h * (0.47 + rng.uniform(-0.03, 0.03))
    half_w = w * rng.uniform(0.38, 0.46)
    top, bottom = h * rng.uniform(0.38, 0.45), h * rng.uniform(0.55, 0.7)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    semi_y = np.where(yy < cy, top, bottom)
    mask = ((xx - cx) / half_w) ** 2 + ((yy - cy) / semi_y) ** 2 <= 1.0
    return mask, (float(cx), float(cy), float(half_w))


def _singular_points(pattern: str, centre: tuple[float, float, float], shape: tuple[int, int],
                     rng: np.random.Generator) -> tuple[list[complex], list[complex]]:
    """Core and delta positions (as complex x + iy, image pixels) typical of each pattern class."""
    cx, cy, half_w = centre
    h = shape[0]
    core = complex(cx + rng.uniform(-0.08, 0.08) * half_w, cy - h * rng.uniform(0.02, 0.12))
    if pattern == "arch":
        return [], []
    if pattern == "tented_arch":
        return [core], [core + complex(rng.uniform(-8, 8), rng.uniform(45, 75))]
    if pattern in ("left_loop", "right_loop"):
        # the delta sits on the side the ridges do not come from
        side = 1.0 if pattern == "left_loop" else -1.0
        delta = core + complex(side * half_w * rng.uniform(0.45, 0.75), h * rng.uniform(0.18, 0.3))
        return [core], [delta]
    gap = rng.uniform(12, 35)
    tilt = rng.uniform(-10, 10)
    cores = [core + complex(-tilt / 2, -gap / 2), core + complex(tilt / 2, gap / 2)]
    drop = h * rng.uniform(0.2, 0.3)
    deltas = [core + complex(-half_w * rng.uniform(0.5, 0.8), drop + rng.uniform(-15, 15)),
              core + complex(half_w * rng.uniform(0.5, 0.8), drop + rng.uniform(-15, 15))]
    return cores, deltas


def _orientation_field(pattern: str, shape: tuple[int, int], cores: list[complex], deltas: list[complex],
                       centre: tuple[float, float, float], rng: np.random.Generator) -> np.ndarray:
    """Ridge orientation in [0, pi), counter-clockwise from +x with y down."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    # y flipped so that complex arguments are counter-clockwise on screen
    z = xx - 1j * yy
    if pattern == "arch":
        cx, cy, half_w = centre
        spread = half_w * rng.uniform(0.45, 0.65)
        amplitude = rng.uniform(1.1, 1.8) * np.clip(1.0 - (yy - (cy - 0.45 * h)) / (1.1 * h), 0.15, 1.0)
        u = (xx - cx) / spread
        theta = np.arctan(-amplitude * 2.0 * u * np.exp(-u * u))
    else:
        theta = np.zeros((h, w))
        for c in cores:
            theta += 0.5 * np.angle(z - (c.real - 1j * c.imag))
        for d in deltas:
            theta -= 0.5 * np.angle(z - (d.real - 1j * d.imag))
    # slow random wander keeps far-field ridges from looking ruled
    wander = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 40.0)
    theta = theta + 0.08 * wander / max(float(wander.std()), 1e-6)
    return np.mod(theta, np.pi).astype(np.float32)


def _period_field(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Ridge period map around 9 px at 500 ppi, varying smoothly by about +-10 %."""
    base = rng.uniform(7.9, 9.8)
    wander: np.ndarray = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 50.0)
    wander = wander / max(float(wander.std()), 1e-6)
    return np.clip(base * (1.0 + 0.08 * wander), _PERIODS[0], _PERIODS[-1]).astype(np.float32)


def _gabor_bank() -> np.ndarray:
    """Even Gabor kernels (n_orient, n_period, K, K) tuned so a matching sinusoid of amplitude 1 gives 1."""
    r = _KERNEL_RADIUS
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    bank = np.zeros((_N_ORIENT, len(_PERIODS), 2 * r + 1, 2 * r + 1), dtype=np.float32)
    for i in range(_N_ORIENT):
        theta = np.pi * i / _N_ORIENT
        across = dx * np.sin(theta) + dy * np.cos(theta)   # along the ridge normal
        along = dx * np.cos(theta) - dy * np.sin(theta)
        for j, period in enumerate(_PERIODS):
            sigma_across, sigma_along = 0.45 * period, 0.6 * period
            envelope = np.exp(-0.5 * ((across / sigma_across) ** 2 + (along / sigma_along) ** 2))
            wave = np.cos(2 * np.pi * across / period)
            kern = envelope * wave
            kern -= envelope * (kern.sum() / envelope.sum())  # zero DC: flat areas do not grow
            bank[i, j] = kern / float((kern * wave).sum())
    return bank


def _grow_ridges(orientation: np.ndarray, period: np.ndarray, active: np.ndarray,
                 rng: np.random.Generator, n_seeds: int) -> np.ndarray:
    """Iterated space-variant Gabor filtering from a few random seed dots (SFinGe's ridge generation)."""
    h, w = orientation.shape
    orient_bin = (np.rint(orientation / np.pi * _N_ORIENT).astype(np.int64)) % _N_ORIENT
    period_bin = np.clip(np.rint((period - _PERIODS[0]) / 0.5), 0, len(_PERIODS) - 1).astype(np.int64)
    ys, xs = np.nonzero(active)
    pick = rng.choice(len(ys), size=min(n_seeds, len(ys)), replace=False)
    ridges = np.zeros((h, w), dtype=np.float32)
    ridges[ys[pick], xs[pick]] = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=len(pick)) * 8.0
    bank = _gabor_bank()
    filled = 0.0
    reach = np.ones((2 * _KERNEL_RADIUS + 1, 2 * _KERNEL_RADIUS + 1), np.uint8)
    for iteration in range(1, _MAX_GROWTH_ITERATIONS + 1):
        # pixels the growth front has not reached would filter to exactly 0: skip them (same result)
        front = active if iteration > 12 else active & cv2.dilate((ridges != 0).astype(np.uint8), reach).astype(bool)
        ridges = kernels.space_variant_filter(ridges, orient_bin, period_bin, bank, front)
        # saturating gain: grown ridges settle at +-1 while the front keeps advancing
        ridges = np.clip(ridges * _GROWTH_GAIN, -1.0, 1.0)
        if iteration % 4 == 0:
            now = float((np.abs(ridges[active]) > 0.5).mean())
            if iteration >= _MIN_GROWTH_ITERATIONS and now - filled < 0.002:
                break
            filled = now
    return ridges


def _minutia_angle(binary: np.ndarray, x: int, y: int, theta: float, kind: str) -> float:
    """ISO angle (degrees) of a minutia whose ridge orientation is ``theta``: the axis comes from the
    orientation field, the sense from which side of the point the ridge continues (ending: towards the ridge
    body; bifurcation: away from the trunk, towards the valley between the branches)."""
    ux, uy = np.cos(theta), -np.sin(theta)
    h, w = binary.shape
    t = np.arange(2.0, 11.0)
    offsets = np.arange(-2.0, 2.5, 1.0)
    side_sum = []
    for sense in (1.0, -1.0):
        px = x + sense * t[:, None] * ux + offsets[None, :] * -uy
        py = y + sense * t[:, None] * uy + offsets[None, :] * ux
        xi = np.clip(np.rint(px).astype(np.int64), 0, w - 1)
        yi = np.clip(np.rint(py).astype(np.int64), 0, h - 1)
        side_sum.append(float(binary[yi, xi].sum()))
    forward_is_ridge = side_sum[0] >= side_sum[1]
    points_forward = forward_is_ridge if kind == "ending" else not forward_is_ridge
    angle = theta if points_forward else theta + np.pi
    if kind == "bifurcation":
        angle = _valley_bisector(binary, x, y, angle)
    return float(np.degrees(angle) % 360.0)


def _valley_bisector(binary: np.ndarray, x: int, y: int, angle: float) -> float:
    """Turn a bifurcation's direction (radians) by up to 25 degrees onto the middle of the valley between its
    branches: when the trunk runs straight into one branch, the orientation field follows that branch, while
    the ISO direction bisects the fork."""
    h, w = binary.shape
    t = np.arange(3.0, 11.0)
    best, best_cover = angle, np.inf
    for delta in np.radians(np.arange(-25.0, 26.0, 5.0)):
        a = angle + delta
        xi = np.clip(np.rint(x + t * np.cos(a)).astype(np.int64), 0, w - 1)
        yi = np.clip(np.rint(y - t * np.sin(a)).astype(np.int64), 0, h - 1)
        cover = float(binary[yi, xi].sum()) + 0.01 * abs(float(delta))   # ties: stay near the field
        if cover < best_cover:
            best, best_cover = a, cover
    return best


def _master_minutiae(ridges: np.ndarray, mask: np.ndarray, orientation: np.ndarray,
                     period: np.ndarray) -> tuple[Minutia, ...]:
    """Ground-truth minutiae of a master: crossing number on the cleaned skeleton of the binarised pattern,
    endings moved to their ISO location."""
    smooth = cv2.GaussianBlur(ridges, (0, 0), 1.0)
    binary = (smooth > 0).astype(np.uint8)
    skeleton = kernels.prune_spurs(kernels.thin(binary), 6)
    found = kernels.skeleton_minutiae(skeleton)
    inner = cv2.erode(mask.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * _BORDER_MARGIN + 1, 2 * _BORDER_MARGIN + 1))).astype(bool)
    found = found[inner[found[:, 0], found[:, 1]]] if len(found) else found
    found = _drop_crowded(found)
    result = []
    for y, x, cn in found:
        kind = "ending" if cn == 1 else "bifurcation"
        angle = _minutia_angle(binary, int(x), int(y), float(orientation[y, x]), kind)
        px, py = float(x), float(y)
        if kind == "ending":
            px, py = _iso_ending_location(px, py, angle, float(period[y, x]))
        result.append(Minutia(round(px, 2), round(py, 2), round(angle, 2), kind, 100))
    return tuple(result)


def _iso_ending_location(x: float, y: float, angle: float, period: float) -> tuple[float, float]:
    """ISO/IEC 19794-2 places a ridge ending on the fork of the valley skeleton in front of the ridge end,
    which lies beyond the ridge-skeleton end point. Thinning does not give that fork reliably (the valley
    widens in front of the end), so the end point is moved back, against the minutia direction, by 0.15 ridge
    period: the offset the minutiae extractor calibrated on commercial ISO templates."""
    ux, uy = np.cos(np.radians(angle)), -np.sin(np.radians(angle))
    return x - ISO_ENDING_OFFSET_PERIODS * period * ux, y - ISO_ENDING_OFFSET_PERIODS * period * uy


def _drop_crowded(found: np.ndarray) -> np.ndarray:
    """Remove every minutia with another closer than ``_MIN_SEPARATION``: such clusters are thinning artefacts
    (tiny lakes, bridges, spurs) that no extractor or examiner would mark consistently."""
    if len(found) < 2:
        return found
    pts = found[:, :2].astype(np.float64)
    dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    return found[dist.min(axis=1) >= _MIN_SEPARATION]


def _resolve_pattern(pattern: str | None, rng: np.random.Generator) -> str:
    if pattern is None:
        return str(PATTERNS[int(rng.choice(len(PATTERNS), p=_PATTERN_WEIGHTS / _PATTERN_WEIGHTS.sum()))])
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS} or None, got {pattern!r}")
    return pattern


def generate_master(seed: int, pattern: str | None = None, size: tuple[int, int] = (500, 400),
                    n_seeds: int | None = None) -> MasterFingerprint:
    """Generate a master fingerprint (the finger, before any capture) from a seed.

    Parameters
    ----------
    seed:
        A non-negative integer; the same seed (and arguments) always gives the same finger.
    pattern:
        One of :data:`PATTERNS`, or ``None`` to draw one with population frequencies.
    size:
        (height, width) in pixels at 500 ppi; each at least 128.
    n_seeds:
        Number of random seed dots the ridges grow from; more seeds give more minutiae. ``None``: 40 for
        loops and whorls, more for arches, whose smooth flow would otherwise leave them with too few.

    Returns
    -------
    MasterFingerprint
    """
    h, w = (int(size[0]), int(size[1]))
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed!r}")
    if h < 128 or w < 128:
        raise ValueError(f"size must be at least 128x128 px, got {size!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5F1]))
    pattern = _resolve_pattern(pattern, rng)
    mask, centre = _silhouette((h, w), rng)
    cores, deltas = _singular_points(pattern, centre, (h, w), rng)
    orientation = _orientation_field(pattern, (h, w), cores, deltas, centre, rng)
    period = _period_field((h, w), rng)
    active = cv2.dilate(mask.astype(np.uint8), np.ones((2 * _KERNEL_RADIUS + 1,) * 2, np.uint8)).astype(bool)
    if n_seeds is None:
        n_seeds = _DEFAULT_SEEDS.get(pattern, 40)
    if int(n_seeds) < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds!r}")
    ridges = _grow_ridges(orientation, period, active, rng, int(n_seeds))
    ridges[~active] = -1.0
    minutiae = _master_minutiae(ridges, mask, orientation, period)
    return MasterFingerprint(
        seed=int(seed), pattern=pattern, ridges=ridges, mask=mask, orientation=orientation, period=period,
        cores=tuple((round(c.real, 2), round(c.imag, 2)) for c in cores),
        deltas=tuple((round(d.real, 2), round(d.imag, 2)) for d in deltas), minutiae=minutiae,
    )


# ----------------------------------------------------------------------------------------------- impressions


@dataclass(frozen=True)
class _Geometry:
    """Output-to-master mapping of one impression: src = centre + R^T (p - centre - shift) + warp(p)."""

    centre: np.ndarray      # (2,) x, y: centre of the finger in the master
    shift: np.ndarray       # (2,) translation, px
    rotation: np.ndarray    # (2, 2) maps master offsets to output offsets (counter-clockwise on screen)
    warp_x: np.ndarray      # (H, W) float32 elastic displacement, sampled at output pixels
    warp_y: np.ndarray

    def inverse_maps(self) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.warp_x.shape
        # the affine part from broadcast 1-D offsets: no full coordinate grid needed
        ox = (np.arange(w, dtype=np.float32) - np.float32(self.centre[0] + self.shift[0]))[None, :]
        oy = (np.arange(h, dtype=np.float32) - np.float32(self.centre[1] + self.shift[1]))[:, None]
        r = self.rotation.astype(np.float32)
        map_x = (np.float32(self.centre[0]) + r[0, 0] * ox) + (r[1, 0] * oy + self.warp_x)
        map_y = (np.float32(self.centre[1]) + r[0, 1] * ox) + (r[1, 1] * oy + self.warp_y)
        return map_x, map_y

    def forward(self, points: np.ndarray) -> np.ndarray:
        """Master (N, 2) x, y -> output coordinates, solving the implicit warp by fixed-point iteration
        (the warp is smooth and a few pixels large, so this contracts quickly)."""
        base = points - self.centre
        out = self.centre + self.shift + base @ self.rotation.T
        for _ in range(10):
            wx, wy = self._sample(out)
            out = self.centre + self.shift + (base - np.stack([wx, wy], axis=1)) @ self.rotation.T
        return out

    def _sample(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mx = points[:, 0].astype(np.float32).reshape(1, -1)
        my = points[:, 1].astype(np.float32).reshape(1, -1)
        wx = cv2.remap(self.warp_x, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[0]
        wy = cv2.remap(self.warp_y, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[0]
        return wx.astype(np.float64), wy.astype(np.float64)


def _rotation_matrix(degrees: float) -> np.ndarray:
    """Counter-clockwise rotation *on screen* (y down) of (x, y) offsets."""
    a = np.radians(degrees)
    return np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])


def _smooth_field(shape: tuple[int, int], cells: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-scale random field that varies over about ``1/cells`` of the image (bicubic upsampling)."""
    h, w = shape
    coarse = rng.standard_normal((cells + 1, cells + 1), dtype=np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _coarse_axes(shape: tuple[int, int], step: int) -> tuple[tuple[int, int], np.ndarray, np.ndarray]:
    """Coarse grid whose bilinear ``cv2.resize`` to ``shape`` lands on full-resolution pixel centres:
    returns the coarse (h, w) and the full-resolution x and y of its samples."""
    h, w = shape
    hc, wc = max(2, h // step), max(2, w // step)
    xs = (np.arange(wc, dtype=np.float32) + 0.5) * (w / wc) - 0.5
    ys = (np.arange(hc, dtype=np.float32) + 0.5) * (h / hc) - 0.5
    return (hc, wc), xs, ys


def _geometry(master: MasterFingerprint, rng: np.random.Generator, rotation: float, translation: tuple[float, float],
              distortion: float) -> _Geometry:
    h, w = master.shape
    ys, xs = np.nonzero(master.mask)
    centre = np.array([xs.mean(), ys.mean()])
    target = centre + np.asarray(translation)
    # the warp is smooth: build it on a coarse grid and interpolate
    (hc, wc), gx, gy = _coarse_axes((h, w), 8)
    # Cappelli et al. 2001: skin under the centre of the contact stays put, the periphery is dragged
    radius = np.hypot(gx[None, :] - target[0], (gy[:, None] - target[1]) * 0.8)
    ramp = np.clip((radius - 60.0) / 120.0, 0.0, 1.0) ** 1.5
    drag = rng.standard_normal(2)
    drag /= max(float(np.hypot(*drag)), 1e-6)
    amplitude = 7.0 * distortion
    warp_x = amplitude * ramp * (0.7 * drag[0] + 0.5 * _smooth_field((hc, wc), 3, rng))
    warp_y = amplitude * ramp * (0.7 * drag[1] + 0.5 * _smooth_field((hc, wc), 3, rng))
    warp_x = cv2.resize(warp_x.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    warp_y = cv2.resize(warp_y.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return _Geometry(centre, np.asarray(translation, dtype=np.float64), _rotation_matrix(rotation), warp_x, warp_y)


def _mask_extent(mask: np.ndarray, axis: int) -> tuple[float, float, float]:
    """Mean, 1st and 99th percentile of the mask's pixel coordinates along one axis (from projections)."""
    counts = mask.sum(axis=axis).astype(np.float64)
    cumulative = np.cumsum(counts) / counts.sum()
    positions = np.arange(len(counts))
    low, high = np.searchsorted(cumulative, 0.01), np.searchsorted(cumulative, 0.99)
    return float((positions * counts).sum() / counts.sum()), float(low), float(high)


def _contact_mask(silhouette: np.ndarray, contact: float, partial: float, rng: np.random.Generator) -> np.ndarray:
    """Where the finger touches the platen: the (warped) silhouette shrunk to ``contact`` of its size around
    its centre, with an irregular rim, minus a share ``partial`` cut off along a random straight edge."""
    h, w = silhouette.shape
    if not silhouette.any():
        return silhouette.copy()
    mx, x1, x99 = _mask_extent(silhouette, 0)
    my, y1, y99 = _mask_extent(silhouette, 1)
    cx, cy = mx + rng.uniform(-10, 10), my + rng.uniform(-10, 20)
    half_w = max(0.5 * (x99 - x1) * contact, 1.0)
    half_h = max(0.5 * (y99 - y1) * contact * 1.1, 1.0)
    xs = ((np.arange(w, dtype=np.float32) - cx) / half_w)[None, :]
    ys = ((np.arange(h, dtype=np.float32) - cy) / half_h)[:, None]
    rim = 1.0 + 0.04 * _smooth_field((h, w), 6, rng)
    mask = silhouette & (xs * xs + ys * ys <= rim * rim)
    if partial > 0 and mask.any():
        angle = rng.uniform(0, 2 * np.pi)
        projection = (np.arange(w, dtype=np.float32) * np.cos(angle))[None, :] + \
            (np.arange(h, dtype=np.float32) * np.sin(angle))[:, None]
        mask &= projection <= np.quantile(projection[mask], 1.0 - partial)
    return mask


def _crease_map(shape: tuple[int, int], contact: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Flexion creases and scars: thin, mostly horizontal white lines across the ridges, in [0, 1]."""
    canvas = np.zeros(shape, np.uint8)
    ys, xs = np.nonzero(contact[::4, ::4])
    for _ in range(count if len(ys) else 0):
        i = int(rng.integers(len(ys)))
        cx, cy = 4.0 * xs[i], 4.0 * ys[i]
        angle = rng.normal(0.0, 0.35) + (np.pi / 2 if rng.random() < 0.2 else 0.0)
        half = rng.uniform(20.0, 80.0)
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        cv2.line(canvas, (round(cx - dx), round(cy - dy)), (round(cx + dx), round(cy + dy)),
                 int(rng.integers(150, 256)), int(rng.integers(1, 3)), cv2.LINE_AA)
    return cv2.GaussianBlur(canvas.astype(np.float32) / 255.0, (0, 0), 0.8)


def _render_skin(ridges: np.ndarray, contact: np.ndarray, noise: float, creases: int, pressure: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Grey image of ridges pressed on an optical platen: ink fades toward the contact rim, ridge width and
    pressure vary across the finger, ridges carry pores, grain and creases, and the exposure saturates the
    background and most of the valleys (as on FTIR optical sensors such as FVC2002 DB1's). Sensor noise
    (``noise`` x 60 grey levels) is added before the saturation, so the saturated background stays clean."""
    h, w = ridges.shape
    # ridges a little wider than valleys, as skin pressed on glass, more or less so from place to place;
    # smoothstep gives them soft flanks
    # firmer pressure flattens the ridges onto the glass: wider ridges, narrower valleys
    spread = _RIDGE_SPREAD + 0.5 * (pressure - 0.5) + \
        _RIDGE_WIDTH_VARIATION * _smooth_field((h, w), max(h, w) // 30, rng)
    ink = np.clip((ridges + spread) / 0.7 + 0.5, 0.0, 1.0)
    ink = ink * ink * (3.0 - 2.0 * ink)
    rim = cv2.distanceTransform(contact.astype(np.uint8), cv2.DIST_L2, 5)
    pressure = np.sqrt(np.clip(rim / 25.0, 0.3, 1.0)) * contact
    pressure *= np.clip(1.0 - 0.15 * np.abs(_smooth_field((h, w), 6, rng)), 0.5, 1.0)
    pores = np.zeros((h, w), np.float32)
    n_pores = int(h * w / 180)
    pores[rng.integers(0, h, n_pores), rng.integers(0, w, n_pores)] = 1.0
    pores = cv2.GaussianBlur(pores, (0, 0), 0.9) * _PORE_DEPTH
    # uneven skin: contact along a ridge varies on the scale of a ridge width, and where it fails the ridge
    # breaks into dashes (the white gaps of optical prints) rather than turning grey
    grain: np.ndarray = cv2.GaussianBlur(rng.standard_normal((h, w), dtype=np.float32), (0, 0), 1.8)
    grain = grain / max(float(grain.std()), 1e-6)
    gaps = np.clip((grain - _BREAK_THRESHOLD) / 0.5, 0.0, 1.0)
    texture = (1.0 - _GRAIN * np.abs(grain) / 2.0) * (1.0 - gaps)
    ink = np.clip(ink * texture - pores - _crease_map((h, w), contact, creases, rng), 0.0, 1.0) * pressure
    exposure, dark = rng.uniform(262.0, 295.0), rng.uniform(0.0, 35.0)
    grey = exposure - (exposure - dark) * ink
    grey = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), _OPTICS_SIGMA)   # no perfectly sharp edge
    grey += rng.standard_normal((h, w), dtype=np.float32) * np.float32(60.0 * noise)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def _carry_minutiae(master: MasterFingerprint, geometry: _Geometry, contact: np.ndarray) -> tuple[Minutia, ...]:
    """Master minutiae through the impression's transform; dropped when they leave the (eroded) contact area."""
    if not master.minutiae:
        return ()
    pts = np.array([(m.x, m.y) for m in master.minutiae], dtype=np.float64)
    angles = np.radians([m.angle for m in master.minutiae])
    ahead = pts + 4.0 * np.stack([np.cos(angles), -np.sin(angles)], axis=1)
    moved, moved_ahead = geometry.forward(pts), geometry.forward(ahead)
    step = moved_ahead - moved
    new_angles = np.degrees(np.arctan2(-step[:, 1], step[:, 0])) % 360.0
    size = 2 * _GT_CONTACT_MARGIN + 1
    inner = cv2.erode(contact.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    h, w = contact.shape
    kept = []
    for m, (x, y), a in zip(master.minutiae, moved, new_angles, strict=True):
        xi, yi = round(x), round(y)
        if 0 <= xi < w and 0 <= yi < h and inner[yi, xi]:
            kept.append(Minutia(round(float(x), 2), round(float(y), 2), round(float(a), 2) % 360.0, m.kind, 100))
    return tuple(kept)


def _check_unit(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return value


def render_impression(
    master: MasterFingerprint,
    seed: int,
    *,
    dryness: float = 0.0,
    wetness: float = 0.0,
    smudge: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.05,
    contrast: float = 1.0,
    rotation: float | None = None,
    translation: tuple[float, float] | None = None,
    distortion: float | None = None,
    contact: float | None = None,
    partial: float = 0.0,
    creases: int | None = None,
    pressure: float = 0.5,
) -> SyntheticImpression:
    """Simulate one capture of ``master`` on a 500 ppi optical sensor.

    Parameters
    ----------
    master:
        From :func:`generate_master`.
    seed:
        Seed of this capture; ``(master.seed, seed)`` fixes every random choice.
    dryness, wetness, smudge, blur:
        Strengths in [0, 1] of the :mod:`~cccd_biometrics.fingerprint.synthetic.degrade` effects of the same names.
    noise:
        Sensor noise in [0, 1]: standard deviation ``60 * noise`` grey levels before the sensor saturates
        (0.05, 3 grey levels, is a clean sensor).
    contrast:
        In (0, 1]: 1 keeps the rendered contrast, 0.1 leaves a tenth of it.
    rotation:
        Degrees counter-clockwise on screen; ``None`` draws from +-15.
    translation:
        (dx, dy) px; ``None`` draws each from +-20.
    distortion:
        Elastic distortion in [0, 1] (1 drags the periphery by about 7 px); ``None`` draws from 0.2-0.6.
    contact:
        Size of the contact area relative to the fingertip, in (0, 1]; ``None`` draws from 0.8-0.95.
    partial:
        Share of the contact area cut away along a random straight edge (a partial print), in [0, 1).
    creases:
        Number of flexion creases / scars drawn across the ridges; ``None`` draws from a Poisson law of mean 1.5.
    pressure:
        Finger pressure in [0, 1]: 0.5 is normal; lighter makes ridges thinner and valleys wider, firmer the
        opposite (the contact area is set by ``contact``).

    Returns
    -------
    SyntheticImpression
    """
    if not isinstance(master, MasterFingerprint):
        raise TypeError(f"master must be a MasterFingerprint, got {type(master).__name__}")
    for name, value in (("dryness", dryness), ("wetness", wetness), ("smudge", smudge), ("blur", blur),
                        ("noise", noise), ("pressure", pressure)):
        _check_unit(name, value)
    if not 0.0 < float(contrast) <= 1.0:
        raise ValueError(f"contrast must be in (0, 1], got {contrast!r}")
    if not 0.0 <= float(partial) < 1.0:
        raise ValueError(f"partial must be in [0, 1), got {partial!r}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed!r}")
    rng = np.random.default_rng(np.random.SeedSequence([master.seed, int(seed), 0x1A7]))
    rotation = float(rng.uniform(-15, 15)) if rotation is None else float(rotation)
    dx, dy = rng.uniform(-20, 20, 2) if translation is None else translation
    shift_xy = (float(dx), float(dy))
    distortion = float(rng.uniform(0.2, 0.6)) if distortion is None else _check_unit("distortion", distortion)
    contact = float(rng.uniform(0.8, 0.95)) if contact is None else float(contact)
    creases = int(rng.poisson(1.5)) if creases is None else int(creases)
    if creases < 0:
        raise ValueError(f"creases must be >= 0, got {creases!r}")
    if not 0.0 < contact <= 1.0:
        raise ValueError(f"contact must be in (0, 1], got {contact!r}")

    geometry = _geometry(master, rng, rotation, shift_xy, distortion)
    map_x, map_y = geometry.inverse_maps()
    ridges = cv2.remap(master.ridges, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                       borderValue=-1.0)
    silhouette = cv2.remap(master.mask.astype(np.uint8), map_x, map_y, cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
    contact_mask = _contact_mask(silhouette, contact, float(partial), rng)
    image = _render_skin(ridges, contact_mask, float(noise), creases, float(pressure), rng)
    effect_seeds = rng.integers(0, 2**31, 3)
    image = degrade.dry(image, dryness, seed=int(effect_seeds[0]))
    image = degrade.wet(image, wetness, seed=int(effect_seeds[1]))
    image = degrade.smudge(image, smudge, seed=int(effect_seeds[2]))
    image = degrade.blur(image, blur)
    image = degrade.reduce_contrast(image, min(1.0, (1.0 - float(contrast)) / 0.9))
    parameters = {
        "rotation": round(rotation, 3), "translation": [round(t, 3) for t in shift_xy],
        "distortion": round(distortion, 4), "contact": round(contact, 4), "partial": float(partial),
        "dryness": float(dryness), "wetness": float(wetness), "smudge": float(smudge), "blur": float(blur),
        "noise": float(noise), "contrast": float(contrast), "creases": creases,
        "pressure": float(pressure),
    }
    return SyntheticImpression(image=image, minutiae=_carry_minutiae(master, geometry, contact_mask),
                               contact_mask=contact_mask, master_seed=master.seed, seed=int(seed),
                               pattern=master.pattern, parameters=parameters)


# ------------------------------------------------------------------------------------------- quality recipes

QUALITY_LEVELS = ("good", "dry", "wet", "smudged", "partial")


def quality_parameters(quality: str, seed: int) -> dict[str, Any]:
    """Capture parameters of one of :data:`QUALITY_LEVELS`, with a seeded spread inside the level.

    ``good`` is a clean capture; ``dry`` and ``wet`` set the matching effect to 0.45-0.7, ``smudged`` to 0.6-0.85;
    ``partial`` keeps 40-60 % of the contact area and shrinks it a little.
    """
    if quality not in QUALITY_LEVELS:
        raise ValueError(f"quality must be one of {QUALITY_LEVELS}, got {quality!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xC0A1]))
    strength = round(float(rng.uniform(0.45, 0.7)), 3)
    if quality == "dry":
        return {"dryness": strength}
    if quality == "wet":
        return {"wetness": strength}
    if quality == "smudged":
        # a smear along the ridges barely shows, so smudging needs a higher strength to read as smudged
        return {"smudge": round(strength + 0.15, 3)}
    if quality == "partial":
        return {"partial": round(float(rng.uniform(0.4, 0.6)), 3), "contact": round(float(rng.uniform(0.7, 0.85)), 3)}
    return {}


def generate_impression(seed: int, quality: str = "good", *, impression: int = 0, pattern: str | None = None,
                        size: tuple[int, int] = (500, 400)) -> SyntheticImpression:
    """One capture of the finger ``seed`` at a named quality level (the recipe the CLI and sample data use).

    Parameters
    ----------
    seed:
        Master seed (the finger).
    quality:
        One of :data:`QUALITY_LEVELS`.
    impression:
        Capture number: different impressions of one finger differ in placement, distortion and noise.
    pattern, size:
        As in :func:`generate_master`.

    Returns
    -------
    SyntheticImpression
    """
    parameters = quality_parameters(quality, seed * 7919 + impression)
    master = generate_master(seed, pattern=pattern, size=size)
    return render_impression(master, impression, **parameters)
