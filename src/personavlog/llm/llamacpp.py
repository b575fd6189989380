"""Embedded backend: a GGUF model through llama-cpp-python, with JSON-schema grammars for structured output."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personavlog.errors import PersonaVlogError, StageError
from personavlog.llm import writers
from personavlog.llm.backends import LLMSettings
from personavlog.llm.base import LLMOutputError, LLMResult, LLMUsage, parse_json_object
from personavlog.llm.chat_template import ChatMessage, ChatTemplateError, is_instruct, render_chat
from personavlog.llm.prefix_store import PrefixStore
from personavlog.llm.sampling import (
    PROMPT_BLOCK,
    ConstrainedSampler,
    Generation,
    PromptCache,
    SamplingParams,
    shared_prefix,
)
from personavlog.llm.writers import DEFAULT_WRITER

# Spin-waiting OpenMP threads stall badly on a loaded CPU; must be set before llama_cpp is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_LOCK = threading.Lock()


@dataclass
class _Context:
    llama: Any
    """A `llama_cpp.Llama`; every context of one model shares its weights."""
    cache: PromptCache


class _Contexts:
    """The contexts of one loaded model: each answers one call at a time, several calls run at once.

    A call takes the free context with the lowest index, so calls made one after another all use the first one
    (and its prompt cache); a second context is made when a call finds the first one busy (about 90 MB each, KV
    cache and buffers), and every context goes with the model when it is unloaded (`close`).
    """

    def __init__(self, llama: Any):
        self.contexts = [_Context(llama, PromptCache(tokens=[]))]
        self._busy = [False]
        self._changed = threading.Condition()
        self.closed = False

    @contextlib.contextmanager
    def take(self, limit: int) -> Iterator[_Context]:
        """The first free context among the first `limit` (made if need be), waiting for one if all are busy.
        Raises _Unloaded once the model has been unloaded."""
        with self._changed:
            while True:
                if self.closed:
                    raise _Unloaded
                free = next((i for i in range(min(limit, len(self.contexts))) if not self._busy[i]), None)
                if free is None and len(self.contexts) < limit:
                    self.contexts.append(_Context(_another_context(self.contexts[0].llama), PromptCache(tokens=[])))
                    self._busy.append(False)
                    free = len(self.contexts) - 1
                if free is not None:
                    break
                self._changed.wait()
            self._busy[free] = True
        try:
            yield self.contexts[free]
        finally:
            with self._changed:
                self._busy[free] = False
                self._changed.notify_all()

    def close(self) -> None:
        """Free every context and the model's weights, once the calls they are answering have finished."""
        with self._changed:
            while any(self._busy):
                self._changed.wait()
            self.closed = True
            every = [context.llama for context in self.contexts]
            del self.contexts[:], self._busy[:]
        for llama in reversed(every):  # the first one owns the model the others share
            llama._stack.close()


class _Unloaded(Exception):
    """The model was unloaded between finding its contexts and taking one: load it again."""


_MODELS: dict[tuple[str, int, int], _Contexts] = {}


def default_model_path(preset: str = DEFAULT_WRITER) -> Path:
    """The GGUF of an embedded writer preset (assembled into the user cache on first use)."""
    return writers.model_path(preset)


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


def _load(path: Path, n_ctx: int, n_threads: int) -> _Contexts:
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
            _MODELS[key] = _Contexts(llama)
        return _MODELS[key]


def _unload(path: Path, n_ctx: int, n_threads: int) -> None:
    with _LOCK:
        contexts = _MODELS.pop((str(path), n_ctx, n_threads), None)
    if contexts is not None:
        contexts.close()


def _another_context(llama: Any) -> Any:
    """A `Llama` with a context of its own on `llama`'s model: the weights stay in memory once (a second `Llama`
    from the same file would load them again, ~4x the memory of a context)."""
    import numpy as np
    from llama_cpp import _internals

    other = object.__new__(type(llama))
    other.__dict__.update(llama.__dict__)
    other._stack = contextlib.ExitStack()  # closes only what is this context's own
    with _native_stderr_silenced():
        other._ctx = other._stack.enter_context(
            contextlib.closing(_internals.LlamaContext(model=llama._model, params=llama.context_params, verbose=False))
        )
    other._batch = other._stack.enter_context(
        contextlib.closing(
            _internals.LlamaBatch(n_tokens=llama.n_batch, embd=0, n_seq_max=llama.context_params.n_ctx, verbose=False)
        )
    )
    other._candidates = _internals.LlamaTokenDataArray(n_vocab=llama.n_vocab())
    other.n_tokens = 0
    other.input_ids = np.ndarray((llama.n_ctx(),), dtype=np.intc)
    return other


