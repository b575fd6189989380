"""Cuts between shots: how each transition's frames look.

Every transition overlaps the outgoing clip's tail with the first frames of the incoming shot for the
timeline's crossfade_s, exactly like a crossfade, so durations, voice lines and captions never move.
Which transition each cut gets (from the shots' moods) is decided when the timeline is planned: see
`personavlog.timing`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from personavlog.schema import Transition

DIP_COLOURS: dict[Transition, tuple[int, int, int]] = {
    Transition.DIP_TO_BLACK: (0, 0, 0),
    Transition.DIP_TO_WHITE: (255, 255, 255),
}
WHIP_BLUR_FRACTION = 0.25
"""Length of the motion-blur streak at the middle of a whip, as a fraction of the frame width."""
WHIP_TRAVEL_FRACTION = 0.5
"""How far each image slides during its half of a whip, as a fraction of the frame width."""


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
