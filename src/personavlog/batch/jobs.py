"""The jobs file: one JSON object per line, each a vlog request with the options of `personavlog make`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from personavlog.errors import InputError
from personavlog.fsutil import slug
from personavlog.inputs import resolve_reference
from personavlog.request_fields import build_request, options_model
from personavlog.schema import VlogRequest

JOB_NAME_LENGTH = 40

JobLine = options_model(
    "JobLine",
    "What one line may say: the options of `personavlog make`, named as in its flags with underscores (`duration`, "
    "`no_feedback`); omitted ones take its defaults.",
    exclude={"reference"},
    reference=(Path, Field(description="relative paths are relative to the jobs file's folder")),
    allow_no_face=(bool | None, Field(default=None, description="default: the batch's --allow-no-face")),
)


class Job(BaseModel):
    """A validated line: its request and the run directory name it renders into."""

    line: int
    name: str
    request: VlogRequest
    allow_no_face: bool = False


def parse_line(text: str, line: int, base: Path, source: str = "jobs file", allow_no_face: bool = False) -> Job:
    """One line of the jobs file; `InputError` naming the line and the field for anything wrong with it.

    `allow_no_face` is for a line that does not say.
    """
    where = f"{source} line {line}: "
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}expected a JSON object, got {type(data).__name__}")
    try:
        options = JobLine.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(exc, where) from None
    given = options.model_dump(exclude={"reference", "allow_no_face"}, exclude_unset=True)
    reference = options.reference.expanduser()  # type: ignore[attr-defined]
    reference = resolve_reference(reference if reference.is_absolute() else base / reference)
    request = build_request(given, where, reference=reference)
    chosen = options.allow_no_face  # type: ignore[attr-defined]
    return Job(
        line=line,
        name=f"{line:04d}-{slug(request.theme, JOB_NAME_LENGTH)}",
        request=request,
        allow_no_face=allow_no_face if chosen is None else chosen,
    )


def load_jobs(path: Path, allow_no_face: bool = False) -> list[Job]:
    """Every job of the file in order; blank lines are skipped but still counted, so line numbers match an editor's."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"jobs file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"jobs file {path} cannot be read: {exc}") from None
    base = path.resolve().parent
    lines = [(number, raw) for number, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    jobs = [parse_line(raw, number, base, path.name, allow_no_face) for number, raw in lines]
    if not jobs:
        raise InputError(f"{path} holds no jobs (one JSON object per line)")
    return jobs
