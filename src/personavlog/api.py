"""The Python API: the same pipeline as the CLI, for notebooks and services."""

from __future__ import annotations

from pathlib import Path

from personavlog.config import Settings, load_settings
from personavlog.manifest import Manifest
from personavlog.pipeline import Pipeline
from personavlog.progress import ProgressCallback
from personavlog.rundir import RunDir
from personavlog.schema import VlogRequest


def _pipeline(
    out_dir: Path | str, settings: Settings | None, on_progress: ProgressCallback | None, allow_no_face: bool
) -> Pipeline:
    return Pipeline(RunDir(Path(out_dir)), settings or load_settings(), on_progress, allow_no_face=allow_no_face)


def make_vlog(
    request: VlogRequest,
    out_dir: Path | str,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    allow_no_face: bool = False,
) -> Manifest:
    """Render `request` into `out_dir` (vlog.mp4, vlog.srt, manifest.json, shots/, music.wav).

    Re-running into the same directory reuses every stage whose inputs did not change.
    """
    return _pipeline(out_dir, settings, on_progress, allow_no_face).make(request)


def plan_vlog(
    request: VlogRequest,
    out_dir: Path | str,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    allow_no_face: bool = False,
) -> Manifest:
    """Run only the agents and write `out_dir/manifest.json`; edit it, then `make_vlog`/`resume_vlog` renders it."""
    return _pipeline(out_dir, settings, on_progress, allow_no_face).plan(request)


def resume_vlog(
    out_dir: Path | str,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    allow_no_face: bool = False,
) -> Manifest:
    """Finish (or re-render after edits) the vlog in `out_dir` with the request recorded in its manifest."""
    request = RunDir(Path(out_dir)).load().request
    return _pipeline(out_dir, settings, on_progress, allow_no_face).make(request)


def redo_shot(
    out_dir: Path | str,
    shot: int,
    note: str | None = None,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    allow_no_face: bool = False,
) -> Manifest:
    """Regenerate one shot (its plan with `note` as feedback, then its picture and voice) and re-cut the vlog.

    Every other shot's files stay byte-identical.
    """
    return _pipeline(out_dir, settings, on_progress, allow_no_face).redo(shot, note)
