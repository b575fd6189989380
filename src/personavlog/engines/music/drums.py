"""The drum kit part (General MIDI percussion, played on channel 10)."""

from __future__ import annotations

import numpy as np

from personavlog.engines.music.arrangement import Arrangement, Bar, Section
from personavlog.engines.music.score import ScoreNote, clamp_velocity
from personavlog.engines.music.style import DrumMode

KICK, SIDE_STICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH = 36, 37, 38, 42, 46, 49
HIT = 0.25
"""Drum notes are one-shots; this is only their nominal length in beats."""


class Drummer:
    def __init__(self, arrangement: Arrangement, mode: DrumMode, rng: np.random.Generator):
        self.arrangement = arrangement
        self.mode = mode
        self.rng = rng
        self.notes: list[ScoreNote] = []

    def _hit(self, pitch: int, beat: float, base: float, span: float) -> None:
        energy = self.arrangement.energy_at(beat)
        velocity = clamp_velocity(base + span * energy + float(self.rng.normal(0, 3)), 15, 122)
        self.notes.append(ScoreNote(pitch, beat, HIT, velocity))

    def _level(self, beat: float) -> int | None:
        """Pattern intensity at this beat, or None where the drums stay out."""
        level = self.arrangement.level_at(beat)
        if self.mode is DrumMode.FULL:
            return level
        if self.mode is DrumMode.PEAKS and level >= 2:
            return level - 1
        return None

    def play(self) -> list[ScoreNote]:
        if self.mode is DrumMode.NONE:
            return []
        playing = False
        for bar in self.arrangement.bars:
            if bar.section is Section.OUTRO:
                if bar.position == 0 and playing:
                    self._hit(CRASH, bar.start_beat, 60, 30)
                    self._hit(KICK, bar.start_beat, 66, 30)
                continue
            playing = self._bar(bar, playing)
        return self.notes

    def _bar(self, bar: Bar, was_playing: bool) -> bool:
        played = False
        fill = bar.closes_phrase and bar.section is not Section.INTRO
        for beat in range(bar.beats):
            at = bar.start_beat + beat
            level = self._level(at)
            if level is None:
                continue
            entering = not (played or was_playing) and self.mode is DrumMode.PEAKS
            if level >= 1 and (entering or (beat == 0 and bar.opens_section and bar.section is Section.CHORUS)):
                self._hit(CRASH, at, 58, 40)
            played = True
            if bar.section is Section.INTRO:
                self._hit(CLOSED_HAT, at, 30, 30)
                continue
            if fill and beat == bar.beats - 1 and level >= 2:
                for k in range(4):
                    self._hit(SNARE, at + k / 4, 40 + 8 * k, 36)
                continue
            self._groove(at, beat, level)
        return played

    def _groove(self, at: float, beat: int, level: int) -> None:
        if level == 0:
            if beat == 0:
                self._hit(KICK, at, 52, 30)
            if beat == 2:
                self._hit(SIDE_STICK, at, 40, 30)
            self._hit(CLOSED_HAT, at, 28, 30)
            return
        if beat % 2 == 0:
            self._hit(KICK, at, 64, 40)
        else:
            self._hit(SNARE, at, 58, 44)
        self._hit(CLOSED_HAT, at, 40, 34)
        off_hat = OPEN_HAT if level == 3 and beat == 3 else CLOSED_HAT
        self._hit(off_hat, at + 0.5, 28, 30)
        if level >= 2 and beat == 1:
            self._hit(KICK, at + 0.5, 52, 36)
        if level == 3 and beat == 3:
            self._hit(KICK, at + 0.5, 50, 36)
