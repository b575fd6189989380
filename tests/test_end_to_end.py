"""A real vlog, end to end, on the embedded models: contract, quality checks, cache, edits, kill and resume."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import json_events, run_cli
from personavlog.fsutil import sha256_file
from personavlog.measure.identity import SAME_PERSON_DISTANCE, identity_distance
from personavlog.measure.speech import transcribe, word_recall

THEME = "a rainy afternoon in a Paris café"
SHOT_KEYS = {
    "id",
    "duration_s",
    "location",
    "time_of_day",
    "weather",
    "action",
    "camera",
    "mood",
    "keyframe_prompt",
    "motion_prompt",
    "monologue",
}


def _make_args(reference: Path, out: Path, aspect: str = "1:1") -> list[str | Path]:
    return [
        "make",
        "--theme",
        THEME,
        "--reference",
        reference,
        "--duration",
        "12",
        "--aspect",
        aspect,
        "--fps",
        "12",
        "--seed",
        "3",
        "--progress",
        "json",
        "--out",
        out,
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, astronaut: Path) -> tuple[Path, float, list[dict]]:
    out = tmp_path_factory.mktemp("e2e") / "run"
    started = time.perf_counter()
    result = run_cli(*_make_args(astronaut, out))
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    return out, elapsed, json_events(result.stdout)


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


def _started(events: list[dict]) -> set[str]:
    return {e["stage"] for e in events if e["kind"] == "stage_start"}


def _copy(run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(run, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def _srt_cues(path: Path) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (seconds(part.strip()) for part in lines[1].split("-->"))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def test_manifest_follows_the_contract(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, _ = rendered
    manifest = _manifest(run)
    for key in (
        "request",
        "persona",
        "story",
        "storyboard",
        "music_brief",
        "assets",
        "critiques",
        "rollbacks",
        "backends",
        "timings",
    ):
        assert key in manifest, key
    assert manifest["persona"]["description"]
    assert manifest["story"]["title"] and manifest["story"]["logline"] and len(manifest["story"]["beats"]) >= 3
    shots = manifest["storyboard"]["shots"]
    assert len(shots) >= 2
    for shot in shots:
        assert set(shot) >= SHOT_KEYS, SHOT_KEYS - set(shot)
        assert manifest["persona"]["description"] in shot["keyframe_prompt"]
    for relative, record in manifest["assets"].items():
        assert sha256_file(run / relative) == record["sha256"], relative
        assert record["stage"]
    for shot in shots:
        for name in ("keyframe.png", "voice.wav", "clip.mp4"):
            assert f"shots/{shot['id']:02d}/{name}" in manifest["assets"]
    assert {"vlog.mp4", "vlog.srt", "music.wav"} <= set(manifest["assets"])
    assert manifest["backends"]["llm"]["name"] == "llamacpp"
    assert {"story", "storyboard", "voice", "clip", "music", "compose"} <= set(manifest["timings"])
    assert isinstance(manifest["critiques"], list) and isinstance(manifest["rollbacks"], list)
    assert not list(run.rglob(".*.tmp*"))


def test_video_is_h264_aac_of_the_timeline_length(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, _ = rendered
    manifest = _manifest(run)
    total = sum(s["duration_s"] for s in manifest["timeline"]["shots"])
    assert total >= 12 - 0.1
    with av.open(str(run / "vlog.mp4")) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert audio.codec_context.name == "aac"
        assert (video.codec_context.width, video.codec_context.height) == (720, 720)
        duration = float(container.duration) / av.time_base
    assert abs(duration - total) < 0.25


def test_voice_over_is_intelligible(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, _ = rendered
    captions = " ".join(cue[2] for cue in _srt_cues(run / "vlog.srt"))
    heard = transcribe(run / "vlog.mp4").text
    assert word_recall(captions, heard) >= 0.6, (captions, heard)


def test_captions_lie_inside_the_video_and_follow_the_voice(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, _ = rendered
    timeline = _manifest(run)["timeline"]
    total = sum(s["duration_s"] for s in timeline["shots"])
    cues = _srt_cues(run / "vlog.srt")
    assert cues
    for start, end, text in cues:
        assert 0 <= start < end <= total + 1e-3
        assert text.strip()
    for slot in timeline["shots"]:
        voice_start = slot["start_s"] + slot["voice_offset_s"]
        voice_end = voice_start + slot["voice_duration_s"]
        inside = [c for c in cues if voice_start - 0.3 <= c[0] <= voice_end]
        assert inside, f"no caption during shot {slot['shot_id']}'s line"
        assert abs(min(c[0] for c in inside) - voice_start) < 0.3


def _audio_mono(path: Path) -> tuple[np.ndarray, int]:
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            chunks.append(data.mean(axis=0) if data.ndim == 2 and data.shape[0] <= 8 else data.reshape(-1))
    return np.concatenate(chunks).astype(np.float64), rate


def test_music_is_audible_between_voice_lines(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, _ = rendered
    samples, rate = _audio_mono(run / "vlog.mp4")
    timeline = _manifest(run)["timeline"]
    speaking = np.zeros(len(samples), dtype=bool)
    for slot in timeline["shots"]:
        start = slot["start_s"] + slot["voice_offset_s"]
        speaking[int(start * rate) : int((start + slot["voice_duration_s"]) * rate)] = True
    gaps = samples[~speaking][: int(len(samples) * 0.9)]
    assert len(gaps) > rate * 0.5
    gap_dbfs = 20 * np.log10(np.sqrt(np.mean(gaps**2)) + 1e-12)
    assert gap_dbfs > -45, f"music too quiet between lines: {gap_dbfs:.1f} dBFS"
    assert np.max(np.abs(samples)) <= 1.0


def test_reference_face_is_recognised_in_most_keyframes(
    rendered: tuple[Path, float, list[dict]], astronaut: Path
) -> None:
    run, _, _ = rendered
    shots = _manifest(run)["storyboard"]["shots"]
    distances = [identity_distance(astronaut, run / "shots" / f"{s['id']:02d}" / "keyframe.png") for s in shots]
    recognised = [d for d in distances if d is not None and d < SAME_PERSON_DISTANCE]
    assert len(recognised) * 2 > len(shots), distances


def test_running_again_recomputes_nothing(rendered: tuple[Path, float, list[dict]], astronaut: Path) -> None:
    run, first_seconds, _ = rendered
    before = {p: sha256_file(p) for p in run.rglob("*") if p.is_file() and p.name != ".lock"}
    started = time.perf_counter()
    result = run_cli(*_make_args(astronaut, run))
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    events = json_events(result.stdout)
    assert not _started(events)
    assert any(e["kind"] == "stage_cached" and e["stage"] == "compose" for e in events)
    for path, digest in before.items():
        if path.name != "manifest.json":
            assert sha256_file(path) == digest, path
    assert elapsed < 0.25 * first_seconds, (elapsed, first_seconds)


def test_a_changed_option_reruns_only_what_depends_on_it(
    rendered: tuple[Path, float, list[dict]], astronaut: Path, tmp_path: Path
) -> None:
    run = _copy(rendered[0], tmp_path)
    result = run_cli(*_make_args(astronaut, run, aspect="9:16"))
    assert result.returncode == 0, result.stderr
    started = _started(json_events(result.stdout))
    shots = _manifest(run)["storyboard"]["shots"]
    assert started == {f"clip/{s['id']:02d}" for s in shots} | {"compose"}
    with av.open(str(run / "vlog.mp4")) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (720, 1280)


def test_an_edited_monologue_line_redoes_only_that_shot(
    rendered: tuple[Path, float, list[dict]], tmp_path: Path
) -> None:
    run = _copy(rendered[0], tmp_path)
    manifest = _manifest(run)
    edited = manifest["storyboard"]["shots"][1]
    edited["monologue"] = "I wrap my hands around the warm cup and watch the rain."
    (run / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli("resume", run, "--progress", "json")
    assert result.returncode == 0, result.stderr
    started = _started(json_events(result.stdout))
    assert f"voice/{edited['id']:02d}" in started
    assert not any(s.startswith("voice/") and s != f"voice/{edited['id']:02d}" for s in started)
    assert not started & {"persona", "story", "storyboard", "visual", "monologue", "music_brief"}
    assert "compose" in started
    assert "warm cup" in (run / "vlog.srt").read_text(encoding="utf-8")
    assert _manifest(run)["storyboard"]["shots"][1]["monologue"] == edited["monologue"]


def test_resume_after_sigkill_finishes_without_redoing_finished_shots(
    rendered: tuple[Path, float, list[dict]], astronaut: Path, tmp_path: Path
) -> None:
    run = _copy(rendered[0], tmp_path)
    args = [sys.executable, "-m", "personavlog.cli", *map(str, _make_args(astronaut, run, aspect="16:9"))]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None
    killed_after = None
    for line in process.stdout:
        event = json.loads(line)
        if event["kind"] == "stage_done" and re.fullmatch(r"clip/\d+", event["stage"]):
            killed_after = event["stage"]
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert killed_after is not None and process.returncode == -signal.SIGKILL

    result = run_cli("resume", run, "--progress", "json")
    assert result.returncode == 0, result.stderr
    started = _started(json_events(result.stdout))
    assert killed_after not in started
    assert "compose" in started
    assert not list(run.rglob(".*.tmp*"))
    manifest = _manifest(run)
    for relative, record in manifest["assets"].items():
        assert sha256_file(run / relative) == record["sha256"], relative
    with av.open(str(run / "vlog.mp4")) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1280, 720)


def test_critics_review_every_artifact_kind(rendered: tuple[Path, float, list[dict]]) -> None:
    run, _, events = rendered
    manifest = _manifest(run)
    critiques = manifest["critiques"]
    for critique in critiques:
        assert {"stage", "target", "score", "threshold", "passed", "feedback", "round"} <= set(critique)
    targets = {
        c["target"].split(".")[0].split()[-1] if " " in c["target"] else c["target"].split(".")[0] for c in critiques
    }
    assert {"story", "monologue", "voice", "keyframe", "clip", "music", "vlog"} <= targets, targets
    assert any(e["kind"] == "critique" for e in events)
    for rollback in manifest["rollbacks"]:
        source = critiques[rollback["from_critique"]]
        assert not source["passed"]
        assert rollback["target"] == source["target"]


def test_redo_one_shot_keeps_the_others_byte_identical(
    rendered: tuple[Path, float, list[dict]], tmp_path: Path
) -> None:
    original, first_seconds, _ = rendered
    run = _copy(original, tmp_path)
    shots = _manifest(run)["storyboard"]["shots"]
    target = shots[1]["id"]
    others = [
        run / "shots" / f"{s['id']:02d}" / name
        for s in shots
        if s["id"] != target
        for name in ("keyframe.png", "clip.mp4", "voice.wav")
    ]
    before = {path: sha256_file(path) for path in others}
    old_clip = sha256_file(run / "shots" / f"{target:02d}" / "clip.mp4")

    started = time.perf_counter()
    result = run_cli("redo", run, "--shot", str(target), "--note", "make it night and raining", "--progress", "json")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr

    redone = next(s for s in _manifest(run)["storyboard"]["shots"] if s["id"] == target)
    assert (redone["time_of_day"], redone["weather"]) == ("night", "rain")
    assert sha256_file(run / "shots" / f"{target:02d}" / "clip.mp4") != old_clip
    for path, digest in before.items():
        assert sha256_file(path) == digest, path
    assert elapsed < 0.5 * first_seconds, (elapsed, first_seconds)


def test_redo_of_an_unknown_shot_is_a_one_line_error(rendered: tuple[Path, float, list[dict]]) -> None:
    result = run_cli("redo", rendered[0], "--shot", "99")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no shot 99" in result.stderr


def test_a_vision_judge_failure_rolls_the_shot_back_and_the_retake_is_kept(
    rendered: tuple[Path, float, list[dict]], tmp_path: Path
) -> None:
    from llm_server import chat_reply, scripted_server

    run = _copy(rendered[0], tmp_path)
    target = _manifest(run)["storyboard"]["shots"][0]["id"]
    poor = {"score": 1, "reasons": "an empty room, no person", "fix": "show the person at the café table"}
    good = {"score": 5, "reasons": "the person at a café table in the rain", "fix": ""}
    with scripted_server([chat_reply(json.dumps(poor)), chat_reply(json.dumps(good))]) as server:
        config = tmp_path / "judge.toml"
        config.write_text(
            f'[judge]\nbackend = "openai"\nbase_url = "{server.base_url}"\nvision = true\nmax_retries = 0\n'
        )
        result = run_cli("redo", run, "--shot", str(target), "--config", config, "--progress", "json")
    assert result.returncode == 0, result.stderr
    manifest = _manifest(run)
    judged = [c for c in manifest["critiques"] if c["target"] == f"shot {target:02d} keyframe.judge"]
    assert [(c["score"], c["passed"]) for c in judged][:2] == [(1.0, False), (5.0, True)]
    first = manifest["critiques"].index(judged[0])
    assert any(r["from_critique"] == first and r["stage"] == f"clip/{target:02d}" for r in manifest["rollbacks"])
    assert "show the person at the café table" in judged[0]["feedback"]
    assert all(
        r["body"]["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/png") for r in server.requests
    )
