"""The embedded CPU visual engine: procedurally painted motion-comic shots with the protagonist composited in."""

from __future__ import annotations

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
        prepared = prepare_shot(spec, Path(cutout_path))
        total = prepared.frames
        key = keyframe_index(total)
        with I420ClipWriter(Path(clip_out), spec.width, spec.height, spec.fps) as writer:
            for index in range(total):
                frame = prepared.composer.render(index)
                writer.write_rgba(frame)
                if index == key:
                    save_png(Path(keyframe_out), cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB))
                if on_frame is not None:
                    on_frame(index + 1, total)
