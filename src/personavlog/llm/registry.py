"""Backends by name: `make_llm(settings)` builds the client that `settings.backend` names."""

from __future__ import annotations

from collections.abc import Callable

from personavlog.config import LLMSettings
from personavlog.errors import PersonaVlogError
from personavlog.llm.base import LLMClient


def _llamacpp(settings: LLMSettings) -> LLMClient:
    from personavlog.llm.llamacpp import LlamaCppClient

    return LlamaCppClient(settings)


def _openai(settings: LLMSettings) -> LLMClient:
    from personavlog.llm.openai_compat import OpenAICompatClient

    return OpenAICompatClient(settings)


BACKENDS: dict[str, Callable[[LLMSettings], LLMClient]] = {"llamacpp": _llamacpp, "openai": _openai}


def register_backend(name: str, factory: Callable[[LLMSettings], LLMClient]) -> None:
    """Make `factory` available as llm.backend = `name`."""
    BACKENDS[name] = factory


def make_llm(settings: LLMSettings) -> LLMClient:
    try:
        factory = BACKENDS[settings.backend]
    except KeyError:
        raise PersonaVlogError(
            f"unknown LLM backend {settings.backend!r} (known: {', '.join(sorted(BACKENDS))})"
        ) from None
    return factory(settings)
