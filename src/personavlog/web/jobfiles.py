"""Where one job's files live inside the data directory; user file names never appear here."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel

from personavlog.rundir import RunDir
from personavlog.schema import VlogRequest

DATABASE = "jobs.sqlite3"


class JobSpec(BaseModel):
    """What the user asked for, as validated by the API: the render reads it from job.json."""

    request: VlogRequest
    allow_no_face: bool = False


class JobFiles:
    """DATA/jobs/<id>/: the uploaded reference, job.json, events.jsonl, error.txt, and the run directory."""

    def __init__(self, data_dir: Path, job_id: str):
        self.root = Path(data_dir) / "jobs" / job_id

    @property
    def spec(self) -> Path:
        return self.root / "job.json"

    @property
    def events(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def error(self) -> Path:
        return self.root / "error.txt"

    @property
    def log(self) -> Path:
        return self.root / "worker.log"

    @property
    def run(self) -> RunDir:
        return RunDir(self.root / "run")

    def reference(self, extension: str) -> Path:
        return self.root / f"reference.{extension}"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
