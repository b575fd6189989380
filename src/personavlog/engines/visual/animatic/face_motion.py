"""When the protagonist blinks, where the head turns and where the eyes look, frame by frame.

Blinks come at irregular intervals (now and then two in a row), close fast and open slower, as people's do.
The head drifts by a few degrees on slow, overlapping swings and now and then glances aside and back; the eyes
jump between resting points and lead the head. A shot whose action is looking around turns the head further; a
calm or melancholic mood moves less.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from personavlog.schema import Mood

_LOOKING = re.compile(
    r"\b(look(s|ing)? (around|out|up|back|over|at)|gaz(e|es|ing)|glanc(e|es|ing)|watch(es|ing)?|turn(s|ing)?|"
    r"search(es|ing)?|explor(e|es|ing)|peek(s|ing)?|admir(e|es|ing))\b",
    re.IGNORECASE,
)
_LIVELY = {Mood.JOYFUL, Mood.ENERGETIC, Mood.PLAYFUL, Mood.TENSE}
_QUIET = {Mood.CALM, Mood.MELANCHOLIC, Mood.NOSTALGIC}

_CLOSE_S, _HOLD_S, _OPEN_S = 0.09, 0.04, 0.16
_MEAN_GAP_S, _MIN_GAP_S, _MAX_GAP_S = 3.4, 1.2, 7.5
_DOUBLE_BLINK = 0.12


@dataclass
class FaceMotion:
    """Per frame: eyelid closure (0 open .. 1 shut), head yaw/pitch/roll in degrees, gaze in eye-size units."""

    closure: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    roll: np.ndarray
    gaze_x: np.ndarray
    gaze_y: np.ndarray

    @property
    def blink_starts(self) -> list[int]:
        """The frames where the lids start to close."""
        shut = self.closure > 0.05
        return [int(i) for i in np.flatnonzero(shut & ~np.concatenate([[False], shut[:-1]]))]


def _blink_curve(frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    closure = np.zeros(frames, np.float32)
    t = float(rng.uniform(0.3, 2.2))
    duration = frames / fps
    while t < duration:
        starts = [t, t + _CLOSE_S + _HOLD_S + _OPEN_S + 0.08] if rng.random() < _DOUBLE_BLINK else [t]
        for start in starts:
            for i in range(max(0, math.floor(start * fps)), min(frames, math.ceil((start + 0.35) * fps) + 1)):
                local = i / fps - start
                if local < 0:
                    continue
                if local < _CLOSE_S:
                    value = local / _CLOSE_S
                elif local < _CLOSE_S + _HOLD_S:
                    value = 1.0
                else:
                    value = max(0.0, 1.0 - (local - _CLOSE_S - _HOLD_S) / _OPEN_S)
                closure[i] = max(closure[i], 0.5 - 0.5 * math.cos(math.pi * value))
        t = starts[-1] + float(np.clip(rng.gamma(4.0, _MEAN_GAP_S / 4.0), _MIN_GAP_S, _MAX_GAP_S))
    return closure


def _swing(times: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Slow, non-repeating drift: three sines of unrelated periods, normalised to about ±amplitude."""
    out = np.zeros_like(times)
    for weight, period in ((0.6, rng.uniform(5.0, 9.0)), (0.3, rng.uniform(2.6, 4.4)), (0.1, rng.uniform(1.3, 2.1))):
        out += weight * np.sin(2 * math.pi * times / period + rng.uniform(0, 2 * math.pi))
    return (amplitude * out).astype(np.float32)


def _saccades(frames: int, fps: float, rng: np.random.Generator, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaze that rests, then jumps (in about 50 ms) to a new point, every 0.8-3 s."""
    gx, gy = np.zeros(frames, np.float32), np.zeros(frames, np.float32)
    target, current = np.zeros(2), np.zeros(2)
    next_jump = float(rng.uniform(0.4, 1.5))
    for i in range(frames):
        t = i / fps
        if t >= next_jump:
            target = np.array([rng.uniform(-reach, reach), rng.uniform(-0.3 * reach, 0.3 * reach)])
            next_jump = t + float(rng.uniform(0.8, 3.0))
        current += (target - current) * min(1.0, 1.0 / max(1.0, 0.05 * fps))
        gx[i], gy[i] = current
    return gx, gy


def _ease(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _glances(times: np.ndarray, rng: np.random.Generator, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """(yaw, pitch) of glances: now and then the head turns aside to something, holds, and comes back, the first
    one early in the shot; the slow drift alone can move a head by less than a degree in a short shot."""
    yaw, pitch = np.zeros_like(times), np.zeros_like(times)
    end = float(times[-1]) if len(times) else 0.0
    start = float(rng.uniform(0.15, 0.9))
    while start < end:
        turn, hold, back = float(rng.uniform(0.3, 0.45)), float(rng.uniform(0.5, 1.2)), float(rng.uniform(0.4, 0.6))
        size = amplitude * float(rng.uniform(0.7, 1.0)) * (1.0 if rng.random() < 0.5 else -1.0)
        local = times - start
        shape = _ease(local / turn) - _ease((local - turn - hold) / back)
        yaw += (size * shape).astype(np.float32)
        pitch += (abs(size) * float(rng.uniform(-0.3, 0.3)) * shape).astype(np.float32)
        start += turn + hold + back + float(rng.uniform(0.8, 2.8))
    return yaw, pitch


def face_motion(frames: int, fps: float, action: str, mood: Mood, rng: np.random.Generator) -> FaceMotion:
    looking = bool(_LOOKING.search(action))
    energy = 1.25 if mood in _LIVELY else 0.7 if mood in _QUIET else 1.0
    times = np.arange(frames, dtype=np.float32) / fps
    glance_yaw, glance_pitch = _glances(times, rng, (6.5 if looking else 4.0) * max(0.85, energy))
    yaw = np.clip(_swing(times, (5.5 if looking else 2.0) * energy, rng) + glance_yaw, -9.5, 9.5)
    pitch = _swing(times, 1.8 * energy, rng) + glance_pitch
    roll = _swing(times, 1.4 * energy, rng)
    gaze_x, gaze_y = _saccades(frames, fps, rng, 0.09 if looking else 0.06)
    # The eyes lead the head: they already look where it is turning.
    lead = np.gradient(yaw) * fps * 0.006 if frames > 1 else np.zeros_like(yaw)
    gaze_x = np.clip(gaze_x + yaw / 90.0 + lead, -0.12, 0.12).astype(np.float32)
    return FaceMotion(_blink_curve(frames, fps, rng), yaw, pitch, roll, gaze_x, gaze_y.astype(np.float32))
