"""A slap compositor: single fingertip impressions placed as a hand on a platen, with the truth known.

No real slap set with examiner ground truth can be obtained here, so slaps for tests, benchmarks and sample data
are *composed*: four (or two) fingertip impressions — from a dev database or from
:mod:`cccd_biometrics.fingerprint.synthetic` — are laid along the arc of a hand (the middle finger's tip
highest, the little finger's lowest), spread a little, spaced (from touching to a finger apart), rotated as a
whole (+-45 degrees), pressed harder or lighter (contrast), some only partly in contact, on a platen background
with sensor noise, uneven illumination and, sometimes, a faint latent print left by an earlier capture. Each
finger's box and position code are known.

This is test tooling (the pipeline never imports it). What it cannot show about real slaps: the whole fingers
and the palm's upper edge (only fingertips are placed), real skin deformation of a four-finger press, halo and
moisture between touching fingers, and the statistics of real hand placement.

>>> slap = compose_slap({2: a, 3: b, 4: c, 5: d}, 13, seed=7)       # doctest: +SKIP
>>> slap.image.shape, [f.position for f in slap.fingers]            # doctest: +SKIP
((1500, 1600), [2, 3, 4, 5])
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .._shared.jsonsafe import json_safe
from ..images import FingerImage
from ..io.encode import save_image
from .analysis import analyze_fingerprint
from .capture import load_fingerprint
from .slap import DISTAL_LENGTH_RATIO, SLAP_FINGERS, tip_corners
from .synthetic import generate_master, render_impression

__all__ = ["ERROR_KINDS", "ComposedFinger", "ComposedRecord", "ComposedSlap", "compose_record", "compose_slap",
           "fingertip_crop"]

SLAP_SIZE = (1500, 1600)
"""(H, W) of a slap at 500 ppi: 3.0 x 3.2 inches, the ANSI/NIST-ITL plain four-finger capture area."""

# tip height along the hand (fraction of the mean fingertip height) and spread (degrees clockwise), by finger
_ARC = {"index": 0.7, "middle": 1.0, "ring": 0.85, "little": 0.35, "thumb": 0.5}
_SPREAD = {"index": -6.0, "middle": 0.0, "ring": 5.0, "little": 11.0, "thumb": 12.0}
_MEAN_GAP = 0.12
"""Mean gap between fingertips, in fingertip widths (the four-finger slap's gaps are drawn from -0.06 to 0.3)."""
_NAMES = {1: "thumb", 2: "index", 3: "middle", 4: "ring", 5: "little",
          6: "thumb", 7: "index", 8: "middle", 9: "ring", 10: "little"}


@dataclass(frozen=True, eq=False)
class ComposedFinger:
    """The truth of one placed finger: position code, fingertip box corners (x, y) and axis angle (degrees
    clockwise from image-up); corners in the order of :class:`~.slap.SlapSegment`."""

    position: int
    corners: np.ndarray
    angle: float

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "corners": np.round(self.corners, 1).tolist(),
                "angle": round(self.angle, 2)}


@dataclass(frozen=True, eq=False)
class ComposedSlap:
    """A composed slap: ``image`` (uint8, 500 ppi), its ``position`` code, the placed ``fingers`` and the
    drawn ``parameters``."""

    image: np.ndarray = field(repr=False)
    position: int
    fingers: tuple[ComposedFinger, ...]
    parameters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"position": self.position, "height": int(self.image.shape[0]),
                          "width": int(self.image.shape[1]), "fingers": [f.to_dict() for f in self.fingers],
                          "parameters": self.parameters})


