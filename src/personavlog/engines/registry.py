"""Backends by name: adding one is adding a module and a line here, not editing the pipeline."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from personavlog.errors import InputError

_BACKENDS: dict[str, dict[str, str]] = {
    "visual": {"animatic": "personavlog.engines.visual.animatic.engine:AnimaticEngine"},
    # Split visual backends: one makes the keyframe, the other animates it (see engines/visual/composed.py).
    "keyframe": {
        "animatic": "personavlog.engines.visual.composed:AnimaticKeyframes",
        "diffusers": "personavlog.engines.visual.diffusers.keyframe:DiffusersKeyframeEngine",
    },
    "motion": {
        "animatic": "personavlog.engines.visual.composed:CameraMotion",
        "diffusers": "personavlog.engines.visual.diffusers.motion:DiffusersMotionEngine",
    },
    "speech": {
        "piper": "personavlog.engines.speech.piper_engine:PiperSpeechEngine",
        "openai": "personavlog.engines.speech.openai_speech:OpenAISpeechEngine",
    },
    "music": {
        "midi": "personavlog.engines.music.engine:MidiMusicEngine",
        "musicgen": "personavlog.engines.music.musicgen:MusicgenEngine",
    },
}


def register(role: str, name: str, target: str) -> None:
    """Make `module:Class` available as backend `name` for `role` (plugins call this)."""
    _BACKENDS.setdefault(role, {})[name] = target


def available(role: str) -> list[str]:
    return sorted(_BACKENDS.get(role, {}))


def backend_class(role: str, name: str) -> type:
    try:
        target = _BACKENDS[role][name]
    except KeyError:
        raise InputError(f"unknown {role} backend {name!r}; available: {', '.join(available(role))}") from None
    module_name, _, class_name = target.partition(":")
    return getattr(import_module(module_name), class_name)


def create(role: str, name: str, **kwargs: Any) -> Any:
    return backend_class(role, name)(**kwargs)


def _configured(role: str, name: str, settings: Any) -> Any:
    """A backend class with a `from_settings(settings)` constructor gets the whole Settings; others get no args."""
    cls = backend_class(role, name)
    factory = getattr(cls, "from_settings", None)
    return factory(settings) if factory is not None else cls()


def from_settings(role: str, settings: Any) -> Any:
    """The engine that serves `role` ("visual", "speech", "music") as `settings` configure it."""
    if role == "visual":
        visual = settings.visual
        if visual.keyframe == visual.motion and visual.keyframe in _BACKENDS["visual"]:
            return _configured("visual", visual.keyframe, settings)
        from personavlog.engines.visual.composed import ComposedVisualEngine

        return ComposedVisualEngine(
            _configured("keyframe", visual.keyframe, settings), _configured("motion", visual.motion, settings)
        )
    return _configured(role, getattr(settings, role).backend, settings)


def describe(role: str, settings: Any) -> dict[str, str]:
    """What the manifest records under `backends[role]`: the backend names and, for real models, the model ids."""
    section = getattr(settings, role)
    if role == "visual":
        if section.keyframe == section.motion and section.keyframe in _BACKENDS["visual"]:
            return {"name": section.keyframe}
        name = section.keyframe if section.keyframe == section.motion else f"{section.keyframe}+{section.motion}"
        found = {"name": name, "keyframe": section.keyframe, "motion": section.motion}
        if section.keyframe == "diffusers":
            found["keyframe_model"] = str(section.diffusers.keyframe.model)
        if section.motion == "diffusers":
            found["motion_model"] = str(section.diffusers.motion.model)
        return found
    found = {"name": section.backend}
    if role == "speech" and section.backend == "openai":
        found.update(model=section.model, voice=section.voice or "alloy")
    if role == "music" and section.backend == "musicgen":
        found["model"] = str(section.model)
    return found
