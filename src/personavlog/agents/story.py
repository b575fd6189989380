"""The story agent: a title, a logline and a few beats (beginning, turn, ending) about the theme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from personavlog.agents import fit, japanese, story_ja
from personavlog.agents import theme_focus as focus
from personavlog.agents.base import (
    AgentCallLog,
    AgentTask,
    closed_object,
    example_shingles,
    fixed_length,
    notes_block,
    render,
    run_agent,
    speaks_chat,
)
from personavlog.agents.text import (
    clean_text,
    complete_sentences,
    copies_from,
    keyword_coverage,
    keywords,
    missing_theme_words,
    normalised,
    similarity,
    without_asides,
    without_dated_tail,
    without_year_suffix,
    word_count,
)
from personavlog.llm.base import ENDS_KEY, LLMClient
from personavlog.schema import PersonaProfile, Story, VlogRequest

AGENT = "story"
GOOD_STORY = 2.0
"""A story using the theme's words whose every sentence stays near the theme (score_story) ends the draws early."""


def beat_index(shot_index: int, shot_count: int, beat_count: int) -> int:
    """Which beat a shot films: beats are spread evenly over the shots, in order."""
    return shot_index * beat_count // shot_count


def beat_count(duration_s: float) -> int:
    """Longer vlogs tell a few more beats: 3 up to 20 s, 4 up to 45 s, 5 up to 90 s, then 6."""
    for limit, beats in ((20, 3), (45, 4), (90, 5)):
        if duration_s <= limit:
            return beats
    return 6


# The parts of a story of each length; their names in the schema tell the model what each sentence is for.
PART_MEANINGS = {
    "opening": "the opening (where it starts)",
    "moment": "a moment (what happens there)",
    "detail": "a detail (something small and real)",
    "turn": "the turn (something changes)",
    "climax": "the climax (the strongest moment)",
    "ending": "the ending (how it closes)",
}
PARTS: dict[int, tuple[str, ...]] = {
    3: ("opening", "turn", "ending"),
    4: ("opening", "moment", "turn", "ending"),
    5: ("opening", "moment", "turn", "climax", "ending"),
    6: ("opening", "moment", "detail", "turn", "climax", "ending"),
}


def story_schema(beats: int, title_length: int = 60, whole_sentences: bool = False) -> dict[str, Any]:
    """`whole_sentences`: each sentence's limit ends it on a sentence's end (an instruct model writes long ones)."""
    sentence: dict[str, Any] = {"type": "string", "minLength": 10, "maxLength": 110}
    if whole_sentences:
        sentence[ENDS_KEY] = "sentence"
    properties: dict[str, Any] = {
        # Not part of the Story: writing the place down first keeps a small model inside the theme.
        "place": {"type": "string", "minLength": 5, "maxLength": 70},
        "title": {"type": "string", "minLength": 3, "maxLength": title_length},
        "logline": {
            "type": "string",
            "minLength": 10,
            "maxLength": 180,
            **({ENDS_KEY: "sentence"} if whole_sentences else {}),
        },
    }
    properties.update({part: sentence for part in PARTS[beats]})
    return closed_object(properties)


def story_title(text: str) -> str:
    """The title as a viewer reads it: no bracketed aside ("(movie)"), no dangling dash or full stop."""
    cleaned = clean_text(text)
    return (without_year_suffix(without_asides(cleaned)).rstrip(" -–.") or cleaned).rstrip(".")


def story_sentences(text: str, most: int) -> str:
    """Up to `most` whole sentences, less what the model copied from a web page: a bracketed aside ("(movie)")
    and a year set off at the end ("... cafe - 2015-2016.")."""
    return complete_sentences(without_dated_tail(without_asides(clean_text(text))), most)


def parse_story(data: dict[str, Any], beats: int) -> Story:
    story = Story.model_validate(
        {
            "title": story_title(str(data.get("title", ""))),
            "logline": story_sentences(str(data.get("logline", "")), 2),
            "beats": [story_sentences(str(data.get(part, "")), 1) for part in PARTS[beats]],
        }
    )
    seen: set[str] = set()
    for index, beat in enumerate(story.beats, 1):
        if word_count(beat) < 4:
            raise ValueError(f"{PARTS[beats][index - 1]} is too short; write a full sentence")
        key = normalised(beat)
        if key in seen:
            raise ValueError(f"{PARTS[beats][index - 1]} repeats an earlier sentence; move the story on")
        seen.add(key)
        if ":" in beat and any(tag in beat for tag in ("Theme:", "Style:", "Beats:", "Story:")):
            raise ValueError(f"{PARTS[beats][index - 1]} is not a sentence of the story")
    return story


