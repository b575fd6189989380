"""What the protagonist's body does in a shot, planned once from its action, mood, framing and camera move.

The action's words choose the motion. A walk crosses part of the frame; the feet set the pace, so the gait's bob
and sway advance with the distance covered and the body never slides. Stepping in comes closer: the body grows
about the face, which stays at eye level. Stepping out goes away: the body shrinks about its feet. A lean tilts in
and holds, sitting rests lower in the frame, and looking around turns and tilts the shoulders after the head. Any
other action stands still, the shoulders following the head's turns a little. Every motion eases in and out, and
the path keeps the face in frame and every cut edge of the photo out of it.

The result, a `BodyTrack`, is per frame and in frame pixels at rest (before the camera): what else in the shot
moves with the protagonist (a companion, something carried) follows it from there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from personavlog.engines.visual.animatic.camera import compose
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.schema import CameraMove, Framing, Mood, Shot


class BodyAction(StrEnum):
    WALK = "walk"
    STEP_IN = "step_in"
    STEP_OUT = "step_out"
    LEAN = "lean"
    SIT = "sit"
    LOOK_AROUND = "look_around"
    STAND = "stand"


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b({pattern})\b", re.IGNORECASE)


# The first that matches wins: "walks in and sits down" ends seated, "walks into the café" comes closer.
_ACTIONS: tuple[tuple[BodyAction, re.Pattern[str]], ...] = (
    (
        BodyAction.SIT,
        _words(
            r"sit(s|ting)?|sat|seated|tak(e|es|ing) a seat|perch(es|ed|ing)?|kneel(s|ing)?|knelt|"
            r"crouch(es|ed|ing)?|squat(s|ting)?|settl(e|es|ing) (in|into|on|down)"
        ),
    ),
    (BodyAction.LEAN, _words(r"lean(s|ed|ing)?|leant|rest(s|ing)? (on|against)|props? (her|him|them)sel(f|ves)")),
    (
        BodyAction.STEP_OUT,
        _words(
            r"(step(s|ping)?|mov(e|es|ing)) (out|away|back)|walk(s|ing)? away|leav(e|es|ing) (the|a|an|her|his|their)|"
            r"exit(s|ing)?|depart(s|ing)?|head(s|ing)? (off|away|out)|turn(s|ing)? away"
        ),
    ),
    (
        BodyAction.STEP_IN,
        _words(
            r"(step(s|ping)?|com(e|es|ing)|mov(e|es|ing)) (in|into|inside|forward|closer|toward|towards|up to)|"
            r"walk(s|ing)? (into|inside|forward|closer|toward|towards|up to)|enter(s|ing)?|approach(es|ing)?|"
            r"arriv(e|es|ing)"
        ),
    ),
    (
        BodyAction.WALK,
        _words(
            r"walk(s|ing)?|stroll(s|ing)?|wander(s|ing)?|cross(es|ing)?|strid(e|es|ing)|hik(e|es|ing)|"
            r"ambl(e|es|ing)|pac(e|es|ing)|jog(s|ging)?|hurr(y|ies|ying)|"
            r"run(s|ning)? (along|across|through|down|up|to|toward|towards|after)|"
            r"mak(e|es|ing) (her|his|their) way|head(s|ing)? (along|down|through|across|to|toward|towards|home)"
        ),
    ),
    (
        BodyAction.LOOK_AROUND,
        _words(
            r"look(s|ing)? (around|about|round)|glanc(e|es|ing)|scan(s|ning)?|search(es|ing)?|explor(e|es|ing)|"
            r"peer(s|ing)?|turn(s|ing)? (around|round)|tak(e|es|ing) in"
        ),
    ),
)
_SITTING_DOWN = _words(r"(sit(s|ting)?|sat) down|tak(e|es|ing) a seat|settl(e|es|ing)")

_LIVELY = {Mood.JOYFUL, Mood.ENERGETIC, Mood.PLAYFUL, Mood.TENSE}
_QUIET = {Mood.CALM, Mood.MELANCHOLIC, Mood.NOSTALGIC}


def body_action(action: str) -> BodyAction:
    """What the body does, read from the shot's action."""
    for kind, pattern in _ACTIONS:
        if pattern.search(action):
            return kind
    return BodyAction.STAND


