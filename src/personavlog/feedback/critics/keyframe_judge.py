"""MLLM keyframe judge: a vision model rates (1-5, with reasons) how well a keyframe shows its prompt and style.

Runs only when `settings.judge` names a vision-capable OpenAI-compatible model (vLLM, Ollama, llama.cpp with a
projector, a hosted API). A failed judgement routes, like the other keyframe checks, to the visual engine of the
shot: a retake with a new seed; the reasons travel in the feedback so a prompt-following engine can use them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from personavlog.errors import PersonaVlogError, StageError
from personavlog.llm.base import LLMClient, LLMOutputError
from personavlog.manifest import StageId, StageName
from personavlog.schema import Critique

MIN_JUDGE_SCORE = 3
"""Scores 1-5; 3 means "recognisably the described picture, with flaws"."""

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reasons": {"type": "string"},
        "fix": {"type": "string"},
    },
    "required": ["score", "reasons", "fix"],
}

_PROMPT = """You review one keyframe of a personal vlog.
The picture should show: {prompt}
Visual style asked for: {style}

Look at the attached image and rate from 1 to 5 how well it shows that description in that style:
5 = exactly the described scene, person and style; 4 = right with small slips; 3 = recognisably the scene with
clear flaws; 2 = mostly wrong; 1 = unrelated or broken.
Answer with JSON only: {{"score": <1-5>, "reasons": "<one sentence: what matches and what does not>",
"fix": "<one instruction that would make the picture match>"}}"""


class Judgement(BaseModel):
    score: int = Field(ge=1, le=5)
    reasons: str
    fix: str = ""


class JudgeUnavailable(PersonaVlogError):
    """The judge could not give a usable judgement; the other critics still decide."""


def judge_keyframe(
    judge: LLMClient,
    shot_id: int,
    keyframe: Path,
    keyframe_prompt: str,
    style: str,
    round_: int = 0,
    seed: int = 0,
) -> Critique:
    """Ask the vision model about one keyframe; raises JudgeUnavailable when its answer is unusable."""
    if not judge.vision:
        raise JudgeUnavailable(f"the judge model {judge.model} does not accept images (set judge.vision = true)")
    prompt = _PROMPT.format(prompt=keyframe_prompt.strip(), style=style)
    try:
        result = judge.complete_json(
            prompt, JUDGE_SCHEMA, seed=seed, temperature=0.0, max_tokens=200, images=[keyframe]
        )
        judgement = Judgement.model_validate(result.parsed)
    except (LLMOutputError, StageError, ValidationError) as exc:
        raise JudgeUnavailable(f"the judge's answer about shot {shot_id} was unusable: {exc}") from None
    fix = judgement.fix.strip() or "repaint it closer to its description"
    return Critique(
        stage=str(StageId(StageName.CLIP, shot_id)),
        target=f"shot {shot_id:02d} keyframe.judge",
        score=float(judgement.score),
        threshold=float(MIN_JUDGE_SCORE),
        passed=judgement.score >= MIN_JUDGE_SCORE,
        feedback=f"A vision model rated the keyframe {judgement.score}/5 against its description: "
        f"{judgement.reasons.strip()} Fix: {fix}",
        round=round_,
    )
