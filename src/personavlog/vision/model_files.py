"""Model files that ship inside installed wheels: found through the package metadata, never by importing."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path


def packaged_file(distribution: str, relative: str) -> Path | None:
    """Where `relative` (a path inside the wheel) of the installed `distribution` is; None when either is missing."""
    try:
        found = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(found.locate_file(relative)))
    return path if path.is_file() else None
