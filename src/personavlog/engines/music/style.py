"""How the genre and mood words of a brief translate into playing habits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from personavlog.schema import Mood, MusicBrief


class DrumMode(StrEnum):
    NONE = "none"  # never
    PEAKS = "peaks"  # only where the energy is high
    FULL = "full"  # throughout, scaled by energy


class Comping(StrEnum):
    ARPEGGIO = "arpeggio"  # broken chords that ring
    RHYTHM = "rhythm"  # block chords on the beat


@dataclass(frozen=True)
class Style:
    drums: DrumMode
    comping: Comping
    swing: float
    """Delay of off-beat eighths, as a fraction of a beat (0 = straight, 1/6 = triplet feel)."""
    bass_program: int


_DRUM_GENRES = (
    "pop", "rock", "lofi", "lo fi", "hip hop", "hiphop", "rap", "trap", "edm", "electro", "dance", "house",
    "techno", "funk", "disco", "synthwave", "r&b", "rnb", "jazz", "reggae", "latin", "indie", "beat", "groove",
    "drum", "breakbeat", "upbeat", "swing", "blues", "chillhop", "chill hop", "punk", "dubstep",
)  # fmt: skip
_QUIET_GENRES = ("ambient", "classical", "solo", "orchestral", "piano ballad", "meditation", "minimal", "drone")
_SWING_GENRES = ("lofi", "lo fi", "jazz", "swing", "hip hop", "hiphop", "blues", "shuffle", "chillhop", "chill hop")
_ELECTRONIC = ("edm", "electro", "synth", "house", "techno", "trap", "dubstep", "chiptune", "future")
_ACOUSTIC_BASS = ("jazz", "lofi", "lo fi", "folk", "acoustic", "swing", "blues", "cinematic", "classical", "ambient")
_RHYTHMIC_MOODS = {Mood.ENERGETIC, Mood.JOYFUL, Mood.PLAYFUL, Mood.TENSE}
_ROOMY_MOODS = {Mood.CALM, Mood.NOSTALGIC, Mood.MELANCHOLIC, Mood.ROMANTIC, Mood.HOPEFUL}


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(word)}", text) for word in words)


def style_of(brief: MusicBrief, drums_listed: bool) -> Style:
    genre = " ".join(re.sub(r"[-_/]", " ", brief.genre.lower()).split())
    if drums_listed:
        drums = DrumMode.FULL
    elif _has(genre, _QUIET_GENRES):
        drums = DrumMode.NONE
    elif _has(genre, _DRUM_GENRES) or brief.mood in (Mood.ENERGETIC, Mood.PLAYFUL):
        drums = DrumMode.FULL
    else:
        drums = DrumMode.PEAKS
    rhythmic = brief.mood in _RHYTHMIC_MOODS and not _has(genre, ("lofi", "lo fi"))
    comping = Comping.RHYTHM if rhythmic else Comping.ARPEGGIO
    swing = 1 / 6 if _has(genre, _SWING_GENRES) and brief.bpm <= 130 else 0.0
    if _has(genre, _ELECTRONIC):
        bass_program = 38
    elif _has(genre, _ACOUSTIC_BASS) or brief.mood in (Mood.CALM, Mood.NOSTALGIC, Mood.MELANCHOLIC):
        bass_program = 32
    else:
        bass_program = 33
    return Style(drums=drums, comping=comping, swing=swing, bass_program=bass_program)


def room_of(mood: Mood) -> float:
    """Reverb send level: more room for reflective moods, a drier sound for lively ones."""
    return 0.32 if mood in _ROOMY_MOODS else 0.2
