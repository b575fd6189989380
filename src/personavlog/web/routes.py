"""The REST API under /api: submit, list, follow, download, redo, cancel and delete jobs."""

from __future__ import annotations

import asyncio
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from personavlog.errors import InputError
from personavlog.fsutil import atomic_path, atomic_write_text
from personavlog.request_fields import build_request, options_model, request_option
from personavlog.web.events import stream_events
from personavlog.web.jobfiles import JobFiles, JobSpec
from personavlog.web.security import Refusal, check_saved_image, confined, sniff_image
from personavlog.web.server_state import ServerState
from personavlog.web.store import ACTIVE, JobRecord, new_job_id, valid_job_id
from personavlog.web.views import JobDetail, JobView, job_view

router = APIRouter(prefix="/api")
PROJECT_ZIP = "project.zip"
_MEDIA_TYPES = {".srt": "text/plain; charset=utf-8", ".json": "application/json", ".wav": "audio/wav"}


SubmitForm = options_model(
    "SubmitForm",
    "The fields of `POST /api/jobs` besides the photo: the options of `personavlog make`.",
    exclude={"reference"},
    unknown="ignore",
    allow_no_face=(
        bool | None,
        Field(default=None, description="use the whole picture when no face is found (default: the server's)"),
    ),
)


class RedoBody(BaseModel):
    shot: int = Field(ge=1, description="the shot's id, as in the storyboard")
    note: str | None = Field(default=None, max_length=500, description='what to change, e.g. "make it night"')


class JobList(BaseModel):
    jobs: list[JobView]


class ServerStatus(BaseModel):
    workers: int = Field(description="vlogs rendered at once")
    renders_running: int
    event_streams: int = Field(description="event streams open now")


def _state(request: Request) -> ServerState:
    return request.app.state.personavlog


def _job(state: ServerState, job_id: str) -> JobRecord:
    job = state.store.get(job_id) if valid_job_id(job_id) else None
    if job is None:
        raise Refusal(404, f"no job {job_id!r}")
    return job


def _given(form: BaseModel) -> dict[str, object]:
    """The form's options; a blank text box of an option that defaults to none counts as left out."""
    values = form.model_dump(exclude={"allow_no_face"})
    return {name: value for name, value in values.items() if value != "" or request_option(name).default is not None}


@router.post("/jobs", status_code=201, response_model=JobView, summary="Submit a vlog job")
async def submit_job(
    request: Request,
    form: Annotated[SubmitForm, Form()],  # type: ignore[valid-type]
    reference: Annotated[UploadFile, File(description="photo or drawing of the protagonist (PNG, JPEG, WebP)")],
) -> JSONResponse:
    state = _state(request)
    data = await reference.read(state.config.max_upload_bytes + 1)
    await reference.close()
    if len(data) > state.config.max_upload_bytes:
        raise Refusal(413, f"the upload is larger than {state.config.max_upload_bytes // (1024 * 1024)} MiB")
    if not data:
        raise Refusal(422, "reference: the file is empty")
    extension = sniff_image(data, state.config.max_pixels)
    job_id = new_job_id()
    files = JobFiles(state.config.data_dir, job_id)
    try:
        files.root.mkdir(parents=True)
        reference_path = files.reference(extension)
        await asyncio.to_thread(_write, reference_path, data)
        await asyncio.to_thread(check_saved_image, reference_path)
        try:
            vlog_request = build_request(_given(form), reference=reference_path.resolve())
        except InputError as exc:
            raise Refusal(422, str(exc)) from None
        allow_no_face = form.allow_no_face  # type: ignore[attr-defined]
        if allow_no_face is None:
            allow_no_face = state.config.allow_no_face
        spec = JobSpec(request=vlog_request, allow_no_face=allow_no_face)
        atomic_write_text(files.spec, spec.model_dump_json(indent=2))
    except BaseException:
        files.remove()
        raise
    job = state.store.add(job_id)
    state.pool.wake()
    view = job_view(state.store, files, job)
    return JSONResponse(view.model_dump(mode="json"), status_code=201, headers={"Location": view.links["self"]})


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@router.get("/jobs", response_model=JobList, summary="List jobs, newest first")
def list_jobs(request: Request) -> JobList:
    state = _state(request)
    jobs = state.store.all_jobs()
    return JobList(jobs=[job_view(state.store, JobFiles(state.config.data_dir, job.id), job) for job in jobs])


@router.get("/jobs/{job_id}", response_model=JobDetail, summary="A job's status, progress, storyboard and links")
def get_job(request: Request, job_id: str) -> JobView:
    state = _state(request)
    job = _job(state, job_id)
    return job_view(state.store, JobFiles(state.config.data_dir, job.id), job, detail=True)


