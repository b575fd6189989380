"""The agent stages: each writes one typed document of the plan into the manifest.

persona -> story -> storyboard -> visual -> monologue -> music_brief (or single_pass, the one-call baseline that
writes all of them). The critics of the script review them together (see `reviews.script_review`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from personavlog import agents
from personavlog.manifest import StageName, document_hash
from personavlog.pipeline.stage import RunContext, Stage, planned
from personavlog.schema import Shot


def _common(ctx: RunContext) -> dict[str, Any]:
    request = ctx.request
    return {"theme": request.theme, "style": request.style, "language": request.language, "seed": request.seed}


def _theme_focus(ctx: RunContext, stage: Stage) -> bool:
    """Set by a rollback for theme relevance: the agent's rewrites aim at the theme from then on."""
    retake = ctx.manifest.retakes.get(stage.id)
    return retake is not None and retake.theme_focus


class PersonaStage(Stage):
    """Who the protagonist is, from the reference photo (and the user's own words for them)."""

    name = StageName.PERSONA
    version = 2  # MODNet portrait matting

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        from personavlog.vision.matting import modnet_path

        return {
            "reference": ctx.manifest.reference_sha256,
            "matting": "modnet" if modnet_path() is not None else "grabcut",
            "no_face": ctx.allow_no_face,
            "persona_text": ctx.request.persona,
        }

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.persona

    def intact(self, ctx: RunContext) -> bool:
        return ctx.run.asset_intact(ctx.manifest, ctx.run.cutout)

    def compute(self, ctx: RunContext) -> None:
        from personavlog.vision.analysis import analyze_reference

        manifest, request, run = ctx.manifest, ctx.request, ctx.run
        analysis = analyze_reference(request.reference, run.cutout, allow_no_face=ctx.allow_no_face)
        run.record_asset(manifest, run.cutout, self.id)
        manifest.observations = analysis.observations()
        manifest.persona = ctx.call_agent(
            agents.write_persona,
            manifest.observations,
            analysis.face_box,
            analysis.palette,
            run.relative(run.cutout),
            ctx.notes(self.name),
        )
        if request.persona:
            manifest.persona = manifest.persona.model_copy(update={"description": " ".join(request.persona.split())})


class StoryStage(Stage):
    name = StageName.STORY

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        return {"persona": document_hash(ctx.manifest.persona), **_common(ctx)}

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.story

    def compute(self, ctx: RunContext) -> None:
        ctx.manifest.story = ctx.call_agent(
            agents.write_story,
            ctx.manifest.persona,
            ctx.notes(self.name),
            theme_focus=_theme_focus(ctx, self),
            current=ctx.story_to_beat,
        )
        ctx.story_to_beat = None


class StoryboardStage(Stage):
    name = StageName.STORYBOARD

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        manifest = ctx.manifest
        return {
            "persona": document_hash(manifest.persona),
            "story": document_hash(manifest.story),
            "duration": ctx.request.duration_s,
            **_common(ctx),
        }

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.shots()

    def compute(self, ctx: RunContext) -> None:
        manifest = ctx.manifest
        board = ctx.call_agent(agents.write_storyboard, manifest.persona, manifest.story, ctx.notes(self.name))
        manifest.set_storyboard(board)

    def rewrite_shots(self, ctx: RunContext, shot_ids: Collection[int]) -> None:
        """Write these shots again (every other shot and every duration stays as it is)."""
        manifest = ctx.manifest
        board = ctx.call_agent(
            agents.write_storyboard,
            manifest.persona,
            manifest.story,
            ctx.notes(self.name),
            shot_ids=list(shot_ids),
            current=manifest.shots(),
        )
        fresh = {s.id: s for s in board.shots}
        for shot in manifest.planned_shots():
            if shot.id in shot_ids:
                for field in Shot.model_fields:
                    if field not in ("id", "duration_s"):
                        setattr(shot, field, getattr(fresh[shot.id], field))


