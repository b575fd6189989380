"""The single-pass planner: one LLM call writes the whole plan (story, storyboard, visual prompts, monologue and
music brief) as one JSON document.

It is the baseline the multi-agent planner is measured against (ThemeVlogEval's `single-pass` system, the way
most open vlog generators plan): no per-shot calls, no reviews, no best-of-N. The shot count and durations, the
energy curve and the persona text in each keyframe prompt are settled deterministically, as the agents do, so
the comparison isolates how the plan's text is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict

from personavlog.agents.base import AgentCallLog, AgentTask, closed_object, fixed_length, notes_block, render, run_agent
from personavlog.agents.music import energy_curve
from personavlog.agents.storyboard import ShotDraft, shot_count, shot_durations
from personavlog.agents.text import clean_text
from personavlog.llm.base import LLMClient
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    MonologueLine,
    Mood,
    MusicBrief,
    PersonaProfile,
    Shot,
    ShotVisual,
    Story,
    Storyboard,
    TimeOfDay,
    VlogRequest,
    Weather,
)

AGENT = "single_pass"


class SinglePassPlan(BaseModel):
    """Everything the five planning agents would write, from one call."""

    model_config = ConfigDict(extra="forbid")

    story: Story
    storyboard: Storyboard
    visuals: list[ShotVisual]
    monologue: list[MonologueLine]
    music_brief: MusicBrief


def _text(min_length: int, max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


def plan_schema(shots: int) -> dict[str, Any]:
    def enum(values: Sequence[str]) -> dict[str, Any]:
        return {"type": "string", "enum": list(values)}

    shot: dict[str, Any] = {
        "type": "object",
        "properties": {
            "location": _text(3, 60),
            "location_kind": enum([k.value for k in LocationKind]),
            "time_of_day": enum([t.value for t in TimeOfDay]),
            "weather": enum([w.value for w in Weather]),
            "action": _text(3, 80),
            "camera": enum([c.value for c in CameraMove]),
            "framing": enum([f.value for f in Framing]),
            "mood": enum([m.value for m in Mood]),
            "keyframe_prompt": _text(5, 140),
            "motion_prompt": _text(3, 80),
            "monologue": _text(5, 140),
        },
    }
    shot["required"] = list(shot["properties"])
    shot["additionalProperties"] = False
    music: dict[str, Any] = {
        "type": "object",
        "properties": {
            "genre": _text(3, 30),
            "mood": enum([m.value for m in Mood]),
            "bpm": {"type": "integer"},
            "key": enum(list(get_args(MusicBrief.model_fields["key"].annotation))),
            "mode": enum(["major", "minor"]),
            "instruments": {"type": "array", "items": _text(3, 20), "minItems": 1, "maxItems": 4},
        },
    }
    music["required"] = list(music["properties"])
    music["additionalProperties"] = False
    properties = {
        "title": _text(3, 60),
        "logline": _text(10, 180),
        "beats": {"type": "array", "items": _text(10, 110), "minItems": 3, "maxItems": 3},
        "shots": {"type": "array", "items": shot, "minItems": shots, "maxItems": shots},
        "music": music,
    }
    return closed_object(properties)


def parse_plan(data: dict[str, Any], request: VlogRequest, persona: PersonaProfile) -> SinglePassPlan:
    drafts_data = data.get("shots") or []
    drafts = [
        ShotDraft.model_validate({k: v for k, v in s.items() if k in ShotDraft.model_fields}) for s in drafts_data
    ]
    if not drafts:
        raise ValueError("shots: the plan needs at least one shot")
    durations = shot_durations(drafts, request.duration_s)
    board = Storyboard(
        shots=[
            Shot(id=i, duration_s=d, **draft.model_dump())
            for i, (draft, d) in enumerate(zip(drafts, durations, strict=True), 1)
        ]
    )
    visuals, lines = [], []
    for shot, raw in zip(board.shots, drafts_data, strict=True):
        picture = clean_text(str(raw.get("keyframe_prompt", "")))
        visuals.append(
            ShotVisual(
                shot_id=shot.id,
                keyframe_prompt=f"{persona.description}, {picture}, {request.style}",
                motion_prompt=clean_text(str(raw.get("motion_prompt", ""))) or shot.camera.value,
            )
        )
        lines.append(MonologueLine(shot_id=shot.id, text=clean_text(str(raw.get("monologue", "")))))
    music = dict(data.get("music") or {})
    music["bpm"] = min(180, max(50, int(music.get("bpm", 90))))
    music["energy"] = energy_curve(board)
    story = Story(
        title=clean_text(str(data.get("title", ""))).rstrip("."),
        logline=clean_text(str(data.get("logline", ""))),
        beats=[clean_text(str(b)) for b in data.get("beats", [])],
    )
    return SinglePassPlan(
        story=story, storyboard=board, visuals=visuals, monologue=lines, music_brief=MusicBrief.model_validate(music)
    )


def write_plan(
    llm: LLMClient,
    request: VlogRequest,
    persona: PersonaProfile,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
) -> SinglePassPlan:
    """The whole plan for `request` from one LLM call (retried only when the answer is not a valid plan)."""
    del candidates  # one sample: a single pass is the point of this planner
    shots = shot_count(request.duration_s)
    prompt = render(
        "single_pass.txt", theme=request.theme, style=request.style, shots=shots, notes=notes_block(feedback)
    )
    task = AgentTask(
        agent=AGENT,
        prompt=prompt,
        cue="Plan:",
        fixed_chars=fixed_length("single_pass.txt"),
        schema=plan_schema(shots),
        parse=lambda data: parse_plan(data, request, persona),
        max_tokens=220 + 170 * shots,
        temperature=0.7,
    )
    return run_agent(llm, task, seed=request.seed, candidates=1, log=log)
