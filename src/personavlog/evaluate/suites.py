"""ThemeVlogEval cases and suites: theme × reference image × style × settings × seed, all fixed.

`full` has one case per theme (66), ordered round-robin across the categories, so any prefix of it covers the
categories evenly; `core` is the first 12 cases of `full` with identical ids and settings (a core run's results
are reused by a full run in the same output directory). References and styles are assigned by position, so
every reference and every style appears in every prefix of 12.
"""

from __future__ import annotations

import json
import zlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from personavlog.errors import InputError
from personavlog.evaluate.dataset import load_themes
from personavlog.schema import Aspect, Resolution

SUITES = ("core", "full")
CORE_SIZE = 12


class Reference(BaseModel):
    id: str
    file: str
    drawn: bool
    source: str
    license: str

    @property
    def path(self) -> Path:
        return data_dir() / "references" / self.file


class ReferenceSet(BaseModel):
    version: str
    references: list[Reference]
    styles: list[str]

    def get(self, reference_id: str) -> Reference:
        return next(r for r in self.references if r.id == reference_id)


class Case(BaseModel):
    """One generation task of the benchmark."""

    id: str
    category: str
    theme: str
    reference: str
    """A Reference id."""
    style: str
    duration_s: float = 10.0
    resolution: Resolution = "360p"
    aspect: Aspect = "1:1"
    fps: int = 12
    seed: int

    @property
    def reference_path(self) -> Path:
        return load_references().get(self.reference).path


def data_dir() -> Path:
    return Path(str(resources.files("personavlog.evaluate").joinpath("data")))


@cache
def load_references() -> ReferenceSet:
    return ReferenceSet.model_validate(json.loads((data_dir() / "references.json").read_text(encoding="utf-8")))


def case_seed(case_id: str) -> int:
    """A fixed seed per case, independent of the case's position."""
    return zlib.crc32(f"themevlogeval/{case_id}".encode()) % 100_000


def suite_cases(name: Literal["core", "full"] | str, limit: int | None = None) -> list[Case]:
    if name not in SUITES:
        raise InputError(f"unknown suite {name!r} (known: {', '.join(SUITES)})")
    themes = load_themes()
    refs = load_references()
    ordered = themes.spread(len(themes.themes))
    cases = []
    for index, theme in enumerate(ordered):
        n_refs, n_styles = len(refs.references), len(refs.styles)
        cases.append(
            Case(
                id=theme.id,
                category=theme.category,
                theme=theme.theme,
                reference=refs.references[index % n_refs].id,
                style=refs.styles[(index + index // n_refs) % n_styles],
                seed=case_seed(theme.id),
            )
        )
    if name == "core":
        cases = cases[:CORE_SIZE]
    return cases[:limit] if limit is not None else cases
