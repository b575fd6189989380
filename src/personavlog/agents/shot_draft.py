"""A shot as the storyboard agent's model writes it, and the checks that turn its answer into one."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from personavlog.agents.text import clean_text, normalised, tidy_phrase, without_asides, without_years, word_count
from personavlog.schema import CameraMove, Framing, LocationKind, Mood, TimeOfDay, Weather


class ShotDraft(BaseModel):
    """A shot as the model writes it: no id or duration yet."""

    model_config = ConfigDict(extra="forbid")

    location: str = Field(min_length=3)
    location_kind: LocationKind
    time_of_day: TimeOfDay
    weather: Weather
    action: str = Field(min_length=3)
    camera: CameraMove
    framing: Framing
    mood: Mood


_LEAKS = re.compile(
    r"[{}\[\]]|\b(?:shot|camera|framing|pan_?left|pan_?right|push_?in|pull_?out|tilt_?up|tilt_?down|"
    r"handheld|orbit|close_?up|location_?kind|time_?of_?day)\b",
    re.IGNORECASE,
)
_LABEL = re.compile(r"\s(?:Location|Action|Beat|Theme|Before|Shot)\b")
"""A prompt label the model ran on into ("… in the background Location"): case-sensitive, so "the location of the
mill" stays whole."""
_SUBJECT = re.compile(r"^(?:the (?:person|protagonist|narrator|vlogger)|he|she|they)\s+", re.IGNORECASE)


_FIRST_PERSON_VERB = re.compile(r"^(?:i|we)(?:'m|\s+am|\s+are)?\s+(\w+)", re.IGNORECASE)
_IRREGULAR = {"have": "has", "do": "does", "go": "goes", "am": "is", "are": "is", "was": "was", "were": "was"}


def third_person(action: str) -> str:
    """ "I walk to the shop" → "walks to the shop", "I'm sipping tea" → "is sipping tea": the storyboard's
    actions are the person's, seen from outside; a model that writes them as "I" is corrected, not refused."""
    match = _FIRST_PERSON_VERB.match(action)
    if match is None:
        return action
    verb, rest = match.group(1), action[match.end() :]
    if re.match(r"^(?:i|we)(?:'m|\s+am|\s+are)\s", action, re.IGNORECASE):
        return f"is {verb}{rest}"
    lower = verb.lower()
    if lower in _IRREGULAR:
        return f"{_IRREGULAR[lower]}{rest}"
    if lower.endswith("ed"):  # the past tense reads the same in the third person
        return f"{verb}{rest}"
    if re.search(r"(?:s|sh|ch|x|z|o)$", lower):
        return f"{verb}es{rest}"
    if re.search(r"[^aeiou]y$", lower):
        return f"{verb[:-1]}ies{rest}"
    return f"{verb}s{rest}"


def parse_shot(data: dict[str, Any], previous: ShotDraft | None) -> ShotDraft:
    values = dict(data)
    location = without_years(without_asides(_LABEL.split(clean_text(str(values.get("location", ""))))[0]))
    values["location"] = tidy_phrase(_LEAKS.split(location)[0], 10)
    action_text = _LABEL.split(clean_text(str(values.get("action", ""))))[0]
    written = third_person(_SUBJECT.sub("", without_asides(action_text)))
    action = tidy_phrase(_LEAKS.split(written)[0], 14)
    values["action"] = action[:1].lower() + action[1:]
    draft = ShotDraft.model_validate(values)
    first = draft.action.split()[0].lower()
    if first in {"i", "we", "my", "our", "you"}:
        raise ValueError("action must be in the third person and start with a verb, like 'walks along the quay'")
    if word_count(draft.action) < 3:
        raise ValueError("action is too short; say what the person does and where")
    if word_count(draft.location) < 2:
        raise ValueError("location is too vague; name the exact place")
    if previous is not None and normalised(draft.action) == normalised(previous.action):
        raise ValueError("action repeats the shot before; show the next moment")
    return draft
