"""Backends by name: adding one is adding a module and a line here, not editing the pipeline."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from personavlog.errors import InputError

_BACKENDS: dict[str, dict[str, str]] = {
    "visual": {"animatic": "personavlog.engines.visual.animatic.engine:AnimaticEngine"},
    "speech": {"piper": "personavlog.engines.speech.piper_engine:PiperSpeechEngine"},
    "music": {"midi": "personavlog.engines.music.engine:MidiMusicEngine"},
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
