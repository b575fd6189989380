"""Caption cues: each shot's caption, wrapped and split into cues of at most two lines that share the
time its voice line plays, in proportion to how many words (or CJK characters) each cue holds."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from personavlog.compose.text_wrap import Unit, join_units
from personavlog.schema import Timeline


class Cue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start_s: float
    end_s: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def voice_window(timeline: Timeline, spans: Mapping[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """When each shot's voice plays: the measured span where known, else what the timeline says."""
    windows: dict[int, tuple[float, float]] = {}
    for shot in timeline.shots:
        if shot.shot_id in spans:
            windows[shot.shot_id] = spans[shot.shot_id]
        else:
            start = shot.start_s + shot.voice_offset_s
            windows[shot.shot_id] = (start, start + shot.voice_duration_s)
    return windows


def plan_cues(
    timeline: Timeline,
    spans: Mapping[int, tuple[float, float]],
    layout: Callable[[str], list[list[list[Unit]]]],
) -> list[Cue]:
    """Cues in time order, clipped to the video and never overlapping one another.

    `layout` splits a caption into cues, each a list of lines of wrap units (see CaptionRenderer.layout).
    """
    total = timeline.total_s
    windows = voice_window(timeline, spans)
    cues: list[Cue] = []
    for shot in timeline.shots:
        caption = " ".join(shot.caption.split())
        if not caption:
            continue
        start, end = windows[shot.shot_id]
        start, end = max(0.0, start), min(total, end)
        groups = layout(caption)
        if end <= start or not groups:
            continue
        weights = [sum(len(line) for line in group) for group in groups]
        done = 0
        for group, weight in zip(groups, weights, strict=True):
            cue_start = start + (end - start) * done / sum(weights)
            done += weight
            cue_end = start + (end - start) * done / sum(weights)
            cues.append(Cue(start_s=cue_start, end_s=cue_end, lines=tuple(join_units(line) for line in group)))
    cues.sort(key=lambda cue: cue.start_s)
    trimmed: list[Cue] = []
    for index, cue in enumerate(cues):
        end = min(cue.end_s, cues[index + 1].start_s) if index + 1 < len(cues) else cue.end_s
        if end > cue.start_s:
            trimmed.append(cue.model_copy(update={"end_s": end}))
    return trimmed
