"""Geometry of the portrait: one face, its size, margins, position, eye line and head pose (ICAO framing)."""

from __future__ import annotations

import numpy as np

from ..geometry import FaceGeometry
from .measure import Measure, component, window

__all__ = ["framing"]


def framing(rgb: np.ndarray, geo: FaceGeometry, n_faces: int) -> dict[str, Measure]:
    h, w = rgb.shape[:2]
    ied = geo.inter_eye_distance
    mid = geo.eye_midpoint
    head = geo.head_height / h
    half_face = geo.face_width / 2
    left_margin = (mid[0] - half_face) / w
    right_margin = (w - mid[0] - half_face) / w
    above = float(geo.crown[1] / h)
    below = float((h - geo.chin[1]) / h)
    x_pos = float(mid[0] / w)
    eye_height = float((h - mid[1]) / h)
    return {
        "single_face_present": Measure("single_face_present", float(n_faces), 100 if n_faces == 1 else 0, "faces"),
        "inter_eye_distance": Measure("inter_eye_distance", ied, component(ied, 60, 120), "px"),
        "head_size": Measure("head_size", head, window(head, 0.5, 0.7, 0.8, 1.0), "fraction of height"),
        "leftward_crop": Measure("leftward_crop", left_margin, component(left_margin, 0.0, 0.1), "fraction of width"),
        "rightward_crop": Measure("rightward_crop", right_margin, component(right_margin, 0.0, 0.1),
                                  "fraction of width"),
        "margin_above": Measure("margin_above", above, window(above, -0.05, 0.03, 0.15, 0.3), "fraction of height"),
        "margin_below": Measure("margin_below", below, component(below, -0.05, 0.05), "fraction of height"),
        "horizontal_position": Measure("horizontal_position", x_pos, window(x_pos, 0.35, 0.45, 0.55, 0.65),
                                       "fraction of width"),
        "eye_line_height": Measure("eye_line_height", eye_height, window(eye_height, 0.4, 0.5, 0.7, 0.8),
                                   "fraction of height from bottom"),
        "head_pose_yaw": Measure("head_pose_yaw", geo.yaw, component(abs(geo.yaw), 20, 0), "deg"),
        "head_pose_pitch": Measure("head_pose_pitch", geo.pitch, component(abs(geo.pitch), 20, 0), "deg"),
        "head_pose_roll": Measure("head_pose_roll", geo.roll, component(abs(geo.roll), 15, 0), "deg"),
    }
