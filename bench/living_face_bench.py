"""What the living face costs and how it looks: one 720p close-up rendered with and without it, in the same run.

    python bench/living_face_bench.py [--rounds 2]

Writes bench/results/living_face.json (frame times, their ratio) and docs/images/living_face.png (a blink, frame
by frame, then the head at both ends of its turn).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

from personavlog.engines.visual.animatic import living_face
from personavlog.engines.visual.animatic.face_motion import face_motion
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.fsutil import atomic_write_bytes, atomic_write_json
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
from personavlog.vision.faces import largest_face

ROOT = Path(__file__).resolve().parents[1]
FPS = 24


def _spec(duration: float) -> ShotRenderSpec:
    shot = Shot(
        id=1,
        duration_s=duration,
        location="a café by the window",
        location_kind=LocationKind.CAFE,
        time_of_day=TimeOfDay.DAY,
        weather=Weather.RAIN,
        action="she looks around the café",
        camera=CameraMove.STATIC,
        framing=Framing.CLOSE_UP,
        mood=Mood.CALM,
    )
    return ShotRenderSpec(
        shot=shot,
        visual=ShotVisual(shot_id=1, keyframe_prompt="a person in a café", motion_prompt="still"),
        persona=PersonaProfile(description="a person", age_range="adult", hair="brown", clothing="orange", cutout="c"),
        style="cinematic",
        width=1280,
        height=720,
        fps=FPS,
        duration_s=duration,
        seed=3,
        shot_index=0,
        shot_count=1,
    )


def _render(spec: ShotRenderSpec, cutout: Path, alive: bool) -> tuple[np.ndarray, float, float]:
    """Frames, seconds to prepare, seconds per frame."""
    original = living_face.face_landmarks
    if not alive:
        living_face.face_landmarks = lambda *_args: None  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        prepared = prepare_shot(spec, cutout)
        prepare_s = time.perf_counter() - start
        start = time.perf_counter()
        frames = np.stack([prepared.composer.render(i)[..., :3].copy() for i in range(prepared.frames)])
        per_frame = (time.perf_counter() - start) / prepared.frames
    finally:
        living_face.face_landmarks = original
    return frames, prepare_s, per_frame


def _strip(frames: np.ndarray, spec: ShotRenderSpec) -> Image.Image:
    motion = face_motion(len(frames), FPS, spec.shot.action, spec.shot.mood, rng_for(spec.seed, spec.shot.id, "face"))
    face = largest_face(frames[0])
    assert face is not None, "the close-up shows her face"
    start = motion.blink_starts[0]
    picks = [start - 2, start, start + 1, start + 2, start + 3, start + 5, start + 8]
    picks += [int(np.argmin(motion.yaw)), int(np.argmax(motion.yaw))]
    x0, y0 = max(0, face.x - face.w // 3), max(0, face.y - face.h // 4)
    x1, y1 = face.x + face.w + face.w // 3, face.y + face.h + face.h // 6
    tiles = [Image.fromarray(frames[i][y0:y1, x0:x1]) for i in picks if 0 <= i < len(frames)]
    height = 220
    tiles = [t.resize((round(t.width * height / t.height), height), Image.Resampling.LANCZOS) for t in tiles]
    strip = Image.new("RGB", (sum(t.width for t in tiles), height))
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width
    return strip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "living_face.json")
    parser.add_argument("--image", type=Path, default=ROOT / "docs" / "images" / "living_face.png")
    args = parser.parse_args()
    spec = _spec(args.duration)
    with tempfile.TemporaryDirectory() as work:
        cutout = Path(work) / "cutout.png"
        analyze_reference(ROOT / "examples" / "astronaut.jpg", cutout)
        times: dict[str, list[float]] = {"still": [], "living": []}
        prepares: dict[str, list[float]] = {"still": [], "living": []}
        living_frames = None
        for _ in range(args.rounds):
            for name in ("still", "living"):
                frames, prepare_s, per_frame = _render(spec, cutout, alive=name == "living")
                times[name].append(per_frame)
                prepares[name].append(prepare_s)
                if name == "living":
                    living_frames = frames
    assert living_frames is not None
    still_ms = 1000 * min(times["still"])
    living_ms = 1000 * min(times["living"])
    result = {
        "shot": "6 s close-up, 1280x720, 24 fps, animatic, astronaut cut-out",
        "rounds": args.rounds,
        "still_ms_per_frame": round(still_ms, 1),
        "living_ms_per_frame": round(living_ms, 1),
        "frame_time_ratio": round(living_ms / still_ms, 3),
        "prepare_s": {name: round(min(values), 3) for name, values in prepares.items()},
    }
    print(json.dumps(result, indent=2))
    atomic_write_json(args.json, result)
    buffer = BytesIO()
    _strip(living_frames, spec).save(buffer, format="PNG", optimize=True)
    atomic_write_bytes(args.image, buffer.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
