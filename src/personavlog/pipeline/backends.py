"""The backends one run uses, built on first use: the agents' LLM, the keyframe judge, engines, shot renderer."""

from __future__ import annotations

import functools
from typing import Any

from personavlog.backends import EngineRole, create_engine, create_llm, describe_backends, engine_class
from personavlog.config import Settings


class Backends:
    """Every backend the configuration names, created lazily so a cached run loads no model at all."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._engines: dict[str, Any] = {}

    @functools.cached_property
    def llm(self) -> Any:
        return create_llm(self.settings.llm)

    @functools.cached_property
    def judge(self) -> Any:
        """The configured vision model that judges keyframes, or None."""
        if self.settings.judge is None:
            return None
        return create_llm(self.settings.judge)

    def engine(self, role: EngineRole) -> Any:
        if role not in self._engines:
            self._engines[role] = create_engine(role, self.settings)
        return self._engines[role]

    @functools.cached_property
    def shot_renderer(self) -> Any:
        """Where keyframes and clips render: this process's visual engine, or GPU actors on a Ray cluster."""
        from personavlog.distributed.shots import shot_renderer

        return shot_renderer(self.settings, lambda: self.engine("visual"))

    def speech_languages(self) -> list[str] | None:
        """The languages the configured voice speaks, when its backend says."""
        cls = engine_class("speech", self.settings.speech.backend)
        return getattr(cls, "languages", None)

    def describe(self) -> dict[str, dict[str, str]]:
        """What the manifest records under `backends`: every role's backend and model; part of each stage's hash."""
        return describe_backends(self.settings)
