"""`personavlog eval`: run ThemeVlogEval suites against one or more systems and write the report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from personavlog.cli.options import add_command, progress_mode


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "eval",
        help="score systems on the ThemeVlogEval benchmark",
        description="Generate every case of a suite with each system, score it, and write DIR/report.html and "
        "DIR/results.csv. Resumable: finished (case, system) pairs are kept and skipped. --config is the settings "
        "of every vlog made and of the judge; whether a case may do without a face is the suite's to say, so "
        "--allow-no-face changes nothing here.",
    )
    parser.add_argument("--suite", choices=["core", "full"], default="core")
    parser.add_argument(
        "--system",
        action="append",
        required=True,
        metavar="NAME",
        help="full | no-feedback | single-pass | cmd:TEMPLATE (placeholders {theme} {reference} {style} "
        "{duration} {out}); repeat for several",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--workers", type=int, default=1, help="cases run in parallel processes (default 1)")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N cases of the suite")
    parser.add_argument("--work", type=Path, default=None, metavar="DIR", help="where vlogs are made (OUT/.work)")
    parser.add_argument("--keep-work", action="store_true", help="keep each vlog's project after scoring")
    parser.add_argument("--report-only", action="store_true", help="rebuild the report from stored results")
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run the pairs as tasks on a Ray cluster: auto, local or HOST:PORT (needs personavlog[ray])",
    )
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from personavlog.cli.progress_view import reporter
    from personavlog.errors import InputError
    from personavlog.evaluate.report import write_report
    from personavlog.evaluate.runner import CaseResult, RunOptions, run_suite
    from personavlog.evaluate.suites import suite_cases
    from personavlog.evaluate.systems import parse_system

    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    systems = [parse_system(name) for name in args.system]
    if len({s.slug for s in systems}) != len(systems):
        raise InputError("each --system may be given only once")
    cases = suite_cases(args.suite, args.limit)
    options = RunOptions(work_dir=args.work, keep_work=args.keep_work, config=args.config)
    report = reporter(progress_mode(args))

    def progress(result: CaseResult, done: int, total: int) -> None:
        state = f"error: {result.error}" if result.error else f"{result.runtime_s or 0:.0f} s"
        record: dict[str, object] = {"system": result.system, "case": result.case.id, "error": result.error}
        record.update(runtime_s=result.runtime_s, done=done, total=total)
        report(f"[{done}/{total}] {result.system} {result.case.id}: {state}", record)

    def start(total: int, stored: int) -> None:
        report(f"{total} pairs: {stored} stored, {total - stored} to run", {"pairs": total, "stored": stored})

    if not args.report_only:
        executor = None
        if args.ray:  # Ray workers run in other directories, maybe on other machines: paths go absolute
            from personavlog.distributed.ray_executor import RayExecutor

            args.out = args.out.resolve()
            options.work_dir = options.work_dir.resolve() if options.work_dir else None
            options.config = options.config.resolve() if options.config else None
            executor = RayExecutor(args.ray)
        try:
            run_suite(
                cases,
                systems,
                args.out,
                options,
                workers=args.workers,
                executor=executor,
                on_result=progress,
                on_start=start,
            )
        finally:
            if executor is not None:
                executor.shutdown()
    paths = write_report(args.out, cases, systems, title=f"ThemeVlogEval — {args.suite} suite")
    print(f"report: {paths[0]}\nresults: {paths[1]}")
    return 0
