"""Face location: detection, 468 landmarks and iris centres, behind one small interface.

The one backend bundled here runs Google MediaPipe's BlazeFace (full range) detector, FaceMesh landmark
model and iris landmark model (Apache-2.0 ``.tflite`` files in ``face/models``) through OpenCV's DNN
module, so nothing is downloaded and no deep-learning framework is needed. The anchor decoding, the
weighted non-maximum suppression and the region-of-interest geometry between the three networks are
implemented here.

Public interface::

    faces = detect_faces(rgb)                # list[FaceDetection], best first
    mesh = face_landmarks(rgb, faces[0])     # FaceLandmarks (468 points + irises), image coordinates

Networks are loaded lazily, once per thread (``cv2.dnn.Net`` objects are not safe to share between
threads), so ``import cccd_biometrics`` stays fast and the functions are thread-safe.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import cv2
import numpy as np

from ..errors import ModelLoadError

__all__ = [
    "DETECTION_THRESHOLD",
    "MODEL_FILES",
    "DnnEngine",
    "FaceDetection",
    "FaceLandmarks",
    "detect_faces",
    "dnn_engine",
    "face_landmarks",
    "mesh_presence_logit",
    "model_digests",
    "reframe",
]

DETECTION_THRESHOLD = 0.5
"""Minimum BlazeFace score for a face to be reported."""

_DETECTOR_SIZE = 192
_MESH_SIZE = 192
_IRIS_SIZE = 64
_GRID = 48  # full-range BlazeFace: one anchor per cell of a 48x48 grid (stride 4)
_NMS_IOU = 0.3
_MESH_ROI_SCALE = 1.5  # MediaPipe enlarges the detection box by this before FaceMesh
_IRIS_ROI_SCALE = 2.3  # ... and the eye-corner span by this before the iris model

# FaceMesh indices of the eye corners (subject's right eye = image left)
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (362, 263)


@dataclass(frozen=True, eq=False)
class FaceDetection:
    """One face found by the detector, in image pixel coordinates.

    Attributes
    ----------
    box:
        (x0, y0, x1, y1) of the face box.
    score:
        Detector confidence in [0, 1].
    keypoints:
        (6, 2) array: subject's right eye, left eye, nose tip, mouth centre, right ear, left ear.
    """

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@dataclass(frozen=True, eq=False)
class FaceLandmarks:
    """FaceMesh landmarks of one face, in image pixel coordinates.

    Attributes
    ----------
    points:
        (468, 3) array of x, y (pixels) and relative depth z (same scale as x).
    presence:
        FaceMesh's face-presence confidence in [0, 1].
    iris_centres:
        (2, 2) array: centre of the subject's right iris, then left iris.
    iris_radii:
        (2,) iris radius of each eye in pixels.
    presence_logit:
        The presence output before the sigmoid (``presence`` saturates at 1.0; this does not).
    """

    points: np.ndarray
    presence: float
    iris_centres: np.ndarray
    iris_radii: np.ndarray
    presence_logit: float = float("nan")


# ---------------------------------------------------------------- model loading (lazy, per thread)

MODEL_FILES = ("face_detection_full_range.tflite", "face_landmark.tflite", "iris_landmark.tflite")
"""The bundled networks (in ``face/models``), in the order the pipeline runs them."""

# Each network has two output tensors and the decoding below needs both. OpenCV 5.0's new engine
# exposed only the first one, so an engine is accepted only if the loaded net shows them all.
_OUTPUTS_NEEDED = 2

# Engines by preference, as (name in cv2.dnn, label). Which exist is found by looking, never from
# version strings: OpenCV 4.x has no engine argument at all; 5.0 has ENGINE_CLASSIC (all outputs)
# and ENGINE_NEW (first output only); 5.1 has ENGINE_AUTO / ENGINE_OPENCV / ENGINE_ORT (TFLite runs
# on ENGINE_OPENCV, ORT is for ONNX only).
_ENGINE_PREFERENCE = ("ENGINE_CLASSIC", "ENGINE_OPENCV", "ENGINE_AUTO")

_THREAD_NETS = threading.local()


@dataclass(frozen=True)
class DnnEngine:
    """The OpenCV DNN engine the bundled networks run on.

    Attributes
    ----------
    opencv:
        ``cv2.__version__``.
    engine:
        Name of the ``cv2.dnn`` engine constant passed to the loader (e.g. ``"ENGINE_CLASSIC"``), or
        ``"default"`` when this OpenCV's loader takes no engine argument (OpenCV 4.x).
    """

    opencv: str
    engine: str

    def to_dict(self) -> dict[str, str]:
        return {"opencv": self.opencv, "engine": self.engine}


def _model_path(name: str) -> Any:
    return resources.as_file(resources.files("cccd_biometrics.face").joinpath("models", name))


def _engine_candidates() -> list[tuple[str, int | None]]:
    found = [(label, getattr(cv2.dnn, label)) for label in _ENGINE_PREFERENCE if hasattr(cv2.dnn, label)]
    return found or [("default", None)]


def _read_net(path: str, engine: int | None) -> Any:
    if engine is None:
        return cv2.dnn.readNetFromTFLite(path)
    # read from the file, not a buffer: OpenCV 5.0 ignored the engine argument for buffers
    return cv2.dnn.readNetFromTFLite(path, engine=engine)


def _load_net(name: str) -> tuple[Any, list[str], str]:
    """Load one bundled network on the first engine of this OpenCV that exposes all its outputs."""
    tried = []
    with _model_path(name) as path:
        for label, engine in _engine_candidates():
            try:
                net = _read_net(str(path), engine)
                outputs = list(net.getUnconnectedOutLayersNames())
            except (cv2.error, TypeError, AttributeError) as exc:  # the loader refused, or has no such argument
                tried.append(f"{label}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}")
                continue
            if len(outputs) >= _OUTPUTS_NEEDED:
                return net, outputs, label
            tried.append(f"{label}: exposes {len(outputs)} of {_OUTPUTS_NEEDED} output tensors")
    raise ModelLoadError(
        f"the bundled face model {name} cannot run on OpenCV {cv2.__version__} "
        f"(engines tried: {'; '.join(tried)}); portrait checks need an OpenCV whose DNN module runs TFLite "
        "models with all their outputs (4.9 to 5.1 do)"
    )


def _net(name: str) -> tuple[Any, list[str], str]:
    nets = getattr(_THREAD_NETS, "nets", None)
    if nets is None:
        nets = _THREAD_NETS.nets = {}
    entry = nets.get(name)
    if entry is None:
        entry = nets[name] = _load_net(name)
    return entry


def dnn_engine() -> DnnEngine:
    """Load the bundled networks (if not yet loaded in this thread) and say which engine runs them.

    Raises
    ------
    ModelLoadError
        When this OpenCV cannot run a bundled network; the message names the OpenCV version and the
        engines tried.

    Examples
    --------
    >>> from cccd_biometrics.face.detect import dnn_engine
    >>> dnn_engine().engine in ("ENGINE_CLASSIC", "ENGINE_OPENCV", "ENGINE_AUTO", "default")
    True
    """
    labels = {_net(name)[2] for name in MODEL_FILES}
    return DnnEngine(opencv=cv2.__version__, engine="/".join(sorted(labels)))


def model_digests() -> dict[str, str]:
    """sha256 of each bundled model file, so a result can name exactly which networks made it.

    Examples
    --------
    >>> from cccd_biometrics.face.detect import model_digests
    >>> sorted(model_digests())[0]
    'face_detection_full_range.tflite'
    """
    out = {}
    for name in MODEL_FILES:
        data = resources.files("cccd_biometrics.face").joinpath("models", name).read_bytes()
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def _run(name: str, blob: np.ndarray) -> dict[str, np.ndarray]:
    net, outputs, _ = _net(name)
    net.setInput(blob)
    return dict(zip(outputs, net.forward(outputs), strict=True))


# ---------------------------------------------------------------- detection


@lru_cache(maxsize=1)
def _anchor_centres() -> np.ndarray:
    c = (np.arange(_GRID, dtype=np.float32) + 0.5) / _GRID
    yy, xx = np.meshgrid(c, c, indexing="ij")
    centres = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (2304, 2), normalised
    centres.setflags(write=False)  # shared between threads through the cache
    return centres


def shrink(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average downscale to ``size`` (w, h): an integer-factor pass first (OpenCV's fast path)."""
    h, w = rgb.shape[:2]
    k = min(w // max(size[0], 1), h // max(size[1], 1))
    if k >= 2:
        rgb = cv2.resize(rgb, (w // k, h // k), interpolation=cv2.INTER_AREA)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _letterbox(rgb: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """Fit the image into the detector's square input, keeping its aspect ratio (zero padding)."""
    h, w = rgb.shape[:2]
    scale = _DETECTOR_SIZE / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = shrink(rgb, (nw, nh))
    canvas = np.zeros((_DETECTOR_SIZE, _DETECTOR_SIZE, 3), np.uint8)
    ox, oy = (_DETECTOR_SIZE - nw) // 2, (_DETECTOR_SIZE - nh) // 2
    canvas[oy : oy + nh, ox : ox + nw] = small
    return canvas, scale, float(ox), float(oy)


def _decode(scores: np.ndarray, raw: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anchor offsets -> boxes (cx, cy, w, h) and 6 keypoints, in detector-input pixels."""
    logits = np.clip(scores.reshape(-1), -100.0, 100.0)
    prob = 1.0 / (1.0 + np.exp(-logits))
    keep = np.flatnonzero(prob >= threshold)
    anchors = _anchor_centres()[keep] * _DETECTOR_SIZE
    reg = raw.reshape(-1, 16)[keep]
    boxes = reg[:, :4].copy()
    boxes[:, :2] += anchors
    keypoints = reg[:, 4:].reshape(-1, 6, 2) + anchors[:, None, :]
    return prob[keep], boxes, keypoints


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    a0, a1 = box[:2] - box[2:] / 2, box[:2] + box[2:] / 2
    b0, b1 = boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2
    inter = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None).prod(axis=1)
    union = box[2:].prod() + boxes[:, 2:].prod(axis=1) - inter
    return inter / np.maximum(union, 1e-9)


def _weighted_nms(
    prob: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Blend overlapping candidates, weighted by score (MediaPipe's "weighted" suppression)."""
    order = np.argsort(-prob)
    prob, boxes, keypoints = prob[order], boxes[order], keypoints[order]
    alive = np.ones(len(prob), bool)
    out = []
    for i in range(len(prob)):
        if not alive[i]:
            continue
        group = alive & (_iou(boxes[i], boxes) > _NMS_IOU)
        alive &= ~group
        w = prob[group][:, None]
        box = (boxes[group] * w).sum(0) / w.sum()
        kps = (keypoints[group] * w[:, :, None]).sum(0) / w.sum()
        out.append((float(prob[i]), box, kps))
    return out


def detect_faces(rgb: np.ndarray, threshold: float = DETECTION_THRESHOLD) -> list[FaceDetection]:
    """Find faces in an RGB ``uint8`` image.

    Parameters
    ----------
    rgb:
        (H, W, 3) ``uint8`` RGB image.
    threshold:
        Minimum detector score.

    Returns
    -------
    list of FaceDetection
        Best score first; empty when there is no face.
    """
    canvas, scale, ox, oy = _letterbox(rgb)
    blob = (canvas.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
    out = _run("face_detection_full_range.tflite", np.ascontiguousarray(blob))
    scores = next(v for k, v in out.items() if "classifier" in k)
    raw = next(v for k, v in out.items() if "regressor" in k)
    faces = []
    for score, box, kps in _weighted_nms(*_decode(scores, raw, threshold)):
        cx, cy = (box[0] - ox) / scale, (box[1] - oy) / scale
        bw, bh = box[2] / scale, box[3] / scale
        pts = (kps - (ox, oy)) / scale
        faces.append(FaceDetection((cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2), score, pts))
    return faces


# ---------------------------------------------------------------- landmarks


def _roi_transform(centre: np.ndarray, size: float, angle: float, out_size: int) -> np.ndarray:
    """Affine map from image pixels to a square ``out_size`` crop rotated by ``angle`` (radians)."""
    c, s = np.cos(angle), np.sin(angle)
    k = out_size / size
    # rotate the image by -angle around the centre so the eye line becomes horizontal, then scale
    m = np.array([[c * k, s * k, 0.0], [-s * k, c * k, 0.0]])
    m[:, 2] = out_size / 2 - m[:, :2] @ centre
    return m


def _crop(rgb: np.ndarray, m: np.ndarray, size: int) -> np.ndarray:
    patch = cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray((patch.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])


def _to_image(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    inv = cv2.invertAffineTransform(m)
    return points[:, :2] @ inv[:, :2].T + inv[:, 2]


def _iris(rgb: np.ndarray, corners: np.ndarray, mirror: bool) -> tuple[np.ndarray, float]:
    centre = corners.mean(0)
    d = corners[1] - corners[0]
    angle = float(np.arctan2(d[1], d[0]))
    m = _roi_transform(centre, float(np.hypot(*d)) * _IRIS_ROI_SCALE, angle, _IRIS_SIZE)
    if mirror:  # the iris network was trained on one eye side; mirror the other into it
        m = np.array([[-1.0, 0.0, _IRIS_SIZE], [0.0, 1.0, 0.0]]) @ np.vstack([m, [0, 0, 1]])
    out = _run("iris_landmark.tflite", _crop(rgb, m, _IRIS_SIZE))
    iris = next(v for k, v in out.items() if "iris" in k and "contour" not in k).reshape(5, 3)
    pts = _to_image(iris, m)
    radius = float(np.mean(np.hypot(*(pts[1:] - pts[0]).T)))
    return pts[0], radius


def face_landmarks(rgb: np.ndarray, face: FaceDetection) -> FaceLandmarks:
    """Run FaceMesh and the iris model on one detected face.

    Parameters
    ----------
    rgb:
        The image the face was detected in.
    face:
        A detection from :func:`detect_faces`.

    Returns
    -------
    FaceLandmarks
        468 points and both irises in image coordinates.
    """
    m = _mesh_roi(face, upside_down=False)
    flat, logit = _run_mesh(rgb, m)
    x0, y0, x1, y1 = face.box
    points = np.empty((468, 3), np.float64)
    points[:, :2] = _to_image(flat, m)
    points[:, 2] = flat[:, 2] * (max(x1 - x0, y1 - y0) * _MESH_ROI_SCALE / _MESH_SIZE)
    presence = 1.0 / (1.0 + np.exp(-logit))
    right = _iris(rgb, points[list(RIGHT_EYE_CORNERS), :2], mirror=False)
    left = _iris(rgb, points[list(LEFT_EYE_CORNERS), :2], mirror=True)
    return FaceLandmarks(
        points=points,
        presence=float(presence),
        iris_centres=np.array([right[0], left[0]]),
        iris_radii=np.array([right[1], left[1]]),
        presence_logit=logit,
    )


def _run_mesh(rgb: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, float]:
    """FaceMesh on the crop ``m``: its 468 points in crop coordinates and its presence logit (clipped to
    [-100, 100])."""
    out = _run("face_landmark.tflite", _crop(rgb, m, _MESH_SIZE))
    flat = next(v for v in out.values() if v.size == 1404).reshape(468, 3)
    return flat, float(np.clip(float(next(v for v in out.values() if v.size == 1).reshape(())), -100, 100))


def _mesh_roi(face: FaceDetection, upside_down: bool) -> np.ndarray:
    """FaceMesh's input crop for ``face``: the enlarged box, eye line level (turned by 180 degrees on request)."""
    eye_r, eye_l = face.keypoints[0], face.keypoints[1]
    angle = float(np.arctan2(eye_l[1] - eye_r[1], eye_l[0] - eye_r[0])) + (np.pi if upside_down else 0.0)
    x0, y0, x1, y1 = face.box
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    return _roi_transform(centre, max(x1 - x0, y1 - y0) * _MESH_ROI_SCALE, angle, _MESH_SIZE)


# BlazeFace's box against the FaceMesh points it leads to, on the even-numbered faces_dev subjects' clean
# frames: a square 1.127 times the points' width (interquartile 1.103-1.151), its centre 0.007 widths left
# of and 0.029 widths below theirs
_BOX_PER_MESH_WIDTH = 1.127
_BOX_OFFSET_PER_MESH_WIDTH = np.array([-0.007, 0.029])


def reframe(face: FaceDetection, mesh: FaceLandmarks) -> FaceDetection:
    """The detection FaceMesh's own points imply: where BlazeFace would have put the box and keypoints.

    Parameters
    ----------
    face:
        The detection the landmarks were read on (its score is kept).
    mesh:
        FaceMesh's landmarks on it.

    Returns
    -------
    FaceDetection
        A square box around the points and keypoints read from them (eye centres, nose tip, mouth
        centre, the face's two sides).

    Examples
    --------
    >>> import numpy as np
    >>> from cccd_biometrics.face.detect import FaceDetection, FaceLandmarks, reframe
    >>> pts = np.zeros((468, 3)); pts[:, 0] = np.linspace(100, 200, 468); pts[:, 1] = 150
    >>> mesh = FaceLandmarks(pts, 0.9, np.zeros((2, 2)), np.ones(2), 2.0)
    >>> box = reframe(FaceDetection((0.0, 0.0, 10.0, 10.0), 0.4, np.zeros((6, 2))), mesh).box
    >>> [round(v, 1) for v in box]
    [93.0, 96.6, 205.7, 209.2]
    """
    p = mesh.points[:, :2]
    lo, hi = p.min(axis=0), p.max(axis=0)
    width = float(hi[0] - lo[0])
    centre = (lo + hi) / 2 + _BOX_OFFSET_PER_MESH_WIDTH * width
    half = _BOX_PER_MESH_WIDTH * width / 2
    keypoints = np.array([p[[33, 133]].mean(axis=0), p[[263, 362]].mean(axis=0), p[1], p[[13, 14]].mean(axis=0),
                          p[234], p[454]])
    box = (float(centre[0] - half), float(centre[1] - half), float(centre[0] + half), float(centre[1] + half))
    return FaceDetection(box, face.score, keypoints)


def mesh_presence_logit(rgb: np.ndarray, face: FaceDetection, *, upside_down: bool = False) -> float:
    """FaceMesh's face-presence logit on one detection's crop, optionally read upside down.

    Parameters
    ----------
    rgb:
        The image the face was detected in.
    face:
        A detection from :func:`detect_faces`.
    upside_down:
        Turn the crop by 180 degrees first: a face that reads better this way is upside down in the image.

    Returns
    -------
    float
        The logit (> 0: more likely a face than not), clipped to [-100, 100].

    Examples
    --------
    >>> import numpy as np
    >>> from cccd_biometrics.face.detect import FaceDetection, mesh_presence_logit
    >>> flat = np.full((200, 200, 3), 128, np.uint8)
    >>> face = FaceDetection((50.0, 50.0, 150.0, 150.0), 0.4, np.array([[80, 90], [120, 90]] + [[100, 120]] * 4, float))
    >>> mesh_presence_logit(flat, face) < 0
    True
    """
    return _run_mesh(rgb, _mesh_roi(face, upside_down))[1]
