"""GPU figures of the real-model backends: real-size architectures with random weights, bf16, one GPU.

For each video model and resolution it times denoiser forwards (one CFG step = conditional + unconditional
pass, as the diffusers pipelines run them), the VAE decode of a whole clip, and records peak GPU memory; the
SDXL UNet is timed at 1024x1024 for keyframes. Nothing is downloaded: models are built from their configs.

    python bench/gpu_bench.py --out bench/results/gpu_bench.json            # on a CUDA machine
    python bench/gpu_bench.py --count-only                                  # parameter counts, any machine

Per-shot seconds = steps x seconds per CFG step + VAE decode. Random weights change no kernel, so the timings
hold for the trained checkpoints; the text/image encoders run once per shot and are left out.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESOLUTIONS = {"480p": (832, 480), "720p": (1280, 720)}
FRAMES = 81
TEXT_TOKENS = 512


def _wan(heads: int, layers: int, ffn: int, i2v: bool) -> tuple[str, dict[str, Any]]:
    config: dict[str, Any] = {
        "patch_size": (1, 2, 2),
        "num_attention_heads": heads,
        "attention_head_dim": 128,
        "in_channels": 36 if i2v else 16,
        "out_channels": 16,
        "text_dim": 4096,
        "freq_dim": 256,
        "ffn_dim": ffn,
        "num_layers": layers,
        "cross_attn_norm": True,
        "qk_norm": "rms_norm_across_heads",
        "eps": 1e-6,
        "rope_max_seq_len": 1024,
    }
    if i2v:
        config |= {"image_dim": 1280, "added_kv_proj_dim": heads * 128}
    return "WanTransformer3DModel", config


# Architectures as published in the models' diffusers configs.
VIDEO_MODELS: dict[str, dict[str, Any]] = {
    "wan2.1-i2v-14b": {"denoiser": _wan(40, 40, 13824, True), "vae": "wan", "steps": 50, "fps": 16},
    "wan2.1-1.3b": {"denoiser": _wan(12, 30, 8960, False), "vae": "wan", "steps": 50, "fps": 16},
    "cogvideox-5b-i2v": {
        "denoiser": (
            "CogVideoXTransformer3DModel",
            {
                "num_attention_heads": 48,
                "attention_head_dim": 64,
                "in_channels": 32,
                "out_channels": 16,
                "time_embed_dim": 512,
                "text_embed_dim": 4096,
                "num_layers": 42,
                "sample_width": 90,
                "sample_height": 60,
                "sample_frames": 49,
                "patch_size": 2,
                "use_rotary_positional_embeddings": True,
                "use_learned_positional_embeddings": True,
            },
        ),
        "vae": "cogvideox",
        "steps": 50,
        "fps": 8,
        "frames": 49,
        "text_tokens": 226,
    },
    "ltx-video-2b": {
        "denoiser": (
            "LTXVideoTransformer3DModel",
            {
                "in_channels": 128,
                "out_channels": 128,
                "patch_size": 1,
                "patch_size_t": 1,
                "num_attention_heads": 32,
                "attention_head_dim": 64,
                "cross_attention_dim": 2048,
                "num_layers": 28,
                "caption_channels": 4096,
            },
        ),
        "vae": "ltx",
        "steps": 50,
        "fps": 24,
        "frames": 121,
        "text_tokens": 128,
    },
}

SDXL_UNET = {
    "sample_size": 128,
    "in_channels": 4,
    "out_channels": 4,
    "layers_per_block": 2,
    "block_out_channels": (320, 640, 1280),
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    "transformer_layers_per_block": (1, 2, 10),
    "attention_head_dim": (5, 10, 20),
    "cross_attention_dim": 2048,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
}


def build(class_name: str, config: dict[str, Any], device: str, dtype: Any) -> Any:
    import diffusers
    import torch

    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = getattr(diffusers, class_name)(**config)
    finally:
        torch.set_default_dtype(torch.float32)
    return model.eval().requires_grad_(False)


def count_parameters(class_name: str, config: dict[str, Any]) -> int:
    import diffusers
    from accelerate import init_empty_weights

    with init_empty_weights():
        model = getattr(diffusers, class_name)(**config)
    return sum(p.numel() for p in model.parameters())


def denoiser_inputs(name: str, spec: dict[str, Any], width: int, height: int, device: str, dtype: Any) -> dict:
    import torch

    frames = spec.get("frames", FRAMES)
    tokens = spec.get("text_tokens", TEXT_TOKENS)
    class_name, config = spec["denoiser"]
    if class_name == "WanTransformer3DModel":
        latent = torch.randn(1, config["in_channels"], (frames - 1) // 4 + 1, height // 8, width // 8)
        inputs = {
            "hidden_states": latent,
            "timestep": torch.tensor([500]),
            "encoder_hidden_states": torch.randn(1, tokens, 4096),
        }
        if config.get("image_dim"):
            inputs["encoder_hidden_states_image"] = torch.randn(1, 257, 1280)
    elif class_name == "CogVideoXTransformer3DModel":
        latent = torch.randn(1, (frames - 1) // 4 + 1, config["in_channels"], height // 8, width // 8)
        inputs = {
            "hidden_states": latent,
            "timestep": torch.tensor([500]),
            "encoder_hidden_states": torch.randn(1, tokens, 4096),
            "image_rotary_emb": None,
        }
    else:
        latent_frames, h, w = (frames - 1) // 8 + 1, height // 32, width // 32
        inputs = {
            "hidden_states": torch.randn(1, latent_frames * h * w, config["in_channels"]),
            "timestep": torch.tensor([500]),
            "encoder_hidden_states": torch.randn(1, tokens, 4096),
            "encoder_attention_mask": torch.ones(1, tokens, dtype=torch.long),
            "num_frames": latent_frames,
            "height": h,
            "width": w,
        }
    return {
        k: v.to(device, dtype)
        if hasattr(v, "is_floating_point") and v.is_floating_point()
        else (v.to(device) if hasattr(v, "to") else v)
        for k, v in inputs.items()
    }


def timed(fn: Callable[[], Any], repeats: int) -> float:
    import torch

    fn()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - started) / repeats


def bench_video(name: str, spec: dict[str, Any], resolution: str, repeats: int, device: str, dtype: Any) -> dict:
    import torch

    width, height = RESOLUTIONS[resolution]
    frames = spec.get("frames", FRAMES)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    class_name, config = spec["denoiser"]
    model = build(class_name, config, device, dtype)
    inputs = denoiser_inputs(name, spec, width, height, device, dtype)
    with torch.inference_mode():
        forward = timed(lambda: model(**inputs, return_dict=False), repeats)
    denoise_peak = torch.cuda.max_memory_allocated() / 2**30
    model = inputs = None
    torch.cuda.empty_cache()
    decode = bench_vae(spec["vae"], width, height, frames, device, dtype)
    step = 2 * forward
    return {
        "model": name,
        "resolution": resolution,
        "width": width,
        "height": height,
        "frames": frames,
        "steps": spec["steps"],
        "seconds_per_forward": round(forward, 3),
        "seconds_per_cfg_step": round(step, 3),
        "vae_decode_s": decode["seconds"],
        "seconds_per_shot": round(spec["steps"] * step + decode["seconds"], 1),
        "peak_gib_denoise": round(denoise_peak, 2),
        "peak_gib_vae_decode": decode["peak_gib"],
        "clip_seconds": round(frames / spec["fps"], 2),
    }


def bench_vae(kind: str, width: int, height: int, frames: int, device: str, dtype: Any) -> dict:
    import torch
    from diffusers import AutoencoderKLCogVideoX, AutoencoderKLLTXVideo, AutoencoderKLWan

    torch.cuda.reset_peak_memory_stats()
    if kind == "wan":
        vae = AutoencoderKLWan().to(device, torch.float32)
        latent = torch.randn(1, 16, (frames - 1) // 4 + 1, height // 8, width // 8, device=device)
    elif kind == "cogvideox":
        vae = AutoencoderKLCogVideoX().to(device, dtype)
        vae.enable_tiling()
        latent = torch.randn(1, 16, (frames - 1) // 4 + 1, height // 8, width // 8, device=device, dtype=dtype)
    else:
        vae = AutoencoderKLLTXVideo().to(device, dtype)
        latent = torch.randn(1, 128, (frames - 1) // 8 + 1, height // 32, width // 32, device=device, dtype=dtype)
    with torch.inference_mode():
        seconds = timed(lambda: vae.decode(latent, return_dict=False), 1)
    peak = torch.cuda.max_memory_allocated() / 2**30
    vae = latent = None
    torch.cuda.empty_cache()
    return {"seconds": round(seconds, 2), "peak_gib": round(peak, 2)}


def bench_sdxl(repeats: int, device: str, dtype: Any, steps: int = 30) -> dict:
    import torch

    torch.cuda.reset_peak_memory_stats()
    unet = build("UNet2DConditionModel", SDXL_UNET, device, dtype)
    latent = torch.randn(2, 4, 128, 128, device=device, dtype=dtype)  # batch 2 = CFG at 1024x1024
    context = torch.randn(2, 77, 2048, device=device, dtype=dtype)
    added = {
        "text_embeds": torch.randn(2, 1280, device=device, dtype=dtype),
        "time_ids": torch.randn(2, 6, device=device, dtype=dtype),
    }
    t = torch.tensor([500, 500], device=device)
    with torch.inference_mode():
        step = timed(lambda: unet(latent, t, context, added_cond_kwargs=added, return_dict=False), repeats)
    return {
        "model": "sdxl-unet",
        "resolution": "1024x1024",
        "steps": steps,
        "seconds_per_cfg_step": round(step, 3),
        "seconds_per_keyframe": round(steps * step, 1),
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join([*VIDEO_MODELS, "sdxl"]), help="comma-separated")
    parser.add_argument("--resolutions", default="480p,720p")
    parser.add_argument("--repeats", type=int, default=3, help="timed forwards after one warm-up")
    parser.add_argument("--count-only", action="store_true", help="print parameter counts (no GPU needed)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/gpu_bench.json"))
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]

    if args.count_only:
        for name in names:
            class_name, config = (
                ("UNet2DConditionModel", SDXL_UNET) if name == "sdxl" else VIDEO_MODELS[name]["denoiser"]
            )
            print(f"{name}: {count_parameters(class_name, config) / 1e9:.2f} B parameters")
        return 0

    import torch

    if not torch.cuda.is_available():
        print("gpu_bench needs a CUDA GPU (this machine has none); --count-only works anywhere", file=sys.stderr)
        return 2
    device, dtype = "cuda", torch.bfloat16
    results: list[dict] = []
    for name in names:
        if name == "sdxl":
            results.append(bench_sdxl(args.repeats, device, dtype))
        else:
            for resolution in args.resolutions.split(","):
                try:
                    results.append(bench_video(name, VIDEO_MODELS[name], resolution, args.repeats, device, dtype))
                except torch.OutOfMemoryError:
                    results.append({"model": name, "resolution": resolution, "error": "out of GPU memory"})
                    torch.cuda.empty_cache()
        print(json.dumps(results[-1]), flush=True)
    report = {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "dtype": "bfloat16",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