class LlamaCppClient:
    """A GGUF model in this process: an instruct model asked through its own chat template, or a base model by
    few-shot completion; the grammar guarantees the answer is JSON of the schema's shape."""

    name = "llamacpp"
    vision = False

    def __init__(self, settings: LLMSettings):
        self.settings = settings
        self.path = Path(settings.model_path) if settings.model_path else default_model_path(settings.writer)
        self.model = self.path.name
        self.parallel = max(1, min(settings.parallel, os.cpu_count() or 1))
        """Calls answered at once, each on its own context (agents ask for their candidates together)."""
        import llama_cpp

        self._lib = llama_cpp
        metadata: dict[str, str] = dict(self._contexts().contexts[0].llama.metadata)
        self._template = metadata.get("tokenizer.chat_template", "")
        style = settings.prompt_style
        self.chat = bool(self._template) and (style == "chat" or (style == "auto" and is_instruct(metadata)))
        """Whether agents should send their instruct-model form (a system prompt and a request)."""
        if style == "chat" and not self._template:
            raise PersonaVlogError(f'{self.model} has no chat template; set llm.prompt_style = "completion"')
        self._store = PrefixStore(self.path, settings.n_ctx, settings.n_threads) if settings.prefix_cache else None

    def _contexts(self) -> _Contexts:
        """The loaded model's contexts (loading it if it was unloaded)."""
        return _load(self.path, self.settings.n_ctx, self.settings.n_threads)

    def unload(self) -> None:
        """Free the model from this process, weights and contexts (~320 MB for the default writer), once the calls
        under way have finished; the next call loads it again."""
        _unload(self.path, self.settings.n_ctx, self.settings.n_threads)

    def _prompt_tokens(self, llama: Any, prompt: str, system: str | None) -> tuple[list[int], str]:
        """The tokens to continue, and the text fed before the answer's first key (a space after a few-shot cue)."""
        if not self.chat:
            text = f"{system}\n\n{prompt}" if system else prompt
            return llama.tokenize(text.encode("utf-8"), add_bos=True), " "
        messages = [ChatMessage(role="user", content=prompt)]
        if system:
            messages.insert(0, ChatMessage(role="system", content=system))
        try:
            text = render_chat(self._template, messages, bos_token=self._token_text(llama, llama.token_bos()))
        except ChatTemplateError as exc:
            raise StageError("llm", f"{self.model}: {exc}") from None
        # The template writes any BOS itself; special=True reads its role markers as the special tokens they are.
        return llama.tokenize(text.encode("utf-8"), add_bos=False, special=True), ""

    def tokenize(self, text: str) -> list[int]:
        """`text`'s tokens, as a prompt begins (with the model's BOS)."""
        return self._contexts().contexts[0].llama.tokenize(text.encode("utf-8"), add_bos=True)

    def _fixed_tokens(
        self, llama: Any, tokens: list[int], prompt: str, system: str | None, fixed_chars: int | None
    ) -> int:
        """How many leading prompt tokens, in whole PROMPT_BLOCKs, come from the system prompt and the prompt's
        first `fixed_chars` characters alone (a token that straddles the border is not counted)."""
        if fixed_chars is None or self._store is None:
            return 0
        head, _ = self._prompt_tokens(llama, prompt[:fixed_chars], system)
        return min(shared_prefix(head, tokens), len(tokens) - 1) // PROMPT_BLOCK * PROMPT_BLOCK

    @staticmethod
    def _token_text(llama: Any, token: int) -> str:
        if token < 0:
            return ""
        return str(llama.detokenize([token], special=True).decode("utf-8", errors="replace"))

    def complete_json(
        self,
        prompt: str,
        schema: dict[str, Any],
        *,
        seed: int,
        temperature: float = 0.7,
        max_tokens: int = 512,
        images: list[Path] | None = None,
        system: str | None = None,
        fixed_chars: int | None = None,
    ) -> LLMResult:
        if images:
            raise StageError("llm", f"the embedded model {self.model} cannot read images; configure a vision model")
        started = time.monotonic()
        while True:
            try:
                generation = self._generate(prompt, schema, seed, temperature, max_tokens, system, fixed_chars)
                break
            except _Unloaded:
                continue
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

    def _generate(
        self,
        prompt: str,
        schema: dict[str, Any],
        seed: int,
        temperature: float,
        max_tokens: int,
        system: str | None,
        fixed_chars: int | None,
    ) -> Generation:
        with self._contexts().take(self.parallel) as context:
            tokens, lead = self._prompt_tokens(context.llama, prompt, system)
            budget = self.settings.n_ctx - len(tokens) - 64  # 64: room for the JSON keys fed between values
            if budget < 16:
                raise StageError(
                    "llm", f"the prompt ({len(tokens)} tokens) does not fit the context ({self.settings.n_ctx} tokens)"
                )
            sampler = ConstrainedSampler(
                context.llama,
                self._lib,
                SamplingParams(temperature=temperature),
                seed & 0xFFFFFFFF,
                context.cache,
                self._store,
            )
            fixed = self._fixed_tokens(context.llama, tokens, prompt, system, fixed_chars)
            return sampler.complete_json(tokens, schema, min(max_tokens, budget), lead=lead, fixed=fixed)
