"""How the CLI shows progress events: rich bars per stage and per shot, or JSON lines for programs."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from personavlog.progress import ProgressEvent


def _label(event: ProgressEvent) -> str:
    return event.stage.replace("_", " ")


class JsonLines:
    """One JSON object per line, flushed at once so a pipe reader sees events as they happen."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def __call__(self, event: ProgressEvent) -> None:
        self._stream.write(event.model_dump_json(exclude_none=True) + "\n")
        self._stream.flush()

    def __enter__(self) -> JsonLines:
        return self

    def __exit__(self, *_: object) -> None:
        return None


class Bars:
    """A bar for every stage as it runs; shots that render frames get their own bar."""

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Bars:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def _task(self, event: ProgressEvent, total: int | None = None) -> TaskID:
        if event.stage not in self._tasks:
            self._tasks[event.stage] = self._progress.add_task(_label(event), total=total)
        return self._tasks[event.stage]

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "stage_start":
            self._task(event)
        elif event.kind == "shot_progress" and event.total:
            self._progress.update(self._task(event, event.total), total=event.total, completed=event.done)
        elif event.kind == "stage_done":
            task = self._task(event, 1)
            total = self._progress.tasks[self._tasks[event.stage]].total or 1
            self._progress.update(task, total=total, completed=total, description=f"{_label(event)} ✓")
        elif event.kind == "stage_cached":
            note = f" ({event.message})" if event.message else ""
            self._console.print(f"[dim]{_label(event)}: up to date{note}[/dim]")
        elif event.kind == "critique" and " passed (" not in event.message:
            # Passing checks are in the manifest; the terminal shows what failed and what was done about it.
            self._console.print(f"[yellow]{_label(event)}: {event.message}[/yellow]")
