"""Frames of the final timeline, streamed one at a time from the per-shot clips, with transitions.

Shot k owns output frames [round(start_k * fps), round(end_k * fps)). Its clip holds those frames
and, except for the last shot, a tail of about crossfade_s more, which the cut into shot k+1 (a crossfade,
a dip to a colour or a whip pan: see transitions.py) blends over the first frames of shot k+1. At most
two decoders are open at once and no frame is kept beyond the one being blended, so memory does not
depend on the length of the video.
"""

from __future__ import annotations

from collections.abc import Generator
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image

from personavlog.compose.transitions import transition_frame
from personavlog.media import iter_clip_frames
from personavlog.schema import Timeline


def shot_frame_ranges(timeline: Timeline) -> list[tuple[int, int]]:
    """(first, end) output frame of each shot, contiguous from 0 to the total frame count."""
    fps = timeline.fps
    bounds = [0] + [round((shot.start_s + shot.duration_s) * fps) for shot in timeline.shots]
    for index in range(1, len(bounds)):
        bounds[index] = max(bounds[index], bounds[index - 1])
    return list(pairwise(bounds))


def total_frames(timeline: Timeline) -> int:
    return shot_frame_ranges(timeline)[-1][1]


def _fit(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to cover width x height and centre-crop; only used when a clip has the wrong size."""
    if frame.shape[0] == height and frame.shape[1] == width:
        return frame
    source_h, source_w = frame.shape[:2]
    scale = max(width / source_w, height / source_h)
    resized_w, resized_h = max(width, round(source_w * scale)), max(height, round(source_h * scale))
    image = Image.fromarray(frame).resize((resized_w, resized_h), Image.Resampling.BILINEAR)
    left, top = (resized_w - width) // 2, (resized_h - height) // 2
    return np.asarray(image.crop((left, top, left + width, top + height)))


class ClipReader:
    """Pulls frames from one clip; once the clip runs out it keeps returning its last frame."""

    def __init__(self, path: Path, width: int, height: int):
        self._frames = iter_clip_frames(Path(path))
        self._width = width
        self._height = height
        self._last: np.ndarray | None = None
        self.exhausted = False
        self.path = Path(path)

    def next(self) -> np.ndarray:
        if not self.exhausted:
            try:
                self._last = _fit(next(self._frames), self._width, self._height)
            except StopIteration:
                self.exhausted = True
                self.close()
        if self._last is None:
            raise ValueError(f"{self.path}: clip has no frames")
        return self._last

    def close(self) -> None:
        self._frames.close()


def iter_timeline_frames(timeline: Timeline, clips: dict[int, Path]) -> Generator[np.ndarray, None, None]:
    """Yield every output frame (H, W, 3 uint8) in order."""
    crossfade = max(0, round(timeline.crossfade_s * timeline.fps))
    previous: ClipReader | None = None
    current: ClipReader | None = None
    try:
        for shot, (first, end) in zip(timeline.shots, shot_frame_ranges(timeline), strict=True):
            current = ClipReader(clips[shot.shot_id], timeline.width, timeline.height)
            own = end - first
            fade = min(crossfade, own) if previous is not None and not previous.exhausted else 0
            for index in range(own):
                frame = current.next()
                if index < fade and previous is not None:
                    frame = transition_frame(shot.transition_in, previous.next(), frame, (index + 1) / (fade + 1))
                yield frame
            if previous is not None:
                previous.close()
            previous, current = current, None
    finally:
        for reader in (previous, current):
            if reader is not None:
                reader.close()
