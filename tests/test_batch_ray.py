"""`personavlog batch --ray` on a real local Ray cluster (2 CPUs, loopback): a killed worker, resume, retries."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from personavlog.batch.summary import read_summary
from personavlog.distributed import TransientError, WorkerDied
from personavlog.errors import InputError
from personavlog.manifest import AssetId, AssetKind
from personavlog.rundir import RunDir

# Loopback only (Ray's single-machine mode), no memory monitor killing workers on a shared 2-core machine.
# Ray reads the first when it is imported, so it is set before the import, for this process and its children.
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_memory_monitor_refresh_ms": "0"}
os.environ.update(RAY_ENV)
ray = pytest.importorskip("ray")
SHORT = {"duration": 10, "resolution": "360p", "aspect": "1:1", "fps": 12}


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A Ray cluster of this machine, started for these tests and stopped after them; yields its address."""
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=128 * 1024 * 1024,
        logging_level="WARNING",
        log_to_driver=False,
    )
    address = ray.get_runtime_context().gcs_address
    assert address.startswith("127.0.0.1:")
    try:
        yield address
    finally:
        ray.shutdown()


@dataclass
class BatchRun:
    out: Path
    command: list[str]
    returncode: int
    stderr: str
    killed_job: str
    killed_pid: int


def _stages_done(run: RunDir) -> set[str]:
    try:
        return set(json.loads(run.manifest_path.read_text())["stages"])
    except (OSError, ValueError, KeyError):
        return set()


def _attempt_pids(out: Path, job: str) -> list[int]:
    log = out / ".batch" / "attempts" / f"{job}.log"
    return [int(line.split()[2]) for line in log.read_text().splitlines()] if log.is_file() else []


@pytest.fixture(scope="module")
def ray_batch(
    ray_cluster: str, tmp_path_factory: pytest.TempPathFactory, astronaut: Path, grace_hopper: Path
) -> BatchRun:
    """Three short vlogs on the cluster; the worker of the first job to get going is SIGKILLed mid-render."""
    root = tmp_path_factory.mktemp("ray-batch")
    (root / "batch.toml").write_text("candidates = 1\n")
    jobs = [
        {"theme": "a morning run by the river", "reference": str(astronaut), **SHORT, "no_feedback": True},
        {"theme": "baking bread at home", "reference": str(grace_hopper), **SHORT, "no_feedback": True, "seed": 2},
        # Seed 1: with one candidate per call, the embedded writer finds no valid monologue line for seed 0.
        {"theme": "a rainy day at the museum", "reference": str(astronaut), **SHORT, "max_rounds": 1, "seed": 1},
    ]
    (root / "jobs.jsonl").write_text("".join(json.dumps(job) + "\n" for job in jobs))
    out = root / "out"
    command = [
        sys.executable,
        "-m",
        "personavlog.cli",
        "batch",
        str(root / "jobs.jsonl"),
        "--out",
        str(out),
        "--ray",
        ray_cluster,
        "--config",
        str(root / "batch.toml"),
    ]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victim = None
        deadline = time.monotonic() + 900
        while victim is None:
            assert process.poll() is None, "the batch ended before any job got going"
            assert time.monotonic() < deadline, "no job got past its first stage"
            for log in sorted((out / ".batch" / "attempts").glob("*.log")):
                if "persona" in _stages_done(RunDir(out / log.stem)):
                    victim = log.stem
                    break
            time.sleep(0.5)
        (pid,) = _attempt_pids(out, victim)
        os.kill(pid, signal.SIGKILL)
        _, stderr = process.communicate(timeout=2400)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return BatchRun(out, command, process.returncode, stderr, victim, pid)


def test_every_line_renders_on_ray_despite_a_killed_worker(ray_batch: BatchRun) -> None:
    assert ray_batch.returncode == 0, ray_batch.stderr
    rows = read_summary(ray_batch.out / "summary.csv")
    assert [row["line"] for row in rows] == ["1", "2", "3"]
    assert {row["status"] for row in rows} == {"done"}
    for row in rows:
        job = Path(row["out_dir"]).name
        expected = "2" if job == ray_batch.killed_job else "1"
        assert row["attempts"] == expected, (job, row)
        assert row["reason"] == ""
    pids = _attempt_pids(ray_batch.out, ray_batch.killed_job)
    assert pids[0] == ray_batch.killed_pid and len(pids) == 2 and pids[1] != pids[0]


