"""Plan vlogs for themes the agents have never seen, with and without the script critics, and measure the plans.

    python bench/agents_bench.py --themes 20 --workers 2 --out bench/results

Per theme: MiniLM theme relevance of story + monologue, share of shots whose line fits its duration, repeated
lines, persona text identical in every keyframe prompt, distinct locations, LLM seconds; feedback-off is the
first take, feedback-on is the same plan after the script review (critiques, rollbacks, added seconds).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from personavlog import VlogRequest, plan_vlog
from personavlog.agents.monologue import word_budget
from personavlog.evaluate.dataset import load_themes
from personavlog.fsutil import atomic_write_json
from personavlog.manifest import Manifest
from personavlog.measure.relevance import theme_relevance
from personavlog.measure.speech import normalise_words

ROOT = Path(__file__).resolve().parent.parent
DEMO_THEME = (ROOT / "examples" / "theme.txt").read_text().strip()


def plan_metrics(manifest: Manifest) -> dict:
    assert manifest.story is not None and manifest.storyboard is not None and manifest.persona is not None
    shots = manifest.storyboard.shots
    lines = [s.monologue for s in shots]
    script = " ".join([manifest.story.title, manifest.story.logline, *manifest.story.beats, *lines])
    in_budget = [
        word_budget(s.duration_s)[1] <= len(normalise_words(s.monologue)) <= word_budget(s.duration_s)[2] for s in shots
    ]
    return {
        "relevance": round(theme_relevance(manifest.request.theme, script), 4),
        "monologue_in_budget": round(sum(in_budget) / len(shots), 4),
        "identical_lines": len(lines) - len({" ".join(normalise_words(line)) for line in lines}),
        "persona_in_every_prompt": all(manifest.persona.description in s.keyframe_prompt for s in shots),
        "distinct_locations": len({s.location_kind for s in shots}),
        "shots": len(shots),
    }


def run_theme(case: dict, duration: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="personavlog-agents-"))
    try:
        request = VlogRequest(
            theme=case["theme"], reference=ROOT / "examples" / "astronaut.jpg", duration_s=duration, feedback=False
        )
        started = time.perf_counter()
        off = plan_vlog(request, work / "run")
        off_s = time.perf_counter() - started
        started = time.perf_counter()
        on = plan_vlog(request.model_copy(update={"feedback": True}), work / "run")
        review_s = time.perf_counter() - started
        return {
            **case,
            "off": {**plan_metrics(off), "seconds": round(off_s, 2)},
            "on": {
                **plan_metrics(on),
                "seconds": round(off_s + review_s, 2),
                "critiques_failed_first_take": sum(1 for c in on.critiques if c.round == 0 and not c.passed),
                "critiques_failed_final": _final_failures(on),
                "rollbacks": len(on.rollbacks),
            },
            "llm_tokens": sum(c.prompt_tokens + c.completion_tokens for c in on.llm_calls),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _final_failures(manifest: Manifest) -> int:
    last_round = max((c.round for c in manifest.critiques), default=0)
    latest = {c.target: c for c in manifest.critiques if c.round <= last_round}
    return sum(1 for c in latest.values() if not c.passed)


def summarise(rows: list[dict], mode: str) -> dict:
    def mean(key: str) -> float:
        return round(statistics.fmean(float(r[mode][key]) for r in rows), 4)

    return {
        "relevance": mean("relevance"),
        "monologue_in_budget": mean("monologue_in_budget"),
        "vlogs_with_identical_lines": sum(1 for r in rows if r[mode]["identical_lines"]),
        "persona_in_every_prompt": all(r[mode]["persona_in_every_prompt"] for r in rows),
        "distinct_locations": mean("distinct_locations"),
        "seconds_per_plan": mean("seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    cases = [c.model_dump() for c in load_themes().spread(args.themes + 1) if c.theme != DEMO_THEME][: args.themes]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = list(pool.map(run_theme, cases, [args.duration] * len(cases)))
    result = {
        "benchmark": "agents",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "themes": len(rows),
        "duration_s": args.duration,
        "feedback_off": summarise(rows, "off"),
        "feedback_on": {
            **summarise(rows, "on"),
            "rollbacks_per_plan": round(statistics.fmean(r["on"]["rollbacks"] for r in rows), 3),
            "failed_checks_first_take": sum(r["on"]["critiques_failed_first_take"] for r in rows),
            "failed_checks_final": sum(r["on"]["critiques_failed_final"] for r in rows),
        },
        "cases": rows,
    }
    atomic_write_json(args.out / f"agents_{len(rows)}themes.json", result)
    print(json.dumps({k: v for k, v in result.items() if k != "cases"}, indent=2))


if __name__ == "__main__":
    main()
