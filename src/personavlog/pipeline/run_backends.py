"""The backends one run uses, built on first use: the agents' LLM, the keyframe judge, engines, shot renderer."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast

from personavlog.backends import create_engine, create_llm, describe_backends
from personavlog.config import Settings

if TYPE_CHECKING:  # the engine packages import their models' libraries: only their Protocols are needed here
    from personavlog.engines.music.base import MusicEngine
    from personavlog.engines.speech.base import SpeechEngine
    from personavlog.engines.visual.base import VisualEngine
    from personavlog.llm.base import LLMClient


class RunBackends:
    """Every backend the configuration names, created lazily so a cached run loads no model at all."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @functools.cached_property
    def llm(self) -> LLMClient:
        return cast("LLMClient", create_llm(self.settings.llm))

    def rest_llm(self) -> None:
        """Unload the agents' embedded model (the stages after the plan seldom ask it anything; one that does loads
        it again); nothing for a model served elsewhere, or when it was never made."""
        if "llm" in self.__dict__:
            unload = getattr(self.llm, "unload", None)
            if unload is not None:
                unload()

    @functools.cached_property
    def judge(self) -> LLMClient | None:
        """The configured vision model that judges keyframes, or None."""
        if self.settings.judge is None:
            return None
        return cast("LLMClient", create_llm(self.settings.judge))

    @functools.cached_property
    def speech(self) -> SpeechEngine:
        return cast("SpeechEngine", create_engine("speech", self.settings))

    @functools.cached_property
    def music(self) -> MusicEngine:
        return cast("MusicEngine", create_engine("music", self.settings))

    @functools.cached_property
    def visual(self) -> VisualEngine:
        return cast("VisualEngine", create_engine("visual", self.settings))

    @functools.cached_property
    def shot_renderer(self) -> Any:
        """Where keyframes and clips render: this process's visual engine, or GPU actors on a Ray cluster."""
        from personavlog.distributed.shots import shot_renderer

        return shot_renderer(self.settings, lambda: self.visual)

    def describe(self) -> dict[str, dict[str, str]]:
        """What the manifest records under `backends`: every role's backend and model; part of each stage's hash."""
        return describe_backends(self.settings)
