"""The agents' instruct-model form on the real balanced writer (Qwen2.5-Coder 0.5B Instruct, its chat template)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from personavlog.agents import AgentCallLog, write_monologue, write_story, write_storyboard, write_visuals
from personavlog.agents.place_plan import opening, plan_places
from personavlog.agents.storyboard_chat import contradiction
from personavlog.backends import create_llm
from personavlog.config import LLMSettings
from personavlog.llm.llamacpp import LlamaCppClient
from personavlog.schema import FaceBox, PersonaProfile, VlogRequest

THEME = "a snowy weekend in a mountain village"
PERSONA = PersonaProfile(
    description="a person with short dark hair wearing a red coat",
    age_range="adult",
    hair="short dark hair",
    clothing="a red coat",
    palette=["#aa2222"],
    face_box=FaceBox(x=1, y=2, w=30, h=40),
    cutout="persona/cutout.png",
)


@pytest.fixture(scope="module")
def llm() -> LlamaCppClient:
    client = create_llm(LLMSettings(writer="balanced"))
    assert isinstance(client, LlamaCppClient)
    return client


@pytest.fixture(scope="module")
def plan(llm: LlamaCppClient) -> dict[str, Any]:
    request = VlogRequest(theme=THEME, reference=Path("ref.jpg"), duration_s=24, seed=3)
    log = AgentCallLog()
    story = write_story(llm, request, PERSONA, [], log=log)
    board = write_storyboard(llm, request, PERSONA, story, [], log=log)
    lines = write_monologue(llm, request, PERSONA, story, board, [], log=log)
    return {"request": request, "story": story, "board": board, "lines": lines, "log": log}


def test_an_instruct_model_is_asked_through_its_chat_template(llm: LlamaCppClient) -> None:
    assert llm.chat and llm.model.startswith("qwen2.5-coder-0.5b")
    llama = llm._contexts().contexts[0].llama
    tokens, lead = llm._prompt_tokens(llama, "Say hi.", "You answer with JSON only.")
    text = llama.detokenize(tokens, special=True).decode()
    assert text.startswith("<|im_start|>system\nYou answer with JSON only.<|im_end|>")
    assert text.endswith("<|im_start|>assistant\n") and lead == ""
    start = llama.tokenize(b"<|im_start|>", add_bos=False, special=True)
    assert len(start) == 1 and tokens[0] == start[0]  # the role marker is one special token, not text


def test_each_stage_is_one_call_that_sees_the_whole_story(plan: dict[str, Any]) -> None:
    calls = plan["log"].calls
    board_calls = [c for c in calls if c.agent == "storyboard"]
    line_calls = [c for c in calls if c.agent == "monologue"]
    assert board_calls and {c.salt for c in board_calls} == {0} and len(board_calls) <= 3
    assert line_calls and {c.salt for c in line_calls} == {0} and len(line_calls) <= 3
    assert all(c.model.startswith("qwen2.5-coder-0.5b") for c in calls if c.valid)
    shots, lines = plan["board"].shots, plan["lines"]
    assert len(shots) == 4 and [line.shot_id for line in lines] == [shot.id for shot in shots]
    assert sum(s.duration_s for s in shots) == pytest.approx(24.0)


def test_the_plan_is_written_in_whole_words_and_places_agree_with_their_kinds(plan: dict[str, Any]) -> None:
    for shot in plan["board"].shots:
        assert contradiction(shot.location, shot.location_kind) is None, shot
        assert not re.search(r"\b(?:a|an|the|of|with|and|to)$", shot.location), shot.location
    for line in plan["lines"]:
        assert line.text[-1] in ".!?" and len(line.text.split()) >= 2, line.text


def test_a_shot_the_place_plan_moves_opens_with_its_kind_of_place(plan: dict[str, Any]) -> None:
    """As for the base model: the instruct model's storyboard passes through the kinds the place plan gives it."""
    shots = plan["board"].shots
    kinds = plan_places(THEME, plan["story"], len(shots))
    openings = [opening(THEME, kinds, index) for index in range(len(shots))]
    assert any(openings), (kinds, "the plan moves no shot: the case is not exercised")
    for shot, words in zip(shots, openings, strict=True):
        if words:
            assert shot.location.startswith(words), (shot.location, words)
    assert len({shot.location_kind for shot in shots}) >= 2, [(s.location, s.location_kind) for s in shots]


def test_a_redo_asks_for_one_shot_and_keeps_the_rest(llm: LlamaCppClient, plan: dict[str, Any]) -> None:
    request, story, board = plan["request"], plan["story"], plan["board"]
    target = board.shots[2].id
    log = AgentCallLog()
    notes = [f"Shot {target}: make it a warm bakery."]
    again = write_storyboard(llm, request, PERSONA, story, notes, log=log, shot_ids=[target], current=board)
    assert {c.salt for c in log.calls} == {2}
    assert [s for s in again.shots if s.id != target] == [s for s in board.shots if s.id != target]
    lines = write_monologue(llm, request, PERSONA, story, again, notes, shot_ids=[target], current=plan["lines"])
    assert [line.shot_id for line in lines] == [target]
    visuals = write_visuals(llm, request, PERSONA, again, notes, shot_ids=[target])
    assert [v.shot_id for v in visuals] == [target] and PERSONA.description in visuals[0].keyframe_prompt
