"""Controlled degradations of any grey fingerprint image, for tests and synthetic impressions.

Every function takes a ``uint8`` (H, W) image with dark ridges on a light background at 500 ppi (a
:class:`~cccd_biometrics.images.FingerImage` is accepted too), a ``strength`` in [0, 1] and, when it draws random
numbers, a ``seed``. It returns a new ``uint8`` array of the same shape; the input is never modified.

* ``strength == 0`` returns an identical copy, so a test can sweep 0, 0.25, 0.5 ... and expect quality to fall.
* The same arguments always give the same output (a local ``numpy.random.Generator`` per call, no global state).
* Pixel sizes are those of a 500 ppi capture (ridge period about 9 px).

The effects model what an intake operator sees:

=================== ==============================================================================================
:func:`dry`          ridges thin, light and broken into dots (dry or cold skin, light pressure)
:func:`wet`          ridges thick and dark, valleys filled, dark blotches, on the finger only (wet skin, heavy pressure)
:func:`smudge`       the finger slid: directional smear plus wet merging
:func:`blur`         out of focus / latent-like Gaussian blur
:func:`add_noise`    sensor noise (additive Gaussian)
:func:`reduce_contrast`  flat, washed-out image (contrast compressed toward the mean grey)
:func:`crop`         partial print: part of the finger missing (set to background), image size unchanged
:func:`shift`        finger off-centre: content translated, image size unchanged
=================== ==============================================================================================

:func:`degrade` applies several of them in a fixed, documented order.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ...errors import InvalidImageError

__all__ = [
    "add_noise",
    "blur",
    "crop",
    "degrade",
    "dry",
    "reduce_contrast",
    "shift",
    "smudge",
    "wet",
]

# Largest Gaussian sigma of blur(strength=1), px: 3.5 px erases most of a 9 px ridge period.
_MAX_BLUR_SIGMA = 3.5
# Noise standard deviation at strength 1, grey levels.
_MAX_NOISE_SIGMA = 60.0
# Share of the contrast removed at strength 1 (the image never becomes perfectly flat).
_MAX_CONTRAST_LOSS = 0.9


def _as_grey(image: Any) -> np.ndarray:
    pixels = getattr(image, "pixels", image)
    if not isinstance(pixels, np.ndarray):
        raise InvalidImageError(f"expected a numpy array or FingerImage, got {type(image).__name__}")
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise InvalidImageError(f"expected a uint8 (H, W) grey image, got {pixels.dtype} {pixels.shape}")
    if min(pixels.shape) < 8:
        raise InvalidImageError(f"image too small to degrade: {pixels.shape}")
    return pixels


def _check_strength(strength: float) -> float:
    value = float(strength)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")
    return value


def _levels(pixels: np.ndarray) -> tuple[float, float]:
    """(ink, background): grey levels of the darkest ridges and of the paper/platen."""
    ink, background = np.percentile(pixels, (3.0, 98.0))
    return float(ink), float(max(background, ink + 1.0))


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _smooth_noise(shape: tuple[int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian random field of unit standard deviation with correlation length ``sigma`` px."""
    h, w = shape
    # a wide blur of white noise equals a narrower one at lower resolution, upsampled: much cheaper
    scale = max(1.0, sigma / 2.0)
    small = (max(2, round(h / scale)), max(2, round(w / scale)))
    field: np.ndarray = rng.standard_normal(small, dtype=np.float32)
    field = cv2.GaussianBlur(field, (0, 0), sigma / scale, borderType=cv2.BORDER_REFLECT)
    if small != shape:
        field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)
    return field / max(float(field.std()), 1e-6)


def _morph_ladder(pixels: np.ndarray, strength: float, op: int) -> np.ndarray:
    """Grey dilation (thinner dark ridges) or erosion (thicker ones), interpolated continuously in strength
    between the original, a 3x3 and a 5x5 elliptic structuring element."""
    levels = [pixels.astype(np.float32)]
    for size in (3, 5):
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        levels.append(cv2.morphologyEx(pixels, op, kernel).astype(np.float32))
    position = 2.0 * strength
    low = min(int(position), 1)
    t = position - low
    return (1.0 - t) * levels[low] + t * levels[low + 1]


def _finger_weight(pixels: np.ndarray, ink: float, background: float) -> np.ndarray:
    """Soft mask in [0, 1]: 1 inside the print (dense dark ridges nearby), 0 on the bare platen, so that
    skin effects (moisture, blotches) stay on the finger."""
    dark = (pixels < 0.5 * (ink + background)).astype(np.float32)
    density = cv2.GaussianBlur(dark, (0, 0), 8.0, borderType=cv2.BORDER_REFLECT)
    return np.clip((density - 0.08) * 5.0, 0.0, 1.0)


