"""Scoring one finished vlog: every ThemeVlogEval metric, from the MP4 (and SRT) any system writes, plus what a
PersonaVlog project adds (the plan, the music and its brief, the critics' audit, the feedback trace).

Metric definitions live in `personavlog.measure` (plus `evaluate.audit` and `evaluate.judge`); `METRICS` lists
each one's name, direction and family for the report. A metric that does not apply to a system (e.g. music–mood
match without a brief) is None.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel

from personavlog.agents.story import story_text
from personavlog.config import Settings
from personavlog.errors import PersonaVlogError
from personavlog.evaluate.suites import Case
from personavlog.evaluate.systems import Generated, SystemSpec
from personavlog.evaluate.video import Span, decode, detect_shots
from personavlog.manifest import Manifest
from personavlog.rundir import RunDir

FRAMES_PER_SHOT_FOR_BACKGROUND = 8
THUMB_SIDE = 128


class MetricSpec(BaseModel):
    name: str
    label: str
    direction: Literal["higher", "lower"]
    family: str
    headline: bool = True
    """Shown in the main table, the radar and the ranking (the rest is in results.csv)."""


METRICS: list[MetricSpec] = [
    MetricSpec(name="identity_distance", label="identity distance", direction="lower", family="identity"),
    MetricSpec(name="face_found", label="face found", direction="higher", family="identity"),
    MetricSpec(name="background_consistency", label="background consistency", direction="higher", family="visual"),
    MetricSpec(name="niqe", label="NIQE", direction="lower", family="quality"),
    MetricSpec(name="brisque", label="BRISQUE", direction="lower", family="quality"),
    MetricSpec(name="aesthetic_proxy", label="aesthetic (proxy)", direction="higher", family="quality"),
    MetricSpec(name="colorfulness", label="colorfulness", direction="higher", family="quality", headline=False),
    MetricSpec(name="contrast", label="contrast", direction="higher", family="quality", headline=False),
    MetricSpec(name="exposure", label="exposure", direction="higher", family="quality", headline=False),
    MetricSpec(name="sharpness", label="sharpness", direction="higher", family="quality", headline=False),
    MetricSpec(name="flicker", label="flicker (steadiness)", direction="higher", family="motion"),
    MetricSpec(name="motion_smoothness", label="motion smoothness", direction="higher", family="motion"),
    MetricSpec(name="relevance_script", label="theme relevance: script", direction="higher", family="text"),
    MetricSpec(name="relevance_monologue", label="theme relevance: monologue", direction="higher", family="text"),
    MetricSpec(name="wer", label="WER", direction="lower", family="speech"),
    MetricSpec(name="word_recall", label="word recall", direction="higher", family="speech", headline=False),
    MetricSpec(name="sync_offset_s", label="caption sync offset (s)", direction="lower", family="speech"),
    MetricSpec(name="sync_matched", label="captions matched", direction="higher", family="speech", headline=False),
    MetricSpec(name="music_mood_match", label="music–mood match", direction="higher", family="music"),
    MetricSpec(name="duration_error", label="duration error", direction="lower", family="timing"),
    MetricSpec(name="runtime_per_output_s", label="runtime per output s", direction="lower", family="timing"),
    MetricSpec(name="failed_checks", label="failed checks (final vlog)", direction="lower", family="audit"),
    MetricSpec(name="judge_theme_fit", label="judge: theme fit", direction="higher", family="judge"),
    MetricSpec(name="judge_story", label="judge: story", direction="higher", family="judge"),
    MetricSpec(name="judge_shot_variety", label="judge: shot variety", direction="higher", family="judge"),
    MetricSpec(name="judge_persona_consistency", label="judge: persona", direction="higher", family="judge"),
]
METRIC_BY_NAME = {m.name: m for m in METRICS}


class Scored(BaseModel):
    metrics: dict[str, float | None]
    audit: dict[str, Any] | None = None
    feedback: dict[str, Any] | None = None
    output_s: float
    thumbnails: list[bytes] = []


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _thumbnail(frame: np.ndarray) -> bytes:
    image = Image.fromarray(frame)
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _spread(frames: list[np.ndarray], count: int) -> list[np.ndarray]:
    if len(frames) <= count:
        return frames
    return [frames[i] for i in np.linspace(0, len(frames) - 1, count).round().astype(int)]


def feedback_trace(manifest: Manifest) -> dict[str, Any]:
    """What the feedback loop did: first-round failures per critic, rollbacks, and the score change each bought.

    A rollback's change is the score of the same target in the round the rollback started, minus the score that
    failed (same units as that critique; positive = better).
    """
    from personavlog.evaluate.audit import critic_of

    first_round: dict[str, list[int]] = {}
    for critique in manifest.critiques:
        if critique.round == 0:
            counts = first_round.setdefault(critic_of(critique.target), [0, 0])
            counts[0] += not critique.passed
            counts[1] += 1
    changes = []
    for rollback in manifest.rollbacks:
        before = manifest.critiques[rollback.from_critique]
        after = next(
            (
                c
                for c in manifest.critiques[rollback.from_critique + 1 :]
                if c.target == before.target and c.round == rollback.round
            ),
            None,
        )
        changes.append(
            {
                "critic": critic_of(before.target),
                "target": before.target,
                "before": before.score,
                "after": None if after is None else after.score,
                "change": None if after is None else round(after.score - before.score, 4),
                "now_passed": None if after is None else after.passed,
                "kept": rollback.kept,
            }
        )
    return {"first_round": first_round, "rollbacks": len(manifest.rollbacks), "changes": changes}


def score_output(case: Case, system: SystemSpec, generated: Generated, settings: Settings) -> Scored:
    from personavlog.measure.aesthetic import aesthetic
    from personavlog.measure.background import background_consistency
    from personavlog.measure.brisque_quality import brisque
    from personavlog.measure.duration import duration_error, runtime_per_output_s, video_duration_s
    from personavlog.measure.identity import identity_distance
    from personavlog.measure.image_quality import niqe
    from personavlog.measure.motion import analyse_frames
    from personavlog.measure.relevance import theme_relevance_many
    from personavlog.measure.speech import transcribe, word_error_rate, word_recall
    from personavlog.measure.sync import caption_sync, read_srt

    video = decode(generated.video)
    output_s = video_duration_s(generated.video) or video.duration_s
    manifest = RunDir(generated.run_dir).load() if system.has_project else None
    if manifest is not None and manifest.timeline is not None:
        spans = [Span(start_s=s.start_s, duration_s=s.duration_s) for s in manifest.timeline.shots]
    else:
        spans = detect_shots(video)

    distances, found, backgrounds, flickers, smooth, niqes, brisques, thumbs = [], [], [], [], [], [], [], []
    looks: list[dict[str, float]] = []
    for span in spans:
        frames = video.shot_frames(span)
        middle = video.middle_frame(span)
        thumbs.append(_thumbnail(middle))
        distance = identity_distance(case.reference_path, middle)
        found.append(1.0 if distance is not None else 0.0)
        if distance is not None:
            distances.append(distance)
        backgrounds.append(background_consistency(_spread(frames, FRAMES_PER_SHOT_FOR_BACKGROUND)))
        motion = analyse_frames(frames)
        flickers.append(motion.flicker_score)
        smooth.append(motion.motion_smoothness)
        if min(middle.shape[:2]) > 192:
            niqes.append(niqe(middle))
        brisques.append(brisque(middle))
        looks.append(aesthetic(middle).model_dump())

    metrics: dict[str, float | None] = {
        "identity_distance": _mean(distances),
        "face_found": _mean(found),
        "background_consistency": _mean(backgrounds),
        "niqe": _mean(niqes),
        "brisque": _mean(brisques),
        "flicker": _mean(flickers),
        "motion_smoothness": _mean(smooth),
    }
    for key in ("aesthetic_proxy", "colorfulness", "contrast", "exposure", "sharpness"):
        metrics[key] = _mean([look[key] for look in looks])

    heard = transcribe(generated.video)
    cues = read_srt(generated.srt) if generated.srt is not None and generated.srt.is_file() else []
    captions = " ".join(cue.text for cue in cues)
    if cues:
        metrics["wer"] = word_error_rate(captions, heard.text)
        metrics["word_recall"] = word_recall(captions, heard.text)
        sync = caption_sync(cues, heard)
        metrics["sync_offset_s"], metrics["sync_matched"] = sync.mean_abs_offset_s, sync.matched_share
    else:
        metrics.update(wer=None, word_recall=None, sync_offset_s=None, sync_matched=None)

    audit = feedback = None
    metrics.update(relevance_script=None, music_mood_match=None, failed_checks=None)
    if manifest is not None and manifest.story is not None:
        story = story_text(manifest.story)
        monologue = " ".join(line.text for line in manifest.monologue() or [])
        metrics["relevance_script"], metrics["relevance_monologue"] = theme_relevance_many(
            case.theme, [story, monologue]
        )
        metrics["music_mood_match"] = _music_match(generated.run_dir, manifest)
        from personavlog.evaluate.audit import audit_run

        report = audit_run(generated.run_dir)
        audit = report.model_dump()
        metrics["failed_checks"] = float(report.failed)
        feedback = feedback_trace(manifest)
    else:
        (metrics["relevance_monologue"],) = theme_relevance_many(case.theme, [captions or heard.text or "-"])

    metrics["duration_error"] = duration_error(output_s, case.duration_s)
    metrics["runtime_per_output_s"] = runtime_per_output_s(generated.runtime_s, output_s)
    keyframes = sorted(generated.run_dir.glob("shots/*/keyframe.png")) if manifest is not None else []
    metrics.update(_judge(case, manifest, captions or heard.text, settings, keyframes))
    return Scored(metrics=metrics, audit=audit, feedback=feedback, output_s=output_s, thumbnails=thumbs)


def _music_match(run_dir: Path, manifest: Manifest) -> float | None:
    from personavlog.measure.music_mood import music_mood_match
    from personavlog.media import read_wav

    music = RunDir(run_dir).music
    if manifest.music_brief is None or manifest.timeline is None or not music.is_file():
        return None
    samples, rate = read_wav(music)
    spans = [(s.start_s, s.duration_s) for s in manifest.timeline.shots]
    return music_mood_match(samples, rate, manifest.music_brief, spans).music_mood_match


def plan_text(manifest: Manifest) -> str:
    """The storyboard as the judge reads it: one line per shot."""
    lines = []
    if manifest.story is not None:
        lines.append(f"Story: {manifest.story.title}. {manifest.story.logline}")
    for shot in manifest.storyboard.shots if manifest.storyboard else []:
        lines.append(
            f"Shot {shot.id} ({shot.duration_s:g} s, {shot.framing}, {shot.camera}): {shot.location}, "
            f'{shot.time_of_day}, {shot.weather}; {shot.action}. Voice: "{shot.monologue}"'
        )
    return "\n".join(lines)


def _judge(
    case: Case, manifest: Manifest | None, spoken: str, settings: Settings, keyframes: list[Path]
) -> dict[str, float | None]:
    from personavlog.evaluate.judge import CRITERIA, judge_available, judge_plan

    keys = [f"judge_{name}" for name in CRITERIA]
    model = settings.judge or settings.llm
    if not judge_available(model):
        return dict.fromkeys(keys)
    plan = plan_text(manifest) if manifest is not None else f"Voice-over: {spoken}"
    persona = manifest.persona.description if manifest is not None and manifest.persona is not None else ""
    try:
        scores = judge_plan(model, case.theme, persona, plan, images=keyframes, seed=case.seed)
    except (PersonaVlogError, ValueError, OSError):
        return dict.fromkeys(keys)  # an unreachable or unusable judge leaves the scores NA, not the case failed
    return {f"judge_{name}": float(getattr(scores, name)) for name in CRITERIA}
