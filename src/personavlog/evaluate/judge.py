"""MLLM storyboard judge: an OpenAI-compatible LLM/VLM rates the plan 1-5 on theme fit, story, shot variety and
persona consistency.

The judge is the configured `judge` model when there is one, else the planning LLM when its backend is
"openai" (a served model: llama.cpp server, vLLM, a hosted API); otherwise every judge score is NA. The embedded
270M model is a planner, not a judge, and is never asked. When the model accepts images (`vision`), the
keyframes are attached. Range 1..5 each, higher is better; the answer is constrained to the JSON schema below
and sampled at temperature 0 with a fixed seed. Model: whichever the configuration names (`model` at `base_url`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from personavlog.backends import LLMOptions

CRITERIA = ("theme_fit", "story", "shot_variety", "persona_consistency")
_SCORE = {"type": "integer", "enum": [1, 2, 3, 4, 5]}
SCHEMA = {
    "type": "object",
    "properties": {**{name: _SCORE for name in CRITERIA}, "reason": {"type": "string", "maxLength": 200}},
    "required": [*CRITERIA, "reason"],
    "additionalProperties": False,
}
PROMPT = """You judge short personal vlogs. Rate the plan below from 1 (poor) to 5 (excellent) on:
theme_fit: is every part about the theme?
story: does it have a beginning, a turn and an ending?
shot_variety: do the shots vary place, camera and framing?
persona_consistency: is it the same person throughout, speaking in the first person?
Answer with a JSON object.

Theme: {theme}
Protagonist: {persona}
Plan:
{plan}
Ratings:"""


class JudgeScores(BaseModel):
    theme_fit: int = Field(ge=1, le=5)
    story: int = Field(ge=1, le=5)
    shot_variety: int = Field(ge=1, le=5)
    persona_consistency: int = Field(ge=1, le=5)
    reason: str = ""


def judge_available(settings: LLMOptions) -> bool:
    return settings.backend == "openai"


def judge_plan(
    settings: LLMOptions, theme: str, persona: str, plan: str, images: list[Path] | None = None, seed: int = 0
) -> JudgeScores:
    """Scores for `plan` (a plain-text storyboard: one line per shot). Raises when the server is unusable."""
    from personavlog.backends import create_llm

    llm = create_llm(settings)
    result = llm.complete_json(
        PROMPT.format(theme=theme, persona=persona or "unknown", plan=plan),
        SCHEMA,
        seed=seed,
        temperature=0.0,
        max_tokens=160,
        images=images if settings.vision else None,
    )
    return JudgeScores.model_validate(result.parsed)
