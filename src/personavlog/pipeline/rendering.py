"""The engine stages: each shot's voice line and clip, the music, and the final cut.

Each stage that an engine can retake declares its own review: its critics, and the retake settings a failure
changes (a new seed, a closer framing, other mastering targets). Voice lines are reviewed together with the
monologue that wrote them (see `reviews.voices_review`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from personavlog import timing
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.feedback import policy
from personavlog.fsutil import sha256_file, sha256_json
from personavlog.manifest import AssetId, AssetKind, Manifest, StageId, StageName, document_hash
from personavlog.pipeline.review import Failed, Review, ReviewLoop, not_measured
from personavlog.pipeline.stage import RunContext, Stage, asset_output, planned
from personavlog.progress import FrameThrottle
from personavlog.schema import Critique

if TYPE_CHECKING:  # the composer and the recogniser load only when a vlog is rendered
    from personavlog.compose.render import MasteredSound
    from personavlog.measure.speech import Transcript

DEFAULT_TARGET_LUFS = -16.0
DEFAULT_PEAK_LIMIT_DB = -1.0


def retake_seed(manifest: Manifest, stage: StageId) -> int:
    """The seed of an engine stage's current take: it moves with every retake."""
    retake = manifest.retakes.get(stage)
    return manifest.request.seed + policy.RETAKE_SEED_STEP * (retake.retake if retake is not None else 0)


def next_retake(manifest: Manifest, stage: StageId) -> None:
    """Count one more retake of an engine stage (its seed moves with the count)."""
    manifest.retake(stage).retake += 1


def _retake_review(
    stage: Stage,
    ctx: RunContext,
    critic: Callable[[int], list[Critique]],
    roll_back: Callable[[Failed, int], bool],
    files: Callable[[], list[Path]],
) -> Review:
    """The review of an engine stage: remembered by the stage's input hash, a retake is the stage run again."""
    return Review(
        key=str(stage.id),
        state=lambda: ctx.manifest.stages[stage.id].input_hash,
        critic=critic,
        roll_back=roll_back,
        redo=lambda: stage.redo(ctx),
        files=files,
    )


def _rollback_all(loop: ReviewLoop, manifest: Manifest, failed: Failed, stage: StageId, round_: int) -> None:
    for index, _critique in failed:
        loop.rollback(manifest, index, str(stage), round_)


class VoiceStage(Stage):
    """One shot's monologue line spoken by the configured voice."""

    name = StageName.VOICE
    role = "speech"

    def __init__(self, shot: int):
        super().__init__(shot)
        self.shot_id = shot

    def _text(self, ctx: RunContext) -> str:
        lines = {line.shot_id: line.text for line in ctx.manifest.monologue() or []}
        return lines[self.shot_id]

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        return {"text": self._text(ctx), "voice": ctx.request.voice}

    def output(self, ctx: RunContext) -> Any:
        return asset_output(ctx, ctx.run.voice(self.shot_id))

    def intact(self, ctx: RunContext) -> bool:
        return ctx.run.asset_intact(ctx.manifest, ctx.run.voice(self.shot_id))

    def compute(self, ctx: RunContext) -> None:
        wav = ctx.run.voice(self.shot_id)
        ctx.backends.speech.synthesize(self._text(ctx), wav)
        ctx.run.record_asset(ctx.manifest, wav, self.id)


