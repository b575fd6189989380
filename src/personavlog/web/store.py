"""The job queue: one SQLite database in WAL mode, so jobs survive a restart and readers never block the writer."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
JobAction = Literal["make", "redo"]
ACTIVE: tuple[JobStatus, ...] = ("queued", "running")
FINISHED: tuple[JobStatus, ...] = ("done", "failed", "cancelled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    action TEXT NOT NULL DEFAULT 'make',
    redo_shot INTEGER,
    redo_note TEXT,
    error TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    queued REAL NOT NULL,
    started REAL,
    finished REAL,
    runs INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, queued);
"""


class JobRecord(BaseModel):
    id: str
    status: JobStatus
    action: JobAction = "make"
    redo_shot: int | None = None
    redo_note: str | None = None
    error: str = ""
    created: float
    queued: float
    started: float | None = None
    finished: float | None = None
    runs: int = 0


def new_job_id() -> str:
    return secrets.token_hex(8)


def valid_job_id(job_id: str) -> bool:
    return len(job_id) == 16 and all(c in "0123456789abcdef" for c in job_id)


class JobStore:
    """Every state change is one conditional UPDATE, so the API and the worker pool never overwrite each other."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        finally:
            db.close()

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock, self._connect() as db:
            return db.execute(sql, params).rowcount

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[JobRecord]:
        with self._connect() as db:
            return [JobRecord(**dict(row)) for row in db.execute(sql, params).fetchall()]

    def add(self, job_id: str) -> JobRecord:
        now = time.time()
        self._execute("INSERT INTO jobs (id, status, created, queued) VALUES (?, 'queued', ?, ?)", (job_id, now, now))
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> JobRecord | None:
        rows = self._rows("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return rows[0] if rows else None

    def all_jobs(self) -> list[JobRecord]:
        return self._rows("SELECT * FROM jobs ORDER BY created DESC")

    def statuses(self) -> dict[str, dict[str, str]]:
        """Every job's id, status and error, by id."""
        with self._connect() as db:
            rows = db.execute("SELECT id, status, error FROM jobs").fetchall()
        return {row["id"]: {"id": row["id"], "status": row["status"], "error": row["error"]} for row in rows}

    def queue_position(self, job: JobRecord) -> int | None:
        """1 for the next job to start; None when the job is not waiting."""
        if job.status != "queued":
            return None
        with self._connect() as db:
            (ahead,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND (queued < ? OR (queued = ? AND id < ?))",
                (job.queued, job.queued, job.id),
            ).fetchone()
        return int(ahead) + 1

    def claim_next(self) -> JobRecord | None:
        """Move the oldest queued job to running and return it (None when the queue is empty)."""
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY queued, id LIMIT 1").fetchone()
                if row is None:
                    db.execute("COMMIT")
                    return None
                db.execute(
                    "UPDATE jobs SET status = 'running', started = ?, runs = runs + 1, error = '' WHERE id = ?",
                    (time.time(), row["id"]),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return self.get(row["id"])

    def finish(self, job_id: str, status: JobStatus, error: str = "") -> bool:
        """Record how a run ended; only a job still marked running changes (a cancel or delete wins)."""
        changed = self._execute(
            "UPDATE jobs SET status = ?, error = ?, finished = ? WHERE id = ? AND status = 'running'",
            (status, error, time.time(), job_id),
        )
        return changed == 1

    def cancel(self, job_id: str) -> bool:
        changed = self._execute(
            "UPDATE jobs SET status = 'cancelled', finished = ?, error = 'cancelled by the user' "
            "WHERE id = ? AND status IN ('queued', 'running')",
            (time.time(), job_id),
        )
        return changed == 1

    def requeue_redo(self, job_id: str, shot: int, note: str | None) -> bool:
        """Queue a redo of one shot; only a finished job with nothing in flight can take one."""
        now = time.time()
        changed = self._execute(
            "UPDATE jobs SET status = 'queued', action = 'redo', redo_shot = ?, redo_note = ?, queued = ?, "
            "finished = NULL, error = '' WHERE id = ? AND status IN ('done', 'failed')",
            (shot, note, now, job_id),
        )
        return changed == 1

    def requeue_running(self) -> list[str]:
        """Jobs left running by a stopped server go back to the queue, at their old place, to resume."""
        with self._lock, self._connect() as db:
            ids = [row["id"] for row in db.execute("SELECT id FROM jobs WHERE status = 'running'").fetchall()]
            db.execute("UPDATE jobs SET status = 'queued' WHERE status = 'running'")
        return ids

    def requeue(self, job_id: str) -> bool:
        return self._execute("UPDATE jobs SET status = 'queued' WHERE id = ? AND status = 'running'", (job_id,)) == 1

    def delete(self, job_id: str) -> bool:
        return self._execute("DELETE FROM jobs WHERE id = ?", (job_id,)) == 1
