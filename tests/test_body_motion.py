"""The protagonist's body acts out the shot's action: measured on frames the animatic engine renders, against the
same shot rendered without the protagonist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from personavlog.engines.visual.animatic import shot as shot_module
from personavlog.engines.visual.animatic.body_motion import BodyAction, body_action, plan_body_motion
from personavlog.engines.visual.animatic.camera import Pose
from personavlog.engines.visual.animatic.engine import keyframe_index
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.shot import PreparedShot, prepare_shot
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    PersonaProfile,
    Shot,
    ShotVisual,
    TimeOfDay,
    Weather,
)
from personavlog.vision.faces import largest_face

WIDTH, HEIGHT, FPS = 320, 180, 12


def _spec(
    action: str,
    framing: Framing = Framing.MEDIUM,
    camera: CameraMove = CameraMove.STATIC,
    seed: int = 3,
    duration: float = 2.0,
    mood: Mood = Mood.CALM,
) -> ShotRenderSpec:
    """A 2 s shot at 320x180, 12 fps."""
    shot = Shot(
        id=2,
        duration_s=duration,
        location="a park by the river",
        location_kind=LocationKind.PARK,
        time_of_day=TimeOfDay.DAY,
        weather=Weather.CLEAR,
        action=action,
        camera=camera,
        framing=framing,
        mood=mood,
    )
    return ShotRenderSpec(
        shot=shot,
        visual=ShotVisual(shot_id=2, keyframe_prompt="a person in a park", motion_prompt="slow move"),
        persona=PersonaProfile(
            description="a person", age_range="adult", hair="brown", clothing="orange", cutout="cutout.png"
        ),
        style="cinematic",
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        duration_s=duration,
        seed=seed,
        shot_index=1,
        shot_count=3,
    )


def _frames(prepared: PreparedShot) -> np.ndarray:
    return np.stack([prepared.composer.render(i)[..., :3].copy() for i in range(prepared.frames)])


def _locked_off(patch: pytest.MonkeyPatch) -> None:
    """A camera that never moves (no creep, no parallax): whatever moves in the frame is the body."""
    patch.setattr(shot_module.camera, "poses", lambda _move, frames, _fps, _rng: [Pose()] * frames)


def _without_protagonist(spec: ShotRenderSpec, cutout: Path) -> np.ndarray:
    """The same shot with the protagonist's sprite left empty: the scene behind them, frame by frame."""
    build = shot_module.build_person

    def empty_person(*args: Any, **kwargs: Any) -> PersonSprite:
        sprite = build(*args, **kwargs)
        sprite.image = np.zeros_like(sprite.image)
        return sprite

    with pytest.MonkeyPatch.context() as patch:
        _locked_off(patch)
        patch.setattr(shot_module, "build_person", empty_person)
        patch.setattr(shot_module, "living_face", lambda *_args, **_kwargs: None)
        return _frames(prepare_shot(spec, cutout))


