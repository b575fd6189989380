"""Frames of the final timeline, streamed one at a time from the per-shot clips, with transitions.

Shot k owns output frames [round(start_k * fps), round(end_k * fps)). Its clip holds those frames
and, except for the last shot, a tail of about crossfade_s more, which the cut into shot k+1 (a crossfade,
a dip to a colour or a whip pan: see transitions.py) blends over the first frames of shot k+1. At most
two decoders are open at once and no frame is kept beyond the one being blended, so memory does not
depend on the length of the video.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
from PIL import Image

from personavlog.compose.transitions import transition_frame
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
        self.path = Path(path)
        self._container = av.open(str(self.path))
        self._frames = self._container.decode(video=0)
        self._width = width
        self._height = height
        self._last_decoded: av.VideoFrame | None = None
        self._last: np.ndarray | None = None
        self.exhausted = False

    def _advance(self) -> bool:
        """Decode the next frame (left unconverted); False once the clip has run out."""
        if not self.exhausted:
            try:
                self._last_decoded = next(self._frames)
                self._last = None
                return True
            except StopIteration:
                self.exhausted = True
                self.close()
        return False

    def next(self) -> np.ndarray:
        self._advance()
        if self._last is None:
            if self._last_decoded is None:
                raise ValueError(f"{self.path}: clip has no frames")
            self._last = _fit(self._last_decoded.to_ndarray(format="rgb24"), self._width, self._height)
        return self._last

    def skip(self, count: int) -> None:
        """Move past `count` frames, as `count` calls of next() would, without converting them."""
        for _ in range(count):
            if not self._advance():
                return

    def close(self) -> None:
        self._container.close()


def fade_frames(timeline: Timeline, index: int) -> int:
    """How many of shot `index`'s first frames the cut into it blends with the previous clip's tail (0 for the
    first shot). `iter_shot_frames` leaves the cut out when the previous clip ran out before its own shot ended."""
    if index == 0:
        return 0
    first, end = shot_frame_ranges(timeline)[index]
    return min(max(0, round(timeline.crossfade_s * timeline.fps)), end - first)


def iter_shot_frames(
    timeline: Timeline, clips: dict[int, Path], indices: Sequence[int]
) -> Generator[np.ndarray, None, None]:
    """Yield the output frames (H, W, 3 uint8) of the shots at `indices` (ascending), in order.

    Each shot's frames come with the cut into it, so any shot can be rendered on its own: when the shot before
    it was not just played, its clip is opened and read up to its tail (decoded, not converted).
    """
    ranges = shot_frame_ranges(timeline)
    previous: ClipReader | None = None
    current: ClipReader | None = None
    played = -1
    try:
        for index in indices:
            shot = timeline.shots[index]
            fade = fade_frames(timeline, index)
            if played != index - 1 and previous is not None:
                previous.close()
                previous = None
            if fade and previous is None:
                before = timeline.shots[index - 1]
                previous = ClipReader(clips[before.shot_id], timeline.width, timeline.height)
                previous.skip(ranges[index - 1][1] - ranges[index - 1][0])
            current = ClipReader(clips[shot.shot_id], timeline.width, timeline.height)
            first, end = ranges[index]
            if previous is None or previous.exhausted:
                fade = 0
            for position in range(end - first):
                frame = current.next()
                if position < fade and previous is not None:
                    frame = transition_frame(shot.transition_in, previous.next(), frame, (position + 1) / (fade + 1))
                yield frame
            if previous is not None:
                previous.close()
            previous, current, played = current, None, index
    finally:
        for reader in (previous, current):
            if reader is not None:
                reader.close()


def iter_timeline_frames(timeline: Timeline, clips: dict[int, Path]) -> Generator[np.ndarray, None, None]:
    """Yield every output frame (H, W, 3 uint8) in order."""
    return iter_shot_frames(timeline, clips, range(len(timeline.shots)))
