"""Virtual camera moves as per-frame poses, and the affine that places each depth layer in the frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from personavlog.schema import CameraMove

MARGIN = 0.07
"""Extra canvas around the frame on every side (fraction of the frame size), room for moves and parallax."""


def margin_for(move: CameraMove) -> float:
    """A still camera needs no room beyond the frame; a shaking one a little; real moves the full margin."""
    if move == CameraMove.STATIC:
        return 0.0
    if move == CameraMove.HANDHELD:
        return 0.03
    return MARGIN


PAN = 0.05
ZOOM = 0.15
ORBIT = 0.13
CREEP = 0.04
"""A 'static' shot still creeps in this much over its length: a locked-off frame that never looks frozen."""


@dataclass(frozen=True)
class Pose:
    zoom: float = 1.0
    pan_x: float = 0.0
    """Camera offset in frame widths at depth 1; positive looks right, so the scene moves left."""
    pan_y: float = 0.0
    roll_deg: float = 0.0
    orbit: float = 0.0
    """-1..1 sweep around the protagonist: near and far layers slide in opposite directions."""


def ease(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return 0.5 - 0.5 * math.cos(math.pi * t)


def _shake(t: float, phases: np.ndarray, freqs: tuple[float, ...]) -> float:
    return float(
        sum(math.sin(2 * math.pi * f * t + p) / (1 + i) for i, (f, p) in enumerate(zip(freqs, phases, strict=False)))
    )


def poses(move: CameraMove, frames: int, fps: int, rng: np.random.Generator) -> list[Pose]:
    out: list[Pose] = []
    phases = rng.uniform(0, 2 * math.pi, 9)
    for i in range(frames):
        p = ease(i / max(1, frames - 1))
        t = i / fps
        if move == CameraMove.PUSH_IN:
            out.append(Pose(zoom=1.0 + ZOOM * p))
        elif move == CameraMove.PULL_OUT:
            out.append(Pose(zoom=1.0 + ZOOM * (1.0 - p)))
        elif move == CameraMove.PAN_LEFT:
            out.append(Pose(pan_x=PAN * (1 - 2 * p)))
        elif move == CameraMove.PAN_RIGHT:
            out.append(Pose(pan_x=-PAN * (1 - 2 * p)))
        elif move == CameraMove.TILT_UP:
            out.append(Pose(pan_y=PAN * (1 - 2 * p)))
        elif move == CameraMove.TILT_DOWN:
            out.append(Pose(pan_y=-PAN * (1 - 2 * p)))
        elif move == CameraMove.HANDHELD:
            out.append(
                Pose(
                    zoom=1.02,
                    pan_x=0.006 * _shake(t, phases[0:3], (0.31, 0.83, 1.9)),
                    pan_y=0.005 * _shake(t, phases[3:6], (0.27, 0.71, 2.3)),
                    roll_deg=0.35 * _shake(t, phases[6:9], (0.19, 0.57, 1.3)),
                )
            )
        elif move == CameraMove.ORBIT:
            out.append(Pose(zoom=1.03, orbit=2 * p - 1))
        else:
            out.append(Pose(zoom=1.0 + CREEP * p))
    return out


def layer_matrix(
    pose: Pose,
    depth: float,
    pivot_depth: float,
    frame_w: int,
    frame_h: int,
    focus: tuple[float, float],
    margin_px: tuple[float, float],
) -> np.ndarray:
    """2x3 affine mapping canvas pixels of a layer at `depth` (0 far .. 1 near) to frame pixels."""
    zoom = 1.0 + (pose.zoom - 1.0) * (0.35 + 0.65 * depth)
    shift_x = -pose.pan_x * frame_w * depth - pose.orbit * ORBIT * frame_w * (depth - pivot_depth)
    shift_y = -pose.pan_y * frame_h * depth
    angle = math.radians(pose.roll_deg)
    cos, sin = math.cos(angle) * zoom, math.sin(angle) * zoom
    a = np.array([[cos, -sin], [sin, cos]], np.float64)
    fx, fy = focus
    ox, oy = margin_px
    translation = np.array([fx + shift_x, fy + shift_y]) - a @ np.array([ox + fx, oy + fy])
    return np.hstack([a, translation[:, None]])


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer ∘ inner for 2x3 affines."""
    out = np.empty((2, 3), np.float64)
    out[:, :2] = outer[:, :2] @ inner[:, :2]
    out[:, 2] = outer[:, :2] @ inner[:, 2] + outer[:, 2]
    return out


def translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