def test_no_asset_is_lost_duplicated_or_half_written(ray_batch: BatchRun) -> None:
    run_dirs = sorted(p.name for p in ray_batch.out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert run_dirs == [
        "0001-a-morning-run-by-the-river",
        "0002-baking-bread-at-home",
        "0003-a-rainy-day-at-the-museum",
    ]
    rows = {Path(row["out_dir"]).name: float(row["duration_s"]) for row in read_summary(ray_batch.out / "summary.csv")}
    for name in run_dirs:
        run = RunDir(ray_batch.out / name)
        manifest = run.load()
        assert manifest.status == "done"
        for asset in manifest.assets:
            assert run.asset_intact(manifest, run.path(asset)), f"{name}/{asset}"
        on_disk = {p.relative_to(run.root).as_posix() for p in (run.root / "shots").rglob("*") if p.is_file()}
        recorded = {str(asset) for asset in manifest.assets if asset.shot is not None}
        assert on_disk == recorded, f"{name}: files no manifest accounts for"
        assert not list(run.root.rglob(".*.tmp*")), f"{name}: half-written file left"
        assert not (run.root / ".takes").exists()
        with av.open(str(run.video)) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == (360, 360)
            assert container.streams.audio, "the vlog has sound"
            seconds = float(container.duration or 0) / 1e6
        assert seconds == pytest.approx(rows[name], abs=0.3) and 8 <= seconds <= 15


def test_rerun_skips_finished_vlogs(ray_batch: BatchRun) -> None:
    videos = sorted(ray_batch.out.glob("*/vlog.mp4"))
    stamps = [video.stat().st_mtime_ns for video in videos]
    attempts = {log.name: log.read_text() for log in (ray_batch.out / ".batch" / "attempts").glob("*.log")}
    again = subprocess.run(
        ray_batch.command, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"), capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert {row["status"] for row in read_summary(ray_batch.out / "summary.csv")} == {"skipped"}
    assert [video.stat().st_mtime_ns for video in videos] == stamps
    assert {log.name: log.read_text() for log in (ray_batch.out / ".batch" / "attempts").glob("*.log")} == attempts


def test_ray_executor_retries_a_killed_task_and_bounds_failures(ray_cluster: str, tmp_path: Path) -> None:
    from personavlog.distributed.ray_executor import RayExecutor

    # Defined here so Ray ships them by value: the test module is not importable on the workers.
    def die_on_first_attempt(marker: str) -> int:
        path = Path(marker)
        if not path.exists():
            path.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()

    def always_die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def fail_transiently(counter: str) -> None:
        path = Path(counter)
        path.write_text(str(int(path.read_text()) + 1) if path.exists() else "1")
        raise TransientError("the service is not answering")

    def fail_for_good() -> None:
        raise InputError("reference image not found: nope.jpg")

    executor = RayExecutor(ray_cluster, max_attempts=2)
    try:
        pid = executor.submit(die_on_first_attempt, str(tmp_path / "killed")).result(timeout=300)
        assert pid != int((tmp_path / "killed").read_text())
        with pytest.raises(WorkerDied, match=r"\(2 attempts\)"):
            executor.submit(always_die).result(timeout=300)
        with pytest.raises(TransientError, match="not answering"):
            executor.submit(fail_transiently, str(tmp_path / "count")).result(timeout=300)
        assert (tmp_path / "count").read_text() == "2"
        with pytest.raises(InputError, match=r"nope\.jpg"):
            executor.submit(fail_for_good).result(timeout=300)
    finally:
        executor.shutdown()
    assert ray.is_initialized(), "an executor that joined a running cluster leaves it running"


def _drop_pictures(source: Path, target: Path) -> RunDir:
    """A copy of a finished vlog whose keyframes and clips are gone: only the clip stages have work left."""
    shutil.copytree(source, target)
    for picture in [*target.glob("shots/*/keyframe.png"), *target.glob("shots/*/clip.mp4")]:
        picture.unlink()
    return RunDir(target)


def test_shots_render_on_actors_that_load_their_engine_once(ray_batch: BatchRun, tmp_path: Path) -> None:
    from personavlog.api import resume_vlog
    from personavlog.config import load_settings
    from personavlog.distributed.settings import DistributedSettings
    from personavlog.distributed.shots import actor_stats

    settings = load_settings(ray_batch.out.parent / "batch.toml").model_copy(
        update={"distributed": DistributedSettings(shots="ray", shot_gpus=0, shot_actors=2)}
    )
    source = RunDir(ray_batch.out / "0001-a-morning-run-by-the-river")
    original = source.load()
    shots = len(original.storyboard.shots)
    assert shots >= 2

    first = _drop_pictures(source.root, tmp_path / "first")
    manifest = resume_vlog(first.root, settings)
    assert manifest.status == "done"
    for shot in manifest.storyboard.shots:
        keyframe = AssetId(AssetKind.KEYFRAME, shot.id)
        assert first.asset_intact(manifest, first.path(keyframe))
        # The same inputs give the same picture on an actor as in the batch worker: retries are idempotent.
        assert manifest.assets[keyframe].sha256 == original.assets[keyframe].sha256
    stats = actor_stats(settings, 2)
    assert [s["loads"] for s in stats] == [1, 1]
    assert sum(s["renders"] for s in stats) == shots and all(s["renders"] > 0 for s in stats)
    assert all(s["pid"] != os.getpid() for s in stats)

    resume_vlog(first.root, settings)  # nothing changed: the cache answers, no actor renders
    assert sum(s["renders"] for s in actor_stats(settings, 2)) == shots

    second = _drop_pictures(source.root, tmp_path / "second")
    assert resume_vlog(second.root, settings).status == "done"
    stats = actor_stats(settings, 2)
    assert [s["loads"] for s in stats] == [1, 1], "a second vlog reuses the loaded engines"
    assert sum(s["renders"] for s in stats) == 2 * shots


def test_eval_runs_its_cases_as_ray_tasks(ray_cluster: str, tmp_path: Path) -> None:
    parents = tmp_path / "generator-parents.txt"
    slideshow = (
        f"cmd:echo $PPID >> {parents} && {sys.executable} -m personavlog.evaluate.slideshow --theme {{theme}} "
        "--reference {reference} --duration {duration} --out {out}"
    )
    command = [sys.executable, "-m", "personavlog.cli", "eval", "--suite", "core", "--limit", "2"]
    process = subprocess.Popen(
        [*command, "--system", slideshow, "--out", "eval", "--ray", ray_cluster],
        cwd=tmp_path,
        env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = process.communicate(timeout=1200)
    assert process.returncode == 0, stderr
    results = [json.loads(p.read_text()) for p in sorted((tmp_path / "eval" / "cases").rglob("*.json"))]
    assert len(results) == 2
    assert all(r["error"] is None and r["metrics"]["wer"] is not None for r in results)
    assert (tmp_path / "eval" / "report.html").is_file()
    generator_parents = {int(pid) for pid in parents.read_text().split()}
    assert len(parents.read_text().split()) == 2
    assert process.pid not in generator_parents, "the cases ran in Ray workers, not in the eval process"
