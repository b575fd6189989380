"""Music from transformers' MusicGen, prompted with the music brief, fitted to the vlog's length.

MusicGen makes at most ~30 s per call, so a longer vlog gets several chunks (each prompted with the energy of
the shots it lies under) joined by equal-power crossfades; the result is resampled to 44.1 kHz stereo, faded
out and trimmed to the exact length. Weights load once per run from a local folder (never downloaded).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from personavlog.engines.music.base import SAMPLE_RATE
from personavlog.engines.music.mastering import FADE_OUT_S
from personavlog.engines.settings import MusicgenSettings
from personavlog.engines.visual.diffusers import runtime
from personavlog.errors import InputError
from personavlog.media import write_wav
from personavlog.schema import MusicBrief

PEAK = 10 ** (-3 / 20)


def brief_prompt(brief: MusicBrief, energy: float | None = None) -> str:
    parts = [
        f"{brief.genre} music",
        f"{brief.mood.value} mood",
        f"{brief.bpm} bpm",
        f"key of {brief.key} {brief.mode}",
        "featuring " + ", ".join(brief.instruments),
    ]
    if energy is not None:
        parts.append("quiet and sparse" if energy < 0.35 else "building" if energy < 0.7 else "full and driving")
    return ", ".join(parts)


def chunk_spans(total_s: float, chunk_s: float, crossfade_s: float) -> list[tuple[float, float]]:
    """(start_s, length_s) of each generated chunk; neighbours overlap by `crossfade_s`."""
    if total_s <= chunk_s:
        return [(0.0, total_s)]
    step = chunk_s - crossfade_s
    count = math.ceil((total_s - crossfade_s) / step)
    return [(i * step, min(chunk_s, total_s - i * step)) for i in range(count)]


def energy_at(brief: MusicBrief, shot_spans: list[tuple[float, float]], start_s: float, length_s: float) -> float:
    """The brief's mean energy over the shots a chunk overlaps (weighted by overlap)."""
    total = weight = 0.0
    for (shot_start, shot_len), energy in zip(shot_spans, brief.energy, strict=False):
        overlap = max(0.0, min(start_s + length_s, shot_start + shot_len) - max(start_s, shot_start))
        total += overlap * energy
        weight += overlap
    return total / weight if weight > 0 else (sum(brief.energy) / len(brief.energy))


def crossfade_join(chunks: list[np.ndarray], overlap: int) -> np.ndarray:
    """Concatenate mono chunks, blending each seam over `overlap` samples with an equal-power curve."""
    out = chunks[0].astype(np.float32)
    for chunk in chunks[1:]:
        n = min(overlap, len(out), len(chunk))
        if n == 0:
            out = np.concatenate([out, chunk])
            continue
        t = np.linspace(0.0, math.pi / 2, n, dtype=np.float32)
        seam = out[-n:] * np.cos(t) + chunk[:n] * np.sin(t)
        out = np.concatenate([out[:-n], seam, chunk[n:]])
    return out


class MusicgenEngine:
    name = "musicgen"

    def __init__(self, settings: MusicgenSettings | None = None):
        self.settings = settings or MusicgenSettings()
        self._model: Any = None
        self._processor: Any = None
        self._device = "cpu"

    def load(self) -> tuple[Any, Any]:
        if self._model is None:
            runtime.import_torch()
            from transformers import AutoProcessor, MusicgenForConditionalGeneration

            s = self.settings
            model = runtime.local_model_path(s.model, "music", "music.model")
            self._device = runtime.resolve_device(s)
            dtype = runtime.resolve_dtype(s, self._device)
            runtime.quiet_loading()
            try:
                self._processor = AutoProcessor.from_pretrained(model, local_files_only=s.local_files_only)
                self._model = MusicgenForConditionalGeneration.from_pretrained(
                    model, dtype=dtype, local_files_only=s.local_files_only
                )
            except OSError as exc:
                raise runtime.missing_weights(model, "MusicGen", "music.model", exc) from None
            self._model.to(self._device).eval()
        return self._model, self._processor

    def _generate(self, prompt: str, seconds: float, seed: int) -> np.ndarray:
        torch = runtime.import_torch()
        model, processor = self.load()
        s = self.settings
        frame_rate = model.config.audio_encoder.frame_rate
        inputs = processor(text=[prompt], padding=True, return_tensors="pt").to(self._device)
        torch.manual_seed(seed)
        with torch.inference_mode():
            audio = model.generate(
                **inputs,
                do_sample=True,
                guidance_scale=s.guidance,
                temperature=s.temperature,
                top_k=s.top_k,
                max_new_tokens=max(4, math.ceil(seconds * frame_rate) + 3),
            )
        return audio[0, 0].float().cpu().numpy()

    def render(
        self,
        brief: MusicBrief,
        shot_spans: list[tuple[float, float]],
        total_s: float,
        seed: int,
        out_wav: Path,
        midi_out: Path | None = None,
    ) -> None:
        if total_s <= 0:
            raise InputError("music length must be positive")
        model, _processor = self.load()
        rate = int(model.config.audio_encoder.sampling_rate)
        s = self.settings
        spans = chunk_spans(total_s, s.chunk_s, s.crossfade_s)
        chunks = []
        for index, (start, length) in enumerate(spans):
            prompt = brief_prompt(brief, energy_at(brief, shot_spans, start, length))
            chunks.append(self._generate(prompt, length, seed * 1000 + index)[: math.ceil(length * rate)])
        mono = crossfade_join(chunks, round(s.crossfade_s * rate))
        ratio = Fraction(SAMPLE_RATE, rate).limit_denominator(1000)
        audio = resample_poly(mono, ratio.numerator, ratio.denominator).astype(np.float32)
        frames = round(total_s * SAMPLE_RATE)
        audio = np.pad(audio[:frames], (0, max(0, frames - len(audio))))
        fade = min(frames // 4, round(FADE_OUT_S * SAMPLE_RATE))
        if fade > 0:
            audio[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-6:
            audio *= PEAK / peak
        write_wav(Path(out_wav), np.stack([audio, audio], axis=1), SAMPLE_RATE)
