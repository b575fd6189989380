"""Progress events: what the CLI draws as bars or prints as JSON lines, and the web studio streams."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TextIO

from pydantic import BaseModel, Field

EventKind = Literal[
    "run_start", "stage_start", "stage_done", "stage_cached", "shot_progress", "critique", "warning", "run_done"
]


class ProgressEvent(BaseModel):
    kind: EventKind
    stage: str = ""
    shot: int | None = None
    done: int | None = None
    total: int | None = None
    seconds: float | None = None
    message: str = ""
    time: float = Field(default_factory=time.time)

    def json_line(self) -> str:
        """The event as one line of JSON (no newline), as `--progress json` prints it and the web API streams it."""
        return self.model_dump_json(exclude_none=True)


ProgressCallback = Callable[[ProgressEvent], None]


def ignore(_event: ProgressEvent) -> None:
    return None


class JsonLines:
    """A progress callback writing one JSON event per line, flushed at once so a pipe reader sees it as it happens."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def __call__(self, event: ProgressEvent) -> None:
        self._stream.write(event.json_line() + "\n")
        self._stream.flush()

    def __enter__(self) -> JsonLines:
        return self

    def __exit__(self, *_: object) -> None:
        return None


class FrameThrottle:
    """Turn per-frame callbacks into at most ~`steps` shot_progress events per clip."""

    def __init__(self, emit: ProgressCallback, stage: str, shot: int | None = None, steps: int = 20):
        self._emit = emit
        self._stage = stage
        self._shot = shot
        self._steps = steps
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        bucket = done * self._steps // max(total, 1)
        if bucket != self._last or done == total:
            self._last = bucket
            self._emit(ProgressEvent(kind="shot_progress", stage=self._stage, shot=self._shot, done=done, total=total))
