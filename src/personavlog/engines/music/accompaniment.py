"""Harmony parts: comping chords (block, strummed or broken), a sustained pad, and the bass line.

Every part decides its pattern beat by beat from the intensity at that beat, so a loud shot gets
busier playing even when it starts in the middle of a bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personavlog.engines.music.arrangement import BEATS_PER_BAR, Arrangement, Bar, Section
from personavlog.engines.music.instruments import Family
from personavlog.engines.music.score import ScoreNote, clamp_velocity
from personavlog.engines.music.style import Comping
from personavlog.engines.music.theory import Scale, nearest_pitch, voice_lead

LONG_BAR_S = 2.4


@dataclass(frozen=True)
class Register:
    low: int
    high: int

    @property
    def center(self) -> float:
        return (self.low + self.high) / 2


def voicings(arrangement: Arrangement, scale: Scale, register: Register) -> list[tuple[int, ...]]:
    return voice_lead(
        [bar.chord.pitch_classes(scale) for bar in arrangement.bars], register.low, register.high, register.center
    )


def _beat_accent(offset: float) -> float:
    if offset == 0:
        return 6.0
    if offset == 2:
        return 3.0
    return -6.0 if offset % 1 else 0.0


@dataclass(frozen=True)
class Hit:
    """Notes struck together at `offset` beats into the bar; `ring` lets them sound past the next hit."""

    offset: float
    pitches: tuple[int, ...]
    ring: float = 0.0


def _timed(hits: list[Hit], bar_end: float, legato: float) -> list[tuple[Hit, float]]:
    """Pair each hit with its length: the time until the next hit (times `legato`), or its ring if longer."""
    timed = []
    for i, hit in enumerate(hits):
        following = hits[i + 1].offset if i + 1 < len(hits) else bar_end
        length = max((following - hit.offset) * legato, hit.ring)
        timed.append((hit, min(length, bar_end - hit.offset)))
    return timed


class Accompanist:
    def __init__(self, arrangement: Arrangement, scale: Scale, rng: np.random.Generator):
        self.arrangement = arrangement
        self.scale = scale
        self.rng = rng
        # Struck and plucked notes die away within a couple of seconds; slow bars need a second attack.
        self._long_bars = arrangement.beat_s * BEATS_PER_BAR > LONG_BAR_S

    def _velocity(self, base: float, span: float, beat: float, accent: float) -> int:
        energy = self.arrangement.energy_at(beat)
        return clamp_velocity(base + span * energy + accent + float(self.rng.normal(0, 2.5)), 20, 120)

    def _bar_end(self, bar: Bar) -> float:
        return min(bar.end_beat, self.arrangement.total_beats) - bar.start_beat

    def _ending_length(self, bar: Bar) -> float:
        return self.arrangement.total_beats - bar.start_beat

    def comp(self, register: Register, family: Family, comping: Comping) -> list[ScoreNote]:
        notes: list[ScoreNote] = []
        strum = family is Family.GUITAR and comping is Comping.RHYTHM
        for bar, voicing in zip(self.arrangement.bars, voicings(self.arrangement, self.scale, register), strict=True):
            if bar.section is Section.OUTRO:
                if bar.position == 0:
                    notes.extend(self._last_chord(bar, voicing))
                continue
            if comping is Comping.RHYTHM:
                hits = self._block_hits(bar, voicing)
                legato = 0.82 if strum else 0.9
            else:
                hits = self._broken_hits(bar, voicing)
                legato = 1.0
            for hit, length in _timed(hits, self._bar_end(bar), legato):
                beat = bar.start_beat + hit.offset
                velocity = self._velocity(40, 40, beat, _beat_accent(hit.offset))
                upstroke = bool(hit.offset % 1)  # a strum goes down on the beat, up between beats
                for i, pitch in enumerate(sorted(hit.pitches, reverse=upstroke)):
                    notes.append(ScoreNote(pitch, beat, length, velocity, 0.011 * i if strum else 0.0))
        return notes

    def _last_chord(self, bar: Bar, voicing: tuple[int, ...]) -> list[ScoreNote]:
        """A rolled tonic chord, then its tones drifting down slowly so a struck instrument keeps sounding."""
        velocity = self._velocity(54, 26, bar.start_beat, 0)
        length = self._ending_length(bar)
        notes = [ScoreNote(pitch, bar.start_beat, length, velocity, 0.03 * i) for i, pitch in enumerate(voicing)]
        gap = 2.0 if 2 * self.arrangement.beat_s >= 1.2 else 4.0
        offset = gap
        tones = sorted(voicing, reverse=True)
        while offset < length - 1.0 / self.arrangement.beat_s:
            pitch = tones[int(offset // gap - 1) % len(tones)]
            velocity = max(20, velocity - 6)
            notes.append(ScoreNote(pitch, bar.start_beat + offset, length - offset, velocity))
            offset += gap
        return notes

    def _block_hits(self, bar: Bar, voicing: tuple[int, ...]) -> list[Hit]:
        """Block chords: half notes, then a push on the "and" of 2, then every beat, then off-beats too."""
        hits: list[Hit] = []
        for beat in range(bar.beats):
            level = self.arrangement.level_at(bar.start_beat + beat)
            if level >= 2 or beat % 2 == 0:
                hits.append(Hit(float(beat), voicing))
            if (level == 1 and beat == 1) or (level == 3 and beat % 2):
                hits.append(Hit(beat + 0.5, voicing))
        return hits

    def _broken_hits(self, bar: Bar, voicing: tuple[int, ...]) -> list[Hit]:
        """Broken chords that ring on (like a held sustain pedal); busier as intensity rises."""
        cycle = (*voicing, voicing[0] + 12)
        top = len(cycle) - 1
        quarters = (0, 1, 2, top)  # rising through the chord
        eighths = (0, 2, 1, top, 2, 1, top, 1)  # low, high, middle: the hand rocks across the chord
        hits: list[Hit] = []
        for beat in range(bar.beats):
            level = self.arrangement.level_at(bar.start_beat + beat)
            if level == 0:
                if beat == 0:
                    hits.append(Hit(0.0, voicing, ring=4.0))
                elif beat == 2:
                    hits.append(Hit(2.0, (cycle[top],), ring=2.0))
                continue
            if level == 1:
                hits.append(Hit(float(beat), (cycle[quarters[beat]],), ring=2.0))
                continue
            if level == 3 and beat % 2 == 0:
                hits.append(Hit(float(beat), voicing, ring=2.0))
            else:
                hits.append(Hit(float(beat), (cycle[eighths[2 * beat]],), ring=2.0))
            hits.append(Hit(beat + 0.5, (cycle[eighths[2 * beat + 1]],), ring=1.5))
        return hits

    def pad(self, register: Register) -> list[ScoreNote]:
        notes: list[ScoreNote] = []
        bars = self.arrangement.bars
        for bar, voicing in zip(bars, voicings(self.arrangement, self.scale, register), strict=True):
            if bar.section is Section.OUTRO and bar.position > 0:
                continue
            length = self._ending_length(bar) if bar.section is Section.OUTRO else self._bar_end(bar)
            velocity = clamp_velocity(34 + 44 * bar.energy + float(self.rng.normal(0, 2)), 20, 110)
            notes.extend(ScoreNote(pitch, bar.start_beat, length, velocity) for pitch in voicing)
        return notes

    def bass(self, register: Register) -> list[ScoreNote]:
        notes: list[ScoreNote] = []
        bars = self.arrangement.bars
        roots: list[int] = []
        target = register.center
        for bar in bars:
            root = nearest_pitch(bar.chord.root_class(self.scale), target, register.low, register.high)
            roots.append(root)
            target = 0.6 * root + 0.4 * register.center
        for i, bar in enumerate(bars):
            root = roots[i]
            if bar.section is Section.OUTRO:
                if bar.position == 0:
                    velocity = self._velocity(58, 24, bar.start_beat, 0)
                    notes.append(ScoreNote(root, bar.start_beat, self._ending_length(bar), velocity))
                continue
            fifth = nearest_pitch(bar.chord.fifth_class(self.scale), root + 5, register.low, register.high)
            next_root = roots[i + 1] if i + 1 < len(roots) else root
            approach = self._approach(root, next_root)
            hits = self._bass_hits(bar, root, fifth, approach)
            for hit, length in _timed(hits, self._bar_end(bar), 0.92):
                beat = bar.start_beat + hit.offset
                velocity = self._velocity(60, 38, beat, _beat_accent(hit.offset))
                notes.append(ScoreNote(hit.pitches[0], beat, length, velocity))
        return notes

    def _approach(self, root: int, next_root: int) -> int:
        """A scale step into the next root from the side the line comes from; the fifth when the root repeats."""
        if next_root == root:
            return self.scale.pitch(self.scale.index_near(root) + 4)
        index = self.scale.index_near(next_root)
        return self.scale.pitch(index - 1 if next_root > root else index + 1)

    def _bass_hits(self, bar: Bar, root: int, fifth: int, approach: int) -> list[Hit]:
        """Roots, then root and fifth, then a walking quarter line, then driving eighths."""
        hits: list[Hit] = []
        for beat in range(bar.beats):
            level = self.arrangement.level_at(bar.start_beat + beat)
            if level == 0 and beat != 0 and not (beat == 2 and self._long_bars):
                continue
            if level == 1 and beat % 2:
                continue
            pitch = (root, root, fifth, approach)[beat] if level >= 2 else (root if beat == 0 else fifth)
            hits.append(Hit(float(beat), (pitch,)))
            if level == 3 and beat in (0, 2):
                hits.append(Hit(beat + 0.5, (root if beat == 0 else fifth,)))
        return hits
