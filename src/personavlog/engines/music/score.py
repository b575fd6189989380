"""The notes the composer writes before they become MIDI: positions in beats, not seconds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoreNote:
    pitch: int
    start: float
    """Beats from the start of the piece."""
    length: float
    """Beats."""
    velocity: int
    delay_s: float = 0.0
    """Fixed offset in seconds added after the beat-to-time mapping (a strum spreads a chord this way)."""


def clamp_velocity(value: float, low: int = 1, high: int = 127) -> int:
    return int(min(high, max(low, round(value))))
