"""Keyframes from a diffusers text-to-image model, held to the protagonist of the reference photo.

Identity comes from the reference cut-out in one or both of two ways (`identity` in the config):
- `ip_adapter`: the cut-out is the image prompt of an IP-Adapter loaded into the pipeline;
- `init_image`: img2img from the cut-out placed, at the shot's framing, on a plain backdrop in the persona's
  palette; `init_strength` trades identity (low) against freedom to paint the scene (high).
The persona's description is always in the text prompt (the visual agent writes it into every keyframe prompt).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from personavlog.engines.settings import KeyframeDiffusers
from personavlog.engines.visual.animatic.engine import save_png
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.engines.visual.diffusers import runtime
from personavlog.errors import InputError
from personavlog.schema import Framing

SETTING = "visual.diffusers.keyframe"
# Height of the person's cut-out relative to the frame height, by framing (a close-up crops below the shoulders).
_PERSON_HEIGHT = {Framing.CLOSE_UP: 1.7, Framing.MEDIUM: 1.05, Framing.WIDE: 0.6}
_IDENTITY_BACKDROP = (128, 128, 128)


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale to fill width x height and crop the centre (no bars, no distortion)."""
    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    resized = image.resize(size, Image.Resampling.LANCZOS)
    left, top = (size[0] - width) // 2, (size[1] - height) // 2
    return resized.crop((left, top, left + width, top + height))


def _person(cutout_path: Path) -> Image.Image:
    rgba = Image.open(cutout_path).convert("RGBA")
    box = rgba.getchannel("A").getbbox()
    return rgba.crop(box) if box else rgba


def identity_image(cutout_path: Path) -> Image.Image:
    """The reference cut-out on a neutral square: the image prompt of an IP-Adapter."""
    person = _person(cutout_path)
    side = max(person.size)
    canvas = Image.new("RGB", (side, side), _IDENTITY_BACKDROP)
    canvas.paste(person, ((side - person.width) // 2, (side - person.height) // 2), person)
    return canvas


def _palette_rgb(palette: list[str], index: int, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
    try:
        value = palette[index].lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except (IndexError, ValueError):
        return fallback


def init_image(spec: ShotRenderSpec, cutout_path: Path, width: int, height: int) -> Image.Image:
    """The cut-out at the shot's framing over a soft two-tone backdrop: what img2img starts from."""
    top = np.array(_palette_rgb(spec.persona.palette, 2, (150, 170, 190)), np.float32)
    bottom = np.array(_palette_rgb(spec.persona.palette, 1, (90, 85, 80)), np.float32)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    backdrop = (top * (1 - ramp) + bottom * ramp) * 0.6 + 0.4 * 128
    canvas = Image.fromarray(np.broadcast_to(backdrop, (height, width, 3)).astype(np.uint8), "RGB")
    person = _person(cutout_path)
    scale = _PERSON_HEIGHT[spec.shot.framing] * height / person.height
    person = person.resize((max(1, round(person.width * scale)), max(1, round(person.height * scale))))
    side = -1 if (spec.seed + spec.shot.id) % 2 == 0 else 1
    centre_x = width * (0.5 + 0.15 * side * (spec.shot.framing != Framing.CLOSE_UP))
    top_y = round(height * (0.08 if spec.shot.framing == Framing.CLOSE_UP else 0.12))
    if spec.shot.framing == Framing.WIDE:
        top_y = height - person.height - round(height * 0.05)
    canvas.paste(person, (round(centre_x - person.width / 2), top_y), person)
    return canvas


def keyframe_prompt(spec: ShotRenderSpec) -> str:
    prompt = spec.visual.keyframe_prompt.strip()
    return prompt if spec.style in prompt.lower() else f"{prompt}, {spec.style} style"


class DiffusersKeyframeEngine:
    """Text-to-image (or image-to-image) keyframes; the model loads once, on the first shot."""

    name = "diffusers"

    def __init__(self, settings: KeyframeDiffusers | None = None):
        self.settings = settings or KeyframeDiffusers()
        if self.settings.identity in ("ip_adapter", "both") and not self.settings.ip_adapter:
            raise InputError(f"{SETTING}.identity = {self.settings.identity!r} needs {SETTING}.ip_adapter")
        self._pipe: Any = None
        self._device = "cpu"

    @property
    def uses_ip_adapter(self) -> bool:
        return self.settings.identity in ("ip_adapter", "both")

    @property
    def uses_init_image(self) -> bool:
        return self.settings.identity in ("init_image", "both")

    def pipeline(self) -> Any:
        if self._pipe is None:
            self._device = runtime.resolve_device(self.settings)
            self._pipe = runtime.load_pipeline(self.settings, "keyframe", SETTING, prepare=self._prepare)
        return self._pipe

    def _prepare(self, pipe: Any) -> Any:
        s = self.settings
        if self.uses_ip_adapter:
            if not hasattr(pipe, "load_ip_adapter"):
                raise InputError(f"{type(pipe).__name__} takes no IP-Adapter; set {SETTING}.identity = 'init_image'")
            try:
                pipe.load_ip_adapter(
                    s.ip_adapter,
                    subfolder=s.ip_adapter_subfolder,
                    weight_name=s.ip_adapter_weight_name,
                    image_encoder_folder=s.ip_adapter_image_encoder,
                    local_files_only=True,
                )
            except OSError as exc:
                raise runtime.missing_weights(str(s.ip_adapter), "IP-Adapter", f"{SETTING}.ip_adapter", exc) from None
            pipe.set_ip_adapter_scale(s.ip_adapter_scale)
        if self.uses_init_image:
            from diffusers import AutoPipelineForImage2Image

            try:
                return AutoPipelineForImage2Image.from_pipe(pipe)
            except ValueError as exc:
                raise InputError(f"{type(pipe).__name__} has no image-to-image variant: {exc}") from None
        return pipe

    def render_keyframe(self, spec: ShotRenderSpec, cutout_path: Path, keyframe_out: Path) -> None:
        pipe = self.pipeline()
        s = self.settings
        multiple = getattr(pipe, "vae_scale_factor", 8) * 2
        width, height = runtime.sized_for(spec.width, spec.height, s.short_side, multiple)
        negative = ", ".join(p for p in (spec.visual.negative_prompt, s.negative_prompt) if p)
        kwargs: dict[str, Any] = {
            "prompt": keyframe_prompt(spec),
            "negative_prompt": negative,
            "num_inference_steps": s.steps,
            "guidance_scale": s.guidance,
            "generator": runtime.generator(runtime.execution_device(pipe, self._device), spec.seed),
            "height": height,
            "width": width,
            "output_type": "pil",
        }
        if self.uses_ip_adapter:
            kwargs["ip_adapter_image"] = identity_image(cutout_path)
        if self.uses_init_image:
            kwargs["image"] = init_image(spec, cutout_path, width, height)
            kwargs["strength"] = s.init_strength
        accepted = inspect.signature(pipe.__call__).parameters
        image = pipe(**{k: v for k, v in kwargs.items() if k in accepted}).images[0]
        frame = cover(image.convert("RGB"), spec.width, spec.height)
        save_png(Path(keyframe_out), np.asarray(frame))
