"""The backend sections of the settings, each validated by the options model of the backend it names.

`[speech]`, `[music]`, `[llm]` and `[judge]` name their backend with `backend = "..."` (or, for speech and music,
a bare `speech = "openai"`); the rest of the table is that backend's options. `[visual]` names a keyframe and a
motion backend, and `[visual.<name>]` holds backend <name>'s options: see `VisualSettings`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from personavlog.backends.record import Backend, BackendOptions, LLMOptions, Role, SectionOptions
from personavlog.backends.registry import UnknownBackend, available_backends, find_backend, is_declared
from personavlog.errors import InputError

SectionRole = Literal["llm", "speech", "music"]
Part = Literal["keyframe", "motion"]
PARTS: tuple[Part, ...] = ("keyframe", "motion")
VISUAL_ROLES: tuple[Role, ...] = ("visual", *PARTS)

DEFAULT_BACKENDS: dict[SectionRole, str] = {"llm": "llamacpp", "speech": "piper", "music": "midi"}


def _invalid(loc: tuple[str | int, ...], message: str, value: object) -> ValidationError:
    # A ValidationError raised inside a validator keeps its locations, under the field being validated.
    error: InitErrorDetails = {"type": PydanticCustomError("backend", message), "loc": loc, "input": value}
    return ValidationError.from_exception_data("Settings", [error])


def _under(prefix: str, exc: ValidationError) -> ValidationError:
    """`exc`'s errors, located under `prefix` (the errors keep their type names and messages)."""
    errors: list[InitErrorDetails] = [
        {"type": PydanticCustomError(e["type"], e["msg"]), "loc": (prefix, *e["loc"]), "input": e["input"]}
        for e in exc.errors()
    ]
    return ValidationError.from_exception_data("Settings", errors)


def _found(role: Role, name: object, loc: str) -> Backend:
    if not isinstance(name, str):
        raise _invalid((loc,), "should be a backend name", name)
    try:
        return find_backend(role, name)
    except InputError as exc:
        raise _invalid((loc,), str(exc), name) from None


def _other_backends_keys(role: SectionRole, name: str) -> set[str]:
    keys: set[str] = set()
    for other in available_backends(role):
        if other != name:
            try:
                keys.update(find_backend(role, other).options_model.model_fields)
            except InputError:  # a broken plugin does not make the chosen backend's configuration wrong
                continue
    return keys


def _own_keys(role: SectionRole, name: str, model: type[BackendOptions], data: dict[str, Any]) -> dict[str, Any]:
    """`data` less the keys that only another backend of `role` takes: options of a backend not in use are ignored
    (as they always were), while a key no backend knows is still an error."""
    unknown = data.keys() - model.model_fields.keys()
    if not unknown:
        return data
    ignored = unknown & _other_backends_keys(role, name)
    return {key: value for key, value in data.items() if key not in ignored}


def section_options(role: SectionRole, value: object) -> SectionOptions:
    """A section (a table, a bare backend name or options already built) as the options of the backend it names."""
    if isinstance(value, str):
        value = {"backend": value}
    if isinstance(value, SectionOptions):
        backend = _found(role, value.backend, "backend")
        if isinstance(value, backend.options_model):
            return value
        value = value.model_dump()
    if not isinstance(value, Mapping):
        raise _invalid((), "should be a backend name or a table of its options", value)
    data = {"backend": DEFAULT_BACKENDS[role], **value}
    backend = _found(role, data["backend"], "backend")
    model = backend.options_model
    return cast(SectionOptions, model.model_validate(_own_keys(role, backend.name, model, data)))


def llm_options(value: object) -> LLMOptions:
    return cast(LLMOptions, section_options("llm", value))


def speech_options(value: object) -> SectionOptions:
    return section_options("speech", value)


def music_options(value: object) -> SectionOptions:
    return section_options("music", value)


LLMSection = Annotated[SerializeAsAny[LLMOptions], BeforeValidator(llm_options)]
SpeechSection = Annotated[SerializeAsAny[SectionOptions], BeforeValidator(speech_options)]
MusicSection = Annotated[SerializeAsAny[SectionOptions], BeforeValidator(music_options)]


@functools.cache
def _table_model(whole: Backend | None, keyframe: Backend | None, motion: Backend | None) -> type[BackendOptions]:
    """`[visual.<name>]`: the whole engine's options, with the keyframe and motion parts' options as sub-tables."""
    parts: dict[str, Any] = {
        backend.role: (backend.options, Field(default_factory=backend.options))
        for backend in (keyframe, motion)
        if backend is not None and backend.options is not None
    }
    base = whole.options_model if whole is not None else BackendOptions
    name = next(b.name for b in (whole, keyframe, motion) if b is not None)
    return cast(type[BackendOptions], create_model(f"Visual_{name}", __base__=base, **parts))


def _visual_table(name: str, value: object) -> BackendOptions:
    declared = {role: find_backend(role, name) if is_declared(role, name) else None for role in VISUAL_ROLES}
    if not any(declared.values()):
        known = sorted({n for role in VISUAL_ROLES for n in available_backends(role)})
        raise UnknownBackend(f"unknown visual backend {name!r} (available: {', '.join(known)})")
    return _table_model(declared["visual"], declared["keyframe"], declared["motion"]).model_validate(value or {})


class VisualSettings(BaseModel):
    """`[visual]`: which backend makes the keyframes and which animates them, and each backend's options.

    `[visual.<name>.keyframe]` holds the options of keyframe backend <name>, `[visual.<name>.motion]` those of
    motion backend <name>; the table's other keys are those of the whole visual engine <name>, the one used when
    keyframe and motion name it both. A bare `visual = "diffusers"` sets keyframe and motion both. The tables of
    the backends in use are always there (with their defaults), so `settings.visual.diffusers.motion.frames` reads
    the value in effect.
    """

    model_config = ConfigDict(extra="allow")

    keyframe: str = Field(default="animatic", description="keyframe backend: animatic, diffusers or a plugin's")
    motion: str = Field(default="animatic", description="motion backend: animatic, diffusers or a plugin's")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"keyframe": value, "motion": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _backend_tables(self) -> Self:
        if not self.uses_whole_engine():
            for part in PARTS:
                _found(part, getattr(self, part), part)
        raw = self.__pydantic_extra__ or {}
        tables: dict[str, BackendOptions] = {}
        for name in dict.fromkeys([*self.names_in_use(), *raw]):
            try:
                tables[name] = _visual_table(name, raw.get(name))
            except InputError as exc:
                raise _invalid((name,), str(exc), raw.get(name)) from None
            except ValidationError as exc:
                raise _under(name, exc) from None
        self.__pydantic_extra__ = tables
        return self

    def uses_whole_engine(self) -> bool:
        """Keyframe and motion name one backend that renders both (e.g. animatic): that engine, not a composition."""
        return self.keyframe == self.motion and is_declared("visual", self.keyframe)

    def names_in_use(self) -> list[str]:
        return [self.keyframe] if self.uses_whole_engine() else list(dict.fromkeys([self.keyframe, self.motion]))

    def backend_options(self, name: str) -> BackendOptions:
        """`[visual.<name>]` as validated (for a backend in use, its defaults when the config has no such table)."""
        tables = self.__pydantic_extra__ or {}
        found = tables.get(name)
        if not isinstance(found, BackendOptions):
            raise KeyError(f"no options for visual backend {name!r}")
        return found

    def part_options(self, part: Part) -> BackendOptions | None:
        """The options of the keyframe or motion backend in use (None for one that takes none)."""
        found = getattr(self.backend_options(getattr(self, part)), part, None)
        return found if isinstance(found, BackendOptions) else None
