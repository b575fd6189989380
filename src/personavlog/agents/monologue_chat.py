"""The monologue agent's instruct-model form: every line asked for in one call that sees the whole vlog.

A base model writes one line per call with few-shot examples (agents/monologue.py); an instruct model reads the
story and every shot, and writes the lines as one train of thought, each sized to its shot. A redo asks for the
chosen shots' lines alone, with the other lines as the context they follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from personavlog.agents.base import AgentTask, closed_object, fixed_length, notes_block, render
from personavlog.agents.text import copies_from, parrots, shingles
from personavlog.llm.base import ENDS_KEY
from personavlog.schema import Shot, Story, VlogRequest

AGENT = "monologue"
CHARACTERS_PER_WORD = 6.0
"""A word and its space in English, on average: a line of `high` words ends near high × 6 characters."""


def _key(shot: Shot) -> str:
    return f"shot_{shot.id}"


def lines_schema(shots: Sequence[Shot], budgets: dict[int, tuple[int, int, int]]) -> dict[str, Any]:
    """Per shot, its moment (fed, not written: each line starts from its own shot) and the line."""
    properties = {
        _key(shot): {
            "type": "object",
            "properties": {
                "moment": {"const": f"{shot.location}: {shot.action}"},
                "line": {
                    "type": "string",
                    "minLength": int(budgets[shot.id][1] * 4.5),
                    "maxLength": int(budgets[shot.id][2] * CHARACTERS_PER_WORD),
                    ENDS_KEY: "sentence",
                },
            },
            "required": ["moment", "line"],
            "additionalProperties": False,
        }
        for shot in shots
    }
    return closed_object(properties)


def _shot_lines(
    shots: Sequence[Shot], wanted: set[int], kept: dict[int, str], budgets: dict[int, tuple[int, int, int]]
) -> str:
    rows = []
    for shot in shots:
        row = f"- shot {shot.id} ({shot.mood}), at {shot.location}: {shot.action}"
        if shot.id in wanted:
            row += f"; about {budgets[shot.id][0]} words"
        elif kept.get(shot.id):
            row += f'; the person thinks: "{kept[shot.id]}"'
        rows.append(row)
    return "\n".join(rows)


def review_parroting(texts: Sequence[str], theme: str) -> str | None:
    """More than one line that repeats the theme's phrase reads as a slogan, not as a person's thoughts."""
    copying = sum(parrots(text, theme) for text in texts)
    if copying > 1:
        return f"{copying} lines repeat the words '{theme}'; live it instead: what you see, do and feel in each shot"
    return None


def monologue_task(
    request: VlogRequest,
    story: Story,
    shots: Sequence[Shot],
    wanted: Sequence[Shot],
    kept: dict[int, str],
    budgets: dict[int, tuple[int, int, int]],
    feedback: Sequence[str],
    parse_one: Callable[[str, int, list[str]], str],
    review_one: Callable[[str, int, list[str]], str | None],
    score_all: Callable[[dict[int, str]], float],
) -> AgentTask[dict[int, str]]:
    """The lines of the `wanted` shots, by shot id; `kept` holds the other shots' lines, which stay.

    `parse_one(text, shot id, the other lines)` validates one line (raising ValueError), `review_one(text, shot id,
    the lines before it)` objects to one, and `score_all` rates a whole answer.
    """
    wanted_ids = {shot.id for shot in wanted}
    which = "every shot" if len(wanted) == len(shots) else "shot " + ", ".join(str(s.id) for s in wanted)

    def parse(data: dict[str, Any]) -> dict[int, str]:
        written: dict[int, str] = {}
        for shot in wanted:
            others = [t for sid, t in {**kept, **written}.items() if t and sid != shot.id]
            try:
                answer = data.get(_key(shot))
                text = str(answer.get("line", "")) if isinstance(answer, dict) else ""
                written[shot.id] = parse_one(text, shot.id, others)
            except ValueError as exc:
                raise ValueError(f"shot {shot.id}: {exc}") from None
        return written

    def review(written: dict[int, str]) -> str | None:
        texts = [written.get(shot.id, kept.get(shot.id, "")) for shot in shots]
        for index, shot in enumerate(shots):
            if shot.id in written:
                note = review_one(written[shot.id], shot.id, [t for t in texts[:index] if t])
                if note:
                    return f"shot {shot.id}: {note}"
        story_runs = set().union(*(shingles(beat, 5) for beat in story.beats))
        for shot in wanted:
            if copies_from(written[shot.id], story_runs, 5):
                return f"shot {shot.id}: the line repeats the story; say what goes through the person's mind"
        return review_parroting([t for t in texts if t], request.theme)

    prompt = render(
        "monologue_chat.txt",
        theme=request.theme,
        story=" ".join(story.beats),
        shots=_shot_lines(shots, wanted_ids, kept, budgets),
        which=which,
        notes=notes_block(feedback),
    )
    words = sum(budgets[shot.id][2] for shot in wanted)
    return AgentTask(
        agent=AGENT,
        prompt=prompt,
        cue="",
        system=render("monologue_system.txt"),
        fixed_chars=fixed_length("monologue_chat.txt"),
        schema=lines_schema(wanted, budgets),
        parse=parse,
        review=review,
        score=score_all,
        max_tokens=int(words * 2.2) + 45 * len(wanted),  # room for the fed moments' keys and a sentence's end
        temperature=0.7,
    )
