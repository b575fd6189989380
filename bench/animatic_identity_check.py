"""Does the animatic engine show the reference person, in pictures that follow the storyboard, moving smoothly?

python bench/animatic_identity_check.py --out bench/results --sheets out/identity_sheets

For six ThemeVlogEval themes (one per category, none of them the demo theme), a storyboard of five shots is
drawn at random per theme (seeded by the theme id: varied location kinds, times of day, weather, camera
moves, framings and moods; no LLM), in a different style per theme, alternating the two public-domain
reference photos. Every shot is rendered by the engine at 1280x720 (keyframe + 2 s clip at 12 fps) and:

- identity: dlib face embedding distance between the reference photo and the keyframe (< 0.6 = same person),
  over the keyframes whose framing is not wide;
- distinct pictures: mean absolute difference of 64x36 keyframe thumbnails (0..255) and colour-histogram
  Bhattacharyya distance for every pair of shots of one theme whose location kind or time of day differ;
- motion: flicker, optical-flow smoothness and mean motion per frame of every clip, plus the largest
  median frame-to-frame change (mean absolute difference of 160x90 grey frames, 0..255: is there visible
  change, also under a zoom whose median flow is zero) and the largest change relative to it (a jump shows
  as a large ratio).

Each theme's run directory gets a manifest, so `personavlog sheet` draws its contact sheet.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from itertools import combinations, pairwise
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from personavlog.engines.visual.animatic import AnimaticEngine
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.evaluate.dataset import ThemeCase, load_themes
from personavlog.export.sheet import write_run_sheet
from personavlog.fsutil import atomic_write_json
from personavlog.manifest import Manifest, PlannedShot, PlannedStoryboard
from personavlog.measure.identity import SAME_PERSON_DISTANCE, identity_distance
from personavlog.measure.motion import analyse_frames
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

ROOT = Path(__file__).resolve().parent.parent
STYLES = ["cinematic", "warm film 35mm", "watercolor", "anime", "vintage vhs", "black and white documentary"]
REFERENCES = [ROOT / "examples" / "astronaut.jpg", ROOT / "examples" / "grace_hopper.jpg"]
DEMO_THEME = (ROOT / "examples" / "theme.txt").read_text().strip()
SHOTS_PER_THEME = 5
SHOT_S = 2.0
FPS = 12


def draw_storyboard(case: ThemeCase) -> list[PlannedShot]:
    """Five shots drawn at random (seeded by the theme id); location kinds do not repeat within a theme."""
    rng = random.Random(int(hashlib.sha256(case.id.encode()).hexdigest()[:8], 16))
    locations = rng.sample(list(LocationKind), SHOTS_PER_THEME)
    framings = [Framing.WIDE, Framing.MEDIUM, Framing.CLOSE_UP, Framing.MEDIUM, rng.choice(list(Framing))]
    rng.shuffle(framings)
    return [
        PlannedShot(
            id=index + 1,
            duration_s=SHOT_S,
            location=location.value.replace("_", " "),
            location_kind=location,
            time_of_day=rng.choice(list(TimeOfDay)),
            weather=rng.choice(list(Weather)),
            action="walks in and looks around" if framing == Framing.WIDE else "smiles and talks to the camera",
            camera=rng.choice(list(CameraMove)),
            framing=framing,
            mood=rng.choice(list(Mood)),
        )
        for index, (location, framing) in enumerate(zip(locations, framings, strict=True))
    ]


def _thumb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize((64, 36), Image.Resampling.BOX), np.float32)


def _histogram(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"))
    hist = cv2.calcHist([rgb], [0, 1, 2], None, [8, 8, 8], [0, 256, 0, 256, 0, 256])
    return cv2.normalize(hist, hist).flatten()


def _motion(clip: Path) -> dict[str, float]:
    frames = list(iter_clip_frames(clip))
    report = analyse_frames(frames)
    small = [cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (160, 90), interpolation=cv2.INTER_AREA) for f in frames]
    steps = [float(np.abs(b.astype(np.int16) - a.astype(np.int16)).mean()) for a, b in pairwise(small)]
    median = float(np.median(steps)) if steps else 0.0
    return {
        "flicker_score": round(report.flicker_score, 4),
        "motion_smoothness": round(report.motion_smoothness, 4),
        "mean_motion_px": round(report.mean_motion_px, 3),
        "median_step": round(median, 3),
        "largest_step_ratio": round(max(steps) / max(median, 1e-3), 2) if steps else 0.0,
    }


def check_theme(
    case: ThemeCase, style: str, reference: Path, work: Path, sheets: Path | None, width: int, height: int
) -> dict:
    run = RunDir(work / case.id)
    analyze_reference(reference, run.cutout)
    shots = draw_storyboard(case)
    request = VlogRequest(
        theme=case.theme, reference=reference, style=style, duration_s=10, resolution="720p", fps=FPS, aspect="16:9"
    )
    persona = PersonaProfile(
        description="the person in the reference photo", age_range="adult", hair="-", clothing="-", cutout="c.png"
    )
    manifest = Manifest(
        request=request,
        persona=persona,
        story=Story(title=case.id, logline=case.theme, beats=["a", "b", "c"]),
        storyboard=PlannedStoryboard(shots=shots),
    )
    run.save(manifest)
    engine = AnimaticEngine()
    results = []
    for index, planned in enumerate(shots):
        shot = Shot(**planned.model_dump(include=set(Shot.model_fields)))
        spec = ShotRenderSpec(
            shot=shot,
            visual=ShotVisual(shot_id=shot.id, keyframe_prompt=case.theme, motion_prompt=shot.action),
            persona=persona,
            style=style,
            width=width,
            height=height,
            fps=FPS,
            duration_s=SHOT_S,
            seed=7,
            shot_index=index,
            shot_count=len(shots),
        )
        run.shot_dir(shot.id).mkdir(parents=True, exist_ok=True)
        engine.render_shot(spec, run.cutout, run.keyframe(shot.id), run.clip(shot.id))
        distance = identity_distance(reference, run.keyframe(shot.id))
        results.append(
            {
                "shot": shot.id,
                "location": shot.location_kind.value,
                "time_of_day": shot.time_of_day.value,
                "weather": shot.weather.value,
                "camera": shot.camera.value,
                "framing": shot.framing.value,
                "mood": shot.mood.value,
                "identity_distance": None if distance is None else round(distance, 3),
                "recognised": distance is not None and distance < SAME_PERSON_DISTANCE,
                **_motion(run.clip(shot.id)),
            }
        )
    pairs = []
    for a, b in combinations(shots, 2):
        if a.location_kind == b.location_kind and a.time_of_day == b.time_of_day:
            continue
        ka, kb = run.keyframe(a.id), run.keyframe(b.id)
        pairs.append(
            {
                "shots": [a.id, b.id],
                "mean_abs_diff": round(float(np.abs(_thumb(ka) - _thumb(kb)).mean()), 2),
                "histogram_distance": round(
                    float(cv2.compareHist(_histogram(ka), _histogram(kb), cv2.HISTCMP_BHATTACHARYYA)), 3
                ),
            }
        )
    if sheets is not None:
        sheets.mkdir(parents=True, exist_ok=True)
        write_run_sheet(run.root, sheets / f"{case.id}.png")
    return {
        "theme": case.id,
        "category": case.category,
        "text": case.theme,
        "style": style,
        "reference": reference.name,
        "shots": results,
        "pairs": pairs,
    }


def summarise(themes: list[dict]) -> dict:
    shots = [s for t in themes for s in t["shots"]]
    close = [s for s in shots if s["framing"] != Framing.WIDE.value]
    wide = [s for s in shots if s["framing"] == Framing.WIDE.value]
    pairs = [p for t in themes for p in t["pairs"]]
    distances = [s["identity_distance"] for s in close if s["identity_distance"] is not None]
    return {
        "keyframes": len(shots),
        "non_wide_keyframes": len(close),
        "non_wide_face_found": sum(s["identity_distance"] is not None for s in close),
        "non_wide_recognised": sum(s["recognised"] for s in close),
        "non_wide_recognised_share": round(sum(s["recognised"] for s in close) / max(1, len(close)), 3),
        "non_wide_mean_distance": round(float(np.mean(distances)), 3) if distances else None,
        "wide_recognised": f"{sum(s['recognised'] for s in wide)} of {len(wide)}",
        "pairs_differing_in_location_or_time": len(pairs),
        "pair_mean_abs_diff_min": min(p["mean_abs_diff"] for p in pairs),
        "pair_mean_abs_diff_median": round(float(np.median([p["mean_abs_diff"] for p in pairs])), 2),
        "pair_histogram_distance_min": min(p["histogram_distance"] for p in pairs),
        "pair_histogram_distance_median": round(float(np.median([p["histogram_distance"] for p in pairs])), 3),
        "motion_smoothness_min": min(s["motion_smoothness"] for s in shots),
        "motion_smoothness_mean": round(float(np.mean([s["motion_smoothness"] for s in shots])), 4),
        "flicker_score_min": min(s["flicker_score"] for s in shots),
        "mean_motion_px_min": min(s["mean_motion_px"] for s in shots),
        "median_step_min": min(s["median_step"] for s in shots),
        "largest_step_ratio_max": max(s["largest_step_ratio"] for s in shots),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=int, default=6)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--sheets", type=Path, default=None, help="write each theme's contact sheet here")
    args = parser.parse_args()

    cases = [c for c in load_themes().spread(args.themes + 1) if c.theme != DEMO_THEME][: args.themes]
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="personavlog-identity-"))
    try:
        themes = [
            check_theme(
                case,
                STYLES[i % len(STYLES)],
                REFERENCES[i % len(REFERENCES)],
                work,
                args.sheets,
                args.width,
                args.height,
            )
            for i, case in enumerate(cases)
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "animatic_identity_check",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "size": f"{args.width}x{args.height}",
        "fps": FPS,
        "shot_s": SHOT_S,
        "wall_s": round(time.perf_counter() - started, 1),
        "summary": summarise(themes),
        "themes": themes,
    }
    atomic_write_json(args.out / "animatic_identity.json", result)
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
