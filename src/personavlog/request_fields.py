"""The options a user sets on a vlog request, derived from `VlogRequest`'s fields for every surface that takes one.

An option has one name everywhere: `duration` is `--duration` on the command line, `"duration"` in a jobs-file
line and the `duration` field of the web form, and it sets the field `duration_s`. The names, defaults, choices
and help all come from the fields of `VlogRequest` (see its docstring for the `option` metadata).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from personavlog.errors import InputError
from personavlog.schema import VlogRequest


def flag(name: str) -> str:
    """The command-line spelling of an option: `max_rounds` -> `--max-rounds`."""
    return "--" + name.replace("_", "-")


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def _without_none(annotation: Any) -> Any:
    """`str | None` -> `str`; anything else unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


@dataclass(frozen=True)
class RequestOption:
    """One option of a request: its name on every surface, and the `VlogRequest` field it sets."""

    name: str
    field: str
    info: FieldInfo

    @property
    def negated(self) -> bool:
        """`no_feedback=True` sets `feedback=False`."""
        return self.name == f"no_{self.field}"

    @property
    def flag(self) -> str:
        return flag(self.name)

    @property
    def annotation(self) -> Any:
        return bool if self.negated else self.info.annotation

    @property
    def value_type(self) -> Any:
        """The type of one given value: `str` for `str | None`, the Literal for a choice."""
        return _without_none(self.annotation)

    @property
    def required(self) -> bool:
        return self.info.is_required()

    @property
    def default(self) -> Any:
        if self.required:
            return None
        return not self.info.default if self.negated else self.info.default

    @property
    def choices(self) -> tuple[Any, ...] | None:
        kind = self.value_type
        return get_args(kind) if get_origin(kind) is Literal else None

    @property
    def help(self) -> str:
        return str(_extra(self.info).get("help") or self.info.description or "")

    @property
    def constraints(self) -> tuple[Any, ...]:
        """The field's bounds (ge, le, max_length, ...), as Annotated metadata."""
        return () if self.negated else tuple(self.info.metadata)

    def field_value(self, value: Any) -> Any:
        return not value if self.negated else value


def _options() -> tuple[RequestOption, ...]:
    options = []
    for field, info in VlogRequest.model_fields.items():
        name = _extra(info).get("option", field)
        if name is False:
            continue
        options.append(RequestOption(name=str(name), field=field, info=info))
    return tuple(options)


REQUEST_OPTIONS: tuple[RequestOption, ...] = _options()
_BY_NAME = {option.name: option for option in REQUEST_OPTIONS}
_BY_FIELD = {option.field: option for option in REQUEST_OPTIONS}


def request_option(name: str) -> RequestOption:
    """The option called `name` (KeyError for a name that is not one)."""
    return _BY_NAME[name]


def option_name(loc: tuple[str | int, ...]) -> str:
    """The option an error location of `VlogRequest` is about: ("duration_s",) -> "duration"."""
    head, *rest = (str(part) for part in loc)
    option = _BY_FIELD.get(head)
    return ".".join([option.name if option else head, *rest])


def build_request(
    values: Mapping[str, Any], prefix: str = "", spell: Callable[[str], str] = str, **fields: Any
) -> VlogRequest:
    """The request that option `values` ask for (an option left out takes the field's default).

    `fields` set request fields directly (e.g. a `reference` already resolved). Anything invalid is an
    `InputError` of one line, `<prefix><option>: <why>`, with the option as `spell` writes it (e.g. as a flag).
    """
    given = [option for option in REQUEST_OPTIONS if option.name in values]
    data = {option.field: option.field_value(values[option.name]) for option in given}
    try:
        return VlogRequest.model_validate({**data, **fields})
    except ValidationError as exc:
        raise InputError.from_validation(exc, prefix, lambda loc: spell(option_name(loc))) from None


def options_model(
    model_name: str,
    doc: str,
    *,
    exclude: Collection[str] = (),
    unknown: Literal["forbid", "ignore"] = "forbid",
    **extra_fields: tuple[Any, Any],
) -> type[BaseModel]:
    """A flat model of the options (a jobs-file line, the web form) but those in `exclude`, plus `extra_fields`."""
    fields: dict[str, Any] = {}
    for option in REQUEST_OPTIONS:
        if option.name in exclude:
            continue
        annotation = Annotated[(option.annotation, *option.constraints)] if option.constraints else option.annotation
        default = ... if option.required else option.default
        fields[option.name] = (annotation, Field(default=default, description=option.help or None))
    return create_model(  # type: ignore[call-overload]
        model_name, __config__=ConfigDict(extra=unknown), __doc__=doc, **fields, **extra_fields
    )
