"""The face's 468 landmarks (MediaPipe's face-mesh model, run with OpenCV's TFLite reader).

The model (Apache-2.0) ships inside the `mediapipe` wheel, installed without its dependencies and never imported:
only its `.tflite` file is read. Without it, `face_landmarks` returns None and faces stay still.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from personavlog.model_files import packaged_file
from personavlog.schema import FaceBox

MODEL_DISTRIBUTION = "mediapipe"
MODEL_FILE = "mediapipe/modules/face_landmark/face_landmark.tflite"
_INPUT_SIDE = 192
_CROP_SCALE = 1.6
"""The model expects the face box enlarged to this much of a square crop, as MediaPipe's own graph does."""
_MIN_FACE_SCORE = 0.5

# Indices into the 468-point mesh (MediaPipe's canonical topology).
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
    150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
NOSE_TIP = 1


class EyeContour:
    """One eye's outline: the corners and the upper and lower lid points between them (outer to inner)."""

    def __init__(self, outer: int, inner: int, upper: tuple[int, ...], lower: tuple[int, ...]):
        self.outer, self.inner, self.upper, self.lower = outer, inner, upper, lower


# The person's right eye is on the image's left.
RIGHT_EYE = EyeContour(33, 133, (246, 161, 160, 159, 158, 157, 173), (7, 163, 144, 145, 153, 154, 155))
LEFT_EYE = EyeContour(263, 362, (466, 388, 387, 386, 385, 384, 398), (249, 390, 373, 374, 380, 381, 382))
EYES = (RIGHT_EYE, LEFT_EYE)


def face_mesh_path() -> Path | None:
    """Where the installed face-mesh model is, or None when its package is not installed."""
    return packaged_file(MODEL_DISTRIBUTION, MODEL_FILE)


@lru_cache(maxsize=1)
def _network(path: Path) -> Any:
    return cv2.dnn.readNetFromTFLite(str(path))


def face_landmarks(image_rgb: np.ndarray, face: FaceBox) -> np.ndarray | None:
    """(468, 3) float32 landmarks in image pixels (z: depth in the same pixels, negative towards the camera).

    None when the model is not installed or does not see a face in the box.
    """
    path = face_mesh_path()
    if path is None or face.w < 8 or face.h < 8:
        return None
    side = _CROP_SCALE * max(face.w, face.h)
    x0, y0 = face.x + face.w / 2 - side / 2, face.y + face.h / 2 - side / 2
    scale = _INPUT_SIDE / side
    to_crop = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    crop = cv2.warpAffine(
        np.ascontiguousarray(image_rgb[..., :3]),
        to_crop,
        (_INPUT_SIDE, _INPUT_SIDE),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    network = _network(path)
    network.setInput(np.ascontiguousarray((crop.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]))
    outputs = network.forward(network.getUnconnectedOutLayersNames())
    points = next(o for o in outputs if o.size == 468 * 3).reshape(468, 3).astype(np.float32)
    score = float(next(o for o in outputs if o.size == 1).ravel()[0])
    if 1.0 / (1.0 + np.exp(-score)) < _MIN_FACE_SCORE:
        return None
    points /= scale
    points[:, 0] += x0
    points[:, 1] += y0
    return points
