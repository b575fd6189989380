"""The voice-over track, the music bed, and their mix with the music ducked under the voice."""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.signal import resample_poly

from personavlog.compose.ducking import DuckingSettings, duck_envelope
from personavlog.compose.loudness import integrated_loudness
from personavlog.media import read_wav
from personavlog.schema import ShotTiming, Timeline

MIX_RATE = 48_000
_CHUNK = 1 << 16
_EDGE_FADE_S = 0.005


class MixSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    music_level_db: float = Field(default=-5.0, description="music loudness between lines, relative to the voice")
    music_fade_in_s: float = 0.05
    music_fade_out_s: float = 1.5
    music_loop_crossfade_s: float = 0.5
    ducking: DuckingSettings = DuckingSettings()


@dataclass(frozen=True)
class VoiceSpan:
    shot_id: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Mix:
    audio: np.ndarray
    """(samples, 2) float32 at MIX_RATE, not yet loudness-normalised."""
    rate: int
    voice_spans: list[VoiceSpan]
    ducking_db: float


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    if source_rate == target_rate:
        return samples.astype(np.float32, copy=False)
    ratio = Fraction(target_rate, source_rate)
    out = resample_poly(samples, ratio.numerator, ratio.denominator, axis=0)
    return out.astype(np.float32, copy=False)


def _fade(samples: np.ndarray, fade_in: int, fade_out: int) -> None:
    """Raised-cosine fades, in place, at both ends of the first axis."""
    for length, at_start in ((fade_in, True), (fade_out, False)):
        length = min(length, samples.shape[0])
        if length <= 0:
            continue
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, length, dtype=np.float32))).astype(np.float32)
        if samples.ndim == 2:
            ramp = ramp[:, None]
        if at_start:
            samples[:length] *= ramp
        else:
            samples[samples.shape[0] - length :] *= ramp[::-1]


def resampled_length(samples: int, source_rate: int, target_rate: int) -> int:
    """How many samples `resample` gives for `samples` (resample_poly's output length)."""
    ratio = Fraction(target_rate, source_rate)
    return -(-samples * ratio.numerator // ratio.denominator)


def _placed(shot: ShotTiming, length: int, rate: int, total: int) -> tuple[int, int]:
    """Where a voice line of `length` samples (at `rate`) sits on a track of `total`: [start, end), maybe empty."""
    start = max(0, round((shot.start_s + shot.voice_offset_s) * rate))
    return start, min(total, start + length)


def voice_spans(timeline: Timeline, voices: dict[int, Path], rate: int = MIX_RATE) -> list[VoiceSpan]:
    """Where `voice_track` puts each line, read from the WAV headers alone (no samples decoded)."""
    total = round(timeline.total_s * rate)
    spans: list[VoiceSpan] = []
    for shot in timeline.shots:
        path = voices.get(shot.shot_id)
        if path is None:
            continue
        with wave.open(str(path), "rb") as handle:
            length = resampled_length(handle.getnframes(), handle.getframerate(), rate)
        start, end = _placed(shot, length, rate, total)
        if end > start:
            spans.append(VoiceSpan(shot.shot_id, start / rate, end / rate))
    return spans


def voice_track(
    timeline: Timeline, voices: dict[int, Path], rate: int, total: int
) -> tuple[np.ndarray, list[VoiceSpan]]:
    """All voice lines on one mono track (float32, `total` samples) and where each one sits."""
    track = np.zeros(total, dtype=np.float32)
    spans: list[VoiceSpan] = []
    edge = round(_EDGE_FADE_S * rate)
    for shot in timeline.shots:
        path = voices.get(shot.shot_id)
        if path is None:
            continue
        samples, source_rate = read_wav(Path(path))
        if samples.ndim == 2:
            samples = samples.mean(axis=1)
        line = resample(samples, source_rate, rate)
        start, end = _placed(shot, line.shape[0], rate, total)
        if end <= start:
            continue
        line = line[: end - start].copy()
        _fade(line, edge, edge)
        track[start:end] += line
        spans.append(VoiceSpan(shot.shot_id, start / rate, end / rate))
    return track, spans


def _loop_to_length(music: np.ndarray, total: int, crossfade: int) -> np.ndarray:
    if music.shape[0] >= total or music.shape[0] == 0:
        return music[:total] if music.shape[0] else np.zeros((total, 2), dtype=np.float32)
    crossfade = min(crossfade, music.shape[0] // 2)
    out = np.zeros((total, 2), dtype=np.float32)
    out[: music.shape[0]] = music
    filled = music.shape[0]
    ramp = np.linspace(0.0, 1.0, crossfade, dtype=np.float32)[:, None]
    while filled < total:
        start = filled - crossfade
        piece = music[: min(music.shape[0], total - start)]
        overlap = min(crossfade, piece.shape[0])
        out[start : start + overlap] = (
            out[start : start + overlap] * (1.0 - ramp[:overlap]) + piece[:overlap] * ramp[:overlap]
        )
        out[start + overlap : start + piece.shape[0]] = piece[overlap:]
        filled = start + piece.shape[0]
    return out


def music_bed(path: Path, rate: int, total: int, settings: MixSettings) -> np.ndarray:
    """The music as (total, 2) float32 at `rate`: looped if short, trimmed if long, faded at both ends."""
    samples, source_rate = read_wav(Path(path))
    if samples.ndim == 1:
        samples = np.stack([samples, samples], axis=1)
    elif samples.shape[1] != 2:
        samples = np.repeat(samples.mean(axis=1, keepdims=True), 2, axis=1)
    bed = _loop_to_length(resample(samples, source_rate, rate), total, round(settings.music_loop_crossfade_s * rate))
    bed = np.ascontiguousarray(bed, dtype=np.float32)
    fade_out = min(round(settings.music_fade_out_s * rate), total // 4)
    _fade(bed, round(settings.music_fade_in_s * rate), fade_out)
    return bed


def mix_audio(timeline: Timeline, voices: dict[int, Path], music: Path, settings: MixSettings | None = None) -> Mix:
    """Voice centred over the music bed; the bed sits `music_level_db` under the voice and ducks while it speaks."""
    settings = settings or MixSettings()
    rate = MIX_RATE
    total = round(timeline.total_s * rate)
    voice, spans = voice_track(timeline, voices, rate, total)
    bed = music_bed(music, rate, total, settings)
    voice_lufs = integrated_loudness(voice, rate) + 10.0 * math.log10(2.0)  # the same signal in both channels
    music_lufs = integrated_loudness(bed, rate)
    music_gain_db = 0.0
    if math.isfinite(voice_lufs) and math.isfinite(music_lufs):
        music_gain_db = voice_lufs + settings.music_level_db - music_lufs
    envelope = duck_envelope(voice, rate, settings.ducking)
    static = np.float32(10.0 ** (music_gain_db / 20.0))
    for first in range(0, total, _CHUNK):
        last = min(total, first + _CHUNK)
        gain = envelope.sample_gain(first, last - first) * static
        bed[first:last] *= gain[:, None]
        bed[first:last] += voice[first:last, None]
    return Mix(audio=bed, rate=rate, voice_spans=spans, ducking_db=envelope.depth_db())
