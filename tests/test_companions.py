"""Companions and props the shot names: which the words call for, and that they show, beside the protagonist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from personavlog.engines.visual.animatic import shot as shot_module
from personavlog.engines.visual.animatic.companions import (
    Companions,
    cast_for,
    companion_planes,
    figures_for,
    friend_count,
)
from personavlog.engines.visual.animatic.engine import keyframe_index
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.engines.visual.base import ShotRenderSpec
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

# -- the words --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("our first walk with the shelter dog", ["dog"]),
        ("dog walk in the park", ["dog"]),
        ("buys lunch at a hot dog stand", []),
        ("coffee with friends", ["friends", "cup"]),
        ("the puppy chases leaves", ["dog"]),
        ("a kitten naps on the sofa", ["cat"]),
        ("rides her bike to the market", ["bicycle"]),
        ("sips a latte by the window", ["cup"]),
        ("an espresso before work", ["cup"]),
        ("watches a cat-walk show", []),
        ("finds a dog-eared novel", ["book"]),
        ("walks in the rain without an umbrella", []),
        ("walks home under an umbrella", ["umbrella"]),
        ("drags a suitcase through the station", ["suitcase"]),
        ("books a table for two", []),
        ("watches the world cup final", []),
        ("types on a laptop at the desk", ["laptop"]),
    ],
)
def test_words_name_the_figures(text: str, expected: list[str]) -> None:
    assert figures_for(text) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("coffee with friends", 2),
        ("my sister and I laugh", 1),
        ("three friends share a cake", 3),
        ("a couple of friends wave", 2),
        ("dinner with the family", 3),
        ("we walk along the river", 1),
        ("alone on the pier", 0),
    ],
)
def test_friend_count(text: str, count: int) -> None:
    assert friend_count(text) == count


def test_we_with_a_pet_is_the_pet() -> None:
    assert figures_for("we walk the puppy home") == ["dog"]


def make_spec(
    action: str,
    framing: Framing = Framing.MEDIUM,
    location: LocationKind = LocationKind.PARK,
    seed: int = 3,
    description: str = "a person",
    prompt: str = "a person in a place",
    weather: Weather = Weather.CLEAR,
) -> ShotRenderSpec:
    shot = Shot(
        id=2,
        duration_s=1.0,
        location="somewhere",
        location_kind=location,
        time_of_day=TimeOfDay.DAY,
        weather=weather,
        action=action,
        camera=CameraMove.STATIC,
        framing=framing,
        mood="calm",
    )
    return ShotRenderSpec(
        shot=shot,
        visual=ShotVisual(shot_id=2, keyframe_prompt=prompt, motion_prompt="slow move"),
        persona=PersonaProfile(
            description=description, age_range="adult", hair="brown", clothing="orange", cutout="cutout.png"
        ),
        style="cinematic",
        width=256,
        height=144,
        fps=12,
        duration_s=1.0,
        seed=seed,
        shot_index=1,
        shot_count=3,
    )


def test_what_the_protagonist_carries_is_not_painted_again() -> None:
    description = "a woman with a red backpack"
    spec = make_spec("stands at the gate", description=description, prompt=f"{description}, at a park gate, a dog")
    assert cast_for(spec).figures == ("dog",)


def test_cafe_cups_go_on_a_table() -> None:
    cast = cast_for(make_spec("coffee with two friends", location=LocationKind.CAFE))
    assert cast.at_table and cast.friends == 2 and "cup" in cast.figures


# -- the engine -------------------------------------------------------------------------------------------


class Recorder:
    """Wraps companion_planes in shot.py, keeping what it was given and what it returned."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.person: PersonSprite | None = None
        self.result: Companions | None = None

    def __call__(self, spec: ShotRenderSpec, person: PersonSprite, *args: Any, **kwargs: Any) -> Companions:
        self.person = person
        self.result = companion_planes(spec, person, *args, **kwargs) if self.enabled else Companions([], [], [])
        return self.result


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = Recorder()
    monkeypatch.setattr(shot_module, "companion_planes", recorder)
    yield recorder


