"""kill -9 anywhere: a short render is killed at random moments and resumed each time, until it finishes.

    python bench/kill_resume.py --kills 20 --out bench/results/kill_resume.json

First one uninterrupted render (the reference, and its wall time). Then rounds: a render in a new directory is
started with `personavlog make`, killed with SIGKILL at a moment drawn uniformly from the reference's wall time,
and finished with `personavlog resume`, killed again the same way, until an attempt ends by itself. Rounds repeat
until `--kills` kills were made. After every kill and at the end of every round it checks:

- the manifest loads, and every asset it records is on disk with the recorded hash;
- no file in the run directory is half-written: every picture, sound and video there decodes in full (a
  temporary file of an atomic write may be left by the kill; the next attempt removes it);
- at the end: the status is done, no temporary file is left, the plan (story, storyboard, visual prompts,
  monologue, music brief) and the vlog's length equal the reference's, and no stage finished twice (counted from
  the `--progress json` events of every attempt; feedback is off, so each stage finishes once).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import wave
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

THEME = "a rainy afternoon in a Paris café"
ROOT = Path(__file__).resolve().parents[1]
RENDER = ["--duration", "10", "--resolution", "360p", "--aspect", "1:1", "--fps", "12", "--no-feedback"]
PLAN_FIELDS = ("story", "storyboard", "music_brief", "persona")


@dataclass
class Round:
    attempts: int = 0
    kills: int = 0
    kill_moments_s: list[float] = field(default_factory=list)
    stages_finished_twice: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    plan_equal: bool = False
    length_s: float = 0.0


def personavlog() -> list[str]:
    return [sys.executable, "-m", "personavlog.cli"]


def start(arguments: list[str], events: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with open(events, "ab") as sink:
        return subprocess.Popen(
            [*personavlog(), *arguments, "--progress", "json"], stdout=sink, stderr=subprocess.DEVNULL, env=env
        )


def make_arguments(run: Path, reference: Path, seed: int) -> list[str]:
    return ["make", "--theme", THEME, "--reference", str(reference), *RENDER, "--seed", str(seed), "--out", str(run)]


def finished_stages(events: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in events.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by the kill
        if isinstance(event, dict) and event.get("kind") == "stage_done":
            counts[str(event.get("stage"))] += 1
    return counts


def decodes(path: Path) -> bool:
    """Whether a media file decodes in full (what a half-written file does not)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".png", ".jpg", ".jpeg", ".webp"):
            from PIL import Image

            with Image.open(path) as image:
                image.load()
        elif suffix == ".wav":
            with wave.open(str(path)) as sound:
                frames = sound.readframes(sound.getnframes())
                return len(frames) == sound.getnframes() * sound.getnchannels() * sound.getsampwidth()
        elif suffix in (".mp4", ".m4a"):
            import av

            with av.open(str(path)) as container:
                for _ in container.decode(container.streams[0]):
                    pass
        elif suffix == ".json":
            json.loads(path.read_text())
    except Exception:  # any failure to decode is what this check looks for
        return False
    return True


def check_run(run: Path, final: bool) -> list[str]:
    from personavlog.rundir import RunDir

    problems: list[str] = []
    rundir = RunDir(run)
    temporaries = [p for p in run.rglob(".*.tmp*") if p.is_file()]
    if final and temporaries:
        problems.append(f"temporary files left: {[str(p.relative_to(run)) for p in temporaries]}")
    for path in run.rglob("*"):
        if path.is_file() and path not in temporaries and path.name != ".lock" and not decodes(path):
            problems.append(f"half-written file: {path.relative_to(run)}")
    if not rundir.exists():
        return problems
    try:
        manifest = rundir.load()
    except Exception as exc:  # a manifest that does not load is the failure being looked for
        return [*problems, f"manifest does not load: {exc}"]
    for asset, record in manifest.assets.items():
        path = run / str(asset)
        if not path.is_file():
            problems.append(f"recorded asset missing: {asset}")
        elif not rundir.asset_intact(manifest, path):
            problems.append(f"recorded asset changed: {asset} ({record.sha256[:8]})")
    return problems


