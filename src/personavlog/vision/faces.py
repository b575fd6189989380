"""Frontal face detection with OpenCV's Haar cascades (no model downloads)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import cv2.data
import numpy as np

from personavlog.schema import FaceBox

_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")
_WORK_SIDE = 900


@lru_cache(maxsize=4)
def _cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if classifier.empty():
        raise RuntimeError(f"OpenCV cascade {name} could not be loaded")
    return classifier


def detect_faces(image_rgb: np.ndarray, min_fraction: float = 0.06) -> list[FaceBox]:
    """All frontal faces, largest first. `min_fraction` is the smallest face side relative to the image's short side."""
    height, width = image_rgb.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(height, width))
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    min_side = max(24, int(min(gray.shape) * min_fraction))
    # Global equalisation suits most photos; a grey backdrop can flatten the face instead, so the raw and
    # locally equalised images are tried too.
    variants = (cv2.equalizeHist(gray), gray, cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray))
    for image, name in ((v, n) for v in variants for n in _CASCADES):
        found = _cascade(name).detectMultiScale(image, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
        if len(found):
            boxes = sorted((tuple(int(v) for v in box) for box in found), key=lambda b: b[2] * b[3], reverse=True)
            return [
                FaceBox(x=round(x / scale), y=round(y / scale), w=round(w / scale), h=round(h / scale))
                for x, y, w, h in boxes
            ]
    return []


def no_face_message(path: Path) -> str:
    return f"no face found in the reference image {path}; pass --allow-no-face to use the whole image as the character"


def largest_face(image_rgb: np.ndarray, min_fraction: float = 0.06) -> FaceBox | None:
    faces = detect_faces(image_rgb, min_fraction)
    return faces[0] if faces else None
