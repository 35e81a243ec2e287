"""Portrait overlay: landmarks, eye centres, the ICAO geometry box and the failed requirements."""

from __future__ import annotations

import cv2
import numpy as np

from .icao import PortraitReport, Profile, get_profile

__all__ = ["draw_portrait_overlay"]

_GREEN, _RED, _YELLOW, _CYAN = (0, 200, 0), (230, 30, 30), (255, 200, 0), (0, 200, 230)


def _geometry_box(report: PortraitReport, prof: Profile) -> tuple[int, int, int, int]:
    """Where the head should be: the allowed eye band and head-height range, drawn as a box."""
    w, h = report.image_size
    x0, x1 = prof.horizontal_position[0] * w, prof.horizontal_position[1] * w
    y0, y1 = (1 - prof.eye_line_height[1]) * h, (1 - prof.eye_line_height[0]) * h
    return int(x0), int(y0), int(x1), int(y1)


def draw_portrait_overlay(rgb: np.ndarray, report: PortraitReport) -> np.ndarray:
    """Return a copy of ``rgb`` with the report drawn on it.

    Landmarks (green dots), iris centres (cyan), estimated crown and chin (yellow line), the profile's
    eye-position box (green when met, red when not) and one line of text per failed requirement.
    """
    out = np.ascontiguousarray(rgb.copy())
    h, w = out.shape[:2]
    thick = max(1, round(min(h, w) / 400))
    font = 0.4 * thick
    prof = get_profile(report.profile)
    geo = report.geometry
    if geo is not None:
        for x, y in geo.landmarks[:, :2]:
            cv2.circle(out, (round(x), round(y)), thick, _GREEN, -1)
        for x, y in geo.eye_centres:
            cv2.circle(out, (round(x), round(y)), 3 * thick, _CYAN, thick)
        cv2.line(out, tuple(int(v) for v in geo.crown), tuple(int(v) for v in geo.chin), _YELLOW, thick)
        x0, y0, x1, y1 = (round(v) for v in geo.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), _CYAN, thick)
    box_ok = not {"FACE_OFF_CENTER", "FACE_TOO_SMALL", "FACE_TOO_LARGE"} & set(report.codes)
    bx0, by0, bx1, by1 = _geometry_box(report, prof)
    cv2.rectangle(out, (bx0, by0), (bx1, by1), _GREEN if box_ok else _RED, thick)
    lines = [f.code for f in report.findings] or ["COMPLIANT"]
    for i, text in enumerate(lines):
        y = int((i + 1) * 16 * font / 0.4)
        cv2.putText(out, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(out, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, font,
                    _GREEN if text == "COMPLIANT" else _RED, thick, cv2.LINE_AA)
    return out
