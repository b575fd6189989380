"""The ThemeVlogEval theme set, versioned with the package (evaluate/data/themes.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel


class ThemeCase(BaseModel):
    id: str
    category: str
    theme: str


class ThemeSet(BaseModel):
    name: str
    version: str
    themes: list[ThemeCase]

    def categories(self) -> list[str]:
        return list(dict.fromkeys(case.category for case in self.themes))

    def spread(self, count: int) -> list[ThemeCase]:
        """`count` themes taken round-robin across categories, so a small sample still covers them all."""
        by_category = {c: [t for t in self.themes if t.category == c] for c in self.categories()}
        chosen: list[ThemeCase] = []
        depth = 0
        while len(chosen) < count and any(len(v) > depth for v in by_category.values()):
            chosen += [v[depth] for v in by_category.values() if len(v) > depth][: count - len(chosen)]
            depth += 1
        return chosen


@cache
def load_themes() -> ThemeSet:
    text = resources.files("personavlog.evaluate").joinpath("data/themes.json").read_text(encoding="utf-8")
    return ThemeSet.model_validate(json.loads(text))
