"""Failed checks in the final vlog: every critic run once, observe-only, on a finished run's final artifacts.

The critics (`feedback/critics/*`: script, voice, keyframe, clip, music, final cut) are the same code the
feedback loop uses; here nothing is rolled back, so a run made with feedback off is checked exactly like one made
with it on. Result: the number of failed checks (0..total, lower is better) and failures per critic.
Models: those of the critics (MiniLM, Whisper tiny.en, dlib, NIQE, optical flow, music analysis).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from personavlog.manifest import Manifest, StageId, StageName
from personavlog.rundir import RunDir
from personavlog.schema import Critique


class AuditReport(BaseModel):
    checks: int
    failed: int
    by_critic: dict[str, tuple[int, int]]
    """critic -> (failed, checks)"""
    failed_targets: list[str]


def critic_of(target: str) -> str:
    """Which critic made a critique, from its target ("shot 02 keyframe.identity" -> "keyframe")."""
    head = target.split(".")[0]
    for kind in ("keyframe", "clip", "voice"):
        if head.endswith(kind):
            return kind
    if head in ("story", "monologue"):
        return "script"
    if head == "vlog":
        return "final_cut"
    return head


def audit_run(run_dir: Path) -> AuditReport:
    from personavlog.feedback.critics.final_cut import critique_final_cut
    from personavlog.feedback.critics.music import critique_music
    from personavlog.feedback.critics.script import critique_script
    from personavlog.feedback.critics.visual import critique_clip, critique_keyframe
    from personavlog.feedback.critics.voice import critique_voice

    run = RunDir(run_dir)
    manifest: Manifest = run.load()
    request = manifest.request
    board, lines, timeline = manifest.shots(), manifest.monologue(), manifest.timeline
    assert manifest.story is not None and board is not None and lines is not None and timeline is not None
    assert manifest.music_brief is not None and manifest.compose_report is not None
    found: list[Critique] = critique_script(request.theme, manifest.story, board, lines, language=request.language)
    texts = {line.shot_id: line.text for line in lines}
    for shot in board.shots:
        found += critique_voice(shot.id, texts[shot.id], run.voice(shot.id), shot.duration_s, language=request.language)
        retake = manifest.retakes.get(StageId(StageName.CLIP, shot.id))
        framing = retake.framing if retake is not None and retake.framing is not None else shot.framing
        found += critique_keyframe(shot.id, request.reference, run.keyframe(shot.id), framing)
        found += critique_clip(shot.id, run.clip(shot.id))
    spans = [(s.start_s, s.duration_s) for s in timeline.shots]
    found += critique_music(run.music, manifest.music_brief, spans, timeline.total_s)
    report = manifest.compose_report
    found += critique_final_cut(
        run.video,
        run.srt,
        report.integrated_lufs,
        report.true_peak_dbfs,
        report.duration_s,
        request.duration_s,
        language=request.language,
    )
    by_critic: dict[str, tuple[int, int]] = {}
    for critique in found:
        failed, total = by_critic.get(critic_of(critique.target), (0, 0))
        by_critic[critic_of(critique.target)] = (failed + (not critique.passed), total + 1)
    return AuditReport(
        checks=len(found),
        failed=sum(not c.passed for c in found),
        by_critic=by_critic,
        failed_targets=[c.target for c in found if not c.passed],
    )
