"""Cuts between shots: which transition each cut gets (from the shots' moods) and how its frames look.

Every transition overlaps the outgoing clip's tail with the first frames of the incoming shot for the
timeline's crossfade_s, exactly like a crossfade, so durations, voice lines and captions never move.

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

import math

import cv2
import numpy as np

from personavlog.schema import CameraMove, Mood, Shot, Transition

DIP_COLOURS: dict[Transition, tuple[int, int, int]] = {
    Transition.DIP_TO_BLACK: (0, 0, 0),
    Transition.DIP_TO_WHITE: (255, 255, 255),
}
WHIP_BLUR_FRACTION = 0.25
"""Length of the motion-blur streak at the middle of a whip, as a fraction of the frame width."""
WHIP_TRAVEL_FRACTION = 0.5
"""How far each image slides during its half of a whip, as a fraction of the frame width."""

_BY_MOOD: dict[Mood, Transition] = {
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
    kind = _BY_MOOD[incoming.mood]
    if kind not in (Transition.WHIP_LEFT, Transition.WHIP_RIGHT):
        return kind
    if outgoing.camera == CameraMove.PAN_LEFT:
        return Transition.WHIP_LEFT
    if outgoing.camera == CameraMove.PAN_RIGHT:
        return Transition.WHIP_RIGHT
    return Transition.WHIP_RIGHT if cut_index % 2 == 0 else Transition.WHIP_LEFT


def ease(position: float) -> float:
    """Smoothstep: starts and ends gently."""
    position = min(1.0, max(0.0, position))
    return position * position * (3.0 - 2.0 * position)


def blend(outgoing: np.ndarray, incoming: np.ndarray, weight: float) -> np.ndarray:
    """outgoing * (1 - weight) + incoming * weight, in 8-bit fixed point."""
    w = round(weight * 256)
    mixed = outgoing.astype(np.uint16) * (256 - w)
    mixed += incoming.astype(np.uint16) * w
    mixed >>= 8
    return mixed.astype(np.uint8)


def _dip(outgoing: np.ndarray, incoming: np.ndarray, position: float, colour: tuple[int, int, int]) -> np.ndarray:
    """First half: the outgoing shot fades into the colour; second half: the colour fades into the incoming shot."""
    solid = np.empty_like(incoming)
    solid[:] = colour
    if position <= 0.5:
        return blend(outgoing, solid, ease(position * 2.0))
    return blend(solid, incoming, ease(position * 2.0 - 1.0))


def _slide(frame: np.ndarray, dx: float) -> np.ndarray:
    """Shift horizontally by dx pixels (wrapping: under the whip's blur the seam is invisible)."""
    return np.roll(frame, round(dx), axis=1)


def _whip(outgoing: np.ndarray, incoming: np.ndarray, position: float, direction: int) -> np.ndarray:
    """The camera whips `direction` (+1 right, -1 left): images streak the other way, blurred along the motion.

    The outgoing shot accelerates away, the incoming one arrives decelerating; they swap under the
    strongest blur, in the middle of the transition.
    """
    travel = WHIP_TRAVEL_FRACTION * incoming.shape[1]
    swap = ease((position - 0.4) / 0.2)
    image = None
    if swap < 1.0:
        leaving = min(1.0, 2.0 * position) ** 2
        image = _slide(outgoing, -direction * travel * leaving)
    if swap > 0.0:
        arriving = min(1.0, 2.0 * (1.0 - position)) ** 2
        entering = _slide(incoming, direction * travel * arriving)
        image = entering if image is None else blend(image, entering, swap)
    assert image is not None
    streak = round(WHIP_BLUR_FRACTION * incoming.shape[1] * math.sin(math.pi * min(1.0, max(0.0, position))))
    if streak > 1:
        image = cv2.blur(image, (streak, 1))
    return image


def transition_frame(kind: Transition, outgoing: np.ndarray, incoming: np.ndarray, position: float) -> np.ndarray:
    """One frame of the cut, `position` in (0, 1) through it; frames are (H, W, 3) uint8 of equal size."""
    if kind in DIP_COLOURS:
        return _dip(outgoing, incoming, position, DIP_COLOURS[kind])
    if kind == Transition.WHIP_RIGHT:
        return _whip(outgoing, incoming, position, 1)
    if kind == Transition.WHIP_LEFT:
        return _whip(outgoing, incoming, position, -1)
    return blend(outgoing, incoming, ease(position))
