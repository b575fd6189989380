"""What every command line shares: the one-line parser, the options every command takes, and a request's options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Literal, NoReturn, get_origin

from personavlog.request_fields import REQUEST_OPTIONS, RequestOption, build_request, flag
from personavlog.schema import VlogRequest

PROG = "personavlog"

ProgressMode = Literal["bars", "json", "none"]


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus an error; users get the error alone, as one line, and exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _shared_options() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--config", type=Path, help="TOML settings file (backends, models)")
    shared.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and the result")
    shared.add_argument(
        "--progress",
        choices=["bars", "json", "none"],
        default="bars",
        help="bars: progress on stderr; json: one JSON object per line on stdout; none: no progress",
    )
    shared.add_argument(
        "--allow-no-face",
        action="store_true",
        help="use the whole reference image as the character when no face is found",
    )
    return shared


SHARED_OPTIONS = _shared_options()


def add_command(commands: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand that takes the shared options (--config, --quiet, --progress, --allow-no-face)."""
    return commands.add_parser(name, parents=[SHARED_OPTIONS], **kwargs)


def progress_mode(args: argparse.Namespace) -> ProgressMode:
    """json wins (a program asked for it); --quiet is --progress none."""
    if args.progress == "json":
        return "json"
    return "none" if args.quiet or args.progress == "none" else "bars"


def _argument_type(option: RequestOption) -> Any:
    kind = option.value_type
    if get_origin(kind) is Literal:
        return type(option.choices[0]) if option.choices else str
    return kind if kind in (int, float, Path) else str


def add_request_argument(parser: argparse.ArgumentParser, option: RequestOption, **overrides: Any) -> None:
    """`option` as a command-line argument: its flag, type, choices, default and help; `overrides` replace any."""
    if option.annotation is bool:  # a flag that turns the default around
        action = "store_false" if option.default else "store_true"
        parser.add_argument(option.flag, dest=option.name, action=action, help=option.help)
        return
    settings: dict[str, Any] = {
        "dest": option.name,
        "type": _argument_type(option),
        "help": option.help,
        "required": option.required,
    }
    if option.choices:
        settings["choices"] = list(option.choices)
    if not option.required:
        settings["default"] = option.default
    parser.add_argument(option.flag, **{**settings, **overrides})


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of a vlog request, as `make` and `plan` take them."""
    for option in REQUEST_OPTIONS:
        add_request_argument(parser, option)


def request_from_args(args: argparse.Namespace) -> VlogRequest:
    values = {option.name: getattr(args, option.name) for option in REQUEST_OPTIONS if hasattr(args, option.name)}
    from personavlog.inputs import resolve_reference

    reference = resolve_reference(values.pop("reference"))
    return build_request(values, spell=flag, reference=reference)
