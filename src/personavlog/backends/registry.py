"""Which backends exist: the built-in ones and those other installed packages declare as entry points.

A package adds a backend with an entry point in the `personavlog.backends` group, named `<role>.<name>` and
pointing at its `Backend` record, e.g. in its pyproject.toml:

    [project.entry-points."personavlog.backends"]
    "speech.beep" = "beep_voice.backend:BACKEND"

Nothing is imported until a backend is looked up by name: the entry points are read from the installed packages'
metadata, and a record's module is imported only when a configuration names it (so a run that uses no real model
never imports torch).
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from personavlog.backends.record import ROLES, Backend, Role, load_object
from personavlog.errors import InputError

GROUP = "personavlog.backends"

BUILTIN_BACKENDS: dict[str, str] = {
    "llm.llamacpp": "personavlog.llm.backends:LLAMACPP",
    "llm.openai": "personavlog.llm.backends:OPENAI",
    "visual.animatic": "personavlog.engines.backends:ANIMATIC",
    "keyframe.animatic": "personavlog.engines.backends:ANIMATIC_KEYFRAMES",
    "keyframe.diffusers": "personavlog.engines.backends:DIFFUSERS_KEYFRAMES",
    "motion.animatic": "personavlog.engines.backends:CAMERA_MOTION",
    "motion.diffusers": "personavlog.engines.backends:DIFFUSERS_MOTION",
    "speech.piper": "personavlog.engines.backends:PIPER",
    "speech.openai": "personavlog.engines.backends:OPENAI_SPEECH",
    "speech.kokoro_ja": "personavlog.engines.backends:KOKORO_JA",
    "music.midi": "personavlog.engines.backends:MIDI",
    "music.musicgen": "personavlog.engines.backends:MUSICGEN",
}
"""This package's own entry points (pyproject.toml declares the same), read from here so that they work even when
the installed metadata is older than the source tree. A third-party entry point cannot replace one of them."""


class UnknownBackend(InputError):
    """A configuration names a backend that no installed package declares."""


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=GROUP):
        found.setdefault(point.name, point)
    return found


_LOADED: dict[str, Backend] = {}


def role_title(role: str) -> str:
    """A role as messages name it: `LLM`, `speech`, ..."""
    return "LLM" if role == "llm" else role


def _declared_keys() -> list[str]:
    return [*BUILTIN_BACKENDS, *(key for key in _entry_points() if key not in BUILTIN_BACKENDS)]


def available_backends(role: Role) -> list[str]:
    """The names of every backend declared for `role`, sorted."""
    prefix = f"{role}."
    return sorted(key.removeprefix(prefix) for key in _declared_keys() if key.startswith(prefix))


def is_declared(role: Role, name: str) -> bool:
    """Whether a backend `name` exists for `role` (imports nothing)."""
    key = f"{role}.{name}"
    return key in BUILTIN_BACKENDS or key in _entry_points()


def find_backend(role: Role, name: str) -> Backend:
    """The record of backend `name` of `role`, its module imported on first use."""
    if role not in ROLES:
        raise ValueError(f"unknown backend role {role!r} (roles: {', '.join(ROLES)})")
    key = f"{role}.{name}"
    if key not in _LOADED:
        _LOADED[key] = _load(role, name, key)
    return _LOADED[key]


def _load(role: Role, name: str, key: str) -> Backend:
    if key in BUILTIN_BACKENDS:
        target = BUILTIN_BACKENDS[key]
        found = load_object(target)
    else:
        point = _entry_points().get(key)
        if point is None:
            known = ", ".join(available_backends(role)) or "none"
            raise UnknownBackend(f"unknown {role_title(role)} backend {name!r} (available: {known})")
        target = point.value
        try:
            found = point.load()
        except Exception as exc:  # a broken plugin is the user's to fix: name it, with its own error
            raise InputError(f"the {key} backend ({target}) could not be loaded: {exc}") from exc
    if not isinstance(found, Backend) or found.key != key:
        raise InputError(f"the {key} entry point ({target}) is not the Backend record of {key}")
    return found


def engine_class(role: Role, name: str) -> type[Any]:
    """The engine class of a backend, e.g. to read its `languages` before creating one."""
    return find_backend(role, name).engine_class()