def _blotch_weight(shape: tuple[int, int], strength: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Soft mask in [0, 1] of random blotches whose area grows with ``strength`` (none at 0)."""
    field = _smooth_noise(shape, sigma, rng)
    threshold = 2.2 - 3.0 * strength
    return np.clip((field - threshold) / 0.6, 0.0, 1.0) * strength


def dry(image: Any, strength: float, *, seed: int = 0) -> np.ndarray:
    """Dry finger: ridges thinner, lighter and broken into fragments.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint, dark ridges on a light background, or a ``FingerImage``.
    strength:
        0 (unchanged) to 1 (ridges mostly reduced to dots and fragments).
    seed:
        Seed of the random breaks.

    Returns
    -------
    numpy.ndarray
        The degraded ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    rng = np.random.default_rng(seed)
    _, background = _levels(pixels)
    out = _morph_ladder(pixels, s, cv2.MORPH_DILATE)
    # fine breaks at the scale of a ridge width, plus coarser patches of missing contact
    breaks = np.maximum(_blotch_weight(pixels.shape, s, 2.0, rng), 0.7 * _blotch_weight(pixels.shape, s, 7.0, rng))
    out = out + (background - out) * np.minimum(1.0, 1.3 * breaks)
    out = background - (background - out) * (1.0 - 0.3 * s)
    return _to_uint8(out)


def wet(image: Any, strength: float, *, seed: int = 0) -> np.ndarray:
    """Wet finger: ridges thicker and darker, valleys filling in, dark blotches where ridges merge.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (large merged dark areas, little valley left).
    seed:
        Seed of the blotches.

    Returns
    -------
    numpy.ndarray
        The degraded ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    rng = np.random.default_rng(seed)
    ink, background = _levels(pixels)
    finger = _finger_weight(pixels, ink, background)
    original = pixels.astype(np.float32)
    swollen = cv2.GaussianBlur(_morph_ladder(pixels, s, cv2.MORPH_ERODE), (0, 0), 0.3 + 1.2 * s)
    # ridges swell only on the skin: eroding bare-platen noise would grey the background
    out = original + (swollen - original) * finger
    blotches = _blotch_weight(pixels.shape, 0.8 * s, 6.0, rng) * finger
    out = out + (ink + 20.0 - out) * np.minimum(1.0, 1.2 * blotches)
    # valleys get darker where the skin is: moisture fills them, the platen sees less air
    out = out - (out - ink) * (0.45 * s) * finger
    return _to_uint8(out)


def smudge(image: Any, strength: float, *, seed: int = 0) -> np.ndarray:
    """Smudged capture: the finger slid during the capture (directional smear) on moist skin.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (smear of about 13 px, one and a half ridge periods, plus wet merging).
    seed:
        Seed of the smear direction and of the wet blotches.

    Returns
    -------
    numpy.ndarray
        The degraded ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    rng = np.random.default_rng(seed)
    angle = float(rng.uniform(0.0, np.pi))
    length = 1.0 + 12.0 * s
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    for t in np.linspace(-length / 2, length / 2, 4 * size):
        kernel[round(c + t * np.sin(angle)), round(c + t * np.cos(angle))] = 1.0
    kernel /= kernel.sum()
    smeared = cv2.filter2D(pixels.astype(np.float32), -1, kernel, borderType=cv2.BORDER_REFLECT)
    return wet(_to_uint8(smeared), 0.6 * s, seed=int(rng.integers(2**31)))


def blur(image: Any, strength: float) -> np.ndarray:
    """Gaussian blur of sigma ``3.5 * strength`` px (out of focus, motion, or a worn platen).

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (sigma 3.5 px: ridges barely visible).

    Returns
    -------
    numpy.ndarray
        The blurred ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    out = cv2.GaussianBlur(pixels.astype(np.float32), (0, 0), _MAX_BLUR_SIGMA * s, borderType=cv2.BORDER_REFLECT)
    return _to_uint8(out)


def add_noise(image: Any, strength: float, *, seed: int = 0) -> np.ndarray:
    """Additive Gaussian sensor noise of standard deviation ``60 * strength`` grey levels.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (sigma 60 grey levels).
    seed:
        Seed of the noise.

    Returns
    -------
    numpy.ndarray
        The noisy ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(pixels.shape, dtype=np.float32) * np.float32(_MAX_NOISE_SIGMA * s)
    return _to_uint8(pixels.astype(np.float32) + noise)


def reduce_contrast(image: Any, strength: float) -> np.ndarray:
    """Compress grey levels toward the image mean by ``1 - 0.9 * strength`` (washed-out capture).

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (a tenth of the original contrast left).

    Returns
    -------
    numpy.ndarray
        The flattened ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    values = pixels.astype(np.float32)
    mean = float(values.mean())
    return _to_uint8(mean + (values - mean) * (1.0 - _MAX_CONTRAST_LOSS * s))


def crop(image: Any, strength: float, *, seed: int = 0) -> np.ndarray:
    """Partial print: the part of the image beyond a random straight edge becomes background.

    The image keeps its size, so measures of the finger area fall while everything else stays comparable.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        Fraction of the image's *dark* (ridge) pixels removed is about ``0.85 * strength``.
    seed:
        Seed of the edge direction.

    Returns
    -------
    numpy.ndarray
        The cropped ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    rng = np.random.default_rng(seed)
    _, background = _levels(pixels)
    angle = float(rng.uniform(0.0, 2.0 * np.pi))
    h, w = pixels.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    projection = xx * np.cos(angle) + yy * np.sin(angle)
    ink_mask = pixels < (pixels.mean() if pixels.std() > 0 else 256)
    reference = projection[ink_mask] if ink_mask.any() else projection.ravel()
    cut = float(np.quantile(reference, 1.0 - 0.85 * s))
    # a soft 3 px edge, like the rim of a real contact area
    keep = np.clip((cut - projection) / 3.0, 0.0, 1.0)
    out = background + (pixels.astype(np.float32) - background) * keep
    return _to_uint8(out)


def shift(image: Any, strength: float, *, angle: float | None = None, seed: int = 0) -> np.ndarray:
    """Off-centre finger: the content moves by ``strength * min(H, W) / 2`` px; the gap becomes background.

    Parameters
    ----------
    image:
        ``uint8`` (H, W) fingerprint or ``FingerImage``.
    strength:
        0 (unchanged) to 1 (moved by half the smaller image side).
    angle:
        Direction of the move in degrees, counter-clockwise from +x with y pointing down (image convention);
        random from ``seed`` when ``None``.
    seed:
        Seed of the direction when ``angle`` is ``None``.

    Returns
    -------
    numpy.ndarray
        The shifted ``uint8`` image.
    """
    pixels = _as_grey(image)
    s = _check_strength(strength)
    if s == 0.0:
        return pixels.copy()
    theta = np.deg2rad(angle) if angle is not None else float(np.random.default_rng(seed).uniform(0, 2 * np.pi))
    distance = s * min(pixels.shape) / 2.0
    dx, dy = distance * np.cos(theta), -distance * np.sin(theta)
    _, background = _levels(pixels)
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], dtype=np.float64)
    out = cv2.warpAffine(pixels, matrix, (pixels.shape[1], pixels.shape[0]), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=round(background))
    return out


