"""The storyboard agent: one shot per few seconds, each filming one story beat in a place of the theme.

A base model is asked for shots one at a time (the few-shot prefix stays cached, so each call only reads the new lines),
with the grammar's enums narrowed to what the theme implies and the mood to what the beat's part of the story
allows. The kind of place of every shot is planned first (agents/place_plan.py) and fed ahead of the location, so
the model names a spot of that kind; a location whose words name another kind is asked for again once, and the
painted kind always agrees with the location's words in the end. Weather and time-of-day continuity, camera
variety and durations are settled deterministically after the model answers. An instruct model plans
the whole storyboard in one call (agents/storyboard_chat.py).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from personavlog.agents import storyboard_chat as chat_form
from personavlog.agents.base import (
    AgentCallLog,
    AgentTask,
    closed_object,
    example_shingles,
    fixed_length,
    notes_block,
    notes_for_shot,
    render,
    run_agent,
    speaks_chat,
)
from personavlog.agents.hints import allowed_times, allowed_weather, implied_places
from personavlog.agents.place_plan import opening, plan_places
from personavlog.agents.shot_draft import ShotDraft, parse_shot
from personavlog.agents.story import PARTS, beat_index
from personavlog.agents.text import (
    copies_from,
    keyword_coverage,
    keywords,
    similarity,
)
from personavlog.errors import StageError
from personavlog.llm.base import OPENS_KEY, LLMClient
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    PersonaProfile,
    Shot,
    Story,
    Storyboard,
    TimeOfDay,
    VlogRequest,
)

AGENT = "storyboard"
SECONDS_PER_SHOT = 6.0
MIN_SHOT_S = 3.0
MIN_SHOTS, MAX_SHOTS = 3, 24
FIRST_SHOT = "nothing, this is the first shot"


def shot_count(duration_s: float) -> int:
    """About one shot per 6 s, at least 3 and at most 24 (never so many that a shot is shorter than 3 s)."""
    count = round(duration_s / SECONDS_PER_SHOT)
    return max(MIN_SHOTS, min(MAX_SHOTS, count, int(duration_s // MIN_SHOT_S)))


# Moods that fit each part of a story (see story.PARTS): an opening is rarely tense, a turn rarely calm.
_MOODS_FOR_PART: dict[str, tuple[Mood, ...]] = {
    "opening": (Mood.CALM, Mood.HOPEFUL, Mood.JOYFUL, Mood.NOSTALGIC, Mood.PLAYFUL, Mood.ROMANTIC, Mood.ENERGETIC),
    "turn": (Mood.TENSE, Mood.ENERGETIC, Mood.PLAYFUL, Mood.MELANCHOLIC, Mood.JOYFUL, Mood.ROMANTIC, Mood.HOPEFUL),
    "climax": (Mood.ENERGETIC, Mood.TENSE, Mood.JOYFUL, Mood.PLAYFUL, Mood.ROMANTIC, Mood.HOPEFUL),
    "ending": (Mood.JOYFUL, Mood.HOPEFUL, Mood.CALM, Mood.NOSTALGIC, Mood.ROMANTIC, Mood.MELANCHOLIC),
}


def story_part(story: Story, beat_index: int) -> str:
    parts = PARTS.get(len(story.beats))
    if parts:
        return parts[beat_index]
    position = beat_index / max(1, len(story.beats) - 1)
    return "opening" if position == 0 else "ending" if position == 1 else "turn" if position >= 0.5 else "moment"


def shot_schema(theme: str, kind: LocationKind, part: str = "moment", opens_with: str | None = None) -> dict[str, Any]:
    """A shot's JSON: its kind of place first, fed (one value), so its location is written knowing it; the location
    opens with `opens_with` when given (see place_plan.OPENINGS)."""

    def enum(values: Sequence[str]) -> dict[str, Any]:
        return {"type": "string", "enum": [str(v) for v in values]}

    location: dict[str, Any] = {"type": "string", "minLength": 8, "maxLength": 70}
    if opens_with:
        location[OPENS_KEY] = opens_with
    properties = {
        "location_kind": enum([kind]),
        "location": location,
        "time_of_day": enum(allowed_times(theme)),
        "weather": enum(allowed_weather(theme)),
        "action": {"type": "string", "minLength": 8, "maxLength": 90},
        "camera": enum(list(CameraMove)),
        "framing": enum(list(Framing)),
        "mood": enum(_MOODS_FOR_PART.get(part, tuple(Mood))),
    }
    return closed_object(properties)


def review_shot(
    draft: ShotDraft, theme: str, beat: str, previous: ShotDraft | None, examples: set[tuple[str, ...]]
) -> str | None:
    """A shot should stay in the theme's world, be in its planned kind of place, film its beat, and be its own
    (not an example's)."""
    for name in ("location", "action"):
        if copies_from(getattr(draft, name), examples):
            return f"{name} copies an example; describe this theme's own place and action"
    named = chat_form.contradiction(draft.location, draft.location_kind, draft.action)
    if named is not None:
        planned, written = (str(k).replace("_", " ") for k in (draft.location_kind, named))
        return f"its location must be a {planned}, not a {written}"
    text = f"{draft.location} {draft.action}"
    if keyword_coverage(keywords(theme), text) == 0 and keyword_coverage(keywords(beat), text) == 0:
        return f"the shot must film this beat of {theme}: {beat}"
    if previous is not None and similarity(draft.action, previous.action) >= 0.6:
        return "the action is almost the same as the shot before; show the next moment"
    return None


def score_shot(draft: ShotDraft, theme: str, beat: str, previous: ShotDraft | None) -> float:
    """Theme words in the place, beat words in the action, a new camera move, and a location whose words name
    the planned kind of place (rather than another one)."""
    score = keyword_coverage(keywords(theme), f"{draft.location} {draft.action}")
    named = implied_places(draft.location, draft.action)
    if named:
        score += 0.5 if draft.location_kind in named else -0.5
    score += keyword_coverage(keywords(beat)[:6], draft.action)
    if previous is None or draft.camera != previous.camera:
        score += 0.5
    return score


# Moves that suit each framing, most natural first; used to repair repeated cameras.
_CAMERAS_FOR: dict[Framing, tuple[CameraMove, ...]] = {
    Framing.WIDE: (
        CameraMove.PAN_RIGHT,
        CameraMove.PULL_OUT,
        CameraMove.TILT_UP,
        CameraMove.PAN_LEFT,
        CameraMove.ORBIT,
        CameraMove.STATIC,
    ),
    Framing.MEDIUM: (
        CameraMove.HANDHELD,
        CameraMove.PUSH_IN,
        CameraMove.ORBIT,
        CameraMove.PAN_LEFT,
        CameraMove.STATIC,
        CameraMove.TILT_DOWN,
    ),
    Framing.CLOSE_UP: (
        CameraMove.PUSH_IN,
        CameraMove.STATIC,
        CameraMove.HANDHELD,
        CameraMove.TILT_DOWN,
        CameraMove.PULL_OUT,
    ),
}
_NEXT_FRAMING = {Framing.WIDE: Framing.MEDIUM, Framing.MEDIUM: Framing.CLOSE_UP, Framing.CLOSE_UP: Framing.WIDE}


def vary_shots(drafts: list[ShotDraft]) -> list[ShotDraft]:
    """No camera move twice in a row and no framing three times in a row; changes as little as possible."""
    varied: list[ShotDraft] = []
    for index, draft in enumerate(drafts):
        framing = draft.framing
        if index >= 2 and varied[-1].framing == varied[-2].framing == framing:
            framing = _NEXT_FRAMING[framing]
        camera = draft.camera
        previous = varied[-1].camera if varied else None
        if camera == previous:
            following = drafts[index + 1].camera if index + 1 < len(drafts) else None
            camera = next(c for c in (*_CAMERAS_FOR[framing], *CameraMove) if c not in (previous, following))
        varied.append(draft.model_copy(update={"framing": framing, "camera": camera}))
    return varied


_TIME_ORDER = list(TimeOfDay)


def settle_continuity(drafts: list[ShotDraft]) -> list[ShotDraft]:
    """One weather for the whole vlog (the one most shots chose) and a clock that never runs backwards."""
    weather = Counter(d.weather for d in drafts).most_common(1)[0][0]
    settled: list[ShotDraft] = []
    latest = 0
    for draft in drafts:
        latest = max(latest, _TIME_ORDER.index(draft.time_of_day))
        settled.append(draft.model_copy(update={"weather": weather, "time_of_day": _TIME_ORDER[latest]}))
    return settled


_FRAMING_WEIGHT = {Framing.WIDE: 1.2, Framing.MEDIUM: 1.0, Framing.CLOSE_UP: 0.85}
_SLOW_MOODS = {Mood.CALM, Mood.NOSTALGIC, Mood.MELANCHOLIC, Mood.ROMANTIC}
_FAST_MOODS = {Mood.ENERGETIC, Mood.TENSE, Mood.PLAYFUL}


def shot_durations(drafts: Sequence[ShotDraft], total_s: float) -> list[float]:
    """Split `total_s` over the shots: wide and calm shots linger, close and energetic ones are brisk.

    Every shot gets at least MIN_SHOT_S; values are rounded to 1/100 s and sum exactly to `total_s`.
    """
    weights = []
    for draft in drafts:
        weight = _FRAMING_WEIGHT[draft.framing]
        weight *= 1.1 if draft.mood in _SLOW_MOODS else 0.9 if draft.mood in _FAST_MOODS else 1.0
        weights.append(weight)
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        left = total_s - sum(fixed.values())
        share = sum(weights[i] for i in free)
        durations = {i: left * weights[i] / share for i in free}
        short = [i for i, d in durations.items() if d < MIN_SHOT_S]
        if not short:
            break
        fixed.update({i: MIN_SHOT_S for i in short})
    durations.update(fixed)
    rounded = [round(durations[i], 2) for i in range(len(weights))]
    longest = max(range(len(rounded)), key=rounded.__getitem__)
    rounded[longest] = round(total_s - sum(d for i, d in enumerate(rounded) if i != longest), 2)
    return rounded


def _draft_shot(
    llm: LLMClient,
    request: VlogRequest,
    story: Story,
    index: int,
    count: int,
    kinds: Sequence[LocationKind],
    previous: ShotDraft | None,
    feedback: Sequence[str],
    shot_id: int,
    *,
    candidates: int,
    log: AgentCallLog | None,
) -> ShotDraft:
    """Shot `index`, in kinds[index], the kind of place planned for it (`kinds`: every shot's)."""
    part = beat_index(index, count, len(story.beats))
    beat = story.beats[part]
    examples = example_shingles("storyboard.txt", request.theme)
    before = previous.location if previous else FIRST_SHOT
    notes = notes_block(notes_for_shot(feedback, shot_id))
    task = AgentTask(
        agent=AGENT,
        prompt=render("storyboard.txt", theme=request.theme, beat=beat, before=before, notes=notes),
        fixed_chars=fixed_length("storyboard.txt"),
        cue="Shot:",
        schema=shot_schema(request.theme, kinds[index], story_part(story, part), opening(request.theme, kinds, index)),
        parse=lambda data: parse_shot(data, previous),
        score=lambda draft: score_shot(draft, request.theme, beat, previous),
        review=lambda draft: review_shot(draft, request.theme, beat, previous, examples),
        max_tokens=110,
        temperature=0.6,
        good_enough=1.2,
    )
    return run_agent(llm, task, seed=request.seed, candidates=candidates, log=log, salt=index)


def place_as_written(draft: ShotDraft) -> ShotDraft:
    """The painted kind of place follows the shot's own words: "a forest path" is never a city street."""
    named = chat_form.contradiction(draft.location, draft.location_kind, draft.action)
    return draft if named is None else draft.model_copy(update={"location_kind": named})


def _kind_for_redo(shot: Shot, notes: Sequence[str]) -> LocationKind:
    """A shot written again stays in its kind of place, unless its notes name another ("move it to the beach")."""
    named = implied_places(" ".join(notes))
    return shot.location_kind if not named or shot.location_kind in named else named[0]


def _as_draft(shot: Shot) -> ShotDraft:
    return ShotDraft.model_validate(shot.model_dump(exclude={"id", "duration_s"}))


def write_storyboard(
    llm: LLMClient,
    request: VlogRequest,
    persona: PersonaProfile,
    story: Story,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
    shot_ids: Collection[int] | None = None,
    current: Storyboard | None = None,
) -> Storyboard:
    """Shots that film `story`'s beats in order; their durations sum to `request.duration_s`.

    With `shot_ids` (and the `current` storyboard), only those shots are written again: every other shot, and
    every duration, stays exactly as it is in `current`.
    """
    del persona  # the person is the same in every shot; places and actions come from the theme and the story
    if shot_ids is not None:
        if current is None:
            raise ValueError("rewriting some shots needs the current storyboard")
        return _redo_shots(llm, request, story, current, set(shot_ids), feedback, candidates=candidates, log=log)
    count = shot_count(request.duration_s)
    drafts: list[ShotDraft] = []
    if speaks_chat(llm):
        # One candidate: the whole storyboard is one long answer, and its review already asks again once.
        task = chat_form.storyboard_task(request, story, count, feedback)
        with contextlib.suppress(StageError):  # no valid storyboard at all: ask shot by shot instead
            drafts = run_agent(llm, task, seed=request.seed, candidates=1, log=log)
    if not drafts:
        kinds = plan_places(request.theme, story, count)
        for index in range(count):
            previous = drafts[-1] if drafts else None
            drafts.append(
                _draft_shot(
                    llm, request, story, index, count, kinds, previous, feedback, index + 1,
                    candidates=candidates, log=log,
                )
            )  # fmt: skip
    drafts = [place_as_written(draft) for draft in drafts]
    drafts = vary_shots(settle_continuity(drafts))
    durations = shot_durations(drafts, request.duration_s)
    shots = [
        Shot(id=i + 1, duration_s=d, **draft.model_dump())
        for i, (draft, d) in enumerate(zip(drafts, durations, strict=True))
    ]
    return Storyboard(shots=shots)


def _redo_shots(
    llm: LLMClient,
    request: VlogRequest,
    story: Story,
    current: Storyboard,
    shot_ids: set[int],
    feedback: Sequence[str],
    *,
    candidates: int,
    log: AgentCallLog | None,
) -> Storyboard:
    shots = list(current.shots)
    count = len(shots)
    for index, shot in enumerate(shots):
        if shot.id not in shot_ids:
            continue
        previous = _as_draft(shots[index - 1]) if index > 0 else None
        if speaks_chat(llm):
            current_drafts = [_as_draft(s) for s in shots]
            task = chat_form.redo_task(request, story, current_drafts, index, feedback, shot.id)
            draft = run_agent(llm, task, seed=request.seed, candidates=candidates, log=log, salt=index)
        else:
            kinds = [s.location_kind for s in shots]
            kinds[index] = _kind_for_redo(shot, notes_for_shot(feedback, shot.id))
            draft = _draft_shot(
                llm, request, story, index, count, kinds, previous, feedback, shot.id,
                candidates=candidates, log=log,
            )  # fmt: skip
        draft = place_as_written(draft)
        neighbours = {s.camera for s in shots[max(0, index - 1) : index + 2] if s.id != shot.id}
        if draft.camera in neighbours:
            camera = next(c for c in (*_CAMERAS_FOR[draft.framing], *CameraMove) if c not in neighbours)
            draft = draft.model_copy(update={"camera": camera})
        shots[index] = Shot(id=shot.id, duration_s=shot.duration_s, **draft.model_dump())
    return Storyboard(shots=shots)
