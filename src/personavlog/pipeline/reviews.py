"""The reviews that span several stages: the script (every agent document) and the voice lines (with the monologue).

Their failures go back to agents: the critique becomes a note in the stage's inputs, and a failed theme check asks
the rewrite to aim at the theme. Only documents the agents wrote in this invocation are sent back: a user's edit,
or the other shots of a one-shot redo, are checked but kept as written.
"""

from __future__ import annotations

from collections.abc import Callable

from personavlog.feedback import policy
from personavlog.fsutil import sha256_file, sha256_json
from personavlog.manifest import AGENT_STAGES, StageId, StageName, document_hash
from personavlog.pipeline.planning import MonologueStage
from personavlog.pipeline.rendering import VoiceStage
from personavlog.pipeline.review import Failed, Review, ReviewLoop
from personavlog.pipeline.stage import RunContext, planned
from personavlog.progress import ProgressEvent
from personavlog.schema import Critique


def _add_note(ctx: RunContext, stage: str, note: str) -> None:
    ctx.manifest.notes.setdefault(StageId.parse(stage), []).append(note)


def script_review(ctx: RunContext, loop: ReviewLoop, rewrite: Callable[[], None]) -> Review:
    """Theme relevance, structure, repeats and line lengths of story, storyboard and monologue; `rewrite` re-runs
    the agent stages (only those whose notes or settings the rollback changed do any work)."""
    from personavlog.feedback.critics.script import critique_script

    manifest = ctx.manifest

    def state() -> str:
        notes = {str(stage): lines for stage, lines in manifest.notes.items()}
        return sha256_json(
            [document_hash(manifest.story), document_hash(manifest.shots()), document_hash(manifest.monologue()), notes]
        )

    def critic(round_: int) -> list[Critique]:
        story = planned(manifest.story, "story")
        board = planned(manifest.shots(), "storyboard")
        lines = planned(manifest.monologue(), "monologue")
        return critique_script(ctx.request.theme, story, board, lines, round_, ctx.request.language)

    def roll_back(failed: Failed, round_: int) -> bool:
        written = {str(stage) for stage in ctx.written}
        if str(StageId(StageName.SINGLE_PASS)) in written:
            written |= {stage.value for stage in AGENT_STAGES}
        kept = sorted({c.stage for _, c in failed if c.stage not in written})
        if kept:
            ctx.emit(ProgressEvent(kind="critique", stage="script", message=f"kept as written: {', '.join(kept)}"))
        failed = [(index, critique) for index, critique in failed if critique.stage in written]
        for index, critique in failed:
            _add_note(ctx, critique.stage, critique.feedback)
            loop.rollback(manifest, index, critique.stage, round_)
        lines = lines_at_fault([critique for _, critique in failed])
        if lines:  # only some lines failed: those are written again, the rest of the plan stays
            monologue = MonologueStage()
            monologue.rewrite_shots(ctx, lines, theme_focus=any(policy.is_theme_check(c) for _, c in failed))
            monologue.settle(ctx)
            return True
        for stage in policy.theme_focus_stages(c for _, c in failed):
            manifest.retake(StageId.parse(stage)).theme_focus = True
            if stage == StageName.STORY:
                ctx.story_to_beat = manifest.story
        return bool(failed)

    return Review(key="script", state=state, critic=critic, roll_back=roll_back, redo=rewrite)


def lines_at_fault(failed: list[Critique]) -> list[int]:
    """The monologue lines to write again when every failed check is about some of its lines; else none (the
    rollback runs the agents whose notes changed)."""
    if not failed or any(c.stage != StageName.MONOLOGUE or not c.shots for c in failed):
        return []
    return sorted({shot for critique in failed for shot in critique.shots})


def voices_review(ctx: RunContext, loop: ReviewLoop, voices: list[VoiceStage]) -> Review | None:
    """Lines that overrun their shot or that a recogniser cannot follow go back to the monologue agent.

    Only lines whose voice changed since they were last reviewed are checked: a redo must not touch the other
    shots. None when there is nothing new to hear.
    """
    from personavlog.feedback.critics import voice as voice_critic
    from personavlog.feedback.critics.script import critique_monologue_relevance

    manifest = ctx.manifest
    board = planned(manifest.shots(), "storyboard")
    durations = {s.id: s.duration_s for s in board.shots}
    changed = {
        voice.shot_id: durations[voice.shot_id]
        for voice in voices
        if manifest.reviews.get(str(voice.id)) != manifest.stages[voice.id].input_hash
    }
    if not changed:
        return None
    monologue = MonologueStage()

    def state() -> str:
        return sha256_json([manifest.stages[voice.id].input_hash for voice in voices])

    def critic(round_: int) -> list[Critique]:
        texts = {line.shot_id: line.text for line in manifest.monologue() or []}
        language = ctx.request.language
        lines = [
            voice_critic.VoiceLine(shot_id, texts[shot_id], ctx.run.voice(shot_id), duration)
            for shot_id, duration in changed.items()
        ]
        measured = [
            {
                "shot": line.shot_id,
                "wav": sha256_file(line.wav),
                "text": line.text,
                "planned_s": line.planned_s,
                "language": language,
            }
            for line in lines
        ]
        # Only the lines a retake changed are heard again, and those together.
        found = loop.memo.critiques_of_many(
            "voice",
            measured,
            round_,
            lambda missing: voice_critic.critique_voices([lines[i] for i in missing], round_, language),
        )
        return [critique for line_critiques in found for critique in line_critiques]

    def roll_back(failed: Failed, round_: int) -> bool:
        if monologue.edited_by_user(ctx):
            ctx.emit(ProgressEvent(kind="critique", stage="voices", message="kept the user's lines as written"))
            return False
        shots = sorted({int(c.target.split()[1]) for _, c in failed if c.stage == StageName.MONOLOGUE} & set(changed))
        for index, critique in failed:
            if policy.is_agent_stage(critique.stage):
                _add_note(ctx, critique.stage, critique.feedback)
                loop.rollback(manifest, index, critique.stage, round_)
        if not shots:
            return False
        # A shorter or clearer line is chosen among several by the theme it keeps.
        monologue.rewrite_shots(ctx, shots, theme_focus=True)
        monologue.settle(ctx)
        return True

    def redo() -> None:
        for voice in voices:
            voice.run(ctx)

    def keeps_theme(round_: int) -> list[Critique]:
        lines = planned(manifest.monologue(), "monologue")
        return [critique_monologue_relevance(ctx.request.theme, lines, round_)]

    return Review(
        key="voices",
        state=state,
        critic=critic,
        roll_back=roll_back,
        redo=redo,
        files=lambda: [ctx.run.voice(voice.shot_id) for voice in voices],
        guards=keeps_theme,
    )


def mark_voices_reviewed(ctx: RunContext, voices: list[VoiceStage]) -> None:
    """Remember each line's voice as reviewed, so a later review hears only lines that change."""
    for voice in voices:
        ctx.manifest.reviews[str(voice.id)] = ctx.manifest.stages[voice.id].input_hash
    ctx.save()
