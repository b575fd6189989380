"""How commands show progress: rich bars for a vlog's stages and shots, JSON lines for programs, or nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from personavlog.cli.options import ProgressMode
from personavlog.progress import JsonLines, ProgressEvent

Report = Callable[[str, dict[str, Any]], None]
"""report(text, record): a line of progress for people (text) and for programs (record)."""


def _label(event: ProgressEvent) -> str:
    return event.stage.replace("_", " ")


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
        self._started = False

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *_: object) -> None:
        # Started by the first event only: a request refused before the run begins leaves its one error line alone.
        if self._started:
            self._progress.stop()

    def _task(self, event: ProgressEvent, total: int | None = None) -> TaskID:
        if event.stage not in self._tasks:
            self._tasks[event.stage] = self._progress.add_task(_label(event), total=total)
        return self._tasks[event.stage]

    def __call__(self, event: ProgressEvent) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
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
        elif event.kind == "warning":
            self._console.print(f"[yellow]warning: {_label(event)}: {event.message}[/yellow]")


def pipeline_progress(mode: ProgressMode) -> Bars | JsonLines | None:
    """The progress callback of a pipeline run (a context manager), or None for no progress."""
    if mode == "json":
        return JsonLines(sys.stdout)
    return Bars() if mode == "bars" else None


def reporter(mode: ProgressMode) -> Report:
    """Progress of commands that run many vlogs: a line on stderr, a JSON object on stdout, or nothing."""

    def report(text: str, record: dict[str, Any]) -> None:
        if mode == "bars":
            print(text, file=sys.stderr, flush=True)
        elif mode == "json":
            print(json.dumps(record, default=str), flush=True)

    return report
