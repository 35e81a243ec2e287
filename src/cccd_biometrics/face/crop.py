"""ISO/IEC 19794-5 (39794-5) token-geometry portrait: eyes level, at fixed places in the frame.

Token geometry, for an image of width ``W`` and height ``W / 0.75``: eye midpoint at (0.5 W, 0.6 W),
inter-eye distance 0.25 W, eye line horizontal. ``W`` is at least 240 px (inter-eye distance 60 px).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import NoFaceFoundError
from ..images import Portrait
from .capture import portrait_pixels
from .icao import locate_face

__all__ = ["TOKEN_EYE_Y", "TOKEN_IED", "crop_token_portrait", "token_transform"]

TOKEN_IED = 0.25  # inter-eye distance / width
TOKEN_EYE_Y = 0.6  # eye line / width, from the top
TOKEN_ASPECT = 0.75  # width / height
MIN_TOKEN_WIDTH = 240


def token_transform(eye_centres: np.ndarray, width: int) -> np.ndarray:
    """2x3 affine map taking the image to a token frame of ``width`` px (similarity: no shear)."""
    src = np.asarray(eye_centres, np.float64)
    dst = np.array([[width * (0.5 - TOKEN_IED / 2), width * TOKEN_EYE_Y],
                    [width * (0.5 + TOKEN_IED / 2), width * TOKEN_EYE_Y]])
    s, d = src[1] - src[0], dst[1] - dst[0]
    k = np.hypot(*d) / max(float(np.hypot(*s)), 1e-6)
    a = np.arctan2(d[1], d[0]) - np.arctan2(s[1], s[0])
    r = k * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.hstack([r, (dst[0] - r @ src[0])[:, None]])


def crop_token_portrait(portrait: Portrait | np.ndarray, width: int | None = None) -> Portrait:
    """Cut the ISO token-geometry portrait out of a capture.

    Parameters
    ----------
    portrait:
        A :class:`~cccd_biometrics.images.Portrait` or an (H, W, 3) ``uint8`` RGB array.
    width:
        Width of the token image in pixels; default: the capture's own resolution (4 x inter-eye
        distance), at least 240.

    Returns
    -------
    Portrait
        The token image; areas outside the capture are filled by replicating its border.

    Raises
    ------
    NoFaceFoundError
        When no face is found.

    Examples
    --------
    >>> from cccd_biometrics.face.capture import load_portrait
    >>> token = crop_token_portrait(load_portrait("sample_data/portraits/frl_london_002_neutral.jpg"))
    >>> token.shape
    (636, 477)
    """
    rgb = portrait_pixels(portrait)
    geo, _ = locate_face(rgb)
    if geo is None:
        raise NoFaceFoundError("no face found; cannot place the token frame",
                               source=getattr(portrait, "source", None))
    w = int(width) if width else max(MIN_TOKEN_WIDTH, round(geo.inter_eye_distance / TOKEN_IED))
    if w < 16:
        raise ValueError(f"token width {w} is too small")
    h = round(w / TOKEN_ASPECT)
    m = token_transform(geo.eye_centres, w)
    src = rgb
    while np.hypot(m[0, 0], m[0, 1]) < 0.5 and min(src.shape[:2]) > 64:  # avoid aliasing on big shrinks
        src = cv2.pyrDown(src)
        m = m.copy()
        m[:, :2] *= 2.0
    token = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    source = getattr(portrait, "source", "<array>")
    return Portrait(pixels=token, source=f"{source} (token)", format=None)
