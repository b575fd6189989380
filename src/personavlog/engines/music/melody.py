"""The melody: one-bar motifs with repetition and variation, shaped into 1-4 bar phrases that end on a goal tone.

Pitches are diatonic indices of the key's scale, so the melody never leaves the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from personavlog.engines.music.arrangement import BEATS_PER_BAR, Arrangement, Bar, Section
from personavlog.engines.music.score import ScoreNote, clamp_velocity
from personavlog.engines.music.theory import Chord, Scale

SLOTS = 8
"""Eighth notes per bar."""
SLOT_BEATS = BEATS_PER_BAR / SLOTS


@dataclass(frozen=True)
class MotifNote:
    onset: int
    """Eighth-note slot inside the bar."""
    length: int
    """Slots."""
    step: int
    """Scale steps from the previous note (the first note: from the bar's anchor tone)."""
    goal: bool = False
    """Lands on the phrase's goal tone instead of following `step`."""


Motif = tuple[MotifNote, ...]
Cell = tuple[int, ...]
T = TypeVar("T")

# Half-bar rhythm cells in eighths; a negative entry is a rest.
_CELLS_SPARSE: tuple[Cell, ...] = ((4,), (3, 1), (-2, 2), (2, 2))
_CELLS_MEDIUM: tuple[Cell, ...] = ((2, 2), (3, 1), (1, 1, 2), (2, 1, 1), (-1, 1, 2), (1, 3))
_CELLS_DENSE: tuple[Cell, ...] = ((1, 1, 1, 1), (1, 1, 2), (2, 1, 1), (1, 2, 1))
_ENDINGS: tuple[Cell, ...] = ((4,), (2, 2), (3, 1), (1, 1, 2), (-1, 3))
_STEPS = np.array([-3, -2, -1, 0, 1, 2, 3])
_STEP_WEIGHTS = np.array([0.05, 0.16, 0.26, 0.07, 0.26, 0.14, 0.06])

_FORMS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("c",),),
    2: (("a", "c"), ("a2", "c")),
    3: (("a", "a2", "c"), ("a", "b", "c")),
    4: (("a", "a2", "a", "c"), ("a", "b", "a", "c"), ("a", "a2", "b", "c")),
}


def _pick(rng: np.random.Generator, options: tuple[T, ...]) -> T:
    return options[int(rng.integers(len(options)))]


def make_motif(rng: np.random.Generator, density: float) -> Motif:
    """A one-bar idea: a rhythm from two half-bar cells and a mostly stepwise contour."""
    pool = _CELLS_DENSE if density > 0.66 else (_CELLS_MEDIUM if density > 0.33 else _CELLS_SPARSE)
    cells = [_pick(rng, pool), _pick(rng, _ENDINGS)]
    notes: list[MotifNote] = []
    slot = 0
    contour = 0
    for cell in cells:
        for value in cell:
            if value < 0:
                slot -= value
                continue
            step = 0 if not notes else int(rng.choice(_STEPS, p=_STEP_WEIGHTS))
            if not -3 <= contour + step <= 5:
                step = -step
            contour += step
            notes.append(MotifNote(slot, value, step))
            slot += value
    if len(notes) < 2:
        notes = [MotifNote(0, 2, 0), MotifNote(2, 2, 1), MotifNote(4, 4, -1)]
    return tuple(notes)


def ornament(motif: Motif, rng: np.random.Generator) -> Motif:
    """Split the longest note into two, the second a neighbour tone; later pitches stay where they were."""
    longest = max(range(len(motif)), key=lambda i: (motif[i].length, -i))
    note = motif[longest]
    if note.length < 2:
        return alter_tail(motif, rng)
    half = note.length // 2
    turn = 1 if rng.random() < 0.5 else -1
    first = replace(note, length=half)
    second = MotifNote(note.onset + half, note.length - half, turn)
    rest = list(motif[longest + 1 :])
    if rest:
        rest[0] = replace(rest[0], step=rest[0].step - turn)
    return (*motif[:longest], first, second, *rest)


def alter_tail(motif: Motif, rng: np.random.Generator) -> Motif:
    shift = int(rng.choice([-2, -1, 1, 2]))
    last = motif[-1]
    return (*motif[:-1], replace(last, step=last.step + shift))


def invert(motif: Motif) -> Motif:
    return tuple(replace(note, step=-note.step) for note in motif)


