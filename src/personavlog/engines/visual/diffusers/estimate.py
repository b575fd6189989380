"""Dry-run GPU memory estimate of the configured real-model backends, from their files alone (nothing loads).

Weights are exact: parameter counts come from the safetensors headers, priced at the configured dtype.
Activations are a rough upper bound from the configs (latent tokens x width x a constant), meant to tell
"fits" from "needs offload", not to replace a measurement.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from personavlog.engines.settings import DiffusersModel, MusicgenSettings, TorchRuntime

GIB = 1024**3
_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
# Live activations per latent token and channel during one denoiser block (q, k, v, out, MLP, norms).
_ACTIVATION_FACTOR = 12
_VAE_DECODE_FACTOR = 6
_RUNTIME_OVERHEAD_GIB = 0.8


class ComponentSize(BaseModel):
    name: str
    parameters: int
    gib: float


class MemoryEstimate(BaseModel):
    role: str
    model: str
    dtype: str
    offload: str
    components: list[ComponentSize]
    weights_gib: float
    activations_gib: float
    peak_gib: float
    note: str = ""


def safetensors_parameters(path: Path) -> int:
    """Number of parameters in a .safetensors file, read from its JSON header only."""
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    return sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__")


def component_parameters(model_dir: Path) -> dict[str, int]:
    """Parameters per component folder (or "model" for a single-folder transformers model)."""
    found: dict[str, int] = {}
    for file in sorted(Path(model_dir).rglob("*.safetensors")):
        relative = file.relative_to(model_dir)
        name = relative.parts[0] if len(relative.parts) > 1 else "model"
        found[name] = found.get(name, 0) + safetensors_parameters(file)
    return found


def _dtype_name(runtime: TorchRuntime, on_gpu: bool = True) -> str:
    if runtime.dtype != "auto":
        return runtime.dtype
    return "bfloat16" if on_gpu else "float32"


def _config(model_dir: Path, component: str) -> dict[str, Any]:
    path = Path(model_dir) / component / "config.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _peak(components: list[ComponentSize], activations: float, offload: str) -> float:
    weights = sum(c.gib for c in components)
    if offload == "model":
        resident = max((c.gib for c in components), default=0.0)
    elif offload == "sequential":
        resident = 0.0
    else:
        resident = weights
    return resident + activations + _RUNTIME_OVERHEAD_GIB


def _denoiser_width(model_dir: Path) -> tuple[str, int, int]:
    """(component, channel width, patch) of the transformer or UNet."""
    transformer = _config(model_dir, "transformer")
    if transformer:
        heads = transformer.get("num_attention_heads", 1)
        head_dim = transformer.get("attention_head_dim", transformer.get("inner_dim", 64))
        patch = transformer.get("patch_size", 1)
        patch = patch[-1] if isinstance(patch, list) else patch
        return "transformer", int(heads * head_dim), int(patch or 1)
    unet = _config(model_dir, "unet")
    return "unet", int(max(unet.get("block_out_channels", [320]))), 1


def estimate_diffusers(
    role: str, settings: DiffusersModel, width: int, height: int, frames: int, temporal: int = 4
) -> MemoryEstimate:
    model_dir = Path(settings.model or "")
    if not model_dir.is_dir():
        raise FileNotFoundError(f"{role} model folder not found: {settings.model}")
    dtype = _dtype_name(settings)
    size = _BYTES[dtype]
    components = [
        ComponentSize(name=name, parameters=count, gib=round(count * size / GIB, 3))
        for name, count in component_parameters(model_dir).items()
    ]
    vae = _config(model_dir, "vae")
    spatial = 2 ** max(0, len(vae.get("block_out_channels", vae.get("dim_mult", [1, 1, 1, 1]))) - 1)
    component, channels, patch = _denoiser_width(model_dir)
    latent_frames = (frames - 1) // temporal + 1 if frames > 1 else 1
    tokens = latent_frames * math.ceil(height / (spatial * patch)) * math.ceil(width / (spatial * patch))
    guidance_batch = 2 if settings.guidance > 1.0 and component == "unet" else 1
    denoise = tokens * channels * size * _ACTIVATION_FACTOR * guidance_batch
    vae_width = max(vae.get("block_out_channels", [vae.get("base_dim", 96) * max(vae.get("dim_mult", [4]))]))
    decode_frames = 1 if settings.vae_slicing else frames
    decode = decode_frames * height * width * vae_width * size * _VAE_DECODE_FACTOR
    if settings.vae_tiling:
        decode /= 4
    activations = (denoise + decode) / GIB
    return MemoryEstimate(
        role=role,
        model=str(settings.model),
        dtype=dtype,
        offload=settings.offload,
        components=components,
        weights_gib=round(sum(c.gib for c in components), 3),
        activations_gib=round(activations, 3),
        peak_gib=round(_peak(components, activations, settings.offload), 2),
        note=f"{width}x{height}, {frames} frames, {tokens} latent tokens",
    )


def estimate_musicgen(settings: MusicgenSettings) -> MemoryEstimate:
    model_dir = Path(settings.model or "")
    if not model_dir.is_dir():
        raise FileNotFoundError(f"music model folder not found: {settings.model}")
    dtype = _dtype_name(settings)
    components = [
        ComponentSize(name=name, parameters=count, gib=round(count * _BYTES[dtype] / GIB, 3))
        for name, count in component_parameters(model_dir).items()
    ]
    weights = sum(c.gib for c in components)
    return MemoryEstimate(
        role="music",
        model=str(settings.model),
        dtype=dtype,
        offload="none",
        components=components,
        weights_gib=round(weights, 3),
        activations_gib=0.5,
        peak_gib=round(weights + 0.5 + _RUNTIME_OVERHEAD_GIB, 2),
        note=f"{settings.chunk_s:g} s per generation",
    )


def estimate_all(settings: Any, width: int, height: int) -> list[MemoryEstimate]:
    """One estimate per configured real-model backend (embedded backends use no GPU and are left out)."""
    from personavlog.engines.visual.diffusers.runtime import sized_for

    found: list[MemoryEstimate] = []
    visual = settings.visual
    if visual.keyframe == "diffusers":
        kf = visual.diffusers.keyframe
        w, h = sized_for(width, height, kf.short_side, 16)
        found.append(estimate_diffusers("keyframe", kf, w, h, 1))
    if visual.motion == "diffusers":
        motion = visual.diffusers.motion
        w, h = sized_for(width, height, motion.short_side, 16)
        found.append(estimate_diffusers("motion", motion, w, h, motion.frames))
    if settings.music.backend == "musicgen":
        found.append(estimate_musicgen(settings.music))
    return found
