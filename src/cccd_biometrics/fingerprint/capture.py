"""Fingerprint capture: :func:`load_fingerprint` decodes a file and brings the print to 500 ppi.

Resolution
    Fingerprint resolution matters: every measure assumes 500 ppi ridge spacing. The ppi comes, in this
    order, from the caller, from the file's metadata when it is plausible for a fingerprint sensor, or from
    the ridge period measured in the image (:func:`estimate_ppi`). Placeholder values written by imaging
    software (1, 72, 96, 150 or 300 dpi) are not trusted.

Estimating the resolution from the ridge period
    Friction-ridge spacing is a biological constant to within about ±20 %: the mean inter-ridge distance of adult
    fingers is about 0.45 mm, i.e. 8.9 px at 500 ppi. When a file carries no usable resolution (FVC TIFFs say
    1 dpi, SOCOFing BMPs 96 dpi), the dominant spatial frequency of the ridge pattern tells the ppi.

    How: the image is cut into overlapping tiles; the most textured ones (up to 16, spread over the image) are
    windowed and Fourier transformed; in each tile the strongest peak of the whitened 2-D power spectrum between
    periods of 2.5 and 24 px gives that tile's ridge period (sub-bin accuracy from a parabola fitted to the log
    power); the median over tiles is the image's period. A per-tile peak is robust where an averaged spectrum is
    not: smudges, scars and the finger's outline spread their energy over many frequencies, ridges concentrate it
    in one spot.

    Limits: the period differs between fingers and people (between-finger spread about 11 % on FVC and SOCOFing,
    against 4 % between impressions of one finger), so a single image's ppi is only known to about ±20 %. Estimates
    near 500 are therefore snapped to 500: only clearly different resolutions (a downscaled image at ~170 ppi, a
    1000 ppi scan) are acted upon, and 569 ppi (FVC2002 DB2) cannot be told from 500. The caller can always pass
    ``ppi=`` explicitly.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from ..errors import ImageTooSmallError
from ..images import WORKING_PPI, FingerImage
from ..io.decode import (
    MAX_PIXELS,
    ImageSource,
    array_to_gray,
    check_array_size,
    checked_ppi,
    decode_image,
    describe_source,
    gray_pixels,
)

__all__ = [
    "MIN_FINGER_SIZE",
    "REFERENCE_PERIOD_PX",
    "SNAP_RANGE",
    "estimate_ppi",
    "estimate_ridge_period",
    "fingerprint_from_decoded",
    "load_fingerprint",
    "resample_to_working_ppi",
]

REFERENCE_PERIOD_PX = 8.9
"""Median ridge period, in pixels, that this estimator measures on 500 ppi plain prints.