def keyframe(spec: ShotRenderSpec, cutout: Path) -> np.ndarray:
    prepared = shot_module.prepare_shot(spec, cutout)
    return prepared.composer.render(keyframe_index(prepared.frames))[..., :3].astype(np.int32)


def face_box(person: PersonSprite) -> tuple[int, int, int, int]:
    (fx, fy), (fw, fh) = person.face_centre, person.face_size
    return round(fx - fw / 2), round(fy - fh / 2), round(fx + fw / 2), round(fy + fh / 2)


@pytest.mark.parametrize(("framing", "seed"), [(Framing.WIDE, 3), (Framing.MEDIUM, 4)])
def test_a_named_dog_shows_beside_the_protagonist(cutout: Path, record: Recorder, framing: Framing, seed: int) -> None:
    spec = make_spec("stands at the gate with the shelter dog", framing=framing, seed=seed)
    with_dog = keyframe(spec, cutout)
    assert record.result is not None and record.result.drawn == ["dog"]
    record.enabled = False
    without = keyframe(spec, cutout)
    person = record.person
    assert person is not None

    changed = np.abs(with_dog - without).sum(axis=2) > 60
    ys, xs = np.nonzero(changed)
    height, width = changed.shape
    assert len(xs) > 0.02 * width * height, "the dog covers a visible part of the frame"
    face_x, face_y = person.face_centre
    free = -1 if face_x > width / 2 else 1
    assert np.mean((xs - face_x) * free > 0) > 0.9, "the dog stands on the free side"
    assert ys.max() > 0.85 * height and np.median(ys) > face_y, "the dog stands on the ground"
    x0, y0, x1, y1 = face_box(person)
    assert not changed[max(0, y0) : y1, max(0, x0) : x1].any(), "the face stays clear"


def _covers_face(companions: Companions, person: PersonSprite, frame_size: tuple[int, int]) -> int:
    x0, y0, x1, y1 = face_box(person)
    covered = 0
    for plane in companions.behind + companions.front:
        for index in (0, len(plane.matrices) // 2, len(plane.matrices) - 1):
            image = plane.frames(index) if plane.frames is not None else plane.image
            alpha = cv2.warpAffine(image[..., 3], plane.matrices[index], frame_size)
            covered += int((alpha[max(0, y0) : y1, max(0, x0) : x1] > 16).sum())
    return covered


@pytest.mark.parametrize("framing", list(Framing))
@pytest.mark.parametrize("seed", [3, 4])
def test_no_figure_covers_the_face(cutout: Path, record: Recorder, framing: Framing, seed: int) -> None:
    action = "coffee with three friends, the dog and a cat, an umbrella, a bike, a book and a suitcase"
    spec = make_spec(action, framing=framing, seed=seed, weather=Weather.RAIN)
    shot_module.prepare_shot(spec, cutout)
    assert record.result is not None and record.person is not None
    assert record.result.drawn, "something fits in every framing"
    assert _covers_face(record.result, record.person, (spec.width, spec.height)) == 0
    if framing != Framing.CLOSE_UP:
        assert {"friends", "dog", "umbrella"} <= set(record.result.drawn)


def test_friends_at_a_cafe_table(cutout: Path, record: Recorder) -> None:
    spec = make_spec("coffee with two friends at a table", location=LocationKind.CAFE)
    shot_module.prepare_shot(spec, cutout)
    assert record.result is not None
    assert record.result.drawn[:1] == ["friends"] and {"table", "cup"} <= set(record.result.drawn)
    friends = [p for p in record.result.behind if p.image.shape[0] > spec.height * 0.4]
    assert len(friends) == 2, "two friends, standing behind the protagonist's plane"


def test_nothing_named_adds_no_planes(cutout: Path, record: Recorder) -> None:
    shot_module.prepare_shot(make_spec("looks out over the valley"), cutout)
    assert record.result is not None and record.result.drawn == []
    assert not record.result.behind and not record.result.front
