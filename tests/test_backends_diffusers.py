"""The diffusers visual backends on tiny random models of the real classes, through the real loading code."""

from __future__ import annotations

import json
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from backend_support import shot_spec, speech_server, tiny_models, write_cutout
from conftest import ROOT, run_cli
from personavlog.backends import create_engine, describe_backend
from personavlog.config import load_settings
from personavlog.engines.settings import KeyframeDiffusers, MotionDiffusers
from personavlog.errors import InputError


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return tiny_models(tmp_path_factory)


def _frames(clip: Path) -> list[np.ndarray]:
    with av.open(str(clip)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _tiny_config(tiny: dict[str, Path], path: Path) -> Path:
    text = (ROOT / "examples" / "tiny-models.toml").read_text(encoding="utf-8")
    text = text.replace('"out/tiny-models/', f'"{tiny["keyframe"].parent}/')
    path.write_text(text, encoding="utf-8")
    return path


def test_old_configs_load_and_backends_switch_by_configuration(tmp_path: Path, monkeypatch, tiny) -> None:
    old = tmp_path / "old.toml"
    old.write_text('visual = "animatic"\nspeech = "piper"\nmusic = "midi"\n', encoding="utf-8")
    settings = load_settings(old)
    assert (settings.visual.keyframe, settings.visual.motion) == ("animatic", "animatic")
    assert type(create_engine("visual", settings)).__name__ == "AnimaticEngine"
    assert describe_backend("visual", settings) == {"name": "animatic"}

    config = _tiny_config(tiny, tmp_path / "tiny.toml")
    settings = load_settings(config)
    assert describe_backend("visual", settings)["name"] == "diffusers"
    assert describe_backend("speech", settings)["name"] == "openai"
    assert describe_backend("music", settings) == {"name": "musicgen", "model": str(tiny["music"])}
    engine = create_engine("visual", settings)
    assert (engine.keyframes.name, engine.motion.name) == ("diffusers", "diffusers")

    monkeypatch.setenv("PERSONAVLOG_VISUAL__MOTION", "animatic")
    monkeypatch.setenv("PERSONAVLOG_VISUAL__DIFFUSERS__KEYFRAME__STEPS", "3")
    settings = load_settings(config)
    assert settings.visual.diffusers.keyframe.steps == 3
    assert describe_backend("visual", settings)["name"] == "diffusers+animatic"
    assert type(create_engine("visual", settings).motion).__name__ == "CameraMotion"

    bad = tmp_path / "bad.toml"
    bad.write_text('[visual.diffusers.keyframe]\nmodle = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="modle"):
        load_settings(bad)


def _keyframe_engine(tiny: dict[str, Path], **overrides):
    from personavlog.engines.visual.diffusers.keyframe import DiffusersKeyframeEngine

    options = {
        "model": str(tiny["keyframe"]),
        "identity": "both",
        "ip_adapter": str(tiny["ip_adapter"]),
        "ip_adapter_weight_name": "ip-adapter_tiny.safetensors",
        "steps": 2,
        "short_side": 64,
        "cpu_threads": 1,
    } | overrides
    return DiffusersKeyframeEngine(KeyframeDiffusers(**options))


def test_keyframe_is_conditioned_on_the_reference_through_the_ip_adapter(
    tiny: dict[str, Path], astronaut: Path, grace_hopper: Path, tmp_path: Path
) -> None:
    engine = _keyframe_engine(tiny)
    spec = shot_spec(size=96)
    first = write_cutout(astronaut, tmp_path / "a.png")
    second = write_cutout(grace_hopper, tmp_path / "b.png")
    engine.render_keyframe(spec, first, tmp_path / "k1.png")
    engine.render_keyframe(spec, first, tmp_path / "k1_again.png")
    engine.render_keyframe(spec, second, tmp_path / "k2.png")

    pipe = engine.pipeline()
    assert type(pipe).__name__ == "StableDiffusionImg2ImgPipeline"
    assert pipe.unet.encoder_hid_proj is not None, "the IP-Adapter's image projection is loaded"
    assert pipe.image_encoder is not None
    k1, k2 = (np.asarray(Image.open(tmp_path / n)) for n in ("k1.png", "k2.png"))
    assert k1.shape == (96, 96, 3)
    assert (tmp_path / "k1.png").read_bytes() == (tmp_path / "k1_again.png").read_bytes(), "seeded"
    assert np.abs(k1.astype(int) - k2.astype(int)).mean() > 1.0, "another reference gives another keyframe"


def test_keyframe_from_text_alone_differs_by_seed(tiny: dict[str, Path], astronaut: Path, tmp_path: Path) -> None:
    engine = _keyframe_engine(tiny, identity="none", ip_adapter=None)
    cutout = write_cutout(astronaut, tmp_path / "a.png")
    engine.render_keyframe(shot_spec(seed=1), cutout, tmp_path / "s1.png")
    engine.render_keyframe(shot_spec(seed=2), cutout, tmp_path / "s2.png")
    assert type(engine.pipeline()).__name__ == "StableDiffusionPipeline"
    assert (tmp_path / "s1.png").read_bytes() != (tmp_path / "s2.png").read_bytes()


@pytest.mark.parametrize("fit", ["stretch", "continue"])
def test_image_to_video_clip_fits_the_shot(tiny: dict[str, Path], astronaut: Path, tmp_path: Path, fit: str) -> None:
    from personavlog.engines.visual.diffusers.motion import DiffusersMotionEngine

    engine = DiffusersMotionEngine(
        MotionDiffusers(
            model=str(tiny["motion"]), steps=2, frames=9, model_fps=8, short_side=32, fit=fit, cpu_threads=1
        )
    )
    keyframe = tmp_path / "key.png"
    Image.open(astronaut).convert("RGB").resize((80, 80)).save(keyframe)
    spec = shot_spec(seconds=1.5, size=80)
    progress: list[tuple[int, int]] = []
    engine.animate(spec, keyframe, tmp_path / "clip.mp4", lambda done, total: progress.append((done, total)))

    width, height, per_generation, generations = engine.plan(spec)
    assert (width, height, per_generation) == (32, 32, 9)
    assert generations == (2 if fit == "continue" else 1)
    frames = _frames(tmp_path / "clip.mp4")
    assert len(frames) == round(1.5 * 12)
    assert frames[0].shape == (80, 80, 3)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 0.5, "the picture changes over the clip"
    assert progress[-1] == (18, 18)
    assert type(engine.pipeline()).__name__ == "WanImageToVideoPipeline"


def test_missing_weights_are_a_clear_error_without_download(tmp_path: Path, monkeypatch) -> None:
    from personavlog.engines.visual.diffusers.motion import DiffusersMotionEngine

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(InputError, match="not found"):
        DiffusersMotionEngine(MotionDiffusers(model=str(tmp_path / "absent"))).pipeline()
    started = time.perf_counter()
    with pytest.raises(InputError, match="not available locally"):
        DiffusersMotionEngine(MotionDiffusers(model="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers")).pipeline()
    assert time.perf_counter() - started < 30
    with pytest.raises(InputError, match="no keyframe model configured"):
        _keyframe_engine({"keyframe": Path(""), "ip_adapter": Path("")}, model=None).pipeline()
    with pytest.raises(InputError, match=r"needs visual\.diffusers\.keyframe\.ip_adapter"):
        _keyframe_engine({"keyframe": tmp_path, "ip_adapter": tmp_path}, ip_adapter=None)


def test_dry_run_reports_weights_from_the_files(tiny: dict[str, Path], tmp_path: Path) -> None:
    import torch
    from diffusers import WanTransformer3DModel

    result = run_cli("dry-run", "--config", _tiny_config(tiny, tmp_path / "tiny.toml"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backends"]["visual"]["name"] == "diffusers"
    estimates = {e["role"]: e for e in report["gpu"]}
    assert set(estimates) == {"keyframe", "motion", "music"}
    transformer = WanTransformer3DModel.from_pretrained(str(tiny["motion"] / "transformer"), dtype=torch.float32)
    counted = {c["name"]: c["parameters"] for c in estimates["motion"]["components"]}
    assert counted["transformer"] == sum(p.numel() for p in transformer.parameters())
    assert estimates["motion"]["peak_gib"] > estimates["motion"]["weights_gib"]


def _check_run(out: Path, manifest: dict) -> None:
    backends = manifest["backends"]
    assert backends["visual"] == {
        "name": "diffusers",
        "keyframe": "diffusers",
        "motion": "diffusers",
        "keyframe_model": backends["visual"]["keyframe_model"],
        "motion_model": backends["visual"]["motion_model"],
    }
    assert backends["visual"]["motion_model"].endswith("motion")
    assert backends["speech"]["name"] == "openai" and backends["music"]["name"] == "musicgen"
    reviewed = {c["stage"].split("/")[0] for c in manifest["critiques"]} | {
        c["target"].split()[0] for c in manifest["critiques"]
    }
    assert {"clip", "music"} <= reviewed, reviewed
    with av.open(str(out / "vlog.mp4")) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (360, 360)
        assert container.streams.audio, "voice and music are muxed"
    for shot in manifest["storyboard"]["shots"]:
        folder = out / "shots" / f"{shot['id']:02d}"
        assert (folder / "keyframe.png").is_file() and (folder / "voice.wav").is_file()


def test_a_whole_vlog_renders_through_the_real_model_backends(
    tiny: dict[str, Path], astronaut: Path, tmp_path: Path
) -> None:
    """diffusers keyframes and clips, MusicGen music and HTTP speech: the same pipeline and critics.

    The one-call planner keeps the LLM's share short; the render stages are those of every run.
    """
    from personavlog.api import make_vlog
    from personavlog.schema import VlogRequest

    config = _tiny_config(tiny, tmp_path / "tiny.toml")
    out = tmp_path / "run"
    with speech_server() as base_url:
        settings = load_settings(config).model_copy(deep=True)
        settings.speech.base_url = base_url
        request = VlogRequest(
            theme="a rainy morning walk to the bakery",
            reference=astronaut,
            duration_s=10,
            resolution="360p",
            aspect="1:1",
            fps=12,
            planner="single-pass",
            max_rounds=1,
        )
        make_vlog(request, out, settings, allow_no_face=True)
    _check_run(out, json.loads((out / "manifest.json").read_text()))


@pytest.mark.slow
def test_the_cli_renders_with_the_agents_and_the_real_model_backends(
    tiny: dict[str, Path], astronaut: Path, tmp_path: Path
) -> None:
    config = _tiny_config(tiny, tmp_path / "tiny.toml")
    out = tmp_path / "run"
    with speech_server() as base_url:
        config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8880/v1", base_url))
        result = run_cli(
            "make",
            "--theme",
            "a rainy morning walk to the bakery",
            "--reference",
            astronaut,
            "--duration",
            "10",
            "--resolution",
            "360p",
            "--aspect",
            "1:1",
            "--fps",
            "12",
            "--config",
            config,
            "--out",
            out,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    _check_run(out, json.loads((out / "manifest.json").read_text()))


def test_split_backends_compose_a_generated_still_with_a_virtual_camera(
    tiny: dict[str, Path], astronaut: Path, tmp_path: Path
) -> None:
    from personavlog.engines.visual.composed import AnimaticKeyframes, CameraMotion, ComposedVisualEngine

    cutout = write_cutout(astronaut, tmp_path / "cut.png")
    spec = shot_spec(seconds=1.0, size=96)
    engine = ComposedVisualEngine(_keyframe_engine(tiny), CameraMotion())
    assert engine.name == "diffusers+animatic"
    engine.render_shot(spec, cutout, tmp_path / "key.png", tmp_path / "clip.mp4")
    frames = _frames(tmp_path / "clip.mp4")
    assert len(frames) == 12 and frames[0].shape == (96, 96, 3)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1.0, "the camera pushes in"

    painted = ComposedVisualEngine(AnimaticKeyframes(), CameraMotion())
    painted.render_shot(spec, cutout, tmp_path / "key2.png", tmp_path / "clip2.mp4")
    assert np.asarray(Image.open(tmp_path / "key2.png")).shape == (96, 96, 3)
    assert len(_frames(tmp_path / "clip2.mp4")) == 12


def test_fast_path_options_load_a_lora_a_scheduler_and_the_first_block_cache(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    from personavlog.engines.visual.diffusers.motion import DiffusersMotionEngine

    keyframe = tmp_path / "key.png"
    Image.new("RGB", (64, 64), (100, 120, 140)).save(keyframe)
    common = {"model": str(tiny["motion"]), "steps": 3, "frames": 9, "short_side": 32, "cpu_threads": 1}
    plain = DiffusersMotionEngine(MotionDiffusers(**common, guidance=1.0))
    fast = DiffusersMotionEngine(
        MotionDiffusers(
            **common,
            guidance=1.0,
            lora=str(tiny["motion_lora"]),
            scheduler="UniPCMultistepScheduler",
            scheduler_options={"flow_shift": 3.0},
            cache="first_block",
            cache_threshold=0.2,
        )
    )
    plain.animate(shot_spec(), keyframe, tmp_path / "plain.mp4")
    fast.animate(shot_spec(), keyframe, tmp_path / "fast.mp4")
    pipe = fast.pipeline()
    assert type(pipe.scheduler).__name__ == "UniPCMultistepScheduler" and pipe.scheduler.config.flow_shift == 3.0
    assert pipe.get_active_adapters() == ["fast"]
    assert pipe.transformer.is_cache_enabled and not plain.pipeline().transformer.is_cache_enabled
    assert len(_frames(tmp_path / "fast.mp4")) == 12
    assert (tmp_path / "plain.mp4").read_bytes() != (tmp_path / "fast.mp4").read_bytes()
