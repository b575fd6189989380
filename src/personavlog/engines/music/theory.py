"""Tonal material: scales as diatonic indices, chords, progressions per mood and mode, voice leading."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from personavlog.schema import Mood

Mode = Literal["major", "minor"]

PITCH_CLASSES: dict[str, int] = {
    "C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5,
    "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
}  # fmt: skip

SCALE_STEPS: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),  # natural minor: every melodic note stays inside it
}

_ROMAN = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


@dataclass(frozen=True)
class Scale:
    """A key as a grid of diatonic indices: index 0 is the tonic in octave 3, index 7 the tonic an octave up."""

    tonic: int
    mode: Mode

    @classmethod
    def from_key(cls, key: str, mode: Mode) -> Scale:
        return cls(PITCH_CLASSES[key], mode)

    @property
    def steps(self) -> tuple[int, ...]:
        return SCALE_STEPS[self.mode]

    def pitch(self, index: int) -> int:
        """MIDI pitch of a diatonic index."""
        octave, degree = divmod(index, 7)
        return 48 + self.tonic + 12 * octave + self.steps[degree]

    def index_near(self, pitch: float) -> int:
        """The diatonic index whose pitch is closest to `pitch` (the lower one on a tie)."""
        guess = round((pitch - 48 - self.tonic) * 7 / 12)
        candidates = range(guess - 2, guess + 3)
        return min(candidates, key=lambda i: (abs(self.pitch(i) - pitch), i))

    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.tonic + step) % 12 for step in self.steps)


@dataclass(frozen=True)
class Chord:
    """A diatonic chord: root degree (0..6), extra diatonic intervals (6 = seventh, 8 = ninth).

    `raised_third` turns the minor-mode v into the major V of harmonic minor (the leading tone);
    melodies avoid the seventh degree over it so they stay in the natural minor scale.
    """

    degree: int
    extensions: tuple[int, ...] = ()
    raised_third: bool = False

    def degrees(self) -> tuple[int, ...]:
        """Diatonic offsets (from the tonic) of the chord tones, root first; may exceed 6."""
        return tuple(self.degree + interval for interval in (0, 2, 4, *self.extensions))

    def tone_classes(self) -> frozenset[int]:
        """Scale degrees (0..6) that are chord tones and safe for a melody in the natural scale."""
        tones = {d % 7 for d in self.degrees()}
        if self.raised_third:
            tones.discard((self.degree + 2) % 7)
        return frozenset(tones)

    def avoid_classes(self) -> frozenset[int]:
        """Scale degrees a melody must not sound over this chord."""
        return frozenset({(self.degree + 2) % 7}) if self.raised_third else frozenset()

    def pitch_classes(self, scale: Scale) -> tuple[int, ...]:
        classes = []
        for position, offset in enumerate(self.degrees()):
            pc = scale.pitch(offset) % 12
            if self.raised_third and position == 1:
                pc = (pc + 1) % 12
            classes.append(pc)
        return tuple(classes)

    def root_class(self, scale: Scale) -> int:
        return scale.pitch(self.degree) % 12

    def fifth_class(self, scale: Scale) -> int:
        return scale.pitch(self.degree + 4) % 12


def parse_chord(symbol: str, mode: Mode) -> Chord:
    """Read a roman numeral such as "vi", "IV7", "I9" or (minor mode) "V" for the major dominant."""
    numeral = symbol.rstrip("79")
    suffix = symbol[len(numeral) :]
    degree = _ROMAN.get(numeral.lower())
    if degree is None:
        raise ValueError(f"not a roman numeral: {symbol!r}")
    extensions = tuple(6 if ch == "7" else 8 for ch in suffix)
    raised = mode == "minor" and numeral == "V"
    return Chord(degree, extensions, raised)


def parse_progression(text: str, mode: Mode) -> tuple[Chord, ...]:
    return tuple(parse_chord(symbol, mode) for symbol in text.split())


@dataclass(frozen=True)
class ProgressionSet:
    verse: tuple[str, ...]
    chorus: tuple[str, ...]
    bridge: tuple[str, ...]
    cadence: str
    """The chord before the final tonic."""


_MAJOR_BRIDGES = ("vi IV ii V", "IV V iii vi", "ii7 V iii7 vi", "IV iv7 I V")
_MINOR_BRIDGES = ("VI VII III VI", "iv VII III VI", "VI iv VII V", "iv v VI VII")


@dataclass(frozen=True)
class _MoodProgressions:
    verse: tuple[str, ...]
    chorus: tuple[str, ...]
    cadence: str


# Verse and chorus options per mood; a seeded choice picks one of each. Verses open on the tonic so the key
# is heard at once; choruses and bridges may start away from it.
_MAJOR: dict[Mood, _MoodProgressions] = {
    Mood.CALM: _MoodProgressions(
        verse=("I V vi IV", "I IV I V", "I9 vi7 IV9 V"),
        chorus=("IV I V I", "vi IV I V", "IV I ii V"),
        cadence="V",
    ),
    Mood.JOYFUL: _MoodProgressions(
        verse=("I V vi IV", "I IV V IV", "I vi IV V"),
        chorus=("IV V I vi", "I V IV V", "IV I V I"),
        cadence="V",
    ),
    Mood.NOSTALGIC: _MoodProgressions(
        verse=("I vi IV V", "I7 iii7 vi7 IV7", "I IV vi V"),
        chorus=("vi IV I V", "IV V I vi", "ii7 V I I"),
        cadence="V",
    ),
    Mood.MELANCHOLIC: _MoodProgressions(
        verse=("I iii vi IV", "I vi IV V", "I V vi iii"),
        chorus=("IV I V vi", "ii vi IV V", "vi IV I V"),
        cadence="V",
    ),
    Mood.ENERGETIC: _MoodProgressions(
        verse=("I V vi IV", "I IV vi V", "I V IV V"),
        chorus=("IV V I vi", "I V IV V", "vi IV I V"),
        cadence="V",
    ),
    Mood.TENSE: _MoodProgressions(
        verse=("I iii IV V", "I V vi iii", "I ii V V"),
        chorus=("vi IV V V", "IV V vi iii", "ii iii IV V"),
        cadence="V",
    ),
    Mood.ROMANTIC: _MoodProgressions(
        verse=("I vi ii V", "I7 vi7 ii7 V7", "I iii IV V"),
        chorus=("IV V iii vi", "ii7 V7 I7 vi7", "IV I V I"),
        cadence="V7",
    ),
    Mood.HOPEFUL: _MoodProgressions(
        verse=("I V vi IV", "I IV vi V", "I IV I V"),
        chorus=("IV V I vi", "vi IV I V", "IV V I I"),
        cadence="V",
    ),
    Mood.PLAYFUL: _MoodProgressions(
        verse=("I IV V I", "I vi ii V", "I V I IV"),
        chorus=("ii V I vi", "IV V I I", "I IV V IV"),
        cadence="V7",
    ),
}

_MINOR: dict[Mood, _MoodProgressions] = {
    Mood.CALM: _MoodProgressions(
        verse=("i iv i v", "i VI iv v", "i7 iv7 i7 v7"),
        chorus=("VI VII i i", "iv v i i", "VI iv i V"),
        cadence="v",
    ),
    Mood.JOYFUL: _MoodProgressions(
        verse=("i VII VI V", "i iv VII i", "i VI VII i"),
        chorus=("VI VII i i", "iv V i VI", "VI VII V i"),
        cadence="V",
    ),
    Mood.NOSTALGIC: _MoodProgressions(
        verse=("i VI iv V", "i iv VII III", "i7 VI7 iv7 v7"),
        chorus=("VI VII i i", "iv VII i VI", "VI iv i V"),
        cadence="VII",
    ),
    Mood.MELANCHOLIC: _MoodProgressions(
        verse=("i VI iv v", "i iv VI v", "i VII VI V"),
        chorus=("VI VII i i", "iv VI i v", "iv i V i"),
        cadence="V",
    ),
    Mood.ENERGETIC: _MoodProgressions(
        verse=("i VI VII i", "i VII VI VII", "i iv VI V"),
        chorus=("VI VII i i", "iv V i VI", "VI VII V i"),
        cadence="V",
    ),
    Mood.TENSE: _MoodProgressions(
        verse=("i VI VII V", "i iv V i", "i VI iv V"),
        chorus=("VI VII V i", "iv V i VI", "i iv V V"),
        cadence="V",
    ),
    Mood.ROMANTIC: _MoodProgressions(
        verse=("i VI iv V", "i7 iv7 v7 i7", "i iv VII III"),
        chorus=("VI iv V i", "iv V i VI", "VI VII i i"),
        cadence="V",
    ),
    Mood.HOPEFUL: _MoodProgressions(
        verse=("i VI III VII", "i VII VI VII", "i iv VI VII"),
        chorus=("VI VII i i", "iv VI VII i", "VI VII V i"),
        cadence="VII",
    ),
    Mood.PLAYFUL: _MoodProgressions(
        verse=("i iv VII i", "i VII VI VII", "i v VI VII"),
        chorus=("VI VII i i", "iv v i i", "iv V i VI"),
        cadence="V",
    ),
}


def progressions(mood: Mood, mode: Mode) -> ProgressionSet:
    options = (_MAJOR if mode == "major" else _MINOR)[mood]
    bridges = _MAJOR_BRIDGES if mode == "major" else _MINOR_BRIDGES
    return ProgressionSet(options.verse, options.chorus, bridges, options.cadence)


def tonic_chord(mode: Mode) -> Chord:
    return parse_chord("I" if mode == "major" else "i", mode)


def _close_voicings(classes: tuple[int, ...], low: int, high: int) -> list[tuple[int, ...]]:
    """Every close-position voicing (any inversion) of the pitch classes that fits inside [low, high]."""
    voicings = []
    for rotation in range(len(classes)):
        order = classes[rotation:] + classes[:rotation]
        for bottom in range(low, high + 1):
            if bottom % 12 != order[0]:
                continue
            notes = [bottom]
            for pc in order[1:]:
                nxt = notes[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                notes.append(nxt)
            if notes[-1] <= high:
                voicings.append(tuple(notes))
    return voicings


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Total semitone motion from voicing `a` to voicing `b` (nearest-note matching when sizes differ)."""
    if len(a) == len(b):
        return float(sum(abs(x - y) for x, y in zip(sorted(a), sorted(b), strict=True)))
    return float(sum(min(abs(x - y) for x in a) for y in b))


