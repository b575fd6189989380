"""Checks on user input that must fail early, with one clear line, before anything is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from personavlog.errors import InputError
from personavlog.vision.imageio import MAX_JPEG_PIXELS, MIN_SIDE, read_reference

MAX_REFERENCE_PIXELS = MAX_JPEG_PIXELS
MIN_REFERENCE_SIDE = MIN_SIDE


def resolve_reference(path: Path | str) -> Path:
    """The absolute path of the picture a reference names: a symbolic link is followed wherever it points (a user's
    photo library is often linked in); one that cannot be followed (a loop, a missing target) is kept as given, for
    the check to name what the user wrote."""
    path = Path(path).expanduser()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = None
    return resolved if resolved is not None and resolved.exists() else Path(os.path.abspath(path))


def check_reference_image(path: Path, need_face: bool = False) -> None:
    """The reference decodes (reduced, in bounded memory) and is large enough; with `need_face`, it shows a face.

    Raises InputError with one line; reads the file only.
    """
    image, _ = read_reference(Path(path))
    if need_face:
        from personavlog.vision.faces import largest_face, no_face_message

        if largest_face(np.asarray(image.convert("RGB"))) is None:
            raise InputError(no_face_message(Path(path)))


def check_output_dir(out: Path) -> None:
    """`out` can become a run directory: it is one already, or it can be made where it is. Leaves nothing behind."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"the output {out} is an existing file, not a directory; choose another --out")
    existing = next(parent for parent in (out, *out.parents) if parent.exists() or parent == parent.parent)
    if not existing.is_dir():
        raise InputError(f"the output {out} lies under {existing}, which is a file, not a directory")
    try:
        Path(tempfile.mkdtemp(prefix=".personavlog-probe-", dir=existing)).rmdir()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"cannot create the run directory {out}: {existing} is not writable ({reason})") from None


def check_run_dir(run: Path) -> None:
    """`run` is a run directory that `resume` and `redo` can open (checked before its lock creates anything)."""
    run = Path(run)
    if run.exists() and not run.is_dir():
        raise InputError(f"{run} is not a PersonaVlog run directory (it is a file)")
    if not (run / "manifest.json").is_file():
        raise InputError(f"{run} is not a PersonaVlog run directory (no manifest.json)")
