"""Music ducking: a gain envelope for the music bed that dips while the voice speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel, ConfigDict, Field


class DuckingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    depth_db: float = Field(default=12.0, ge=0.0, description="how far the music dips under the voice")
    attack_s: float = Field(default=0.08, gt=0.0, description="time to dip fully")
    release_s: float = Field(default=0.3, gt=0.0, description="time to come back fully")
    lookahead_s: float = Field(default=0.12, ge=0.0, description="the dip starts this long before speech")
    hop_s: float = Field(default=0.01, gt=0.0)
    window_s: float = Field(default=0.02, gt=0.0, description="RMS window of the voice-activity detector")
    bridge_s: float = Field(default=0.6, ge=0.0, description="pauses shorter than this keep the music down")
    range_db: float = Field(default=35.0, gt=0.0, description="speech is louder than (typical level - range_db)")
    floor_dbfs: float = Field(default=-60.0, description="nothing quieter than this counts as speech")


@dataclass(frozen=True)
class DuckEnvelope:
    hop: int
    gain_db: np.ndarray
    speech: np.ndarray

    def depth_db(self) -> float:
        """Median music gain between lines minus median gain while the voice speaks (0 if either is absent)."""
        if not self.speech.any() or self.speech.all():
            return 0.0
        return float(np.median(self.gain_db[~self.speech]) - np.median(self.gain_db[self.speech]))

    def sample_gain(self, first: int, count: int) -> np.ndarray:
        """Linear gain for samples [first, first + count), interpolated between hop centres (float32)."""
        if self.gain_db.size == 0:
            return np.ones(count, dtype=np.float32)
        centres = (np.arange(self.gain_db.size) + 0.5) * self.hop
        positions = np.arange(first, first + count, dtype=np.float64)
        gain_db = np.interp(positions, centres, self.gain_db)
        return (10.0 ** (gain_db / 20.0)).astype(np.float32)


def _bridge_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    bridged = mask.copy()
    for gap_start, gap_end in zip(ends[:-1], starts[1:], strict=True):
        if gap_end - gap_start < max_gap:
            bridged[gap_start:gap_end] = True
    return bridged


def voice_activity(voice: np.ndarray, rate: int, settings: DuckingSettings) -> np.ndarray:
    """One bool per hop: is the voice speaking (pauses between words bridged)?"""
    hop = max(1, round(settings.hop_s * rate))
    hops = voice.shape[0] // hop
    if hops == 0:
        return np.zeros(0, dtype=bool)
    power = np.square(voice[: hops * hop].astype(np.float64)).reshape(hops, hop).mean(axis=1)
    span = max(1, round(settings.window_s / settings.hop_s))
    padded = np.concatenate([power, np.zeros(span - 1)])
    window = sliding_window_view(padded, span).mean(axis=1)
    with np.errstate(divide="ignore"):
        level_db = 10.0 * np.log10(window)
    audible = level_db > settings.floor_dbfs
    if not audible.any():
        return np.zeros(hops, dtype=bool)
    typical = float(np.percentile(level_db[audible], 90))
    speech = level_db > max(settings.floor_dbfs, typical - settings.range_db)
    return _bridge_gaps(speech, round(settings.bridge_s / settings.hop_s))


def duck_envelope(voice: np.ndarray, rate: int, settings: DuckingSettings | None = None) -> DuckEnvelope:
    """Music gain in dB per hop: 0 between lines, -depth_db while the voice speaks, moving at finite
    attack/release speeds and starting early by the look-ahead so a line never starts over full music."""
    settings = settings or DuckingSettings()
    hop = max(1, round(settings.hop_s * rate))
    speech = voice_activity(voice, rate, settings)
    ahead = round(settings.lookahead_s / settings.hop_s)
    padded = np.concatenate([speech, np.zeros(ahead, dtype=bool)])
    # numpy's stubs type a reduction as scalar-or-array; along an axis of a 2-D view it is an array.
    ducked = cast(np.ndarray, sliding_window_view(padded, ahead + 1).any(axis=1))
    down = settings.depth_db * settings.hop_s / settings.attack_s
    up = settings.depth_db * settings.hop_s / settings.release_s
    gain = np.empty(speech.size)
    level = 0.0
    for index, duck in enumerate(ducked.tolist()):
        level = max(-settings.depth_db, level - down) if duck else min(0.0, level + up)
        gain[index] = level
    # Round off the corners of the linear ramps; the span is short enough to keep the dip ahead of speech.
    smooth = max(1, round(0.04 / settings.hop_s))
    if gain.size >= smooth > 1:
        edge = smooth // 2
        gain = np.convolve(np.pad(gain, (edge, smooth - 1 - edge), mode="edge"), np.ones(smooth) / smooth, "valid")
    return DuckEnvelope(hop=hop, gain_db=gain, speech=speech)
