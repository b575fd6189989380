"""The contract every LLM backend fulfils: a prompt and a JSON schema in, one parsed JSON object out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from personavlog.errors import PersonaVlogError


class LLMUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLMResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    parsed: dict[str, Any]
    usage: LLMUsage
    backend: str
    model: str
    seconds: float = 0.0


class LLMOutputError(PersonaVlogError):
    """The model answered, but not with a JSON object; callers treat it like any other invalid answer."""

    def __init__(self, message: str, text: str = "", usage: LLMUsage | None = None):
        super().__init__(message)
        self.text = text
        self.usage = usage or LLMUsage()


@runtime_checkable
class LLMClient(Protocol):
    name: str
    """Backend name, e.g. "llamacpp" or "openai"."""
    model: str
    """Model identifier as the backend knows it (file name or served model name)."""
    vision: bool
    """Whether `images` are understood by the model."""

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
        """Answer `prompt` with one JSON object that should match `schema`; same prompt and seed give the same answer.

        With `system`, the request is in an instruct model's form: `system` is the system prompt and `prompt` the
        user's turn (a client whose `chat` attribute is true understands it best; others prepend it).
        `fixed_chars` (when given) says that `system` and the first `fixed_chars` characters of `prompt` are the
        same in every call of this kind: a local model may keep its state after them (servers cache on their own).

        Raises LLMOutputError when the answer is not a JSON object, StageError when the backend cannot be used.
        """
        ...


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in `text` (models sometimes wrap it in prose or code fences)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the answer")
    decoder = json.JSONDecoder(strict=False)
    try:
        value, _ = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(value, dict):
        raise ValueError("the answer is not a JSON object")
    return value


ENDS_KEY = "x-ends"
"""A string schema's mark, not JSON Schema: "sentence" asks the embedded sampler to end the string on a whole
sentence rather than a whole word (see llm/sampling.py); `without_marks` removes it for anyone else."""

OPENS_KEY = "x-opens"
"""A string schema's mark, not JSON Schema: the words the string must open with, fed to the embedded sampler
rather than sampled ("a park" → "a park along the river"); `without_marks` removes it for anyone else."""

_MARKS = frozenset({ENDS_KEY, OPENS_KEY})


def without_marks(schema: Any) -> Any:
    """The schema with PersonaVlog's own marks removed, as a server's JSON-schema grammar expects it."""
    if isinstance(schema, dict):
        return {key: without_marks(value) for key, value in schema.items() if key not in _MARKS}
    if isinstance(schema, list):
        return [without_marks(item) for item in schema]
    return schema
