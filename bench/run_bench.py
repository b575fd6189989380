"""Render one vlog with the embedded defaults: wall time, real-time factor, seconds per stage and critic, peak memory.

python bench/run_bench.py --duration 30 --out bench/results

In the same process it then encodes as many frames of the same size with the composer's own H.264 muxer and
nothing else (the bare encode: the least a vlog of that length can cost), renders the vlog again into the same
directory (every stage cached), redoes its middle shot the way `personavlog redo DIR --shot N --note TEXT` does
(`--skip-redo` leaves that out), and renders the vlog's own shots again with the visual engine alone, to report
the engine's frames per second and CPU seconds per output second (`--skip-engine` leaves that out).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from personavlog import VlogRequest, make_vlog, redo_shot
from personavlog.compose.encode import VlogMuxer
from personavlog.config import Settings, load_settings
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.fsutil import atomic_write_json, sha256_file
from personavlog.manifest import Manifest
from personavlog.pipeline.review import Review, ReviewLoop
from personavlog.progress import ProgressEvent
from personavlog.rundir import RunDir
from personavlog.schema import Critique
from personavlog.timing import clip_duration

ROOT = Path(__file__).resolve().parent.parent
PAN_PX_PER_FRAME = 2
# What a user would ask of one shot: the note names closed values (night, rain) that override the storyboard's.
REDO_NOTE = "make it night and raining"


def visual_engine_figures(manifest: Manifest, run: RunDir, work: Path) -> dict:
    """The animatic engine on the vlog's own storyboard and timeline: fps and CPU s per output second."""
    from visual_bench import measure_engine

    board, visuals, timeline = manifest.shots(), manifest.visuals(), manifest.timeline
    assert board is not None and visuals is not None and timeline is not None and manifest.persona is not None
    request = manifest.request
    width, height = request.frame_size()
    specs = [
        ShotRenderSpec(
            shot=shot,
            visual=next(v for v in visuals if v.shot_id == shot.id),
            persona=manifest.persona,
            style=request.style,
            width=width,
            height=height,
            fps=request.fps,
            duration_s=clip_duration(timeline, index),
            seed=request.seed,
            shot_index=index,
            shot_count=len(board.shots),
        )
        for index, shot in enumerate(board.shots)
    ]
    summary, _ = measure_engine(specs, run.cutout, work)
    return summary


