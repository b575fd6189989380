"""Compare the embedded writers side by side: plan the same unseen themes with each and measure the plans.

    python bench/writer_bench.py --writers fast,balanced,quality --themes 20 --out bench/results

Each writer plans in its own process (one at a time, so the seconds and the peak RSS are its own), with the
critics off: this is the writer's first take. Per plan: MiniLM theme relevance of story plus monologue, lines
and phrases cut off, first-person share, lines within the word budget, near-duplicate lines, kinds of place,
shots whose kind of place contradicts their location, plan seconds. `writer_plans.md` holds every plan under
a code, and `writer_plans_key.json` says which writer wrote which, for a blind reading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_DANGLING_ENDS = {"a", "an", "the", "of", "with", "and", "to", "in", "on", "at", "for", "by", "from", "or", "my"}


def cut_off(text: str) -> bool:
    """A phrase the length limit cut: it ends on an article, a preposition or a conjunction, or mid-hyphen."""
    stripped = text.rstrip(" .,!?")
    last = stripped.split()[-1].lower() if stripped.split() else ""
    return last in _DANGLING_ENDS or stripped.endswith("-")


def plan_metrics(manifest: object) -> dict:
    from personavlog.agents.monologue import word_budget
    from personavlog.agents.storyboard_chat import contradiction
    from personavlog.agents.text import parrots, shingles, similarity
    from personavlog.measure.relevance import theme_relevance
    from personavlog.measure.speech import normalise_words

    story, shots, theme = manifest.story, manifest.storyboard.shots, manifest.request.theme  # type: ignore[attr-defined]
    lines = [shot.monologue for shot in shots]
    script = " ".join([story.title, story.logline, *story.beats, *lines])
    first_person = {"i", "i'm", "i've", "i'll", "i'd", "me", "my", "mine", "myself", "we", "us", "our"}
    near_duplicates = sum(
        1
        for i, line in enumerate(lines)
        for other in lines[:i]
        if similarity(line, other) >= 0.6 or not shingles(line, 5).isdisjoint(shingles(other, 5))
    )
    in_budget = [
        word_budget(s.duration_s)[1] <= len(normalise_words(s.monologue)) <= word_budget(s.duration_s)[2] for s in shots
    ]
    return {
        "relevance": round(theme_relevance(theme, script), 4),
        "cut_off": sum(cut_off(text) for s in shots for text in (s.location, s.action, s.monologue)),
        "first_person": round(sum(bool(first_person & set(normalise_words(x))) for x in lines) / len(lines), 4),
        "in_budget": round(sum(in_budget) / len(shots), 4),
        "near_duplicates": near_duplicates,
        "parroting_lines": sum(parrots(line, theme) for line in lines),
        "kinds_of_place": len({s.location_kind for s in shots}),
        "contradictions": sum(contradiction(s.location, s.location_kind) is not None for s in shots),
        "shots": len(shots),
    }


def plan_text(manifest: object) -> str:
    story, shots = manifest.story, manifest.storyboard.shots  # type: ignore[attr-defined]
    rows = [f"**{story.title}**. {story.logline}", "", *(f"- {beat}" for beat in story.beats), ""]
    for shot in shots:
        rows.append(f"{shot.id}. *{shot.location}* ({shot.location_kind}): {shot.action}")
        rows.append(f'   > "{shot.monologue}"')
    return "\n".join(rows)


def run_writer(writer: str, themes: list[dict], duration: float, feedback: bool = False) -> dict:
    """In a child process: plan every theme with one writer (see main)."""
    from personavlog import VlogRequest, plan_vlog
    from personavlog.config import load_settings

    settings = load_settings()
    settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"writer": writer})})
    rows = []
    for case in themes:
        work = Path(tempfile.mkdtemp(prefix="personavlog-writer-"))
        try:
            request = VlogRequest(
                theme=case["theme"],
                reference=ROOT / "examples" / "astronaut.jpg",
                duration_s=duration,
                feedback=feedback,
            )
            started = time.perf_counter()
            manifest = plan_vlog(request, work / "run", settings)
            seconds = time.perf_counter() - started
            rows.append({**case, **plan_metrics(manifest), "seconds": round(seconds, 2), "plan": plan_text(manifest)})
            print(f"{writer} {case['id']}: {seconds:.1f} s", file=sys.stderr, flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {"writer": writer, "rows": rows, "peak_rss_mb": round(_peak_rss_mb(), 1)}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summarise(result: dict) -> dict:
    rows = result["rows"]

    def mean(key: str) -> float:
        return round(statistics.fmean(float(r[key]) for r in rows), 4)

    return {
        "writer": result["writer"],
        "themes": len(rows),
        "relevance": mean("relevance"),
        "cut_off": sum(r["cut_off"] for r in rows),
        "first_person": mean("first_person"),
        "in_budget": mean("in_budget"),
        "near_duplicates": sum(r["near_duplicates"] for r in rows),
        "parroting_lines": sum(r["parroting_lines"] for r in rows),
        "kinds_of_place": mean("kinds_of_place"),
        "contradictions": sum(r["contradictions"] for r in rows),
        "seconds_per_plan": mean("seconds"),
        "peak_rss_mb": result["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="fast,balanced,quality")
    parser.add_argument("--themes", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--feedback", action="store_true", help="critics and rollbacks on (the plan a vlog gets)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from personavlog.evaluate.dataset import load_themes

    demo = (ROOT / "examples" / "theme.txt").read_text().strip()
    spread = load_themes().spread(args.themes + 1)
    themes = [{"id": c.id, "theme": c.theme} for c in spread if c.theme != demo][: args.themes]
    if args.child:
        print(json.dumps(run_writer(args.child, themes, args.duration, args.feedback)))
        return
    results = []
    for writer in args.writers.split(","):
        command = [sys.executable, __file__, "--child", writer, "--themes", str(args.themes)]
        command += ["--duration", str(args.duration)] + (["--feedback"] if args.feedback else [])
        child = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        results.append(json.loads(child.stdout))
    summary = [summarise(r) for r in results]
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    report = {"when": stamp, "duration_s": args.duration, "feedback": args.feedback, "cores": os.cpu_count()}
    report["summary"] = summary
    report["plans"] = [{k: v for k, v in r.items() if k != "plan"} for res in results for r in res["rows"]]
    (args.out / "writers.json").write_text(json.dumps(report, indent=1) + "\n")
    _blind_plans(results, args.out)
    print(json.dumps(summary, indent=1))


def _blind_plans(results: list[dict], out: Path) -> None:
    """Every plan under a random code, in a random order; the key is written apart."""
    plans = [(res["writer"], row) for res in results for row in res["rows"]]
    random.Random(7).shuffle(plans)
    key, sections = {}, []
    for number, (writer, row) in enumerate(plans, 1):
        code = f"P{number:02d}"
        key[code] = writer
        sections.append(f"## {code}: {row['theme']}\n\n{row['plan']}\n")
    (out / "writer_plans.md").write_text("# Plans for a blind reading\n\n" + "\n".join(sections))
    (out / "writer_plans_key.json").write_text(json.dumps(key, indent=1) + "\n")


if __name__ == "__main__":
    main()
