"""Progress of a job: the render appends ProgressEvent JSON lines to events.jsonl; the API folds and streams them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from personavlog.progress import ProgressEvent

POLL_S = 0.25
KEEPALIVE_S = 15.0


def read_events(path: Path, offset: int = 0) -> tuple[list[tuple[int, ProgressEvent]], int]:
    """Complete lines from byte `offset` on, each with the offset just past it (the SSE event id)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    events: list[tuple[int, ProgressEvent]] = []
    position = offset
    while True:
        end = data.find(b"\n", position - offset)
        if end < 0:
            break
        line = data[position - offset : end]
        position = offset + end + 1
        try:
            events.append((position, ProgressEvent.model_validate_json(line)))
        except ValidationError:
            continue
    return events, position


class StageProgress(BaseModel):
    state: str = "running"
    seconds: float | None = None
    done: int | None = None
    total: int | None = None


class Progress(BaseModel):
    """The latest run's state per stage and per shot; `stages` are whole-vlog stages and per-shot stage families."""

    stages: dict[str, StageProgress] = Field(default_factory=dict)
    shots: dict[int, dict[str, StageProgress]] = Field(default_factory=dict)
    critiques_passed: int = 0
    critiques_failed: int = 0
    critiques_not_measured: int = 0
    """Checks whose critic failed: warnings (a `warning` event each), counted neither as passed nor as failed."""
    last: ProgressEvent | None = None


def fold_progress(events: list[ProgressEvent]) -> Progress:
    """What the latest run (from its run_start on) did so far."""
    start = max((i for i, e in enumerate(events) if e.kind == "run_start"), default=0)
    progress = Progress()
    for event in events[start:]:
        progress.last = event
        if event.kind == "critique":
            if " passed (" in event.message:
                progress.critiques_passed += 1
            elif "rollback" not in event.message:
                progress.critiques_failed += 1
            continue
        if event.kind == "warning":
            if " not measured: " in event.message:
                progress.critiques_not_measured += 1
            continue
        if not event.stage:
            continue
        family = event.stage.split("/")[0]
        if event.shot is not None:
            slot = progress.shots.setdefault(event.shot, {}).setdefault(family, StageProgress())
        else:
            slot = progress.stages.setdefault(family, StageProgress())
        if event.kind == "stage_start":
            slot.state = "running"
        elif event.kind == "stage_done":
            slot.state, slot.seconds = "done", event.seconds
        elif event.kind == "stage_cached":
            slot.state = "cached"
        elif event.kind == "shot_progress":
            slot.done, slot.total = event.done, event.total
    for shot_stages in progress.shots.values():
        for family, slot in shot_stages.items():
            summary = progress.stages.setdefault(family, StageProgress(state=slot.state))
            if slot.state == "running" or summary.state == "running":
                summary.state = "running"
            elif slot.state == "done" or summary.state == "done":
                summary.state = "done"
    return progress


def _sse(data: str, event_id: int | None = None, event: str | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.extend(f"data: {part}" for part in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def _grown(path: Path, offset: int) -> bool:
    try:
        return path.stat().st_size > offset
    except FileNotFoundError:
        return False


async def stream_events(
    path: Path, offset: int, status: Callable[[], Awaitable[dict[str, Any] | None]]
) -> AsyncIterator[bytes]:
    """Server-sent events: every progress event as it is written; then one `status` event when the job finished.

    Each event's id is a byte offset into events.jsonl, so a client reconnecting with Last-Event-ID misses nothing.
    The stream ends by itself when the job has ended; a client that goes away cancels it.
    """
    yield b"retry: 2000\n\n"
    idle = 0.0
    while True:
        # A stat costs far less than a read in a worker thread, and most polls find nothing new.
        events: list[tuple[int, ProgressEvent]] = []
        if _grown(path, offset):
            events, offset = await asyncio.to_thread(read_events, path, offset)
        for position, event in events:
            yield _sse(event.json_line(), position)
        if events:
            idle = 0.0
            continue
        job = await status()
        if job is None or job["status"] in ("done", "failed", "cancelled"):
            # The render may have written its last lines just before finishing: read once more, then close.
            events, offset = await asyncio.to_thread(read_events, path, offset)
            for position, event in events:
                yield _sse(event.json_line(), position)
            yield _sse(json.dumps(job or {"status": "deleted"}), offset, event="status")
            return
        await asyncio.sleep(POLL_S)
        idle += POLL_S
        if idle >= KEEPALIVE_S:
            idle = 0.0
            yield b": keep-alive\n\n"
