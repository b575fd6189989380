"""Free instrument names -> General MIDI programs, and which instrument plays which part."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import pretty_midi


class Family(StrEnum):
    KEYS = "keys"  # piano-like: comping and melody
    GUITAR = "guitar"  # plucked: strummed or picked comping
    MALLET = "mallet"  # bell-like: melody or arpeggios
    SUSTAIN = "sustain"  # strings, pads, organ, choir: held harmony
    LEAD = "lead"  # winds, brass, solo strings, synth leads: melody
    BASS = "bass"
    DRUMS = "drums"


@dataclass(frozen=True)
class Voice:
    """One General MIDI program and how it behaves."""

    name: str
    program: int
    family: Family


# Most specific phrases first: "electric piano" before "piano", "bass guitar" before "guitar".
_KEYWORDS: tuple[tuple[str, int, Family], ...] = (
    ("steel drum", 114, Family.MALLET),
    ("drum", 0, Family.DRUMS),
    ("beat", 0, Family.DRUMS),
    ("percussion", 0, Family.DRUMS),
    ("kit", 0, Family.DRUMS),
    ("snare", 0, Family.DRUMS),
    ("hi hat", 0, Family.DRUMS),
    ("hihat", 0, Family.DRUMS),
    ("cajon", 0, Family.DRUMS),
    ("shaker", 0, Family.DRUMS),
    ("clap", 0, Family.DRUMS),
    ("bassoon", 70, Family.LEAD),
    ("synth bass", 38, Family.BASS),
    ("sub bass", 38, Family.BASS),
    ("808", 38, Family.BASS),
    ("upright bass", 32, Family.BASS),
    ("double bass", 32, Family.BASS),
    ("acoustic bass", 32, Family.BASS),
    ("contrabass", 32, Family.BASS),
    ("fretless", 35, Family.BASS),
    ("slap", 36, Family.BASS),
    ("tuba", 58, Family.BASS),
    ("bass", 33, Family.BASS),
    ("electric piano", 4, Family.KEYS),
    ("e piano", 4, Family.KEYS),
    ("epiano", 4, Family.KEYS),
    ("rhodes", 4, Family.KEYS),
    ("wurlitzer", 5, Family.KEYS),
    ("honky", 3, Family.KEYS),
    ("upright piano", 0, Family.KEYS),
    ("bright piano", 1, Family.KEYS),
    ("piano", 0, Family.KEYS),
    ("keyboard", 0, Family.KEYS),
    ("keys", 0, Family.KEYS),
    ("harpsichord", 6, Family.KEYS),
    ("clavinet", 7, Family.KEYS),
    ("celesta", 8, Family.MALLET),
    ("glockenspiel", 9, Family.MALLET),
    ("music box", 10, Family.MALLET),
    ("vibraphone", 11, Family.MALLET),
    ("vibes", 11, Family.MALLET),
    ("marimba", 12, Family.MALLET),
    ("xylophone", 13, Family.MALLET),
    ("bell", 9, Family.MALLET),
    ("chime", 14, Family.MALLET),
    ("kalimba", 108, Family.MALLET),
    ("organ", 16, Family.SUSTAIN),
    ("accordion", 21, Family.LEAD),
    ("harmonica", 22, Family.LEAD),
    ("nylon", 24, Family.GUITAR),
    ("classical guitar", 24, Family.GUITAR),
    ("jazz guitar", 26, Family.GUITAR),
    ("electric guitar", 27, Family.GUITAR),
    ("clean guitar", 27, Family.GUITAR),
    ("distort", 30, Family.GUITAR),
    ("overdrive", 29, Family.GUITAR),
    ("rock guitar", 29, Family.GUITAR),
    ("guitar", 25, Family.GUITAR),
    ("ukulele", 24, Family.GUITAR),
    ("banjo", 105, Family.GUITAR),
    ("mandolin", 25, Family.GUITAR),
    ("sitar", 104, Family.GUITAR),
    ("koto", 107, Family.GUITAR),
    ("harp", 46, Family.GUITAR),
    ("pizzicato", 45, Family.GUITAR),
    ("synth strings", 50, Family.SUSTAIN),
    ("slow strings", 49, Family.SUSTAIN),
    ("string", 48, Family.SUSTAIN),
    ("orchestra", 48, Family.SUSTAIN),
    ("cello", 42, Family.SUSTAIN),
    ("viola", 41, Family.LEAD),
    ("fiddle", 110, Family.LEAD),
    ("violin", 40, Family.LEAD),
    ("choir", 52, Family.SUSTAIN),
    ("vocal", 53, Family.SUSTAIN),
    ("voice", 53, Family.SUSTAIN),
    ("pad", 89, Family.SUSTAIN),
    ("ambient", 89, Family.SUSTAIN),
    ("brass", 61, Family.SUSTAIN),
    ("french horn", 60, Family.LEAD),
    ("horn", 60, Family.LEAD),
    ("trumpet", 56, Family.LEAD),
    ("trombone", 57, Family.LEAD),
    ("soprano sax", 64, Family.LEAD),
    ("tenor sax", 66, Family.LEAD),
    ("baritone sax", 67, Family.LEAD),
    ("sax", 65, Family.LEAD),
    ("english horn", 69, Family.LEAD),
    ("oboe", 68, Family.LEAD),
    ("clarinet", 71, Family.LEAD),
    ("piccolo", 72, Family.LEAD),
    ("pan flute", 75, Family.LEAD),
    ("flute", 73, Family.LEAD),
    ("recorder", 74, Family.LEAD),
    ("whistle", 78, Family.LEAD),
    ("ocarina", 79, Family.LEAD),
    ("bagpipe", 109, Family.LEAD),
    ("chiptune", 80, Family.LEAD),
    ("square", 80, Family.LEAD),
    ("synth lead", 81, Family.LEAD),
    ("lead", 81, Family.LEAD),
    ("saw", 81, Family.LEAD),
    ("synth", 90, Family.SUSTAIN),
)

_FALLBACK = (0, Family.KEYS)


_GROUP_FAMILIES = (
    Family.KEYS, Family.MALLET, Family.SUSTAIN, Family.GUITAR, Family.BASS, Family.LEAD, Family.SUSTAIN, Family.LEAD,
    Family.LEAD, Family.LEAD, Family.LEAD, Family.SUSTAIN, Family.SUSTAIN, Family.LEAD, Family.MALLET, Family.SUSTAIN,
)  # fmt: skip
_PROGRAM_FAMILIES = {
    21: Family.LEAD, 22: Family.LEAD, 23: Family.LEAD, 42: Family.SUSTAIN, 43: Family.BASS, 44: Family.SUSTAIN,
    45: Family.GUITAR, 46: Family.GUITAR, 47: Family.SUSTAIN, 61: Family.SUSTAIN, 62: Family.SUSTAIN,
    63: Family.SUSTAIN, 104: Family.GUITAR, 105: Family.GUITAR, 106: Family.GUITAR, 107: Family.GUITAR,
    108: Family.MALLET,
}  # fmt: skip


def _family_of_program(program: int) -> Family:
    return _PROGRAM_FAMILIES.get(program, _GROUP_FAMILIES[program // 8])


def resolve(name: str) -> Voice:
    """Map a free instrument name ("acoustic guitar", "lofi drums", "String Ensemble 1") to a GM voice."""
    text = " ".join(re.sub(r"[-_/]", " ", name.lower()).split())
    try:
        program = pretty_midi.instrument_name_to_program(name.strip())
    except ValueError:
        program = None
    if program is not None:
        return Voice(name, program, _family_of_program(program))
    for keyword, program, family in _KEYWORDS:
        if re.search(rf"\b{re.escape(keyword)}", text):
            return Voice(name, program, family)
    return Voice(name, *_FALLBACK)


@dataclass(frozen=True)
class Band:
    """Who plays what. `chords` or `pad` may be absent; `drums_listed`: the brief names a drum kit."""

    melody: Voice
    chords: Voice | None
    pad: Voice | None
    bass: Voice
    drums_listed: bool


_MELODY_PREFERENCE = (Family.LEAD, Family.MALLET, Family.KEYS, Family.GUITAR, Family.SUSTAIN)
_CHORD_PREFERENCE = (Family.KEYS, Family.GUITAR, Family.MALLET)


def assemble_band(instruments: list[str], default_bass_program: int) -> Band:
    voices = [resolve(name) for name in instruments]
    drums_listed = any(v.family is Family.DRUMS for v in voices)
    pitched = [v for v in voices if v.family not in (Family.DRUMS, Family.BASS)]
    listed_bass = next((v for v in voices if v.family is Family.BASS), None)

    def first(families: tuple[Family, ...], exclude: list[Voice]) -> Voice | None:
        for family in families:
            for voice in pitched:
                if voice.family is family and voice not in exclude:
                    return voice
        return None

    melody = first(_MELODY_PREFERENCE, []) or Voice("piano", *_FALLBACK)
    chords = first(_CHORD_PREFERENCE, [melody])
    pad = first((Family.SUSTAIN,), [melody])
    if chords is None and melody.family in _CHORD_PREFERENCE:
        chords = melody  # a lone piano or guitar plays both hands
    if chords is None and pad is None:
        pad = melody
    bass = listed_bass or Voice("bass", default_bass_program, Family.BASS)
    return Band(melody=melody, chords=chords, pad=pad, bass=bass, drums_listed=drums_listed)
