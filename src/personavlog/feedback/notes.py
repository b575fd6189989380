"""A user's note names closed-vocabulary values ("make it night and raining"): those win over the agent's pick."""

from __future__ import annotations

import re
from enum import StrEnum

from personavlog.schema import CameraMove, Framing, LocationKind, Mood, TimeOfDay, Weather

_FIELDS: dict[str, type[StrEnum]] = {
    "time_of_day": TimeOfDay,
    "weather": Weather,
    "location_kind": LocationKind,
    "camera": CameraMove,
    "framing": Framing,
    "mood": Mood,
}
# Everyday words for the closed values, beyond their own names.
_SYNONYMS: dict[str, dict[str, str]] = {
    "time_of_day": {
        "sunrise": "dawn",
        "morning": "dawn",
        "noon": "day",
        "daytime": "day",
        "sunset": "golden_hour",
        "evening": "dusk",
        "twilight": "dusk",
        "midnight": "night",
    },
    "weather": {
        "raining": "rain",
        "rainy": "rain",
        "snowing": "snow",
        "snowy": "snow",
        "foggy": "fog",
        "misty": "fog",
        "cloudy": "clouds",
        "overcast": "clouds",
        "windy": "wind",
        "sunny": "clear",
    },
    "location_kind": {
        "café": "cafe",
        "coffee": "cafe",
        "street": "city_street",
        "city": "city_street",
        "kitchen": "home",
        "bedroom": "home",
        "sea": "beach",
        "woods": "forest",
        "mountain": "mountains",
        "train": "transit",
        "subway": "transit",
        "market": "night_market",
        "concert": "stage",
        "festival": "stage",
        "desk": "office",
        "library": "office",
    },
    "camera": {"zoom in": "push_in", "zoom out": "pull_out", "handheld": "handheld", "still": "static"},
    "framing": {"close up": "close_up", "close-up": "close_up", "closeup": "close_up", "wide shot": "wide"},
    "mood": {"happy": "joyful", "sad": "melancholic", "excited": "energetic", "peaceful": "calm"},
}


def note_overrides(note: str) -> dict[str, StrEnum]:
    """Field -> value for every closed-vocabulary value the note names (the first one named wins)."""
    text = note.lower()
    found: dict[str, tuple[int, StrEnum]] = {}
    for field, enum in _FIELDS.items():
        names = {member.value.replace("_", " "): member.value for member in enum}
        names.update(_SYNONYMS.get(field, {}))
        for phrase, value in names.items():
            match = re.search(rf"\b{re.escape(phrase)}\b", text)
            if match and (field not in found or match.start() < found[field][0]):
                found[field] = (match.start(), enum(value))
    return {field: value for field, (_, value) in found.items()}
