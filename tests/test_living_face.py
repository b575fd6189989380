"""The protagonist's face lives: real landmarks from the face-mesh model, blinks and head turns measured on frames
the animatic engine renders, and nothing changed outside the face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from personavlog.engines.visual.animatic import living_face as living
from personavlog.engines.visual.animatic.face_motion import face_motion
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import (
    CameraMove,
    FaceBox,
    Framing,
    LocationKind,
    Mood,
    PersonaProfile,
    Shot,
    ShotVisual,
    TimeOfDay,
    Weather,
)
from personavlog.vision.face_mesh import EYES, FACE_OVAL, NOSE_TIP, face_landmarks
from personavlog.vision.faces import largest_face
from personavlog.vision.imageio import load_reference

FPS = 24
INNER_UPPER_LIP, INNER_LOWER_LIP = 13, 14


def _dark_share(frame: np.ndarray, points: np.ndarray) -> float:
    """The share of the inside of the eyes that is iris or pupil (far darker than the cheek below): an open eye
    shows them, a shut lid hides them."""
    shares = []
    for eye in EYES:
        outline = np.concatenate([points[[eye.outer, *eye.upper, eye.inner], :2], points[list(eye.lower)[::-1], :2]])
        centre = outline.mean(axis=0)
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(centre + 0.7 * (outline - centre)).astype(np.int32)], 255)
        width = float(np.linalg.norm(points[eye.outer, :2] - points[eye.inner, :2]))
        cx, cy = (round(v) for v in centre + np.array([0.0, 0.9 * width]))
        cheek = float(frame[cy - 2 : cy + 3, cx - 2 : cx + 3].astype(np.float32).mean())
        shares.append(float((frame[mask > 0].astype(np.float32).mean(axis=1) < 0.55 * cheek).mean()))
    return float(np.mean(shares))


def _following(first: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The first frame's landmarks moved along with the eye corners of this frame (the head turns and glances;
    the corners stay put when the lids close)."""
    corners = [index for eye in EYES for index in (eye.outer, eye.inner)]
    moved = first.copy()
    moved[:, :2] += (points[corners, :2] - first[corners, :2]).mean(axis=0)
    return moved


def _eye_openness(points: np.ndarray) -> float:
    """Mean over both eyes of the lids' gap relative to the eye's width (the eye aspect ratio)."""
    ratios = []
    for eye in EYES:
        upper = points[list(eye.upper), :2]
        lower = points[list(eye.lower), :2]
        width = np.linalg.norm(points[eye.outer, :2] - points[eye.inner, :2])
        ratios.append(float(np.mean(lower[2:5, 1] - upper[2:5, 1]) / width))
    return float(np.mean(ratios))


def _spec(action: str = "she looks around the café", duration: float = 4.0) -> ShotRenderSpec:
    shot = Shot(
        id=1,
        duration_s=duration,
        location="a café",
        location_kind=LocationKind.CAFE,
        time_of_day=TimeOfDay.DAY,
        weather=Weather.CLEAR,
        action=action,
        camera=CameraMove.STATIC,
        framing=Framing.CLOSE_UP,
        mood=Mood.CALM,
    )
    return ShotRenderSpec(
        shot=shot,
        visual=ShotVisual(shot_id=1, keyframe_prompt="a person in a café", motion_prompt="still"),
        persona=PersonaProfile(
            description="a person", age_range="adult", hair="brown", clothing="orange", cutout="cutout.png"
        ),
        style="cinematic",
        width=640,
        height=360,
        fps=FPS,
        duration_s=duration,
        seed=5,
        shot_index=0,
        shot_count=1,
    )


def test_the_face_mesh_finds_the_astronauts_eyes_and_nose(astronaut: Path) -> None:
    rgb, _, _ = load_reference(astronaut)
    face = largest_face(rgb)
    assert face is not None
    points = face_landmarks(rgb, face)
    assert points is not None and points.shape == (468, 3)
    right, left = (points[[eye.outer, eye.inner], :2].mean(axis=0) for eye in EYES)
    assert right[0] < points[NOSE_TIP, 0] < left[0], "the person's right eye is on the image's left"
    for centre in (right, left):
        assert face.x < centre[0] < face.x + face.w and face.y < centre[1] < face.y + face.h * 0.6
    assert 0.15 < _eye_openness(points) < 0.5, "her eyes are open in the photo"
    assert points[NOSE_TIP, 2] < points[list(FACE_OVAL), 2].mean(), "the nose is nearer the camera than the cheeks"


