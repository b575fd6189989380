"""Fitting generated video to a shot's length: resampling with blended in-between frames."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def valid_frame_count(wanted: int, temporal_factor: int) -> int:
    """The largest k * factor + 1 <= wanted (what causal video VAEs accept), at least factor + 1."""
    factor = max(1, temporal_factor)
    return max(factor + 1, ((wanted - 1) // factor) * factor + 1)


def playback_step(source_frames: int, target_frames: int, source_fps: float | None, target_fps: float) -> float:
    """Source frames advanced per output frame.

    Without a source rate the generation is stretched over the whole shot; with one it plays at its own speed,
    slowed down only when it is too short to cover the shot.
    """
    if target_frames <= 1 or source_frames <= 1:
        return 0.0
    spread = (source_frames - 1) / (target_frames - 1)
    return spread if source_fps is None else min(source_fps / target_fps, spread)


def resample(frames: np.ndarray, target_frames: int, step: float) -> Iterator[np.ndarray]:
    """Yield `target_frames` uint8 frames; positions between two source frames are linear blends of both."""
    last = len(frames) - 1
    for index in range(target_frames):
        position = min(float(last), index * step)
        low = int(position)
        high = min(low + 1, last)
        weight = position - low
        blended = frames[low] if weight < 0.001 or high == low else frames[low] * (1.0 - weight) + frames[high] * weight
        yield np.clip(np.asarray(blended) * 255.0 + 0.5, 0, 255).astype(np.uint8)
