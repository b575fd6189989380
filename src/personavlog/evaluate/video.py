"""Reading a finished vlog for scoring: its frames, where its shots are, and one representative frame per shot."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import cv2
import numpy as np
from pydantic import BaseModel

MAX_SHORT_SIDE = 480
"""Frames are scaled down to this short side for scoring, so a 1080p entry costs what a 480p one does."""
EDGE_TRIM_S = 0.5
"""Left out at both ends of a shot: crossfades belong to two shots at once."""
CUT_THRESHOLD = 0.45


class Span(BaseModel):
    start_s: float
    duration_s: float


class DecodedVideo(BaseModel):
    model_config = {"arbitrary_types_allowed": True}

    frames: list[np.ndarray]
    fps: float
    duration_s: float

    def shot_frames(self, span: Span) -> list[np.ndarray]:
        trim = min(EDGE_TRIM_S, span.duration_s / 4)
        first = int((span.start_s + trim) * self.fps)
        last = int((span.start_s + span.duration_s - trim) * self.fps)
        return self.frames[max(0, first) : min(len(self.frames), max(first + 1, last))]

    def middle_frame(self, span: Span) -> np.ndarray:
        index = int((span.start_s + span.duration_s / 2) * self.fps)
        return self.frames[min(max(0, index), len(self.frames) - 1)]


def decode(path: Path) -> DecodedVideo:
    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 24)
        for frame in container.decode(video=0):
            rgb: np.ndarray = frame.to_ndarray(format="rgb24")
            short = min(rgb.shape[:2])
            if short > MAX_SHORT_SIDE:
                scale = MAX_SHORT_SIDE / short
                size = (round(rgb.shape[1] * scale / 2) * 2, round(rgb.shape[0] * scale / 2) * 2)
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            frames.append(rgb)
    return DecodedVideo(frames=frames, fps=fps, duration_s=len(frames) / fps)


def _hist(frame: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 16], [0, 180, 0, 256]).ravel()
    return hist / max(float(hist.sum()), 1.0)


def detect_shots(video: DecodedVideo, min_shot_s: float = 1.0) -> list[Span]:
    """Shot boundaries from jumps in the colour histogram (for entries that do not say where their shots are)."""
    if not video.frames:
        return []
    hists = [_hist(f) for f in video.frames]
    cuts = [0]
    for index in range(1, len(hists)):
        change = 1.0 - float(np.minimum(hists[index], hists[index - 1]).sum())
        if change > CUT_THRESHOLD and (index - cuts[-1]) / video.fps >= min_shot_s:
            cuts.append(index)
    bounds = [*cuts, len(video.frames)]
    return [Span(start_s=a / video.fps, duration_s=(b - a) / video.fps) for a, b in itertools.pairwise(bounds)]
