"""The contact sheet of a run directory: reads its manifest and hands compose the shots and their pictures."""

from __future__ import annotations

from pathlib import Path

from personavlog.compose.contact_sheet import ContactSheet, SheetShot, write_contact_sheet
from personavlog.errors import InputError
from personavlog.rundir import RunDir

SHEET_NAME = "contact_sheet.png"


def run_contact_sheet(run_dir: Path) -> ContactSheet:
    """What the sheet of `run_dir` shows. Raises InputError when it is not a run or has no storyboard yet."""
    run = RunDir(Path(run_dir))
    if not run.root.is_dir():
        raise InputError(f"{run.root} is not a directory")
    manifest = run.load()
    if manifest.storyboard is None or not manifest.storyboard.shots:
        raise InputError(f"{run.root} has no storyboard yet (run `personavlog plan` or `make` first)")
    width, height = manifest.request.frame_size()
    return ContactSheet(
        origin=str(run.root),
        title=manifest.story.title if manifest.story is not None else "untitled",
        theme=manifest.request.theme,
        style=manifest.request.style,
        frame_width=width,
        frame_height=height,
        shots=[
            SheetShot(shot=shot, keyframe=run.keyframe(shot.id), clip=run.clip(shot.id))
            for shot in manifest.storyboard.shots
        ],
    )


def write_run_sheet(run_dir: Path, out: Path | None = None) -> Path:
    """Write the sheet of `run_dir` as a PNG (default: RUN_DIR/contact_sheet.png), atomically; returns its path."""
    target = Path(out) if out is not None else Path(run_dir) / SHEET_NAME
    return write_contact_sheet(run_contact_sheet(run_dir), target)
