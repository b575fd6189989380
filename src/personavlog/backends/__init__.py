"""Backends by role and name: one record shape for all of them, built-in or added by another installed package.

A backend is a `Backend` record (role, name, engine class, options model, describe hook), declared as an entry
point of the `personavlog.backends` group; its options model validates its keys of the config section that names
it, so a package adds a backend with options of its own without any change here (see `registry` for how).
"""

from personavlog.backends.create import (
    DESCRIBED_ROLES,
    ConfiguredBackends,
    DescribedRole,
    EngineRole,
    create_engine,
    create_llm,
    create_visual_engine,
    describe_backend,
    describe_backends,
)
from personavlog.backends.record import ROLES, Backend, BackendOptions, LLMOptions, Role, SectionOptions
from personavlog.backends.registry import (
    BUILTIN_BACKENDS,
    GROUP,
    UnknownBackend,
    available_backends,
    engine_class,
    find_backend,
    is_declared,
)
from personavlog.backends.sections import (
    LLMSection,
    MusicSection,
    SpeechSection,
    VisualSettings,
    llm_options,
    section_options,
)

__all__ = [
    "BUILTIN_BACKENDS",
    "DESCRIBED_ROLES",
    "GROUP",
    "ROLES",
    "Backend",
    "BackendOptions",
    "ConfiguredBackends",
    "DescribedRole",
    "EngineRole",
    "LLMOptions",
    "LLMSection",
    "MusicSection",
    "Role",
    "SectionOptions",
    "SpeechSection",
    "UnknownBackend",
    "VisualSettings",
    "available_backends",
    "create_engine",
    "create_llm",
    "create_visual_engine",
    "describe_backend",
    "describe_backends",
    "engine_class",
    "find_backend",
    "is_declared",
    "llm_options",
    "section_options",
]