def test_no_face_mesh_for_a_box_without_a_face() -> None:
    sky = np.full((256, 256, 3), (120, 170, 230), np.uint8)
    assert face_landmarks(sky, FaceBox(x=64, y=64, w=128, h=128)) is None


def test_blinks_come_at_irregular_natural_intervals() -> None:
    motion = face_motion(FPS * 120, FPS, "walks to the window", Mood.CALM, rng_for(1, 1, "face"))
    starts = np.array(motion.blink_starts) / FPS
    gaps = np.diff(starts)
    assert 12 <= len(starts) <= 60, "people blink about 10-25 times a minute"
    assert gaps.min() >= 0.25 and gaps.max() <= 8.0
    assert gaps.std() > 0.4, "not a metronome"
    assert motion.closure.max() == pytest.approx(1.0, abs=0.05)
    shut = (motion.closure > 0.5).mean()
    assert 0.01 < shut < 0.08, "the eyes are shut only a small share of the time"
    looking = face_motion(FPS * 120, FPS, "she looks around the square", Mood.CALM, rng_for(1, 1, "face"))
    assert np.ptp(looking.yaw) > 1.5 * np.ptp(motion.yaw), "looking around turns the head further"
    assert np.abs(looking.yaw).max() < 10 and np.abs(motion.pitch).max() < 4


@pytest.fixture(scope="module")
def rendered(cutout: Path) -> tuple[np.ndarray, np.ndarray, ShotRenderSpec]:
    """The same close-up rendered with a living face and with a still one."""
    spec = _spec()
    prepared = prepare_shot(spec, cutout)
    alive = np.stack([prepared.composer.render(i)[..., :3].copy() for i in range(prepared.frames)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(living, "face_landmarks", lambda *_: None)
        still_shot = prepare_shot(spec, cutout)
        still = np.stack([still_shot.composer.render(i)[..., :3].copy() for i in range(still_shot.frames)])
    return alive, still, spec


def test_the_rendered_face_blinks_and_turns(rendered: tuple[np.ndarray, np.ndarray, ShotRenderSpec]) -> None:
    alive, _still, spec = rendered
    motion = face_motion(len(alive), FPS, spec.shot.action, spec.shot.mood, rng_for(spec.seed, spec.shot.id, "face"))
    assert motion.blink_starts, "a 4 s shot holds at least one blink"
    face = largest_face(alive[0])
    assert face is not None
    first = face_landmarks(alive[0], face)
    assert first is not None
    dark_shares, openness, nose, lips_gap = [], [], [], []
    for frame in alive:
        points = face_landmarks(frame, face)
        assert points is not None
        dark_shares.append(_dark_share(frame, _following(first, points)))
        openness.append(_eye_openness(points))
        oval = points[list(FACE_OVAL), :2]
        nose.append(points[NOSE_TIP, :2] - oval.mean(axis=0))
        lips_gap.append(float(points[INNER_LOWER_LIP, 1] - points[INNER_UPPER_LIP, 1]))
    dark, openness_arr = np.array(dark_shares), np.array(openness)
    shut_frames = np.flatnonzero(motion.closure > 0.9)
    open_frames = np.flatnonzero(motion.closure < 0.01)
    assert dark[shut_frames].max() < 0.4 * np.median(dark[open_frames]), "the lids hide iris and pupil"
    assert openness_arr[shut_frames].max() < 0.9 * np.median(openness_arr[open_frames]), "the face mesh sees it"
    nose_arr = np.array(nose)
    assert np.ptp(nose_arr[open_frames, 0]) > 1.5, "the nose moves across the face: the head turns"
    lips = np.array(lips_gap)
    assert np.ptp(lips) < 0.25 * np.ptp(nose_arr[:, 0]) + 0.6, "the mouth does not speak: it is an inner voice"


def test_nothing_changes_outside_the_face(rendered: tuple[np.ndarray, np.ndarray, ShotRenderSpec]) -> None:
    alive, still, _spec = rendered
    difference = np.abs(alive.astype(np.int16) - still.astype(np.int16)).max(axis=(0, 3))
    changed = np.argwhere(difference > 2)
    assert len(changed), "the face moves"
    face = largest_face(still[0])
    assert face is not None
    y0, x0 = changed.min(axis=0)
    y1, x1 = changed.max(axis=0)
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    assert cx - 1.3 * face.w < x0 and x1 < cx + 1.3 * face.w, "no warp spills beside the head"
    assert cy - 1.4 * face.h < y0 and y1 < cy + 1.4 * face.h, "no warp spills above or below the head"