@dataclass(frozen=True)
class _Reach:
    """How far each motion goes at one framing."""

    travel_rate: float
    """Frame widths a walk covers per second..."""
    travel_cap: float
    """...and at most in one shot."""
    bob: float
    """The gait's bob, in face heights."""
    growth: float
    """Stepping in or out: the body's change in size."""
    lean_deg: float
    drop: float
    """Sitting: how much lower the body rests, in frame heights."""
    shoulder_dip: float
    """How far the shoulders tilt as they turn, in degrees per degree of turn. Not in a close-up: the sprite is one
    picture, so there the tilt would only roll the face, which the living face already does on its own."""


_REACH: dict[Framing, _Reach] = {
    # A close-up keeps the face big and steady: the camera walks along, so the body only drifts.
    Framing.CLOSE_UP: _Reach(0.012, 0.03, 0.035, 0.04, 1.6, 0.035, 0.0),
    Framing.MEDIUM: _Reach(0.055, 0.16, 0.1, 0.07, 2.8, 0.07, 0.12),
    Framing.WIDE: _Reach(0.11, 0.34, 0.12, 0.10, 3.2, 0.05, 0.12),
}
_STEPS_PER_S = 1.8
_FACE_MARGIN = 0.015
"""The face keeps at least this share of the frame from its edges."""
_SHOULDER_LAG_S = 0.3
_SHOULDER_FOLLOW = {BodyAction.LOOK_AROUND: 1.6, BodyAction.STAND: 0.5}
"""How far the shoulders turn after the head (share of its yaw); other actions keep this little."""
_OTHER_FOLLOW = 0.3


@dataclass(frozen=True)
class BodyTrack:
    """The body's motion per frame, in frame pixels at rest, on top of breathing.

    Frame i turns and tilts the body about the face (the neck), scales it about `anchor`, then shifts it by
    (dx, dy). The shift is where the face has gone: the gait's bob, a walk's way across the frame, a lean's swing
    of the head over the feet. `matrix(i)` is that whole motion as a 2x3 affine.
    """

    action: BodyAction
    dx: np.ndarray
    dy: np.ndarray
    scale: np.ndarray
    tilt_deg: np.ndarray
    turn: np.ndarray
    """Horizontal size of the body as the shoulders turn (1: facing the camera)."""
    anchor: tuple[float, float]
    face: tuple[float, float]
    """The face centre at rest."""

    @property
    def frames(self) -> int:
        return len(self.dx)

    def offset(self, index: int) -> tuple[float, float, float]:
        """(dx, dy, scale) of frame `index`: where the body has moved and how much larger it looks."""
        return float(self.dx[index]), float(self.dy[index]), float(self.scale[index])

    def matrix(self, index: int) -> np.ndarray:
        """Frame pixels at rest -> where the body has taken them in frame `index`."""
        return _motion(
            self.face,
            self.anchor,
            float(self.tilt_deg[index]),
            float(self.turn[index]),
            float(self.scale[index]),
            (float(self.dx[index]), float(self.dy[index])),
        )

    def face_at(self, index: int) -> tuple[float, float]:
        """Where the face centre is in frame `index` (before the camera)."""
        x, y = self.matrix(index) @ np.array([*self.face, 1.0])
        return float(x), float(y)


def _about(point: tuple[float, float], linear: np.ndarray) -> np.ndarray:
    centre = np.asarray(point, np.float64)
    return np.hstack([linear, (centre - linear @ centre)[:, None]])


def _rotation(degrees: float) -> np.ndarray:
    angle = math.radians(degrees)
    return np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])


def _motion(
    neck: tuple[float, float],
    anchor: tuple[float, float],
    tilt_deg: float,
    turn: float,
    scale: float,
    shift: tuple[float, float],
) -> np.ndarray:
    body = _about(neck, _rotation(tilt_deg) @ np.diag([turn, 1.0]))
    size = _about(anchor, np.eye(2) * scale)
    return compose(np.array([[1.0, 0.0, shift[0]], [0.0, 1.0, shift[1]]]), compose(size, body))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class _Glide:
    """A move that speeds up and slows down, per frame."""

    progress: np.ndarray
    """0..1, the share of the way covered."""
    speed: np.ndarray
    """0..1 of full speed."""
    covered_s: np.ndarray
    """The way covered, in seconds at full speed: steps are fixed stretches of it, so they keep pace with it."""


def _glide(times: np.ndarray, start: float, end: float, ramp: float) -> _Glide:
    """A move from `start` to `end` (seconds) that eases in and out over `ramp` seconds."""
    ramp = max(ramp, 1e-3)
    speed = _smoothstep((times - start) / ramp) * _smoothstep((end - times) / ramp)
    covered = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2 * np.diff(times))])
    total = float(covered[-1])
    return _Glide(covered / total if total > 0 else covered, speed, covered)