def story_text(story: Story) -> str:
    """The whole story as one text: title, logline and beats (what theme relevance is measured on)."""
    return " ".join([story.title, story.logline, *story.beats])


def review_story(story: Story, theme: str, examples: set[tuple[str, ...]]) -> str | None:
    """Quality objections: a story that copies an example, wanders off its theme, or says the same thing twice."""
    for beat in story.beats:
        if copies_from(beat, examples):
            return f"{beat!r} copies an example story; write about {theme}"
    for index, beat in enumerate(story.beats):
        for other in story.beats[:index]:
            if similarity(beat, other) >= 0.6:
                return f"two sentences say almost the same thing ({beat!r}); every sentence must move the story on"
    keys = keywords(theme)
    missing = missing_theme_words(theme, story_text(story))
    if keys and len(missing) > len(keys) / 2:
        return f"the story must be about {theme}; it never mentions {', '.join(missing)}"
    return None


def score_story(story: Story, theme: str) -> float:
    """Theme words in the whole story, plus (twice) how close every sentence stays to the theme by meaning."""
    return keyword_coverage(keywords(theme), story_text(story)) + 2 * fit.beats_fit(story.beats, theme)


def write_story(
    llm: LLMClient,
    request: VlogRequest,
    persona: PersonaProfile,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
    theme_focus: bool = False,
    current: Story | None = None,
) -> Story:
    """A story about `request.theme` in `request.style`, with the persona as its first-person narrator.

    With `theme_focus` (a rollback for theme relevance) more candidates are drawn and chosen by relevance (until
    one clears the critic's bar), and the `current` story competes with them: a focused rewrite never returns a
    story further from the theme.
    """
    del persona  # the narrator is "I"; the persona's look matters to the visuals, not to the plot
    beats = beat_count(request.duration_s)
    in_japanese = japanese.is_japanese(request.language)
    examples = example_shingles("story.txt", request.theme)
    chat = speaks_chat(llm) and not in_japanese
    if chat:
        parts = ", ".join(PART_MEANINGS[part] for part in PARTS[beats])
        template = "story_chat.txt"
        prompt = render(template, theme=request.theme, style=request.style, parts=parts, notes=notes_block(feedback))
    else:
        template = story_ja.TEMPLATE if in_japanese else "story.txt"
        prompt = render(template, theme=request.theme, style=request.style, notes=notes_block(feedback))

    def parse(data: dict[str, Any]) -> Story:
        return story_ja.parse_story(data, PARTS[beats]) if in_japanese else parse_story(data, beats)

    def review(story: Story) -> str | None:
        if in_japanese:
            return story_ja.review_story(story, request.theme)
        return review_story(story, request.theme, examples)

    def score(story: Story) -> float:
        fit = story_ja.score_story(story, request.theme) if in_japanese else score_story(story, request.theme)
        return fit + (focus.relevance_bonus(request.theme, story_text(story)) if theme_focus else 0.0)

    def mended(story: Story) -> bool:
        return focus.clears_the_bar(request.theme, focus.STORY_RELEVANCE, story_text(story))

    task = AgentTask(
        agent=AGENT,
        prompt=prompt,
        cue="" if chat else story_ja.CUE if in_japanese else "Story:",
        system=render("story_system.txt") if chat else None,
        fixed_chars=fixed_length(template),
        schema=story_schema(beats, story_ja.TITLE_LENGTH) if in_japanese else story_schema(beats, whole_sentences=chat),
        parse=parse,
        score=score,
        review=review,
        max_tokens=(90 + 70 * beats) if in_japanese else (60 + 50 * beats),
        good_enough=focus.good_enough(GOOD_STORY, theme_focus),
        enough=mended if theme_focus else None,
        temperature=0.7,
    )
    count = focus.candidate_count(candidates, theme_focus)
    story = run_agent(llm, task, seed=request.seed, candidates=count, log=log)
    if theme_focus and current is not None and task.score(current) > task.score(story):
        return current
    return story
