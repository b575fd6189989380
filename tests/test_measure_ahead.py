"""Each clip's critics measure it on a second thread while the next clip renders; its review then finds them."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from personavlog.api import resume_vlog
from personavlog.feedback.critics import final_cut, visual
from personavlog.measure import speech
from personavlog.pipeline.ahead import MeasureAhead

V1_RUN = Path(__file__).parent / "fixtures" / "v1_run"


def test_a_measurement_runs_beside_the_caller_and_is_waited_for_by_its_key() -> None:
    seen: list[str] = []
    release = threading.Event()

    def measure() -> None:
        release.wait(5)
        seen.append(threading.current_thread().name)

    with MeasureAhead() as ahead:
        ahead.submit("clip/01", measure)
        assert seen == []  # the caller went on
        release.set()
        ahead.wait("clip/01")
        assert seen and seen[0].startswith("critics-ahead")
        ahead.wait("clip/01")  # nothing pending: returns at once


def test_a_failed_measurement_is_left_to_the_review() -> None:
    def broken() -> None:
        raise RuntimeError("no face model")

    with MeasureAhead() as ahead:
        ahead.submit("clip/02", broken)
        ahead.wait("clip/02")  # does not raise: the review measures again and records why it could not


def test_closing_drops_what_has_not_started() -> None:
    started: list[str] = []
    ahead = MeasureAhead()
    ahead.submit("clip/01", lambda: time.sleep(0.3))
    ahead.submit("clip/02", lambda: started.append("clip/02"))
    ahead.close()
    assert started == []


@pytest.fixture
def stale_clips(tmp_path: Path, astronaut: Path) -> Path:
    """The fixture run (3 shots, 10 s, 360p watercolour) with every clip to render and review again."""
    run = tmp_path / "run"
    shutil.copytree(V1_RUN, run)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["request"]["reference"] = str(astronaut)
    for shot in manifest["storyboard"]["shots"]:
        manifest["stages"][f"clip/{shot['id']:02d}"]["input_hash"] = "stale"
        del manifest["reviews"][f"clip/{shot['id']:02d}"]
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return run


def test_each_clip_is_measured_once_beside_the_render_and_reviewed_in_order(
    stale_clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[tuple[str, int, str]] = []
    real_clip, real_keyframe = visual.critique_clip, visual.critique_keyframe

    def critique_clip(shot_id: int, *args: object, **kwargs: object) -> list:
        measured.append(("clip", shot_id, threading.current_thread().name))
        return real_clip(shot_id, *args, **kwargs)  # type: ignore[arg-type]

    def critique_keyframe(shot_id: int, *args: object, **kwargs: object) -> list:
        measured.append(("keyframe", shot_id, threading.current_thread().name))
        return real_keyframe(shot_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(visual, "critique_clip", critique_clip)
    monkeypatch.setattr(visual, "critique_keyframe", critique_keyframe)
    earlier = len(json.loads((stale_clips / "manifest.json").read_text())["critiques"])
    manifest = resume_vlog(stale_clips)

    shots = [shot.id for shot in manifest.planned_shots()]
    assert manifest.status == "done"
    # Every clip and keyframe measured exactly once, all on the critics' thread.
    assert sorted((kind, shot) for kind, shot, _ in measured) == sorted(
        (kind, shot) for shot in shots for kind in ("clip", "keyframe")
    )
    assert all(thread.startswith("critics-ahead") for _, _, thread in measured), measured
    # The reviews recorded those measurements, shot by shot in order, as measured critiques of round 0.
    new = manifest.critiques[earlier:]
    clip_critiques = [c for c in new if c.target.startswith("shot ") and " clip." in c.target]
    reviewed = [int(c.target.split()[1]) for c in clip_critiques if c.round == 0]
    assert sorted(set(reviewed)) == shots and reviewed == sorted(reviewed)
    assert all(c.measured for c in clip_critiques)


def test_the_soundtrack_and_the_final_cut_are_made_beside_the_clips_and_used_by_the_compose(
    stale_clips: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from personavlog.compose import render

    events: list[str] = []
    real_master, real_compose, real_clip = render.master_sound, render.compose_vlog, visual.critique_clip

    def master_sound(*args: object, **kwargs: object) -> render.MasteredSound:
        events.append("master")
        sound = real_master(*args, **kwargs)  # type: ignore[arg-type]
        made.append(sound)
        return sound

    def compose_vlog(*args: object, **kwargs: object) -> object:
        events.append("compose")
        given.append(kwargs.get("sound"))
        return real_compose(*args, **kwargs)  # type: ignore[arg-type]

    def critique_clip(shot_id: int, *args: object, **kwargs: object) -> list:
        events.append(f"clip {shot_id}")
        return real_clip(shot_id, *args, **kwargs)  # type: ignore[arg-type]

    def transcribe(media: Path) -> speech.Transcript:
        heard.append((Path(media).name, threading.current_thread().name))
        transcript = real_transcribe(media)
        transcripts.append(transcript)
        return transcript

    real_transcribe = speech.transcribe
    heard: list[tuple[str, str]] = []
    transcripts: list[speech.Transcript] = []
    monkeypatch.setattr(final_cut, "transcribe", transcribe)

    made: list[render.MasteredSound] = []
    given: list[object] = []
    monkeypatch.setattr(render, "master_sound", master_sound)
    monkeypatch.setattr(render, "compose_vlog", compose_vlog)
    monkeypatch.setattr(visual, "critique_clip", critique_clip)
    manifest = resume_vlog(stale_clips)

    assert manifest.status == "done"
    assert events.count("master") == 1, events
    assert events.index("master") < events.index("compose")
    assert given and given[0] is made[0], "the compose used the soundtrack mastered ahead"
    report = manifest.compose_report
    assert report is not None and report.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    # The final-cut critic heard the soundtrack once, ahead, on the critics' thread; it is what the vlog says.
    assert len(heard) == 1 and heard[0][0] == "soundtrack.m4a" and heard[0][1].startswith("critics-ahead"), heard
    assert transcripts[0].words == real_transcribe(stale_clips / "vlog.mp4").words
    sync = [c for c in manifest.critiques if c.target == "vlog.caption_sync"][-1]
    assert sync.measured and sync.passed
    # Every shot's segment was encoded while the clips rendered: the compose only joined them.
    shots = len(manifest.planned_shots())
    assert (report.segments_encoded, report.segments_reused) == (0, shots)
