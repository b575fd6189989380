"""The final cut's segments encoded while the clips render: which ones, and when (the encoding itself is
tested against the compose in test_compose.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from personavlog.compose import render
from personavlog.pipeline.cut_ahead import CutAhead
from personavlog.schema import ShotTiming, Timeline


def _timeline(shots: int) -> Timeline:
    timings = [
        ShotTiming(
            shot_id=index + 1,
            start_s=index * 2.0,
            duration_s=2.0,
            voice_offset_s=0.2,
            voice_duration_s=1.0,
            caption=f"line {index + 1}",
        )
        for index in range(shots)
    ]
    return Timeline(fps=12, width=160, height=96, shots=timings, crossfade_s=0.5)


def _passes(monkeypatch: pytest.MonkeyPatch, passes: list[tuple[int, bool]]) -> list[list[int]]:
    """The batches of segment indices handed to the encoder while the clips of `passes` (shot id, made) pass."""
    batches: list[list[int]] = []
    monkeypatch.setattr(render, "encode_segments_ahead", lambda *args: batches.append(list(args[-1])) or 0)
    timeline = _timeline(4)
    paths = {shot.shot_id: Path(f"/nowhere/{shot.shot_id}") for shot in timeline.shots}
    with CutAhead(timeline, paths, paths, Path("/nowhere")) as cut:
        for shot_id, made in passes:
            cut.clip_passed(shot_id, made)
    return batches


def test_a_cold_run_encodes_each_segment_once_its_clip_and_the_one_it_fades_from_are_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _passes(monkeypatch, [(1, True), (2, True), (3, True), (4, True)]) == [[0], [1], [2], [3]]


def test_a_redone_shot_encodes_its_segment_and_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _passes(monkeypatch, [(1, False), (2, True), (3, False), (4, False)]) == [[1], [2]]


def test_nothing_is_encoded_when_no_clip_was_made(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _passes(monkeypatch, [(1, False), (2, False), (3, False), (4, False)]) == []


def test_a_failed_encode_is_left_to_the_compose(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(*args: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(render, "encode_segments_ahead", fail)
    timeline = _timeline(2)
    paths = {shot.shot_id: Path(f"/nowhere/{shot.shot_id}") for shot in timeline.shots}
    with CutAhead(timeline, paths, paths, Path("/nowhere")) as cut:
        cut.clip_passed(1, True)
    assert "disk full" in caplog.text
