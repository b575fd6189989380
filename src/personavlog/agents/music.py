"""The music agent: a music brief (genre, mood, tempo, key, instruments) and an energy curve across the shots.

The model chooses the brief; the energy per shot follows the shots' moods and the story's arc (it rises
towards the last third and settles at the end), so it always has one value per shot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, get_args

from personavlog.agents.base import AgentCallLog, AgentTask, fixed_length, notes_block, render, run_agent
from personavlog.agents.hints import allowed_genres
from personavlog.llm.base import LLMClient
from personavlog.schema import Mood, MusicBrief, Story, Storyboard, VlogRequest

AGENT = "music_brief"
INSTRUMENTS = (
    "piano",
    "electric piano",
    "acoustic guitar",
    "electric guitar",
    "strings",
    "cello",
    "violin",
    "flute",
    "synth pad",
    "bass",
    "drums",
    "marimba",
    "harp",
    "choir",
    "brass",
)
GENRES = (
    "acoustic folk",
    "celtic folk",
    "ambient",
    "lo-fi hip hop",
    "jazz",
    "bossa nova",
    "classical",
    "cinematic orchestral",
    "piano ballad",
    "chamber pop",
    "indie pop",
    "city pop",
    "synthwave",
    "electronic dance",
    "post-rock",
    "rock",
    "blues",
    "funk",
    "country",
    "reggae",
    "latin",
    "world music",
    "gospel",
    "chiptune",
)
KEYS = get_args(MusicBrief.model_fields["key"].annotation)
TEMPI = tuple(range(56, 172, 4))
MOOD_ENERGY = {
    Mood.CALM: 0.3,
    Mood.MELANCHOLIC: 0.25,
    Mood.NOSTALGIC: 0.35,
    Mood.ROMANTIC: 0.4,
    Mood.HOPEFUL: 0.55,
    Mood.PLAYFUL: 0.65,
    Mood.JOYFUL: 0.7,
    Mood.TENSE: 0.75,
    Mood.ENERGETIC: 0.9,
}
# Tempo ranges that fit each overall mood.
MOOD_BPM = {
    Mood.CALM: (56, 104),
    Mood.MELANCHOLIC: (56, 100),
    Mood.NOSTALGIC: (60, 108),
    Mood.ROMANTIC: (56, 112),
    Mood.HOPEFUL: (72, 140),
    Mood.PLAYFUL: (84, 150),
    Mood.JOYFUL: (84, 150),
    Mood.TENSE: (80, 170),
    Mood.ENERGETIC: (100, 170),
}


def brief_schema(genres: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "genre": {"type": "string", "enum": list(genres)},
            "mood": {"type": "string", "enum": [str(m) for m in Mood]},
            "bpm": {"type": "integer", "enum": list(TEMPI)},
            "key": {"type": "string", "enum": list(KEYS)},
            "mode": {"type": "string", "enum": ["major", "minor"]},
            "instruments": {
                "type": "array",
                "items": {"type": "string", "enum": list(INSTRUMENTS)},
                "minItems": 2,
                "maxItems": 4,
            },
        },
        "required": ["genre", "mood", "bpm", "key", "mode", "instruments"],
        "additionalProperties": False,
    }


def energy_curve(storyboard: Storyboard) -> list[float]:
    """0..1 per shot: the shot's mood, lifted a little towards the climax (about two thirds in)."""
    count = len(storyboard.shots)
    curve = []
    for index, shot in enumerate(storyboard.shots):
        position = index / max(1, count - 1)
        arc = 0.15 * (1 - abs(position - 0.67) / 0.67)
        curve.append(round(min(1.0, max(0.05, MOOD_ENERGY[shot.mood] + arc)), 3))
    return curve


def parse_brief(data: dict[str, Any], energy: list[float]) -> MusicBrief:
    instruments = list(dict.fromkeys(str(i) for i in data.get("instruments", [])))
    brief = MusicBrief.model_validate(
        {
            "genre": str(data.get("genre", "")),
            "mood": data.get("mood"),
            "bpm": data.get("bpm"),
            "key": data.get("key"),
            "mode": data.get("mode"),
            "instruments": instruments,
            "energy": energy,
        }
    )
    unknown = [i for i in brief.instruments if i not in INSTRUMENTS]
    if unknown:
        raise ValueError(f"unknown instruments {unknown}; choose from {', '.join(INSTRUMENTS)}")
    if len(brief.instruments) < 2:
        raise ValueError("name at least two different instruments")
    if brief.genre not in GENRES:
        raise ValueError(f"genre must be one of {', '.join(GENRES)}")
    low, high = MOOD_BPM[brief.mood]
    if not low <= brief.bpm <= high:
        # A small model often keeps an example's tempo; the mood decides, so the tempo moves into its range.
        brief = brief.model_copy(update={"bpm": min(max(brief.bpm, low), high)})
    return brief


def score_brief(brief: MusicBrief, moods: Sequence[Mood]) -> float:
    """The brief's mood should be the shots' main mood (or at least one of them)."""
    counts = Counter(moods)
    if brief.mood == counts.most_common(1)[0][0]:
        return 1.0
    return 0.5 if brief.mood in counts else 0.0


def write_music_brief(
    llm: LLMClient,
    request: VlogRequest,
    story: Story,
    storyboard: Storyboard,
    feedback: Sequence[str],
    *,
    candidates: int = 1,
    log: AgentCallLog | None = None,
) -> MusicBrief:
    """A brief for the whole vlog; `energy` has one value per shot of `storyboard`, in order."""
    del story  # the shots' moods carry the story's arc
    moods = [shot.mood for shot in storyboard.shots]
    energy = energy_curve(storyboard)
    genres = allowed_genres(request.theme, request.style, GENRES)
    task = AgentTask(
        agent=AGENT,
        prompt=render(
            "music.txt",
            genres=", ".join(genres),
            instruments=", ".join(INSTRUMENTS),
            theme=request.theme,
            style=request.style,
            moods=", ".join(str(m) for m in moods),
            notes=notes_block(feedback),
        ),
        fixed_chars=fixed_length("music.txt"),
        cue="Brief:",
        schema=brief_schema(genres),
        parse=lambda data: parse_brief(data, energy),
        score=lambda brief: score_brief(brief, moods),
        max_tokens=90,
        temperature=0.6,
        good_enough=1.0,
    )
    return run_agent(llm, task, seed=request.seed, candidates=candidates, log=log)
