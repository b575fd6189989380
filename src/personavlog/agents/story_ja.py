"""The story agent's rules for a story in Japanese: whole Japanese sentences, about the theme's words, its own."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from personavlog.agents import japanese
from personavlog.agents.base import load_template
from personavlog.schema import Story

TEMPLATE = "story_ja.txt"
CUE = "物語:"
MIN_JAPANESE_SHARE = 0.9
MIN_BEAT_LENGTH = 6
MAX_BEAT_LENGTH = 60
TITLE_LENGTH = 20


def _sentence(value: object, part: str, max_length: int) -> str:
    """The first whole sentence (a beat or logline that runs on repeats itself)."""
    raw = japanese.clean_line(str(value))
    if japanese.japanese_share(raw) < MIN_JAPANESE_SHARE:
        raise ValueError(f"write the {part} in Japanese (kana and kanji), not in English")
    first = japanese.sentences(japanese.whole_sentences(raw, max_length))
    return first[0] if first else ""


def parse_story(data: dict[str, Any], parts: tuple[str, ...]) -> Story:
    title = japanese.clean_line(str(data.get("title", ""))).rstrip("。")
    if japanese.japanese_share(title) < MIN_JAPANESE_SHARE:
        raise ValueError("write the title in Japanese (kana and kanji), not in English")
    story = Story.model_validate(
        {
            "title": re.split(r"[、,。]", title)[0],
            "logline": _sentence(data.get("logline", ""), "logline", 90),
            "beats": [_sentence(data.get(part, ""), part, MAX_BEAT_LENGTH) for part in parts],
        }
    )
    seen: set[str] = set()
    for part, beat in zip(parts, story.beats, strict=True):
        if japanese.spoken_length(beat) < MIN_BEAT_LENGTH:
            raise ValueError(f"{part} is too short; write a full sentence")
        if beat in seen:
            raise ValueError(f"{part} repeats an earlier sentence; move the story on")
        seen.add(beat)
    return story


@lru_cache(maxsize=1)
def _example_shingles() -> frozenset[str]:
    lines = [line for line in load_template(TEMPLATE).template.splitlines() if line.startswith(CUE)]
    return frozenset(japanese.shingles("".join(lines)))


def review_story(story: Story, theme: str) -> str | None:
    """Quality objections: copying an example story, or leaving most of the theme's words out."""
    own = japanese.shingles(theme)
    for index, beat in enumerate(story.beats):
        if not (japanese.shingles(beat) - own).isdisjoint(_example_shingles()):
            return f"「{beat}」 copies an example story; write about {theme}"
        for other in [story.logline, *story.beats[:index]]:
            if not (japanese.shingles(beat, 8) - own).isdisjoint(japanese.shingles(other, 8)):
                return f"「{beat}」 says again what an earlier sentence said; every sentence must move the story on"
    text = " ".join([story.title, story.logline, *story.beats])
    words, missing = japanese.theme_words(theme), japanese.missing_words(theme, text)
    if words and len(missing) > len(words) / 2:
        return f"the story must be about {theme}; it never mentions {'、'.join(missing)}"
    return None


def _repeated_share(story: Story, theme: str) -> float:
    """The share of beats that say again six characters in a row of an earlier beat (the theme's own aside)."""
    own = japanese.shingles(theme, 6)
    seen: set[str] = set()
    repeated = 0
    for beat in story.beats:
        runs = japanese.shingles(beat, 6) - own
        repeated += bool(runs & seen)
        seen |= runs
    return repeated / len(story.beats)


def score_story(story: Story, theme: str) -> float:
    """Theme words in the whole story, plus the share of beats that touch the theme, less the beats that repeat."""
    whole = japanese.theme_coverage(theme, " ".join([story.title, story.logline, *story.beats]))
    per_beat = sum(1 for beat in story.beats if japanese.theme_coverage(theme, beat) > 0) / len(story.beats)
    return whole + per_beat - _repeated_share(story, theme)
