"""Cuts between shots: mood-chosen transitions, rendered from real encoded clips through the timeline reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personavlog.compose.transitions import DIP_COLOURS
from personavlog.compose.video import iter_timeline_frames, shot_frame_ranges, total_frames
from personavlog.media import ClipWriter, iter_clip_frames
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    Shot,
    ShotTiming,
    Storyboard,
    Timeline,
    TimeOfDay,
    Transition,
    Weather,
)
from personavlog.timing import CROSSFADE_S, build_timeline, choose_transition

WIDTH, HEIGHT, FPS = 192, 108, 12
SHOT_S = 1.5


def _shot(shot_id: int, mood: Mood, camera: CameraMove = CameraMove.STATIC) -> Shot:
    return Shot(
        id=shot_id,
        duration_s=SHOT_S,
        location="a street",
        location_kind=LocationKind.CITY_STREET,
        time_of_day=TimeOfDay.DAY,
        weather=Weather.CLEAR,
        action="walks",
        camera=camera,
        framing=Framing.MEDIUM,
        mood=mood,
    )


def _texture(seed: int) -> np.ndarray:
    """Random 6-px colour blocks: as many vertical edges as horizontal ones."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(30, 226, size=(HEIGHT // 6 + 1, WIDTH // 6 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(blocks, 6, axis=0), 6, axis=1)[:HEIGHT, :WIDTH])


def _write_clip(path: Path, frames: int, seed: int) -> None:
    base = _texture(seed)
    with ClipWriter(path, WIDTH, HEIGHT, FPS) as writer:
        for index in range(frames):
            writer.write(np.roll(base, index, axis=0))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("transitions")
    paths = {1: folder / "a.mp4", 2: folder / "b.mp4"}
    _write_clip(paths[1], round((SHOT_S + CROSSFADE_S) * FPS), seed=1)
    _write_clip(paths[2], round(SHOT_S * FPS), seed=2)
    return paths


def _timeline(kind: Transition) -> Timeline:
    shots = [
        ShotTiming(
            shot_id=i + 1,
            start_s=i * SHOT_S,
            duration_s=SHOT_S,
            voice_offset_s=0.6,
            voice_duration_s=0.5,
            caption="x",
            transition_in=kind,
        )
        for i in range(2)
    ]
    return Timeline(fps=FPS, width=WIDTH, height=HEIGHT, shots=shots, crossfade_s=CROSSFADE_S)


def _cut(kind: Transition, clips: dict[int, Path]) -> tuple[list[np.ndarray], int, int]:
    """All output frames, the first frame of the second shot and the number of blended frames."""
    timeline = _timeline(kind)
    frames = [frame.copy() for frame in iter_timeline_frames(timeline, clips)]
    first = shot_frame_ranges(timeline)[1][0]
    return frames, first, round(CROSSFADE_S * FPS)


def _gradient_energy(frame: np.ndarray) -> tuple[float, float]:
    """Mean squared brightness step along x (across columns) and along y (across rows)."""
    grey = frame.astype(np.float64).mean(axis=2)
    return float((np.diff(grey, axis=1) ** 2).mean()), float((np.diff(grey, axis=0) ** 2).mean())


@pytest.mark.parametrize("kind", list(Transition))
def test_every_transition_keeps_the_timeline_length(kind: Transition, clips: dict[int, Path]) -> None:
    frames, first, blended = _cut(kind, clips)
    assert len(frames) == total_frames(_timeline(kind)) == round(2 * SHOT_S * FPS)
    # After the overlap the incoming shot plays untouched, whatever the transition.
    incoming = list(iter_clip_frames(clips[2]))
    assert np.array_equal(frames[first + blended], incoming[blended])
    assert np.array_equal(frames[first - 1], list(iter_clip_frames(clips[1]))[first - 1])
    assert blended == 5


