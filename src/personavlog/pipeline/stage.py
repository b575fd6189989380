"""A stage of the pipeline, declared once, and the run it belongs to.

A stage is an object that says what it hashes (`inputs`), what it produces (`output`, and `intact` for files), and
how it runs (`compute`). `Stage.run` does the rest for every stage alike: it skips the work when the inputs hash to
what produced the current output, keeps a user's edit of that output, and records what ran. A rollback adds notes
or retake settings to a stage's inputs, which changes its hash, so running the stage again redoes it and what
depends on it, and nothing else.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from personavlog.config import Settings
from personavlog.errors import StageError
from personavlog.fsutil import sha256_json
from personavlog.manifest import LLMCall, Manifest, StageFailure, StageId, StageName, StageRecord, document_hash
from personavlog.pipeline.run_backends import RunBackends
from personavlog.progress import ProgressCallback, ProgressEvent
from personavlog.rundir import RunDir
from personavlog.schema import Story

T = TypeVar("T")


def planned(value: T | None, what: str) -> T:
    """A document the plan must already hold at this point; a missing one means the plan is incomplete."""
    if value is None:
        raise StageError("plan", f"the plan has no {what}; run `personavlog plan` again")
    return value


class RunContext:
    """One invocation of the pipeline on one run directory: its manifest, backends, progress and bookkeeping."""

    def __init__(
        self, run: RunDir, backends: RunBackends, emit: ProgressCallback, manifest: Manifest, allow_no_face: bool
    ):
        self.run = run
        self.backends = backends
        self.settings: Settings = backends.settings
        self.emit = emit
        self.manifest = manifest
        self.allow_no_face = allow_no_face
        self.written: set[StageId] = set()
        """Stages whose compute ran in this invocation: only what was just generated is rolled back."""
        self.story_to_beat: Story | None = None
        """Set by a rollback of the story for its theme: the rewrite must be more on theme than this story."""
        self.mastered: Any = None
        """The soundtrack mastered (and heard) ahead of the compose (`ComposeStage.sound_ahead`)."""
        self.heard_cut: Any = None
        """What the recogniser heard in the soundtrack the last compose used, when it was heard ahead."""

    @property
    def request(self) -> Any:
        return self.manifest.request

    def save(self) -> None:
        self.run.save(self.manifest)

    def notes(self, stage: StageName) -> list[str]:
        return self.manifest.notes.get(StageId(stage), [])

    def call_agent(self, writer: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an agent with the run's LLM and request; its LLM calls are logged in the manifest."""
        from personavlog.agents import AgentCallLog

        log = AgentCallLog()
        try:
            return writer(
                self.backends.llm, self.request, *args, candidates=self.settings.candidates, log=log, **kwargs
            )
        finally:
            self.manifest.llm_calls.extend(LLMCall.model_validate(c.model_dump()) for c in log.calls)

    def forget_removed_shots(self, shot_ids: set[int]) -> None:
        """A new storyboard may have fewer shots: drop the old shots' files and records."""
        manifest = self.manifest
        for stage in [s for s in manifest.stages if s.shot is not None and s.shot not in shot_ids]:
            del manifest.stages[stage]
        for asset in [a for a in manifest.assets if a.shot is not None and a.shot not in shot_ids]:
            del manifest.assets[asset]
        keep = {f"{shot_id:02d}" for shot_id in shot_ids}
        shots_root = self.run.root / "shots"
        if shots_root.is_dir():
            for folder in shots_root.iterdir():
                if folder.is_dir() and folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)


