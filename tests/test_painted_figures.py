"""Companions and props in the looks the style network paints: painted like the scene, once per shot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from personavlog.engines.visual.animatic import shot as shot_module
from personavlog.engines.visual.animatic.figures import figure_light, paint_dog
from personavlog.engines.visual.animatic.light import lighting_for
from personavlog.engines.visual.animatic.painterly import FIGURE_SHORTEST, paint_figure
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.style import PRESETS, Grader
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import Framing, LocationKind, TimeOfDay, Weather
from personavlog.vision import style_transfer
from test_companions import Recorder, make_spec

FRAME = (320, 180)
COAT = ((0.55, 0.38, 0.22), (0.85, 0.75, 0.6))


def _graded_dog(look: str, size: float) -> np.ndarray:
    """A dog as the companions place it: padded, then graded and textured in the look."""
    light = figure_light(lighting_for(TimeOfDay.DAY, Weather.CLEAR), False, 1.0)
    painted = paint_dog(size, 1.0, COAT, True, light, 0.0, 5)
    image = np.pad(painted.image, ((4, 4), (4, 4), (0, 0)))
    return Grader(PRESETS[look], *FRAME, rng_for(3, 2, "style")).stylise(image)


def _beyond_cover(premult: np.ndarray) -> np.ndarray:
    """How much light a premultiplied RGBA picture has beyond its alpha (a glow)."""
    return np.clip(premult[..., :3].astype(np.int32) - premult[..., 3:], 0, None)


@pytest.mark.parametrize("look", ["watercolor", "oil_painting"])
def test_a_painted_look_paints_a_figure_keeping_its_outline(look: str) -> None:
    graded = _graded_dog(look, 70.0)
    painted = paint_figure(PRESETS[look], graded, FRAME)
    covered = graded[..., 3] > 200
    change = np.abs(painted[..., :3].astype(np.int32) - graded[..., :3]).sum(axis=2)[covered].mean()
    assert change > 6, f"the network painted the figure ({change:.1f})"
    assert np.array_equal(painted[..., 3], graded[..., 3]), "the alpha is the figure's own"
    assert (_beyond_cover(painted) <= _beyond_cover(graded)).all(), "no light added outside the figure"
    assert np.array_equal(painted, paint_figure(PRESETS[look], graded, FRAME)), "the same painting every time"


def test_figures_stay_as_graded_without_the_network_or_its_look(monkeypatch: pytest.MonkeyPatch) -> None:
    cinematic = _graded_dog("cinematic", 70.0)
    assert paint_figure(PRESETS["cinematic"], cinematic, FRAME) is cinematic
    tiny = _graded_dog("watercolor", FIGURE_SHORTEST * 0.6)
    assert paint_figure(PRESETS["watercolor"], tiny, FRAME) is tiny, "a tiny figure is not worth painting"
    monkeypatch.setattr(style_transfer, "model_path", lambda: None)
    watercolor = _graded_dog("watercolor", 70.0)
    assert paint_figure(PRESETS["watercolor"], watercolor, FRAME) is watercolor


# -- in a shot ----------------------------------------------------------------------------------------------


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Recorder, list[np.ndarray]]]:
    """The companion planes of the next shot prepared, and every layer the grader styled for it."""
    recorder, styled = Recorder(), []
    real = Grader.stylise

    def stylise(grader: Grader, premult: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        styled.append(real(grader, premult, *args, **kwargs))
        return styled[-1]

    monkeypatch.setattr(shot_module, "companion_planes", recorder)
    monkeypatch.setattr(Grader, "stylise", stylise)
    yield recorder, styled


def _figure_images(recorder: Recorder) -> list[np.ndarray]:
    """Every picture of every companion plane: its image and each of its poses."""
    assert recorder.result is not None
    images = []
    for plane in recorder.result.behind + recorder.result.front:
        images.append(plane.image)
        if plane.frames is not None:
            images.extend(plane.frames(i) for i in range(len(plane.matrices)))
    return images


def _shots(look: str) -> list[ShotRenderSpec]:
    cafe = make_spec("drinks coffee with friends", location=LocationKind.CAFE)
    park = make_spec("walks the dog", framing=Framing.WIDE)
    return [spec.model_copy(update={"style": look, "width": FRAME[0], "height": FRAME[1]}) for spec in (cafe, park)]


@pytest.mark.parametrize("spec", _shots("cinematic"), ids=["cafe", "park"])
def test_in_an_unpainted_look_figures_are_exactly_as_graded(
    cutout: Path, spied: tuple[Recorder, list[np.ndarray]], spec: ShotRenderSpec
) -> None:
    recorder, styled = spied
    shot_module.prepare_shot(spec, cutout)
    images = _figure_images(recorder)
    assert len(images) > 2
    for image in images:
        assert any(np.array_equal(image, graded) for graded in styled), "the grader's own output"


@pytest.mark.parametrize("spec", _shots("watercolor"), ids=["cafe", "park"])
def test_in_a_painted_look_every_figure_and_pose_is_painted(
    cutout: Path, spied: tuple[Recorder, list[np.ndarray]], spec: ShotRenderSpec
) -> None:
    recorder, styled = spied
    shot_module.prepare_shot(spec, cutout)
    painted = 0
    for image in _figure_images(recorder):
        graded = [layer for layer in styled if np.array_equal(layer[..., 3], image[..., 3])]
        assert graded, "each figure keeps the alpha the grader gave it"
        ys, xs = np.nonzero(image[..., 3])
        if min(np.ptp(ys), np.ptp(xs)) + 1 < FIGURE_SHORTEST:
            continue
        assert not any(np.array_equal(image, layer) for layer in graded), "the network painted it"
        painted += 1
    assert painted >= 2