def plan_of(run: Path) -> dict[str, Any]:
    from personavlog.rundir import RunDir

    manifest = RunDir(run).load()
    plan = {name: json.loads(getattr(manifest, name).model_dump_json()) for name in PLAN_FIELDS}
    plan["monologue"] = [line.model_dump(mode="json") for line in manifest.monologue() or []]
    plan["visuals"] = [visual.model_dump(mode="json") for visual in manifest.visuals() or []]
    return plan


def length_s(video: Path) -> float:
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        return float(stream.frames / stream.average_rate) if stream.frames else float(container.duration or 0) / 1e6


def reference_run(work: Path, reference: Path, seed: int) -> tuple[float, dict[str, Any], float]:
    run = work / "reference"
    started = time.monotonic()
    process = start(make_arguments(run, reference, seed), work / "reference.events")
    if process.wait() != 0:
        raise SystemExit("the uninterrupted render failed")
    return time.monotonic() - started, plan_of(run), length_s(run / "vlog.mp4")


def kill_round(
    work: Path, index: int, reference: Path, seed: int, wall_s: float, kills_left: int, rng: random.Random
) -> Round:
    run, events = work / f"round-{index:02d}", work / f"round-{index:02d}.events"
    result = Round()
    arguments = make_arguments(run, reference, seed)
    while True:
        result.attempts += 1
        if result.attempts > 60:
            result.problems.append("did not finish in 60 attempts")
            return result
        process = start(arguments, events)
        arguments = ["resume", str(run)]
        moment = rng.uniform(0.2, wall_s) if result.kills < kills_left else None
        try:
            code = process.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            result.kills += 1
            result.kill_moments_s.append(round(moment or 0.0, 2))
            result.problems += [f"after kill {result.kills}: {p}" for p in check_run(run, final=False)]
            continue
        if code != 0:
            result.problems.append(f"attempt {result.attempts} exited {code}")
            return result
        break
    from personavlog.rundir import RunDir

    result.problems += check_run(run, final=True)
    if RunDir(run).load().status != "done":
        result.problems.append("status is not done")
    result.stages_finished_twice = sorted(stage for stage, n in finished_stages(events).items() if n > 1)
    result.length_s = length_s(run / "vlog.mp4")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reference", type=Path, default=ROOT / "examples" / "astronaut.jpg")
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "kill-resume")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kill_resume.json")
    args = parser.parse_args()
    summary = run_kills(args.work, args.reference, args.seed, args.kills)
    from personavlog.fsutil import atomic_write_json

    atomic_write_json(args.out, summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "rounds"}, indent=2))
    sys.exit(0 if summary["survived"] else 1)


def run_kills(work: Path, reference: Path, seed: int, kills: int) -> dict[str, Any]:
    """The experiment; returns its summary (`survived` is true when every check held)."""
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rng = random.Random(seed)
    wall_s, plan, length = reference_run(work, reference, seed)
    rounds: list[Round] = []
    while sum(r.kills for r in rounds) < kills:
        result = kill_round(work, len(rounds), reference, seed, wall_s, kills - sum(r.kills for r in rounds), rng)
        result.plan_equal = plan_of(work / f"round-{len(rounds):02d}") == plan if not result.problems else False
        if abs(result.length_s - length) > 1e-6:
            result.problems.append(f"length {result.length_s:.3f} s, uninterrupted {length:.3f} s")
        rounds.append(result)
        if result.problems and not result.kills:
            break
    made = sum(r.kills for r in rounds)
    survived = all(not r.problems and r.plan_equal and not r.stages_finished_twice for r in rounds)
    return {
        "kills_made": made,
        "kills_survived": sum(r.kills for r in rounds if not r.problems and r.plan_equal),
        "rounds": [asdict(r) for r in rounds],
        "reference_wall_s": round(wall_s, 2),
        "reference_length_s": round(length, 3),
        "attempts": sum(r.attempts for r in rounds),
        "survived": survived,
    }


if __name__ == "__main__":
    main()
