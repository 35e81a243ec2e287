"""Face geometry from landmarks: eye centres, inter-eye distance, head pose, chin and estimated crown.

Everything here is derived from :mod:`cccd_biometrics.face.detect` output; no pixels are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._shared.jsonsafe import json_safe
from .detect import FaceDetection, FaceLandmarks

__all__ = ["FaceGeometry", "Landmark", "face_geometry"]


class Landmark:
    """FaceMesh indices used by the measures (subject's right = image left)."""

    FOREHEAD = 10
    BETWEEN_BROWS = 9
    NOSE_TIP = 1
    CHIN = 152
    FACE_RIGHT = 234
    FACE_LEFT = 454
    RIGHT_EYE_OUTER, RIGHT_EYE_INNER, RIGHT_LID_UP, RIGHT_LID_DOWN = 33, 133, 159, 145
    LEFT_EYE_OUTER, LEFT_EYE_INNER, LEFT_LID_UP, LEFT_LID_DOWN = 263, 362, 386, 374
    MOUTH_RIGHT, MOUTH_LEFT, LIP_INNER_UP, LIP_INNER_DOWN = 61, 291, 13, 14
    RIGHT_CHEEK, LEFT_CHEEK = 118, 347
    RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
    LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
    RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
    LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
    LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)


# Crown estimate: the eyes lie about half-way between chin and crown (anthropometric canon; pupil to
# menton ~ 12 cm, pupil to vertex ~ 12 cm in adults). ICAO asks for the crown "estimated where hair hides it".
CROWN_TO_EYES_PER_EYES_TO_CHIN = 1.0

# No neutral offset is applied to yaw and pitch: over the 67 frontal studio portraits of faces_dev the
# medians are +0.3 deg (yaw) and +0.1 deg (pitch). Their 5-95 % spread there is +-3.4 deg (yaw) and
# +-8.5 deg (pitch) before the gains below (+-4.8 and +-10 after); a plane fit through all 468 points
# and the nose-to-eye-line ratio agree with the pitch (|r| > 0.95), so that spread is the sitters' own
# head tilt rather than estimator noise.


@dataclass(frozen=True, eq=False)
class FaceGeometry:
    """Where the face is and how it is posed, in image pixel coordinates.

    Attributes
    ----------
    box:
        Detector face box (x0, y0, x1, y1).
    detection_score:
        Detector confidence.
    landmarks:
        (468, 3) FaceMesh points (x, y pixels, relative depth z).
    eye_centres:
        (2, 2) iris centres: subject's right eye (image left), then left eye.
    inter_eye_distance:
        Distance between the eye centres, pixels.
    yaw, pitch, roll:
        Head pose in degrees. Yaw > 0: face turned towards the image right; pitch > 0: chin up;
        roll > 0: subject's left eye (image right) lower.
    chin, crown:
        Chin point and estimated crown (top of the skull, hair ignored), (x, y).
    presence:
        Landmark model's face-presence confidence.
    """

    box: tuple[float, float, float, float]
    detection_score: float
    landmarks: np.ndarray
    eye_centres: np.ndarray
    iris_radii: np.ndarray
    inter_eye_distance: float
    yaw: float
    pitch: float
    roll: float
    chin: np.ndarray
    crown: np.ndarray
    presence: float

    @property
    def eye_midpoint(self) -> np.ndarray:
        return self.eye_centres.mean(axis=0)

    @property
    def head_height(self) -> float:
        return float(np.hypot(*(self.chin - self.crown)))

    @property
    def face_width(self) -> float:
        p = self.landmarks
        return float(np.hypot(*(p[Landmark.FACE_LEFT, :2] - p[Landmark.FACE_RIGHT, :2])))

    def to_dict(self, *, with_landmarks: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "face_box": [round(float(v), 1) for v in self.box],
            "detection_score": round(self.detection_score, 4),
            "eye_centres": np.round(self.eye_centres, 1).tolist(),
            "inter_eye_distance": round(self.inter_eye_distance, 2),
            "yaw": round(self.yaw, 2),
            "pitch": round(self.pitch, 2),
            "roll": round(self.roll, 2),
            "chin": np.round(self.chin, 1).tolist(),
            "crown": np.round(self.crown, 1).tolist(),
            "head_height": round(self.head_height, 1),
            "face_width": round(self.face_width, 1),
            "presence": round(self.presence, 4),
        }
        if with_landmarks:
            d["landmarks"] = np.round(self.landmarks[:, :2], 1).tolist()
        return json_safe(d)


# The mesh's depth under-reads rotations: on faces_dev frontal faces turned by known angles
# (benchmarks/face_pose.py: the mesh rotated in 3-D and the image warped to it; even-numbered subjects,
# +-8 to +-25 deg) the depth-slope yaw came out 0.705 x the rotation and the pitch 0.844 x. Dividing by
# these gains makes the estimates degrees (issue 15: FACE_YAW/FACE_PITCH caught 0 of 2 real turned heads).
YAW_GAIN = 0.705
PITCH_GAIN = 0.844


def _pose(points: np.ndarray, eyes: np.ndarray) -> tuple[float, float, float]:
    """Yaw and pitch from the 3-D tilt of the eye line and of the chin-forehead line; roll from the irises."""
    across = points[Landmark.LEFT_EYE_OUTER] - points[Landmark.RIGHT_EYE_OUTER]
    up = points[Landmark.FOREHEAD] - points[Landmark.CHIN]
    # depth z grows away from the camera: the eye line's depth slope gives yaw, the face axis's gives pitch
    yaw = np.degrees(np.arctan2(across[2], np.hypot(across[0], across[1])))
    pitch = np.degrees(np.arctan2(up[2], np.hypot(up[0], up[1])))
    d = eyes[1] - eyes[0]
    roll = np.degrees(np.arctan2(d[1], d[0]))
    return float(yaw / YAW_GAIN), float(pitch / PITCH_GAIN), float(roll)


def face_geometry(face: FaceDetection, mesh: FaceLandmarks) -> FaceGeometry:
    """Combine a detection and its landmarks into a :class:`FaceGeometry`."""
    eyes = mesh.iris_centres
    yaw, pitch, roll = _pose(mesh.points, eyes)
    mid = eyes.mean(axis=0)
    chin = mesh.points[Landmark.CHIN, :2].copy()
    crown = mid + (mid - chin) * CROWN_TO_EYES_PER_EYES_TO_CHIN
    for arr in (mesh.points, eyes, mesh.iris_radii, chin, crown):
        arr.setflags(write=False)  # results are shared between threads: keep them immutable
    return FaceGeometry(
        box=tuple(float(v) for v in face.box),  # type: ignore[arg-type]
        detection_score=float(face.score),
        landmarks=mesh.points,
        eye_centres=eyes,
        iris_radii=mesh.iris_radii,
        inter_eye_distance=float(np.hypot(*(eyes[1] - eyes[0]))),
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        chin=chin,
        crown=crown,
        presence=mesh.presence,
    )
