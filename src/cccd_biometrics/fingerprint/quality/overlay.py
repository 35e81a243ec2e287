"""Overlays for people: what the checks saw, drawn over the capture (OpenCV only, no matplotlib).

Fingerprint quality
    :func:`quality_overlay` tints every block of the finger by its local quality (red = unreadable,
    yellow = fair, green = clear), outlines the foreground mask, and writes the score and finding codes in a
    header band. :func:`save_quality_overlay` writes it as an image file.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ...errors import UnsupportedFormatError
from ...images import FingerImage
from ..analysis import Analysis, analyze_fingerprint
from .score import FingerprintQuality, assess_fingerprint

__all__ = ["quality_colours", "quality_overlay", "save_quality_overlay"]

HEADER_PX = 28
_RED, _YELLOW, _GREEN = np.array([220, 40, 40.0]), np.array([240, 200, 40.0]), np.array([40, 180, 60.0])


def quality_colours(q: np.ndarray) -> np.ndarray:
    """RGB float colours for qualities in [0, 1]: red (0) -> yellow (0.5) -> green (1)."""
    q = np.clip(q, 0.0, 1.0)[..., None]
    low = _RED + (_YELLOW - _RED) * (q / 0.5)
    high = _YELLOW + (_GREEN - _YELLOW) * ((q - 0.5) / 0.5)
    return np.where(q < 0.5, low, high)


def quality_overlay(analysis: Analysis, quality: FingerprintQuality, *, alpha: float = 0.45) -> np.ndarray:
    """RGB ``uint8`` image (H + header, W, 3): the print, tinted by local quality inside the finger mask.

    Parameters
    ----------
    analysis:
        The analysis the quality was computed from (for the pixels and the mask).
    quality:
        Result of :func:`cccd_biometrics.assess_fingerprint` on that analysis.
    alpha:
        Opacity of the quality tint.
    """
    grey = analysis.image.pixels
    h, w = grey.shape
    by, bx = quality.local_quality.shape
    bs = quality.block_size
    # smooth upsampling of the block map, cut to the image and to the finger
    q = cv2.resize(quality.local_quality, (bx * bs, by * bs), interpolation=cv2.INTER_LINEAR)[:h, :w]
    base = np.repeat(grey[..., None], 3, axis=2).astype(np.float32)
    tint = quality_colours(q).astype(np.float32)
    mask = analysis.mask[..., None]
    out = np.where(mask, base * (1 - alpha) + tint * alpha, base * 0.85).astype(np.uint8)
    contours, _ = cv2.findContours(analysis.mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.ascontiguousarray(out)
    cv2.drawContours(out, contours, -1, (30, 90, 230), 2)
    return _with_header(out, quality)


def _with_header(img: np.ndarray, quality: FingerprintQuality) -> np.ndarray:
    w = img.shape[1]
    band = np.full((HEADER_PX, w, 3), 255, np.uint8)
    colour = (200, 30, 30) if quality.hard_to_read else (30, 140, 50)
    codes = ", ".join(c.removeprefix("FINGER_") for c in quality.codes) or "OK"
    text = f"{quality.score:.0f}/100  {codes}"
    scale = 0.5 if w >= 300 else 0.38
    cv2.putText(band, text, (4, HEADER_PX - 9), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)
    return np.vstack([band, img])


def save_quality_overlay(path: str | os.PathLike, image: FingerImage | Analysis,
                         quality: FingerprintQuality | None = None) -> Path:
    """Assess (if needed), draw the quality overlay and write it to ``path`` (format from the suffix)."""
    analysis = image if isinstance(image, Analysis) else analyze_fingerprint(image)
    quality = quality or assess_fingerprint(analysis)
    rgb = quality_overlay(analysis, quality)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise UnsupportedFormatError("cannot write an image with this suffix", source=str(out))
    return out
