"""Where each shot and each voice line sits on the final timeline, and which cut enters each shot.

Mood of the incoming shot -> transition:

| incoming mood                  | transition   | why                                                  |
|--------------------------------|--------------|------------------------------------------------------|
| calm, nostalgic                | crossfade    | a soft, continuous change                            |
| melancholic, tense             | dip to black | a beat of darkness: loss, suspense                   |
| romantic, hopeful              | dip to white | a bright, dreamy bloom                               |
| joyful, energetic, playful     | whip pan     | fast, directional energy                             |

A whip follows the outgoing shot's pan (pan_left -> whip_left, pan_right -> whip_right); otherwise cuts
alternate left and right so consecutive whips do not all fly the same way.
"""

from __future__ import annotations

from personavlog.schema import CameraMove, Mood, Shot, ShotTiming, Storyboard, Timeline, Transition

CROSSFADE_S = 0.4
VOICE_LEAD_IN_S = 0.6
"""The line starts after the crossfade into its shot has finished."""
VOICE_TAIL_S = 0.5


TRANSITION_BY_MOOD: dict[Mood, Transition] = {
    Mood.CALM: Transition.CROSSFADE,
    Mood.NOSTALGIC: Transition.CROSSFADE,
    Mood.MELANCHOLIC: Transition.DIP_TO_BLACK,
    Mood.TENSE: Transition.DIP_TO_BLACK,
    Mood.ROMANTIC: Transition.DIP_TO_WHITE,
    Mood.HOPEFUL: Transition.DIP_TO_WHITE,
    Mood.JOYFUL: Transition.WHIP_RIGHT,
    Mood.ENERGETIC: Transition.WHIP_RIGHT,
    Mood.PLAYFUL: Transition.WHIP_RIGHT,
}


def choose_transition(outgoing: Shot, incoming: Shot, cut_index: int) -> Transition:
    """The transition for the cut from `outgoing` to `incoming`; `cut_index` counts cuts from 0."""
    kind = TRANSITION_BY_MOOD[incoming.mood]
    if kind not in (Transition.WHIP_LEFT, Transition.WHIP_RIGHT):
        return kind
    if outgoing.camera == CameraMove.PAN_LEFT:
        return Transition.WHIP_LEFT
    if outgoing.camera == CameraMove.PAN_RIGHT:
        return Transition.WHIP_RIGHT
    return Transition.WHIP_RIGHT if cut_index % 2 == 0 else Transition.WHIP_LEFT


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
