"""`personavlog make | plan | resume | redo`: plan and render a vlog, or finish or change one in a run directory."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from personavlog.cli.options import PROG, add_command, add_request_arguments, progress_mode, request_from_args
from personavlog.fsutil import slug

RUN_NAME_LENGTH = 48
INTERRUPTED = f"{PROG}: interrupted; finish with `{PROG} resume DIR`"


def register(commands: Any) -> None:
    make = add_command(commands, "make", help="plan and render a vlog")
    add_request_arguments(make)
    make.add_argument("--out", type=Path, help="run directory (default: out/<theme>)")

    plan = add_command(commands, "plan", help="run only the agents and write DIR/manifest.json for review")
    add_request_arguments(plan)
    plan.add_argument("--out", type=Path, help="run directory (default: out/<theme>)")

    resume = add_command(commands, "resume", help="finish or re-render the vlog in DIR (after a crash or edits)")
    resume.add_argument("dir", type=Path)

    redo = add_command(commands, "redo", help="regenerate one shot of the vlog in DIR, keeping every other shot")
    redo.add_argument("dir", type=Path)
    redo.add_argument("--shot", type=int, required=True, help="the shot's id (see manifest.json)")
    redo.add_argument("--note", help='what to change, e.g. "make it night and raining"')
    from personavlog.llm.writers import WRITERS

    for parser in (make, plan, resume, redo):
        parser.add_argument(
            "--writer",
            choices=list(WRITERS),
            help="the embedded model that writes the plan: fast (default), balanced or quality (see the README)",
        )
        parser.set_defaults(handler=run, interrupted=INTERRUPTED)


def run(args: argparse.Namespace) -> int:
    """Progress while the pipeline runs, then the result's path."""
    from personavlog.cli.progress_view import pipeline_progress

    mode = progress_mode(args)
    on_event = pipeline_progress(mode)
    with on_event if on_event is not None else contextlib.nullcontext():
        result = _run(args, on_event)
    if mode != "json":
        print(result)
    return 0


def _run(args: argparse.Namespace, on_event: Any) -> Path:
    from personavlog.api import make_vlog, plan_vlog, redo_shot, resume_vlog
    from personavlog.config import load_settings
    from personavlog.inputs import check_output_dir, check_run_dir

    settings = load_settings(args.config)
    if args.writer:
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"writer": args.writer})})
    if args.command in ("redo", "resume"):
        check_run_dir(args.dir)
    if args.command == "redo":
        redo_shot(args.dir, args.shot, args.note, settings, on_event, allow_no_face=args.allow_no_face)
        return args.dir / "vlog.mp4"
    if args.command == "resume":
        resume_vlog(args.dir, settings, on_event, allow_no_face=args.allow_no_face)
        return args.dir / "vlog.mp4"
    request = request_from_args(args)
    out = args.out or Path("out") / slug(request.theme, RUN_NAME_LENGTH)
    check_output_dir(out)
    if args.command == "plan":
        plan_vlog(request, out, settings, on_event, allow_no_face=args.allow_no_face)
        return out / "manifest.json"
    make_vlog(request, out, settings, on_event, allow_no_face=args.allow_no_face)
    return out / "vlog.mp4"
