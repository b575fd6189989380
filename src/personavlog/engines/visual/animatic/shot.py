"""Everything a shot needs before its first frame: painted and graded layers, the protagonist sprite,
camera matrices per frame and the weather, assembled into a FrameComposer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from personavlog.engines.visual.animatic import camera
from personavlog.engines.visual.animatic.body_motion import BodyTrack, plan_body_motion
from personavlog.engines.visual.animatic.companions import companion_planes
from personavlog.engines.visual.animatic.compositor import (
    Effect,
    FrameComposer,
    Plane,
    crop_to_content,
    holes,
    split_sparse,
)
from personavlog.engines.visual.animatic.face_motion import face_motion
from personavlog.engines.visual.animatic.light import lighting_for
from personavlog.engines.visual.animatic.living_face import living_face
from personavlog.engines.visual.animatic.painterly import paint_layers
from personavlog.engines.visual.animatic.person import body_matrix, build_person, find_face, subject_position
from personavlog.engines.visual.animatic.scenes import SceneContext, paint_scene
from personavlog.engines.visual.animatic.scenes.base import over
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.style import Grader, resolve_style, with_mood
from personavlog.engines.visual.animatic.weather import WeatherEffects
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import CameraMove, Weather
from personavlog.vision.cutout import load_cutout

DEPTH_BACK = 0.25
DEPTH_LIGHTS = 0.4
DEPTH_MID = 0.6
DEPTH_PERSON = 0.78
DEPTH_NEAR = 1.0


@dataclass
class PreparedShot:
    composer: FrameComposer
    frames: int
    face_centre: tuple[float, float]
    """Frame position of the protagonist's face at rest."""
    person_track: BodyTrack
    """The protagonist's motion per frame (frame pixels before the camera): what moves with them follows it."""


def frame_count(spec: ShotRenderSpec) -> int:
    return max(1, round(spec.duration_s * spec.fps))


