"""The built-in LLM backends, as the registry knows them, and the options they share (`[llm]`, `[judge]`).

This module imports no client: each record names its client class by path, imported when a run creates one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from personavlog.backends.record import Backend, LLMOptions

EMBEDDED_MODEL = "gemma-3-270m-q4_k_m"


class LLMSettings(LLMOptions):
    """Options of the embedded llama.cpp model (model_path, n_threads, n_ctx) and of an OpenAI-compatible server."""

    backend: str = Field(default="llamacpp", description="llamacpp (embedded) or openai (OpenAI-compatible HTTP)")
    model_path: Path | None = Field(default=None, description="GGUF file; default: the embedded gemma-3 270M")
    n_threads: int = Field(default=1, ge=1, description="1 is fastest on small CPUs: spinning threads stall under load")
    n_ctx: int = 4096
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "default"
    api_key_env: str | None = Field(default=None, description="name of the environment variable holding the API key")
    timeout_s: float = 120.0
    max_retries: int = 4


def _embedded_model(options: LLMSettings) -> dict[str, str]:
    return {"model": str(options.model_path or EMBEDDED_MODEL)}


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