class ClipStage(Stage):
    """One shot's keyframe and clip, from its storyboard entry, visual prompts and place on the timeline."""

    name = StageName.CLIP
    role = "visual"
    version = 3  # the animatic's body motion, companions and painterly looks

    def __init__(self, shot: int, index: int):
        super().__init__(shot)
        self.shot_id = shot
        self.index = index

    def spec(self, ctx: RunContext) -> ShotRenderSpec:
        manifest, request = ctx.manifest, ctx.request
        board = planned(manifest.shots(), "storyboard")
        visuals = planned(manifest.visuals(), "visual prompts")
        timeline = planned(manifest.timeline, "timeline")
        shot = board.shots[self.index]
        retake = manifest.retakes.get(self.id)
        if retake is not None and retake.framing is not None:
            shot = shot.model_copy(update={"framing": retake.framing})
        width, height = request.frame_size()
        return ShotRenderSpec(
            shot=shot,
            visual=next(v for v in visuals if v.shot_id == shot.id),
            persona=planned(manifest.persona, "persona"),
            style=request.style,
            width=width,
            height=height,
            fps=request.fps,
            duration_s=timing.clip_duration(timeline, self.index),
            seed=retake_seed(manifest, self.id),
            shot_index=self.index,
            shot_count=len(board.shots),
        )

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        from personavlog.vision.face_mesh import face_mesh_path

        cutout = ctx.manifest.assets[AssetId(AssetKind.CUTOUT)].sha256
        face_mesh = face_mesh_path() is not None
        return {"spec": self.spec(ctx).model_dump(mode="json"), "cutout": cutout, "face_mesh": face_mesh}

    def output(self, ctx: RunContext) -> Any:
        return asset_output(ctx, ctx.run.clip(self.shot_id))

    def intact(self, ctx: RunContext) -> bool:
        run = ctx.run
        return run.asset_intact(ctx.manifest, run.keyframe(self.shot_id)) and run.asset_intact(
            ctx.manifest, run.clip(self.shot_id)
        )

    def compute(self, ctx: RunContext) -> None:
        run = ctx.run
        keyframe, clip = run.keyframe(self.shot_id), run.clip(self.shot_id)
        ctx.backends.shot_renderer.render_shot(
            self.spec(ctx), run.cutout, keyframe, clip, on_frame=FrameThrottle(ctx.emit, str(self.id), self.shot_id)
        )
        run.record_asset(ctx.manifest, keyframe, self.id)
        run.record_asset(ctx.manifest, clip, self.id)

    def _measurements(self, ctx: RunContext) -> list[tuple[str, dict[str, Any], Callable[[int], list[Critique]]]]:
        """What the keyframe and clip critics measure now: (critic, what its critiques depend on, the critic)."""
        from personavlog.feedback.critics.visual import critique_clip, critique_keyframe

        shot, framing = self.shot_id, self.spec(ctx).shot.framing
        keyframe, clip, reference = ctx.run.keyframe(shot), ctx.run.clip(shot), ctx.request.reference
        return [
            (
                "keyframe",
                {
                    "shot": shot,
                    "keyframe": sha256_file(keyframe),
                    "reference": sha256_file(reference),
                    "framing": framing.value,
                },
                lambda round_: critique_keyframe(shot, reference, keyframe, framing, round_),
            ),
            ("clip", {"shot": shot, "clip": sha256_file(clip)}, lambda round_: critique_clip(shot, clip, round_)),
        ]

    def measure_ahead(self, ctx: RunContext, loop: ReviewLoop) -> Callable[[], None]:
        """The keyframe and clip critics' measurement of the take just made, to run on another thread while the
        next shot renders (`ahead.MeasureAhead`); its critiques wait in the loop's memo for this stage's review."""
        measurements = self._measurements(ctx)

        def measure() -> None:
            for critic, measured, compute in measurements:
                loop.memo.critiques(critic, measured, 0, partial(compute, 0))

        return measure

    def review(self, ctx: RunContext, loop: ReviewLoop) -> Review:
        """Keyframe and clip failures go back to the visual engine: a retake with a new seed, closer if needed."""
        manifest, run = ctx.manifest, ctx.run

        def critic(round_: int) -> list[Critique]:
            keyframe, clip = (
                loop.memo.critiques(critic, measured, round_, partial(compute, round_))
                for critic, measured, compute in self._measurements(ctx)
            )
            return keyframe + self._judge_keyframe(ctx, round_) + clip

        def roll_back(failed: Failed, round_: int) -> bool:
            next_retake(manifest, self.id)
            if policy.wants_closer(c for _, c in failed):
                manifest.retake(self.id).framing = policy.tighter(self.spec(ctx).shot.framing)
            _rollback_all(loop, manifest, failed, self.id, round_)
            return True

        return _retake_review(
            self, ctx, critic, roll_back, lambda: [run.keyframe(self.shot_id), run.clip(self.shot_id)]
        )

    def _judge_keyframe(self, ctx: RunContext, round_: int) -> list[Critique]:
        """The vision model's 1-5 judgement of the keyframe against its prompt, when a judge is configured."""
        from personavlog.feedback.critics.keyframe_judge import JudgeUnavailable, judge_keyframe

        judge = ctx.backends.judge
        board = ctx.manifest.storyboard
        if judge is None or board is None:
            return []
        shot = board.shots[self.index]
        try:
            critique = judge_keyframe(
                judge,
                shot.id,
                ctx.run.keyframe(shot.id),
                shot.keyframe_prompt,
                ctx.request.style,
                round_,
                seed=ctx.request.seed,
            )
        except JudgeUnavailable as exc:
            return [not_measured(str(self.id), f"shot {shot.id:02d} keyframe.judge", exc, round_)]
        return [critique]


