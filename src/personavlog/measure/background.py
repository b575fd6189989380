"""Background consistency within a shot, with the person masked out.

Definition: for each frame of a shot, an HSV colour histogram (8×8×8 bins) of the pixels outside the person
region, compared with the shot's first frame by histogram intersection; averaged over the shot's frames.
The person region is the bounding box of the person: the largest dlib face box found in the frame, widened to
shoulders and body below it (3× the face width, down to the bottom of the frame); when no face is found, the
central third of the frame is masked. Range 0..1, higher is more consistent (1 = the background's colours do not
change at all). Model: dlib's HOG face detector (for the mask); the rest is OpenCV arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from personavlog.measure.identity import face_models


def person_mask(frame: np.ndarray) -> np.ndarray:
    """Boolean (H, W) mask, True on the person region to leave out."""
    detector, _, _ = face_models()
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), dtype=bool)
    faces = sorted(detector(np.ascontiguousarray(frame[..., :3]), 0), key=lambda r: r.width() * r.height())
    if faces:
        face = faces[-1]
        cx, fw = (face.left() + face.right()) // 2, face.width()
        top = max(0, face.top() - fw // 2)
        mask[top:, max(0, cx - int(1.5 * fw)) : min(w, cx + int(1.5 * fw))] = True
    else:
        mask[:, w // 3 : 2 * w // 3] = True
    return mask


def _histogram(frame: np.ndarray, keep: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], keep.astype(np.uint8), [8, 8, 8], [0, 180, 0, 256, 0, 256]).ravel()
    return hist / max(float(hist.sum()), 1.0)


def background_consistency(frames: Sequence[np.ndarray]) -> float:
    """Consistency of the background over the frames of one shot (see the module docstring)."""
    if len(frames) < 2:
        return 1.0
    masks = [person_mask(f) for f in frames]
    histograms = [_histogram(f, ~m) for f, m in zip(frames, masks, strict=True)]
    first = histograms[0]
    return float(np.mean([np.minimum(first, h).sum() for h in histograms[1:]]))
