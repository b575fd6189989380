"""What the API returns for a job: its state, progress, links and, once planned, its storyboard with critiques."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from personavlog.errors import InputError
from personavlog.manifest import Manifest
from personavlog.schema import Critique
from personavlog.web.events import Progress, fold_progress, read_events
from personavlog.web.jobfiles import JobFiles, JobSpec
from personavlog.web.store import JobRecord, JobStore

_SHOT_TARGET = re.compile(r"shot[ /_]?(\d+)\b")


class CritiqueView(BaseModel):
    stage: str
    target: str
    score: float
    threshold: float
    passed: bool
    feedback: str
    round: int
    measured: bool = Field(default=True, description="false: the check itself failed, a warning, neither pass nor fail")
    reason: str = Field(default="", description="why it was not measured")
    verdict: Literal["passed", "failed", "not measured"]


def critique_view(critique: Critique) -> CritiqueView:
    verdict = "not measured" if not critique.measured else "passed" if critique.passed else "failed"
    return CritiqueView(**critique.model_dump(), verdict=verdict)


class ShotView(BaseModel):
    id: int
    duration_s: float
    location: str
    time_of_day: str
    weather: str
    action: str
    camera: str
    mood: str
    monologue: str
    keyframe: str | None = Field(description="URL of the shot's keyframe, once rendered")
    critiques: list[CritiqueView]


class JobView(BaseModel):
    id: str
    status: str
    action: str
    redo_shot: int | None = None
    error: str = ""
    created: float
    started: float | None = None
    finished: float | None = None
    queue_position: int | None = None
    request: dict[str, Any] = Field(default_factory=dict)
    title: str | None = None
    progress: Progress = Field(default_factory=Progress)
    links: dict[str, str] = Field(default_factory=dict)


class JobDetail(JobView):
    storyboard: list[ShotView] | None = None
    critiques: list[CritiqueView] = Field(default_factory=list, description="critiques of the whole vlog")


def _manifest(files: JobFiles) -> Manifest | None:
    if not files.run.exists():
        return None
    try:
        return files.run.load()
    except InputError:
        return None


def _request_summary(files: JobFiles) -> dict[str, Any]:
    try:
        spec = JobSpec.model_validate_json(files.spec.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return spec.request.model_dump(mode="json", exclude={"reference"})


def _shot_of_target(target: str) -> int | None:
    """Critique targets name their shot as `shot 02 keyframe.identity`; whole-vlog ones (`vlog.loudness`) do not."""
    match = _SHOT_TARGET.match(target)
    return int(match.group(1)) if match else None


def job_view(store: JobStore, files: JobFiles, job: JobRecord, detail: bool = False) -> JobView:
    events, _ = read_events(files.events)
    base = f"/api/jobs/{job.id}"
    links = {"self": base, "events": f"{base}/events"}
    manifest = _manifest(files)
    run = files.run
    for name, path in (("video", run.video), ("subtitles", run.srt), ("manifest", run.manifest_path)):
        if path.is_file():
            links[name] = f"{base}/files/{run.relative(path)}"
    if manifest is not None:
        links["project"] = f"{base}/files/project.zip"
    fields: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "action": job.action,
        "redo_shot": job.redo_shot if job.action == "redo" else None,
        "error": job.error,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "queue_position": store.queue_position(job),
        "request": _request_summary(files),
        "title": manifest.story.title if manifest and manifest.story else None,
        "progress": fold_progress([event for _, event in events]),
        "links": links,
    }
    if not detail:
        return JobView(**fields)
    storyboard = None
    critiques = [critique_view(c) for c in manifest.critiques] if manifest else []
    if manifest is not None and manifest.storyboard is not None:
        storyboard = []
        for shot in manifest.storyboard.shots:
            keyframe = run.keyframe(shot.id)
            storyboard.append(
                ShotView(
                    id=shot.id,
                    duration_s=shot.duration_s,
                    location=shot.location,
                    time_of_day=str(shot.time_of_day),
                    weather=str(shot.weather),
                    action=shot.action,
                    camera=str(shot.camera),
                    mood=str(shot.mood),
                    monologue=shot.monologue,
                    keyframe=f"{base}/files/{run.relative(keyframe)}" if keyframe.is_file() else None,
                    critiques=[c for c in critiques if _shot_of_target(c.target) == shot.id],
                )
            )
    whole = [c for c in critiques if _shot_of_target(c.target) is None]
    return JobDetail(**fields, storyboard=storyboard, critiques=whole)
