"""The embedded Piper voice: deterministic, intelligible to a real recogniser, never clipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from personavlog.engines.speech.piper_engine import PiperSpeechEngine
from personavlog.measure.speech import transcribe, word_recall
from personavlog.media import read_wav

LINE = "I walk along the river at dawn. The water is calm, and I feel ready for the day."


def test_piper_line_is_intelligible_and_deterministic(tmp_path: Path) -> None:
    engine = PiperSpeechEngine()
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    duration = engine.synthesize(LINE, first)
    engine.synthesize(LINE, second)

    assert first.read_bytes() == second.read_bytes()
    samples, rate = read_wav(first)
    assert rate == 22050
    assert abs(duration - len(samples) / rate) < 1e-6
    words = len(LINE.split())
    assert 1.5 < words / duration < 4.5, "speaking rate outside what a listener can follow"
    assert np.max(np.abs(samples)) < 0.99
    assert word_recall(LINE, transcribe(first).text) >= 0.8


def test_unspeakable_symbols_are_dropped(tmp_path: Path) -> None:
    engine = PiperSpeechEngine()
    plain, marked = tmp_path / "plain.wav", tmp_path / "marked.wav"
    engine.synthesize("I smile at the sea.", plain)
    engine.synthesize("**I smile** at the sea. 🌊 #", marked)
    assert plain.read_bytes() == marked.read_bytes()
