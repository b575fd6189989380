"""Progress events: what the CLI draws as bars, prints as JSON lines, and a web page would stream."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

EventKind = Literal["run_start", "stage_start", "stage_done", "stage_cached", "shot_progress", "critique", "run_done"]


class ProgressEvent(BaseModel):
    kind: EventKind
    stage: str = ""
    shot: int | None = None
    done: int | None = None
    total: int | None = None
    seconds: float | None = None
    message: str = ""
    time: float = Field(default_factory=time.time)


ProgressCallback = Callable[[ProgressEvent], None]


def ignore(_event: ProgressEvent) -> None:
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
