"""The contract every speech backend fulfils: one line of text in, one mono WAV out."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class SpeechEngine(Protocol):
    name: str
    model: str

    def synthesize(self, text: str, wav_out: Path) -> float:
        """Speak `text` into `wav_out` (mono 16-bit WAV, atomically); return its duration in seconds."""
        ...