Measured on the 400 real-finger images of FVC2000 DB1-3 and FVC2002 DB1, DB3 (synthetic DB4 and the
569 ppi FVC2002 DB2 excluded): ``python benchmarks/ppi_survey.py`` prints it.
"""

SNAP_RANGE = (330.0, 800.0)
"""Estimates inside this range are reported as 500 ppi: ridge spacing alone cannot resolve them."""

MAX_TILES = 16
"""Tiles analysed per image (spread over the textured part); bounds the time on large images."""

_MIN_PERIOD, _MAX_PERIOD = 2.5, 24.0
_MIN_CYCLES = 3.0  # a tile must hold this many ridge periods for its spectral peak to mean anything
_MIN_TILE_STD = 4.0  # grey levels: below this a tile is blank
_MIN_PROMINENCE = 4.0  # peak over mean whitened power in the band
_MIN_GOOD_TILES = 3


def _tile_size(shape: tuple[int, ...]) -> int:
    # small images get small tiles so that some lie inside the finger and away from the frame
    return 64 if min(shape) >= 192 else 32


def _textured_tiles(g: np.ndarray, tile: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Top-left corners of the most textured half of a half-overlapping tile grid (at most MAX_TILES)."""
    step = tile // 2
    nby, nbx = g.shape[0] // step, g.shape[1] // step
    crop = g[: nby * step, : nbx * step]
    # block means by area resampling; a tile is 2x2 blocks
    mean = cv2.resize(crop, (nbx, nby), interpolation=cv2.INTER_AREA).astype(np.float64)
    mean_sq = cv2.resize(crop * crop, (nbx, nby), interpolation=cv2.INTER_AREA).astype(np.float64)
    m = (mean[:-1, :-1] + mean[1:, :-1] + mean[:-1, 1:] + mean[1:, 1:]) / 4.0
    m2 = (mean_sq[:-1, :-1] + mean_sq[1:, :-1] + mean_sq[:-1, 1:] + mean_sq[1:, 1:]) / 4.0
    std = np.sqrt(np.maximum(m2 - m * m, 0.0)).ravel()
    if std.size == 0 or float(std.max()) < _MIN_TILE_STD:
        return None
    keep = np.sort(np.argsort(-std, kind="stable")[: (std.size + 1) // 2])
    if keep.size > MAX_TILES:  # evenly spread in raster order rather than the top few, which cluster
        keep = keep[np.linspace(0, keep.size - 1, MAX_TILES).round().astype(np.int64)]
    iy, ix = np.divmod(keep, nbx - 1)
    return iy * step, ix * step


def _power_spectra(g: np.ndarray, ys: np.ndarray, xs: np.ndarray, tile: int) -> np.ndarray:
    """Half-plane power spectra of the mean-removed, Hann-windowed tiles, laid out like ``numpy.fft.rfft2``.

    OpenCV's packed real transform (CCS) is several times faster than its complex output; it is unpacked
    here into shape (n, tile, tile // 2 + 1).
    """
    window = cv2.createHanningWindow((tile, tile), cv2.CV_32F)
    packed = np.empty((ys.size, tile, tile), np.float32)
    for i, (y, x) in enumerate(zip(ys, xs, strict=True)):
        t = g[y : y + tile, x : x + tile]
        packed[i] = cv2.dft((t - float(t.mean())) * window)
    half = tile // 2
    power = np.empty((ys.size, tile, half + 1), np.float32)
    # columns 1 .. half-1: (re, im) pairs for every row frequency
    power[:, :, 1:half] = packed[:, :, 1:-1:2] ** 2 + packed[:, :, 2:-1:2] ** 2
    # columns 0 and half: 1-D CCS along the rows (re0, re1, im1, ..., re_half)
    for col, src in ((0, 0), (half, tile - 1)):
        c = packed[:, :, src]
        pos = c[:, 1:-1:2] ** 2 + c[:, 2:-1:2] ** 2  # row frequencies 1 .. half-1
        power[:, 0, col] = c[:, 0] ** 2
        power[:, half, col] = c[:, -1] ** 2
        power[:, 1:half, col] = pos
        power[:, half + 1 :, col] = pos[:, ::-1]
    return power


def _parabola_offset(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    den = a - 2.0 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < 0, 0.5 * (a - c) / den, 0.0)
    return np.clip(off, -0.5, 0.5)


def _tile_periods(power: np.ndarray, tile: int) -> tuple[np.ndarray, np.ndarray]:
    """Per tile: period (px) of the strongest whitened spectral peak, and that peak's prominence."""
    fy = (np.fft.fftfreq(tile) * tile)[:, None]
    fx = np.arange(tile // 2 + 1, dtype=np.float64)[None, :]
    r2 = (fy * fy + fx * fx).astype(np.float32)
    radius = np.sqrt(r2)
    # one half-plane (the spectrum of a real tile is symmetric): fx > 0, or fx == 0 and fy > 0
    band = (radius >= max(tile / _MAX_PERIOD, _MIN_CYCLES)) & (radius <= tile / _MIN_PERIOD) & ((fx > 0) | (fy > 0))
    # whitening by f^2 flattens the 1/f^2 fall-off of shading and smudges, so the ridge peak stands out
    n, width = power.shape[0], power.shape[2]
    in_band = (power * np.where(band, r2, 0.0).astype(np.float32)).reshape(n, -1)
    j = in_band.argmax(axis=1)
    py, px = np.divmod(j, width)
    rows = np.arange(n)
    prominence = in_band[rows, j] / np.maximum(in_band.sum(axis=1) / band.sum(), 1e-12)

    def log_whitened(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        yy = np.where(xx < 0, -yy, yy) % tile  # P(fy, -1) = P(-fy, 1)
        xx = np.abs(xx)
        return np.log(power[rows, yy, xx] + 1e-6)

    centre = log_whitened(py, px)
    dy = _parabola_offset(log_whitened(py - 1, px), centre, log_whitened(py + 1, px))
    dx = _parabola_offset(log_whitened(py, px - 1), centre, log_whitened(py, px + 1))
    radius_at_peak = np.hypot(fy[py, 0] + dy, fx[0, px] + dx)
    with np.errstate(divide="ignore"):  # a tile without power in the band peaks at 0: no period, no prominence
        periods = np.where(radius_at_peak > 0, tile / np.maximum(radius_at_peak, 1e-12), np.inf)
    return periods, prominence


def estimate_ridge_period(gray: np.ndarray, *, min_prominence: float = _MIN_PROMINENCE) -> float | None:
    """Dominant ridge period (pixels) of a grayscale fingerprint, or ``None`` if there is no ridge pattern.

    Parameters
    ----------
    gray:
        2-D image, any real dtype (dark or light ridges alike).
    min_prominence:
        A tile counts only when its spectral peak is this many times the mean whitened power of the band.

    Returns
    -------
    float or None
        Median over the textured tiles of each tile's spectral-peak period; ``None`` for images smaller than
        32 px, blank images, or fewer than 3 tiles with a prominent peak.
    """
    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {g.shape}")
    tile = _tile_size(g.shape)
    if min(g.shape) < tile:
        return None
    corners = _textured_tiles(g, tile)
    if corners is None:
        return None
    periods, prominence = _tile_periods(_power_spectra(g, *corners, tile), tile)
    good = periods[prominence >= min_prominence]
    if good.size < _MIN_GOOD_TILES:
        return None
    return float(np.median(good))


def estimate_ppi(gray: np.ndarray, *, snap: bool = True) -> float | None:
    """Resolution implied by the ridge period, rounded to 10 ppi; ``None`` if it cannot be measured.

    Parameters
    ----------
    gray:
        2-D grayscale fingerprint image.
    snap:
        Report estimates within :data:`SNAP_RANGE` as exactly 500.0 (ridge spacing cannot tell them apart).

    Returns
    -------
    float or None
        ``500 * period / REFERENCE_PERIOD_PX`` rounded to 10 ppi and clipped to 100-2000 ppi.
    """
    period = estimate_ridge_period(gray)
    if period is None:
        return None
    ppi = 500.0 * period / REFERENCE_PERIOD_PX
    if snap and SNAP_RANGE[0] <= ppi <= SNAP_RANGE[1]:
        return 500.0
    return float(np.clip(round(ppi / 10.0) * 10.0, 100.0, 2000.0))


# ------------------------------------------------------------------------------------------- loading

MIN_FINGER_SIZE = 64
"""Smallest fingerprint side, in pixels at 500 ppi (3.3 mm): anything smaller cannot hold a finger."""


PLACEHOLDER_DPI = frozenset({1, 72, 96, 150, 300})
"""dpi values that imaging software writes by default; they say nothing about a fingerprint sensor."""


PLAUSIBLE_PPI = (250.0, 2000.0)
"""Metadata resolutions outside this range are ignored (estimated instead)."""


def _metadata_ppi(im: Image.Image) -> float | None:
    """The file's resolution when it is plausible for a fingerprint sensor, else ``None``.

    Only a ``dpi`` with a unit counts: a unit-less TIFF ``resolution`` is an aspect ratio.
    """
    dpi: Any = im.info.get("dpi")
    try:
        x = float(dpi[0]) if isinstance(dpi, (tuple, list)) else float(dpi)
    except (TypeError, ValueError, IndexError):
        return None
    if not np.isfinite(x) or round(x) in PLACEHOLDER_DPI:
        return None
    if not (PLAUSIBLE_PPI[0] <= x <= PLAUSIBLE_PPI[1]):
        return None
    return round(x, 1)  # PNG stores pixels per metre: 500 dpi comes back as 499.999


def resample_to_working_ppi(pixels: np.ndarray, ppi: float) -> np.ndarray:
    """Resample a grayscale fingerprint from ``ppi`` to 500 ppi.

    Area averaging when shrinking (an anti-aliasing box filter: fine ridges do not alias into false
    patterns), bicubic interpolation when enlarging. Within 1 % of 500 ppi the image is returned unchanged.
    """
    factor = WORKING_PPI / float(ppi)
    if abs(factor - 1.0) < 0.01:
        return pixels
    h, w = pixels.shape
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(pixels, size, interpolation=interp)


def _decide_ppi(gray: np.ndarray, ppi: Any, meta_ppi: float | None, estimate: bool, name: str) -> tuple[float, str]:
    """(original ppi, where it came from): caller, metadata, ridge-period estimate, or 500 assumed."""
    if ppi is not None:
        return checked_ppi(ppi, name), "caller"
    if meta_ppi is not None:
        return meta_ppi, "metadata"
    if estimate:
        est = estimate_ppi(gray)
        if est is not None:
            return est, "estimated"
    return float(WORKING_PPI), "assumed"


def load_fingerprint(
    source: ImageSource,
    ppi: float | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    estimate_resolution: bool = True,
) -> FingerImage:
    """Load a fingerprint as 8-bit grayscale at 500 ppi.

    Parameters
    ----------
    source:
        Path, encoded ``bytes``, binary file object, or a numpy array (grayscale, RGB or RGBA;
        ``uint8``, ``uint16``, ``bool``, other integers clipped to 0-255, or float in [0, 1] or [0, 255]).
    ppi:
        Resolution of the capture. When ``None`` it is read from the file's metadata if plausible,
        otherwise estimated from the ridge period (``estimate_resolution=True``), otherwise 500 is assumed.
        Ridge spacing cannot tell 569 from 500 ppi: pass ``ppi=569`` for FVC2002 DB2.
    max_pixels:
        Refuse images with more pixels than this, from the header, before decoding them.
    estimate_resolution:
        Estimate the ppi from the ridge period when neither the caller nor the metadata gives it.

    Returns
    -------
    FingerImage
        ``pixels`` at 500 ppi; ``original_ppi``, ``ppi_source`` and ``original_shape`` record the capture.

    Raises
    ------
    InputNotFoundError, InvalidImageError, UnsupportedFormatError, ImageTooLargeError, ImageTooSmallError

    Examples
    --------
    >>> img = load_fingerprint("sample_data/fingerprints/synthetic/good_2026_1.png")
    >>> img.shape, img.original_ppi, img.ppi_source
    ((500, 400), 500.0, 'metadata')
    """
    name = describe_source(source)
    if not isinstance(source, np.ndarray):
        decoded = decode_image(source, max_pixels=max_pixels)
        return fingerprint_from_decoded(decoded.image, decoded.source, ppi, estimate_resolution=estimate_resolution)
    check_array_size(source, max_pixels, name)
    gray = array_to_gray(source, name)
    return _finger_image(gray, name, None, None, ppi, estimate_resolution, borrowed=np.shares_memory(gray, source))


def fingerprint_from_decoded(im: Image.Image, name: str, ppi: float | None = None, *,
                             estimate_resolution: bool = True) -> FingerImage:
    """:func:`load_fingerprint` for an image already decoded by :func:`~cccd_biometrics.io.decode_image`."""
    gray = gray_pixels(im, name)
    return _finger_image(gray, name, im.format, _metadata_ppi(im), ppi, estimate_resolution)


def _finger_image(gray: np.ndarray, name: str, fmt: str | None, meta_ppi: float | None, ppi: Any,
                  estimate_resolution: bool, borrowed: bool = False) -> FingerImage:
    """The FingerImage of ``gray``; ``borrowed``: ``gray`` is (a view of) the caller's array, which the image must
    neither freeze nor share (copied only when neither resampling nor contiguity made a new array)."""
    original_ppi, ppi_source = _decide_ppi(gray, ppi, meta_ppi, estimate_resolution, name)
    pixels = resample_to_working_ppi(gray, original_ppi)
    if min(pixels.shape) < MIN_FINGER_SIZE:
        raise ImageTooSmallError(
            f"{pixels.shape[1]}x{pixels.shape[0]} px at 500 ppi is too small to hold a finger "
            f"(minimum {MIN_FINGER_SIZE}x{MIN_FINGER_SIZE})",
            source=name,
        )
    pixels = np.ascontiguousarray(pixels)
    if borrowed and np.shares_memory(pixels, gray):
        pixels = pixels.copy()
    return FingerImage(
        pixels=pixels,
        original_ppi=original_ppi,
        ppi_source=ppi_source,
        original_shape=(int(gray.shape[0]), int(gray.shape[1])),
        source=name,
        format=fmt,
    )
