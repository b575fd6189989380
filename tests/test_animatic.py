"""The embedded animatic visual engine, rendering real (small) clips from a real cut-out."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from personavlog.backends import engine_class
from personavlog.engines.visual.animatic import AnimaticEngine
from personavlog.engines.visual.animatic.camera import poses
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.style import resolve_style
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.media import iter_clip_frames
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    PersonaProfile,
    Shot,
    ShotVisual,
    TimeOfDay,
    Weather,
)
from personavlog.vision.faces import largest_face


def make_spec(
    location: LocationKind = LocationKind.PARK,
    time: TimeOfDay = TimeOfDay.DAY,
    weather: Weather = Weather.CLEAR,
    camera: CameraMove = CameraMove.STATIC,
    framing: Framing = Framing.MEDIUM,
    style: str = "cinematic",
    size: tuple[int, int] = (320, 180),
    duration: float = 0.5,
    fps: int = 12,
    seed: int = 3,
) -> ShotRenderSpec:
    shot = Shot(
        id=2,
        duration_s=duration,
        location="somewhere",
        location_kind=location,
        time_of_day=time,
        weather=weather,
        action="looks around",
        camera=camera,
        framing=framing,
        mood="calm",
    )
    return ShotRenderSpec(
        shot=shot,
        visual=ShotVisual(shot_id=2, keyframe_prompt="a person in a place", motion_prompt="slow move"),
        persona=PersonaProfile(
            description="a person", age_range="adult", hair="brown", clothing="orange", cutout="cutout.png"
        ),
        style=style,
        width=size[0],
        height=size[1],
        fps=fps,
        duration_s=duration,
        seed=seed,
        shot_index=1,
        shot_count=3,
    )


def render(spec: ShotRenderSpec, cutout: Path, out: Path, name: str = "shot") -> tuple[np.ndarray, Path]:
    key, clip = out / f"{name}.png", out / f"{name}.mp4"
    AnimaticEngine().render_shot(spec, cutout, key, clip)
    return np.asarray(Image.open(key).convert("RGB")), clip


def test_engine_is_registered_and_named() -> None:
    engine = engine_class("visual", "animatic")()
    assert isinstance(engine, AnimaticEngine) and engine.name == "animatic"


def test_clip_has_exact_frame_count_and_size(cutout: Path, tmp_path: Path) -> None:
    spec = make_spec(duration=1.25, fps=12, camera=CameraMove.PAN_RIGHT, weather=Weather.RAIN)
    progress: list[tuple[int, int]] = []
    key, clip = tmp_path / "k.png", tmp_path / "c.mp4"
    AnimaticEngine().render_shot(spec, cutout, key, clip, on_frame=lambda done, total: progress.append((done, total)))
    frames = list(iter_clip_frames(clip))
    assert len(frames) == round(1.25 * 12) == 15
    assert frames[0].shape == (180, 320, 3)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        assert stream.average_rate == 12
    assert progress == [(i, 15) for i in range(1, 16)]
    keyframe = np.asarray(Image.open(key))
    assert keyframe.shape == (180, 320, 3)
    # The keyframe is the frame at 40% of the clip.
    assert np.abs(keyframe.astype(int) - frames[6].astype(int)).mean() < 4
    assert not list(tmp_path.glob(".*tmp*")), "no temporary files are left behind"


def test_same_spec_gives_identical_frames(cutout: Path, tmp_path: Path) -> None:
    spec = make_spec(weather=Weather.SNOW, camera=CameraMove.HANDHELD, location=LocationKind.SNOWY_VILLAGE)
    first, _ = render(spec, cutout, tmp_path, "a")
    second, _ = render(spec, cutout, tmp_path, "b")
    assert np.array_equal(first, second)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    other, _ = render(
        make_spec(weather=Weather.SNOW, camera=CameraMove.HANDHELD, location=LocationKind.SNOWY_VILLAGE, seed=4),
        cutout,
        tmp_path,
        "c",
    )
    assert not np.array_equal(first, other), "another seed paints another scene"


def test_every_location_looks_different(cutout: Path, tmp_path: Path) -> None:
    images = {}
    for kind in LocationKind:
        image, _ = render(
            make_spec(location=kind, framing=Framing.WIDE, size=(192, 108), duration=1 / 12),
            cutout,
            tmp_path,
            kind.value,
        )
        images[kind] = image.astype(np.float32)
    kinds = list(images)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            difference = np.abs(images[a] - images[b]).mean()
            assert difference > 12, f"{a.value} and {b.value} look alike ({difference:.1f})"


def test_time_of_day_changes_the_light(cutout: Path, tmp_path: Path) -> None:
    def sky(time: TimeOfDay) -> np.ndarray:
        image, _ = render(
            make_spec(location=LocationKind.BEACH, time=time, framing=Framing.WIDE, duration=1 / 12),
            cutout,
            tmp_path,
            time.value,
        )
        return image.astype(np.float32)

    night, day, golden = sky(TimeOfDay.NIGHT), sky(TimeOfDay.DAY), sky(TimeOfDay.GOLDEN_HOUR)
    top = slice(0, 40)
    assert night[top].mean() < 0.5 * day[top].mean()
    assert night.mean() < day.mean()
    # Golden hour is warm, the day sky is blue.
    assert golden[..., 0].mean() / golden[..., 2].mean() > 1.2 * day[..., 0].mean() / day[..., 2].mean()
    assert day[top, :, 2].mean() > day[top, :, 0].mean()


def test_push_in_magnifies_over_time(cutout: Path, tmp_path: Path) -> None:
    zooms = [p.zoom for p in poses(CameraMove.PUSH_IN, 24, 12, rng_for(0, 1, "camera"))]
    assert zooms[0] == pytest.approx(1.0) and zooms[-1] > 1.1 and zooms == sorted(zooms)
    _, clip = render(
        make_spec(camera=CameraMove.PUSH_IN, duration=2.0, size=(480, 270), location=LocationKind.CITY_STREET),
        cutout,
        tmp_path,
    )
    frames = list(iter_clip_frames(clip))
    first, last = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (frames[0], frames[-1]))
    orb = cv2.ORB_create(1500)
    kp1, d1 = orb.detectAndCompute(first, None)
    kp2, d2 = orb.detectAndCompute(last, None)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(d1, d2)
    src = np.float32([kp1[m.queryIdx].pt for m in matches])
    dst = np.float32([kp2[m.trainIdx].pt for m in matches])
    transform, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC)
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    assert scale > 1.06, f"the last frame should be magnified (scale {scale:.3f})"


def test_a_static_shot_still_creeps_in_smoothly(cutout: Path, tmp_path: Path) -> None:
    """'static' is a locked-off frame that never freezes: a slow, eased creep in, no jumps."""
    zooms = [p.zoom for p in poses(CameraMove.STATIC, 24, 12, rng_for(0, 1, "camera"))]
    assert zooms[0] == pytest.approx(1.0) and 1.02 < zooms[-1] < 1.06 and zooms == sorted(zooms)
    _, clip = render(make_spec(camera=CameraMove.STATIC, duration=2.0, location=LocationKind.OFFICE), cutout, tmp_path)
    frames = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float32) for f in iter_clip_frames(clip)]
    assert np.abs(frames[-1] - frames[0]).mean() > 2.0, "first and last frames differ visibly"
    steps = [float(np.abs(b - a).mean()) for a, b in pairwise(frames)]
    assert max(steps) < 4 * float(np.median(steps)) + 0.5, "no frame jumps"


def test_weather_moves_between_frames(cutout: Path, tmp_path: Path) -> None:
    _, clip = render(make_spec(weather=Weather.RAIN, location=LocationKind.CITY_STREET, duration=0.5), cutout, tmp_path)
    frames = [f.astype(np.float32) for f in iter_clip_frames(clip)]
    changed = np.abs(frames[1] - frames[0]).max(axis=2) > 12
    assert changed.mean() > 0.003, "rain falls even when the camera is still"


def test_face_survives_in_a_close_up(cutout: Path, tmp_path: Path) -> None:
    image, _ = render(
        make_spec(framing=Framing.CLOSE_UP, location=LocationKind.CAFE, size=(640, 360), duration=1 / 12),
        cutout,
        tmp_path,
    )
    face = largest_face(image)
    assert face is not None, "the protagonist's face must stay recognisable"
    assert face.h > 0.2 * 360


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (720, 720)])
def test_frame_sizes(cutout: Path, tmp_path: Path, size: tuple[int, int]) -> None:
    spec = make_spec(
        size=size, duration=1 / 12, location=LocationKind.NIGHT_MARKET, time=TimeOfDay.NIGHT, camera=CameraMove.ORBIT
    )
    image, clip = render(spec, cutout, tmp_path)
    assert image.shape == (size[1], size[0], 3)
    assert next(iter_clip_frames(clip)).shape == (size[1], size[0], 3)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1080, 1080)])
def test_full_hd_frame_sizes(cutout: Path, tmp_path: Path, size: tuple[int, int]) -> None:
    image, _ = render(make_spec(size=size, duration=1 / 12, location=LocationKind.STAGE), cutout, tmp_path)
    assert image.shape == (size[1], size[0], 3)


@pytest.mark.parametrize(
    ("text", "preset"),
    [
        ("cinematic", "cinematic"),
        ("Film 35mm", "film"),
        ("warm film", "film"),
        ("watercolour", "watercolor"),
        ("anime", "anime"),
        ("vintage VHS", "vhs"),
        ("black and white", "black_and_white"),
        ("documentary", "documentary"),
        ("noir detective", "black_and_white"),
        ("studio ghibli", "anime"),
        ("watercolr", "watercolor"),
        ("something else entirely", "cinematic"),
    ],
)
def test_style_names_map_to_presets(text: str, preset: str) -> None:
    assert resolve_style(text).name == preset


def test_styles_change_the_picture(cutout: Path, tmp_path: Path) -> None:
    looks = {}
    for style in ("cinematic", "black and white", "anime", "vintage vhs"):
        image, _ = render(make_spec(style=style, duration=1 / 12), cutout, tmp_path, style.replace(" ", "_"))
        looks[style] = image.astype(np.float32)
    grey = looks["black and white"]
    assert np.abs(grey[..., 0] - grey[..., 2]).mean() < 6, "black and white has no colour"
    assert np.abs(looks["cinematic"][..., 0] - looks["cinematic"][..., 2]).mean() > 15
    assert np.abs(looks["anime"] - looks["cinematic"]).mean() > 5
    assert np.abs(looks["vintage vhs"] - looks["cinematic"]).mean() > 5
