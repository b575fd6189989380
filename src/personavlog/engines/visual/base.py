"""The contract every visual backend fulfils: one shot in, a keyframe PNG and a clip MP4 out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from personavlog.schema import PersonaProfile, Shot, ShotVisual

FrameProgress = Callable[[int, int], None]
"""Called as on_frame(done, total) while a clip renders."""


class ShotRenderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shot: Shot
    visual: ShotVisual
    persona: PersonaProfile
    style: str
    width: int
    height: int
    fps: int
    duration_s: float
    """Length of the clip to render; includes the tail that the composer crossfades into the next shot."""
    seed: int
    shot_index: int
    shot_count: int


class VisualEngine(Protocol):
    name: str

    def render_shot(
        self,
        spec: ShotRenderSpec,
        cutout_path: Path,
        keyframe_out: Path,
        clip_out: Path,
        on_frame: FrameProgress | None = None,
    ) -> None:
        """Write `keyframe_out` (PNG) and `clip_out` (H.264 MP4, round(duration_s * fps) frames), atomically."""
        ...