def prefetch_clips(ctx: RunContext, clips: list[ClipStage]) -> None:
    """Hand every clip that must be (re)made to a parallel renderer at once; each `ClipStage.run` collects its own."""
    renderer = ctx.backends.shot_renderer
    if not renderer.parallel:
        return
    renderer.prefetch([(clip.spec(ctx), ctx.run.cutout) for clip in clips if not clip.is_current(ctx)])


class MusicStage(Stage):
    """The score, from the music brief, fitted to the shots' spans on the timeline."""

    name = StageName.MUSIC
    role = "music"

    @staticmethod
    def _spans(ctx: RunContext) -> list[tuple[float, float]]:
        timeline = planned(ctx.manifest.timeline, "timeline")
        return [(s.start_s, s.duration_s) for s in timeline.shots]

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        brief = planned(ctx.manifest.music_brief, "music brief")
        return {"brief": document_hash(brief), "spans": self._spans(ctx), "seed": retake_seed(ctx.manifest, self.id)}

    def output(self, ctx: RunContext) -> Any:
        return asset_output(ctx, ctx.run.music)

    def intact(self, ctx: RunContext) -> bool:
        return ctx.run.asset_intact(ctx.manifest, ctx.run.music)

    def compute(self, ctx: RunContext) -> None:
        manifest = ctx.manifest
        timeline = planned(manifest.timeline, "timeline")
        brief = planned(manifest.music_brief, "music brief")
        seed = retake_seed(manifest, self.id)
        ctx.backends.music.render(brief, self._spans(ctx), timeline.total_s, seed, ctx.run.music)
        ctx.run.record_asset(manifest, ctx.run.music, self.id)

    def review(self, ctx: RunContext, loop: ReviewLoop) -> Review:
        """Coverage, tempo and energy failures go back to the music engine: a retake with a new seed."""
        from personavlog.feedback.critics.music import critique_music

        manifest = ctx.manifest

        def critic(round_: int) -> list[Critique]:
            timeline = planned(manifest.timeline, "timeline")
            brief = planned(manifest.music_brief, "music brief")
            spans = self._spans(ctx)
            return loop.memo.critiques(
                "music",
                {"music": sha256_file(ctx.run.music), "brief": document_hash(brief), "spans": spans},
                round_,
                lambda: critique_music(ctx.run.music, brief, spans, timeline.total_s, round_),
            )

        def roll_back(failed: Failed, round_: int) -> bool:
            next_retake(manifest, self.id)
            _rollback_all(loop, manifest, failed, self.id, round_)
            return True

        return _retake_review(self, ctx, critic, roll_back, lambda: [ctx.run.music])


@dataclass(frozen=True)
class SoundAhead:
    """The soundtrack made ahead of the compose, under the key of its inputs, and what the recogniser heard in it."""

    key: str
    sound: MasteredSound
    heard: Transcript | None


