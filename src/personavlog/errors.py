"""Errors the user can act on. The CLI prints them as one line; nothing else reaches the terminal as a traceback."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

FieldNamer = Callable[[tuple[str | int, ...]], str]


class PersonaVlogError(Exception):
    """Base class: its message is a complete, one-line explanation for the user."""

    exit_code = 1


class InputError(PersonaVlogError):
    """The request itself is wrong (bad reference image, empty theme, ...): exit status 2."""

    exit_code = 2

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str = "", name: FieldNamer | None = None) -> InputError:
        return cls(validation_line(exc, prefix, name))


class StageError(PersonaVlogError):
    """A stage could not produce a valid result after its retries."""

    def __init__(self, stage: str, message: str):
        super().__init__(f"{stage}: {message}")
        self.stage = stage


def dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_line(exc: ValidationError, prefix: str = "", name: FieldNamer | None = None) -> str:
    """The first error of `exc` as `<prefix><field>: <message>`, e.g. `invalid setting llm.n_ctx: Input should ...`.

    `name` turns the error's location into the name the user wrote (an option, a form field); by default the
    location's parts joined by dots.
    """
    errors = exc.errors()
    if not errors:
        return f"{prefix}{exc.title}: invalid"
    return error_line(errors[0], prefix, name)


def error_line(error: Mapping[str, Any], prefix: str = "", name: FieldNamer | None = None) -> str:
    """One item of a pydantic error list as `<prefix><field>: <message>`."""
    field, message = error_parts(error, name)
    return f"{prefix}{field}: {message}"


def error_parts(error: Mapping[str, Any], name: FieldNamer | None = None) -> tuple[str, str]:
    """(field, message) of one item of a pydantic error list; an error of the whole input is about `input`."""
    loc = tuple(error.get("loc") or ())
    field = (name or dotted)(loc) if loc else "input"
    return field, " ".join(str(error.get("msg", "invalid")).removeprefix("Value error, ").split())