@dataclass
class _Plan:
    """The motion's parts while they are put together."""

    face: tuple[float, float]
    feet: tuple[float, float]
    """The bottom centre of the body at rest: what a lean or a stride's sway swings the body over."""
    dx: np.ndarray
    dy: np.ndarray
    scale: np.ndarray
    tilt: np.ndarray
    anchor: tuple[float, float]

    def swing_from_feet(self, degrees: np.ndarray) -> None:
        """Tilt the whole body over its feet: the head travels, the feet stay."""
        angle = np.radians(degrees)
        rx, ry = self.face[0] - self.feet[0], self.face[1] - self.feet[1]
        self.tilt += degrees
        self.dx += rx * np.cos(angle) - ry * np.sin(angle) - rx
        self.dy += rx * np.sin(angle) + ry * np.cos(angle) - ry


def plan_body_motion(
    sprite: PersonSprite,
    shot: Shot,
    frames: int,
    fps: float,
    frame_size: tuple[int, int],
    rng: np.random.Generator,
    head_yaw: np.ndarray,
) -> BodyTrack:
    """The body's motion in this shot. `head_yaw` (degrees per frame, see face_motion) is what the shoulders follow."""
    width, height = frame_size
    kind = body_action(shot.action)
    energy = 1.25 if shot.mood in _LIVELY else 0.75 if shot.mood in _QUIET else 1.0
    reach = _REACH[shot.framing]
    times = np.arange(frames, dtype=np.float64) / fps
    duration = frames / fps
    face = sprite.face_centre
    feet = (sprite.origin[0] + sprite.pivot[0], sprite.origin[1] + sprite.pivot[1])
    zeros = np.zeros(frames)
    plan = _Plan(face, feet, zeros.copy(), zeros.copy(), np.ones(frames), zeros.copy(), face)
    toward_centre = _toward_centre(face[0], width, rng)
    step_rate = _STEPS_PER_S * math.sqrt(energy) * float(rng.uniform(0.92, 1.08))
    bob = reach.bob * sprite.face_size[1] * math.sqrt(energy)

    if kind == BodyAction.WALK:
        direction = _walk_direction(shot.camera, toward_centre)
        travel = min(reach.travel_cap, reach.travel_rate * energy * duration) * width * float(rng.uniform(0.85, 1.0))
        walk = _glide(times, 0.0, duration, min(0.45, 0.25 * duration))
        plan.dx += direction * travel * (walk.progress - 0.5)
        _add_gait(plan, walk, step_rate, bob)
    elif kind in (BodyAction.STEP_IN, BodyAction.STEP_OUT):
        span = min(duration, max(1.0, 0.7 * duration))
        steps = _glide(times, 0.0, span, 0.3 * span)
        if kind == BodyAction.STEP_IN:
            plan.scale = (1.0 + reach.growth) ** steps.progress
        else:
            plan.scale = (1.0 - reach.growth) ** steps.progress
            # Going away the body shrinks towards its feet, so the photo's cut-off bottom stays below the frame.
            plan.anchor = (face[0], feet[1])
        _add_gait(plan, steps, step_rate, 0.6 * bob)
    elif kind == BodyAction.LEAN:
        span = min(1.4, 0.5 * duration)
        held = _glide(times, 0.0, span, 0.5 * span).progress
        plan.swing_from_feet(toward_centre * reach.lean_deg * math.sqrt(energy) * held)
    elif kind == BodyAction.SIT:
        drop = reach.drop * height
        if _SITTING_DOWN.search(shot.action):
            start, span = 0.1 * duration, min(1.1, 0.45 * duration)
            lowered = _glide(times, start, start + span, 0.5 * span).progress
            # The body bends forward as it goes down, and straightens once seated.
            plan.swing_from_feet(toward_centre * 1.5 * np.sin(math.pi * lowered))
            plan.dy += drop * lowered
        else:
            plan.dy += drop

    turn = _shoulders(plan, head_yaw, _SHOULDER_FOLLOW.get(kind, _OTHER_FOLLOW), reach.shoulder_dip, fps)
    _keep_bottom_below_frame(plan, sprite, turn, height)
    _keep_in_frame(plan, sprite, width, height)
    return BodyTrack(kind, plan.dx, plan.dy, plan.scale, plan.tilt, turn, plan.anchor, face)


def _toward_centre(face_x: float, width: int, rng: np.random.Generator) -> float:
    offset = width / 2 - face_x
    if abs(offset) > 0.02 * width:
        return math.copysign(1.0, offset)
    return float(rng.choice([-1.0, 1.0]))


