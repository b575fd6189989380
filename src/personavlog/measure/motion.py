"""Temporal quality of a clip: flicker and motion smoothness.

- flicker_score: 1 - mean absolute difference between consecutive frames / 255 (on 1/4-size grey frames),
  range 0..1, higher is steadier (VBench-style temporal flickering).
- motion_smoothness: 1 - mean change of the global motion vector between frames relative to its size
  (Farneback optical flow on 1/4-size grey frames), range 0..1, higher is smoother; a static clip scores 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel

from personavlog.media import iter_clip_frames


class MotionReport(BaseModel):
    frames: int
    flicker_score: float
    motion_smoothness: float
    mean_motion_px: float
    """Mean global motion per frame, in full-resolution pixels."""


def _small_grey(frame: np.ndarray, scale: int = 4) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (grey.shape[1] // scale, grey.shape[0] // scale), interpolation=cv2.INTER_AREA)


def analyse_frames(frames: Iterable[np.ndarray], scale: int = 4) -> MotionReport:
    previous: np.ndarray | None = None
    diffs: list[float] = []
    motions: list[np.ndarray] = []
    count = 0
    for frame in frames:
        grey = _small_grey(frame, scale)
        count += 1
        if previous is not None:
            diffs.append(float(np.mean(np.abs(grey.astype(np.int16) - previous.astype(np.int16)))))
            flow = cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]  # cv2 accepts None
                previous, grey, None, 0.5, 3, 15, 3, 5, 1.2, 0
            )
            motions.append(np.median(flow.reshape(-1, 2), axis=0) * scale)
        previous = grey
    if not diffs:
        return MotionReport(frames=count, flicker_score=1.0, motion_smoothness=1.0, mean_motion_px=0.0)
    vectors = np.asarray(motions)
    speed = float(np.mean(np.linalg.norm(vectors, axis=1)))
    jerk = float(np.mean(np.linalg.norm(np.diff(vectors, axis=0), axis=1))) if len(vectors) > 1 else 0.0
    smoothness = 1.0 - min(1.0, jerk / (speed + 1.0))
    return MotionReport(
        frames=count,
        flicker_score=1.0 - float(np.mean(diffs)) / 255.0,
        motion_smoothness=smoothness,
        mean_motion_px=speed,
    )


def analyse_clip(path: Path) -> MotionReport:
    return analyse_frames(iter_clip_frames(path))
