"""`make bench`'s figures on a tiny vlog: every field there, the parts adding up to the whole, a one-shot redo."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import av

from personavlog.api import make_vlog
from personavlog.rundir import RunDir
from personavlog.schema import VlogRequest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from run_bench import CriticClock, StageClock, bare_encode_s, redo_figures, summarise


def test_the_bench_accounts_for_the_wall_time_of_a_tiny_vlog(tmp_path: Path, astronaut: Path) -> None:
    request = VlogRequest(
        theme="a windy walk along the harbour",
        reference=astronaut,
        duration_s=10,
        resolution="360p",
        aspect="1:1",
        fps=12,
        seed=4,
    )
    stages, critics = StageClock(), CriticClock()
    started = time.perf_counter()
    with critics.timing():
        manifest = make_vlog(request, tmp_path / "run", on_progress=stages)
    wall = time.perf_counter() - started
    assert manifest.timeline is not None
    video_s = manifest.timeline.total_s
    width, height = request.frame_size()
    bare = bare_encode_s(video_s, width, height, request.fps, astronaut, tmp_path / "bare.mp4")
    with av.open(str(tmp_path / "bare.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", width, height)
        assert stream.frames == round(video_s * request.fps)

    figures = summarise(wall, video_s, bare, stages.seconds, critics.seconds)
    assert {"persona", "story", "storyboard", "voice", "clip", "music", "compose"} <= set(figures["stage_s"])
    assert {"script", "voices", "music", "compose"} <= set(figures["critics_s"])
    assert {f"clip/{shot.shot_id:02d}" for shot in manifest.timeline.shots} <= set(manifest.reviews)
    assert "clip" in figures["critics_s"]
    assert 0 < figures["critics_total_s"] < wall
    assert (
        figures["critics_share"] == round(figures["critics_total_s"] / figures["wall_s"], 4)
        or abs(figures["critics_share"] - figures["critics_total_s"] / figures["wall_s"]) < 1e-3
    )
    assert figures["other_s"] >= 0  # stages and critics never overlap: together they fit in the wall time
    assert 0 < bare < wall and figures["ratio_to_bare_encode"] > 1
    assert abs(figures["real_time_factor"] - wall / video_s) < 1e-2
    # Critics are timed outside the loop: the review loop itself is restored afterwards.
    from personavlog.pipeline.review import ReviewLoop

    assert ReviewLoop.run.__name__ == "run"

    # The redo of the middle shot, on the same vlog: only that shot is rendered again.
    redo = redo_figures(RunDir(tmp_path / "run"), wall)
    shot_ids = [shot.shot_id for shot in manifest.timeline.shots]
    assert redo["redo_shot"] == shot_ids[len(shot_ids) // 2]
    assert redo["redo_rerendered"]["clip"] and redo["other_shots_unchanged"] is True
    assert {"clip", "compose"} <= set(redo["redo_stage_s"])
    assert redo["redo_wall_s"] > 0 and abs(redo["redo_ratio"] - redo["redo_wall_s"] / wall) < 1e-2


def test_a_blind_reading_hides_the_writers_and_tallies_them_back(tmp_path: Path) -> None:
    from blind_reading import mix, tally

    sources = []
    for writer, themes in (("fast", ["a night market", "a lake at dawn"]), ("quality", ["a night market"])):
        folder = tmp_path / writer
        folder.mkdir()
        sections = [
            f'## P{i:02d}: {theme}\n\n1. *a spot* (park): walks\n   > "I walk."\n' for i, theme in enumerate(themes, 1)
        ]
        (folder / "writer_plans.md").write_text("# Plans for a blind reading\n\n" + "\n".join(sections))
        key = {f"P{i:02d}": writer for i in range(1, len(themes) + 1)}
        (folder / "writer_plans_key.json").write_text(json.dumps(key))
        sources.append(str(folder / "writer_plans.md"))
    out = tmp_path / "reading"
    mix(out, [sources[0], f"{sources[1]}=named"])
    plans = (out / "plans.md").read_text()
    key = json.loads((out / "key.json").read_text())
    assert sorted(key) == ["R01", "R02", "R03"] and sorted(key.values()) == ["fast", "fast", "named"]
    assert plans.count("## R") == 3 and "fast" not in plans and "named" not in plans
    judged = {code: {"fits": [writer == "fast"], "story": writer != "fast", "why": ""} for code, writer in key.items()}
    (out / "judgments.json").write_text(json.dumps(judged))
    counts = tally(out)
    assert counts["fast"] == {"plans": 2, "lines": 2, "fit": 2, "one_story": 0, "fit_share": 1.0}
    assert counts["named"]["fit"] == 0 and counts["named"]["one_story"] == 1
