"""The embedded CPU visual engine: procedurally painted motion-comic shots with the protagonist composited in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from personavlog.engines.visual.animatic.encoder import I420ClipWriter
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.base import FrameProgress, ShotRenderSpec
from personavlog.errors import StageError
from personavlog.fsutil import atomic_path

KEYFRAME_AT = 0.4


def keyframe_index(frames: int) -> int:
    return min(frames - 1, int(frames * KEYFRAME_AT))


def save_png(path: Path, rgb: np.ndarray) -> None:
    with atomic_path(Path(path)) as tmp:
        Image.fromarray(rgb).save(tmp, format="PNG", compress_level=4)


@contextmanager
def single_threaded_opencv() -> Iterator[None]:
    """OpenCV on one thread while a shot renders, as it was before afterwards.

    A frame is many small warps and blends: OpenCV's thread pool spends about 15% more CPU time on them than it
    saves, and the encoder's own threads keep the second core busy meanwhile."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


class AnimaticEngine:
    """Paints the location, light and weather of each shot, composites the cut-out, moves the camera."""

    name = "animatic"

    def render_shot(
        self,
        spec: ShotRenderSpec,
        cutout_path: Path,
        keyframe_out: Path,
        clip_out: Path,
        on_frame: FrameProgress | None = None,
    ) -> None:
        if spec.width < 16 or spec.height < 16 or spec.width % 2 or spec.height % 2:
            raise StageError("visual", f"frame size must be even and at least 16px, got {spec.width}x{spec.height}")
        with single_threaded_opencv():
            self._render(spec, Path(cutout_path), Path(keyframe_out), Path(clip_out), on_frame)

    @staticmethod
    def _render(
        spec: ShotRenderSpec, cutout_path: Path, keyframe_out: Path, clip_out: Path, on_frame: FrameProgress | None
    ) -> None:
        prepared = prepare_shot(spec, cutout_path)
        total = prepared.frames
        key = keyframe_index(total)
        with I420ClipWriter(clip_out, spec.width, spec.height, spec.fps) as writer:
            for index in range(total):
                frame = prepared.composer.render(index)
                writer.write_rgba(frame)
                if index == key:
                    save_png(keyframe_out, cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB))
                if on_frame is not None:
                    on_frame(index + 1, total)
