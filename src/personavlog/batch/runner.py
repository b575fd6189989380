"""Run a jobs file: skip finished vlogs, hand the rest to an executor, keep DIR/summary.csv current."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, Future, wait
from pathlib import Path

from personavlog.batch.jobs import Job
from personavlog.batch.render_job import JobResult, count_attempts, finished_vlog, render_job
from personavlog.batch.summary import Row, write_summary
from personavlog.distributed.errors import one_line
from personavlog.rundir import RunDir

OnRow = Callable[[Row, int, int], None]
"""Called as on_row(row, finished, total) when a job ends (done, skipped or failed)."""


def _failure_reason(error: BaseException) -> str:
    text = str(error).strip()
    return " ".join(text.split()) if text else one_line(error)


def run_batch(
    jobs: list[Job],
    out_dir: Path,
    make_executor: Callable[[], Executor],
    *,
    window: int | None = None,
    config: Path | None = None,
    on_row: OnRow | None = None,
) -> list[Row]:
    """Render every job not yet finished; returns one row per job. `window` caps the jobs in flight at once.

    The executor is only made (a Ray cluster only joined) when some job is left to render.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    batch_id = uuid.uuid4().hex[:12]
    rows = {job.line: Row(line=job.line, status="pending", out_dir=out_dir / job.name) for job in jobs}
    finished = 0

    def settle(row: Row) -> None:
        nonlocal finished
        finished += 1
        rows[row.line] = row
        write_summary(out_dir, list(rows.values()))
        if on_row is not None:
            on_row(row, finished, len(jobs))

    todo = []
    for job in jobs:
        duration = finished_vlog(RunDir(out_dir / job.name), job)
        if duration is None:
            todo.append(job)
            continue
        run_dir = out_dir / job.name
        settle(Row(line=job.line, status="skipped", out_dir=run_dir, vlog=run_dir / "vlog.mp4", duration_s=duration))
    write_summary(out_dir, list(rows.values()))
    if not todo:
        return sorted(rows.values(), key=lambda r: r.line)

    executor = make_executor()
    running: dict[Future[JobResult], Job] = {}
    queue = list(reversed(todo))
    limit = window or len(todo)
    try:
        while queue or running:
            while queue and len(running) < limit:
                job = queue.pop()
                running[executor.submit(render_job, job, out_dir, batch_id, config)] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                attempts = count_attempts(out_dir, job, batch_id)
                try:
                    result = future.result()
                except CancelledError:
                    continue
                except Exception as error:
                    settle(
                        Row(
                            line=job.line,
                            status="failed",
                            out_dir=out_dir / job.name,
                            attempts=attempts,
                            reason=_failure_reason(error),
                        )
                    )
                    continue
                settle(
                    Row(
                        line=job.line,
                        status=result.status,
                        out_dir=result.run_dir,
                        vlog=result.vlog,
                        duration_s=result.duration_s,
                        seconds=result.seconds,
                        attempts=attempts,
                        host=result.host,
                        reason=result.reason,
                    )
                )
    except BaseException:
        for job in [*running.values(), *queue]:
            rows[job.line] = rows[job.line].model_copy(
                update={"status": "interrupted", "attempts": count_attempts(out_dir, job, batch_id)}
            )
        write_summary(out_dir, list(rows.values()))
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return sorted(rows.values(), key=lambda r: r.line)
