"""The backend registry: built-ins declared once, sections validated by the chosen backend's options."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import ROOT
from personavlog.backends import (
    BUILTIN_BACKENDS,
    GROUP,
    Backend,
    BackendOptions,
    SectionOptions,
    available_backends,
    create_engine,
    describe_backend,
    describe_backends,
    engine_class,
    find_backend,
)
from personavlog.config import Settings, load_settings
from personavlog.engines.settings import MidiSettings, OpenAISpeechSettings
from personavlog.errors import InputError

# What the manifest recorded under `backends` for these configurations before the registry took one shape: stage
# input hashes include it, so any change would re-render every cached run.
RECORDED = {
    "": {
        "llm": {"name": "llamacpp", "model": "gemma-3-270m-q4_k_m"},
        "visual": {"name": "animatic"},
        "speech": {"name": "piper"},
        "music": {"name": "midi"},
    },
    'visual = "diffusers"\nspeech = "openai"\nmusic = "musicgen"\n': {
        "llm": {"name": "llamacpp", "model": "gemma-3-270m-q4_k_m"},
        "visual": {
            "name": "diffusers",
            "keyframe": "diffusers",
            "motion": "diffusers",
            "keyframe_model": "None",
            "motion_model": "None",
        },
        "speech": {"name": "openai", "model": "tts-1", "voice": "alloy"},
        "music": {"name": "musicgen", "model": "None"},
    },
    '[visual]\nkeyframe = "diffusers"\nmotion = "animatic"\n[visual.diffusers.keyframe]\nmodel = "/models/sdxl"\n': {
        "llm": {"name": "llamacpp", "model": "gemma-3-270m-q4_k_m"},
        "visual": {
            "name": "diffusers+animatic",
            "keyframe": "diffusers",
            "motion": "animatic",
            "keyframe_model": "/models/sdxl",
        },
        "speech": {"name": "piper"},
        "music": {"name": "midi"},
    },
    '[visual]\nkeyframe = "animatic"\nmotion = "diffusers"\n[visual.diffusers.motion]\nmodel = "/models/wan"\n'
    '[speech]\nbackend = "openai"\nmodel = "kokoro"\nvoice = "af_bella"\n'
    '[llm]\nbackend = "openai"\nmodel = "qwen2.5"\n': {
        "llm": {"name": "openai", "model": "qwen2.5"},
        "visual": {
            "name": "animatic+diffusers",
            "keyframe": "animatic",
            "motion": "diffusers",
            "motion_model": "/models/wan",
        },
        "speech": {"name": "openai", "model": "kokoro", "voice": "af_bella"},
        "music": {"name": "midi"},
    },
    '[llm]\nmodel_path = "/models/x.gguf"\n[music]\nbackend = "musicgen"\nmodel = "/models/musicgen-small"\n': {
        "llm": {"name": "llamacpp", "model": "/models/x.gguf"},
        "visual": {"name": "animatic"},
        "speech": {"name": "piper"},
        "music": {"name": "musicgen", "model": "/models/musicgen-small"},
    },
}


def _settings(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


@pytest.mark.parametrize("config", list(RECORDED), ids=range(len(RECORDED)))
def test_the_manifest_records_the_built_ins_exactly_as_before(tmp_path: Path, config: str) -> None:
    settings = _settings(tmp_path, config)
    assert describe_backends(settings) == RECORDED[config]
    assert list(describe_backends(settings)) == ["llm", "visual", "speech", "music"]


def test_the_tiny_models_example_is_recorded_as_before(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "examples" / "tiny-models.toml")
    assert describe_backend("visual", settings) == {
        "name": "diffusers",
        "keyframe": "diffusers",
        "motion": "diffusers",
        "keyframe_model": "out/tiny-models/keyframe",
        "motion_model": "out/tiny-models/motion",
    }
    assert describe_backend("speech", settings) == {"name": "openai", "model": "tts-1", "voice": "alloy"}
    assert describe_backend("music", settings) == {"name": "musicgen", "model": "out/tiny-models/music"}
    assert describe_backend("judge", settings) == {}
    judged = _settings(tmp_path, '[judge]\nbackend = "openai"\nmodel = "qwen2.5-vl"\nvision = true\n')
    assert describe_backend("judge", judged) == {"name": "openai", "model": "qwen2.5-vl"}


def test_pyproject_declares_every_built_in_once_in_the_one_group() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["entry-points"] == {GROUP: BUILTIN_BACKENDS}
    for key in BUILTIN_BACKENDS:
        role, name = key.split(".")
        backend = find_backend(role, name)  # type: ignore[arg-type]
        assert isinstance(backend, Backend) and backend.key == key
        assert engine_class(role, name).__name__ == backend.engine.rsplit(":", 1)[1]  # type: ignore[arg-type]
    assert available_backends("speech") == ["kokoro_ja", "openai", "piper"]
    assert available_backends("keyframe") == ["animatic", "diffusers"]


def test_a_section_is_validated_by_the_options_of_the_backend_it_names(tmp_path: Path) -> None:
    settings = _settings(tmp_path, '[speech]\nbackend = "openai"\nbase_url = "http://host:1/v1"\nspeed = 1.5\n')
    assert isinstance(settings.speech, OpenAISpeechSettings) and settings.speech.speed == 1.5
    assert type(create_engine("speech", settings)).__name__ == "OpenAISpeechEngine"
    # The embedded voice takes no options: the section is its name only.
    assert type(_settings(tmp_path, 'speech = "piper"\n').speech) is SectionOptions
    with pytest.raises(InputError, match=r"speech\.speed: Input should be greater than 0\.25"):
        _settings(tmp_path, '[speech]\nbackend = "openai"\nspeed = 0.1\n')
    with pytest.raises(
        InputError, match=r"speech\.backend: unknown speech backend 'kokoro' \(available: kokoro_ja, openai, piper"
    ):
        _settings(tmp_path, 'speech = "kokoro"\n')
    with pytest.raises(InputError, match=r"visual\.motion: unknown motion backend 'wan'"):
        _settings(tmp_path, '[visual]\nkeyframe = "diffusers"\nmotion = "wan"\n')
    with pytest.raises(InputError, match=r"visual\.nope: unknown visual backend 'nope'"):
        _settings(tmp_path, "[visual.nope]\nsteps = 1\n")
    with pytest.raises(InputError, match=r"llm\.backend: unknown LLM backend 'vllm'"):
        _settings(tmp_path, '[llm]\nbackend = "vllm"\n')


def test_options_of_a_backend_not_in_use_are_ignored_but_a_misspelt_key_is_not(tmp_path: Path) -> None:
    settings = _settings(tmp_path, '[speech]\nbackend = "piper"\nbase_url = "http://host:1/v1"\nvoice = "joe"\n')
    assert settings.speech == SectionOptions(backend="piper")
    assert _settings(tmp_path, "[music]\nguidance = 4.0\n").music == MidiSettings()  # MusicGen's key, not midi's
    with pytest.raises(InputError, match=r"speech\.base_ulr: Extra inputs are not permitted"):
        _settings(tmp_path, '[speech]\nbackend = "piper"\nbase_ulr = "http://host:1/v1"\n')
    # The tables of visual backends are kept (and validated) whether in use or not.
    kept = _settings(tmp_path, "[visual.diffusers.motion]\nframes = 33\n")
    assert kept.visual.backend_options("diffusers").motion.frames == 33  # type: ignore[attr-defined]
    assert describe_backend("visual", kept) == {"name": "animatic"}
    with pytest.raises(InputError, match=r"visual\.diffusers\.motion\.frames: Input should be greater than or equal"):
        _settings(tmp_path, "[visual.diffusers.motion]\nframes = 1\n")


def test_settings_survive_a_round_trip_through_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONAVLOG_SPEECH__BASE_URL", "http://host:2/v1")
    monkeypatch.setenv("PERSONAVLOG_VISUAL__DIFFUSERS__KEYFRAME__STEPS", "3")
    settings = load_settings(ROOT / "examples" / "tiny-models.toml")
    assert settings.speech.base_url == "http://host:2/v1"  # type: ignore[attr-defined]
    assert settings.visual.diffusers.keyframe.steps == 3  # type: ignore[attr-defined]
    dumped = json.loads(json.dumps(settings.model_dump(mode="json")))
    assert dumped["visual"]["diffusers"]["motion"]["frames"] == 9
    assert Settings.model_validate(dumped) == settings
    assert settings.model_copy(deep=True) == settings


def test_a_backend_record_checks_its_options_extend_its_roles_base() -> None:
    class Loose(BackendOptions):
        level: int = 1

    with pytest.raises(TypeError, match="must extend SectionOptions"):
        Backend(role="speech", name="loose", engine="x:Y", options=Loose)
    with pytest.raises(ValueError, match="unknown role"):
        Backend(role="voice", name="loose", engine="x:Y")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        OpenAISpeechSettings(timeout_s=0)


def _imported_after(code: str) -> dict[str, bool]:
    probe = (
        f"import sys\n{code}\n"
        "import json\n"
        "names = ['torch', 'diffusers', 'transformers', 'cv2', 'pretty_midi', 'personavlog.engines.music.musicgen',\n"
        "         'personavlog.engines.visual.diffusers.keyframe', 'personavlog.engines.speech.openai_speech']\n"
        "print(json.dumps({name: name in sys.modules for name in names}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_settings_and_describing_backends_imports_no_engine() -> None:
    found = _imported_after(
        "from pathlib import Path\n"
        "from personavlog.config import load_settings\n"
        "from personavlog.backends import describe_backends\n"
        "describe_backends(load_settings(Path('examples/tiny-models.toml')))\n"
    )
    assert not any(found.values()), found


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_distributed_package_never_imports_the_settings_that_import_it() -> None:
    """config imports distributed.settings; nothing under distributed imports config back, not even lazily."""
    assert "personavlog.distributed.settings" in _imported_modules(ROOT / "src/personavlog/config.py")
    for path in (ROOT / "src/personavlog/distributed").rglob("*.py"):
        assert "personavlog.config" not in _imported_modules(path), path


def test_a_shot_actor_builds_its_engine_from_the_visual_section_alone(astronaut: Path, tmp_path: Path) -> None:
    from backend_support import shot_spec, write_cutout
    from personavlog.distributed.shots import ShotActor

    settings = Settings()
    spec = shot_spec()
    cutout = write_cutout(astronaut, tmp_path / "cutout.png")
    actor = ShotActor(json.loads(json.dumps(settings.visual.model_dump(mode="json"))))
    keyframe_png, clip_mp4 = actor.render(spec.model_dump(mode="json"), cutout.read_bytes())
    create_engine("visual", settings).render_shot(spec, cutout, tmp_path / "keyframe.png", tmp_path / "clip.mp4")
    assert keyframe_png == (tmp_path / "keyframe.png").read_bytes()
    assert clip_mp4 == (tmp_path / "clip.mp4").read_bytes()
    assert actor.stats()["loads"] == 1
