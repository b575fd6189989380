"""One job, where a worker runs it: skip it if finished, else make (or finish) its vlog through the pipeline cache."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from pydantic import BaseModel

from personavlog.batch.jobs import Job
from personavlog.distributed.errors import TransientError, one_line
from personavlog.errors import InputError, PersonaVlogError
from personavlog.rundir import RunDir

ATTEMPTS_DIR = Path(".batch") / "attempts"
LOCK_WAIT_S = 60.0


class JobResult(BaseModel):
    line: int
    status: str
    """done (rendered now), skipped (finished before), failed."""
    run_dir: Path
    vlog: Path | None = None
    duration_s: float | None = None
    seconds: float = 0.0
    reason: str = ""
    host: str = ""


def finished_vlog(run: RunDir, job: Job) -> float | None:
    """The vlog's duration when `run` holds a complete vlog for exactly this request (per its manifest), else None."""
    if not run.exists():
        return None
    try:
        manifest = run.load()
    except InputError:
        return None
    if manifest.status != "done" or manifest.request != job.request or manifest.compose_report is None:
        return None
    if not (run.asset_intact(manifest, run.video) and run.asset_intact(manifest, run.srt)):
        return None
    return manifest.compose_report.duration_s


def attempts_log(out_dir: Path, job: Job) -> Path:
    return out_dir / ATTEMPTS_DIR / f"{job.name}.log"


def count_attempts(out_dir: Path, job: Job, batch_id: str) -> int:
    path = attempts_log(out_dir, job)
    if not path.is_file():
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.split(" ", 1)[0] == batch_id)


def _note_attempt(out_dir: Path, job: Job, batch_id: str) -> None:
    """Append `batch-id host pid time` (one short write with O_APPEND: lines from concurrent writers never mix)."""
    path = attempts_log(out_dir, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{batch_id} {socket.gethostname()} {os.getpid()} {time.time():.3f}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _wait_for_lock(run: RunDir) -> None:
    """A retry may start while the process of the previous attempt is still being torn down: give it a moment."""
    if not run.wait_until_unlocked(LOCK_WAIT_S, poll_s=0.5):
        raise TransientError(f"{run.root} is still being rendered by another process")


def render_job(job: Job, out_dir: Path, batch_id: str, config: Path | None = None) -> JobResult:
    """Render `job` into `out_dir/<job.name>`; a half-done run directory resumes from what it holds.

    Bad input (a missing reference image, ...) is a final failure; anything else raises `TransientError` so the
    executor tries again, in a new process, up to its attempt limit.
    """
    from personavlog.api import make_vlog
    from personavlog.config import load_settings

    _note_attempt(out_dir, job, batch_id)
    run = RunDir(out_dir / job.name)
    host = socket.gethostname()
    started = time.perf_counter()
    duration = finished_vlog(run, job)
    if duration is not None:
        return JobResult(
            line=job.line, status="skipped", run_dir=run.root, vlog=run.video, duration_s=duration, host=host
        )
    try:
        settings = load_settings(config)
        _wait_for_lock(run)
        make_vlog(job.request, run.root, settings, allow_no_face=job.allow_no_face)
    except PersonaVlogError as exc:
        if exc.exit_code == 2:
            return JobResult(
                line=job.line,
                status="failed",
                run_dir=run.root,
                seconds=round(time.perf_counter() - started, 3),
                reason=" ".join(str(exc).split()),
                host=host,
            )
        raise TransientError(" ".join(str(exc).split())) from None
    except TransientError:
        raise
    except Exception as exc:
        raise TransientError(one_line(exc)) from None
    duration = finished_vlog(run, job)
    return JobResult(
        line=job.line,
        status="done",
        run_dir=run.root,
        vlog=run.video,
        duration_s=duration,
        seconds=round(time.perf_counter() - started, 3),
        host=host,
    )
