"""`personavlog batch JOBS.jsonl --out DIR`: one vlog per line, on local processes or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from personavlog.cli.options import PROG, add_command, progress_mode

DEFAULT_ATTEMPTS = 3


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "batch",
        help="render one vlog per line of a JSONL jobs file (resumable; --ray to run on a Ray cluster)",
        description="Render one vlog per line of JOBS (a JSON object per line: theme, reference and any `make` "
        "option). Each line renders into DIR/<line>-<theme>; finished vlogs are skipped on a re-run and half-done "
        "ones resume. DIR/summary.csv lists every job's status, paths, durations, attempts and failure reason. "
        "--config is the settings of every job; --allow-no-face applies to the lines that do not set allow_no_face.",
    )
    parser.add_argument("jobs", type=Path, metavar="JOBS.jsonl")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument(
        "--workers", type=int, default=None, help="jobs at once (default: 1 locally; with --ray, what the cluster fits)"
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on a Ray cluster: auto (the running one, else start one here), local, or HOST:PORT "
        "(needs `pip install 'personavlog[ray]'`)",
    )
    parser.add_argument(
        "--attempts",
        type=int,
        default=DEFAULT_ATTEMPTS,
        help=f"tries per job when its worker dies or it fails for a reason other than bad input "
        f"(default {DEFAULT_ATTEMPTS})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from personavlog.batch.jobs import load_jobs
    from personavlog.batch.runner import run_batch
    from personavlog.batch.summary import SUMMARY, Row
    from personavlog.cli.progress_view import reporter
    from personavlog.config import load_settings
    from personavlog.distributed.executors import make_executor
    from personavlog.errors import InputError

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.attempts < 1:
        raise InputError("--attempts must be at least 1")
    if args.ray:
        from personavlog.distributed.ray_executor import import_ray

        import_ray()
    jobs = load_jobs(args.jobs, allow_no_face=args.allow_no_face)
    load_settings(args.config)  # a bad config is one error now, not one per job
    config = args.config.resolve() if args.config else None
    report = reporter(progress_mode(args))

    def on_row(row: Row, finished: int, total: int) -> None:
        detail = f"{row.seconds:.0f} s" if row.seconds else ""
        if row.status == "failed":
            detail = row.reason
        tries = f", {row.attempts} attempts" if row.attempts > 1 else ""
        text = f"[{finished}/{total}] line {row.line} {row.status}{tries}: {detail or row.out_dir}"
        report(text, {**row.model_dump(mode="json"), "finished": finished, "total": total})

    workers = args.workers or 1
    try:
        rows = run_batch(
            jobs,
            args.out,
            lambda: make_executor(args.ray, workers=workers, max_attempts=args.attempts),
            window=args.workers if args.ray else workers,
            config=config,
            on_row=on_row,
        )
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted; run the same command again to resume ({args.out / SUMMARY})\n")
        return 130
    failed = [row for row in rows if row.status == "failed"]
    done = sum(row.status in ("done", "skipped") for row in rows)
    report(f"{done}/{len(rows)} vlogs, {len(failed)} failed", {"vlogs": len(rows), "done": done, "failed": len(failed)})
    print(args.out / SUMMARY)
    return 1 if failed else 0
