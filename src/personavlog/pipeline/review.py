"""The feedback loop: critique a result, roll back to the stage that caused a failure, redo it, keep the best take.

A `Review` says what to look at and how to act on what fails; the `ReviewLoop` runs it for at most
`request.max_rounds` rounds, records every critique and rollback in the manifest, and puts the earlier take back
(its files and its part of the manifest) when a retake is worse.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from personavlog.feedback import policy
from personavlog.feedback.memo import CritiqueMemo
from personavlog.manifest import Manifest
from personavlog.progress import ProgressCallback, ProgressEvent
from personavlog.rundir import RunDir
from personavlog.schema import Critique, Rollback

Failed = list[tuple[int, Critique]]
"""The failed critiques of a round, each with its index in the manifest's critiques."""

TAKE_FIELDS = (
    "story",
    "storyboard",
    "music_brief",
    "timeline",
    "assets",
    "stages",
    "notes",
    "retakes",
    "compose_report",
)
"""Manifest fields a rejected retake puts back as they were (critiques, rollbacks and LLM calls stay: the trace)."""


def _no_guards(_round: int) -> list[Critique]:
    return []


def not_measured(stage: str, target: str, error: BaseException, round_: int) -> Critique:
    """The critique of a critic that could not measure: recorded with its reason, never a cause for a rollback."""
    reason = f"{type(error).__name__}: {error}".strip().splitlines()[0] if str(error) else type(error).__name__
    return Critique(
        stage=stage,
        target=target,
        score=0.0,
        threshold=0.0,
        passed=False,
        measured=False,
        reason=reason,
        feedback=f"not measured: {reason}",
        round=round_,
    )


@dataclass
class Review:
    """One review of one result.

    key: the name the manifest's `reviews` remembers it by; state: a hash of what is reviewed, so a re-run with
    nothing changed skips the review; critic: the critiques of round N; roll_back: acts on the failed ones (notes to
    an agent, retake settings to an engine; calls `ReviewLoop.rollback` for each) and says whether a retake is
    worth making; redo: makes the retake; files: what a worse retake must put back; guards: checks a retake must
    not lose although this review does not route them (e.g. the theme of a monologue whose lines the voice review
    shortens): they count when takes are compared.
    """

    key: str
    state: Callable[[], str]
    critic: Callable[[int], list[Critique]]
    roll_back: Callable[[Failed, int], bool]
    redo: Callable[[], None]
    files: Callable[[], list[Path]] = field(default=list)
    guards: Callable[[int], list[Critique]] = _no_guards


class ReviewLoop:
    """Runs reviews on one run directory's manifest."""

    def __init__(self, run: RunDir, emit: ProgressCallback):
        self.run_dir = run
        self.emit = emit
        self.memo = CritiqueMemo()
        """Critiques by asset hash and settings: a round does not measure again what a retake left unchanged."""

    @property
    def takes_dir(self) -> Path:
        """Where the files of the take under review wait while its retake is judged."""
        return self.run_dir.root / ".takes"

    def record(self, manifest: Manifest, critiques: list[Critique]) -> list[int]:
        """Append critiques to the manifest, tell the progress listener, return their indexes."""
        indexes = []
        for critique in critiques:
            manifest.critiques.append(critique)
            indexes.append(len(manifest.critiques) - 1)
            if not critique.measured:
                message = f"{critique.target} not measured: {critique.reason}"
                self.emit(ProgressEvent(kind="warning", stage=critique.stage, message=message))
                continue
            verdict = "passed" if critique.passed else "FAILED"
            self.emit(
                ProgressEvent(
                    kind="critique",
                    stage=critique.stage,
                    message=f"{critique.target} {verdict} ({critique.score:g} vs {critique.threshold:g})",
                )
            )
        return indexes

    def rollback(self, manifest: Manifest, index: int, stage: str, round_: int) -> None:
        """Record that the critique at `index` sends `stage` back for another take."""
        critique = manifest.critiques[index]
        manifest.rollbacks.append(Rollback(from_critique=index, stage=stage, target=critique.target, round=round_))
        self.emit(ProgressEvent(kind="critique", stage=stage, message=f"rollback to {stage}: {critique.feedback}"))

    @staticmethod
    def due(manifest: Manifest, review: Review) -> bool:
        """Whether the review has yet to run on what it reviews (a re-run with nothing changed skips it)."""
        return manifest.reviews.get(review.key) != review.state()

    def run(self, manifest: Manifest, review: Review) -> None:
        """Critique, roll back what failed, redo, and keep the best take; at most request.max_rounds rounds."""
        if not self.due(manifest, review):
            return
        critiques, guarded = self._critique(review, 0)
        indexes = self.record(manifest, critiques)
        for round_ in range(1, manifest.request.max_rounds + 1):
            failed = [(i, c) for i, c in zip(indexes, critiques, strict=True) if policy.fails(c)]
            if not failed:
                break
            snapshot, backups = self._snapshot(manifest, review.files())
            first_rollback = len(manifest.rollbacks)
            if not review.roll_back(failed, round_):
                break
            review.redo()
            retake, guarded_retake = self._critique(review, round_)
            indexes_retake = self.record(manifest, retake)
            worse = policy.take_quality(retake + guarded_retake) < policy.take_quality(critiques + guarded)
            for rollback in manifest.rollbacks[first_rollback:]:
                rollback.kept = not worse
            if worse:
                self.emit(
                    ProgressEvent(
                        kind="critique", stage=review.key, message=f"round {round_} was worse: kept the earlier take"
                    )
                )
                self._restore(manifest, snapshot, backups)
                break
            critiques, indexes, guarded = retake, indexes_retake, guarded_retake
        shutil.rmtree(self.takes_dir, ignore_errors=True)
        manifest.reviews[review.key] = review.state()
        self.run_dir.save(manifest)

    def _critique(self, review: Review, round_: int) -> tuple[list[Critique], list[Critique]]:
        """The review's critiques and guards of a round. A critic that raises is a critique not measured: a
        metric's crash must not fail a run whose vlog is made (interrupts and exits still stop it)."""
        found = []
        for kind, critic in (("critic", review.critic), ("guard", review.guards)):
            try:
                found.append(critic(round_))
            except Exception as error:
                found.append([not_measured(review.key, f"{review.key}.{kind}", error, round_)])
        return found[0], found[1]

    def _snapshot(self, manifest: Manifest, files: list[Path]) -> tuple[Manifest, dict[Path, Path]]:
        self.takes_dir.mkdir(parents=True, exist_ok=True)
        backups = {}
        for path in files:
            if path.is_file():
                backup = self.takes_dir / self.run_dir.relative(path).replace("/", "__")
                shutil.copy2(path, backup)
                backups[path] = backup
        return manifest.model_copy(deep=True), backups

    def _restore(self, manifest: Manifest, snapshot: Manifest, backups: dict[Path, Path]) -> None:
        for name in TAKE_FIELDS:
            setattr(manifest, name, getattr(snapshot, name))
        for path, backup in backups.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            backup.replace(path)
        self.run_dir.save(manifest)