@router.get(
    "/jobs/{job_id}/events",
    summary="Server-sent progress events (the JSON of `--progress json`), then a `status` event at the end",
    response_class=StreamingResponse,
)
async def job_events(
    request: Request,
    job_id: str,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
) -> StreamingResponse:
    state = _state(request)
    job = _job(state, job_id)
    files = JobFiles(state.config.data_dir, job.id)
    offset = after or 0
    if last_event_id and last_event_id.isdigit():
        offset = int(last_event_id)

    began = time.monotonic()

    async def status() -> dict[str, str] | None:
        return await state.board.status(job.id, read_after=began)

    return StreamingResponse(
        _counted(state, stream_events(files.events, offset, status)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _counted(state: ServerState, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The stream, counted in `event_streams` while it is open: it closes when its job ends or its client goes."""
    state.event_streams += 1
    try:
        async for chunk in stream:
            yield chunk
    finally:
        state.event_streams -= 1


@router.get("/server", response_model=ServerStatus, summary="The server's load: renders running, streams open")
async def server_status(request: Request) -> ServerStatus:
    state = _state(request)
    return ServerStatus(
        workers=state.config.workers, renders_running=state.pool.running(), event_streams=state.event_streams
    )


@router.get("/jobs/{job_id}/files/{name:path}", summary="Download a file of the job (HTTP ranges supported)")
async def job_file(request: Request, job_id: str, name: str) -> Response:
    state = _state(request)
    job = _job(state, job_id)
    files = JobFiles(state.config.data_dir, job.id)
    if name == PROJECT_ZIP:
        if job.status == "running":
            raise Refusal(409, "the job is running; download the project when it has finished")
        if not files.run.exists():
            raise Refusal(404, "the job has no project yet")
        archive = await asyncio.to_thread(_project_zip, files)
        return FileResponse(archive, media_type="application/zip", filename=f"personavlog-{job.id}.zip")
    path = confined(files.run.root, name)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix))


def _project_zip(files: JobFiles) -> Path:
    """The run directory as a zip, rebuilt only when the manifest changed since the last one."""
    archive = files.root / PROJECT_ZIP
    manifest = files.run.manifest_path
    if archive.is_file() and archive.stat().st_mtime >= manifest.stat().st_mtime:
        return archive
    root = files.run.root
    with atomic_path(archive) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                bundle.write(path, relative.as_posix())
    return archive


@router.post("/jobs/{job_id}/redo", status_code=202, response_model=JobView, summary="Redo one shot with a note")
def redo(request: Request, job_id: str, body: RedoBody) -> JobView:
    state = _state(request)
    job = _job(state, job_id)
    if job.status in ACTIVE:
        raise Refusal(409, f"the job is {job.status}; redo a shot when it has finished")
    files = JobFiles(state.config.data_dir, job.id)
    manifest = files.run.load() if files.run.exists() else None
    if job.status == "cancelled" or manifest is None or manifest.storyboard is None or not files.run.video.is_file():
        raise Refusal(409, "the job has no finished vlog to redo a shot of")
    shot_ids = [shot.id for shot in manifest.storyboard.shots]
    if body.shot not in shot_ids:
        raise Refusal(422, f"shot: no shot {body.shot} (shots: {', '.join(map(str, shot_ids))})")
    note = " ".join(body.note.split()) if body.note else None
    if not state.store.requeue_redo(job.id, body.shot, note):
        raise Refusal(409, "the job changed state; try again")
    state.pool.wake()
    updated = state.store.get(job.id)
    assert updated is not None
    return job_view(state.store, files, updated)


@router.post("/jobs/{job_id}/cancel", response_model=JobView, summary="Cancel a queued or running job")
async def cancel(request: Request, job_id: str) -> JobView:
    state = _state(request)
    job = _job(state, job_id)
    if job.status not in ACTIVE:
        raise Refusal(409, f"the job is {job.status}; only queued or running jobs can be cancelled")
    if not await asyncio.to_thread(state.pool.cancel, job.id):
        raise Refusal(409, "the job finished before it could be cancelled")
    updated = state.store.get(job.id)
    assert updated is not None
    return job_view(state.store, JobFiles(state.config.data_dir, job.id), updated)


@router.delete("/jobs/{job_id}", status_code=204, summary="Delete a job and its files (a running job is stopped)")
async def delete(request: Request, job_id: str) -> Response:
    state = _state(request)
    job = _job(state, job_id)
    if job.status in ACTIVE:
        await asyncio.to_thread(state.pool.cancel, job.id)
    state.store.delete(job.id)
    await asyncio.to_thread(JobFiles(state.config.data_dir, job.id).remove)
    return Response(status_code=204)
