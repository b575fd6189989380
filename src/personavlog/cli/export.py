"""`personavlog export DIR --format otio`: a run's editable timeline, for DaVinci Resolve, Premiere, Kdenlive, ..."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from personavlog.cli.options import add_command


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "export",
        help="write a run's editable timeline (OpenTimelineIO)",
        description="Write the cut of a rendered run as an OpenTimelineIO timeline: one video clip per shot with "
        "its in/out points and transitions, the voice lines and the music on their own audio tracks, the captions "
        "as markers. --format takes any format an installed OTIO adapter writes (otio by default). It renders "
        "nothing: --config, --progress and --allow-no-face change nothing here.",
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="a rendered run directory (holds manifest.json)")
    parser.add_argument("--format", default="otio", metavar="FORMAT", help="otio (default) or another adapter's")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="where to write (DIR/vlog.otio)")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from personavlog.export.timeline import OTIO_NAME, write_run_timeline

    out = args.out
    if out is None and args.format.lower().lstrip(".") != "otio":
        out = args.dir / f"{Path(OTIO_NAME).stem}.{args.format.lower().lstrip('.')}"
    print(write_run_timeline(args.dir, out, args.format))
    return 0
