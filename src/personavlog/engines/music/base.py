"""The contract every music backend fulfils: a brief and the shot timing in, a WAV of the exact length out."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from personavlog.schema import MusicBrief

SAMPLE_RATE = 44100


class MusicEngine(Protocol):
    name: str

    def render(
        self,
        brief: MusicBrief,
        shot_spans: list[tuple[float, float]],
        total_s: float,
        seed: int,
        out_wav: Path,
        midi_out: Path | None = None,
    ) -> None:
        """Write `out_wav` (44.1 kHz stereo 16-bit, round(total_s * 44100) frames) atomically.

        `shot_spans` holds (start_s, duration_s) per shot on the final timeline, in the order of `brief.energy`.
        A backend that composes symbolically also writes `midi_out` when given.
        """
        ...
