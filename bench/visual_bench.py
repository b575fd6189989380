"""The animatic visual engine alone: 30 s of 720p shots, CPU time per output second, frames per second.

python bench/visual_bench.py --out bench/results

A fixed storyboard of varied locations, times of day, weather and camera moves (no LLM) is rendered from
the cut-out of examples/astronaut.jpg. CPU time is the process's user + system time, all threads included
(the H.264 encoder runs its own threads), measured once with the clip encode and once rendering frames only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from personavlog.engines.visual.animatic import AnimaticEngine
from personavlog.engines.visual.animatic.engine import single_threaded_opencv
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.fsutil import atomic_write_json
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    PersonaProfile,
    Shot,
    ShotVisual,
    TimeOfDay,
    Weather,
)
from personavlog.vision.analysis import analyze_reference

ROOT = Path(__file__).resolve().parent.parent
TARGET_CPU_S_PER_OUTPUT_S = 1.0

STORYBOARD: list[tuple[LocationKind, TimeOfDay, Weather, CameraMove, Framing, Mood, str]] = [
    (
        LocationKind.CITY_STREET, TimeOfDay.DAY, Weather.RAIN, CameraMove.PUSH_IN, Framing.MEDIUM, Mood.CALM,
        "walks along the street under an umbrella",
    ),
    (
        LocationKind.CAFE, TimeOfDay.GOLDEN_HOUR, Weather.CLEAR, CameraMove.HANDHELD, Framing.CLOSE_UP, Mood.NOSTALGIC,
        "drinks coffee with friends and looks around",
    ),
    (
        LocationKind.BEACH, TimeOfDay.DUSK, Weather.WIND, CameraMove.PAN_RIGHT, Framing.WIDE, Mood.ROMANTIC,
        "walks the dog along the shore",
    ),
    (
        LocationKind.FOREST, TimeOfDay.DAWN, Weather.FOG, CameraMove.ORBIT, Framing.MEDIUM, Mood.HOPEFUL,
        "steps in closer to look at the moss",
    ),
    (
        LocationKind.SNOWY_VILLAGE, TimeOfDay.NIGHT, Weather.SNOW, CameraMove.PULL_OUT, Framing.MEDIUM, Mood.JOYFUL,
        "leans on a fence and smiles",
    ),
    (
        LocationKind.NIGHT_MARKET, TimeOfDay.NIGHT, Weather.CLOUDS, CameraMove.TILT_UP, Framing.CLOSE_UP, Mood.PLAYFUL,
        "sits down at a stall and looks around",
    ),
]  # fmt: skip


def storyboard_specs(
    duration_s: float, width: int, height: int, fps: int, style: str, seed: int = 0
) -> list[ShotRenderSpec]:
    """Equal-length shots covering `duration_s`, one per storyboard row."""
    persona = PersonaProfile(
        description="a person in an orange suit", age_range="adult", hair="dark", clothing="orange", cutout="c.png"
    )
    per_shot = duration_s / len(STORYBOARD)
    specs = []
    for index, (location, time_of_day, weather, camera, framing, mood, action) in enumerate(STORYBOARD):
        shot = Shot(
            id=index + 1,
            duration_s=per_shot,
            location=location.value.replace("_", " "),
            location_kind=location,
            time_of_day=time_of_day,
            weather=weather,
            action=action,
            camera=camera,
            framing=framing,
            mood=mood,
        )
        specs.append(
            ShotRenderSpec(
                shot=shot,
                visual=ShotVisual(shot_id=shot.id, keyframe_prompt="a person", motion_prompt="a slow move"),
                persona=persona,
                style=style,
                width=width,
                height=height,
                fps=fps,
                duration_s=per_shot,
                seed=seed,
                shot_index=index,
                shot_count=len(STORYBOARD),
            )
        )
    return specs


def cpu_seconds() -> float:
    return time.process_time()


def render_frames_only(spec: ShotRenderSpec, cutout: Path) -> int:
    """Prepare the shot and compose every frame to RGB, without encoding: the engine's own cost, on the engine's
    threads."""
    with single_threaded_opencv():
        prepared = prepare_shot(spec, cutout)
        rgb = np.empty((spec.height, spec.width, 3), np.uint8)
        for index in range(prepared.frames):
            cv2.cvtColor(prepared.composer.render(index), cv2.COLOR_RGBA2RGB, dst=rgb)
    return prepared.frames


def measure_engine(specs: list[ShotRenderSpec], cutout: Path, work: Path) -> tuple[dict, list[dict]]:
    """Render every shot twice (with the clip encode, then frames only) and total the CPU and wall time."""
    engine = AnimaticEngine()
    per_shot = []
    for spec in specs:
        shot_dir = work / f"{spec.shot.id:02d}"
        shot_dir.mkdir(parents=True, exist_ok=True)
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        engine.render_shot(spec, cutout, shot_dir / "keyframe.png", shot_dir / "clip.mp4")
        cpu1, wall1 = cpu_seconds(), time.perf_counter()
        frames = render_frames_only(spec, cutout)
        cpu2, wall2 = cpu_seconds(), time.perf_counter()
        per_shot.append(
            {
                "shot": spec.shot.id,
                "location": spec.shot.location_kind.value,
                "time_of_day": spec.shot.time_of_day.value,
                "weather": spec.shot.weather.value,
                "camera": spec.shot.camera.value,
                "framing": spec.shot.framing.value,
                "frames": frames,
                "cpu_s_with_encode": round(cpu1 - cpu0, 3),
                "wall_s_with_encode": round(wall1 - wall0, 3),
                "cpu_s_frames_only": round(cpu2 - cpu1, 3),
                "wall_s_frames_only": round(wall2 - wall1, 3),
            }
        )
    frames = sum(s["frames"] for s in per_shot)
    output_s = frames / specs[0].fps

    def totals(kind: str) -> dict:
        cpu = sum(s[f"cpu_s_{kind}"] for s in per_shot)
        wall = sum(s[f"wall_s_{kind}"] for s in per_shot)
        return {
            "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2),
            "cpu_s_per_output_s": round(cpu / output_s, 3),
            "frames_per_wall_s": round(frames / wall, 1),
            "frames_per_cpu_s": round(frames / cpu, 1),
        }

    summary = {
        "frames": frames,
        "output_s": round(output_s, 3),
        "size": f"{specs[0].width}x{specs[0].height}",
        "fps": specs[0].fps,
        "with_encode": totals("with_encode"),
        "frames_only": totals("frames_only"),
    }
    return summary, per_shot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--style", default="cinematic")
    parser.add_argument("--reference", type=Path, default=ROOT / "examples" / "astronaut.jpg")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    specs = storyboard_specs(args.duration, args.width, args.height, args.fps, args.style)
    with tempfile.TemporaryDirectory(prefix="personavlog-visual-bench-") as tmp:
        work = Path(tmp)
        cutout = work / "cutout.png"
        analyze_reference(args.reference, cutout)
        summary, per_shot = measure_engine(specs, cutout, work)

    cpu = summary["with_encode"]["cpu_s"]
    target = TARGET_CPU_S_PER_OUTPUT_S * summary["output_s"]
    result = {
        "benchmark": "visual_engine",
        "engine": "animatic",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "cv2_threads": cv2.getNumThreads()},
        "request": {"duration_s": args.duration, "size": f"{args.width}x{args.height}", "fps": args.fps},
        "style": args.style,
        **summary,
        "target_cpu_s": round(target, 1),
        "meets_target": cpu <= target,
        "shots": per_shot,
    }
    name = f"visual_{int(args.duration)}s_{args.height}p.json"
    atomic_write_json(args.out / name, result)
    print(json.dumps({k: v for k, v in result.items() if k != "shots"}, indent=2))


if __name__ == "__main__":
    main()
