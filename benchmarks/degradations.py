"""Controlled degradations of clean fingerprints for the quality property tests.

Each function takes a clean ``uint8`` print (dark ridges on a light background, 500 ppi) and a strength in
[0, 1] (0 = unchanged) and returns a new ``uint8`` image. Randomness is seeded: results are reproducible.
"""

from __future__ import annotations

import cv2
import numpy as np

import cccd_biometrics as cb

BACKGROUND = 255


def _blotches(shape: tuple[int, int], fraction: float, seed: int, scale: float = 3.0) -> np.ndarray:
    """Boolean mask of random, smooth blotches covering about ``fraction`` of the image."""
    rng = np.random.default_rng(seed)
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), scale)
    return field > np.quantile(field, 1.0 - fraction) if fraction > 0 else np.zeros(shape, bool)


def dry(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Lighten the print and break its ridges: faint, thin ridges with gaps (a dry finger)."""
    g = img.astype(np.float32)
    k = 1 + 2 * int(np.ceil(2 * s))  # grey dilation thins the dark ridges
    g = cv2.dilate(g, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) if k > 1 else g
    g = 255 - (255 - g) * (1 - 0.7 * s)  # lighter ridges
    gaps = _blotches(img.shape, 0.45 * s, seed)
    g[gaps] = 255 - (255 - g[gaps]) * (1 - s)  # broken ridges
    return np.clip(g, 0, 255).astype(np.uint8)


def wet(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Darken the print and close its valleys: wide, merged ridges and smudges (a wet finger)."""
    g = img.astype(np.float32)
    k = 1 + 2 * round(2.5 * s)  # grey erosion widens the dark ridges into the valleys
    g = cv2.erode(g, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) if k > 1 else g
    g = g * (1 - 0.55 * s)  # darker
    smudge = _blotches(img.shape, 0.3 * s, seed, scale=6.0)
    g[smudge] = g[smudge] * (1 - 0.6 * s)
    return np.clip(g, 0, 255).astype(np.uint8)


def blur(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Blur (defocus, movement): Gaussian of sigma 1.5 px (s = 0.25) to 3.5 px (s = 1).

    Below about 1 px a Gaussian at 500 ppi only removes sensor noise and does not hurt comparison.
    """
    if s <= 0:
        return img.copy()
    return cv2.GaussianBlur(img, (0, 0), 0.83 + 2.67 * s)


def noise(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Additive Gaussian sensor noise, sigma up to 70 grey levels."""
    rng = np.random.default_rng(seed)
    return np.clip(img.astype(np.float32) + rng.normal(0, 70 * s, img.shape), 0, 255).astype(np.uint8)


def low_contrast(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Compress the grey range towards the mean, geometrically: 59 %, 35 %, 20 %, 12 % of the swing."""
    g = img.astype(np.float32)
    m = float(g.mean())
    return np.clip(m + (g - m) * 0.12**s, 0, 255).astype(np.uint8)


MM2_PER_PX = (25.4 / 500) ** 2


def small_area(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Partial contact: keep an ellipse on the finger whose area shrinks geometrically from the finger's
    foreground area (s = 0) to 35 mm² (s = 1); the rest becomes background."""
    if s <= 0:
        return img.copy()
    import cccd_biometrics as cb

    a = cb.analyze_fingerprint(cb.FingerImage(img))
    ys, xs = np.nonzero(a.mask)
    area = len(ys) * MM2_PER_PX
    target_px = area ** (1 - s) * 35.0**s / MM2_PER_PX
    h, w = img.shape
    aspect = h / w
    rx = np.sqrt(target_px / (np.pi * aspect))
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (int(xs.mean()), int(ys.mean())), (int(rx), int(rx * aspect)), 0, 0, 360, 1, -1)
    return np.where(mask > 0, img, BACKGROUND).astype(np.uint8)


def off_center(img: np.ndarray, s: float, seed: int = 0) -> np.ndarray:
    """Move the print towards the bottom-right corner by up to 60 % of the image size (background fills in)."""
    h, w = img.shape
    dy, dx = round(0.6 * s * h), round(0.6 * s * w)
    out = np.full_like(img, BACKGROUND)
    out[dy:, dx:] = img[: h - dy, : w - dx]
    return out


DEGRADATIONS = {
    "FINGER_TOO_DRY": dry,
    "FINGER_TOO_WET": wet,
    "FINGER_BLURRED": blur,
    "FINGER_LOW_CLARITY": noise,  # sensor noise drowns the ridges: clarity is the matching reason
    "FINGER_LOW_CONTRAST": low_contrast,
    "FINGER_SMALL_AREA": small_area,
    "FINGER_OFF_CENTER": off_center,
}


STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
STRONG = (0.75, 1.0)
"""Strengths at which the matching finding must be raised."""

SCORE_TOLERANCE = 1.0
"""Score points a stronger degradation may exceed a weaker one by (measurement noise of uint8 images)."""

FVC_CANDIDATES = ("fvc2000_b/DB2_B/104_2", "fvc2000_b/DB2_B/104_4", "fvc2000_b/DB4_B/103_3",
                  "fvc2000_b/DB4_B/110_5", "fvc2002_b/DB1_B/106_7", "fvc2002_b/DB1_B/107_5",
                  "fvc2002_b/DB1_B/108_2", "fvc2002_b/DB4_B/103_6")
"""FVC prints with balanced ridge and valley widths from four sensors. A print that is already dry-looking
(thin ridges) rightly gains score when slightly wetted, so "clean" here also means balanced."""


def is_clean(q: cb.FingerprintQuality) -> bool:
    """Good (score > 55, no finding), balanced ridge/valley widths and not dark (a dark inked print such as
    NIST SD4's rightly gains when lightened, so it cannot serve to test dryness)."""
    return (q.score > 55 and not q.findings and q.measures["ridge_width_imbalance"] < 0.26
            and q.measures["mu"] > 140)
