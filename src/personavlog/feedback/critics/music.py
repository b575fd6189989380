"""Music critic: does the track cover the vlog and follow its brief (tempo, energy across the shots)?

Routes to the music engine (a retake with a new seed).
"""

from __future__ import annotations

from pathlib import Path

from personavlog.measure.music import energy_correlation, estimate_tempo, segment_rms_db, tempo_matches
from personavlog.media import read_wav
from personavlog.schema import Critique, MusicBrief

MIN_ENERGY_CORRELATION = 0.2


def critique_music(
    music: Path, brief: MusicBrief, spans: list[tuple[float, float]], total_s: float, round_: int = 0
) -> list[Critique]:
    samples, rate = read_wav(music)
    covered = len(samples) / rate / total_s
    tempo = estimate_tempo(samples, rate)
    levels = segment_rms_db(samples, rate, [(s, min(d, total_s - s - 2.5)) for s, d in spans if total_s - s > 3])
    energy = brief.energy[: len(levels)]
    correlation = energy_correlation(energy, levels)
    return [
        Critique(
            stage="music",
            target="music.coverage",
            score=round(covered, 4),
            threshold=0.999,
            passed=covered >= 0.999,
            feedback="The music ends before the vlog does: compose it to the full length.",
            round=round_,
        ),
        Critique(
            stage="music",
            target="music.tempo",
            score=round(tempo, 2),
            threshold=float(brief.bpm),
            passed=tempo_matches(tempo, brief.bpm),
            feedback=f"The music's pulse ({tempo:.0f} bpm) does not follow the brief's {brief.bpm} bpm: "
            "make the beat clearer.",
            round=round_,
        ),
        Critique(
            stage="music",
            target="music.energy",
            score=round(correlation, 4),
            threshold=MIN_ENERGY_CORRELATION,
            passed=correlation >= MIN_ENERGY_CORRELATION,
            feedback="The music's intensity does not follow the energy of the shots: play louder and denser "
            "where the brief's energy is high.",
            round=round_,
        ),
    ]