class ComposeStage(Stage):
    """The final cut: clips, voice lines and music mixed, mastered, captioned and encoded; each shot's video is kept
    encoded in the run's segments folder, so a redo or a re-master encodes only the shots whose pixels changed."""

    name = StageName.COMPOSE
    role = "compose"

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        manifest = ctx.manifest
        timeline = planned(manifest.timeline, "timeline")
        used = [AssetId(kind, s.shot_id) for s in timeline.shots for kind in (AssetKind.CLIP, AssetKind.VOICE)]
        used.append(AssetId(AssetKind.MUSIC))
        return {
            "timeline": document_hash(timeline),
            "assets": {str(asset): manifest.assets[asset].sha256 for asset in used},
        }

    def output(self, ctx: RunContext) -> Any:
        return asset_output(ctx, ctx.run.video)

    def intact(self, ctx: RunContext) -> bool:
        run = ctx.run
        return run.asset_intact(ctx.manifest, run.video) and run.asset_intact(ctx.manifest, run.srt)

    def _loudness(self, ctx: RunContext) -> tuple[float, float]:
        """(target LUFS, peak limit in dBTP): the defaults, or what a retake of the mastering asked for."""
        retake = ctx.manifest.retakes.get(self.id)
        target_lufs = retake.target_lufs if retake is not None else None
        peak_limit_db = retake.peak_limit_db if retake is not None else None
        return (
            DEFAULT_TARGET_LUFS if target_lufs is None else target_lufs,
            DEFAULT_PEAK_LIMIT_DB if peak_limit_db is None else peak_limit_db,
        )

    def _sound_key(self, ctx: RunContext) -> str:
        """What the soundtrack depends on: the timeline, the voice lines, the music and the loudness targets."""
        manifest = ctx.manifest
        timeline = planned(manifest.timeline, "timeline")
        used = [AssetId(AssetKind.VOICE, s.shot_id) for s in timeline.shots] + [AssetId(AssetKind.MUSIC)]
        return sha256_json(
            {
                "timeline": document_hash(timeline),
                "assets": {str(asset): manifest.assets[asset].sha256 for asset in used if asset in manifest.assets},
                "loudness": self._loudness(ctx),
            }
        )

    def sound_ahead(self, ctx: RunContext) -> Callable[[], None]:
        """A job for the critics' thread while the clips render: mix and master the soundtrack, and hear it for the
        final-cut critic (when its language is one the recogniser knows). `compute` takes both if the inputs of
        the soundtrack are still the same by then."""
        from personavlog.compose.render import master_sound
        from personavlog.feedback.critics.final_cut import hear_soundtrack, understood

        key = self._sound_key(ctx)
        timeline = planned(ctx.manifest.timeline, "timeline")
        voices = {s.shot_id: ctx.run.voice(s.shot_id) for s in timeline.shots}
        music = ctx.run.music
        target_lufs, peak_limit_db = self._loudness(ctx)
        hear = understood(ctx.request.language)

        def job() -> None:
            sound = master_sound(timeline, voices, music, target_lufs=target_lufs, peak_limit_db=peak_limit_db)
            heard = hear_soundtrack(sound.soundtrack.packets, sound.soundtrack.rate) if hear else None
            ctx.mastered = SoundAhead(key, sound, heard)

        return job

    def compute(self, ctx: RunContext) -> None:
        from personavlog.compose.render import compose_vlog

        manifest, run = ctx.manifest, ctx.run
        timeline = planned(manifest.timeline, "timeline")
        shot_ids = [s.shot_id for s in timeline.shots]
        ahead: SoundAhead | None = ctx.mastered
        ctx.mastered = None
        if ahead is not None and ahead.key != self._sound_key(ctx):
            ahead = None
        target_lufs, peak_limit_db = self._loudness(ctx)
        manifest.compose_report = compose_vlog(
            timeline,
            clips={i: run.clip(i) for i in shot_ids},
            voices={i: run.voice(i) for i in shot_ids},
            music=run.music,
            out_mp4=run.video,
            out_srt=run.srt,
            on_progress=FrameThrottle(ctx.emit, str(self.id)),
            segments_dir=run.segments_dir,
            target_lufs=target_lufs,
            peak_limit_db=peak_limit_db,
            sound=ahead.sound if ahead is not None else None,
        )
        ctx.heard_cut = ahead.heard if ahead is not None else None
        run.record_asset(manifest, run.video, self.id)
        run.record_asset(manifest, run.srt, self.id)

    def review(self, ctx: RunContext, loop: ReviewLoop) -> Review:
        """Loudness and peak failures go back to the mastering of the final cut with corrected targets."""
        from personavlog.feedback.critics.final_cut import TARGET_LUFS, critique_final_cut

        manifest = ctx.manifest

        def critic(round_: int) -> list[Critique]:
            report = planned(manifest.compose_report, "compose report")
            request = ctx.request
            measured = {
                "video": sha256_file(ctx.run.video),
                "srt": sha256_file(ctx.run.srt),
                "report": [report.integrated_lufs, report.true_peak_dbfs, report.duration_s],
                "requested_s": request.duration_s,
                "language": request.language,
            }
            return loop.memo.critiques(
                "final_cut",
                measured,
                round_,
                lambda: critique_final_cut(
                    ctx.run.video,
                    ctx.run.srt,
                    report.integrated_lufs,
                    report.true_peak_dbfs,
                    report.duration_s,
                    request.duration_s,
                    round_,
                    request.language,
                    heard=ctx.heard_cut,
                ),
            )

        def roll_back(failed: Failed, round_: int) -> bool:
            retake = manifest.retake(self.id)
            report = planned(manifest.compose_report, "compose report")
            changed = False
            for index, critique in failed:
                if critique.target == "vlog.loudness":
                    current = TARGET_LUFS if retake.target_lufs is None else retake.target_lufs
                    retake.target_lufs = round(current + (TARGET_LUFS - report.integrated_lufs), 2)
                elif critique.target == "vlog.true_peak":
                    current = DEFAULT_PEAK_LIMIT_DB if retake.peak_limit_db is None else retake.peak_limit_db
                    retake.peak_limit_db = round(current - 0.5, 2)
                else:
                    continue
                changed = True
                loop.rollback(manifest, index, str(self.id), round_)
            return changed

        return _retake_review(self, ctx, critic, roll_back, lambda: [ctx.run.video, ctx.run.srt])
