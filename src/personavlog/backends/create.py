"""Engines and LLM clients as the settings configure them, and what the manifest records about each."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from personavlog.backends.record import LLMOptions, SectionOptions, load_object
from personavlog.backends.registry import find_backend
from personavlog.backends.sections import PARTS, VisualSettings, llm_options

EngineRole = Literal["visual", "speech", "music"]
DescribedRole = Literal["llm", "judge", "visual", "speech", "music"]
DESCRIBED_ROLES: tuple[DescribedRole, ...] = ("llm", "visual", "speech", "music")
"""The roles the manifest records under `backends` (the judge is not part of any stage's inputs)."""


class ConfiguredBackends(Protocol):
    """What these functions read of the settings; `personavlog.config.Settings` is one."""

    @property
    def llm(self) -> LLMOptions: ...

    @property
    def judge(self) -> LLMOptions | None: ...

    @property
    def visual(self) -> VisualSettings: ...

    @property
    def speech(self) -> SectionOptions: ...

    @property
    def music(self) -> SectionOptions: ...


def create_engine(role: EngineRole, settings: ConfiguredBackends) -> Any:
    """The engine that serves `role` as `settings` configure it (its module imported now, its models on first use)."""
    if role == "visual":
        return create_visual_engine(settings.visual)
    section = settings.speech if role == "speech" else settings.music
    return find_backend(role, section.backend).create(section)


def create_visual_engine(visual: VisualSettings) -> Any:
    """One engine for keyframes and clips: a whole visual engine, or a keyframe backend composed with a motion one."""
    if visual.uses_whole_engine():
        return find_backend("visual", visual.keyframe).create(visual.backend_options(visual.keyframe))
    # Loaded by path like every engine, so the registry stays below the engines it lists.
    composed = load_object("personavlog.engines.visual.composed:ComposedVisualEngine")
    keyframes = find_backend("keyframe", visual.keyframe).create(visual.part_options("keyframe"))
    motion = find_backend("motion", visual.motion).create(visual.part_options("motion"))
    return composed(keyframes, motion)


def create_llm(options: LLMOptions) -> Any:
    """The client (an `llm.base.LLMClient`) of the LLM backend `options` name (`settings.llm`, or `settings.judge`)."""
    backend = find_backend("llm", options.backend)
    own = options if isinstance(options, backend.options_model) else llm_options(options)
    return backend.create(own)


def _describe_visual(visual: VisualSettings) -> dict[str, str]:
    if visual.uses_whole_engine():
        whole = find_backend("visual", visual.keyframe)
        return {"name": whole.name, **whole.details(visual.backend_options(whole.name))}
    keyframe, motion = visual.keyframe, visual.motion
    found = {"name": keyframe if keyframe == motion else f"{keyframe}+{motion}", "keyframe": keyframe, "motion": motion}
    for part in PARTS:
        backend = find_backend(part, getattr(visual, part))
        found.update({f"{part}_{key}": value for key, value in backend.details(visual.part_options(part)).items()})
    return found


def describe_backend(role: DescribedRole, settings: ConfiguredBackends) -> dict[str, str]:
    """What the manifest records under `backends[role]`: the backend's name and, for real models, the model ids.

    It is part of the input hash of every stage the role renders, so it changes only when the output would.
    """
    if role == "visual":
        return _describe_visual(settings.visual)
    section: SectionOptions | None
    if role == "llm" or role == "judge":
        section = settings.llm if role == "llm" else settings.judge
        if section is None:
            return {}
        backend = find_backend("llm", section.backend)
    else:
        section = settings.speech if role == "speech" else settings.music
        backend = find_backend(role, section.backend)
    return {"name": backend.name, **backend.details(section)}


def describe_backends(settings: ConfiguredBackends) -> dict[str, dict[str, str]]:
    """The manifest's `backends`: `describe_backend` of every role a stage renders with."""
    return {role: describe_backend(role, settings) for role in DESCRIBED_ROLES}
