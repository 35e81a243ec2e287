"""Sharpness of the face at its own scale (any blur: Gaussian, defocus, motion)."""

from __future__ import annotations

import cv2
import numpy as np

from .canon import Canon
from .measure import Measure, component

__all__ = ["sharpness"]

_BLUR_ANGLES = np.linspace(0.0, np.pi, 8, endpoint=False)


def sharpness(c: Canon) -> Measure:
    """Band-pass detail ratio at the face's scale, times the isotropy of that detail (issue 15: any blur).

    On the canonical crop (inter-eye distance 96 px, so the measure is normalised to the face's scale):
    the mean magnitude of the band between Gaussian scales 1 and 2 px over that of the band 2-4 px. A
    blur of sigma s attenuates the finer band more the larger s is; the band leaves out the finest scale,
    where sensor noise and JPEG ringing add "detail" to a blurred face. Motion blur removes detail along
    one direction only, so the ratio is multiplied by the weakest over the strongest directional energy
    of the fine band (8 directions); comparing energies (not per-direction ratios) keeps a long smear
    whose both bands are gone, leaving only noise, from reading as isotropic.
    faces_dev (12 even-numbered subjects, IED 90/130/200 px, with and without JPEG q75): >= 0.375 sharp up
    to Gaussian sigma 1 % of the IED, <= 0.339 at sigma 3 %, <= 0.304 for motion 10-30 % of the IED.
    """
    # luminance as the float mean of the three 8-bit channels: rounding L* to 8 bits would add a noise
    # floor that looks like fine detail
    g = c.rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    g1, g2, g4 = (cv2.GaussianBlur(g, (0, 0), s) for s in (1.0, 2.0, 4.0))
    fine, coarse = g1 - g2, g2 - g4
    m = c.face
    band = float(np.abs(fine)[m].mean() / max(float(np.abs(coarse)[m].mean()), 1e-6))
    fx, fy = cv2.Sobel(fine, cv2.CV_32F, 1, 0)[m], cv2.Sobel(fine, cv2.CV_32F, 0, 1)[m]
    energy = [float(np.abs(np.cos(a) * fx + np.sin(a) * fy).mean()) for a in _BLUR_ANGLES]
    isotropy = min(energy) / max(max(energy), 1e-6)
    value = band * isotropy
    return Measure("sharpness", value, component(value, 0.25, 0.45), "ratio")
