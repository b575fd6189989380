"""The form of the piece: a bar grid over the video, sections placed by the energy curve, a chord per bar."""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from personavlog.engines.music.theory import Chord, Mode, parse_chord, parse_progression, progressions, tonic_chord
from personavlog.schema import MusicBrief

BEATS_PER_BAR = 4
ENDING_S = 2.75
"""The final tonic sounds at least this long (a little more than the fade-out), so the music fades on it."""


class Section(StrEnum):
    INTRO = "intro"
    VERSE = "verse"
    CHORUS = "chorus"
    BRIDGE = "bridge"
    OUTRO = "outro"


_SECTION_LIFT = {
    Section.INTRO: -0.12,
    Section.VERSE: 0.0,
    Section.CHORUS: 0.08,
    Section.BRIDGE: -0.04,
    Section.OUTRO: -0.1,
}
_LEVEL_THRESHOLDS = (0.3, 0.55, 0.78)


@dataclass(frozen=True)
class EnergyCurve:
    """Energy as a step function of time: each shot's value holds from its start until the next shot starts."""

    starts: tuple[float, ...]
    values: tuple[float, ...]

    @classmethod
    def from_shots(cls, spans: list[tuple[float, float]], energy: list[float]) -> EnergyCurve:
        if not spans:
            return cls((0.0,), (float(np.mean(energy)),))
        if len(energy) != len(spans):
            # Stretch the brief's curve over the shots actually on the timeline.
            source = np.linspace(0.0, 1.0, num=len(energy))
            target = np.linspace(0.0, 1.0, num=len(spans))
            energy = list(np.interp(target, source, energy)) if len(energy) > 1 else energy * len(spans)
        order = sorted(range(len(spans)), key=lambda i: spans[i][0])
        return cls(tuple(spans[i][0] for i in order), tuple(float(energy[i]) for i in order))

    def at(self, t: float) -> float:
        index = bisect.bisect_right(self.starts, t) - 1
        return self.values[max(index, 0)]

    def mean(self, t0: float, t1: float) -> float:
        if t1 <= t0:
            return self.at(t0)
        return float(np.mean([self.at(t) for t in np.linspace(t0, t1, num=17)]))


@dataclass(frozen=True)
class Bar:
    index: int
    start_beat: float
    beats: int
    """4, or 2 for the half bar that lets the final tonic land close to the fade-out."""
    section: Section
    phrase: int
    position: int
    """Bar number inside its phrase, from 0."""
    phrase_length: int
    chord: Chord
    energy: float

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.beats

    @property
    def opens_section(self) -> bool:
        return self.position == 0

    @property
    def closes_phrase(self) -> bool:
        return self.position == self.phrase_length - 1


@dataclass(frozen=True)
class Arrangement:
    bpm: int
    mode: Mode
    total_s: float
    bars: tuple[Bar, ...]
    ending_bar: int
    """Index of the first outro bar, where the final tonic arrives."""
    curve: EnergyCurve

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    @property
    def total_beats(self) -> float:
        return self.total_s / self.beat_s

    def bar_at(self, beat: float) -> Bar:
        index = bisect.bisect_right([bar.start_beat for bar in self.bars], beat) - 1
        return self.bars[min(max(index, 0), len(self.bars) - 1)]

    def energy_at(self, beat: float) -> float:
        """Energy that drives density and loudness at this beat: the shot's energy, lifted by the section."""
        bar = self.bar_at(beat)
        raw = self.curve.at(beat * self.beat_s)
        return min(1.0, max(0.0, raw + _SECTION_LIFT[bar.section]))

    def level_at(self, beat: float) -> int:
        """Intensity step 0..3 at this beat."""
        return bisect.bisect_right(_LEVEL_THRESHOLDS, self.energy_at(beat))


def split_phrases(bars: int) -> list[int]:
    """Cut a run of bars into phrases of 2-4 bars (shorter only when the run itself is shorter)."""
    lengths: list[int] = []
    while bars > 0:
        if bars == 5:
            lengths.extend((3, 2))
            break
        take = min(4, bars)
        lengths.append(take)
        bars -= take
    return lengths