def _person_layers(frames: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Each frame's protagonist alone (grey; 0 where the frame shows the scene)."""
    shows = np.abs(frames.astype(np.int16) - background.astype(np.int16)).max(axis=3) > 12
    return np.where(shows, frames.astype(np.float32).mean(axis=3), 0.0).astype(np.float32)


def _head_box(layer: np.ndarray) -> tuple[int, int, int, int]:
    """The top of the silhouette: the head, (x0, y0, x1, y1)."""
    rows = np.flatnonzero((layer > 0).sum(axis=1) >= 3)
    top = int(rows[0])
    bottom = top + round(0.2 * HEIGHT)
    cols = np.flatnonzero((layer[top:bottom] > 0).any(axis=0))
    return max(0, int(cols[0]) - 2), max(0, top - 2), min(WIDTH, int(cols[-1]) + 3), bottom


def _peak(values: np.ndarray) -> float:
    """Sub-pixel offset of a peak (or a trough) from the middle of three samples."""
    a, b, c = (float(v) for v in values)
    denominator = a - 2 * b + c
    return 0.0 if abs(denominator) < 1e-9 else 0.5 * (a - c) / denominator


def _head_track(layers: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """(x, y) per frame of the head, relative to where it is in `reference` (default: the first frame); each frame
    is searched near where the head was in the one before."""
    source = layers[0] if reference is None else reference
    x0, y0, x1, y1 = _head_box(source)
    template = source[y0:y1, x0:x1]
    reach = round(0.12 * HEIGHT)
    at = np.zeros(2)
    track = []
    for layer in layers:
        left, top = max(0, x0 + round(at[0]) - reach), max(0, y0 + round(at[1]) - reach)
        window = layer[top : y1 + round(at[1]) + reach, left : x1 + round(at[0]) + reach]
        misfit = cv2.matchTemplate(window, template, cv2.TM_SQDIFF)
        _, _, (px, py), _ = cv2.minMaxLoc(misfit)
        sub_x = _peak(misfit[py, px - 1 : px + 2]) if 0 < px < misfit.shape[1] - 1 else 0.0
        sub_y = _peak(misfit[py - 1 : py + 2, px]) if 0 < py < misfit.shape[0] - 1 else 0.0
        at = np.array([left + px + sub_x - x0, top + py + sub_y - y0])
        track.append(at)
    return np.array(track)


def _head_and_shoulders_scale(layers: np.ndarray, index: int) -> float:
    """How much larger the head and shoulders look in frame `index` than in the first frame."""
    _, top, _, _ = _head_box(layers[0])
    bottom = top + round(0.45 * HEIGHT)
    cols = np.flatnonzero((layers[0][top:bottom] > 0).any(axis=0))
    template = layers[0][top:bottom, max(0, int(cols[0]) - 2) : int(cols[-1]) + 3]
    misfits = []
    for scale in np.linspace(0.85, 1.15, 61):
        resized = cv2.resize(template, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        misfits.append((float(cv2.matchTemplate(layers[index], resized, cv2.TM_SQDIFF_NORMED).min()), scale))
    return float(min(misfits)[1])


def _measured(spec: ShotRenderSpec, cutout: Path) -> tuple[PreparedShot, np.ndarray, np.ndarray]:
    """The shot filmed by a locked-off camera, its frames, and the protagonist alone in each."""
    with pytest.MonkeyPatch.context() as patch:
        _locked_off(patch)
        prepared = prepare_shot(spec, cutout)
        frames = _frames(prepared)
    return prepared, frames, _person_layers(frames, _without_protagonist(spec, cutout))


def _detrended(values: np.ndarray) -> np.ndarray:
    times = np.arange(len(values), dtype=np.float64)
    return values - np.polyval(np.polyfit(times, values, 3), times)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("walks along the river", BodyAction.WALK),
        ("she crosses the busy street", BodyAction.WALK),
        ("strolling through the old town", BodyAction.WALK),
        ("steps into the café", BodyAction.STEP_IN),
        ("walks towards the camera", BodyAction.STEP_IN),
        ("enters the bookshop", BodyAction.STEP_IN),
        ("steps out into the rain", BodyAction.STEP_OUT),
        ("walks away down the pier", BodyAction.STEP_OUT),
        ("leans on the railing", BodyAction.LEAN),
        ("sits down at the table", BodyAction.SIT),
        ("walks in and takes a seat by the window", BodyAction.SIT),
        ("looks around the market", BodyAction.LOOK_AROUND),
        ("stands by the water, quiet", BodyAction.STAND),
        ("watches the leaves fall", BodyAction.STAND),
    ],
)
def test_the_action_says_what_the_body_does(action: str, expected: BodyAction) -> None:
    assert body_action(action) == expected


def test_a_walk_crosses_the_frame_in_step(cutout: Path) -> None:
    _, _, walking = _measured(_spec("walks along the river"), cutout)
    head = _head_track(walking)
    travel = head[-1, 0] - head[0, 0]
    assert abs(travel) > 0.05 * WIDTH, f"the walk crosses part of the frame ({travel:.1f} px)"
    assert np.all(np.diff(head[:, 0]) * np.sign(travel) > -0.5), "one way, never back"
    assert np.abs(np.diff(head, axis=0)).max() < 3.5, "no jumps from frame to frame"
    bob = _detrended(head[:, 1])
    assert np.ptp(bob) > 1.2, "the head bobs as the feet step"
    dips = np.flatnonzero((bob[1:-1] > bob[:-2]) & (bob[1:-1] >= bob[2:]) & (bob[1:-1] > 0.3))
    assert 2 <= len(dips) <= 6, f"a bob at each step, 1.3-2.3 steps a second ({len(dips)} in 2 s)"

    _, _, standing = _measured(_spec("stands by the river"), cutout)
    still = _head_track(standing)
    assert np.abs(still[:, 0]).max() < 3.0, "standing does not travel (it only breathes and sways)"
    assert np.ptp(_detrended(still[:, 1])) < 0.5 * np.ptp(bob), "nor bob"


def test_stepping_in_grows_and_stepping_out_shrinks(cutout: Path) -> None:
    def sizes(action: str) -> np.ndarray:
        _, _, layers = _measured(_spec(action), cutout)
        return np.array([_head_and_shoulders_scale(layers, i) for i in range(0, len(layers), 4)])

    standing = sizes("stands by the café")
    assert np.all(np.abs(standing - 1.0) < 0.025)
    coming = sizes("steps into the café")
    assert coming[-1] > 1.05, "a step towards the camera: the body grows"
    assert np.all(np.diff(coming) > -0.015), "steadily"
    going = sizes("steps out of the café")
    assert going[-1] < 0.965, "a step away: the body shrinks"
    assert np.all(np.diff(going) < 0.015)


def test_a_lean_tilts_over_and_holds(cutout: Path) -> None:
    prepared, _, layers = _measured(_spec("leans on the railing"), cutout)
    head = _head_track(layers)
    towards_centre = np.sign(WIDTH / 2 - prepared.face_centre[0])
    assert head[-1, 0] * towards_centre > 3.0, "the head swings over, towards the frame's middle"
    settled = head[-len(head) // 3 :, 0]
    assert np.ptp(settled) < 1.0, "then the lean holds"
    bottom_row = (layers[:, -1] > 0).sum(axis=1)
    assert bottom_row.min() > 0.95 * bottom_row[0], "the cut-off bottom of the photo never lifts into view"


def test_sitting_rests_lower_and_sitting_down_goes_down(cutout: Path) -> None:
    _, _, standing = _measured(_spec("stands at the table"), cutout)
    _, _, seated = _measured(_spec("sits at the table"), cutout)
    lower = _head_track(seated, reference=standing[0])
    assert lower[0, 1] > 0.05 * HEIGHT, "a seated body rests lower in the frame"
    _, _, sitting_down = _measured(_spec("sits down at the table"), cutout)
    going = _head_track(sitting_down)
    assert going[-1, 1] - going[0, 1] > 0.05 * HEIGHT
    assert np.all(np.diff(going[:, 1]) > -0.6), "down, never back up"


def test_looking_around_turns_the_shoulders_after_the_head(cutout: Path) -> None:
    looking = prepare_shot(_spec("looks around the market"), cutout).person_track
    standing = prepare_shot(_spec("stands in the market"), cutout).person_track
    assert looking.action == BodyAction.LOOK_AROUND
    assert np.ptp(looking.tilt_deg) > 0.6 > np.ptp(standing.tilt_deg), "the shoulders dip as they turn"
    assert looking.turn.min() < standing.turn.min() <= 1.0
    assert np.abs(looking.dx).max() < 0.5 and np.abs(looking.dy).max() < 0.5, "the head stays where it is"


def test_the_face_stays_in_frame_and_the_track_is_deterministic(cutout: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shot_module, "living_face", lambda *_args, **_kwargs: None)
        for seed in (1, 2):  # the protagonist stands right of centre, then left
            for framing in (Framing.CLOSE_UP, Framing.MEDIUM):
                for action, camera in (
                    ("walks along the river", CameraMove.STATIC),
                    ("walks along the river", CameraMove.PAN_LEFT),
                    ("leans on the railing", CameraMove.STATIC),
                ):
                    spec = _spec(action, framing, camera, seed=seed, duration=4.0, mood=Mood.ENERGETIC)
                    track = prepare_shot(spec, cutout).person_track
                    xs = np.array([track.face_at(i)[0] for i in range(track.frames)])
                    assert xs.min() > 0.05 * WIDTH and xs.max() < 0.95 * WIDTH, (seed, framing, action, camera)
                    if camera == CameraMove.PAN_LEFT:
                        assert xs[-1] < xs[0], "the walker goes the way the camera pans"
    spec = _spec("walks along the river", Framing.MEDIUM, CameraMove.STATIC)
    prepared = prepare_shot(spec, cutout)
    again = prepare_shot(spec, cutout).person_track
    assert np.array_equal(prepared.person_track.dx, again.dx) and np.array_equal(prepared.person_track.dy, again.dy)
    keyframe = prepared.composer.render(keyframe_index(prepared.frames))[..., :3].copy()
    assert largest_face(keyframe) is not None, "the walker's face is on screen and recognisable at the keyframe"


def test_the_path_keeps_cut_edges_off_screen_and_the_face_on(cutout: Path) -> None:
    """A photo cut off on the left, just outside the frame, and at the bottom, just below it."""
    image = np.zeros((200, 150, 4), np.uint8)
    image[:, :, 3] = 255
    sprite = PersonSprite(
        image=image,
        origin=(-10.0, -18.0),
        pivot=(75.0, 200.0),
        face_centre=(40.0, 42.0),
        face_size=(30.0, 36.0),
        cut_edges=(-10.0, float("inf")),
    )
    frames, still_yaw = 48, np.zeros(48)
    walk = _spec("walks along the river", duration=4.0, mood=Mood.ENERGETIC).shot
    track = plan_body_motion(sprite, walk, frames, FPS, (WIDTH, HEIGHT), rng_for(1, 1, "person"), still_yaw)
    assert track.dx.max() <= 10.0 + 1e-6, "the cut on the left never comes into the frame"
    face_left = track.dx + sprite.face_centre[0] - sprite.face_size[0] / 2
    assert face_left.min() >= 0.0, "the face never leaves it"
    assert np.ptp(track.dx) > 20, "the walk still goes as far as it can"
    assert np.abs(np.diff(track.dx)).max() < 2.0, "smoothly"

    lean = _spec("leans on the railing", duration=4.0, mood=Mood.ENERGETIC).shot
    track = plan_body_motion(sprite, lean, frames, FPS, (WIDTH, HEIGHT), rng_for(1, 1, "person"), still_yaw)
    assert np.abs(track.tilt_deg).max() > 2.0
    corners = np.array([[-10.0, 182.0, 1.0], [140.0, 182.0, 1.0]])
    lowest = min(float((corners @ track.matrix(i).T)[:, 1].min()) for i in range(frames))
    assert lowest >= HEIGHT - 1e-6, "a tilt never lifts the cut-off bottom into the frame"
