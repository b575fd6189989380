"""An instruct model's own chat template (the Jinja text in its GGUF metadata), rendered for one request."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    content: str


class ChatTemplateError(ValueError):
    """The model's chat template could not be rendered."""


@lru_cache(maxsize=8)
def _compiled(source: str) -> Any:
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise ChatTemplateError(message)

    # The settings chat templates are written for (those of Hugging Face's tokenizers).
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["raise_exception"] = raise_exception
    try:
        return environment.from_string(source)
    except TemplateError as exc:
        raise ChatTemplateError(f"the model's chat template does not parse: {exc}") from None


def render_chat(source: str, messages: list[ChatMessage], *, bos_token: str = "", eos_token: str = "") -> str:
    """The prompt text for `messages`, ending where the assistant's answer begins."""
    from jinja2 import TemplateError

    try:
        return str(
            _compiled(source).render(
                messages=[message.model_dump() for message in messages],
                add_generation_prompt=True,
                bos_token=bos_token,
                eos_token=eos_token,
            )
        )
    except TemplateError as exc:
        raise ChatTemplateError(f"the model's chat template failed: {exc}") from None


def is_instruct(metadata: dict[str, str]) -> bool:
    """Whether a GGUF's metadata says it was tuned to follow instructions (and carries a template to do it with)."""
    if not metadata.get("tokenizer.chat_template"):
        return False
    described = " ".join(metadata.get(key, "") for key in ("general.finetune", "general.name")).lower()
    return any(word in described for word in ("instruct", "chat", "-it", " it "))
