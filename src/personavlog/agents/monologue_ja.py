"""The monologue agent's rules for a Japanese line: its length in characters, Japanese script, no copying.

A small multilingual model drifts into English, into the few-shot examples' people and places, or stops in the
middle of a sentence; each of those is a reason to ask again, and a line is cut after its last whole sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from personavlog.agents import japanese
from personavlog.agents.base import load_template

TEMPLATE = "monologue_ja.txt"
MIN_JAPANESE_SHARE = 0.9


def line_schema(low: int, high: int) -> dict[str, Any]:
    # Room past the budget for the model to finish its sentence; the line is then cut to whole sentences.
    return {
        "type": "object",
        "properties": {"line": {"type": "string", "minLength": low, "maxLength": int(high * 1.5) + 8}},
        "required": ["line"],
        "additionalProperties": False,
    }


def parse_line(data: dict[str, Any], low: int, high: int, earlier: Sequence[str]) -> str:
    """The cleaned line in whole sentences within `high` characters; English, too short or repeated is invalid."""
    raw = japanese.clean_line(str(data.get("line", "")))
    if japanese.japanese_share(raw) < MIN_JAPANESE_SHARE:
        raise ValueError("write the line in Japanese (kana and kanji), not in English")
    text = japanese.whole_sentences(raw, high)
    length = japanese.spoken_length(text)
    if length < low:
        raise ValueError(f"the line has {length} characters; it needs {low} to {high} characters in whole sentences")
    for index, line in enumerate(earlier, 1):
        if japanese.clean_line(line) == text:
            raise ValueError(f"the line repeats line {index}; say something new")
    return text


@lru_cache(maxsize=1)
def _example_shingles() -> frozenset[str]:
    template = load_template(TEMPLATE).template
    lines = [line for line in template.splitlines() if line.startswith(("行:", "前の行:"))]
    return frozenset(japanese.shingles("".join(lines), 4))


def review_line(text: str, earlier: Sequence[str], theme: str, beat: str = "") -> str | None:
    """Quality objections: half-repeating an earlier line or the story's beat, or copying the examples."""
    for index, line in enumerate(earlier, 1):
        if not japanese.shingles(line).isdisjoint(japanese.shingles(text)):
            return f"the line repeats words of line {index}; say something new"
    if _copies_example(text, theme):
        return f"the line copies an example; think about this moment of {theme}"
    if _recites_theme(text, theme):
        return "the line recites the theme; say what you see, hear or feel at this moment"
    if not (japanese.shingles(text, 8) - japanese.shingles(theme, 8)).isdisjoint(japanese.shingles(beat, 8)):
        return "the line reads out the story's sentence; say what you think at this moment, in your own words"
    return None


def _copies_example(text: str, theme: str) -> bool:
    return not (japanese.shingles(text, 4) - japanese.shingles(theme, 4)).isdisjoint(_example_shingles())


def _recites_theme(text: str, theme: str) -> bool:
    """Eight characters of the theme in a row: the theme read out, not a thought about it."""
    return not japanese.shingles(theme, 8).isdisjoint(japanese.shingles(text, 8))


def score_line(text: str, target: int, theme: str) -> float:
    """Close to the character target and touching the theme's words, but in its own words."""
    fit = 1.0 - abs(japanese.spoken_length(text) - target) / target
    own = 0.5 * (_copies_example(text, theme) + _recites_theme(text, theme))
    return fit + 0.5 * japanese.theme_coverage(theme, text) - own
