"""The storyboard agent's instruct-model form: the whole storyboard in one call that sees the whole story.

A base model is asked shot by shot with few-shot examples (agents/storyboard.py); an instruct model reads the
story once and plans every shot together, so that the vlog moves through several places and no action repeats.
A redo of some shots asks for those shots alone, with the rest of the storyboard as their context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from personavlog.agents.base import AgentTask, closed_object, fixed_length, notes_block, notes_for_shot, render
from personavlog.agents.hints import allowed_times, allowed_weather, implied_places
from personavlog.agents.place_plan import opening, places_wanted, plan_places
from personavlog.agents.shot_draft import ShotDraft, parse_shot
from personavlog.agents.story import beat_index
from personavlog.agents.text import keyword_coverage, keywords, normalised, similarity
from personavlog.llm.base import OPENS_KEY
from personavlog.schema import CameraMove, Framing, LocationKind, Mood, Story, VlogRequest

AGENT = "storyboard"
KIND_MEANINGS = {
    LocationKind.CITY_STREET: "a street, square or quay of a town",
    LocationKind.CAFE: "inside a café, bar or restaurant",
    LocationKind.HOME: "a room of a home",
    LocationKind.BEACH: "a beach or the seaside",
    LocationKind.FOREST: "a forest or woods",
    LocationKind.MOUNTAINS: "mountains, a trail or a peak",
    LocationKind.LAKE: "a lake or a river bank",
    LocationKind.DESERT: "a desert",
    LocationKind.SNOWY_VILLAGE: "a village or town in snow",
    LocationKind.NIGHT_MARKET: "a street market or food stalls",
    LocationKind.TRANSIT: "a train, bus, station or airport",
    LocationKind.PARK: "a park or garden",
    LocationKind.OFFICE: "an office or workplace",
    LocationKind.STAGE: "a stage or concert hall",
}


def _enum(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in values]}


def chat_shot_schema(theme: str, beat: str | None = None, opens_with: str | None = None) -> dict[str, Any]:
    """One shot; the location is written before its kind, so the kind is chosen knowing the place.

    With `beat`, the shot opens with the story sentence it films, fed rather than written: each shot's answer
    then starts from its own moment of the story instead of from the shot before it. With `opens_with`, its
    location opens with those words (a kind of place the place plan moved it to; see storyboard.shot_schema).
    """
    properties: dict[str, Any] = {"films": {"const": beat}} if beat else {}
    location: dict[str, Any] = {"type": "string", "minLength": 8, "maxLength": 70}
    if opens_with:
        location[OPENS_KEY] = opens_with
    properties |= {
        "location": location,
        "location_kind": _enum(list(LocationKind)),
        "action": {"type": "string", "minLength": 8, "maxLength": 90},
        "time_of_day": _enum(allowed_times(theme)),
        "weather": _enum(allowed_weather(theme)),
        "camera": _enum(list(CameraMove)),
        "framing": _enum(list(Framing)),
        "mood": _enum(list(Mood)),
    }
    return closed_object(properties)


def moments(story: Story, count: int) -> list[str]:
    """What each shot films: its story sentence; a second shot of one sentence is told to find a new spot."""
    films = []
    for index in range(count):
        part = beat_index(index, count, len(story.beats))
        again = index > 0 and beat_index(index - 1, count, len(story.beats)) == part
        films.append(f"what happens next, after: {story.beats[part]}" if again else story.beats[part])
    return films


def storyboard_schema(theme: str, story: Story, count: int) -> dict[str, Any]:
    """Every shot; a shot the place plan moves away from the theme's own place has its location opened with
    words of its planned kind (as the base model's are), so the vlog passes through the kinds it plans."""
    kinds = plan_places(theme, story, count)
    properties = {
        f"shot_{index + 1}": chat_shot_schema(theme, moment, opening(theme, kinds, index))
        for index, moment in enumerate(moments(story, count))
    }
    return closed_object(properties)


def contradiction(location: str, kind: LocationKind, action: str = "") -> LocationKind | None:
    """The kind a shot's words name when `kind` is none of them ("a forest path" filed as city_street)."""
    named = implied_places(location, action)
    return named[0] if named and kind not in named else None


def review_storyboard(drafts: Sequence[ShotDraft], theme: str) -> str | None:
    """A storyboard must move: no repeated place or action, several kinds of place, kinds that match their places.

    (A kind that contradicts its location is also repaired after the answer; asking again lets the model choose.)
    """
    for index, draft in enumerate(drafts):
        for other in range(index):
            if normalised(drafts[other].location) == normalised(draft.location):
                return f"shots {other + 1} and {index + 1} have the same location; move the story somewhere new"
            if similarity(drafts[other].action, draft.action) >= 0.6:
                return f"shots {other + 1} and {index + 1} have almost the same action; show the next moment"
    wanted = places_wanted(len(drafts))
    kinds = {draft.location_kind for draft in drafts}
    if len(kinds) < wanted:
        return f"every shot is in {' or '.join(sorted(kinds))}; pass through {wanted} different kinds of place"
    for index, draft in enumerate(drafts, 1):
        named = contradiction(draft.location, draft.location_kind, draft.action)
        if named is not None:
            return f"shot {index}: {draft.location!r} is {named}, not {draft.location_kind}"
    return None


def score_storyboard(drafts: Sequence[ShotDraft], theme: str, story: Story) -> float:
    """Kinds of place (up to the wanted number), and the theme and each shot's beat in its place and action."""
    wanted = places_wanted(len(drafts))
    score = min(wanted, len({d.location_kind for d in drafts})) / wanted
    theme_keys = keywords(theme)
    for index, draft in enumerate(drafts):
        beat = story.beats[beat_index(index, len(drafts), len(story.beats))]
        text = f"{draft.location} {draft.action}"
        score += (keyword_coverage(theme_keys, text) + keyword_coverage(keywords(beat)[:6], text)) / len(drafts)
    return score


def _plan_lines(story: Story, count: int) -> str:
    return "\n".join(
        f"- shot {index + 1} films sentence {beat_index(index, count, len(story.beats)) + 1}" for index in range(count)
    )


def _story_lines(story: Story) -> str:
    return "\n".join(f"{index}. {beat}" for index, beat in enumerate(story.beats, 1))


def _kinds() -> str:
    return "; ".join(f"{kind} ({meaning})" for kind, meaning in KIND_MEANINGS.items())


def parse_storyboard(data: dict[str, Any], count: int) -> list[ShotDraft]:
    drafts: list[ShotDraft] = []
    for index in range(1, count + 1):
        shot = data.get(f"shot_{index}")
        if not isinstance(shot, dict):
            raise ValueError(f"write shot {index}")
        fields = {key: value for key, value in shot.items() if key != "films"}
        try:
            # Repeated actions are the review's to send back: one weak shot must not void the whole storyboard.
            drafts.append(parse_shot(fields, None))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError too
            raise ValueError(f"shot {index}: {exc}") from None
    return drafts


def storyboard_task(
    request: VlogRequest, story: Story, count: int, feedback: Sequence[str]
) -> AgentTask[list[ShotDraft]]:
    """All `count` shots in one call."""
    wanted = places_wanted(count)
    prompt = render(
        "storyboard_chat.txt",
        theme=request.theme,
        story=_story_lines(story),
        count=f"{count} shots, in order",
        plan=_plan_lines(story, count),
        kinds=_kinds(),
        moves=(
            f"The vlog moves: the shots pass through at least {wanted} different kinds of place, no two shots have "
            "the same location, and no action repeats."
        ),
        notes=notes_block(feedback),
    )
    return AgentTask(
        agent=AGENT,
        prompt=prompt,
        cue="",
        system=render("storyboard_system.txt"),
        fixed_chars=fixed_length("storyboard_chat.txt"),
        schema=storyboard_schema(request.theme, story, count),
        parse=lambda data: parse_storyboard(data, count),
        score=lambda drafts: score_storyboard(drafts, request.theme, story),
        review=lambda drafts: review_storyboard(drafts, request.theme),
        max_tokens=80 * count + 40,
        temperature=0.6,
        good_enough=1.6,
    )


def redo_task(
    request: VlogRequest,
    story: Story,
    current: Sequence[ShotDraft],
    index: int,
    feedback: Sequence[str],
    shot_id: int,
) -> AgentTask[ShotDraft]:
    """Shot `index` again, seeing the storyboard's other shots (which stay as they are)."""
    count = len(current)
    others = "\n".join(
        f"- shot {i + 1}: {draft.location}; {draft.action}" for i, draft in enumerate(current) if i != index
    )
    beat = story.beats[beat_index(index, count, len(story.beats))]
    previous = current[index - 1] if index > 0 else None

    def review(draft: ShotDraft) -> str | None:
        named = contradiction(draft.location, draft.location_kind, draft.action)
        if named is not None:
            return f"{draft.location!r} is {named}, not {draft.location_kind}"
        if any(normalised(o.location) == normalised(draft.location) for i, o in enumerate(current) if i != index):
            return "another shot has the same location; choose a new place"
        return None

    prompt = render(
        "storyboard_chat.txt",
        theme=request.theme,
        story=_story_lines(story),
        count=f"shot {index + 1} again",
        plan=f"- shot {index + 1} films: {beat}\nThe other shots stay as they are:\n{others}",
        kinds=_kinds(),
        moves="Its location and action differ from those of the other shots.",
        notes=notes_block(notes_for_shot(feedback, shot_id)),
    )
    return AgentTask(
        agent=AGENT,
        prompt=prompt,
        cue="",
        system=render("storyboard_system.txt"),
        fixed_chars=fixed_length("storyboard_chat.txt"),
        schema=chat_shot_schema(request.theme, beat),
        parse=lambda data: parse_shot({k: v for k, v in data.items() if k != "films"}, previous),
        review=review,
        max_tokens=120,
        temperature=0.6,
    )
