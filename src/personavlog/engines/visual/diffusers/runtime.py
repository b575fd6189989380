"""Loading a diffusers pipeline once, offline, with the configured precision, memory and speed options."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from personavlog.engines.settings import DiffusersModel, TorchRuntime
from personavlog.errors import InputError

EXTRA_HINT = 'install the real-model backends with: pip install -e ".[diffusers]"'


def import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise InputError(f"this backend needs torch; {EXTRA_HINT}") from None
    return torch


def quiet_loading() -> None:
    """No per-component progress bars or advisory warnings on the console; errors still surface."""
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    diffusers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


def resolve_device(runtime: TorchRuntime) -> str:
    torch = import_torch()
    device = runtime.device if runtime.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and runtime.cpu_threads:
        torch.set_num_threads(runtime.cpu_threads)
    return device


def resolve_dtype(runtime: TorchRuntime, device: str) -> Any:
    """bfloat16 on a GPU, float32 on a CPU (half precision on CPUs is slow and some kernels lack it)."""
    torch = import_torch()
    if runtime.dtype != "auto":
        return getattr(torch, runtime.dtype)
    return torch.bfloat16 if device.startswith("cuda") else torch.float32


def local_model_path(model: str | None, what: str, setting: str) -> str:
    """The folder to load from: a local folder, or a hub id whose files are already in the local cache."""
    if not model:
        raise InputError(f"no {what} model configured: set {setting} to a local folder in diffusers layout")
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    if model.startswith((".", "/", "~")) or model.count("/") != 1:
        raise InputError(f"{what} model not found: {model} (set {setting} to a local folder)")
    return model


def missing_weights(model: str, what: str, setting: str, exc: Exception) -> InputError:
    return InputError(
        f"{what} weights for {model!r} are not available locally ({type(exc).__name__}); download them first "
        f"(e.g. `hf download {model} --local-dir DIR`) and set {setting} to that folder — nothing is downloaded "
        "at run time"
    )


def pipeline_class_for(model_path: str, configured: str | None, default: str = "DiffusionPipeline") -> Any:
    """The configured diffusers class, or the one model_index.json names, or DiffusionPipeline's own choice."""
    import diffusers

    name = configured
    index = Path(model_path) / "model_index.json"
    if name is None and index.is_file():
        name = json.loads(index.read_text(encoding="utf-8")).get("_class_name")
    cls = getattr(diffusers, name or default, None)
    if cls is None:
        raise InputError(f"unknown diffusers pipeline class {name!r} (diffusers {diffusers.__version__})")
    return cls


def load_pipeline(
    settings: DiffusersModel,
    what: str,
    setting: str,
    default_class: str = "DiffusionPipeline",
    prepare: Callable[[Any], Any] | None = None,
) -> Any:
    """One `from_pretrained` from local files with the options of `settings` applied; placed on its device.

    `prepare(pipe)` runs before placement (adapters must be attached before offload hooks) and may return
    a replacement pipeline sharing the same components.
    """
    import_torch()
    model = local_model_path(settings.model, what, setting + ".model")
    device = resolve_device(settings)
    dtype = resolve_dtype(settings, device)
    cls = pipeline_class_for(model, settings.pipeline_class, default_class)
    if settings.local_files_only:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    quiet_loading()
    try:
        pipe = cls.from_pretrained(model, dtype=dtype, local_files_only=settings.local_files_only)
    except OSError as exc:
        raise missing_weights(model, what, setting + ".model", exc) from None
    except ValueError as exc:
        raise InputError(f"cannot load {what} model {model}: {exc}") from None
    if prepare is not None:
        pipe = prepare(pipe) or pipe
    apply_options(pipe, settings, device)
    return pipe


def apply_options(pipe: Any, settings: DiffusersModel, device: str) -> None:
    """Scheduler, LoRA, cache hooks, slicing and placement (offload or plain .to(device))."""
    import diffusers

    if settings.scheduler:
        scheduler_cls = getattr(diffusers, settings.scheduler, None)
        if scheduler_cls is None:
            raise InputError(f"unknown diffusers scheduler {settings.scheduler!r}")
        pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config, **settings.scheduler_options)
    elif settings.scheduler_options:
        pipe.scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config, **settings.scheduler_options)
    if settings.lora:
        kwargs = {"weight_name": settings.lora_weight_name} if settings.lora_weight_name else {}
        try:
            pipe.load_lora_weights(settings.lora, adapter_name="fast", local_files_only=True, **kwargs)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot load LoRA {settings.lora}: {exc}") from None
        pipe.set_adapters(["fast"], adapter_weights=[settings.lora_scale])
    if settings.cache == "first_block":
        enable_first_block_cache(pipe, settings.cache_threshold)
    if settings.attention_slicing and hasattr(pipe, "enable_attention_slicing"):
        pipe.enable_attention_slicing()
    vae = getattr(pipe, "vae", None)
    if vae is not None and settings.vae_slicing and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
    if vae is not None and settings.vae_tiling and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if settings.offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif settings.offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)


def enable_first_block_cache(pipe: Any, threshold: float) -> None:
    from diffusers.hooks import FirstBlockCacheConfig

    denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
    if denoiser is None or not hasattr(denoiser, "enable_cache"):
        raise InputError(f'{type(pipe).__name__} has no cache hooks; set cache = "none"')
    denoiser.enable_cache(FirstBlockCacheConfig(threshold=threshold))


def generator(device: str, seed: int) -> Any:
    torch = import_torch()
    return torch.Generator(device="cpu" if device.startswith("mps") else device).manual_seed(seed)


def execution_device(pipe: Any, fallback: str) -> str:
    device = getattr(pipe, "_execution_device", None)
    return str(device) if device is not None else fallback


def sized_for(width: int, height: int, short_side: int | None, multiple: int) -> tuple[int, int]:
    """The generation size: the shot's aspect at `short_side` (default: the shot's own), rounded to `multiple`."""
    scale = 1.0 if short_side is None else short_side / min(width, height)

    def rounded(value: float) -> int:
        return max(multiple, round(value / multiple) * multiple)

    return rounded(width * scale), rounded(height * scale)
