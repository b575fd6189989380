"""Where each shot and each voice line sits on the final timeline."""

from __future__ import annotations

from personavlog.compose.transitions import choose_transition
from personavlog.schema import ShotTiming, Storyboard, Timeline, Transition

CROSSFADE_S = 0.4
VOICE_LEAD_IN_S = 0.6
"""The line starts after the crossfade into its shot has finished."""
VOICE_TAIL_S = 0.5


def build_timeline(
    storyboard: Storyboard,
    lines: dict[int, str],
    voice_durations: dict[int, float],
    width: int,
    height: int,
    fps: int,
) -> Timeline:
    """Each shot lasts at least its planned duration and at least its voice line plus padding.

    Durations are rounded to whole frames so that clips, captions and audio agree exactly. Each cut's
    transition comes from the shots' moods; all kinds overlap the same CROSSFADE_S.
    """
    slots: list[ShotTiming] = []
    start_frames = 0
    for index, shot in enumerate(storyboard.shots):
        voice = voice_durations[shot.id]
        cut = choose_transition(storyboard.shots[index - 1], shot, index - 1) if index else Transition.CROSSFADE
        needed = max(shot.duration_s, VOICE_LEAD_IN_S + voice + VOICE_TAIL_S)
        frames = max(1, round(needed * fps))
        slots.append(
            ShotTiming(
                shot_id=shot.id,
                start_s=start_frames / fps,
                duration_s=frames / fps,
                voice_offset_s=VOICE_LEAD_IN_S,
                voice_duration_s=voice,
                caption=lines[shot.id],
                transition_in=cut,
            )
        )
        start_frames += frames
    return Timeline(fps=fps, width=width, height=height, shots=slots, crossfade_s=CROSSFADE_S)


def clip_duration(timeline: Timeline, index: int) -> float:
    """A clip carries a tail that the composer crossfades into the next shot (the last clip has none)."""
    slot = timeline.shots[index]
    tail = timeline.crossfade_s if index < len(timeline.shots) - 1 else 0.0
    return slot.duration_s + tail