def cadence(motif: Motif) -> Motif:
    """The motif's first half, then a long goal tone on beat 3."""
    head = tuple(note for note in motif if note.onset < SLOTS // 2)
    head = tuple(replace(n, length=min(n.length, SLOTS // 2 - n.onset)) for n in head)
    return (*head, MotifNote(SLOTS // 2, SLOTS // 2, 0, goal=True))


def _snap(index: int, classes: frozenset[int]) -> int:
    """Nearest diatonic index whose degree is in `classes` (ties go down)."""
    for distance in range(7):
        for candidate in (index - distance, index + distance):
            if candidate % 7 in classes:
                return candidate
    return index


def _resting_tone(chord: Chord) -> frozenset[int]:
    """Where a phrase comes to rest over this chord: the key's tonic, third or fifth if the chord holds one."""
    tones = chord.tone_classes()
    for degree in (0, 2, 4):
        if degree in tones:
            return frozenset({degree})
    return frozenset({chord.degree % 7})


@dataclass
class _Line:
    """Mutable state while the melody is written bar by bar."""

    last: int
    notes: list[ScoreNote]


class MelodyWriter:
    def __init__(self, arrangement: Arrangement, scale: Scale, low: int, high: int, rng: np.random.Generator):
        self.arrangement = arrangement
        self.scale = scale
        self.low_index = scale.index_near(low) + 1
        self.high_index = scale.index_near(high) - 1
        self.rng = rng
        center = (self.low_index + self.high_index) // 2
        self.home = {Section.VERSE: center - 1, Section.CHORUS: center + 2, Section.BRIDGE: center - 2}
        verse = make_motif(rng, 0.45)
        self.motifs: dict[Section, dict[str, Motif]] = {
            Section.VERSE: {"a": verse, "b": make_motif(rng, 0.4)},
            Section.CHORUS: {"a": make_motif(rng, 0.7), "b": make_motif(rng, 0.55)},
            Section.BRIDGE: {"a": ornament(invert(verse), rng), "b": make_motif(rng, 0.3)},
        }

    def write(self) -> list[ScoreNote]:
        line = _Line(last=self.home[Section.VERSE], notes=[])
        bars = self.arrangement.bars
        phrase_start = 0
        while phrase_start < len(bars):
            first = bars[phrase_start]
            phrase = bars[phrase_start : phrase_start + first.phrase_length]
            if first.section is Section.OUTRO:
                self._ending(phrase[0], line)
            elif first.section is not Section.INTRO:
                self._phrase(phrase, line)
            phrase_start += first.phrase_length
        return line.notes

    def _phrase(self, bars: tuple[Bar, ...], line: _Line) -> None:
        section = bars[0].section
        form = _pick(self.rng, _FORMS[len(bars)])
        motifs = self.motifs[section]
        is_last = bars[-1].index == self.arrangement.ending_bar - 1
        for bar, kind in zip(bars, form, strict=True):
            if kind == "a":
                motif = motifs["a"]
            elif kind == "a2":
                vary = ornament if self.rng.random() < 0.5 else alter_tail
                motif = vary(motifs["a"], self.rng)
            elif kind == "b":
                motif = motifs["b"]
            elif bar.beats < BEATS_PER_BAR:
                motif = (MotifNote(0, 2 * bar.beats, 0, goal=True),)
            else:
                motif = cadence(motifs["a"])
            goal = bar.chord.tone_classes() if is_last else _resting_tone(bar.chord)
            self._bar(bar, motif, self.home[section], goal, line)

    def _bar(self, bar: Bar, motif: Motif, home: int, goal: frozenset[int], line: _Line) -> None:
        slots = round(bar.beats / SLOT_BEATS)
        motif = tuple(replace(n, length=min(n.length, slots - n.onset)) for n in motif if n.onset < slots)
        chord: Chord = bar.chord
        tones = chord.tone_classes()
        avoid = chord.avoid_classes()
        anchor = _snap(round((line.last + home) / 2), tones)
        realized: list[list[int]] = []  # [onset, length, index]
        current = anchor
        for position, note in enumerate(motif):
            current = current + note.step if position else anchor
            if note.goal:
                current = _snap(current, goal)
            elif note.onset in (0, SLOTS // 2) or note.length >= 3 or current % 7 in avoid:
                current = _snap(current, tones)
            realized.append([note.onset, note.length, current])
        if not realized:
            return
        self._fit_register(realized)
        realized = self._adapt_density(bar, realized, avoid)
        for onset, length, index in realized:
            beat = bar.start_beat + onset * SLOT_BEATS
            energy = self.arrangement.energy_at(beat)
            accent = 8 if onset == 0 else (4 if onset == SLOTS // 2 else (-4 if onset % 2 else 0))
            velocity = 56 + 46 * energy + accent + float(self.rng.normal(0, 3))
            line.notes.append(
                ScoreNote(self.scale.pitch(index), beat, length * SLOT_BEATS * 0.94, clamp_velocity(velocity, 24, 118))
            )
        if realized:
            line.last = realized[-1][2]

    def _fit_register(self, realized: list[list[int]]) -> None:
        indices = [r[2] for r in realized]
        shift = 0
        while max(indices) + shift > self.high_index:
            shift -= 7
        while min(indices) + shift < self.low_index:
            shift += 7
        for r in realized:
            r[2] += shift

    def _adapt_density(self, bar: Bar, realized: list[list[int]], avoid: frozenset[int]) -> list[list[int]]:
        """Thin out off-beat notes where the energy is low; split long notes with passing tones where it is high."""
        result: list[list[int]] = []
        for position, (onset, length, index) in enumerate(realized):
            level = self.arrangement.level_at(bar.start_beat + onset * SLOT_BEATS)
            if level == 0 and onset % 2 and result:
                result[-1][1] = onset + length - result[-1][0]
                continue
            last_note = position == len(realized) - 1
            if level >= 2 + (bar.section is not Section.CHORUS) and length >= 2 and not last_note:
                following = realized[position + 1][2]
                passing = index + (1 if following > index else -1)
                if passing % 7 in avoid:
                    passing = index
                half = length // 2
                result.append([onset, half, index])
                result.append([onset + half, length - half, passing])
                continue
            result.append([onset, length, index])
        return result

    def _ending(self, bar: Bar, line: _Line) -> None:
        index = _snap(line.last, frozenset({0}))
        while index > self.high_index:
            index -= 7
        while index < self.low_index:
            index += 7
        start = bar.start_beat
        length = self.arrangement.total_beats - start
        velocity = 60 + 24 * self.arrangement.energy_at(start)
        line.notes.append(ScoreNote(self.scale.pitch(index), start, length, clamp_velocity(velocity)))
        line.last = index
