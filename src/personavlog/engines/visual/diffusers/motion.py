"""Clips from a diffusers image-to-video model (Wan 2.x I2V, CogVideoX I2V, LTX-Video I2V, ...).

Each keyframe is animated with its motion prompt plus the shot's camera move in words. The generated frames are
fitted to the shot: `fit = "stretch"` resamples one generation over the whole shot (blended in-between frames);
`fit = "continue"` generates again from the last frame until the shot is covered at the model's own speed.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from personavlog.engines.settings import MotionDiffusers
from personavlog.engines.visual.animatic.shot import frame_count
from personavlog.engines.visual.base import FrameProgress, ShotRenderSpec
from personavlog.engines.visual.diffusers import runtime
from personavlog.engines.visual.diffusers.fit import playback_step, resample, valid_frame_count
from personavlog.engines.visual.diffusers.keyframe import cover
from personavlog.media import ClipWriter
from personavlog.schema import CameraMove

SETTING = "visual.diffusers.motion"
CAMERA_WORDS = {
    CameraMove.STATIC: "static camera",
    CameraMove.PUSH_IN: "the camera slowly pushes in",
    CameraMove.PULL_OUT: "the camera slowly pulls out",
    CameraMove.PAN_LEFT: "the camera pans left",
    CameraMove.PAN_RIGHT: "the camera pans right",
    CameraMove.TILT_UP: "the camera tilts up",
    CameraMove.TILT_DOWN: "the camera tilts down",
    CameraMove.HANDHELD: "handheld camera, gentle shake",
    CameraMove.ORBIT: "the camera orbits around the subject",
}


def motion_prompt(spec: ShotRenderSpec) -> str:
    words = CAMERA_WORDS[spec.shot.camera]
    prompt = spec.visual.motion_prompt.strip()
    return prompt if "camera" in prompt.lower() else f"{prompt}, {words}"


def temporal_factor(pipe: Any) -> int:
    for name in ("vae_scale_factor_temporal", "vae_temporal_compression_ratio"):
        value = getattr(pipe, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 4


def spatial_multiple(pipe: Any) -> int:
    spatial = 8
    for name in ("vae_scale_factor_spatial", "vae_spatial_compression_ratio", "vae_scale_factor"):
        value = getattr(pipe, name, None)
        if isinstance(value, int) and value > 0:
            spatial = value
            break
    denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
    patch = getattr(getattr(denoiser, "config", None), "patch_size", 1) or 1
    if isinstance(patch, (list, tuple)):
        patch = patch[-1]
    return spatial * int(patch)


class DiffusersMotionEngine:
    """Image-to-video per shot; the model loads once, on the first shot, and stays for the run."""

    name = "diffusers"

    def __init__(self, settings: MotionDiffusers | None = None):
        self.settings = settings or MotionDiffusers()
        self._pipe: Any = None
        self._device = "cpu"

    def pipeline(self) -> Any:
        if self._pipe is None:
            self._device = runtime.resolve_device(self.settings)
            self._pipe = runtime.load_pipeline(self.settings, "image-to-video", SETTING)
        return self._pipe

    def plan(self, spec: ShotRenderSpec) -> tuple[int, int, int, int]:
        """(width, height, frames per generation, generations) for a shot."""
        pipe = self.pipeline()
        s = self.settings
        width, height = runtime.sized_for(spec.width, spec.height, s.short_side, spatial_multiple(pipe))
        per_generation = valid_frame_count(s.frames, temporal_factor(pipe))
        generations = 1
        if s.fit == "continue":
            wanted = spec.duration_s * s.model_fps + 1
            while generations < s.max_segments and per_generation + (generations - 1) * (per_generation - 1) < wanted:
                generations += 1
        return width, height, per_generation, generations

    def _generate(
        self, image: Image.Image, spec: ShotRenderSpec, size: tuple[int, int], frames: int, seed: int, progress: Any
    ) -> np.ndarray:
        pipe = self.pipeline()
        s = self.settings
        negative = ", ".join(p for p in (spec.visual.negative_prompt, s.negative_prompt) if p)
        kwargs: dict[str, Any] = {
            "image": image,
            "prompt": motion_prompt(spec),
            "negative_prompt": negative,
            "width": size[0],
            "height": size[1],
            "num_frames": frames,
            "num_inference_steps": s.steps,
            "guidance_scale": s.guidance,
            "generator": runtime.generator(runtime.execution_device(pipe, self._device), seed),
            "output_type": "np",
            "frame_rate": round(s.model_fps),
            "callback_on_step_end": progress,
        }
        accepted = inspect.signature(pipe.__call__).parameters
        video = pipe(**{k: v for k, v in kwargs.items() if k in accepted}).frames[0]
        return np.asarray(video, dtype=np.float32)

    def animate(
        self, spec: ShotRenderSpec, keyframe_path: Path, clip_out: Path, on_frame: FrameProgress | None = None
    ) -> None:
        s = self.settings
        width, height, per_generation, generations = self.plan(spec)
        total = frame_count(spec)
        steps_total = generations * s.steps
        done = [0]

        def progress(_pipe: Any, _step: int, _timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
            done[0] += 1
            if on_frame is not None:
                on_frame(min(total - 1, done[0] * total // max(1, steps_total)), total)
            return callback_kwargs

        with Image.open(keyframe_path) as opened:
            image = cover(opened.convert("RGB"), width, height)
        pieces: list[np.ndarray] = []
        for generation in range(generations):
            video = self._generate(image, spec, (width, height), per_generation, spec.seed + generation, progress)
            pieces.append(video if generation == 0 else video[1:])
            last = np.clip(video[-1] * 255.0 + 0.5, 0, 255).astype(np.uint8)
            image = Image.fromarray(last, "RGB")
        frames = np.concatenate(pieces)
        source_fps = s.model_fps if s.fit == "continue" else None
        step = playback_step(len(frames), total, source_fps, spec.fps)
        with ClipWriter(Path(clip_out), spec.width, spec.height, spec.fps) as writer:
            for frame in resample(frames, total, step):
                if frame.shape[:2] != (spec.height, spec.width):
                    frame = np.asarray(cover(Image.fromarray(frame, "RGB"), spec.width, spec.height))
                writer.write(frame)
        if on_frame is not None:
            on_frame(total, total)
