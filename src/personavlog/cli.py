"""`personavlog make | plan | resume | redo`: the first-class interface. One-line errors; exit 2 on bad input."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from personavlog.config import load_settings
from personavlog.errors import InputError, PersonaVlogError
from personavlog.fsutil import atomic_write_text
from personavlog.progress import ProgressCallback
from personavlog.schema import MAX_DURATION_S, MIN_DURATION_S, VlogRequest

PROG = "personavlog"

# Commands beyond make/plan/resume/redo live in their own modules. Each module has
# `register(commands)`, which adds its parser and sets `handler=fn(args) -> int` as a default.
# Modules must import heavy dependencies inside the handler, not at module level.
EXTRA_COMMAND_MODULES: tuple[str, ...] = (
    "personavlog.cli_serve",
    "personavlog.cli_eval",
    "personavlog.cli_batch",
    "personavlog.cli_sheet",
    "personavlog.cli_dryrun",
)


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error; users get the error alone, as one line, and exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file (backends, models)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and the result path")
    parser.add_argument(
        "--progress",
        choices=["bars", "json", "none"],
        default="bars",
        help="bars: progress bars on stderr; json: one JSON event per line on stdout",
    )
    parser.add_argument(
        "--allow-no-face",
        action="store_true",
        help="use the whole reference image as the character when no face is found",
    )


def _add_request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--theme", required=True, help='what the vlog is about, e.g. "a rainy afternoon in a Paris café"'
    )
    parser.add_argument("--reference", required=True, type=Path, help="photo or drawing of the protagonist")
    parser.add_argument(
        "--style", default="cinematic", help="cinematic, film 35mm, watercolor, anime, vhs, documentary"
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help=f"target length in seconds ({MIN_DURATION_S:g}-{MAX_DURATION_S:g})"
    )
    parser.add_argument("--aspect", choices=["16:9", "9:16", "1:1"], default="16:9")
    parser.add_argument(
        "--resolution", choices=["360p", "480p", "720p", "1080p"], default="720p", help="360p/480p for quick drafts"
    )
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--language", default="en")
    parser.add_argument("--voice", default="joe")
    parser.add_argument("--persona", help='your own words for the protagonist, e.g. "a woman in a red raincoat"')
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-feedback", action="store_true", help="turn critics and rollback off")
    parser.add_argument("--max-rounds", type=int, default=2, help="rollback rounds per failing result")
    parser.add_argument("--out", type=Path, help="run directory (default: out/<theme>)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG, description="Turn a theme, a reference photo and a style into a personalized vlog."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    make = commands.add_parser("make", help="plan and render a vlog")
    _add_request_options(make)
    _add_output_options(make)

    plan = commands.add_parser("plan", help="run only the agents and write DIR/manifest.json for review")
    _add_request_options(plan)
    _add_output_options(plan)

    resume = commands.add_parser("resume", help="finish or re-render the vlog in DIR (after a crash or edits)")
    resume.add_argument("dir", type=Path)
    _add_output_options(resume)

    redo = commands.add_parser("redo", help="regenerate one shot of the vlog in DIR, keeping every other shot")
    redo.add_argument("dir", type=Path)
    redo.add_argument("--shot", type=int, required=True, help="the shot's id (see manifest.json)")
    redo.add_argument("--note", help='what to change, e.g. "make it night and raining"')
    _add_output_options(redo)
    for module_name in EXTRA_COMMAND_MODULES:
        import_module(module_name).register(commands)
    return parser


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug[:48].strip("-") or "vlog"


def _request_from_args(args: argparse.Namespace) -> VlogRequest:
    if not args.theme.strip():
        raise InputError("--theme must not be empty")
    if not MIN_DURATION_S <= args.duration <= MAX_DURATION_S:
        raise InputError(
            f"--duration must be between {MIN_DURATION_S:g} and {MAX_DURATION_S:g} seconds (got {args.duration:g})"
        )
    try:
        return VlogRequest(
            theme=args.theme,
            reference=args.reference.expanduser().resolve(),
            style=args.style,
            duration_s=args.duration,
            aspect=args.aspect,
            resolution=args.resolution,
            fps=args.fps,
            language=args.language,
            voice=args.voice,
            persona=args.persona,
            seed=args.seed,
            feedback=not args.no_feedback,
            max_rounds=args.max_rounds,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "--" + str(first["loc"][0]).replace("_s", "").replace("_", "-") if first["loc"] else "request"
        raise InputError(f"{field}: {first['msg']}") from None


def _progress_callback(args: argparse.Namespace):
    if args.progress == "json":
        from personavlog.cli_progress import JsonLines

        return JsonLines(sys.stdout)
    if args.quiet or args.progress == "none":
        return None
    from personavlog.cli_progress import Bars

    return Bars()


def _run(args: argparse.Namespace, on_event: ProgressCallback | None) -> Path:
    from personavlog.api import make_vlog, plan_vlog, redo_shot, resume_vlog

    settings = load_settings(args.config)
    if args.command == "redo":
        redo_shot(args.dir, args.shot, args.note, settings, on_event, allow_no_face=args.allow_no_face)
        return args.dir / "vlog.mp4"
    if args.command == "resume":
        resume_vlog(args.dir, settings, on_event, allow_no_face=args.allow_no_face)
        return args.dir / "vlog.mp4"
    request = _request_from_args(args)
    out = args.out or Path("out") / _slug(request.theme)
    if args.command == "plan":
        plan_vlog(request, out, settings, on_event, allow_no_face=args.allow_no_face)
        return out / "manifest.json"
    make_vlog(request, out, settings, on_event, allow_no_face=args.allow_no_face)
    return out / "vlog.mp4"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return _guarded(lambda: handler(args), f"{PROG}: interrupted")
    return _guarded(lambda: _make_family(args), f"{PROG}: interrupted; finish with `{PROG} resume DIR`")


def _make_family(args: argparse.Namespace) -> int:
    """make, plan, resume and redo: progress while the pipeline runs, then the result's path."""
    on_event = _progress_callback(args)
    with on_event if on_event is not None else contextlib.nullcontext():
        result = _run(args, on_event)
    if args.progress != "json":
        print(result)
    return 0


def _guarded(command: Callable[[], int], interrupted: str) -> int:
    """The error contract of every command: one line on stderr, exit code by kind, tracebacks only in a log file."""
    try:
        return command()
    except PersonaVlogError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(interrupted + "\n")
        return 130
    except Exception as exc:
        log = Path("personavlog-error.log").resolve()
        atomic_write_text(log, traceback.format_exc())
        sys.stderr.write(f"{PROG}: internal error: {type(exc).__name__}: {exc} (traceback in {log})\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