@pytest.mark.parametrize("kind", [Transition.DIP_TO_BLACK, Transition.DIP_TO_WHITE])
def test_dip_reaches_its_colour_at_the_middle_of_the_cut(kind: Transition, clips: dict[int, Path]) -> None:
    frames, first, blended = _cut(kind, clips)
    middle = frames[first + blended // 2]
    colour = np.array(DIP_COLOURS[kind])
    assert np.abs(middle.astype(int) - colour).mean() < 6
    # Either side of the middle, the pictures show through again.
    for index in (first - 1, first + blended):
        assert np.abs(frames[index].astype(int) - colour).mean() > 40


@pytest.mark.parametrize("kind", [Transition.WHIP_LEFT, Transition.WHIP_RIGHT])
def test_whip_blurs_along_its_motion(kind: Transition, clips: dict[int, Path]) -> None:
    frames, first, blended = _cut(kind, clips)
    along, across = _gradient_energy(frames[first + blended // 2])
    assert along < 0.1 * across
    sharp_x, sharp_y = _gradient_energy(frames[first - 1])
    assert 0.5 < sharp_x / sharp_y < 2.0
    crossfaded, _, _ = _cut(Transition.CROSSFADE, clips)
    fade_x, fade_y = _gradient_energy(crossfaded[first + blended // 2])
    assert fade_x > 0.4 * fade_y


def test_whip_direction_moves_the_picture_against_the_camera(clips: dict[int, Path]) -> None:
    """Whipping right, the outgoing picture slides left; whipping left, it slides right."""
    shifts = {}
    for kind in (Transition.WHIP_LEFT, Transition.WHIP_RIGHT):
        frames, first, _ = _cut(kind, clips)
        before, during = frames[first - 1].mean(axis=2), frames[first].mean(axis=2)
        spectrum = np.fft.fft(before, axis=1).conj() * np.fft.fft(during, axis=1)
        correlation = np.fft.ifft(spectrum, axis=1).real.sum(axis=0)
        lag = int(np.argmax(correlation))
        shifts[kind] = lag if lag <= WIDTH // 2 else lag - WIDTH
    assert shifts[Transition.WHIP_RIGHT] < 0 < shifts[Transition.WHIP_LEFT]


def test_moods_choose_transitions_as_documented() -> None:
    documented = {
        Mood.CALM: Transition.CROSSFADE,
        Mood.NOSTALGIC: Transition.CROSSFADE,
        Mood.MELANCHOLIC: Transition.DIP_TO_BLACK,
        Mood.TENSE: Transition.DIP_TO_BLACK,
        Mood.ROMANTIC: Transition.DIP_TO_WHITE,
        Mood.HOPEFUL: Transition.DIP_TO_WHITE,
    }
    calm = _shot(1, Mood.CALM)
    for mood, kind in documented.items():
        assert choose_transition(calm, _shot(2, mood), 0) == kind
    for mood in (Mood.JOYFUL, Mood.ENERGETIC, Mood.PLAYFUL):
        incoming = _shot(2, mood)
        assert choose_transition(_shot(1, Mood.CALM, CameraMove.PAN_LEFT), incoming, 0) == Transition.WHIP_LEFT
        assert choose_transition(_shot(1, Mood.CALM, CameraMove.PAN_RIGHT), incoming, 1) == Transition.WHIP_RIGHT
        unpanned = {choose_transition(calm, incoming, cut) for cut in range(4)}
        assert unpanned == {Transition.WHIP_LEFT, Transition.WHIP_RIGHT}
    assert set(Mood) == set(documented) | {Mood.JOYFUL, Mood.ENERGETIC, Mood.PLAYFUL}


def test_timeline_records_each_cut_and_keeps_durations() -> None:
    moods = [Mood.CALM, Mood.TENSE, Mood.ROMANTIC, Mood.ENERGETIC, Mood.NOSTALGIC]
    board = Storyboard(shots=[_shot(i + 1, mood) for i, mood in enumerate(moods)])
    lines = {s.id: "a line" for s in board.shots}
    voices = {s.id: 0.8 for s in board.shots}
    timeline = build_timeline(board, lines, voices, WIDTH, HEIGHT, FPS)
    kinds = [slot.transition_in for slot in timeline.shots]
    assert kinds[1:] == [Transition.DIP_TO_BLACK, Transition.DIP_TO_WHITE, Transition.WHIP_RIGHT, Transition.CROSSFADE]
    calm = Storyboard(shots=[_shot(i + 1, Mood.CALM) for i in range(len(moods))])
    plain = build_timeline(calm, lines, voices, WIDTH, HEIGHT, FPS)
    assert {s.transition_in for s in plain.shots} == {Transition.CROSSFADE}
    timing = [(s.start_s, s.duration_s, s.voice_offset_s) for s in timeline.shots]
    assert timing == [(s.start_s, s.duration_s, s.voice_offset_s) for s in plain.shots]
    assert timeline.crossfade_s == CROSSFADE_S
    dumped = timeline.model_dump(mode="json")
    assert [s["transition_in"] for s in dumped["shots"]][1:] == [k.value for k in kinds[1:]]


def test_timelines_saved_before_transitions_still_load() -> None:
    old = _timeline(Transition.CROSSFADE).model_dump(mode="json")
    for slot in old["shots"]:
        del slot["transition_in"]
    loaded = Timeline.model_validate(old)
    assert all(slot.transition_in == Transition.CROSSFADE for slot in loaded.shots)
