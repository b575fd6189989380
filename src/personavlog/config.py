"""Settings: which backend serves each role, from a TOML file and PERSONAVLOG_* environment variables."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.backends.sections import (
    LLMSection,
    MusicSection,
    SpeechSection,
    VisualSettings,
    llm_options,
    music_options,
    speech_options,
)
from personavlog.distributed.settings import DistributedSettings
from personavlog.errors import InputError
from personavlog.llm.backends import LLMSettings

__all__ = ["LLMSettings", "Settings", "load_settings"]


class Settings(BaseModel):
    """Each backend section (`llm`, `judge`, `visual`, `speech`, `music`) is the options of the backend it names,
    validated by that backend's own model (see personavlog.backends)."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMSection = Field(default_factory=lambda: llm_options({}))
    visual: VisualSettings = Field(default_factory=VisualSettings)
    speech: SpeechSection = Field(default_factory=lambda: speech_options({}))
    music: MusicSection = Field(default_factory=lambda: music_options({}))
    candidates: int = Field(default=2, ge=1, le=8, description="LLM samples per agent call; the best is kept")
    judge: LLMSection | None = Field(
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
        except IsADirectoryError:
            raise InputError(f"config file {path} is a directory, not a TOML file") from None
        except OSError as exc:
            raise InputError(f"config file {path} cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"config file {path} is not valid TOML: it is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"config file {path} is not valid TOML: {' '.join(str(exc).split())}") from None
    data = _merge(data, _env_overrides())
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(exc, prefix="invalid setting ") from None
