"""The worker pool: at most N workers, each a child process rendering one job that a cancel stops within seconds."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from personavlog.web.jobfiles import JobFiles
from personavlog.web.store import JobRecord, JobStore

log = logging.getLogger("personavlog.web")

POLL_S = 0.25
KILL_AFTER_S = 5.0


@dataclass
class _Child:
    job_id: str
    process: subprocess.Popen[bytes]


class WorkerPool:
    """A dispatcher thread moves queued jobs to running children and records how each child ended."""

    def __init__(self, store: JobStore, data_dir: Path, workers: int = 1, settings_file: Path | None = None):
        self.store = store
        self.data_dir = Path(data_dir)
        self.workers = max(1, workers)
        self.settings_file = settings_file
        self._children: dict[str, _Child] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        resumed = self.store.requeue_running()
        if resumed:
            log.info("resuming %d job(s) left running: %s", len(resumed), ", ".join(resumed))
        self._thread = threading.Thread(target=self._loop, name="personavlog-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop every child and put its job back in the queue: the next server start resumes it."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            children = list(self._children.values())
            self._children.clear()
        for child in children:
            _terminate(child.process)
            self.store.requeue(child.job_id)

    def wake(self) -> None:
        self._wake.set()

    # ---- requests from the API ------------------------------------------------------------------

    def cancel(self, job_id: str) -> bool:
        """Mark the job cancelled (it will not start) and stop its child if one runs."""
        cancelled = self.store.cancel(job_id)
        with self._lock:
            child = self._children.pop(job_id, None)
        if child is not None:
            _terminate(child.process)
        self._wake.set()
        return cancelled

    def running(self) -> int:
        with self._lock:
            return len(self._children)

    # ---- the dispatcher -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap()
                self._dispatch()
            except Exception:
                log.exception("dispatcher error")
            self._wake.wait(POLL_S)
            self._wake.clear()

    def _dispatch(self) -> None:
        while not self._stopping.is_set() and self.running() < self.workers:
            job = self.store.claim_next()
            if job is None:
                return
            try:
                process = self._spawn(job)
            except OSError as exc:
                self.store.finish(job.id, "failed", f"the render could not start: {exc}")
                continue
            with self._lock:
                self._children[job.id] = _Child(job.id, process)

    def _spawn(self, job: JobRecord) -> subprocess.Popen[bytes]:
        files = JobFiles(self.data_dir, job.id)
        command = [sys.executable, "-m", "personavlog.web.render_job", str(files.root), "--parent", str(os.getpid())]
        if self.settings_file is not None:
            command += ["--config", str(self.settings_file)]
        if job.action == "redo" and job.redo_shot is not None:
            command += ["--action", "redo", "--shot", str(job.redo_shot)]
            if job.redo_note:
                command += ["--note", job.redo_note]
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        with open(files.log, "ab") as log_file:
            # A session of its own: a cancel kills the render and anything it started, and nothing else.
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, env=env, start_new_session=True
            )

    def _reap(self) -> None:
        with self._lock:
            ended = [child for child in self._children.values() if child.process.poll() is not None]
            for child in ended:
                del self._children[child.job_id]
        for child in ended:
            code = child.process.returncode
            if code == 0:
                self.store.finish(child.job_id, "done")
            else:
                self.store.finish(child.job_id, "failed", _error_message(JobFiles(self.data_dir, child.job_id), code))


def _error_message(files: JobFiles, code: int) -> str:
    try:
        message = files.error.read_text(encoding="utf-8").strip()
    except OSError:
        message = ""
    if message:
        return message.splitlines()[0]
    if code < 0:
        try:
            return f"the render stopped on signal {signal.Signals(-code).name}"
        except ValueError:
            return f"the render stopped on signal {-code}"
    return f"the render stopped with exit status {code}"


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + KILL_AFTER_S
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait()