def _walk_direction(move: CameraMove, toward_centre: float) -> float:
    """A pan tracks the walker, who walks its way; otherwise the walk crosses towards the frame's centre."""
    if move == CameraMove.PAN_RIGHT:
        return 1.0
    if move == CameraMove.PAN_LEFT:
        return -1.0
    return toward_centre


def _add_gait(plan: _Plan, move: _Glide, step_rate: float, bob: float) -> None:
    """The bob (down at every step) and sway (side to side at every stride) of walking, in step with the way
    covered: the body never slides, nor steps on the spot."""
    steps = 2 * math.pi * step_rate * move.covered_s
    # Only down from the rest height: the photo's cut-off bottom edge stays below the frame.
    plan.dy += bob * move.speed * (0.5 - 0.5 * np.cos(steps))
    plan.swing_from_feet(0.7 * np.sin(steps / 2) * move.speed)


def _shoulders(plan: _Plan, head_yaw: np.ndarray, follow: float, dip: float, fps: float) -> np.ndarray:
    """The shoulders turn after the head, a little late, and dip towards the turn; the head stays where it is."""
    frames = len(plan.dx)
    yaw = np.zeros(frames)
    given = np.asarray(head_yaw, np.float64)[:frames]
    yaw[: len(given)] = given
    keep = math.exp(-1.0 / max(1e-3, _SHOULDER_LAG_S * fps))
    lagged = np.empty(frames)
    current = float(yaw[0]) if frames else 0.0
    for i, value in enumerate(yaw):
        current = keep * current + (1 - keep) * float(value)
        lagged[i] = current
    shoulders = follow * lagged
    # A positive yaw turns the face to the frame's left; the shoulders dip that way.
    plan.tilt -= dip * shoulders
    return np.cos(np.radians(shoulders))


def _keep_bottom_below_frame(plan: _Plan, sprite: PersonSprite, turn: np.ndarray, height: int) -> None:
    """Where the photo cuts the body off at the bottom, a tilt must not lift a corner of that cut into view: the
    body goes down as far as that corner would rise past the frame's bottom edge."""
    row = min(sprite.image.shape[0] - 1, max(0, math.ceil(sprite.pivot[1]) - 1))
    columns = np.flatnonzero(sprite.image[row, :, 3] > 128)
    if len(columns) == 0 or plan.feet[1] < height:
        return
    corners = np.array([[columns[0], plan.feet[1], 1.0], [columns[-1] + 1, plan.feet[1], 1.0]])
    corners[:, 0] += sprite.origin[0]
    for i in range(len(plan.dx)):
        moved = _motion(
            plan.face, plan.anchor, float(plan.tilt[i]), float(turn[i]), float(plan.scale[i]), (plan.dx[i], plan.dy[i])
        )
        lowest_edge = float((corners @ moved.T)[:, 1].min())
        plan.dy[i] += max(0.0, height - lowest_edge)


def _fit(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """`values` moved, and shrunk if they must, into [low, high] by one linear map, so a smooth path stays smooth.
    Rest (0) always counts as inside."""
    low, high = min(low, 0.0), max(high, 0.0)
    least, most = float(values.min()), float(values.max())
    if most - least > high - low:
        return low + (values - least) * ((high - low) / (most - least))
    if least < low:
        return values + (low - least)
    if most > high:
        return values - (most - high)
    return values


def _keep_in_frame(plan: _Plan, sprite: PersonSprite, width: int, height: int) -> None:
    """Fit the path where the face stays in the frame and the body's cut edges stay out of it."""
    ax, ay = plan.anchor
    scale = plan.scale
    fx, fy = sprite.face_centre
    fw, fh = sprite.face_size
    face_x = ax + scale * (fx - ax)
    margin_x, margin_y = _FACE_MARGIN * width, _FACE_MARGIN * height
    low = margin_x + scale * fw / 2 - face_x
    high = width - margin_x - scale * fw / 2 - face_x
    left_cut, right_cut = sprite.cut_edges
    if math.isfinite(left_cut):
        high = np.minimum(high, -(ax + scale * (left_cut - ax)))
    if math.isfinite(right_cut):
        low = np.maximum(low, width - (ax + scale * (right_cut - ax)))
    plan.dx = _fit(plan.dx, float(np.max(low)), float(np.min(high)))
    face_bottom = ay + scale * (fy - ay) + scale * fh / 2
    plan.dy = _fit(plan.dy, -math.inf, float(np.min(height - margin_y - face_bottom)))
