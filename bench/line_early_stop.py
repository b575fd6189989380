"""What a lower early stop of the monologue's line draws would choose and save, on themes the agents never saw.

    python bench/line_early_stop.py --themes 10 --out bench/results/writers/early_stop
    python bench/line_early_stop.py --summarise bench/results/writers/early_stop/draws_10themes.json

The few-shot path draws up to four candidates a line and stops early only at a score of `GOOD_LINE`. This plans
each theme (critics off) and records every candidate's score, in the order drawn; since the draws are seeded, a
lower stop would have drawn the same candidates up to the first one reaching it. The summary gives, per stop,
the draws a line, the share of lines chosen as now, the mean score and the mean theme relevance of the lines
chosen (the lines after a changed one would follow it, so the later figures are an estimate).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STOPS = (1.8, 1.6, 1.5, 1.4, 1.2)


def record(themes: int, out: Path) -> Path:
    import personavlog.agents.monologue as monologue
    from personavlog import VlogRequest, plan_vlog
    from personavlog.evaluate.dataset import load_themes

    demo = (ROOT / "examples" / "theme.txt").read_text().strip()
    calls: list[dict[str, Any]] = []
    run_agent = monologue.run_agent

    def recording(llm: Any, task: Any, **kwargs: Any) -> Any:
        drawn: list[dict[str, Any]] = []
        score, review = task.score, task.review

        def scored(text: str) -> float:
            value = score(text)
            drawn.append({"text": text, "score": value, "ok": review(text) is None})
            return value

        task.score = scored
        chosen = run_agent(llm, task, **kwargs)
        calls.append({"salt": kwargs.get("salt", 0), "draws": kwargs.get("candidates"), "seq": drawn, "chosen": chosen})
        return chosen

    monologue.run_agent = recording
    rows = []
    for case in [c for c in load_themes().spread(themes + 1) if c.theme != demo][:themes]:
        work = Path(tempfile.mkdtemp(prefix="personavlog-draws-"))
        calls.clear()
        started = time.perf_counter()
        try:
            request = VlogRequest(theme=case.theme, reference=ROOT / "examples" / "astronaut.jpg", duration_s=30)
            plan_vlog(request.model_copy(update={"feedback": False}), work / "run")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows.append({"theme": case.theme, "seconds": time.perf_counter() - started, "lines": list(calls)})
        print(f"{case.theme}: {rows[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"draws_{themes}themes.json"
    path.write_text(json.dumps(rows, indent=1) + "\n")
    return path


def _chosen(drawn: list[dict[str, Any]], stop: float) -> tuple[dict[str, Any], int]:
    """The candidate `run_agent` keeps with this early stop, and how many it drew."""
    best: tuple[tuple[bool, float], dict[str, Any]] | None = None
    for count, candidate in enumerate(drawn, 1):
        rank = (candidate["ok"], candidate["score"])
        if best is None or rank > best[0]:
            best = (rank, candidate)
        if best[0][0] and best[0][1] >= stop:
            return best[1], count
    assert best is not None
    return best[1], len(drawn)


def summarise(path: Path) -> list[dict[str, float]]:
    from personavlog.agents.monologue import GOOD_LINE
    from personavlog.measure.relevance import theme_relevance

    rows = json.loads(path.read_text())
    lines = [(row["theme"], call["seq"]) for row in rows for call in row["lines"] if call["seq"]]
    table = []
    for stop in (GOOD_LINE, *STOPS):
        picks = [(theme, *_chosen(drawn, stop), _chosen(drawn, GOOD_LINE)[0]) for theme, drawn in lines]
        table.append(
            {
                "stop": stop,
                "draws_a_line": round(statistics.fmean(count for _, _, count, _ in picks), 2),
                "as_now": round(statistics.fmean(c["text"] == a["text"] for _, c, _, a in picks), 3),
                "mean_score": round(statistics.fmean(c["score"] for _, c, _, _ in picks), 3),
                "mean_relevance": round(statistics.fmean(theme_relevance(t, c["text"]) for t, c, _, _ in picks), 3),
            }
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "writers" / "early_stop")
    parser.add_argument("--summarise", type=Path, help="summarise a recording instead of making one")
    args = parser.parse_args()
    path = args.summarise or record(args.themes, args.out)
    print(json.dumps(summarise(path), indent=1))


if __name__ == "__main__":
    main()
