"""`personavlog sheet`: a contact sheet of a real run directory whose shots the animatic engine rendered."""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import run_cli
from personavlog.compose import contact_sheet as cs
from personavlog.engines.visual.animatic import AnimaticEngine
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.export.sheet import run_contact_sheet
from personavlog.manifest import Manifest, PlannedShot, PlannedStoryboard
from personavlog.media import iter_clip_frames
from personavlog.rundir import RunDir
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    PersonaProfile,
    Shot,
    ShotVisual,
    Story,
    TimeOfDay,
    VlogRequest,
    Weather,
)
from personavlog.vision.analysis import analyze_reference

SIZE = 192
SHOTS = [
    (LocationKind.BEACH, TimeOfDay.DAY, Weather.CLEAR, CameraMove.PAN_RIGHT, Framing.WIDE),
    (LocationKind.NIGHT_MARKET, TimeOfDay.NIGHT, Weather.RAIN, CameraMove.PUSH_IN, Framing.MEDIUM),
    (LocationKind.FOREST, TimeOfDay.GOLDEN_HOUR, Weather.FOG, CameraMove.STATIC, Framing.CLOSE_UP),
    (LocationKind.SNOWY_VILLAGE, TimeOfDay.DUSK, Weather.SNOW, CameraMove.HANDHELD, Framing.MEDIUM),
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, astronaut: Path) -> Path:
    """A run directory with a manifest and four shots rendered by the real engine (keyframe + clip)."""
    root = tmp_path_factory.mktemp("sheet") / "run"
    run = RunDir(root)
    analyze_reference(astronaut, run.cutout)
    request = VlogRequest(
        theme="a day out", reference=astronaut, duration_s=10, resolution="360p", aspect="1:1", fps=12
    )
    shots = [
        PlannedShot(
            id=index + 1,
            duration_s=0.5,
            location=f"place {index + 1}",
            location_kind=location,
            time_of_day=time_of_day,
            weather=weather,
            action="looks around",
            camera=camera,
            framing=framing,
            mood=Mood.CALM,
        )
        for index, (location, time_of_day, weather, camera, framing) in enumerate(SHOTS)
    ]
    persona = PersonaProfile(
        description="a person", age_range="adult", hair="brown", clothing="orange", cutout="persona/cutout.png"
    )
    manifest = Manifest(
        request=request,
        persona=persona,
        story=Story(title="A day out", logline="someone goes out", beats=["a", "b", "c"]),
        storyboard=PlannedStoryboard(shots=shots),
    )
    run.save(manifest)
    engine = AnimaticEngine()
    for index, shot in enumerate(shots):
        spec = ShotRenderSpec(
            shot=Shot(**shot.model_dump(include=set(Shot.model_fields))),
            visual=ShotVisual(shot_id=shot.id, keyframe_prompt="a person", motion_prompt="a move"),
            persona=persona,
            style="cinematic",
            width=SIZE,
            height=SIZE,
            fps=12,
            duration_s=0.5,
            seed=1,
            shot_index=index,
            shot_count=len(shots),
        )
        run.shot_dir(shot.id).mkdir(parents=True)
        engine.render_shot(spec, run.cutout, run.keyframe(shot.id), run.clip(shot.id))
    return root


def _cells(sheet: np.ndarray, count: int, cell_h: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(picture, label strip) of each cell, by the sheet's grid geometry."""
    columns = min(cs.MAX_COLUMNS, math.ceil(math.sqrt(count)))
    cells = []
    for index in range(count):
        x = cs.GAP + (index % columns) * (cs.CELL_WIDTH + cs.GAP)
        y = cs.TITLE_HEIGHT + cs.GAP + (index // columns) * (cell_h + cs.LABEL_HEIGHT + cs.GAP)
        picture = sheet[y : y + cell_h, x : x + cs.CELL_WIDTH]
        label = sheet[y + cell_h : y + cell_h + cs.LABEL_HEIGHT, x : x + cs.CELL_WIDTH]
        cells.append((picture.astype(np.int16), label.astype(np.int16)))
    return cells


def _ink(strip: np.ndarray) -> int:
    """Pixels that differ from the sheet's background: drawn text."""
    return int((np.abs(strip - np.array(cs.BACKGROUND)).max(axis=2) > 60).sum())


def test_sheet_cli_writes_a_labelled_grid_of_the_keyframes(run_dir: Path) -> None:
    out = run_dir.parent / "sheet.png"
    result = run_cli("sheet", run_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]
    sheet = np.asarray(Image.open(out).convert("RGB"))
    cell_h = cs.CELL_WIDTH  # the run is 1:1
    assert sheet.shape == (
        cs.TITLE_HEIGHT + cs.GAP + 2 * (cell_h + cs.LABEL_HEIGHT + cs.GAP),
        2 * cs.CELL_WIDTH + 3 * cs.GAP,
        3,
    )
    cells = _cells(sheet, len(SHOTS), cell_h)
    run = RunDir(run_dir)
    for index, (picture, label) in enumerate(cells):
        keyframe = Image.open(run.keyframe(index + 1)).convert("RGB").resize((cs.CELL_WIDTH, cell_h))
        assert np.abs(picture - np.asarray(keyframe, np.int16)).mean() < 6, f"cell {index} is not its keyframe"
        assert _ink(label) > 400, f"cell {index} has no label"
    for (a, label_a), (b, label_b) in combinations(cells, 2):
        assert np.abs(a - b).mean() > 20
        assert np.abs(label_a - label_b).mean() > 1
    assert _ink(sheet[: cs.TITLE_HEIGHT].astype(np.int16)) > 400


def test_labels_name_the_storyboard() -> None:
    shot = PlannedShot(
        id=7,
        duration_s=2.0,
        location="the old harbour",
        location_kind=LocationKind.LAKE,
        time_of_day=TimeOfDay.GOLDEN_HOUR,
        weather=Weather.WIND,
        action="walks",
        camera=CameraMove.TILT_UP,
        framing=Framing.WIDE,
        mood=Mood.HOPEFUL,
    )
    first, second, third = cs.shot_labels(shot)
    assert first.startswith("#07") and "lake" in first
    for word in ("golden hour", "wind", "tilt up", "wide"):
        assert word in second
    assert "the old harbour" in third


def test_shots_without_keyframes_show_the_middle_of_their_clip(run_dir: Path, tmp_path: Path) -> None:
    run = RunDir(run_dir)
    frames = list(iter_clip_frames(run.clip(2)))
    picture, source = cs.shot_picture(run.keyframe(2), run.clip(2))
    assert source == "keyframe"
    moved = tmp_path / "keyframe.png"
    run.keyframe(2).rename(moved)
    try:
        picture, source = cs.shot_picture(run.keyframe(2), run.clip(2))
        assert source == "clip" and picture is not None
        assert np.array_equal(np.asarray(picture), frames[len(frames) // 2])
        sheet = cs.render_contact_sheet(run_contact_sheet(run_dir))
        assert sheet.size[0] > 0
    finally:
        moved.rename(run.keyframe(2))


def test_a_directory_that_is_not_a_run_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli("sheet", tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a PersonaVlog run directory" in result.stderr
    assert not (tmp_path / "contact_sheet.png").exists()
