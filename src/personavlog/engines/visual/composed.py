"""A visual engine made of two backends: one makes each keyframe, the other animates it into the clip.

`visual.keyframe` and `visual.motion` pick them independently, e.g. the animatic keyframe (which holds the real
cut-out of the protagonist) animated by an image-to-video model, or a generated keyframe under a virtual camera.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from personavlog.engines.visual.animatic import camera
from personavlog.engines.visual.animatic.engine import keyframe_index, save_png
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.shot import frame_count, prepare_shot
from personavlog.engines.visual.base import FrameProgress, ShotRenderSpec
from personavlog.media import ClipWriter


class KeyframeEngine(Protocol):
    name: str

    def render_keyframe(self, spec: ShotRenderSpec, cutout_path: Path, keyframe_out: Path) -> None:
        """Write `keyframe_out` (RGB PNG, spec.width x spec.height) atomically."""
        ...


class MotionEngine(Protocol):
    name: str

    def animate(
        self, spec: ShotRenderSpec, keyframe_path: Path, clip_out: Path, on_frame: FrameProgress | None = None
    ) -> None:
        """Write `clip_out` (H.264 MP4, round(duration_s * fps) frames at the spec size) atomically."""
        ...


class ComposedVisualEngine:
    def __init__(self, keyframes: KeyframeEngine, motion: MotionEngine):
        self.keyframes = keyframes
        self.motion = motion
        self.name = keyframes.name if keyframes.name == motion.name else f"{keyframes.name}+{motion.name}"

    def render_shot(
        self,
        spec: ShotRenderSpec,
        cutout_path: Path,
        keyframe_out: Path,
        clip_out: Path,
        on_frame: FrameProgress | None = None,
    ) -> None:
        self.keyframes.render_keyframe(spec, Path(cutout_path), Path(keyframe_out))
        self.motion.animate(spec, Path(keyframe_out), Path(clip_out), on_frame)


class AnimaticKeyframes:
    """The animatic's painted keyframe: the scene with the protagonist's own cut-out composited in."""

    name = "animatic"

    def render_keyframe(self, spec: ShotRenderSpec, cutout_path: Path, keyframe_out: Path) -> None:
        prepared = prepare_shot(spec, cutout_path)
        frame = prepared.composer.render(keyframe_index(prepared.frames))
        save_png(keyframe_out, cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB))


class CameraMotion:
    """Moves a virtual camera (the shot's push-in, pan, orbit, ...) over the still keyframe."""

    name = "animatic"

    def animate(
        self, spec: ShotRenderSpec, keyframe_path: Path, clip_out: Path, on_frame: FrameProgress | None = None
    ) -> None:
        with Image.open(keyframe_path) as image:
            still = np.asarray(image.convert("RGB").resize((spec.width, spec.height), Image.Resampling.LANCZOS))
        total = frame_count(spec)
        poses = camera.poses(spec.shot.camera, total, spec.fps, rng_for(spec.seed, spec.shot.id, "camera"))
        # Enough zoom that a pan or a shake never uncovers the frame's edge.
        slack = 1.0 + 2.2 * camera.margin_for(spec.shot.camera)
        focus = (spec.width / 2, spec.height / 2)
        with ClipWriter(clip_out, spec.width, spec.height, spec.fps) as writer:
            for index, pose in enumerate(poses):
                steady = camera.Pose(
                    zoom=pose.zoom * slack,
                    pan_x=pose.pan_x + pose.orbit * camera.ORBIT / 2,
                    pan_y=pose.pan_y,
                    roll_deg=pose.roll_deg,
                )
                matrix = camera.layer_matrix(steady, 1.0, 1.0, spec.width, spec.height, focus, (0.0, 0.0))
                frame = cv2.warpAffine(
                    still, matrix, (spec.width, spec.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
                )
                writer.write(frame)
                if on_frame is not None:
                    on_frame(index + 1, total)
