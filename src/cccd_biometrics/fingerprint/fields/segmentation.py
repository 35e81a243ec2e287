"""Foreground segmentation: which blocks (and pixels) of the image hold the finger.

A block belongs to the finger when its ridge energy (RMS gradient of the lightly smoothed image) stands out:
above an absolute floor (flat or nearly flat backgrounds) and above a fraction of the strongest blocks
(uneven, textured backgrounds). The block mask is then cleaned: small gaps closed, specks removed, only the
largest connected region kept, holes inside it filled (a scar or a dry patch is still finger), and so are bays:
flat regions enclosed by the finger but for a short stretch of image border (a wet, saturated patch at the edge
of the sensor).
"""

from __future__ import annotations

import cv2
import numpy as np

from ._kernels import upsampled_mask

__all__ = ["ENERGY_FLOOR", "ENERGY_FRACTION", "block_foreground", "pixel_mask"]

ENERGY_FLOOR = 1.5
"""Minimum RMS gradient (grey levels / px) of a foreground block: below it the block is flat."""

ENERGY_FRACTION = 0.3
"""A foreground block's energy is at least this fraction of the image's 90th-percentile block energy."""


BAY_CONTACT = 0.2
"""A background region whose contact with the image border is at most this fraction of its outline (both in
blocks) is a bay of the finger (a wet, saturated or dry patch reaching the edge), not background."""


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """Set background regions enclosed by the finger to foreground: holes, and bays whose contact with the image
    border is a short stretch of their outline (at most ``BAY_CONTACT`` of it)."""
    inv = (~mask).astype(np.uint8)
    n, labels = cv2.connectedComponents(inv, connectivity=4)
    if n <= 1:
        return mask
    padded = np.full((labels.shape[0] + 2, labels.shape[1] + 2), -1, labels.dtype)  # np.pad, 3x cheaper
    padded[1:-1, 1:-1] = labels
    centre = padded[1:-1, 1:-1]
    outline = ((padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre)
               | (padded[1:-1, :-2] != centre) | (padded[1:-1, 2:] != centre))
    on_edge = np.zeros(labels.shape, bool)
    on_edge[[0, -1], :] = True
    on_edge[:, [0, -1]] = True
    contact = np.bincount(labels[on_edge], minlength=n)
    perimeter = np.bincount(labels[outline], minlength=n)
    fill = contact <= BAY_CONTACT * perimeter
    fill[0] = False
    return mask | fill[labels]


def _largest_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    keep = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == keep


def block_foreground(energy: np.ndarray) -> np.ndarray:
    """Boolean per-block foreground mask from the block ridge energy (RMS gradient)."""
    if energy.size == 0:
        return np.zeros(energy.shape, dtype=bool)
    reference = float(np.percentile(energy, 90))
    threshold = max(ENERGY_FLOOR, ENERGY_FRACTION * reference)
    mask = energy >= threshold
    if not mask.any():
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(closed, cv2.MORPH_OPEN, kernel).astype(bool)
    if not mask.any():
        return mask
    return _fill_holes(_largest_component(mask))


def pixel_mask(block_mask: np.ndarray, block_size: int, shape: tuple[int, int]) -> np.ndarray:
    """Pixel-level boolean mask (H, W): the block mask upsampled with smooth (bilinear) contours."""
    h, w = shape
    by, bx = block_mask.shape
    if by >= 2 and bx >= 2:
        # the same pixels as the cv2.resize below, without its full-size float32 temporary (see _kernels)
        return upsampled_mask(np.ascontiguousarray(block_mask, dtype=np.bool_), int(block_size), int(h), int(w))
    up = cv2.resize(block_mask.astype(np.float32), (bx * block_size, by * block_size),
                    interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(up[:h, :w] >= 0.5)
