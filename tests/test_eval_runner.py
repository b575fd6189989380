"""The ThemeVlogEval runner end to end: real generation, scoring, resumption and the report."""

from __future__ import annotations

import csv
import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from conftest import run_cli
from personavlog.evaluate.report import write_report
from personavlog.evaluate.runner import RunOptions, run_case, run_suite
from personavlog.evaluate.suites import suite_cases
from personavlog.evaluate.systems import parse_system

SLIDESHOW = (
    f"cmd:{sys.executable} -m personavlog.evaluate.slideshow --theme {{theme}} --reference {{reference}} "
    "--duration {duration} --out {out}"
)


def _stamps(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted((root / "cases").rglob("*.json"))}


def test_eval_cli_runs_a_case_resumes_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    args = ["eval", "--suite", "core", "--limit", "1", "--system", "single-pass", "--system", SLIDESHOW]
    first = run_cli(*args, "--out", out)
    assert first.returncode == 0, first.stderr
    case = suite_cases("core", 1)[0]
    ours = json.loads((out / "cases" / "single-pass" / f"{case.id}.json").read_text())
    assert ours["error"] is None and ours["case"]["duration_s"] == 10.0
    metrics = ours["metrics"]
    for name in (
        "identity_distance",
        "background_consistency",
        "niqe",
        "brisque",
        "aesthetic_proxy",
        "flicker",
        "motion_smoothness",
        "relevance_script",
        "relevance_monologue",
        "wer",
        "sync_offset_s",
        "music_mood_match",
        "duration_error",
        "runtime_per_output_s",
        "failed_checks",
    ):
        assert metrics[name] is not None, name
    assert metrics["judge_story"] is None  # no OpenAI-compatible judge configured
    assert ours["audit"]["checks"] > 10 and ours["feedback"]["rollbacks"] == 0
    assert not (out / ".work" / "single-pass" / case.id).exists()  # the vlog is gone once scored
    assert all((out / t).is_file() for t in ours["thumbnails"])

    slug = parse_system(SLIDESHOW).slug
    theirs = json.loads((out / "cases" / slug / f"{case.id}.json").read_text())["metrics"]
    assert theirs["relevance_script"] is None and theirs["failed_checks"] is None
    assert theirs["relevance_monologue"] > 0.5  # the caption is the theme itself
    assert theirs["wer"] > 0.9  # and nobody says it

    stamps = _stamps(out)
    again = run_cli(*args, "--out", out)
    assert again.returncode == 0, again.stderr
    assert _stamps(out) == stamps  # nothing recomputed
    assert "2 pairs: 2 stored, 0 to run" in again.stderr

    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "data:image/jpeg;base64," in page and "Ranking" in page
    rows = list(csv.DictReader((out / "results.csv").open()))
    systems = {r["system"] for r in rows}
    assert systems == {"single-pass", SLIDESHOW}
    assert {r["scope"] for r in rows} >= {"all", case.category}


def test_cmd_system_metrics_are_reproducible_and_executors_plug_in(tmp_path: Path) -> None:
    cases = suite_cases("full", 2)
    system = parse_system(SLIDESHOW)
    # Any Executor plugs in; it must run cases in separate processes (the models are per-process, not thread-safe).
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        first = run_suite(cases, [system], tmp_path / "a", RunOptions(work_dir=tmp_path / "w"), executor=pool)
    second = run_suite(cases, [system], tmp_path / "b", RunOptions(work_dir=tmp_path / "w"))
    assert [r.case.id for r in first] == [c.id for c in cases]
    for a, b in zip(first, second, strict=True):
        assert a.error is None
        cheap = {k: v for k, v in a.metrics.items() if k != "runtime_per_output_s"}
        assert cheap == {k: v for k, v in b.metrics.items() if k != "runtime_per_output_s"}
    # Idempotent: the stored result comes back as it was.
    assert run_case(cases[0], system, tmp_path / "a") == first[0]
    html_path, csv_path = write_report(tmp_path / "a", cases, [system])
    assert html_path.is_file() and csv_path.read_text().startswith("scope,system,metric")


def test_eval_rejects_bad_systems_in_one_line(tmp_path: Path) -> None:
    for system in ("fastest", "cmd:python make.py {theme}"):
        done = run_cli("eval", "--suite", "core", "--system", system, "--out", tmp_path)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
