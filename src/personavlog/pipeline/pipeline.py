"""The pipeline: every stage of a vlog in the order it runs, readable top to bottom.

    persona -> story -> storyboard -> visual -> monologue -> music_brief     (planning.py: the agents)
        script review: theme, structure, repeats, line lengths -> agents     (reviews.py)
    voice per shot                                                         (rendering.py: the engines)
        voices review: fits its shot, intelligible -> monologue agent
    timeline: where each shot and line sits
    music -> its review: coverage, tempo, energy -> retake
    clip per shot (each measured by its critics, and its part of the final cut encoded, while the next renders)
        -> its review: identity, face size, quality, motion -> retake
    compose -> its review: loudness, peaks, captions, duration -> re-master

Each stage runs only when its inputs changed (see `stage.Stage.run`), so the same order serves a first run, a
re-run, a resume after a crash, a user's edit and a rollback.
"""

from __future__ import annotations

import shutil

from personavlog import timing
from personavlog.config import Settings
from personavlog.errors import InputError
from personavlog.feedback.notes import note_overrides
from personavlog.fsutil import sha256_file
from personavlog.inputs import check_reference_image
from personavlog.manifest import Manifest, StageId, StageName
from personavlog.media import wav_duration_s
from personavlog.pipeline.ahead import MeasureAhead
from personavlog.pipeline.cut_ahead import CutAhead
from personavlog.pipeline.planning import MonologueStage, MusicBriefStage, StoryboardStage, VisualStage, write_plan
from personavlog.pipeline.rendering import ClipStage, ComposeStage, MusicStage, VoiceStage, next_retake, prefetch_clips
from personavlog.pipeline.review import ReviewLoop
from personavlog.pipeline.reviews import mark_voices_reviewed, script_review, voices_review
from personavlog.pipeline.run_backends import RunBackends
from personavlog.pipeline.stage import RunContext, planned
from personavlog.pipeline.voices import settings_for_language
from personavlog.progress import ProgressCallback, ProgressEvent, ignore
from personavlog.rundir import RunDir
from personavlog.schema import VlogRequest


