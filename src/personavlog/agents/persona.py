"""The persona agent: who the protagonist is, as a description that goes verbatim into every keyframe prompt.

Without a vision model the description is built deterministically from what was measured in the photo
(hair and clothing colours, ...). With one, the model describes what it sees (never who it is), and the
measured colours are given to it as facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from personavlog.agents.base import AgentCallLog, AgentTask, notes_block, render, run_agent
from personavlog.agents.text import clean_text, word_count
from personavlog.llm.base import LLMClient
from personavlog.schema import FaceBox, PersonaProfile, VlogRequest

AGENT = "persona"
AGE_RANGES = ("child", "teenager", "young adult", "adult", "middle-aged adult", "older adult")
_SUBJECT_FOR_AGE = {
    "child": "a child",
    "teenager": "a teenager",
    "young adult": "a young adult",
    "middle-aged adult": "a middle-aged person",
    "older adult": "an older person",
}
# No leading \b: "raincoat", "spacesuit" and "t-shirt" count as garments too.
_GARMENTS = re.compile(
    r"(?:jacket|coat|shirt|blouse|sweater|jumper|hoodie|dress|skirt|suit|uniform|vest|top|cardigan|blazer|parka|"
    r"scarf|jeans|trousers|pants|shorts|overalls|kimono|robe|gown|tunic|clothes|clothing|outfit)s?\b",
    re.IGNORECASE,
)
_FEATURE_KEYS = (
    "glasses",
    "beard",
    "moustache",
    "hat",
    "headwear",
    "jewellery",
    "jewelry",
    "accessories",
    "features",
    "distinctive",
)
_YES = {"yes", "true", "1", "present"}
_IDENTITY = re.compile(
    r"\b(?:named|called|looks like|resembles|famous|celebrity|actor|actress|president|"
    r"astronaut|nationality|ethnic)\b",
    re.IGNORECASE,
)

PERSONA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "age_range": {"type": "string", "enum": list(AGE_RANGES)},
        "hair": {"type": "string", "minLength": 2, "maxLength": 60},
        "clothing": {"type": "string", "minLength": 2, "maxLength": 80},
        "distinctive_features": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 4},
        "description": {"type": "string", "minLength": 10, "maxLength": 200},
    },
    "required": ["age_range", "hair", "clothing", "distinctive_features", "description"],
    "additionalProperties": False,
}


def _hair_phrase(hair: str) -> str:
    hair = clean_text(hair).lower()
    if not hair or hair in {"unknown", "none"}:
        return ""
    if hair in {"bald", "no hair", "shaved"}:
        return "a shaved head"
    return hair if "hair" in hair else f"{hair} hair"


def _clothing_phrase(clothing: str) -> str:
    clothing = clean_text(clothing).lower()
    if not clothing or clothing == "unknown":
        return ""
    return clothing if _GARMENTS.search(clothing) else f"{clothing} clothes"


def _features(observations: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for key in _FEATURE_KEYS:
        value = clean_text(str(observations.get(key, ""))).lower()
        if not value or value in {"no", "none", "false", "0", "unknown"}:
            continue
        found.extend(part.strip() for part in re.split(r"[,;]", key if value in _YES else value) if part.strip())
    return list(dict.fromkeys(found))


def describe_from_observations(observations: Mapping[str, str]) -> tuple[str, str, str, str, list[str]]:
    """(description, age_range, hair, clothing, features) from measured facts only; never a guess of identity."""
    age = clean_text(str(observations.get("age_range", ""))).lower() or "adult"
    subject = clean_text(str(observations.get("subject", ""))).lower() or _SUBJECT_FOR_AGE.get(age, "a person")
    if not subject.startswith(("a ", "an ")):
        subject = f"{'an' if subject[:1] in 'aeiou' else 'a'} {subject}"
    hair = _hair_phrase(str(observations.get("hair", "")))
    clothing = _clothing_phrase(str(observations.get("clothing", "")))
    features = _features(observations)
    with_parts = [p for p in (hair, *features) if p]
    description = subject
    if with_parts:
        joined = with_parts[0] if len(with_parts) == 1 else ", ".join(with_parts[:-1]) + " and " + with_parts[-1]
        description += f" with {joined}"
    if clothing:
        description += f" wearing {clothing}"
    return description, age, hair or "unknown", clothing or "unknown", features


def parse_vision_answer(data: dict[str, Any]) -> dict[str, Any]:
    description = clean_text(str(data.get("description", ""))).rstrip(".")
    description = description[:1].lower() + description[1:]
    if not description.startswith(("a ", "an ")):
        raise ValueError('description must start with "a person" (or "a"/"an" and a noun)')
    if word_count(description) > 35:
        raise ValueError("description is too long; at most 25 words")
    text = " ".join(
        [
            description,
            str(data.get("hair", "")),
            str(data.get("clothing", "")),
            *map(str, data.get("distinctive_features", [])),
        ]
    )
    if _IDENTITY.search(text):
        raise ValueError("describe only what is visible; do not name or identify the person")
    age = str(data.get("age_range", "adult"))
    if age not in AGE_RANGES:
        raise ValueError(f"age_range must be one of {', '.join(AGE_RANGES)}")
    return {
        "description": description,
        "age_range": age,
        "hair": clean_text(str(data.get("hair", ""))) or "unknown",
        "clothing": clean_text(str(data.get("clothing", ""))) or "unknown",
        "distinctive_features": [clean_text(str(f)) for f in data.get("distinctive_features", []) if str(f).strip()],
    }


def write_persona(
    llm: LLMClient,
    request: VlogRequest,
    observations: Mapping[str, str],
    face_box: FaceBox | None,
    palette: Sequence[str],
    cutout: str,
    feedback: Sequence[str],
    *,
    vision: bool | None = None,
    candidates: int = 1,
    log: AgentCallLog | None = None,
) -> PersonaProfile:
    """The protagonist's profile. `vision` defaults to `llm.vision`: whether the model is shown the photo."""
    use_vision = getattr(llm, "vision", False) if vision is None else vision
    common = {"palette": list(palette), "face_box": face_box, "cutout": cutout}
    if not use_vision:
        description, age, hair, clothing, features = describe_from_observations(observations)
        return PersonaProfile(
            description=description,
            age_range=age,
            hair=hair,
            clothing=clothing,
            distinctive_features=features,
            **common,
        )
    facts = "; ".join(f"{k}: {v}" for k, v in observations.items()) or "nothing"
    task = AgentTask(
        agent=AGENT,
        prompt=render("persona_vision.txt", observations=facts, notes=notes_block(feedback)),
        cue="",
        schema=PERSONA_SCHEMA,
        parse=parse_vision_answer,
        max_tokens=300,
        temperature=0.2,
        images=[request.reference],
    )
    fields = run_agent(llm, task, seed=request.seed, candidates=candidates, log=log)
    return PersonaProfile(**fields, **common)
