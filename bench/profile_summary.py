"""Where a `personavlog make` spends its wall time, from a py-spy profile of the whole process.

    .venv/bin/pip install py-spy
    .venv/bin/py-spy record --subprocesses --threads --idle --format raw --rate 40 -o make.raw -- \\
        .venv/bin/personavlog make --theme "$(cat examples/theme.txt)" --reference examples/astronaut.jpg \\
        --style cinematic --duration 30 --out /tmp/prof1
    .venv/bin/python bench/profile_summary.py make.raw --rate 40

`--idle` keeps the samples of a thread that waits, so the main thread's samples add up to the wall time; each is
put in the first part of the run (below) whose function is on its stack. The threads beside it (the composer's
frame producer, the progress display) are listed on their own.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("critics: script (MiniLM relevance, text checks)", ("script_review.<locals>.critic",)),
    ("critics: voice lines (Whisper, theme guard)", ("voices_review.<locals>.",)),
    ("critics: keyframes (dlib identity, face size, NIQE)", ("critique_keyframe",)),
    ("critics: clips (decode, flicker, optical flow)", ("critique_clip",)),
    ("critics: music (tempo, energy)", ("critique_music",)),
    ("critics: final cut (Whisper, loudness, sync)", ("critique_final_cut",)),
    ("critics: other", ("ReviewLoop._critique",)),
    ("critics: waiting for a clip measured beside the render", ("MeasureAhead.wait",)),
    ("LLM: loading the model", ("create_llm",)),
    ("LLM: prompt evaluation", ("ConstrainedSampler._evaluate_prompt",)),
    ("LLM: generation (sampled and fed tokens)", ("ConstrainedSampler.complete_json", "LlamaCppClient")),
    ("agents: other (persona vision, plan checks)", ("write_plan", "PersonaStage.compute")),
    ("render: voice (Piper)", ("VoiceStage.compute",)),
    ("render: clips (animatic frames + clip encode)", ("ClipStage.compute",)),
    ("render: music (MIDI + soundfont)", ("MusicStage.compute",)),
    ("compose: per-shot segments (decode, cut, captions, H.264), waited for", ("encode_segments",)),
    ("compose: joining the segments and the sound (remux)", ("remux_vlog",)),
    ("compose: mix, captions, loudness, frames", ("ComposeStage.compute",)),
    ("rollbacks' rewrites (agents)", ("roll_back",)),
    ("start-up (imports, settings)", ("_find_and_load",)),
]


def part_of(stack: list[str]) -> str:
    names = [frame.split(" (")[0] for frame in stack]
    for part, markers in PARTS:
        if any(name.startswith(marker) for name in names for marker in markers):
            return part
    return "other (manifest, timeline, bookkeeping)"


def summarise(path: str, rate: float) -> tuple[Counter[str], Counter[str], float]:
    """Seconds per part of the main thread, seconds per other thread, and the main thread's total."""
    main: Counter[str] = Counter()
    others: Counter[str] = Counter()
    with open(path, encoding="utf-8") as profile:
        lines = profile.read().splitlines()
    for line in lines:
        stack_text, _, count = line.rpartition(" ")
        frames = stack_text.split(";")
        if frames and frames[0].startswith("thread ("):  # recorded without --subprocesses: no process frame
            frames.insert(0, "")
        if len(frames) < 2:
            continue
        thread = frames[1]
        seconds = int(count) / rate
        if "MainThread" in thread or re.fullmatch(r"thread \((\d+)\)", thread):
            main[part_of(frames[2:])] += seconds
        else:
            others[re.sub(r"thread \(\d+\): ", "", thread)] += seconds
    return main, others, sum(main.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", help="py-spy's --format raw output")
    parser.add_argument("--rate", type=float, default=40.0, help="the samples per second py-spy was given")
    args = parser.parse_args()
    parts, threads, total = summarise(args.profile, args.rate)
    print("| part of the run (main thread) | seconds | share |\n|---|---|---|")
    for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"| {part} | {seconds:.1f} | {seconds / total:.1%} |")
    critics = sum(seconds for part, seconds in parts.items() if part.startswith("critics"))
    print(f"| **all critics** | **{critics:.1f}** | **{critics / total:.1%}** |")
    print(f"| **wall time** | **{total:.1f}** | |")
    print("\n| other thread | seconds sampled (idle included) |\n|---|---|")
    for thread, seconds in threads.most_common():
        print(f"| {thread} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