class VisualStage(Stage):
    name = StageName.VISUAL

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        manifest = ctx.manifest
        return {
            "persona": document_hash(manifest.persona),
            "storyboard": document_hash(manifest.shots()),
            **_common(ctx),
        }

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.visuals()

    def compute(self, ctx: RunContext) -> None:
        manifest = ctx.manifest
        manifest.set_visuals(
            ctx.call_agent(agents.write_visuals, manifest.persona, manifest.shots(), ctx.notes(self.name))
        )

    def rewrite_shots(self, ctx: RunContext, shot_ids: Collection[int]) -> None:
        manifest = ctx.manifest
        visuals = ctx.call_agent(
            agents.write_visuals, manifest.persona, manifest.shots(), ctx.notes(self.name), shot_ids=list(shot_ids)
        )
        fresh = {v.shot_id: v for v in visuals}
        for shot in manifest.planned_shots():
            if shot.id in shot_ids:
                mine = fresh[shot.id]
                shot.keyframe_prompt, shot.motion_prompt = mine.keyframe_prompt, mine.motion_prompt
                shot.negative_prompt = mine.negative_prompt


class MonologueStage(Stage):
    name = StageName.MONOLOGUE

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        manifest = ctx.manifest
        return {
            "persona": document_hash(manifest.persona),
            "story": document_hash(manifest.story),
            "storyboard": document_hash(manifest.shots()),
            **_common(ctx),
        }

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.monologue()

    def compute(self, ctx: RunContext) -> None:
        manifest = ctx.manifest
        lines = ctx.call_agent(
            agents.write_monologue,
            manifest.persona,
            manifest.story,
            manifest.shots(),
            ctx.notes(self.name),
            theme_focus=_theme_focus(ctx, self),
        )
        manifest.set_monologue(lines)

    def rewrite_shots(self, ctx: RunContext, shot_ids: Collection[int], theme_focus: bool = False) -> None:
        """Write these shots' lines again; the other lines are the context they follow and must not repeat."""
        manifest = ctx.manifest
        lines = ctx.call_agent(
            agents.write_monologue,
            manifest.persona,
            manifest.story,
            manifest.shots(),
            ctx.notes(self.name),
            shot_ids=list(shot_ids),
            current=manifest.monologue(),
            theme_focus=theme_focus,
        )
        rewritten = {line.shot_id: line.text for line in lines}
        for shot in manifest.planned_shots():
            if shot.id in shot_ids:
                shot.monologue = rewritten[shot.id]


class MusicBriefStage(Stage):
    name = StageName.MUSIC_BRIEF

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        manifest = ctx.manifest
        return {"story": document_hash(manifest.story), "storyboard": document_hash(manifest.shots()), **_common(ctx)}

    def output(self, ctx: RunContext) -> Any:
        return ctx.manifest.music_brief

    def compute(self, ctx: RunContext) -> None:
        manifest = ctx.manifest
        manifest.music_brief = ctx.call_agent(
            agents.write_music_brief, manifest.story, manifest.shots(), ctx.notes(self.name)
        )


class SinglePassStage(Stage):
    """The baseline planner: one LLM call writes story, storyboard, visuals, monologue and music brief."""

    name = StageName.SINGLE_PASS

    def inputs(self, ctx: RunContext) -> dict[str, Any]:
        return {"persona": document_hash(ctx.manifest.persona), "duration": ctx.request.duration_s, **_common(ctx)}

    def output(self, ctx: RunContext) -> Any:
        manifest = ctx.manifest
        if manifest.music_brief is None:
            return None
        return [manifest.story, manifest.shots(), manifest.visuals(), manifest.monologue(), manifest.music_brief]

    def compute(self, ctx: RunContext) -> None:
        from personavlog.agents.single_pass import write_plan

        manifest = ctx.manifest
        written = ctx.call_agent(write_plan, manifest.persona, ctx.notes(self.name))
        manifest.story = written.story
        manifest.set_storyboard(written.storyboard)
        manifest.set_visuals(written.visuals)
        manifest.set_monologue(written.monologue)
        manifest.music_brief = written.music_brief


def write_plan(ctx: RunContext) -> None:
    """Every agent stage, in order; each runs only when its inputs changed."""
    PersonaStage().run(ctx)
    if ctx.request.planner == "single-pass":
        SinglePassStage().run(ctx)
    else:
        StoryStage().run(ctx)
        StoryboardStage().run(ctx)
    board = planned(ctx.manifest.shots(), "storyboard")
    ctx.forget_removed_shots({shot.id for shot in board.shots})
    if ctx.request.planner == "single-pass":
        return
    VisualStage().run(ctx)
    MonologueStage().run(ctx)
    MusicBriefStage().run(ctx)
