"""One job's render, in its own process so the server can stop it at once: `python -m personavlog.web.render_job`.

Progress events go to the job's events.jsonl (the same JSON lines as `--progress json`); a failure leaves a
one-line message in error.txt. The pipeline's run-directory lock and atomic writes make a kill at any moment safe:
the next run resumes from what was finished. The server's settings file comes as `--config`: a `PERSONAVLOG_*`
variable would be read as a setting.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from personavlog.api import make_vlog, redo_shot
from personavlog.config import load_settings
from personavlog.errors import PersonaVlogError
from personavlog.fsutil import atomic_write_text
from personavlog.progress import JsonLines, ProgressEvent
from personavlog.web.jobfiles import JobFiles, JobSpec

EXIT_INPUT = 2
LOCK_WAIT_S = 30.0


def _exit_with_parent(parent: int) -> None:
    """A server killed without a chance to stop its jobs must not leave renders running: they resume on restart."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(143)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _wait_for_lock(files: JobFiles) -> None:
    """A render of the previous server may still be exiting; wait for its lock rather than fail the resume."""
    files.run.wait_until_unlocked(LOCK_WAIT_S)


def render_job(files: JobFiles, action: str, shot: int | None, note: str | None, config: Path | None = None) -> None:
    """Make the job's vlog, or redo one shot of it, appending its progress to events.jsonl."""
    settings = load_settings(config)
    _wait_for_lock(files)
    with open(files.events, "a", encoding="utf-8") as stream:
        write = JsonLines(stream)

        def on_event(event: ProgressEvent) -> None:
            # The run's place on the server's disk is nobody's business but the server's.
            if event.kind == "run_start":
                event = event.model_copy(update={"message": ""})
            write(event)

        spec = JobSpec.model_validate_json(files.spec.read_text(encoding="utf-8"))
        if action == "redo":
            assert shot is not None
            redo_shot(files.run.root, shot, note, settings, on_event, allow_no_face=spec.allow_no_face)
        else:
            make_vlog(spec.request, files.run.root, settings, on_event, allow_no_face=spec.allow_no_face)


def _without_paths(message: str, files: JobFiles) -> str:
    for root in {str(files.root.resolve()), str(files.root)}:
        message = message.replace(root + "/", "").replace(root, "the job")
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="personavlog.web.render_job")
    parser.add_argument("job_dir", type=Path)
    parser.add_argument("--action", choices=["make", "redo"], default="make")
    parser.add_argument("--shot", type=int)
    parser.add_argument("--note")
    parser.add_argument("--config", type=Path, help="TOML settings file of the render")
    parser.add_argument("--parent", type=int, help="exit when this process (the server) is gone")
    args = parser.parse_args(argv)
    if args.parent:
        _exit_with_parent(args.parent)
    files = JobFiles(args.job_dir.parent.parent, args.job_dir.name)
    files.error.unlink(missing_ok=True)
    try:
        render_job(files, args.action, args.shot, args.note, args.config)
    except PersonaVlogError as exc:
        atomic_write_text(files.error, _without_paths(str(exc), files))
        return exc.exit_code
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        atomic_write_text(files.error, _without_paths(f"internal error: {type(exc).__name__}: {exc}", files))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
