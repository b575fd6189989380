"""Does the protagonist live and stay recognisable in every style?

python bench/protagonist_bench.py --out bench/results [--strips docs/images/styles] [--sheets out/protagonist]

For every look in the animatic engine, a few unseen ThemeVlogEval themes (a different pair per look, never the
demo theme), each a storyboard of five shots drawn at random (seeded by the theme id: location kinds, times of
day, weather, camera moves, framings, moods and an action from a list of things people do in a vlog: walking,
stepping in, leaning, sitting, looking around, with a dog, coffee with friends, an umbrella ...; no LLM),
alternating the two public-domain reference photos. Every shot is rendered at 1280x720, 24 fps, 3 s, twice:
as the engine renders it, and with the living face switched off (the face a still picture, all else the same).

- lives: the face moves by itself (a blink, a turn, a glance). Each live frame is compared with the still
  render's same frame, which differs from it in nothing but the face (camera, light, weather, grain and the body's
  motion are the same): the optical flow between them over the face and a margin around it (dlib's detector finds
  the face in the still frame), its 98th percentile, is how far the face's own features moved, in frame pixels.
  A face lives when that reaches 2 px in some frame of the shot (between two identical frames the flow measures
  about 0.02 px). Counted over non-wide shots (wide shots keep a still face: it is under 44 px on screen).
- recognised: dlib embedding distance between the reference photo and the keyframe below 0.6, non-wide shots.

Writes bench/results/protagonist.json; with --strips one strip per look (JPEG) (the non-wide keyframes of its first
theme and the frames around a blink), with --sheets each theme's run directory and contact sheet.
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from personavlog.engines.visual.animatic import living_face
from personavlog.engines.visual.animatic.engine import keyframe_index
from personavlog.engines.visual.animatic.shot import prepare_shot
from personavlog.engines.visual.animatic.style import PRESETS
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.evaluate.dataset import ThemeCase, load_themes
from personavlog.fsutil import atomic_write_bytes, atomic_write_json
from personavlog.measure.identity import SAME_PERSON_DISTANCE, face_models, identity_distance
from personavlog.schema import (
    CameraMove,
    FaceBox,
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
REFERENCES = [ROOT / "examples" / "astronaut.jpg", ROOT / "examples" / "grace_hopper.jpg"]
DEMO_THEME = (ROOT / "examples" / "theme.txt").read_text().strip()
SHOTS_PER_THEME = 5
ACTIONS = [
    "walks slowly along the street, taking it all in",
    "steps in closer to look at the window display",
    "steps back and away to take in the whole view",
    "leans on the railing and breathes out",
    "sits down at a small table by the window",
    "looks around, searching for the way",
    "walks the dog along the path",
    "drinks coffee with friends at a table",
    "holds an umbrella and waits for the rain to ease",
    "pushes a bicycle past the shops",
    "smiles and talks to the camera",
    "reads a book in silence",
]
OWN_MOTION_PX = 2.0
"""A face whose features move by themselves by 2 px of a 720p frame somewhere in a shot visibly moves (the flow
between two identical frames measures about 0.02 px)."""


def draw_storyboard(case: ThemeCase, shot_s: float) -> list[Shot]:
    rng = random.Random(int(hashlib.sha256(case.id.encode()).hexdigest()[:8], 16))
    locations = rng.sample(list(LocationKind), SHOTS_PER_THEME)
    framings = [Framing.WIDE, Framing.MEDIUM, Framing.CLOSE_UP, Framing.MEDIUM, rng.choice(list(Framing))]
    rng.shuffle(framings)
    actions = rng.sample(ACTIONS, SHOTS_PER_THEME)
    return [
        Shot(
            id=index + 1,
            duration_s=shot_s,
            location=location.value.replace("_", " "),
            location_kind=location,
            time_of_day=rng.choice(list(TimeOfDay)),
            weather=rng.choice(list(Weather)),
            action=action,
            camera=rng.choice(list(CameraMove)),
            framing=framing,
            mood=rng.choice(list(Mood)),
        )
        for index, (location, framing, action) in enumerate(zip(locations, framings, actions, strict=True))
    ]


def face_box(rgb: np.ndarray) -> FaceBox | None:
    """The largest face dlib's detector finds (at half size), in frame pixels."""
    detector = face_models()[0]
    half = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
    faces = sorted(detector(half, 1), key=lambda r: r.width() * r.height(), reverse=True)
    if not faces:
        return None
    f = faces[0]
    return FaceBox(x=f.left() * 2, y=f.top() * 2, w=f.width() * 2, h=f.height() * 2)


