"""Music–mood match: does the measured music do what its brief asks (tempo, mode, energy across the shots)?

Components, each 0..1:
- tempo: 1 - (distance in octaves between the measured tempo, allowing half/double, and the brief's bpm) / 0.2,
  floored at 0 (within 3 % ≈ 0.8; 15 % off ≈ 0);
- mode: 1 when the measured mode (Krumhansl-Kessler key profiles) equals the brief's major/minor, else 0;
- energy: (Spearman rank correlation between the brief's per-shot energy and the measured per-shot RMS + 1) / 2;
  1 when the brief's curve is flat (nothing to follow).
`music_mood_match` is their mean, range 0..1, higher is better. Model: none (signal processing in
`measure.music`: spectral-flux tempo, chroma key estimate, RMS).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel

from personavlog.measure.music import energy_correlation, estimate_key, estimate_tempo, segment_rms_db
from personavlog.schema import MusicBrief

TEMPO_OCTAVE_TOLERANCE = 0.2


class MusicMoodReport(BaseModel):
    tempo_bpm: float
    mode: str
    tempo_score: float
    mode_score: float
    energy_score: float
    music_mood_match: float


def tempo_score(measured: float, expected: float) -> float:
    if measured <= 0 or expected <= 0:
        return 0.0
    distance = min(abs(math.log2(measured * f / expected)) for f in (0.5, 1.0, 2.0))
    return max(0.0, 1.0 - distance / TEMPO_OCTAVE_TOLERANCE)


def music_mood_match(
    samples: np.ndarray, rate: int, brief: MusicBrief, spans: list[tuple[float, float]]
) -> MusicMoodReport:
    """`spans`: (start_s, duration_s) of each shot on the music's timeline, in the brief's energy order."""
    tempo = estimate_tempo(samples, rate)
    key = estimate_key(samples, rate)
    levels = segment_rms_db(samples, rate, spans)
    energy = brief.energy[: len(levels)]
    correlation = energy_correlation(energy, levels[: len(energy)])
    parts = (tempo_score(tempo, brief.bpm), 1.0 if key.mode == brief.mode else 0.0, (correlation + 1.0) / 2.0)
    return MusicMoodReport(
        tempo_bpm=round(tempo, 2),
        mode=key.mode,
        tempo_score=parts[0],
        mode_score=parts[1],
        energy_score=parts[2],
        music_mood_match=float(np.mean(parts)),
    )
