"""The jobs file: one JSON object per line, each a vlog request with the options of `personavlog make`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.errors import InputError
from personavlog.schema import VlogRequest


class JobLine(BaseModel):
    """What one line may say. Field names are `make`'s options with underscores; omitted ones take its defaults."""

    model_config = ConfigDict(extra="forbid")

    theme: str
    reference: Path = Field(description="relative paths are relative to the jobs file's folder")
    style: str = "cinematic"
    duration: float = 30.0
    aspect: Literal["16:9", "9:16", "1:1"] = "16:9"
    resolution: Literal["360p", "480p", "720p", "1080p"] = "720p"
    fps: int = 24
    language: str = "en"
    voice: str = "joe"
    persona: str | None = None
    seed: int = 0
    no_feedback: bool = False
    max_rounds: int = 2
    allow_no_face: bool = False


class Job(BaseModel):
    """A validated line: its request and the run directory name it renders into."""

    line: int
    name: str
    request: VlogRequest
    allow_no_face: bool = False


def slug(text: str) -> str:
    words = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return words[:40].strip("-") or "vlog"


def _field_name(loc: tuple) -> str:
    names = {"duration_s": "duration", "feedback": "no_feedback"}
    return ".".join(names.get(str(part), str(part)) for part in loc) or "line"


def parse_line(text: str, line: int, base: Path, source: str = "jobs file") -> Job:
    """One line of the jobs file; `InputError` naming the line and the field for anything wrong with it."""
    where = f"{source} line {line}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    try:
        options = JobLine.model_validate(data)
        reference = options.reference.expanduser()
        request = VlogRequest(
            theme=options.theme,
            reference=(reference if reference.is_absolute() else base / reference).resolve(),
            style=options.style,
            duration_s=options.duration,
            aspect=options.aspect,
            resolution=options.resolution,
            fps=options.fps,
            language=options.language,
            voice=options.voice,
            persona=options.persona,
            seed=options.seed,
            feedback=not options.no_feedback,
            max_rounds=options.max_rounds,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{where}: {_field_name(tuple(first['loc']))}: {first['msg']}") from None
    return Job(
        line=line, name=f"{line:04d}-{slug(request.theme)}", request=request, allow_no_face=options.allow_no_face
    )


def load_jobs(path: Path) -> list[Job]:
    """Every job of the file in order; blank lines are skipped but still counted, so line numbers match an editor's."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"jobs file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"jobs file {path} cannot be read: {exc}") from None
    base = path.resolve().parent
    jobs = [parse_line(raw, number, base, path.name) for number, raw in enumerate(text.splitlines(), 1) if raw.strip()]
    if not jobs:
        raise InputError(f"{path} holds no jobs (one JSON object per line)")
    return jobs
