"""A backend as the registry knows it: the role it serves, its name, where its engine lives and the options it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.errors import InputError

Role = Literal["llm", "visual", "keyframe", "motion", "speech", "music"]
"""`visual` is a whole visual engine; `keyframe` and `motion` are the two halves a composed one is made of."""
ROLES: tuple[Role, ...] = get_args(Role)

Describe = Callable[[Any], dict[str, str]]
"""The options of a backend -> what the manifest records about it besides its name (e.g. the model id)."""


class BackendOptions(BaseModel):
    """Base of every backend's options model; unknown keys are errors, so a misspelt option never passes silently."""

    model_config = ConfigDict(extra="forbid")


class SectionOptions(BackendOptions):
    """Options of a backend picked by name in its own config section: `[speech] backend = "openai"`."""

    backend: str = Field(description="the backend that serves this role")


class LLMOptions(SectionOptions):
    """Options every LLM backend (`[llm]`, `[judge]`) has."""

    vision: bool = Field(default=False, description="the configured model accepts image inputs")


SECTION_OPTIONS: dict[Role, type[BackendOptions]] = {
    "llm": LLMOptions,
    "speech": SectionOptions,
    "music": SectionOptions,
    "visual": BackendOptions,
    "keyframe": BackendOptions,
    "motion": BackendOptions,
}
"""The base class a role's options model extends (a role with its own section carries the `backend` key)."""


def load_object(target: str) -> Any:
    """The object `module:attribute` names (the attribute may be dotted), importing the module."""
    module_name, _, attribute = target.partition(":")
    found: Any = import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def _nothing_more(options: Any) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Backend:
    """One backend of one role.

    `engine` is the `module:Class` of the engine (or LLM client), imported only when one is created. It is built as
    `Class(options)` with the validated `options` model, or as `Class()` for a backend that takes no options.
    """

    role: Role
    name: str
    engine: str
    options: type[BackendOptions] | None = None
    describe: Describe = _nothing_more

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"backend {self.name!r}: unknown role {self.role!r} (roles: {', '.join(ROLES)})")
        base = SECTION_OPTIONS[self.role]
        if self.options is not None and not issubclass(self.options, base):
            raise TypeError(f"{self.key}: options {self.options.__name__} must extend {base.__name__}")

    @property
    def key(self) -> str:
        """The entry point name that declares this backend, e.g. `speech.piper`."""
        return f"{self.role}.{self.name}"

    @property
    def options_model(self) -> type[BackendOptions]:
        """The model that validates this backend's keys: its own, or the role's bare base."""
        return self.options or SECTION_OPTIONS[self.role]

    def engine_class(self) -> type[Any]:
        found = load_object(self.engine)
        if not isinstance(found, type):
            raise TypeError(f"{self.key}: {self.engine} is not a class")
        return found

    def create(self, options: BackendOptions | None = None) -> Any:
        """A new engine; `options` are validated again by this backend's model when they are not already its own."""
        cls = self.engine_class()
        if self.options is None:
            return cls()
        return cls(self.own_options(options))

    def own_options(self, options: BackendOptions | None) -> BackendOptions:
        model = self.options_model
        if isinstance(options, model):
            return options
        try:
            return model.model_validate(options.model_dump() if options is not None else {})
        except ValidationError as exc:
            raise InputError.from_validation(exc, prefix=f"invalid {self.key} option ") from None

    def details(self, options: BackendOptions | None) -> dict[str, str]:
        """What the manifest records besides the name (by default nothing)."""
        return self.describe(options if self.options is None else self.own_options(options))