def bare_encode_s(duration_s: float, width: int, height: int, fps: int, reference: Path, out: Path) -> float:
    """Seconds to encode `duration_s` of frames with the composer's muxer (libx264 veryfast, CRF 20, BT.709) and
    nothing else: the reference photo, mirrored side by side and panned across the frame, video only."""
    with Image.open(reference) as photo:
        scaled = photo.convert("RGB").resize((round(photo.width * height / photo.height), height))
    tile = np.asarray(scaled)
    frames = round(duration_s * fps)
    needed = width + frames * PAN_PX_PER_FRAME
    canvas = np.concatenate([tile, tile[:, ::-1]] * (needed // (2 * tile.shape[1]) + 1), axis=1)
    started = time.perf_counter()
    with VlogMuxer(out, width, height, fps, audio_packets=[], audio_rate=48_000) as muxer:
        for index in range(frames):
            left = index * PAN_PX_PER_FRAME
            muxer.write(canvas[:, left : left + width])
    return time.perf_counter() - started


class CriticClock:
    """Wall seconds the reviews spend in their critics and guards, by kind of review (`clip/03` counts as clip):
    the review loop's own work, timed from outside so that any version of the pipeline can be measured."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def _timed(self, kind: str, check: Callable[[int], list[Critique]]) -> Callable[[int], list[Critique]]:
        def timed(round_: int) -> list[Critique]:
            started = time.perf_counter()
            try:
                return check(round_)
            finally:
                self.seconds[kind] += time.perf_counter() - started

        return timed

    @contextmanager
    def timing(self) -> Iterator[None]:
        run = ReviewLoop.run
        clock = self

        def timed_run(loop: ReviewLoop, manifest: Manifest, review: Review) -> None:
            kind = review.key.split("/")[0]
            timed = dataclasses.replace(
                review, critic=clock._timed(kind, review.critic), guards=clock._timed(kind, review.guards)
            )
            run(loop, manifest, timed)

        ReviewLoop.run = timed_run  # type: ignore[method-assign]
        try:
            yield
        finally:
            ReviewLoop.run = run  # type: ignore[method-assign]


class MemoryTrace:
    """A progress listener with a sampling thread: the process's resident memory every 50 ms, its peak credited
    to what was going on (the stage last started, or "after <stage>" once it is done), and the CPU seconds the
    process spent meanwhile (all its threads), so that `cpu_s / wall s` says how many cores each stage kept busy."""

    def __init__(self) -> None:
        self.peak_mib: dict[str, float] = defaultdict(float)
        self.cpu_s: dict[str, float] = defaultdict(float)
        self.wall_s: dict[str, float] = defaultdict(float)
        self._label = "start"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="memory-trace", daemon=True)

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "stage_start":
            self._label = event.stage.split("/")[0]
        elif event.kind == "stage_done":
            self._label = f"after {event.stage.split('/')[0]}"

    def _sample(self) -> None:
        page_mib = os.sysconf("SC_PAGE_SIZE") / 2**20
        cpu, wall = _process_cpu_s(), time.perf_counter()
        with open("/proc/self/statm") as statm:
            while not self._stop.wait(0.05):
                statm.seek(0)
                resident = int(statm.read().split()[1]) * page_mib
                label = self._label
                self.peak_mib[label] = max(self.peak_mib[label], resident)
                now_cpu, now_wall = _process_cpu_s(), time.perf_counter()
                self.cpu_s[label] += now_cpu - cpu
                self.wall_s[label] += now_wall - wall
                cpu, wall = now_cpu, now_wall

    def cores_busy(self) -> dict[str, float]:
        """CPU seconds over wall seconds for each label: 2.0 is both cores of the bench machine busy throughout."""
        return {label: round(self.cpu_s[label] / wall, 2) for label, wall in self.wall_s.items() if wall > 0}

    @contextmanager
    def tracing(self) -> Iterator[None]:
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()


def _process_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


class StageClock:
    """A progress listener: wall seconds per stage, every take counted (retakes and the takes they replaced)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._started: dict[str, float] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "stage_start":
            self._started[event.stage] = time.perf_counter()
        elif event.kind == "stage_done":
            started = self._started.pop(event.stage, None)
            # A redo's rewrite of one shot by the agents reports no seconds: timed here from its start.
            seconds = event.seconds if event.seconds is not None or started is None else time.perf_counter() - started
            if seconds is not None:
                self.seconds[event.stage.split("/")[0]] += seconds


def _digest(path: Path) -> str | None:
    return sha256_file(path) if path.exists() else None


def redo_figures(run: RunDir, cold_wall_s: float, settings: Settings | None = None) -> dict[str, Any]:
    """Redo the middle shot of the finished vlog in `run` with `REDO_NOTE`, through the API that `personavlog redo`
    calls: its wall time, that over the cold run's, which of the shot's files changed, and whether every other
    shot's clip stayed byte-identical."""
    timeline = run.load().timeline
    assert timeline is not None
    shot_ids = [shot.shot_id for shot in timeline.shots]
    shot = shot_ids[len(shot_ids) // 2]
    own_files = {"keyframe": run.keyframe(shot), "clip": run.clip(shot), "voice": run.voice(shot)}
    own_before = {kind: _digest(path) for kind, path in own_files.items()}
    others_before = {other: _digest(run.clip(other)) for other in shot_ids if other != shot}
    stages, critics = StageClock(), CriticClock()
    started = time.perf_counter()
    with critics.timing():
        redo_shot(run.root, shot, REDO_NOTE, settings, on_progress=stages)
    wall_s = time.perf_counter() - started
    critics_total = sum(critics.seconds.values())
    return {
        "redo_shot": shot,
        "redo_note": REDO_NOTE,
        "redo_wall_s": round(wall_s, 2),
        "redo_ratio": round(wall_s / cold_wall_s, 4),
        "redo_stage_s": {stage: round(seconds, 2) for stage, seconds in stages.seconds.items()},
        "redo_critics_s": {kind: round(seconds, 2) for kind, seconds in critics.seconds.items()},
        "redo_other_s": round(wall_s - sum(stages.seconds.values()) - critics_total, 2),
        "redo_rerendered": {kind: _digest(path) != own_before[kind] for kind, path in own_files.items()},
        "other_shots_unchanged": all(
            digest is not None and _digest(run.clip(other)) == digest for other, digest in others_before.items()
        ),
    }


def summarise(
    wall_s: float, video_s: float, bare_s: float, stage_s: dict[str, float], critics_s: dict[str, float]
) -> dict[str, Any]:
    """The figures of one run: where its wall time went, and how it compares with the video and a bare encode."""
    critics_total = sum(critics_s.values())
    return {
        "wall_s": round(wall_s, 2),
        "real_time_factor": round(wall_s / video_s, 3),
        "bare_encode_s": round(bare_s, 2),
        "ratio_to_bare_encode": round(wall_s / bare_s, 2),
        "stage_s": {stage: round(seconds, 2) for stage, seconds in stage_s.items()},
        "critics_s": {kind: round(seconds, 2) for kind, seconds in critics_s.items()},
        "critics_total_s": round(critics_total, 2),
        "critics_share": round(critics_total / wall_s, 4),
        "other_s": round(wall_s - sum(stage_s.values()) - critics_total, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--aspect", default="16:9")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--skip-engine", action="store_true", help="leave out the visual engine's own figures")
    parser.add_argument("--skip-redo", action="store_true", help="leave out the redo of one shot")
    parser.add_argument(
        "--prefix-cache",
        choices=("warm", "fresh", "off"),
        default="warm",
        help="the agents' saved prompt prefixes: as the user cache has them (warm; a machine that made a vlog "
        "before), an empty store (fresh; the first vlog after installing), or none kept (off)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    settings = load_settings(None)
    settings.llm.prefix_cache = args.prefix_cache != "off"

    request = VlogRequest(
        theme=(ROOT / "examples" / "theme.txt").read_text().strip(),
        reference=ROOT / "examples" / "astronaut.jpg",
        duration_s=args.duration,
        aspect=args.aspect,
        resolution=args.resolution,
        fps=args.fps,
    )
    width, height = request.frame_size()
    work = Path(tempfile.mkdtemp(prefix="personavlog-bench-"))
    if args.prefix_cache == "fresh":
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # the default writer ships in a package, not the cache
    stages, critics, memory = StageClock(), CriticClock(), MemoryTrace()

    def listen(event: ProgressEvent) -> None:
        stages(event)
        memory(event)

    load_before = os.getloadavg()[0]
    try:
        started = time.perf_counter()
        with critics.timing(), memory.tracing():
            manifest = make_vlog(request, work / "run", settings, on_progress=listen)
        first = time.perf_counter() - started
        peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert manifest.timeline is not None
        video_s = manifest.timeline.total_s
        bare = bare_encode_s(video_s, width, height, request.fps, request.reference, work / "bare.mp4")
        started = time.perf_counter()
        make_vlog(request, work / "run", settings)
        cached = time.perf_counter() - started
        redo = {} if args.skip_redo else redo_figures(RunDir(work / "run"), first, settings)
        visual = None if args.skip_engine else visual_engine_figures(manifest, RunDir(work / "run"), work / "visual")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "benchmark": "make_vlog",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1min": [load_before, os.getloadavg()[0]],
        },
        "request": {"duration_s": args.duration, "size": f"{width}x{height}", "fps": request.fps},
        "prefix_cache": args.prefix_cache,
        "video_s": round(video_s, 3),
        "shots": len(manifest.timeline.shots),
        **summarise(first, video_s, bare, stages.seconds, critics.seconds),
        "critiques": len(manifest.critiques),
        "rollbacks": len(manifest.rollbacks),
        "peak_rss_mib": round(peak_rss_mib, 1),
        "peak_rss_by_stage_mib": {label: round(mib, 1) for label, mib in memory.peak_mib.items()},
        "cores_busy_by_stage": memory.cores_busy(),
        "wall_s_by_stage": {label: round(wall, 2) for label, wall in memory.wall_s.items()},
        "rerun_wall_s": round(cached, 2),
        "rerun_ratio": round(cached / first, 4),
        **redo,
        "visual_engine": visual,
        "llm_tokens": {
            "prompt": sum(c.prompt_tokens for c in manifest.llm_calls),
            "completion": sum(c.completion_tokens for c in manifest.llm_calls),
        },
    }
    target = args.out / f"make_vlog_{int(args.duration)}s_{width}x{height}.json"
    atomic_write_json(target, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