def prepare_shot(spec: ShotRenderSpec, cutout_path: Path) -> PreparedShot:
    shot = spec.shot
    width, height, fps = spec.width, spec.height, spec.fps
    frames = frame_count(spec)
    extra = camera.margin_for(shot.camera)
    margin = (round(width * extra), round(height * extra))
    canvas_w, canvas_h = width + 2 * margin[0], height + 2 * margin[1]
    light = lighting_for(shot.time_of_day, shot.weather)
    side = -1.0 if (spec.seed + shot.id) % 2 == 0 else 1.0
    face_x = subject_position(shot.framing, width, side)

    context = SceneContext(canvas_w, canvas_h, light, rng_for(spec.seed, shot.id, "scene"), face_x + margin[0])
    scene = paint_scene(shot.location_kind, context)
    look = with_mood(resolve_style(spec.style), shot.mood.value)
    grader = Grader(look, width, height, rng_for(spec.seed, shot.id, "style"))

    back = grader.stylise(scene.back, opaque=True)
    mid = grader.stylise(scene.mid) if scene.mid is not None else None

    def backdrop(x: int, y: int, w: int, h: int) -> np.ndarray:
        """The graded scene behind a frame rectangle, at rest (clamped at the canvas edges)."""
        xs = np.clip(np.arange(x, x + w) + margin[0], 0, canvas_w - 1)
        ys = np.clip(np.arange(y, y + h) + margin[1], 0, canvas_h - 1)
        region = back[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1, :3].astype(np.float32) / 255.0
        if mid is not None:
            region = over(region, mid[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1])
        region = region[np.clip(ys - ys[0], 0, None)][:, np.clip(xs - xs[0], 0, None)]
        return np.clip(region, 0, 1)

    rgba, recorded = load_cutout(cutout_path)
    face = find_face(rgba, recorded)
    person = build_person(rgba, face, shot.framing, width, height, side, scene, light, grader.grade, backdrop)
    near = grader.stylise(scene.near) if scene.near is not None else None
    painted = paint_layers(look, back, mid, person, near, margin, (width, height), wrap=bool(scene.back_drift))
    back, mid, person, near = painted.back, painted.mid, painted.person, painted.near
    person_rng = rng_for(spec.seed, shot.id, "person")
    phase = float(person_rng.uniform(0, 2 * math.pi))
    # The face's blinks and turns, planned once: the living face draws them and the shoulders follow the head.
    head = face_motion(frames, fps, shot.action, shot.mood, rng_for(spec.seed, shot.id, "face"))
    person_track = plan_body_motion(person, shot, frames, fps, (width, height), person_rng, head.yaw)

    poses = camera.poses(shot.camera, frames, fps, rng_for(spec.seed, shot.id, "camera"))
    zooming = shot.camera in (CameraMove.PUSH_IN, CameraMove.PULL_OUT)
    focus = person.face_centre if zooming else (width / 2, height / 2)

    def matrices(depth: float, offset: tuple[float, float] = (0.0, 0.0)) -> list[np.ndarray]:
        inner = camera.translation(*offset)
        return [
            camera.compose(camera.layer_matrix(p, depth, DEPTH_PERSON, width, height, focus, margin), inner)
            for p in poses
        ]

    planes: list[Plane] = []
    if scene.back_drift:
        back_depth = DEPTH_BACK * 0.6
        mats = []
        for i, p in enumerate(poses):
            scroll = (scene.back_drift * i / fps) % canvas_w
            mats.append(
                camera.compose(
                    camera.layer_matrix(p, back_depth, DEPTH_PERSON, width, height, focus, margin),
                    camera.translation(scroll, 0.0),
                )
            )
        planes.append(Plane(back, mats, mode="opaque", wrap=True))
    else:
        planes.append(Plane(back, matrices(DEPTH_BACK), mode="opaque"))
    mid_position = len(planes)
    if mid is not None:
        cropped = crop_to_content(mid)
        if cropped is not None:
            image, x0, y0 = cropped
            planes.append(Plane(image, matrices(DEPTH_MID, (x0, y0)), windows=holes(image)))
    for pulse in scene.pulses:
        gains = [
            pulse.low
            + (pulse.high - pulse.low) * (0.5 + 0.5 * math.sin(2 * math.pi * (i / fps / pulse.period_s + pulse.phase)))
            for i in range(frames)
        ]
        for image, x0, y0 in split_sparse(grader.stylise(pulse.rgba)):
            planes.append(Plane(image, matrices(DEPTH_LIGHTS, (x0, y0)), mode="add", gains=gains))

    windy = shot.weather == Weather.WIND
    person_place = matrices(DEPTH_PERSON, margin)
    living = living_face(rgba, face, person, head)
    planes.append(
        Plane(
            person.image,
            [
                camera.compose(m, body_matrix(person, i / fps, phase, windy, person_track.matrix(i)))
                for i, m in enumerate(person_place)
            ],
            frames=living.frame if living is not None else None,
        )
    )
    # Companions and props the shot names (companions.py): planes right behind and in front of the protagonist.
    companions = companion_planes(spec, person, scene, light, grader, matrices, margin, DEPTH_PERSON, person_track)
    companions.insert_around(planes, person.image)
    if near is not None:
        for image, x0, y0 in split_sparse(near):
            planes.append(Plane(image, matrices(DEPTH_NEAR, (x0, y0))))

    weather = WeatherEffects(
        shot.weather,
        light,
        shot.location_kind,
        width,
        height,
        fps,
        rng_for(spec.seed, shot.id, "weather"),
        scene.indoor,
        grader.grade_colour,
    )
    face_w, face_h = person.face_size
    weather.keep_clear(person.face_centre, (face_w * 0.9, face_h * 1.0))
    effects: list[tuple[int, Effect]] = []
    if weather.has_back:
        effects.append((mid_position, weather.draw_back))
    if weather.has_front:
        effects.append((len(planes), weather.draw_front))
    effects.append((len(planes), grader.finish))
    composer = FrameComposer(width, height, planes, effects)
    return PreparedShot(composer, frames, person.face_centre, person_track)
