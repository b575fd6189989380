"""Batch throughput: vlogs per hour for `personavlog batch` with 1 and 2 workers (optionally on Ray).

python bench/batch_bench.py --jobs 4 --workers 1 2 --ray-workers 2 --out bench/results

Every run renders the same jobs (10 s, 360p, 1:1, 12 fps, default settings) into a fresh directory, so nothing is
skipped; the figure is jobs / wall time of the whole `personavlog batch` command, start-up included.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from personavlog.fsutil import atomic_write_json

ROOT = Path(__file__).resolve().parent.parent
THEMES = [
    "a morning run by the river",
    "baking bread at dawn in a small kitchen",
    "a rainy afternoon in a Paris café",
    "the first day at a new job",
    "a night market in Taipei",
    "a quiet day of fishing on a lake",
]
JOB = {"duration": 10, "resolution": "360p", "aspect": "1:1", "fps": 12}


def write_jobs(path: Path, count: int) -> None:
    references = [ROOT / "examples" / "astronaut.jpg", ROOT / "examples" / "grace_hopper.jpg"]
    lines = [
        json.dumps({"theme": THEMES[i % len(THEMES)], "reference": str(references[i % 2]), "seed": i, **JOB})
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")


def run_once(jobs: Path, out: Path, workers: int, ray: bool) -> dict:
    command = [sys.executable, "-m", "personavlog.cli", "batch", str(jobs), "--out", str(out)]
    command += ["--workers", str(workers)]
    if ray:
        command += ["--ray", "local"]
    load_before = os.getloadavg()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    with open(out / "summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    count = len(rows)
    return {
        "executor": "ray" if ray else "processes",
        "workers": workers,
        "jobs": count,
        "wall_s": round(wall, 1),
        "vlogs_per_hour": round(count * 3600 / wall, 2),
        "job_seconds": [float(row["seconds"]) for row in rows],
        "statuses": sorted({row["status"] for row in rows}),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "command": "personavlog " + " ".join(command[3:]).replace(str(out), "OUT").replace(str(jobs), "JOBS.jsonl"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--ray-workers", type=int, nargs="*", default=[], help="worker counts to run on a local Ray cluster too"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="personavlog-batch-bench-"))
    runs = []
    try:
        jobs = work / "jobs.jsonl"
        write_jobs(jobs, args.jobs)
        plan = [(workers, False) for workers in args.workers] + [(workers, True) for workers in args.ray_workers]
        for workers, ray in plan:
            run = run_once(jobs, work / f"{'ray' if ray else 'local'}-{workers}", workers, ray)
            print(json.dumps(run), flush=True)
            runs.append(run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "batch_throughput",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "job": JOB,
        "runs": runs,
        "gpu_shots_per_hour": None,
        "gpu_note": "pending: no GPU was available when this was measured",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out / "batch_throughput.json", result)
    print(args.out / "batch_throughput.json")


if __name__ == "__main__":
    main()