class Pipeline:
    """Runs one vlog in one run directory. `plan` stops after the agents; `make` renders everything."""

    def __init__(
        self,
        run: RunDir,
        settings: Settings,
        on_event: ProgressCallback | None = None,
        allow_no_face: bool = False,
    ):
        self.run = run
        self.configured = settings
        self.settings = settings
        self.emit = on_event or ignore
        self.allow_no_face = allow_no_face
        self.reviews = ReviewLoop(run, self.emit)
        self.backends = RunBackends(settings)

    # ---- entry points ---------------------------------------------------------------------------

    def plan(self, request: VlogRequest) -> Manifest:
        self._check_request(request)
        with self.run.locked():
            ctx = self._open(request)
            self._plan(ctx)
            if ctx.manifest.status in ("new", "planning"):
                ctx.manifest.status = "planned"
            self._finish(ctx)
            return ctx.manifest

    def make(self, request: VlogRequest) -> Manifest:
        self._check_request(request)
        with self.run.locked():
            ctx = self._open(request)
            self._plan(ctx)
            self._render(ctx)
            return ctx.manifest

    def redo(self, shot_id: int, note: str | None = None) -> Manifest:
        """Regenerate one shot (its documents with `note` as a note to the agents, then its assets), re-cut the vlog."""
        with self.run.locked():
            manifest = self.run.load()
            check_reference_image(manifest.request.reference)
            self._use_voice_for(manifest.request)
            known = [s.id for s in manifest.planned_shots()]
            if shot_id not in known:
                shots = ", ".join(map(str, known)) or "none"
                raise InputError(f"no shot {shot_id} in {self.run.root} (shots: {shots})")
            ctx = self._open(manifest.request, manifest)
            self._rewrite_shot(ctx, shot_id, note)
            self._render(ctx)
            return ctx.manifest

    # ---- the steps ------------------------------------------------------------------------------

    def _plan(self, ctx: RunContext) -> None:
        write_plan(ctx)
        if ctx.request.feedback:
            self.reviews.run(ctx.manifest, script_review(ctx, self.reviews, lambda: write_plan(ctx)))
            ctx.story_to_beat = None

    def _render(self, ctx: RunContext) -> None:
        manifest, request, feedback = ctx.manifest, ctx.request, ctx.request.feedback
        manifest.status = "rendering"
        ctx.save()
        board = planned(manifest.shots(), "storyboard")
        for document, what in ((manifest.monologue(), "monologue"), (manifest.visuals(), "visual prompts")):
            planned(document, what)
        planned(manifest.persona, "persona")

        voices = [VoiceStage(shot.id) for shot in board.shots]
        for voice in voices:
            voice.run(ctx)
        if feedback:
            review = voices_review(ctx, self.reviews, voices)
            if review is not None:
                self.reviews.run(manifest, review)
                mark_voices_reviewed(ctx, voices)

        lines = {line.shot_id: line.text for line in manifest.monologue() or []}
        durations = {voice.shot_id: wav_duration_s(ctx.run.voice(voice.shot_id)) for voice in voices}
        width, height = request.frame_size()
        manifest.timeline = timing.build_timeline(board, lines, durations, width, height, request.fps)
        ctx.save()

        # The music needs only the timeline: made before the clips, so that the soundtrack is ready to master
        # while the last clips are measured.
        music = MusicStage()
        music.run(ctx)
        if feedback:
            self.reviews.run(manifest, music.review(ctx, self.reviews))

        ctx.backends.rest_llm()
        clips = [ClipStage(shot.id, index) for index, shot in enumerate(board.shots)]
        compose = ComposeStage()
        prefetch_clips(ctx, clips)
        with MeasureAhead() as ahead, CutAhead.of_run(ctx) as cut:
            # The soundtrack is mastered and heard while the first clip renders; each clip's critics measure it, and
            # its part of the final cut is encoded, while the next one renders; the reviews follow, in order.
            if any(not clip.is_current(ctx) for clip in clips) or not compose.is_current(ctx):
                ahead.submit("sound", compose.sound_ahead(ctx))
            for clip in clips:
                cut.clip_passed(clip.shot_id, made=clip.run(ctx))
                ahead_review = clip.review(ctx, self.reviews) if feedback else None
                if ahead_review is not None and self.reviews.due(manifest, ahead_review):
                    ahead.submit(ahead_review.key, clip.measure_ahead(ctx, self.reviews))
            ahead.wait("sound")
            if feedback:
                for clip in clips:
                    review = clip.review(ctx, self.reviews)
                    ahead.wait(review.key)
                    self.reviews.run(manifest, review)

        ctx.backends.rest_llm()
        compose.run(ctx)
        if feedback:
            self.reviews.run(manifest, compose.review(ctx, self.reviews))
        # Imported here: the composer (OpenCV, PyAV) loads only when a vlog is rendered, not with the settings.
        from personavlog.export.timeline import write_run_timeline

        write_run_timeline(ctx.run.root)

        manifest.status = "done"
        self._finish(ctx)

    def _rewrite_shot(self, ctx: RunContext, shot_id: int, note: str | None) -> None:
        """A rollback the user asks for: the storyboard, visual and monologue agents redo one shot, with the note."""
        manifest = ctx.manifest
        message = f"Shot {shot_id}: {note}" if note else f"Shot {shot_id}: show this moment differently."
        rewriters = (StoryboardStage(), VisualStage(), MonologueStage())
        for stage in rewriters:
            manifest.notes.setdefault(stage.id, []).append(message)
        next_retake(manifest, StageId(StageName.CLIP, shot_id))
        for stage in rewriters:
            self.emit(ProgressEvent(kind="stage_start", stage=str(stage.id), shot=shot_id))
            stage.rewrite_shots(ctx, [shot_id])
            if isinstance(stage, StoryboardStage):
                shot = next(s for s in manifest.planned_shots() if s.id == shot_id)
                for field, value in note_overrides(note or "").items():
                    setattr(shot, field, value)
            stage.settle(ctx)
            self.emit(ProgressEvent(kind="stage_done", stage=str(stage.id), shot=shot_id))
        # The music brief keeps its energy curve: one shot changed, the arc of the vlog did not.
        MusicBriefStage().settle(ctx)
        ctx.save()

    # ---- bookkeeping ----------------------------------------------------------------------------

    def _check_request(self, request: VlogRequest) -> None:
        check_reference_image(request.reference, need_face=not self.allow_no_face)
        self._use_voice_for(request)

    def _use_voice_for(self, request: VlogRequest) -> None:
        """The configured voice, or by default the installed one that speaks the request's language."""
        settings = settings_for_language(self.configured, request.language)
        if settings is not self.settings:
            self.settings = settings
            self.backends = RunBackends(settings)

    def _open(self, request: VlogRequest, manifest: Manifest | None = None) -> RunContext:
        self.emit(ProgressEvent(kind="run_start", message=str(self.run.root)))
        reference_sha = sha256_file(request.reference)
        if manifest is None and self.run.exists():
            manifest = self.run.load()
        if manifest is None:
            manifest = Manifest(request=request, reference_sha256=reference_sha, status="planning")
        manifest.request = request
        manifest.reference_sha256 = reference_sha
        ctx = RunContext(self.run, self.backends, self.emit, manifest, self.allow_no_face)
        manifest.backends = ctx.backends.describe()
        shutil.rmtree(self.reviews.takes_dir, ignore_errors=True)
        ctx.save()
        return ctx

    def _finish(self, ctx: RunContext) -> None:
        ctx.save()
        manifest = ctx.manifest
        self.emit(ProgressEvent(kind="run_done", message=manifest.status, seconds=sum(manifest.timings.values())))
