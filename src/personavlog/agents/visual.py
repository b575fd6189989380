"""The visual agent: a keyframe prompt and a motion prompt per shot.

The model adds what is in the frame besides the person (details) and what moves (motion), one shot per call
for a base model and every shot in one call for an instruct model; the prompts are then assembled so that the
persona's description appears verbatim in every keyframe prompt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from typing import Any

from personavlog.agents.base import (
    AgentCallLog,
    AgentTask,
    closed_object,
    example_shingles,
    fixed_length,
    load_template,
    notes_block,
    notes_for_shot,
    render,
    run_agent,
    speaks_chat,
)
from personavlog.agents.text import (
    clean_text,
    copies_from,
    keyword_coverage,
    keywords,
    normalised,
    tidy_phrase,
    word_count,
)
from personavlog.llm.base import LLMClient
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    PersonaProfile,
    Shot,
    ShotVisual,
    Storyboard,
    TimeOfDay,
    VlogRequest,
    Weather,
)

AGENT = "visual"

_STYLE_WORDS = {
    "cinematic": "cinematic film still, dramatic lighting, shallow depth of field",
    "watercolor": "watercolor painting, soft washes, visible paper texture",
    "oil painting": "oil painting on canvas, soft blended brush strokes, warm earth colours",
    "pastel": "soft pastel drawing, broken colour, gentle light",
    "ink": "ink drawing, dark lines and hatching over a pale wash",
    "anime": "anime illustration, cel shading, clean line art",
    "film 35mm": "35mm film photograph, film grain, natural colours",
    "documentary": "documentary photograph, natural light, candid moment",
}
_DRAWN = re.compile(
    r"\b(?:watercolou?r|anime|cartoon|illustration|painting|sketch|comic|pixel|oil|pastel|ink)", re.IGNORECASE
)
"""Styles of drawn pictures: words that begin so (an ink drawing, paintings; not pink or thinking)."""
_NEGATIVE = "blurry, low quality, deformed face, extra limbs, extra fingers, duplicate person, text, watermark, logo"
_FRAMING_WORDS = {Framing.CLOSE_UP: "close-up", Framing.MEDIUM: "medium shot", Framing.WIDE: "wide shot"}
_TIME_WORDS = {
    TimeOfDay.DAWN: "at dawn, soft early light",
    TimeOfDay.DAY: "in daylight",
    TimeOfDay.GOLDEN_HOUR: "at golden hour, warm low sun",
    TimeOfDay.DUSK: "at dusk, blue hour light",
    TimeOfDay.NIGHT: "at night, lit by artificial lights",
}
_WEATHER_WORDS = {
    Weather.CLEAR: "clear sky",
    Weather.CLOUDS: "overcast sky",
    Weather.RAIN: "rain falling, wet reflective surfaces",
    Weather.SNOW: "snow falling, snow on the ground",
    Weather.FOG: "thick fog, hazy air",
    Weather.WIND: "strong wind, moving hair and clothes",
}
_CAMERA_WORDS = {
    CameraMove.STATIC: "static camera",
    CameraMove.PUSH_IN: "slow push in",
    CameraMove.PULL_OUT: "slow pull out",
    CameraMove.PAN_LEFT: "camera pans left",
    CameraMove.PAN_RIGHT: "camera pans right",
    CameraMove.TILT_UP: "camera tilts up",
    CameraMove.TILT_DOWN: "camera tilts down",
    CameraMove.HANDHELD: "handheld camera, slight shake",
    CameraMove.ORBIT: "camera orbits around the subject",
}
_PLACE_DETAILS = {
    LocationKind.CITY_STREET: "shop fronts, street lamps, parked bicycles",
    LocationKind.CAFE: "small tables, steaming cups, a chalkboard menu",
    LocationKind.HOME: "a sofa, bookshelves, a window with curtains",
    LocationKind.BEACH: "waves on the sand, distant boats, dune grass",
    LocationKind.FOREST: "tall trees, ferns, a winding path",
    LocationKind.MOUNTAINS: "rocky peaks, a trail, pine trees",
    LocationKind.LAKE: "calm water, a wooden jetty, reeds",
    LocationKind.DESERT: "sand dunes, dry shrubs, a long horizon",
    LocationKind.SNOWY_VILLAGE: "wooden houses, snowy roofs, warm windows",
    LocationKind.NIGHT_MARKET: "food stalls, hanging lights, steam from woks",
    LocationKind.TRANSIT: "train windows, seats, a passing platform",
    LocationKind.PARK: "lawns, benches, trees along a path",
    LocationKind.OFFICE: "desks, monitors, a tall window",
    LocationKind.STAGE: "spotlights, a microphone stand, dark curtains",
}
_WEATHER_MOTION = {
    Weather.CLEAR: "light shifting softly across the scene",
    Weather.CLOUDS: "clouds drifting slowly overhead",
    Weather.RAIN: "rain falling and rippling in puddles",
    Weather.SNOW: "snowflakes drifting down slowly",
    Weather.FOG: "fog drifting slowly through the scene",
    Weather.WIND: "leaves and branches swaying in the wind",
}
_PEOPLE = re.compile(
    r"\b(?:woman|man|person|girl|boy|lady|guy|she|he|her|his|i|me|my|hair|wearing|dressed|eyes|face|lips|lipstick|"
    r"smile|skin|beard|jacket|coat|shirt|dress|sweater|hoodie|glasses)\b",
    re.IGNORECASE,
)

VISUAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "details": {"type": "string", "minLength": 10, "maxLength": 90},
        "motion": {"type": "string", "minLength": 8, "maxLength": 90},
    },
    "required": ["details", "motion"],
    "additionalProperties": False,
}


def style_words(style: str) -> str:
    return _STYLE_WORDS.get(style, f"{style} style")


def negative_prompt(style: str) -> str:
    drawn = _DRAWN.search(style) is not None
    return f"{_NEGATIVE}, {'photo, photorealistic' if drawn else 'cartoon, illustration, 3d render'}"


def _phrase(text: str) -> str:
    """A fragment to embed in a comma-separated prompt."""
    return clean_text(text).rstrip(".!?")


def keyframe_prompt(persona: PersonaProfile, shot: Shot, details: str, style: str) -> str:
    parts = [
        f"{_FRAMING_WORDS[shot.framing]} of {persona.description}",
        shot.action,
        shot.location,
        details,
        _TIME_WORDS[shot.time_of_day],
        _WEATHER_WORDS[shot.weather],
        f"{shot.mood} mood",
        style_words(style),
    ]
    return ", ".join(part for part in parts if part)


def motion_prompt(shot: Shot, motion: str) -> str:
    return f"{_CAMERA_WORDS[shot.camera]}, {motion}"


_EXAMPLE_CLAUSES = frozenset(
    normalised(clause)
    for answer in re.findall(r'"(?:details|motion)": "([^"]+)"', load_template("visual.txt").template)
    for clause in answer.split(",")
)


_JOINS = re.compile(r"\s+(?:and|while|as|then|so)\s+|[;()]", re.IGNORECASE)


def _own_clauses(text: str) -> str:
    """Drop the clauses that describe a person (the persona's description is the only one in the prompt) and
    those copied word for word from an example (a small model loves "red paper lanterns").

    A clause that names a person is split at its joins first, so that "rain drips from the awning and wets my
    feet" keeps "rain drips from the awning"."""
    kept = []
    for clause in text.split(","):
        parts = _JOINS.split(clause) if _PEOPLE.search(clause) else [clause]
        kept += [part for part in parts if not _PEOPLE.search(part) and normalised(part) not in _EXAMPLE_CLAUSES]
    return ", ".join(part.strip() for part in kept if part.strip())


def parse_visual(data: dict[str, Any], still_motion: str | None = None) -> tuple[str, str]:
    """Details and motion from an answer. A motion that only moved the person (who is animated from the action,
    not from this prompt) becomes `still_motion`, what moves around anyone in that weather, when one is given."""
    details = tidy_phrase(_own_clauses(_phrase(str(data.get("details", "")))), 16)
    written = _phrase(str(data.get("motion", "")))
    motion = tidy_phrase(_own_clauses(written), 14)
    if word_count(details) < 3:
        raise ValueError("details are too short; name a few things in the frame, not the person")
    if word_count(motion) < 3:
        if still_motion is None or word_count(written) < 3:
            raise ValueError("motion is too short; say what moves around the person: light, weather, things")
        motion = still_motion
    return details, motion


def plan_visual(shot: Shot) -> tuple[str, str]:
    """Details and motion from the storyboard alone, for when the model gives no usable answer."""
    return _PLACE_DETAILS[shot.location_kind], _WEATHER_MOTION[shot.weather]


def review_visual(pair: tuple[str, str], examples: set[tuple[str, ...]]) -> str | None:
    for name, text in zip(("details", "motion"), pair, strict=True):
        if copies_from(text, examples):
            return f"{name} copies an example; describe this shot"
    return None


def write_visuals(
    llm: LLMClient,
    request: VlogRequest,
    persona: PersonaProfile,
    storyboard: Storyboard,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
    shot_ids: Collection[int] | None = None,
) -> list[ShotVisual]:
    """One ShotVisual per shot, in order (only for `shot_ids` when given); every keyframe prompt contains
    `persona.description` verbatim."""
    examples = example_shingles("visual.txt", request.theme)
    theme_keys = keywords(request.theme)
    if speaks_chat(llm):
        wanted = [shot for shot in storyboard.shots if shot_ids is None or shot.id in shot_ids]
        pairs = run_agent(llm, _visuals_together(request, storyboard, wanted, feedback), seed=request.seed, log=log)
        return [_visual(persona, shot, *pairs[shot.id], request.style) for shot in wanted]
    visuals = []
    for index, shot in enumerate(storyboard.shots):
        if shot_ids is not None and shot.id not in shot_ids:
            continue
        place = f"{shot.location}, {shot.time_of_day.replace('_', ' ')}, {shot.weather}"
        notes = notes_block(notes_for_shot(feedback, shot.id))
        task = AgentTask(
            agent=AGENT,
            prompt=render("visual.txt", theme=request.theme, place=place, action=shot.action, notes=notes),
            fixed_chars=fixed_length("visual.txt"),
            cue="Visual:",
            schema=VISUAL_SCHEMA,
            parse=functools.partial(parse_visual, still_motion=_WEATHER_MOTION[shot.weather]),
            review=lambda pair: review_visual(pair, examples),
            score=lambda pair: keyword_coverage(theme_keys, pair[0]) + (1.0 if word_count(pair[0]) >= 5 else 0.0),
            max_tokens=90,
            temperature=0.6,
            good_enough=1.2,
            fallback=functools.partial(plan_visual, shot),
        )
        details, motion = run_agent(llm, task, seed=request.seed, candidates=candidates, log=log, salt=index)
        visuals.append(_visual(persona, shot, details, motion, request.style))
    return visuals


def _visual(persona: PersonaProfile, shot: Shot, details: str, motion: str, style: str) -> ShotVisual:
    return ShotVisual(
        shot_id=shot.id,
        keyframe_prompt=keyframe_prompt(persona, shot, details, style),
        motion_prompt=motion_prompt(shot, motion),
        negative_prompt=negative_prompt(style),
    )


def _visuals_together(
    request: VlogRequest, storyboard: Storyboard, wanted: Sequence[Shot], feedback: Sequence[str]
) -> AgentTask[dict[int, tuple[str, str]]]:
    """The instruct-model form: every wanted shot's details and motion in one call that sees the whole storyboard.

    A shot whose answer is unusable gets the storyboard's own details (plan_visual) rather than voiding the rest.
    """
    properties = {f"shot_{shot.id}": VISUAL_SCHEMA for shot in wanted}
    schema = closed_object(properties)
    rows = "\n".join(
        f"- shot {shot.id}: {shot.location} ({shot.time_of_day.replace('_', ' ')}, {shot.weather}); {shot.action}"
        for shot in storyboard.shots
    )
    which = "every shot" if len(wanted) == len(storyboard.shots) else "shot " + ", ".join(str(s.id) for s in wanted)

    def parse(data: dict[str, Any]) -> dict[int, tuple[str, str]]:
        pairs: dict[int, tuple[str, str]] = {}
        for shot in wanted:
            answer = data.get(f"shot_{shot.id}")
            try:
                data = answer if isinstance(answer, dict) else {}
                pairs[shot.id] = parse_visual(data, still_motion=_WEATHER_MOTION[shot.weather])
            except ValueError:
                pairs[shot.id] = plan_visual(shot)
        return pairs

    return AgentTask(
        agent=AGENT,
        prompt=render("visual_chat.txt", theme=request.theme, shots=rows, which=which, notes=notes_block(feedback)),
        cue="",
        system=render("visual_system.txt"),
        fixed_chars=fixed_length("visual_chat.txt"),
        schema=schema,
        parse=parse,
        max_tokens=70 * len(wanted) + 20,
        temperature=0.6,
        fallback=lambda: {shot.id: plan_visual(shot) for shot in wanted},
    )
