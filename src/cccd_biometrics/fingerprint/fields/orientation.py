"""Ridge orientation and coherence fields, per block, from the gradient structure tensor.

Angle convention (used throughout the library)
    A ridge direction ``theta`` is in [0, pi): the angle counter-clockwise from the +x axis (columns, to the
    right) *as the image is seen on screen*, i.e. with the y axis pointing up. Because image rows grow
    downwards, a ridge with direction ``theta`` runs along the (row, column) unit vector
    ``(-sin theta, cos theta)``: horizontal ridges are 0, ridges rising to the right are pi/4, vertical ridges
    are pi/2. Ridge directions are axial (theta and theta + pi are the same direction), hence the range.

Method
    The image is smoothed (Gaussian, sigma 1 px), differentiated (Sobel) and the gradient moments
    ``Gxx, Gyy, Gxy`` are averaged per block. The dominant gradient direction is half the angle of the
    doubled-angle vector ``(Gxx - Gyy, 2 Gxy)``; ridges run perpendicular to it. The doubled-angle vectors are
    smoothed with a Gaussian over the foreground blocks before the angle is taken, so that a block with weak
    or noisy ridges inherits the direction of its neighbours (Kass & Witkin; Bazen & Gerez).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._kernels import block_gradient_moments

__all__ = [
    "GradientMoments",
    "block_means",
    "coherence_from_moments",
    "gradient_moments",
    "orientation_certainty",
    "orientation_flow",
    "orientation_from_moments",
]

GRADIENT_SIGMA = 1.0
"""Gaussian pre-smoothing of the image before differentiation (px): removes pixel noise, keeps ridges."""

ORIENTATION_SMOOTHING = 1.0
"""Gaussian smoothing of the doubled-angle field, in blocks."""


@dataclass(frozen=True)
class GradientMoments:
    """Per-block means of the gradient products (image rows pointing down) and of the fine detail.

    ``detail`` is the block mean of ``(image - smoothed image)²``: the energy the pre-smoothing removed (pixel
    noise, pores, sharp ridge edges), kept because the blur measure needs it and it costs nothing here.
    """

    gxx: np.ndarray
    gyy: np.ndarray
    gxy: np.ndarray
    detail: np.ndarray

    @property
    def energy(self) -> np.ndarray:
        """Root-mean-square gradient magnitude of each block (grey levels per px)."""
        return np.sqrt(np.maximum(self.gxx + self.gyy, 0.0))


def block_means(values: np.ndarray, block_size: int) -> np.ndarray:
    """Mean of each ``block_size`` square block; partial blocks at the right/bottom edges are edge-padded."""
    h, w = values.shape[:2]
    by, bx = -(-h // block_size), -(-w // block_size)
    ph, pw = by * block_size - h, bx * block_size - w
    if ph or pw:
        values = cv2.copyMakeBorder(values, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    # INTER_AREA with an integer factor is an exact block average
    return cv2.resize(values, (bx, by), interpolation=cv2.INTER_AREA)


def gradient_moments(gray: np.ndarray, block_size: int) -> GradientMoments:
    """Block-averaged gradient moments of a float32 grey image."""
    smooth = cv2.GaussianBlur(gray, (0, 0), GRADIENT_SIGMA, borderType=cv2.BORDER_REPLICATE)
    means = block_gradient_moments(gray, smooth, int(block_size))
    return GradientMoments(means[0], means[1], means[2], means[3])


def orientation_from_moments(m: GradientMoments, weight: np.ndarray | None = None,
                             smoothing: float = ORIENTATION_SMOOTHING) -> np.ndarray:
    """Smoothed ridge direction per block (float32 radians in [0, pi), convention in the module docstring).

    ``weight`` (per block, e.g. the foreground mask) scales each block's vote before smoothing, so that the
    background does not bend the ridges at the border of the finger.
    """
    # doubled-angle gradient vector with the y axis turned to point up (hence the minus sign on Gxy)
    c: np.ndarray = (m.gxx - m.gyy).astype(np.float32)
    s: np.ndarray = (-2.0 * m.gxy).astype(np.float32)
    if weight is not None:
        w = weight.astype(np.float32)
        c, s = c * w, s * w
    if smoothing > 0:
        c = cv2.GaussianBlur(c, (0, 0), smoothing, borderType=cv2.BORDER_REPLICATE)
        s = cv2.GaussianBlur(s, (0, 0), smoothing, borderType=cv2.BORDER_REPLICATE)
    gradient_angle = 0.5 * np.arctan2(s, c)
    theta = np.mod(gradient_angle + np.pi / 2, np.pi).astype(np.float32)
    theta[theta >= np.float32(np.pi)] = 0.0  # float32 rounding can land exactly on pi
    return theta


def coherence_from_moments(m: GradientMoments) -> np.ndarray:
    """Coherence ``(l1 - l2) / (l1 + l2)`` of each block's structure tensor (float32 in [0, 1]).

    1 means parallel ridges, 0 means no preferred direction (noise, blank, or a singular point).
    """
    diff = np.sqrt((m.gxx - m.gyy) ** 2 + 4.0 * m.gxy**2)
    total = m.gxx + m.gyy
    coh = np.where(total > 1e-6, diff / np.maximum(total, 1e-6), 0.0)
    return np.clip(coh, 0.0, 1.0).astype(np.float32)


def orientation_certainty(m: GradientMoments) -> np.ndarray:
    """NFIQ 2 orientation certainty level ``1 - l_min / l_max`` per block (float32 in [0, 1])."""
    diff = np.sqrt((m.gxx - m.gyy) ** 2 + 4.0 * m.gxy**2)
    total = m.gxx + m.gyy
    l_max = 0.5 * (total + diff)
    l_min = 0.5 * (total - diff)
    ocl = np.where(l_max > 1e-6, 1.0 - l_min / np.maximum(l_max, 1e-6), 0.0)
    return np.clip(ocl, 0.0, 1.0).astype(np.float32)


def orientation_flow(theta: np.ndarray, block_mask: np.ndarray) -> np.ndarray:
    """Mean absolute angle difference (radians, [0, pi/2]) between each block and its foreground 8-neighbours.

    NaN where the block is background or has no foreground neighbour. Used by the NFIQ 2 orientation-flow
    measure: ridges flow smoothly, so large local jumps reveal noise, scars or a wrong orientation.
    """
    c2 = np.cos(2.0 * theta).astype(np.float32)
    s2 = np.sin(2.0 * theta).astype(np.float32)
    m = block_mask.astype(np.float32)
    kernel = np.ones((3, 3), np.float32)
    kernel[1, 1] = 0.0
    n = cv2.filter2D(m, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    sc = cv2.filter2D(c2 * m, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    ss = cv2.filter2D(s2 * m, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_angle = 0.5 * np.arctan2(ss, sc)
    d = np.abs(np.mod(theta - mean_angle + np.pi / 2, np.pi) - np.pi / 2)
    return np.where(block_mask & (n > 0), d, np.nan).astype(np.float32)