def own_motion(live: np.ndarray, still: np.ndarray, face: FaceBox) -> float:
    """How far the face's pixels moved by themselves in this frame, in frame pixels: optical flow
    from the still render's frame to the live one (same camera, light, grain and body), its 98th percentile over
    the face and a margin around it (the features that moved: lids, eyes, nose, the turning cheek)."""
    pad = round(0.25 * face.w)
    h, w = still.shape[:2]
    y0, y1 = max(0, face.y - pad), min(h, face.y + face.h + pad)
    x0, x1 = max(0, face.x - pad), min(w, face.x + face.w + pad)
    a = cv2.cvtColor(np.ascontiguousarray(still[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    b = cv2.cvtColor(np.ascontiguousarray(live[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)  # type: ignore[call-overload]
    return float(np.percentile(np.linalg.norm(flow, axis=2), 98))


def face_tracks(live_frames: list[np.ndarray], still_frames: list[np.ndarray]) -> dict:
    """The face's own motion in every frame where dlib finds the still face, and the frame where it peaks."""
    moved: list[tuple[float, int]] = []
    widths: list[int] = []
    for index, (live, still) in enumerate(zip(live_frames, still_frames, strict=True)):
        face = face_box(still)
        if face is not None:
            moved.append((own_motion(live, still, face), index))
            widths.append(face.w)
    peak = max(moved, default=None)
    return {
        "faces": len(moved),
        "face_width_px": int(np.median(widths)) if widths else None,
        "own_motion_px_max": None if peak is None else round(peak[0], 2),
        "own_motion_px_median": None if not moved else round(float(np.median([m for m, _ in moved])), 2),
        "peak_frame": None if peak is None else peak[1],
    }


@contextmanager
def still_face() -> Iterator[None]:
    original = living_face.face_landmarks
    living_face.face_landmarks = lambda *_args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        living_face.face_landmarks = original


def render(spec: ShotRenderSpec, cutout: Path) -> tuple[list[np.ndarray], float]:
    """Every frame as RGB, and the CPU seconds it took (prepare and frames, no encode)."""
    start = time.process_time()
    prepared = prepare_shot(spec, cutout)
    frames = [cv2.cvtColor(prepared.composer.render(i), cv2.COLOR_RGBA2RGB) for i in range(prepared.frames)]
    return frames, time.process_time() - start


def judge(track: dict) -> dict:
    lives = track["own_motion_px_max"] is not None and track["own_motion_px_max"] >= OWN_MOTION_PX
    return {"lives": bool(lives)}


def check_theme(case: ThemeCase, style: str, reference: Path, work: Path, args: argparse.Namespace) -> dict:
    cutout = work / f"{reference.stem}-cutout.png"
    if not cutout.exists():
        analyze_reference(reference, cutout)
    persona = PersonaProfile(
        description="the person in the reference photo", age_range="adult", hair="-", clothing="-", cutout="c.png"
    )
    shots = draw_storyboard(case, args.shot_s)
    results, strip = [], []
    for index, shot in enumerate(shots):
        spec = ShotRenderSpec(
            shot=shot,
            visual=ShotVisual(shot_id=shot.id, keyframe_prompt=case.theme, motion_prompt=shot.action),
            persona=persona,
            style=style,
            width=args.width,
            height=args.height,
            fps=args.fps,
            duration_s=args.shot_s,
            seed=7,
            shot_index=index,
            shot_count=len(shots),
        )
        frames, cpu_s = render(spec, cutout)
        keyframe = frames[keyframe_index(len(frames))]
        row: dict = {
            "shot": shot.id,
            "framing": shot.framing.value,
            "location": shot.location_kind.value,
            "camera": shot.camera.value,
            "weather": shot.weather.value,
            "mood": shot.mood.value,
            "action": shot.action,
            "cpu_s_frames": round(cpu_s, 2),
        }
        if shot.framing != Framing.WIDE:
            distance = identity_distance(reference, keyframe)
            with still_face():
                still_frames, _ = render(spec, cutout)
            track = face_tracks(frames, still_frames)
            row |= {
                "identity_distance": None if distance is None else round(distance, 3),
                "recognised": distance is not None and distance < SAME_PERSON_DISTANCE,
                "face": track,
                **judge(track),
            }
            strip.append((keyframe, frames, track))
        results.append(row)
    if args.sheets is not None:
        theme_dir = args.sheets / f"{style}-{case.id}"
        theme_dir.mkdir(parents=True, exist_ok=True)
        for i, (keyframe, _, _) in enumerate(strip):
            Image.fromarray(keyframe).save(theme_dir / f"keyframe-{i + 1}.jpg", quality=88)
    return {
        "theme": case.id,
        "text": case.theme,
        "style": style,
        "reference": reference.name,
        "shots": results,
        "_strip": strip,
    }


def style_strip(style: str, theme: dict, height: int = 180) -> Image.Image:
    """The non-wide keyframes of one theme, then the frames around the deepest blink of its first close shot."""
    tiles: list[np.ndarray] = [k for k, _, _ in theme["_strip"]]
    blink = next((t for t in theme["_strip"] if t[2].get("peak_frame") is not None), None)
    if blink is not None:
        _, frames, live = blink
        at = live["peak_frame"]
        face_crop = _face_crop(frames[at])
        for i in range(max(0, at - 2), min(len(frames), at + 3)):
            tiles.append(frames[i][face_crop])
    scaled = [cv2.resize(t, (round(t.shape[1] * height / t.shape[0]), height), cv2.INTER_AREA) for t in tiles]
    width = sum(s.shape[1] for s in scaled) + 4 * (len(scaled) - 1)
    canvas = Image.new("RGB", (width, height + 22), (18, 18, 18))
    x = 0
    for tile in scaled:
        canvas.paste(Image.fromarray(tile), (x, 22))
        x += tile.shape[1] + 4
    ImageDraw.Draw(canvas).text((6, 5), f"{style}: {theme['text']}", fill=(235, 235, 235))
    return canvas


def _face_crop(rgb: np.ndarray) -> tuple[slice, slice]:
    face = face_box(rgb)
    if face is None:
        return slice(None), slice(None)
    pad = round(0.3 * face.w)
    h, w = rgb.shape[:2]
    return (
        slice(max(0, face.y - pad), min(h, face.y + face.h + pad // 2)),
        slice(max(0, face.x - pad), min(w, face.x + face.w + pad)),
    )


def summarise(themes: list[dict]) -> dict:
    close = [s for t in themes for s in t["shots"] if s["framing"] != Framing.WIDE.value]
    return {
        "non_wide_shots": len(close),
        "lives": sum(s["lives"] for s in close),
        "lives_share": round(sum(s["lives"] for s in close) / max(1, len(close)), 3),
        "own_motion_px_max_median": round(
            float(np.median([s["face"]["own_motion_px_max"] or 0.0 for s in close] or [0])), 2
        ),
        "recognised": sum(s["recognised"] for s in close),
        "recognised_share": round(sum(s["recognised"] for s in close) / max(1, len(close)), 3),
        "mean_distance": round(
            float(np.mean([s["identity_distance"] for s in close if s["identity_distance"] is not None] or [1.0])), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--styles", default=",".join(PRESETS), help="comma-separated looks (default: every one)")
    parser.add_argument("--themes-per-style", type=int, default=2)
    parser.add_argument("--shot-s", type=float, default=3.0)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--strips", type=Path, default=None, help="write one strip per look here (JPEG)")
    parser.add_argument("--sheets", type=Path, default=None, help="keep each theme's non-wide keyframes here")
    args = parser.parse_args()

    styles = [s for s in args.styles.split(",") if s]
    per = args.themes_per_style
    pool = [c for c in load_themes().spread(len(styles) * per + 1) if c.theme != DEMO_THEME]
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="personavlog-protagonist-"))
    by_style: dict[str, dict] = {}
    try:
        for s_index, style in enumerate(styles):
            themes = []
            for t_index in range(per):
                case = pool[(s_index * per + t_index) % len(pool)]
                reference = REFERENCES[(s_index + t_index) % len(REFERENCES)]
                themes.append(check_theme(case, style, reference, work, args))
                print(style, case.id, json.dumps(summarise(themes[-1:])), flush=True)
            if args.strips is not None:
                args.strips.mkdir(parents=True, exist_ok=True)
                buffer = Path(work / "strip.jpg")
                style_strip(style, themes[0]).save(buffer, format="JPEG", quality=85)
                atomic_write_bytes(args.strips / f"{style}.jpg", buffer.read_bytes())
            for theme in themes:
                theme.pop("_strip")
            by_style[style] = {"summary": summarise(themes), "themes": themes}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    all_themes = [t for s in by_style.values() for t in s["themes"]]
    result = {
        "benchmark": "protagonist",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "size": f"{args.width}x{args.height}",
        "fps": args.fps,
        "shot_s": args.shot_s,
        "rule": {"own_motion_px": OWN_MOTION_PX},
        "wall_s": round(time.perf_counter() - started, 1),
        "summary": summarise(all_themes),
        "by_style": {style: data["summary"] for style, data in by_style.items()},
        "styles": by_style,
    }
    atomic_write_json(args.out / "protagonist.json", result)
    print(json.dumps({"summary": result["summary"], "by_style": result["by_style"]}, indent=2))


if __name__ == "__main__":
    main()
