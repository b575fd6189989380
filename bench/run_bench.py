"""Render one vlog with the embedded defaults and record per-stage wall time, real-time factor and peak memory.

python bench/run_bench.py --duration 30 --out bench/results

It then renders the vlog's own shots again with the visual engine alone, in this process, to report the
engine's frames per second and CPU seconds per output second, with and without the clip encode.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from visual_bench import measure_engine

from personavlog import VlogRequest, make_vlog
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.fsutil import atomic_write_json
from personavlog.manifest import Manifest
from personavlog.rundir import RunDir
from personavlog.timing import clip_duration

ROOT = Path(__file__).resolve().parent.parent


def visual_engine_figures(manifest: Manifest, run: RunDir, work: Path) -> dict:
    """The animatic engine on the vlog's own storyboard and timeline: fps and CPU s per output second."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--aspect", default="16:9")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    request = VlogRequest(
        theme=(ROOT / "examples" / "theme.txt").read_text().strip(),
        reference=ROOT / "examples" / "astronaut.jpg",
        duration_s=args.duration,
        aspect=args.aspect,
        resolution=args.resolution,
    )
    work = Path(tempfile.mkdtemp(prefix="personavlog-bench-"))
    try:
        started = time.perf_counter()
        manifest = make_vlog(request, work / "run")
        first = time.perf_counter() - started
        started = time.perf_counter()
        make_vlog(request, work / "run")
        cached = time.perf_counter() - started
        visual = visual_engine_figures(manifest, RunDir(work / "run"), work / "visual")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    assert manifest.timeline is not None
    video_s = manifest.timeline.total_s
    width, height = request.frame_size()
    result = {
        "benchmark": "make_vlog",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "request": {"duration_s": args.duration, "size": f"{width}x{height}", "fps": request.fps},
        "video_s": round(video_s, 3),
        "shots": len(manifest.timeline.shots),
        "wall_s": round(first, 2),
        "real_time_factor": round(first / video_s, 3),
        "stage_wall_s": manifest.timings,
        "critics_and_overhead_s": round(first - sum(manifest.timings.values()), 2),
        "critiques": len(manifest.critiques),
        "rollbacks": len(manifest.rollbacks),
        "rerun_wall_s": round(cached, 2),
        "rerun_ratio": round(cached / first, 4),
        "visual_engine": visual,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