class Stage(ABC):
    """One step of the pipeline. Subclasses declare `name`, `version` and `role` and implement the three methods."""

    name: ClassVar[StageName]
    version: ClassVar[int] = 1
    """Bump when the stage's code changes what it produces, so cached results from older versions are redone."""
    role: ClassVar[str] = "llm"
    """The backend (a key of the manifest's `backends`) whose choice enters the input hash."""

    def __init__(self, shot: int | None = None):
        self.id = StageId(self.name, shot)

    @abstractmethod
    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        """What the stage's result depends on, besides its version, backend, notes and retake settings."""

    @abstractmethod
    def output(self, ctx: RunContext) -> Any:
        """The stage's current result (a document, or the record of its main file); None when there is none."""

    def intact(self, ctx: RunContext) -> bool:
        """Whether the files the stage wrote are still there, unchanged."""
        return True

    @abstractmethod
    def compute(self, ctx: RunContext) -> None:
        """Produce the result and put it in the manifest (and the run directory)."""

    def input_hash(self, ctx: RunContext) -> str:
        manifest = ctx.manifest
        retake = manifest.retakes.get(self.id)
        return sha256_json(
            {
                "version": self.version,
                "backend": manifest.backends.get(self.role, {}),
                "feedback": manifest.notes.get(self.id, []),
                "adjust": retake.hashed() if retake is not None else {},
                **self.inputs(ctx),
            }
        )

    def edited_by_user(self, ctx: RunContext) -> bool:
        """Whether the stage's result differs from what the stage last wrote."""
        record = ctx.manifest.stages.get(self.id)
        return (
            record is not None
            and record.output_hash is not None
            and record.output_hash != document_hash(self.output(ctx))
        )

    def is_current(self, ctx: RunContext) -> bool:
        """Whether the recorded inputs are unchanged and the result is still there."""
        return self._current(ctx, self.input_hash(ctx))

    def _current(self, ctx: RunContext, input_hash: str) -> bool:
        record = ctx.manifest.stages.get(self.id)
        return (
            record is not None and record.input_hash == input_hash and self.output(ctx) is not None and self.intact(ctx)
        )

    def run(self, ctx: RunContext) -> bool:
        """Compute the stage unless it is current; a result the user edited is kept while the inputs stay the same.

        Returns whether the stage ran.
        """
        input_hash = self.input_hash(ctx)
        if self._current(ctx, input_hash):
            message = "edited by user, kept" if self.edited_by_user(ctx) else ""
            ctx.emit(ProgressEvent(kind="stage_cached", stage=str(self.id), shot=self.id.shot, message=message))
            return False
        ctx.emit(ProgressEvent(kind="stage_start", stage=str(self.id), shot=self.id.shot))
        started = time.perf_counter()
        try:
            self.compute(ctx)
        except Exception as error:
            self._record_failure(ctx, error)
            raise
        if ctx.manifest.failure is not None and ctx.manifest.failure.stage == str(self.id):
            ctx.manifest.failure = None
        ctx.written.add(self.id)
        seconds = time.perf_counter() - started
        self.record(ctx, input_hash, seconds)
        ctx.save()
        ctx.emit(ProgressEvent(kind="stage_done", stage=str(self.id), shot=self.id.shot, seconds=seconds))
        return True

    def _record_failure(self, ctx: RunContext, error: Exception) -> None:
        """Say in the manifest which stage stopped the run; the manifest is saved only if the disk still takes it
        (the error that stopped the stage is what the user must see)."""
        ctx.manifest.failure = StageFailure(stage=str(self.id), error=f"{type(error).__name__}: {error}")
        with contextlib.suppress(OSError):
            ctx.save()

    def redo(self, ctx: RunContext) -> None:
        """Run the stage for a retake (a rollback changed its inputs, so it computes again)."""
        self.run(ctx)

    def record(self, ctx: RunContext, input_hash: str, seconds: float) -> None:
        """Record the stage as having produced what the manifest now holds, from inputs that hash to `input_hash`."""
        manifest = ctx.manifest
        manifest.stages[self.id] = StageRecord(
            input_hash=input_hash, output_hash=document_hash(self.output(ctx)), seconds=round(seconds, 3)
        )
        manifest.timings[self.name.value] = round(
            sum(r.seconds for stage, r in manifest.stages.items() if stage.name == self.name), 3
        )

    def settle(self, ctx: RunContext) -> None:
        """After a partial rewrite (one shot), record the stage's current inputs and result, keeping its time."""
        previous = ctx.manifest.stages.get(self.id)
        ctx.manifest.stages[self.id] = StageRecord(
            input_hash=self.input_hash(ctx),
            output_hash=document_hash(self.output(ctx)),
            seconds=previous.seconds if previous else 0.0,
        )


def asset_output(ctx: RunContext, path: Path) -> Any:
    """The manifest's record of an asset file: what a rendering stage's `output` returns."""
    return ctx.manifest.assets.get(ctx.run.asset_id(path))
