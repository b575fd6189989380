"""Temporal quality of a clip: flicker and motion smoothness.

- flicker_score: 1 - mean absolute difference between consecutive frames / 255 (on 1/4-size grey frames),
  range 0..1, higher is steadier (VBench-style temporal flickering).
- motion_smoothness: 1 - mean change of the global motion vector between frames relative to its size
  (Farneback optical flow on 1/4-size grey frames), range 0..1, higher is smoother; a static clip scores 1.

A clip's flicker is measured on every pair of consecutive frames. Its motion is a mean over frames, and optical
flow is most of the cost, so `analyse_clip` estimates it from a sample: in every `FLOW_STRIDE` pairs, one pair
and the pair after it (the three frames a change of motion needs), each place in the stride sampled equally
often (see `flow_sampled`), so the sampled means estimate the means over every frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
from pydantic import BaseModel

FLOW_STRIDE = 4
"""`analyse_clip` measures the flow of about 2 consecutive frame pairs in every 4."""
_GOLDEN = 0.6180339887498949
SAMPLED_FROM_FRAMES = 48
"""Shorter clips have every pair's flow measured: too few samples would make the mean noisy."""


class MotionReport(BaseModel):
    frames: int
    flicker_score: float
    motion_smoothness: float
    mean_motion_px: float
    """Mean global motion per frame, in full-resolution pixels."""


def _small_grey(frame: np.ndarray, scale: int = 4) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return _shrink(grey, scale)


def _shrink(grey: np.ndarray, scale: int) -> np.ndarray:
    return cv2.resize(grey, (grey.shape[1] // scale, grey.shape[0] // scale), interpolation=cv2.INTER_AREA)


def _group_start(group: int, stride: int) -> int:
    """The first pair of sampled group `group`: its place in the stride follows the golden-ratio sequence, which
    visits every place equally often and repeats with no period, so no periodic jerk is always missed."""
    return group * stride + int((group * _GOLDEN) % 1.0 * stride)


def flow_sampled(pair: int, stride: int) -> tuple[bool, bool]:
    """Whether the flow of consecutive-frame pair `pair` is measured, and whether it is the second pair of a
    sampled group (so the change of motion from the pair before counts). Stride 1 measures every pair."""
    follows = pair > 0 and _group_start((pair - 1) // stride, stride) == pair - 1
    return follows or _group_start(pair // stride, stride) == pair, follows


def analyse_greys(greys: Iterable[np.ndarray], scale: int = 4, flow_stride: int = 1) -> MotionReport:
    """The report from grey frames already shrunk by `scale`; `flow_stride` > 1 samples the flow (see above)."""
    previous: np.ndarray | None = None
    previous_motion: np.ndarray | None = None
    diffs: list[float] = []
    motions: list[np.ndarray] = []
    jerks: list[float] = []
    count = 0
    for grey in greys:
        count += 1
        if previous is not None:
            pair = count - 2
            diffs.append(float(np.mean(np.abs(grey.astype(np.int16) - previous.astype(np.int16)))))
            sampled, follows = flow_sampled(pair, flow_stride)
            if sampled:
                flow = cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]  # cv2 accepts None
                    previous, grey, None, 0.5, 3, 15, 3, 5, 1.2, 0
                )
                motion = np.median(flow.reshape(-1, 2), axis=0) * scale
                if follows and previous_motion is not None:
                    jerks.append(float(np.linalg.norm(motion - previous_motion)))
                motions.append(motion)
                previous_motion = motion
            else:
                previous_motion = None
        previous = grey
    if not diffs:
        return MotionReport(frames=count, flicker_score=1.0, motion_smoothness=1.0, mean_motion_px=0.0)
    speed = float(np.mean(np.linalg.norm(np.asarray(motions), axis=1)))
    jerk = float(np.mean(jerks)) if jerks else 0.0
    smoothness = 1.0 - min(1.0, jerk / (speed + 1.0))
    return MotionReport(
        frames=count,
        flicker_score=1.0 - float(np.mean(diffs)) / 255.0,
        motion_smoothness=smoothness,
        mean_motion_px=speed,
    )


def analyse_frames(frames: Iterable[np.ndarray], scale: int = 4, flow_stride: int = 1) -> MotionReport:
    """The report of RGB frames (every pair's flow measured unless `flow_stride` > 1)."""
    return analyse_greys((_small_grey(frame, scale) for frame in frames), scale, flow_stride)


def _clip_greys(container: av.container.InputContainer, scale: int) -> Iterator[np.ndarray]:
    """The clip's frames as shrunk grey pictures, read from the decoded luma: no full-size RGB picture is made
    (the luma is what the grey conversion of the RGB frame gives back, up to rounding)."""
    for frame in container.decode(video=0):
        yield _shrink(frame.to_ndarray(format="gray"), scale)


def analyse_clip(path: Path, scale: int = 4) -> MotionReport:
    with av.open(str(path)) as container:
        frames = container.streams.video[0].frames
        stride = FLOW_STRIDE if frames == 0 or frames >= SAMPLED_FROM_FRAMES else 1
        return analyse_greys(_clip_greys(container, scale), scale, stride)