def voice_lead(chords: list[tuple[int, ...]], low: int, high: int, center: float) -> list[tuple[int, ...]]:
    """Voice each chord (as pitch classes) so that voices move as little as possible from chord to chord.

    The first chord sits nearest `center`; later ones trade movement against drifting from the centre.
    """
    result: list[tuple[int, ...]] = []
    previous: tuple[int, ...] | None = None
    for classes in chords:
        candidates = _close_voicings(classes, low, high)
        if not candidates:
            raise ValueError(f"register {low}..{high} too narrow for chord {classes}")

        def cost(voicing: tuple[int, ...], prev: tuple[int, ...] | None = previous) -> float:
            drift = abs(sum(voicing) / len(voicing) - center)
            return drift if prev is None else _movement(prev, voicing) + 0.35 * drift

        best = min(candidates, key=cost)
        result.append(best)
        previous = best
    return result


def nearest_pitch(pitch_class: int, target: float, low: int, high: int) -> int:
    """The pitch with this class closest to `target` inside [low, high]."""
    options = [p for p in range(low, high + 1) if p % 12 == pitch_class]
    return min(options, key=lambda p: (abs(p - target), p))


def all_progression_texts() -> list[tuple[Mode, str]]:
    """Every progression string in the tables, for validation."""
    texts: list[tuple[Mode, str]] = []
    tables: tuple[tuple[Mode, dict[Mood, _MoodProgressions]], ...] = (("major", _MAJOR), ("minor", _MINOR))
    for mode, table in tables:
        bridges = _MAJOR_BRIDGES if mode == "major" else _MINOR_BRIDGES
        for options in table.values():
            texts.extend((mode, t) for t in itertools.chain(options.verse, options.chorus, bridges, (options.cadence,)))
    return texts
