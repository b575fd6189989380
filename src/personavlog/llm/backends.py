"""The built-in LLM backends, as the registry knows them, and the options they share (`[llm]`, `[judge]`).

This module imports no client: each record names its client class by path, imported when a run creates one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from personavlog.backends.record import Backend, LLMOptions
from personavlog.llm.writers import DEFAULT_WRITER, WRITERS, writer


class LLMSettings(LLMOptions):
    """Options of the embedded llama.cpp model (model_path, n_threads, n_ctx) and of an OpenAI-compatible server."""

    backend: str = Field(default="llamacpp", description="llamacpp (embedded) or openai (OpenAI-compatible HTTP)")
    writer: str = Field(
        default=DEFAULT_WRITER,
        description="embedded model preset: fast (Gemma 3 270M), balanced (Qwen2.5 0.5B), quality (Qwen2.5 1.5B)",
    )
    model_path: Path | None = Field(default=None, description="GGUF file instead of the writer preset's model")
    prompt_style: Literal["auto", "chat", "completion"] = Field(
        default="auto",
        description="chat: an instruct model, asked with its chat template; completion: few-shot (base models); "
        "auto: chat when the model's metadata says it is instruction-tuned",
    )
    n_threads: int = Field(default=1, ge=1, description="1 is fastest on small CPUs: spinning threads stall under load")
    n_ctx: int = 4096
    parallel: int = Field(
        default=2,
        ge=1,
        description="calls the embedded model answers at once, each on its own context of n_threads threads "
        "(an agent's candidates are asked together); at most the CPU count",
    )
    prefix_cache: bool = Field(
        default=True,
        description="keep the embedded model's state after each agent's fixed instructions and examples in the user "
        "cache, so later runs (a redo, the next vlog) do not read them again",
    )
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "default"
    api_key_env: str | None = Field(default=None, description="name of the environment variable holding the API key")
    timeout_s: float = 120.0
    max_retries: int = 4

    @field_validator("writer")
    @classmethod
    def _known_writer(cls, value: str) -> str:
        if value not in WRITERS:
            raise ValueError(f"unknown writer {value!r}; choose one of {', '.join(WRITERS)}")
        return value


def _embedded_model(options: LLMSettings) -> dict[str, str]:
    if options.model_path:
        return {"model": str(options.model_path)}
    return {"model": writer(options.writer).file_name.removesuffix(".gguf")}


def _served_model(options: LLMSettings) -> dict[str, str]:
    return {"model": options.model}


LLAMACPP = Backend(
    role="llm",
    name="llamacpp",
    engine="personavlog.llm.llamacpp:LlamaCppClient",
    options=LLMSettings,
    describe=_embedded_model,
)
OPENAI = Backend(
    role="llm",
    name="openai",
    engine="personavlog.llm.openai_compat:OpenAICompatClient",
    options=LLMSettings,
    describe=_served_model,
)