def degrade(
    image: Any,
    *,
    dryness: float = 0.0,
    wetness: float = 0.0,
    smudging: float = 0.0,
    blurring: float = 0.0,
    noise: float = 0.0,
    contrast_loss: float = 0.0,
    cropping: float = 0.0,
    shifting: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """Apply several degradations in a fixed order: shift, crop, dry, wet, smudge, blur, contrast, noise.

    Each strength is in [0, 1] and means what it means in the single-effect function of the same family.
    Each effect draws from its own seed derived from ``seed``, so raising one strength does not change the
    random pattern of another.

    Returns
    -------
    numpy.ndarray
        The degraded ``uint8`` image.
    """
    out = _as_grey(image).copy()
    seeds = np.random.SeedSequence(seed).generate_state(8)
    steps = (
        (shifting, lambda im, s: shift(im, s, seed=int(seeds[0]))),
        (cropping, lambda im, s: crop(im, s, seed=int(seeds[1]))),
        (dryness, lambda im, s: dry(im, s, seed=int(seeds[2]))),
        (wetness, lambda im, s: wet(im, s, seed=int(seeds[3]))),
        (smudging, lambda im, s: smudge(im, s, seed=int(seeds[4]))),
        (blurring, blur),
        (contrast_loss, reduce_contrast),
        (noise, lambda im, s: add_noise(im, s, seed=int(seeds[5]))),
    )
    for strength, effect in steps:
        if _check_strength(strength) > 0.0:
            out = effect(out, strength)
    return out
