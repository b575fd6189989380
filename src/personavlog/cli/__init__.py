"""`personavlog`: the command line, the first-class interface. One-line errors; exit 2 on bad input.

Each command lives in a module of this package with `register(commands)`, which adds its parser (through
`options.add_command`, so it takes the shared options) and sets `handler=fn(args) -> int` as a default.
Modules import heavy dependencies inside the handler, not at module level.
"""

from __future__ import annotations

import argparse
import errno
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from personavlog.cli.options import PROG, OneLineParser
from personavlog.errors import PersonaVlogError
from personavlog.fsutil import atomic_write_text

COMMAND_MODULES: tuple[str, ...] = (
    "personavlog.cli.make",
    "personavlog.cli.serve",
    "personavlog.cli.eval",
    "personavlog.cli.batch",
    "personavlog.cli.sheet",
    "personavlog.cli.export",
    "personavlog.cli.dryrun",
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG, description="Turn a theme, a reference photo and a style into a personalized vlog."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} 0.1.0")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for module_name in COMMAND_MODULES:
        import_module(module_name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    interrupted = getattr(args, "interrupted", f"{PROG}: interrupted")
    return _guarded(lambda: args.handler(args), interrupted)


_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
"""A full disk or an output folder that cannot be written: the user's to fix, told in one line."""


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
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            where = f" {exc.filename}" if exc.filename else ""
            sys.stderr.write(f"{PROG}: error: cannot write{where}: {exc.strerror or exc}\n")
            return 1
        return _internal_error(exc)
    except Exception as exc:
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    log = Path("personavlog-error.log").resolve()
    atomic_write_text(log, traceback.format_exc())
    sys.stderr.write(f"{PROG}: internal error: {type(exc).__name__}: {exc} (traceback in {log})\n")
    return 1
