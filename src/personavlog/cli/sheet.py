"""`personavlog sheet DIR`: a contact-sheet PNG of a run's keyframes, labelled with the storyboard."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from personavlog.cli.options import add_command


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "sheet",
        help="write a contact sheet of a run's keyframes",
        description="Lay out every shot's keyframe (or the middle frame of its clip) in a grid, labelled with "
        "the shot number, location, time of day, weather and camera, and write it as a PNG. It renders nothing: "
        "--config, --progress and --allow-no-face change nothing here.",
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="a run directory (holds manifest.json)")
    parser.add_argument("--out", type=Path, default=None, metavar="PNG", help="where to write (DIR/contact_sheet.png)")
    parser.set_defaults(handler=run_sheet)


def run_sheet(args: argparse.Namespace) -> int:
    from personavlog.export.sheet import write_run_sheet

    print(write_run_sheet(args.dir, args.out))
    return 0
