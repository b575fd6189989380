"""Settings: which backend serves each role, from a TOML file and PERSONAVLOG_* environment variables."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.distributed.settings import DistributedSettings
from personavlog.engines.settings import MusicSettings, SpeechSettings, VisualSettings
from personavlog.errors import InputError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(Section):
    backend: Literal["llamacpp", "openai"] = "llamacpp"
    model_path: Path | None = Field(default=None, description="GGUF file; default: the embedded gemma-3 270M")
    n_threads: int = Field(default=1, ge=1, description="1 is fastest on small CPUs: spinning threads stall under load")
    n_ctx: int = 4096
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "default"
    api_key_env: str | None = Field(default=None, description="name of the environment variable holding the API key")
    timeout_s: float = 120.0
    max_retries: int = 4
    vision: bool = Field(default=False, description="the configured model accepts image inputs")


class Settings(Section):
    llm: LLMSettings = Field(default_factory=LLMSettings)
    visual: VisualSettings = Field(default_factory=VisualSettings)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    music: MusicSettings = Field(default_factory=MusicSettings)
    candidates: int = Field(default=2, ge=1, le=8, description="LLM samples per agent call; the best is kept")
    judge: LLMSettings | None = Field(
        default=None,
        description="an OpenAI-compatible vision model that judges keyframes and storyboards (none: no MLLM judge)",
    )
    distributed: DistributedSettings = Field(default_factory=DistributedSettings)


_ENV_PREFIX = "PERSONAVLOG_"


def _env_overrides() -> dict[str, Any]:
    """PERSONAVLOG_LLM__BASE_URL=... sets settings.llm.base_url (double underscore = nesting)."""
    overrides: dict[str, Any] = {}
    for key, value in os.environ.items():
        if not key.startswith(_ENV_PREFIX) or key == "PERSONAVLOG_TOKEN":
            continue
        path = key[len(_ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(path: Path | None = None) -> Settings:
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"config file not found: {path}") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"config file {path} is not valid TOML: {exc}") from None
    data = _merge(data, _env_overrides())
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"invalid setting {where}: {first['msg']}") from None
