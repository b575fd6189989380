"""`personavlog batch JOBS.jsonl --out DIR`: one vlog per line, on local processes or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEFAULT_ATTEMPTS = 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "batch",
        help="render one vlog per line of a JSONL jobs file (resumable; --ray to run on a Ray cluster)",
        description="Render one vlog per line of JOBS (a JSON object per line: theme, reference and any `make` "
        "option). Each line renders into DIR/<line>-<theme>; finished vlogs are skipped on a re-run and half-done "
        "ones resume. DIR/summary.csv lists every job's status, paths, durations, attempts and failure reason.",
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
    parser.add_argument("--config", type=Path, help="TOML settings file for every job (backends, models)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors and the summary path")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from personavlog.batch.jobs import load_jobs
    from personavlog.batch.runner import run_batch
    from personavlog.batch.summary import SUMMARY, Row
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
    jobs = load_jobs(args.jobs)
    load_settings(args.config)  # a bad config is one error now, not one per job
    config = args.config.resolve() if args.config else None

    def report(row: Row, finished: int, total: int) -> None:
        if args.quiet:
            return
        detail = f"{row.seconds:.0f} s" if row.seconds else ""
        if row.status == "failed":
            detail = row.reason
        tries = f", {row.attempts} attempts" if row.attempts > 1 else ""
        print(f"[{finished}/{total}] line {row.line} {row.status}{tries}: {detail or row.out_dir}", file=sys.stderr)

    workers = args.workers or 1
    try:
        rows = run_batch(
            jobs,
            args.out,
            lambda: make_executor(args.ray, workers=workers, max_attempts=args.attempts),
            window=args.workers if args.ray else workers,
            config=config,
            on_row=report,
        )
    except KeyboardInterrupt:
        sys.stderr.write(f"personavlog: interrupted; run the same command again to resume ({args.out / SUMMARY})\n")
        return 130
    failed = [row for row in rows if row.status == "failed"]
    if not args.quiet:
        done = sum(row.status in ("done", "skipped") for row in rows)
        print(f"{done}/{len(rows)} vlogs, {len(failed)} failed", file=sys.stderr)
    print(args.out / SUMMARY)
    return 1 if failed else 0