def fingertip_crop(image: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A fingertip impression cut to its foreground (the project's segmentation when no mask is given)."""
    image = np.asarray(image, dtype=np.uint8)
    if mask is None:
        mask = analyze_fingerprint(FingerImage(pixels=image.copy())).mask
    mask = np.asarray(mask, dtype=bool)
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return image, np.ones(image.shape, bool)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return image[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _fingertip_silhouette(mask: np.ndarray) -> np.ndarray:
    """The crop's foreground within a fingertip outline: sensor windows cut prints to rectangles, a finger
    on a platen touches in a rounded shape (an ellipse as wide as the crop, rounded at the tip)."""
    h, w = mask.shape
    outline = np.zeros((h, w), np.uint8)
    cv2.ellipse(outline, (int(w / 2), int(0.6 * h)), (int(w / 2), int(0.6 * h)), 0, 0, 360, 1, -1)
    return mask & outline.astype(bool)


def _partial(mask: np.ndarray, keep: float, rng: np.random.Generator) -> np.ndarray:
    """Cut the contact area along a straight edge from below or a side, keeping about ``keep`` of it."""
    ys, xs = np.nonzero(mask)
    angle = rng.uniform(math.pi / 4, 3 * math.pi / 4) + (0 if rng.random() < 0.7 else math.pi / 2)
    d = xs * math.cos(angle) + ys * math.sin(angle)
    cut = np.quantile(d, keep)
    out = mask.copy()
    out[ys[d > cut], xs[d > cut]] = False
    return out


def _ridge_band(image: np.ndarray) -> np.ndarray:
    """The ridge band of an image: a difference of Gaussians (1 and 4 px) that keeps ridges of period 6-20 px
    at 500 ppi and drops illumination and most pixel noise."""
    f = image.astype(np.float32)
    return cv2.GaussianBlur(f, (0, 0), 1.0) - cv2.GaussianBlur(f, (0, 0), 4.0)


def _band_amplitude(band: np.ndarray) -> np.ndarray:
    """Local RMS of a ridge-band image over about two ridge periods."""
    return np.sqrt(cv2.GaussianBlur(band * band, (0, 0), 8.0))


@functools.cache
def _noise_gain() -> float:
    """RMS of the ridge band of unit white noise (the platen noise's share of the band)."""
    noise = np.random.default_rng(0).normal(0.0, 1.0, (256, 256)).astype(np.float32)
    return float(np.sqrt(np.mean(_ridge_band(noise)[16:-16, 16:-16] ** 2)))


def _visible(crop: np.ndarray, mask: np.ndarray, contrast: float, level: float, noise: float) -> np.ndarray:
    """The part of the contact whose ridges stand out of the platen noise once placed: the ridge-band amplitude
    of the placed print at least that of the noise (``noise`` grey levels RMS).

    The print is placed darkening only (:func:`_place`): where its ink is lighter than the platen (``level``)
    nothing shows, so a faint print (FVC2000 DB1 most of all, its ridges fading towards the rim) pressed lightly
    shows only its core; a box around the whole contact would ask a segmenter for what the slap does not show.
    The ridge signal is rendered without noise, so every part of it that clears the noise is real ridges; a
    noiseless platen keeps the whole contact. A print with no part that clears the noise is not shown at all (an
    empty mask; before 2026-12-07 its whole contact was taken as the truth, a finger the slap does not show).
    """
    if noise <= 0:
        return mask
    placed = np.minimum(np.float32(level), 255.0 - _ink(crop, mask, contrast))
    strong = (_band_amplitude(_ridge_band(placed)) >= noise * _noise_gain()) & mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    seen = cv2.morphologyEx(strong.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool) & mask
    return seen


def _background(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    h, w = shape
    level = float(rng.uniform(205, 250))
    noise = float(rng.uniform(1.5, 7.0))
    shading = cv2.resize(rng.normal(0, 1, (4, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    amp = float(rng.uniform(0, 12))
    bg = level + amp * shading + rng.normal(0, noise, (h, w)).astype(np.float32)
    return bg, {"background": round(level, 1), "noise": round(noise, 2), "shading": round(amp, 2)}


def _layout(sizes: list[tuple[int, int]], names: list[str], rng: np.random.Generator, position: int,
            skipped: list[int] | None = None) -> tuple[list[np.ndarray], list[float], list[float]]:
    """Centres (x across, y up) in the hand frame, spread angles and gaps of the fingers, left to right.

    The fingers of a hand fan out from the palm: on the right slap (index on the left) the index leans left and
    the little finger right; the left slap is its mirror image (little finger on the left, leaning left), so its
    spreads change sign. The two thumbs lean towards each other (tips converging). ``skipped[k]`` fingers of
    the slap are not placed between finger ``k - 1`` and ``k``: the others stay where they are on the hand, so
    each leaves its place (a mean fingertip width and gap) empty."""
    thumbs = position == 15
    heights = np.array([s[0] for s in sizes], float)
    widths = np.array([s[1] for s in sizes], float)
    mean_h = float(heights.mean())
    spreads, gaps, centres = [], [], []
    x = 0.0
    for k, name in enumerate(names):
        if k:
            gap = float(rng.uniform(120, 320)) if thumbs else float(rng.uniform(-0.06, 0.3)) * widths[k]
            gaps.append(gap)
            x += (widths[k - 1] + widths[k]) / 2 + gap
            if skipped and skipped[k]:
                # before 2026-12-07 the fingers beside a lifted one closed up as if it did not exist
                x += skipped[k] * (1.0 + _MEAN_GAP) * float(widths.mean())
        # before 2026-12-07 the left slap took the right hand's signs: its fingers converged towards the tips
        mirror = (thumbs and k == 1) or position == 14
        spread = _SPREAD[name] * (-1 if mirror else 1)
        spreads.append(spread + float(rng.uniform(-3, 3)))
        tip = (_ARC[name] + float(rng.uniform(-0.08, 0.08))) * 0.45 * mean_h
        centres.append(np.array([x, tip - heights[k] / 2]))
    return centres, spreads, gaps


def _place(canvas: np.ndarray, crop: np.ndarray, mask: np.ndarray, centre: np.ndarray, angle: float,
           contrast: float) -> np.ndarray:
    """Draw ``crop`` rotated by ``angle`` (deg clockwise) centred at ``centre``; returns the affine map."""
    h, w = crop.shape
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -angle, 1.0)
    m[:, 2] += centre - np.array([(w - 1) / 2, (h - 1) / 2])
    ink = _ink(crop, mask, contrast)
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpAffine(ink, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    np.minimum(canvas, 255.0 - warped, out=canvas, where=warped > 0)
    return m


def _ink(crop: np.ndarray, mask: np.ndarray, contrast: float) -> np.ndarray:
    """How much a print darkens the platen where it touches (0 elsewhere)."""
    return (255.0 - crop.astype(np.float32)) * contrast * mask


def _placed_points(mask: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(x, y) on the slap of a crop's mask pixels, under the affine map ``m`` of :func:`_place`."""
    ys, xs = np.nonzero(mask)
    return np.column_stack([xs, ys]).astype(np.float64) @ m[:, :2].T + m[:, 2]


def _truth_boxes(placed: list[tuple[np.ndarray, float]]) -> list[np.ndarray]:
    """Fingertip boxes of the placed contact pixels, by the rule of :func:`~.slap.segment_slap`: across the
    finger's axis the whole contact, along it from the tip at most DISTAL_LENGTH_RATIO median finger widths."""
    frames = []
    for pts, angle in placed:
        t = math.radians(angle)
        along = np.array([math.sin(t), -math.cos(t)])
        across = np.array([-along[1], along[0]])
        u, v = pts @ across, pts @ along
        frames.append((along, u.min(), u.max() + 1, v.min(), v.max() + 1))
    tip_length = DISTAL_LENGTH_RATIO * float(np.median([f[2] - f[1] for f in frames]))
    return [tip_corners(along, u0, u1, v0, v1, tip_length) for along, u0, u1, v0, v1 in frames]


def compose_slap(prints: Mapping[int, np.ndarray | tuple[np.ndarray, np.ndarray]], position: int, *, seed: int,
                 rotation: float | None = None, size: tuple[int, int] = SLAP_SIZE, partial_rate: float = 0.25,
                 latent_rate: float = 0.2, flat_background: bool = False) -> ComposedSlap:
    """Compose a slap from fingertip impressions, with the truth.

    Parameters
    ----------
    prints:
        Finger position -> fingertip image (uint8, 500 ppi, dark ridges) or ``(image, mask)``; positions must
        belong to the slap (2-5 for 13, 7-10 for 14, 1 and 6 for 15). A position left out is a finger not
        placed (an incomplete slap). Images are cut to their foreground first (:func:`fingertip_crop`).
    position:
        13, 14 or 15.
    seed:
        Fixes every random choice.
    rotation:
        Whole-hand rotation in degrees clockwise; drawn from +-45 when None.
    size:
        (H, W) of the platen; grown when the hand does not fit.
    partial_rate, latent_rate:
        Probability that a finger touches only partly, and that a faint latent print is on the platen.
    flat_background:
        A clean, even platen (grey 240, no noise, shading or latent): small files for sample data.

    Returns
    -------
    ComposedSlap
    """
    if position not in SLAP_FINGERS:
        raise ValueError(f"slap position must be 13, 14 or 15, got {position!r}")
    order = [p for p in SLAP_FINGERS[position] if p in prints]
    unknown = set(prints) - set(SLAP_FINGERS[position])
    if unknown or not order:
        raise ValueError(f"slap {position} holds positions {SLAP_FINGERS[position]}, got {sorted(prints)}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(position), 0x51A9]))
    theta = float(rng.uniform(-45, 45)) if rotation is None else float(rotation)
    crops, masks, partial = [], [], []
    for p in order:
        item = prints[p]
        crop, mask = fingertip_crop(*item) if isinstance(item, tuple) else fingertip_crop(item)
        mask = _fingertip_silhouette(mask)
        cut = rng.random() < partial_rate
        partial.append(round(float(rng.uniform(0.55, 0.85)), 3) if cut else 1.0)
        if cut:
            mask = _partial(mask, partial[-1], rng)
        crops.append(crop)
        masks.append(mask)
    names = [_NAMES[p] for p in order]
    full = SLAP_FINGERS[position]
    skipped = [0] + [full.index(b) - full.index(a) - 1 for a, b in itertools.pairwise(order)]
    centres, spreads, gaps = _layout([c.shape for c in crops], names, rng, position, skipped)
    t = math.radians(theta)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    # hand frame (x across, y up) -> image offsets (x right, y down), rotated clockwise by theta
    offsets = [rot @ np.array([c[0], -c[1]]) for c in centres]
    offsets = [o - np.mean(offsets, axis=0) for o in offsets]
    reach = max(float(np.hypot(*c.shape)) for c in crops) / 2 + 20
    ext = np.abs(np.array(offsets)).max(axis=0) + reach
    h = max(size[0], math.ceil(2 * ext[1]))
    w = max(size[1], math.ceil(2 * ext[0]))
    slack = np.maximum(np.array([w, h]) / 2 - ext, 0)
    centre = np.array([w, h]) / 2 + rng.uniform(-1, 1, 2) * slack * 0.8
    canvas, params = _background((h, w), rng)
    if flat_background:
        canvas, params, latent_rate = np.full((h, w), 240.0, np.float32), {"background": 240.0}, 0.0
    contrasts = [round(float(rng.uniform(0.5, 1.0)), 3) for _ in order]
    if rng.random() < latent_rate:
        k = int(rng.integers(len(crops)))
        ghost = centre + rng.uniform(-0.45, 0.45, 2) * np.array([w, h])
        _place(canvas, crops[k], masks[k], ghost, float(rng.uniform(-90, 90)), 0.1)
        params["latent"] = True
    placed = []
    for k in range(len(order)):
        angle = theta + spreads[k]
        m = _place(canvas, crops[k], masks[k], centre + offsets[k], angle, contrasts[k])
        # the truth is the contact the slap shows (before 2026-12-07: the whole contact, however faint)
        seen = _visible(crops[k], masks[k], contrasts[k], float(params["background"]), float(params.get("noise", 0)))
        placed.append((_placed_points(seen, m), angle))
    # a finger pressed so lightly that no part of it clears the platen noise is not in the slap: the slap is
    # incomplete in truth (``parameters["unseen"]``), as it would be with the finger lifted
    shown = [k for k, (pts, _) in enumerate(placed) if len(pts)]
    fingers = [ComposedFinger(position=order[k], corners=box, angle=placed[k][1]) for k, box in
               zip(shown, _truth_boxes([placed[k] for k in shown]) if shown else [], strict=True)]
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    params.update({"rotation": round(theta, 2), "spreads": [round(s, 2) for s in spreads],
                   "gaps": [round(float(g), 1) for g in gaps], "contrast": contrasts, "partial": partial,
                   "size": [h, w], "unseen": [order[k] for k in range(len(order)) if k not in shown]})
    return ComposedSlap(image=image, position=position, fingers=tuple(fingers), parameters=params)


# ------------------------------------------------------------------------------------ records with planted errors

ERROR_KINDS = ("clean", "duplicate", "swap", "hand_swap", "missing", "incomplete_slap")
"""Errors :func:`compose_record` can plant (``clean`` plants none)."""


@dataclass(frozen=True, eq=False)
class ComposedRecord:
    """Ten individually captured fingers and three composed slaps of one "citizen", with a planted error.

    ``positions`` are those the error concerns: ``(i, j)`` for a duplicate (finger ``i`` captured again as
    ``j``) and a swap, the missing finger, or ``(slap, finger)`` for an incomplete slap; empty when clean,
    all ten for a hand swap.
    """

    fingers: dict[int, np.ndarray] = field(repr=False)
    slaps: dict[int, ComposedSlap] = field(repr=False)
    error: str
    positions: tuple[int, ...]


def compose_record(individual: Mapping[int, np.ndarray], slap_prints: Mapping[int, np.ndarray],
                   spare: Mapping[int, np.ndarray], error: str, *, seed: int, flat_background: bool = False
                   ) -> ComposedRecord:
    """Compose a test record: fingers, slaps, and one planted error.

    Parameters
    ----------
    individual:
        Position (1-10) -> the individually captured impression.
    slap_prints:
        Position -> another impression of the same finger, placed in the slaps.
    spare:
        Position -> a third impression (the duplicate planted at another position).
    error:
        One of :data:`ERROR_KINDS`.
    seed:
        Fixes the slaps' composition and which positions the error touches.
    flat_background:
        Passed to :func:`compose_slap`.
    """
    if error not in ERROR_KINDS:
        raise ValueError(f"error must be one of {ERROR_KINDS}, got {error!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xE7A0]))
    fingers = {p: individual[p] for p in range(1, 11)}
    positions: tuple[int, ...] = ()
    dropped: dict[int, int] = {}
    if error == "duplicate":
        i, j = (int(v) for v in rng.choice(np.arange(1, 11), 2, replace=False))
        fingers[j] = spare[i]
        positions = (i, j)
    elif error == "swap":
        hand = int(rng.integers(2)) * 5
        i, j = sorted(int(v) + hand for v in rng.choice(np.arange(1, 6), 2, replace=False))
        fingers[i], fingers[j] = fingers[j], fingers[i]
        positions = (i, j)
    elif error == "hand_swap":
        for p in range(1, 6):
            fingers[p], fingers[p + 5] = individual[p + 5], individual[p]
        positions = tuple(range(1, 11))
    elif error == "missing":
        p = int(rng.integers(1, 11))
        del fingers[p]
        positions = (p,)
    elif error == "incomplete_slap":
        slap = int(rng.choice([13, 14]))
        finger = int(rng.choice(SLAP_FINGERS[slap]))
        dropped[slap] = finger
        positions = (slap, finger)
    slaps = {}
    for pos in (13, 14, 15):
        prints = {p: slap_prints[p] for p in SLAP_FINGERS[pos] if dropped.get(pos) != p}
        slaps[pos] = compose_slap(prints, pos, seed=int(rng.integers(2**31)), flat_background=flat_background)
    return ComposedRecord(fingers=fingers, slaps=slaps, error=error, positions=positions)


# ------------------------------------------------------------------------------------------ sample citizens


def _quantised(pixels: np.ndarray, levels: int = 16) -> np.ndarray:
    """Grey levels reduced to ``levels`` (small PNG files; ridges and valleys stay far apart)."""
    step = 256 // levels
    return (pixels // step * step + step // 2).astype(np.uint8)


def write_citizen(folder: str | Path, *, seed: int, plant: tuple[str, ...] = (),
                  portrait: str | Path | None = None) -> dict[str, Any]:
    """Write a synthetic citizen (ten fingers, three slaps, manifest.json) made with the project's generator.

    ``portrait`` is an existing portrait file, copied into the folder (a record folder is self-contained).

    ``plant`` may hold ``"duplicate"`` (finger 2 captured again as 7) and ``"swap"`` (fingers 3 and 4
    exchanged). Images are 500 ppi PNG with 16 grey levels on a flat platen, so the folder stays small.
    Returns the manifest; what was planted and the slaps' truth boxes go to ``truth.json`` beside it.
    """

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    masters = [generate_master(seed + k, size=(420, 340)) for k in range(10)]
    imp = {p: [render_impression(masters[p - 1], i, noise=0.02).image for i in range(3)] for p in range(1, 11)}
    individual = {p: imp[p][0] for p in range(1, 11)}
    truth: dict[str, Any] = {"seed": seed, "planted": []}
    if "duplicate" in plant:
        individual[7] = imp[2][2]
        truth["planted"].append({"error": "duplicate", "positions": [2, 7],
                                 "note": "position 7 holds another impression of finger 2"})
    if "swap" in plant:
        individual[3], individual[4] = individual[4], individual[3]
        truth["planted"].append({"error": "swap", "positions": [3, 4]})
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A3]))
    manifest: dict[str, Any] = {"fingers": {}, "slaps": {}, "absent": {}}
    for p, pixels in individual.items():
        name = f"finger_{p:02d}.png"
        save_image(load_fingerprint(_quantised(pixels), ppi=500), out / name, ppi=500)
        manifest["fingers"][str(p)] = name
    for pos in (13, 14, 15):
        prints = {p: imp[p][1] for p in SLAP_FINGERS[pos]}
        slap = compose_slap(prints, pos, seed=int(rng.integers(2**31)), rotation=float(rng.uniform(-25, 25)),
                            partial_rate=0.0, flat_background=True)
        name = f"slap_{pos}.png"
        save_image(load_fingerprint(_quantised(slap.image), ppi=500), out / name, ppi=500)
        manifest["slaps"][str(pos)] = name
        truth[f"slap_{pos}"] = slap.to_dict()
    if portrait is not None:
        name = "portrait" + Path(portrait).suffix.lower()
        shutil.copyfile(portrait, out / name)
        manifest["portrait"] = name
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out / "truth.json").write_text(json.dumps(json_safe(truth), indent=1) + "\n")
    return manifest


if __name__ == "__main__":  # pragma: no cover - regenerates sample_data/enrolment
    import sys

    base = Path(sys.argv[1] if len(sys.argv) > 1 else "sample_data/enrolment")
    write_citizen(base / "citizen_clean", seed=5100, portrait=base / "../portraits/frl_london_024_neutral.jpg")
    write_citizen(base / "citizen_errors", seed=5200, plant=("duplicate", "swap"),
                  portrait=base / "../portraits/frl_london_042_neutral.jpg")