def label_phrases(energies: list[float]) -> list[Section]:
    """Verse first; the more energetic half of the rest become choruses; one calm phrase late on becomes a bridge."""
    count = len(energies)
    labels = [Section.VERSE] * count
    if count >= 2:
        rest = sorted(range(1, count), key=lambda i: (energies[i], i), reverse=True)
        for i in rest[: math.ceil((count - 1) / 2)]:
            labels[i] = Section.CHORUS
    if count >= 4:
        verses = [i for i in range(2, count) if labels[i] is Section.VERSE]
        if verses:
            labels[min(verses, key=lambda i: abs(i - 0.6 * count))] = Section.BRIDGE
    return labels


_PROGRESSION_SLOTS = {1: (0,), 2: (0, 3), 3: (0, 1, 3), 4: (0, 1, 2, 3)}


def _bar_lengths(total_s: float, beat_s: float) -> tuple[list[int], int]:
    """Beats per bar, and how many bars come before the final tonic.

    The tonic arrives on a half-bar boundary between ENDING_S and ENDING_S + 2 beats before the end.
    """
    ending_beat = 2 * math.floor((total_s - ENDING_S) / (2 * beat_s))
    ending_beat = max(ending_beat, 0)
    body = [BEATS_PER_BAR] * (ending_beat // BEATS_PER_BAR) + [2] * (ending_beat % BEATS_PER_BAR // 2)
    outro_beats = total_s / beat_s - ending_beat
    outro = [BEATS_PER_BAR] * max(1, math.ceil(outro_beats / BEATS_PER_BAR - 1e-9))
    return body + outro, len(body)


def plan(brief: MusicBrief, spans: list[tuple[float, float]], total_s: float, rng: np.random.Generator) -> Arrangement:
    curve = EnergyCurve.from_shots(spans, brief.energy)
    beat_s = 60.0 / brief.bpm
    lengths, ending_bar = _bar_lengths(total_s, beat_s)
    starts = [0, *itertools.accumulate(lengths)]
    intro_bars = 0 if ending_bar < 4 else (1 if ending_bar < 10 else 2)

    def bar_energy(index: int) -> float:
        return curve.mean(starts[index] * beat_s, min(starts[index + 1] * beat_s, total_s))

    table = progressions(brief.mood, brief.mode)
    chosen = {
        Section.VERSE: parse_progression(str(rng.choice(table.verse)), brief.mode),
        Section.CHORUS: parse_progression(str(rng.choice(table.chorus)), brief.mode),
        Section.BRIDGE: parse_progression(str(rng.choice(table.bridge)), brief.mode),
    }
    tonic = tonic_chord(brief.mode)
    cadence = parse_chord(table.cadence, brief.mode)
    bars: list[Bar] = []

    def add(section: Section, phrase: int, position: int, phrase_length: int, chord: Chord) -> None:
        index = len(bars)
        bars.append(
            Bar(
                index=index,
                start_beat=float(starts[index]),
                beats=lengths[index],
                section=section,
                phrase=phrase,
                position=position,
                phrase_length=phrase_length,
                chord=chord,
                energy=bar_energy(index),
            )
        )

    for position in range(intro_bars):
        add(Section.INTRO, 0, position, intro_bars, tonic)

    phrase_lengths = split_phrases(ending_bar - intro_bars)
    phrase_starts = np.cumsum([intro_bars, *phrase_lengths])[:-1]
    energies = [
        float(np.mean([bar_energy(s + k) for k in range(n)]))
        for s, n in zip(phrase_starts, phrase_lengths, strict=True)
    ]
    for phrase, (length, section) in enumerate(zip(phrase_lengths, label_phrases(energies), strict=True)):
        progression = chosen[section]
        for position, slot in enumerate(_PROGRESSION_SLOTS[length]):
            chord = progression[slot % len(progression)]
            if phrase == len(phrase_lengths) - 1 and position == length - 1 and bars:
                chord = cadence
            add(section, phrase + 1, position, length, chord)

    outro_length = len(lengths) - ending_bar
    for position in range(outro_length):
        add(Section.OUTRO, len(phrase_lengths) + 1, position, outro_length, tonic)
    return Arrangement(brief.bpm, brief.mode, total_s, tuple(bars), ending_bar, curve)
