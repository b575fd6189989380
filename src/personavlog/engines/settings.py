"""The options models of the built-in engine backends that take options (see engines/backends.py).

`[visual.diffusers.keyframe]` and `[visual.diffusers.motion]` are the diffusers keyframe and motion backends'
options, `[speech]` with `backend = "openai"` the HTTP speech backend's, `[music]` with `backend = "musicgen"`
MusicGen's, `[music]` with `backend = "midi"` the embedded score's (which General MIDI soundfont plays it).
The other embedded backends (animatic, piper) take none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from personavlog.backends.record import BackendOptions, SectionOptions

Dtype = Literal["auto", "bfloat16", "float16", "float32"]
Offload = Literal["none", "model", "sequential"]
CacheKind = Literal["none", "first_block"]


class TorchRuntime(BackendOptions):
    """Where and how a torch model runs; shared by every diffusers/transformers backend."""

    device: str = Field(default="auto", description="auto: cuda when available, else cpu; or cuda, cuda:1, cpu, mps")
    dtype: Dtype = Field(default="auto", description="auto: bfloat16 on cuda, float32 on cpu")
    offload: Offload = Field(
        default="none", description="model: whole components move to the GPU when used; sequential: layer by layer"
    )
    attention_slicing: bool = False
    vae_slicing: bool = False
    vae_tiling: bool = False
    cpu_threads: int | None = Field(
        default=None, ge=1, description="torch threads on a CPU (1 is fastest for tiny models on a busy machine)"
    )


class DiffusersModel(TorchRuntime):
    """One diffusers pipeline: where its weights are and how it samples."""

    model: str | None = Field(
        default=None, description="local folder in diffusers layout, or a hub id already in the local cache"
    )
    pipeline_class: str | None = Field(default=None, description="diffusers class name; default: from model_index.json")
    steps: int = Field(default=30, ge=1, le=200)
    guidance: float = Field(default=5.0, ge=0.0, le=30.0, description="<= 1 turns classifier-free guidance off")
    short_side: int | None = Field(
        default=None, ge=16, description="generate at this short side (model's native size); frames are resized"
    )
    scheduler: str | None = Field(default=None, description="diffusers scheduler class, e.g. LCMScheduler")
    scheduler_options: dict[str, Any] = Field(default_factory=dict, description="passed to the scheduler's config")
    lora: str | None = Field(default=None, description="LoRA folder or file, e.g. a few-step distillation LoRA")
    lora_weight_name: str | None = None
    lora_scale: float = 1.0
    cache: CacheKind = Field(default="none", description="first_block: diffusers' first-block cache on the denoiser")
    cache_threshold: float = Field(default=0.05, gt=0.0, le=1.0)
    negative_prompt: str = "blurry, deformed, distorted face, extra limbs, watermark, text, low quality"
    local_files_only: bool = Field(default=True, description="never download: missing weights are an error")


class KeyframeDiffusers(DiffusersModel):
    """Text-to-image keyframes that keep the protagonist of the reference photo."""

    steps: int = Field(default=30, ge=1, le=200)
    identity: Literal["ip_adapter", "init_image", "both", "none"] = Field(
        default="init_image",
        description="ip_adapter: the reference cut-out as an image prompt; init_image: img2img from the cut-out "
        "placed on a plain backdrop; both: the two together",
    )
    ip_adapter: str | None = Field(default=None, description="folder or hub id holding IP-Adapter weights")
    ip_adapter_subfolder: str = "models"
    ip_adapter_weight_name: str = "ip-adapter_sd15.safetensors"
    ip_adapter_image_encoder: str | None = Field(
        default="image_encoder", description="image encoder folder, relative to the subfolder or a path with '/'"
    )
    ip_adapter_scale: float = Field(default=0.6, ge=0.0, le=2.0)
    init_strength: float = Field(
        default=0.8, gt=0.0, le=1.0, description="img2img strength: 1 ignores the init image, lower keeps more of it"
    )


class MotionDiffusers(DiffusersModel):
    """Image-to-video clips animated from each keyframe."""

    frames: int = Field(default=81, ge=2, le=1025, description="frames per generation (rounded to what the VAE takes)")
    model_fps: float = Field(default=16.0, gt=0, description="the frame rate the model was trained at")
    fit: Literal["stretch", "continue"] = Field(
        default="stretch",
        description="stretch: one generation resampled over the shot; continue: further generations from the last "
        "frame until the shot is covered at the model's own speed",
    )
    max_segments: int = Field(default=4, ge=1, le=32, description="cap on generations per shot with fit=continue")


class OpenAISpeechSettings(SectionOptions):
    """`[speech] backend = "openai"`: any OpenAI-compatible `/v1/audio/speech` server."""

    backend: str = "openai"
    base_url: str = Field(default="http://127.0.0.1:8880/v1", description="the API root, ending in /v1")
    model: str = Field(default="tts-1", description="the speech model name the server expects")
    voice: str | None = Field(default=None, description="voice name (default: alloy)")
    response_format: Literal["wav"] = "wav"
    speed: float = Field(default=1.0, gt=0.25, le=4.0)
    api_key_env: str | None = Field(default=None, description="environment variable holding the API key")
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)


class KokoroJaSettings(SectionOptions):
    """`[speech] backend = "kokoro_ja"`: the embedded Japanese Kokoro voice (chosen by default for --language ja)."""

    backend: str = "kokoro_ja"
    voice: Literal["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"] = Field(
        default="jf_alpha", description="the Japanese voice: four women's (jf_*) and one man's (jm_kumo)"
    )
    speed: float = Field(default=1.0, ge=0.5, le=2.0, description="speaking rate (1.0: about 5 characters a second)")


class MidiSettings(SectionOptions):
    """`[music] backend = "midi"`: the score composed in MIDI and played through a General MIDI soundfont."""

    backend: str = "midi"
    soundfont: Path | None = Field(
        default=None,
        description="a General MIDI .sf2 file (default: the bundled TimGM6mb)",
    )

    @field_validator("soundfont")
    @classmethod
    def _readable_soundfont(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        path = path.expanduser().resolve()
        try:
            with open(path, "rb") as handle:
                header = handle.read(12)
        except OSError as exc:
            raise ValueError(f"cannot read the soundfont {path}: {exc.strerror or exc}") from None
        if header[:4] != b"RIFF" or header[8:12] != b"sfbk":
            raise ValueError(f"{path} is not a SoundFont 2 (.sf2) file")
        return path


class MusicgenSettings(TorchRuntime, SectionOptions):
    """`[music] backend = "musicgen"`: transformers MusicGen on local weights."""

    backend: str = "musicgen"
    model: str | None = Field(default=None, description="local folder or a hub id in the local cache")
    guidance: float = Field(default=3.0, ge=0.0, le=20.0)
    chunk_s: float = Field(default=20.0, gt=1.0, le=30.0, description="seconds generated per call (MusicGen <= 30)")
    crossfade_s: float = Field(default=2.0, ge=0.0, le=10.0)
    temperature: float = Field(default=1.0, gt=0.0, le=3.0)
    top_k: int = Field(default=250, ge=1)
    local_files_only: bool = True
