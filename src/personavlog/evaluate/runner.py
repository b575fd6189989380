"""The ThemeVlogEval runner: every (case, system) pair generated, scored and written as one JSON.

Layout of the output directory:
    cases/<system-slug>/<case-id>.json   one CaseResult per pair, written atomically when the pair is done
    thumbs/<system-slug>/<case-id>/NN.jpg  a 128 px keyframe thumbnail per shot (for the report)
    results.csv, report.html             written by `evaluate.report` from the JSONs
The vlogs themselves are made in a work directory (default OUT/.work), which is deleted pair by pair after
scoring unless `keep_work` is set; an interrupted pair resumes from what its work directory holds.

Resumable and idempotent: `run_case` returns the stored result when its JSON exists, so re-running a suite
recomputes nothing that finished. Seeds come from the cases (fixed per case id).

Executor seam: `run_suite(..., executor=...)` takes any object with the `concurrent.futures.Executor` interface
(`submit(fn, *args, **kwargs) -> Future`). It is given `run_case` and picklable arguments only (Case, SystemSpec,
paths, a RunOptions), and every result is written by the worker itself, so a distributed executor (for example a
Ray adapter whose `submit` wraps `ray.remote(run_case).remote(...).future()`) plugs in unchanged, provided the
workers see the same output directory. Each case must run in its own process (the measurement models are
per-process caches and not thread-safe), so thread pools do not qualify. Without one, `workers > 1` uses a
process pool and `workers == 1` runs in this process.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from personavlog.evaluate.suites import Case
from personavlog.evaluate.systems import SystemSpec
from personavlog.fsutil import atomic_write_bytes, atomic_write_json

RESULT_VERSION = 1
METRIC_DECIMALS = 6


class RunOptions(BaseModel):
    work_dir: Path | None = None
    """Where vlogs are made; default OUT/.work."""
    keep_work: bool = False
    config: Path | None = None
    """PersonaVlog settings file (LLM backend etc.); PERSONAVLOG_* environment variables apply too."""


class CaseResult(BaseModel):
    version: int = RESULT_VERSION
    case: Case
    system: str
    system_slug: str
    metrics: dict[str, float | None] = {}
    audit: dict[str, Any] | None = None
    feedback: dict[str, Any] | None = None
    runtime_s: float | None = None
    score_s: float | None = None
    output_s: float | None = None
    resumed: bool = False
    """The work directory held part of this vlog from an interrupted run: runtime_s covers only the rest."""
    thumbnails: list[str] = []
    """Paths relative to the output directory."""
    error: str | None = None
    host: str = ""


def result_path(out_dir: Path, system: SystemSpec, case: Case) -> Path:
    return out_dir / "cases" / system.slug / f"{case.id}.json"


def error_path(out_dir: Path, system: SystemSpec, case: Case) -> Path:
    return out_dir / "errors" / system.slug / f"{case.id}.json"


def load_result(path: Path) -> CaseResult | None:
    if not path.is_file():
        return None
    return CaseResult.model_validate(json.loads(path.read_text(encoding="utf-8")))


def run_case(case: Case, system: SystemSpec, out_dir: Path, options: RunOptions | None = None) -> CaseResult:
    """Generate and score one case with one system; returns the stored result if it already exists."""
    from personavlog.config import load_settings
    from personavlog.evaluate.score import score_output
    from personavlog.evaluate.systems import generate

    options = options or RunOptions()
    out_dir = Path(out_dir)
    target = result_path(out_dir, system, case)
    stored = load_result(target)
    if stored is not None:
        return stored
    work = (options.work_dir or out_dir / ".work") / system.slug / case.id
    result = CaseResult(case=case, system=system.name, system_slug=system.slug, host=socket.gethostname())
    result.resumed = work.exists() and any(work.iterdir())
    try:
        settings = load_settings(options.config)
        generated = generate(system, case, work, settings)
        result.runtime_s = round(generated.runtime_s, 3)
        started = time.perf_counter()
        scored = score_output(case, system, generated, settings)
        result.score_s = round(time.perf_counter() - started, 3)
        # Six decimals: far below any difference that matters, and above float noise between processes and BLAS
        # builds, so the same seeds give the same stored numbers.
        result.metrics = {k: None if v is None else round(v, METRIC_DECIMALS) for k, v in scored.metrics.items()}
        result.audit, result.feedback, result.output_s = scored.audit, scored.feedback, round(scored.output_s, 3)
        for index, jpeg in enumerate(scored.thumbnails, 1):
            relative = Path("thumbs") / system.slug / case.id / f"{index:02d}.jpg"
            atomic_write_bytes(out_dir / relative, jpeg)
            result.thumbnails.append(relative.as_posix())
    except Exception as exc:  # one failing case must not stop a benchmark: it is recorded and reported
        result.error = f"{type(exc).__name__}: {exc}"
        (work / "error.txt").parent.mkdir(parents=True, exist_ok=True)
        (work / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        # Not stored as finished: a re-run tries the pair again. The error is kept for the report meanwhile.
        atomic_write_json(error_path(out_dir, system, case), result.model_dump(mode="json"))
        return result
    atomic_write_json(target, result.model_dump(mode="json"))
    error_path(out_dir, system, case).unlink(missing_ok=True)
    if not options.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return result


def run_suite(
    cases: Iterable[Case],
    systems: Iterable[SystemSpec],
    out_dir: Path,
    options: RunOptions | None = None,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    on_result: Callable[[CaseResult, int, int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> list[CaseResult]:
    """Run every (case, system) pair not yet stored; returns all results, stored and new, in suite order.

    Pairs run case by case (all systems of a case before the next case), so a partial run compares systems on
    the same cases.
    """
    out_dir = Path(out_dir)
    options = options or RunOptions()
    pairs = [(case, system) for case in cases for system in systems]
    results: dict[tuple[str, str], CaseResult] = {}
    todo = []
    for case, system in pairs:
        stored = load_result(result_path(out_dir, system, case))
        if stored is not None:
            results[(case.id, system.slug)] = stored
        else:
            todo.append((case, system))
    done = len(results)
    if on_start is not None:
        on_start(len(pairs), done)

    def record(result: CaseResult) -> None:
        nonlocal done
        done += 1
        results[(result.case.id, result.system_slug)] = result
        if on_result is not None:
            on_result(result, done, len(pairs))

    if executor is None and workers <= 1:
        for case, system in todo:
            record(run_case(case, system, out_dir, options))
    else:
        pool = executor or ProcessPoolExecutor(max_workers=workers)
        try:
            futures: list[Future[CaseResult]] = [
                pool.submit(run_case, case, system, out_dir, options) for case, system in todo
            ]
            for future in as_completed(futures):
                record(future.result())
        finally:
            if executor is None:
                pool.shutdown()
    return [results[(case.id, system.slug)] for case, system in pairs if (case.id, system.slug) in results]
